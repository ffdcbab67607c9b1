/*
 * poll_fds.c — the one translation between a wait hook's fds and poll():
 * core's default wait, the credential sources' wait, and hosts' hooks
 * (MariaDB's kill check) all wait through it.
 */
#include "internal.h"

#include <poll.h>

int sqlambda_poll_fds(sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    struct pollfd p[nfds > 0 ? nfds : 1];
    for (int i = 0; i < nfds; i++) {
        p[i].fd = fds[i].fd;
        p[i].events = (short)((fds[i].events & SQLAMBDA_WAIT_READ ? POLLIN : 0) |
                              (fds[i].events & SQLAMBDA_WAIT_WRITE ? POLLOUT : 0));
        p[i].revents = 0;
    }
    int rc = poll(nfds > 0 ? p : NULL, (nfds_t)nfds, (int)timeout_ms);
    for (int i = 0; i < nfds; i++) {
        short r = rc > 0 ? p[i].revents : 0;
        int ev = (r & POLLIN ? SQLAMBDA_WAIT_READ : 0) | (r & POLLOUT ? SQLAMBDA_WAIT_WRITE : 0);
        /* an error or hangup wakes the reader or writer, which then sees it */
        if (r & (POLLERR | POLLHUP | POLLNVAL)) ev |= fds[i].events;
        fds[i].revents = fds[i].events ? ev & fds[i].events : ev;
    }
    return rc;
}
