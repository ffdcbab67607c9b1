/*
 * wait_latch.c — the wait hook core calls whenever a Lambda request must
 * wait for its sockets. It waits on a WaitEventSet holding the backend's
 * latch, postmaster death and those sockets, so a query cancel,
 * statement_timeout or pg_terminate_backend (all of which set the latch)
 * end the wait at once: the hook then answers SQLAMBDA_WAIT_CANCEL, core
 * aborts the transfer and frees its state, and awsl_invoke() lets
 * CHECK_FOR_INTERRUPTS() raise PostgreSQL's own error.
 *
 * The common case — one socket, the backend's kept-alive connection — reuses
 * one WaitEventSet across waits and calls (it is rebuilt when the socket
 * behind the descriptor changes: a new connection has a new inode, even if
 * it got the same descriptor number). Other cases build a set per wait.
 *
 * The hook must never longjmp through core (that would leak its transfer):
 * a PostgreSQL error raised inside it is copied, flushed, and re-thrown by
 * awsl_wait_rethrow() once core has returned.
 */
#include "aws_lambda.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"

#include <sys/stat.h>

static ErrorData *kept_error;

/* A pending interrupt that should stop the call. */
static bool cancel_pending(void) {
    return InterruptPending && (QueryCancelPending || ProcDiePending);
}

/* The reusable set: latch, postmaster death, one socket at SOCKET_POS. */
#define SOCKET_POS 2
static WaitEventSet *cached_set;
static int cached_fd = -1;
static dev_t cached_dev;
static ino_t cached_ino;
static uint32 cached_events;

static uint32 wanted_events(const sqlambda_wait_fd *f) {
    uint32 ev = 0;
    if (f->events & SQLAMBDA_WAIT_READ) ev |= WL_SOCKET_READABLE;
    if (f->events & SQLAMBDA_WAIT_WRITE) ev |= WL_SOCKET_WRITEABLE;
    return ev;
}

/* The cached set for this one socket, rebuilt if the socket is a new one. */
static WaitEventSet *set_for_socket(int fd, uint32 ev) {
    struct stat st;
    WaitEventSet *set;
    if (fstat(fd, &st) != 0) return NULL;
    if (cached_set && cached_fd == fd && cached_dev == st.st_dev && cached_ino == st.st_ino) {
        if (cached_events != ev) {
            ModifyWaitEvent(cached_set, SOCKET_POS, ev, NULL);
            cached_events = ev;
        }
        return cached_set;
    }
    if (cached_set) FreeWaitEventSet(cached_set);
    cached_set = NULL;
    cached_fd = -1;
    set = CreateWaitEventSet(TopMemoryContext, 3);
    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
    if (AddWaitEventToSet(set, ev, fd, NULL, NULL) != SOCKET_POS) {
        FreeWaitEventSet(set);
        return NULL;
    }
    cached_set = set;
    cached_fd = fd;
    cached_dev = st.st_dev;
    cached_ino = st.st_ino;
    cached_events = ev;
    return set;
}

/* One wait on the cached set; NOT_CACHED if it cannot be used for these fds
 * (distinct from SQLAMBDA_WAIT_CANCEL, which is also negative). */
#define NOT_CACHED (-100)
static int wait_cached(sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    WaitEvent occurred[3];
    WaitEventSet *set;
    uint32 ev;
    int n;
    if (nfds != 1 || fds[0].fd < 0 || (ev = wanted_events(&fds[0])) == 0) return NOT_CACHED;
    if (!(set = set_for_socket(fds[0].fd, ev))) return NOT_CACHED;
    n = WaitEventSetWait(set, timeout_ms < 0 ? -1 : timeout_ms, occurred, lengthof(occurred),
                         PG_WAIT_EXTENSION);
    for (int k = 0; k < n; k++) {
        if (occurred[k].events & WL_LATCH_SET) ResetLatch(MyLatch);
        if (occurred[k].events & WL_SOCKET_READABLE) fds[0].revents |= SQLAMBDA_WAIT_READ;
        if (occurred[k].events & WL_SOCKET_WRITEABLE) fds[0].revents |= SQLAMBDA_WAIT_WRITE;
    }
    return cancel_pending() ? SQLAMBDA_WAIT_CANCEL : SQLAMBDA_WAIT_CONTINUE;
}

void awsl_wait_reset(void) { kept_error = NULL; }

void awsl_wait_rethrow(void) {
    if (kept_error) {
        ErrorData *e = kept_error;
        kept_error = NULL;
        ReThrowError(e);
    }
}


static int wait_once(sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    WaitEventSet *set = CreateWaitEventSet(CurrentMemoryContext, nfds + 2);
    WaitEvent occurred[16];
    int *pos_fd = palloc(sizeof(int) * (nfds + 2));
    int n;

    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
    for (int i = 0; i < nfds; i++) {
        uint32 ev = wanted_events(&fds[i]);
        fds[i].revents = 0;
        if (ev == 0 || fds[i].fd < 0) continue;
        int pos = AddWaitEventToSet(set, ev, fds[i].fd, NULL, NULL);
        pos_fd[pos] = i;
    }
    n = WaitEventSetWait(set, timeout_ms < 0 ? -1 : timeout_ms, occurred, lengthof(occurred),
                         PG_WAIT_EXTENSION);
    for (int k = 0; k < n; k++) {
        if (occurred[k].events & WL_LATCH_SET) {
            ResetLatch(MyLatch);
            continue;
        }
        if (occurred[k].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
            sqlambda_wait_fd *f = &fds[pos_fd[occurred[k].pos]];
            if (occurred[k].events & WL_SOCKET_READABLE) f->revents |= SQLAMBDA_WAIT_READ;
            if (occurred[k].events & WL_SOCKET_WRITEABLE) f->revents |= SQLAMBDA_WAIT_WRITE;
        }
    }
    FreeWaitEventSet(set);
    pfree(pos_fd);
    return cancel_pending() ? SQLAMBDA_WAIT_CANCEL : SQLAMBDA_WAIT_CONTINUE;
}

int awsl_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    MemoryContext caller = CurrentMemoryContext;
    volatile int rc = SQLAMBDA_WAIT_CANCEL;

    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (kept_error || cancel_pending()) return SQLAMBDA_WAIT_CANCEL;
    PG_TRY();
    {
        rc = wait_cached(fds, nfds, timeout_ms);
        if (rc == NOT_CACHED) rc = wait_once(fds, nfds, timeout_ms);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        kept_error = CopyErrorData();
        FlushErrorState();
        rc = SQLAMBDA_WAIT_CANCEL;
    }
    PG_END_TRY();
    return rc;
}

void awsl_log_hook(void *arg, int level, const char *message) {
    MemoryContext caller = CurrentMemoryContext;
    int elevel = level >= SQLAMBDA_LOG_WARNING ? LOG : DEBUG1;

    if (!message_level_is_interesting(elevel) || kept_error) return;
    PG_TRY();
    {
        ereport(elevel, (errmsg_internal("aws_lambda: %s", message), errhidestmt(true)));
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        kept_error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
}
