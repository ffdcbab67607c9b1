/*
 * kill_check.c — the wait hook behind KILL QUERY support (see kill_check.h).
 * The server's _current_thd() is looked up at run time (dlsym), so the
 * library still loads on a server that does not export it.
 */
#include "udf_abi.h"

#include "kill_check.h"
#include "plugin_active.h"

#include <dlfcn.h>
#include <pthread.h>

/* Longest poll between two looks at the kill flag. */
#define MDB_KILL_POLL_MS 100

typedef void *(*current_thd_fn)(void);
static current_thd_fn current_thd;
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static void lookup(void) { current_thd = (current_thd_fn)dlsym(RTLD_DEFAULT, "_current_thd"); }

void *mdb_current_thd(void) {
    pthread_once(&lookup_once, lookup);
    return current_thd ? current_thd() : NULL;
}

int mdb_kill_check_available(void) {
#if MDB_MARIADB
    pthread_once(&lookup_once, lookup);
    return current_thd != NULL && mdb_plugin_active();
#else
    return 0;
#endif
}

static int killed(void *thd) {
#if MDB_MARIADB
    if (!thd || !mdb_services_enter()) return 0;
    int k = thd_kill_level((MYSQL_THD)thd) != THD_IS_NOT_KILLED;
    mdb_services_leave();
    return k;
#else
    (void)thd;
    return 0;
#endif
}

int mdb_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    void *thd = *(void **)arg;
    if (killed(thd)) return SQLAMBDA_WAIT_CANCEL;
    long slice = timeout_ms < 0 || timeout_ms > MDB_KILL_POLL_MS ? MDB_KILL_POLL_MS : timeout_ms;
    int rc = sqlambda_poll_fds(fds, nfds, slice);
    if (rc == 0 && killed(thd)) return SQLAMBDA_WAIT_CANCEL;
    return SQLAMBDA_WAIT_CONTINUE;
}
