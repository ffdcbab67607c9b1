/*
 * fd_limit.c — checks, before anything is sent, that the process may open
 * the sockets `sqlambda invoke --concurrency N` will need: raises the soft
 * RLIMIT_NOFILE up to the hard limit when it is too low, and otherwise
 * fails with a message naming the option and both limits (a call that
 * cannot get a socket would fail later, one line at a time).
 */
#include "cli.h"
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

/* Descriptors open now (3 when /proc is not there). */
static long open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 3;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n > 0 ? n - 1 : 3; /* the directory's own descriptor */
}

static void show_limit(char *buf, size_t len, rlim_t v) {
    if (v == RLIM_INFINITY)
        snprintf(buf, len, "unlimited");
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
}

int cli_reserve_fds(long need, const char *setting, char *err, size_t errlen) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0; /* cannot tell: let calls report */
    /* a descriptor number must stay below the soft limit */
    rlim_t want = (rlim_t)(open_fds() + need);
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return 0;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) {
        struct rlimit raised = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return 0;
    }
    char soft[32], hard[32];
    show_limit(soft, sizeof soft, rl.rlim_cur);
    show_limit(hard, sizeof hard, rl.rlim_max);
    snprintf(err, errlen,
             "%s needs %llu open files but the limit is %s (ulimit -n; hard limit %s): "
             "lower --concurrency or raise the limit",
             setting, (unsigned long long)want, soft, hard);
    return -1;
}
