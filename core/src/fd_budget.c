/*
 * fd_budget.c — sqlambda_fd_budget: before a host puts many calls in
 * flight (one socket each), checks that the process may open that many
 * more file descriptors, raising the soft RLIMIT_NOFILE toward the hard
 * limit when that is enough; otherwise a clear error the host words with
 * its own setting's name, instead of calls failing one by one with EMFILE.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#define FD_SPARE 32 /* the epoll fd, credential sources, a resolver, ... */

static long open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory's own fd */
}

sqlambda_status sqlambda_fd_budget(int wanted, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (wanted < 0) wanted = 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return SQLAMBDA_OK; /* nothing to go by */
    long open = open_fds();
    if (open < 0) open = 64; /* no /proc: assume a few are open */
    rlim_t need = (rlim_t)open + (rlim_t)wanted + FD_SPARE;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return SQLAMBDA_OK;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        struct rlimit up = {need, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0) return SQLAMBDA_OK;
    }
    if (err && errlen)
        sqlambda_fmt(err, errlen,
                     "%d calls in flight need %llu file descriptors (%ld open + one socket per "
                     "call + %d spare), over this process's limit (RLIMIT_NOFILE %llu, hard limit "
                     "%llu)",
                     wanted, (unsigned long long)need, open, FD_SPARE,
                     (unsigned long long)rl.rlim_cur,
                     rl.rlim_max == RLIM_INFINITY ? 0ULL : (unsigned long long)rl.rlim_max);
    return SQLAMBDA_E_CONFIG;
}
