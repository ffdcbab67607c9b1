/*
 * creds_wait.c — one wait of a credential source (a pipe, a socket, a
 * child's exit, another caller's fetch) through the host's wait hook, so
 * the host's cancel (PostgreSQL's latch, MariaDB's KILL QUERY) ends it at
 * once; poll() when there is no hook. Core never asks for more than 1000 ms.
 */
#include "internal.h"


#define WAIT_SLICE_MS 1000L
#define YIELD_SLICE_MS 50L

int sqlambda_waiter_wait(const sqlambda_waiter *w, sqlambda_wait_fd *fds, int nfds,
                         long timeout_ms) {
    if (timeout_ms < 0) timeout_ms = 0;
    if (timeout_ms > WAIT_SLICE_MS) timeout_ms = WAIT_SLICE_MS;
    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (!w || !w->wait) {
        sqlambda_poll_fds(fds, nfds, timeout_ms);
        return SQLAMBDA_WAIT_CONTINUE;
    }
    double start = sqlambda_now_ms();
    int rc = w->wait(w->wait_arg, fds, nfds, timeout_ms);
    if (rc == SQLAMBDA_WAIT_CANCEL) return SQLAMBDA_WAIT_CANCEL;
    if (rc == SQLAMBDA_WAIT_YIELD) {
        /* a hook that yields may not have waited at all: wait the rest of
         * a short slice here, so the caller's loop never spins */
        int any = 0;
        for (int i = 0; i < nfds; i++) any |= fds[i].revents;
        long left = (long)(start + (double)YIELD_SLICE_MS - sqlambda_now_ms());
        if (left > timeout_ms) left = timeout_ms;
        if (!any && left > 0) sqlambda_poll_fds(fds, nfds, left);
    }
    return SQLAMBDA_WAIT_CONTINUE;
}
