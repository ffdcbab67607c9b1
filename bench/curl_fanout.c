/*
 * curl_fanout.c — the plain-libcurl floor under fan-out (bench/fanout.sh):
 * N POSTs with CONC in flight through one libcurl multi, driven the way core
 * drives it (socket and timer callbacks, one epoll set, curl_multi_socket_action,
 * keep-alive connections, CONC easy handles reused), with the request core
 * sends (curl_request.h: no SigV4, no JSON check, no result objects). What this reaches is what libcurl allows on this
 * machine; core's column beside it shows what core adds.
 *
 *   curl_fanout URL N CONC   prints calls, seconds, rate (calls/s) and
 *                            cpu_s_per_10k (user+sys of this process);
 *                            exits 1 if any answer is not HTTP 200 with the
 *                            payload echoed back (nginx-start NGINX_SLEEP).
 */
#include "curl_request.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    CURL *e;
    size_t got;
} slot;

static int epfd;
static double timer_at = -1; /* when libcurl wants CURL_SOCKET_TIMEOUT, -1 none */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *u, void *known) {
    (void)e, (void)u;
    struct epoll_event ev = {0};
    ev.data.fd = s;
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
        curl_multi_assign(u, s, NULL);
    } else if (!known) {
        epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
        curl_multi_assign(u, s, (void *)1);
    } else {
        epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev);
    }
    return 0;
}

static int timer_cb(CURLM *m, long t, void *u) {
    (void)m, (void)u;
    timer_at = t < 0 ? -1 : now_s() + (double)t / 1000.0;
    return 0;
}

static size_t sink(char *b, size_t size, size_t n, void *u) {
    (void)b;
    ((slot *)u)->got += size * n;
    return size * n;
}

int main(int argc, char **argv) {
    if (argc != 4 || atol(argv[2]) < 1 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: curl_fanout URL N CONC\n");
        return 2;
    }
    long total = atol(argv[2]);
    int conc = atoi(argv[3]);
    if (conc > total) conc = (int)total;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    slot *slots = calloc((size_t)conc, sizeof *slots);
    struct epoll_event *evs = calloc((size_t)conc + 16, sizeof *evs);
    if (!m || epfd < 0 || !slots || !evs) return 1;
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)conc);
    struct curl_slist *h = bench_invoke_headers();
    for (int i = 0; i < conc; i++) {
        CURL *e = slots[i].e = curl_easy_init();
        if (!e) return 1;
        bench_invoke_setup(e, argv[1], h);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &slots[i]);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    }
    long started = 0, done = 0;
    int still;
    double t0 = now_s();
    for (int i = 0; i < conc; i++, started++) curl_multi_add_handle(m, slots[i].e);
    curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &still);
    while (done < total) {
        int wait = 1000;
        if (timer_at >= 0) {
            double left = (timer_at - now_s()) * 1000.0;
            wait = left <= 0 ? 0 : left >= 1000 ? 1000 : (int)left + 1;
        }
        int n = epoll_wait(epfd, evs, conc + 16, wait);
        for (int i = 0; i < n; i++)
            curl_multi_socket_action(m, evs[i].data.fd,
                                     (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) ? CURL_CSELECT_IN : 0) |
                                         (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0),
                                     &still);
        if (timer_at >= 0 && now_s() >= timer_at) {
            timer_at = -1;
            curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &still);
        }
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q))) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *e = msg->easy_handle;
            CURLcode rc = msg->data.result;
            slot *s;
            long code = 0;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            if (rc != CURLE_OK || code != 200 || s->got != sizeof PAYLOAD - 1) {
                fprintf(stderr, "curl_fanout: transfer failed: %s, HTTP %ld, %zu body bytes\n",
                        curl_easy_strerror(rc), code, s->got);
                return 1;
            }
            done++;
            s->got = 0;
            curl_multi_remove_handle(m, e);
            if (started < total) {
                started++;
                curl_multi_add_handle(m, e);
            }
        }
    }
    double dt = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec / 1e6;
    printf("calls %ld\nseconds %.3f\nrate %.0f\ncpu_s_per_10k %.3f\n", done, dt, (double)done / dt,
           cpu * 10000.0 / (double)done);
    for (int i = 0; i < conc; i++) curl_easy_cleanup(slots[i].e);
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    close(epfd);
    free(slots);
    free(evs);
    curl_global_cleanup();
    return 0;
}
