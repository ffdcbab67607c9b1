/*
 * multi_sockets.c — libcurl's sockets in one epoll instance per client.
 * A socket stays registered for as long as it is open, not just while a
 * transfer uses it: when a kept-alive connection goes idle (curl's
 * CURL_POLL_REMOVE) its registration is only marked idle, and when it is
 * reused it is re-armed with EPOLL_CTL_MOD only if the events curl wants
 * differ from those registered (a reused connection usually wants what it
 * wanted last: readable), so a call on a kept-alive connection costs no
 * epoll_ctl at all. State per descriptor (fdst, indexed by fd) says what is
 * registered; curl's close-socket callback (every socket curl closes goes
 * through it) deletes the registration and forgets the state before the
 * close, so a descriptor number reused by a new socket starts afresh. An
 * idle socket that becomes ready (the server closed it, or an error) is
 * deleted from the set the first time it is reported, so it cannot make
 * the loop spin; curl finds the connection dead when it next looks.
 * The host's wait hook is given only the epoll fd, readable when any socket
 * is ready; then one epoll_wait(0) hands curl exactly the ready sockets.
 * Cost per event does not grow with the calls in flight.
 * Linux only (epoll); elsewhere this file does not compile.
 */
#include "client_internal.h"
#ifndef __linux__
#error "core's event loop uses epoll (Linux); see docs/core.md, \"The wait hook\""
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* fdst bits */
#define FD_REG 1u  /* in the epoll set */
#define FD_IN 2u   /* registered for EPOLLIN */
#define FD_OUT 4u  /* registered for EPOLLOUT */
#define FD_IDLE 8u /* registered, but curl does not watch it (idle connection) */

static unsigned char *fd_state(sqlambda_client *c, curl_socket_t s) {
    if (s < 0) return NULL;
    if (s >= c->capfd) {
        int cap = c->capfd ? c->capfd : 256;
        while (cap <= s) cap *= 2;
        unsigned char *n = realloc(c->fdst, (size_t)cap);
        if (!n) return NULL;
        memset(n + c->capfd, 0, (size_t)(cap - c->capfd));
        c->fdst = n;
        c->capfd = cap;
    }
    return &c->fdst[s];
}

static void forget(sqlambda_client *c, curl_socket_t s, unsigned char *st) {
    if ((*st & FD_REG) && epoll_ctl(c->epfd, EPOLL_CTL_DEL, s, NULL) == 0) c->nsocks--;
    *st = 0;
}

int sqlambda_multi_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
    sqlambda_client *c = userp;
    (void)e;
    (void)socketp;
    if (c->epfd < 0) return -1; /* cannot happen: opened before any action */
    unsigned char *st = fd_state(c, s);
    if (!st) return -1;
    if (what == CURL_POLL_REMOVE) {
        /* an idle connection (or one about to close: the close callback
         * deletes it): keep the registration, stop telling curl */
        if (*st & FD_REG) *st |= FD_IDLE;
        return 0;
    }
    unsigned want = (what & CURL_POLL_IN ? FD_IN : 0) | (what & CURL_POLL_OUT ? FD_OUT : 0);
    if ((*st & FD_REG) && (*st & (FD_IN | FD_OUT)) == want) {
        *st = (unsigned char)(FD_REG | want); /* reused as it was: nothing to change */
        return 0;
    }
    struct epoll_event ev = {.events = (want & FD_IN ? EPOLLIN : 0) | (want & FD_OUT ? EPOLLOUT : 0)};
    ev.data.u64 = (uint64_t)(uint32_t)s;
    if (*st & FD_REG) {
        if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) != 0) {
            /* deleted meanwhile (an idle socket that woke): add it again */
            if (errno != ENOENT || epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) != 0) return -1;
        }
    } else if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) == 0) {
        c->nsocks++;
    } else if (errno != EEXIST || epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) != 0) {
        return -1;
    }
    *st = (unsigned char)(FD_REG | want);
    return 0;
}

int sqlambda_multi_close_cb(void *clientp, curl_socket_t s) {
    sqlambda_client *c = clientp;
    /* before the close: a copy of the socket held elsewhere (a child
     * between fork and exec) would otherwise keep it in the set */
    if (c->epfd >= 0 && s >= 0 && s < c->capfd) forget(c, s, &c->fdst[s]);
    return close(s);
}

int sqlambda_sockets_open(sqlambda_client *c) {
    if (c->epfd >= 0) return 0;
    c->epfd = epoll_create1(EPOLL_CLOEXEC);
    return c->epfd >= 0 ? 0 : -1;
}

int sqlambda_sockets_dispatch(sqlambda_client *c, long timeout_ms) {
    int want = c->nsocks < 64 ? 64 : c->nsocks;
    if (want > c->capevs) {
        struct epoll_event *n = realloc(c->evs, (size_t)want * sizeof *n);
        if (n) {
            c->evs = n;
            c->capevs = want;
        }
    }
    if (c->capevs == 0) return 0;
    int n = epoll_wait(c->epfd, c->evs, c->capevs, (int)timeout_ms);
    if (n <= 0) return 0; /* EINTR: the loop comes round again */
    for (int i = 0; i < n; i++) {
        uint32_t r = c->evs[i].events;
        int fd = (int)(uint32_t)c->evs[i].data.u64;
        unsigned st = fd < c->capfd ? c->fdst[fd] : 0;
        if (!(st & FD_REG)) continue; /* deleted earlier in this batch */
        if (st & FD_IDLE) {
            /* an idle connection closed by the server, or in error: stop
             * watching it (level-triggered, it would wake every wait) */
            forget(c, fd, &c->fdst[fd]);
            continue;
        }
        int mask = (r & EPOLLIN ? CURL_CSELECT_IN : 0) | (r & EPOLLOUT ? CURL_CSELECT_OUT : 0);
        /* an error or hangup wakes what curl waits for: curl reads the error */
        if (r & (EPOLLERR | EPOLLHUP))
            mask |= (st & FD_IN ? CURL_CSELECT_IN : 0) | (st & FD_OUT ? CURL_CSELECT_OUT : 0);
        int still;
        curl_multi_socket_action(c->multi, fd, mask, &still);
    }
    return n;
}

void sqlambda_sockets_close(sqlambda_client *c) {
    if (c->epfd >= 0) close(c->epfd);
    c->epfd = -1;
    c->nsocks = 0;
    free(c->evs);
    c->evs = NULL;
    c->capevs = 0;
    free(c->fdst);
    c->fdst = NULL;
    c->capfd = 0;
}
