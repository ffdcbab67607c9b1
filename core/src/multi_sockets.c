/*
 * multi_sockets.c — libcurl's sockets in one epoll instance per client,
 * updated as curl's socket callback reports each change (EPOLL_CTL_ADD /
 * MOD / DEL; curl_multi_assign marks a socket as added, so nothing is
 * searched). The host's wait hook is given only the epoll fd, readable
 * when any socket is ready; then one epoll_wait(0) hands curl exactly the
 * ready sockets. Cost per event does not grow with the calls in flight.
 * Linux only (epoll); elsewhere this file does not compile.
 */
#include "client_internal.h"
#ifndef __linux__
#error "core's event loop uses epoll (Linux); see docs/core.md, \"The wait hook\""
#endif
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

static uint32_t epoll_events(int what) {
    return (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
}

int sqlambda_multi_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
    sqlambda_client *c = userp;
    (void)e;
    if (c->epfd < 0) return -1; /* cannot happen: opened before any action */
    if (what == CURL_POLL_REMOVE) {
        /* curl reports the removal before it closes the socket */
        if (epoll_ctl(c->epfd, EPOLL_CTL_DEL, s, NULL) == 0) c->nsocks--;
        return 0;
    }
    struct epoll_event ev = {.events = epoll_events(what)};
    /* the wanted events ride along, so an error or hangup can wake them */
    ev.data.u64 = (uint64_t)(uint32_t)s | ((uint64_t)(unsigned)what << 32);
    if (socketp) {
        if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) == 0) return 0;
        if (errno != ENOENT) return -1;
    }
    if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) != 0) {
        /* a socket number reused before its DEL: update it in place */
        if (errno != EEXIST || epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) != 0) return -1;
    } else {
        c->nsocks++;
    }
    curl_multi_assign(c->multi, s, c); /* any non-NULL mark: "in the epoll set" */
    return 0;
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
        int what = (int)(c->evs[i].data.u64 >> 32);
        int mask = (r & EPOLLIN ? CURL_CSELECT_IN : 0) | (r & EPOLLOUT ? CURL_CSELECT_OUT : 0);
        if (r & (EPOLLERR | EPOLLHUP))
            mask |= (what & CURL_POLL_IN ? CURL_CSELECT_IN : 0) |
                    (what & CURL_POLL_OUT ? CURL_CSELECT_OUT : 0);
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
}
