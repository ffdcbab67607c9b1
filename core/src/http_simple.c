/*
 * http_simple.c — one HTTP request for the credential and metadata
 * providers (IMDS, container, STS), run on its own curl multi handle whose
 * sockets are waited on through the host's wait hook (creds_wait.c), so a
 * cancel interrupts it at once. The timeout covers the whole request, the
 * body is capped at 1 MB, TLS is verified (with the client's CA bundle for
 * STS and the SSO portal), only http/https, no redirects;
 * loopback and link-local hosts bypass any proxy (otherwise curl honours
 * *_PROXY / NO_PROXY as usual).
 */
#include "internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_SIMPLE_MAX_BODY (1024 * 1024)
#define HTTP_SIMPLE_MAX_SOCKS 8
/* our own deadline past curl's timeout, should curl's ever be late */
#define HTTP_SIMPLE_BACKSTOP_MS 200

/* The sockets curl wants watched and its timer (multi socket interface). */
typedef struct {
    sqlambda_wait_fd fds[HTTP_SIMPLE_MAX_SOCKS];
    int n;
    double timer_at; /* absolute ms; <0: none */
} watch;

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp) {
    watch *w = userp;
    int i;
    for (i = 0; i < w->n && w->fds[i].fd != fd; i++) {}
    if (what == CURL_POLL_REMOVE) {
        if (i < w->n) w->fds[i] = w->fds[--w->n];
        return 0;
    }
    if (i == w->n) {
        if (w->n == HTTP_SIMPLE_MAX_SOCKS) return -1;
        w->fds[w->n++].fd = fd;
    }
    w->fds[i].events = (what & CURL_POLL_IN ? SQLAMBDA_WAIT_READ : 0) |
                       (what & CURL_POLL_OUT ? SQLAMBDA_WAIT_WRITE : 0);
    w->fds[i].revents = 0;
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
    watch *w = userp;
    w->timer_at = timeout_ms < 0 ? -1 : sqlambda_now_ms() + (double)timeout_ms;
    return 0;
}

/* Drives h on its own multi handle until done, timeout or cancel. Returns
 * curl's code for the transfer; *cancelled / *late set when we stopped it. */
static CURLcode drive(CURL *h, const sqlambda_waiter *wt, long timeout_ms, int *cancelled,
                      int *late) {
    CURLM *m = curl_multi_init();
    if (!m) return CURLE_OUT_OF_MEMORY;
    watch w = {.n = 0, .timer_at = -1};
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, &w);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, &w);
    CURLcode result = CURLE_OK;
    if (curl_multi_add_handle(m, h) != CURLM_OK) {
        curl_multi_cleanup(m);
        return CURLE_OUT_OF_MEMORY;
    }
    double deadline = sqlambda_now_ms() + (double)timeout_ms + HTTP_SIMPLE_BACKSTOP_MS;
    int running = 1, done = 0;
    curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
    while (!done) {
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q)))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
                result = msg->data.result;
                done = 1;
            }
        if (done) break;
        double now = sqlambda_now_ms();
        if (now >= deadline) {
            *late = 1;
            result = CURLE_OPERATION_TIMEDOUT;
            break;
        }
        double wait_ms = deadline - now;
        if (w.timer_at >= 0 && w.timer_at - now < wait_ms) wait_ms = w.timer_at - now;
        if (wait_ms < 0) wait_ms = 0;
        sqlambda_wait_fd fds[HTTP_SIMPLE_MAX_SOCKS];
        int n = w.n;
        for (int i = 0; i < n; i++) fds[i] = w.fds[i];
        if (sqlambda_waiter_wait(wt, fds, n, (long)(wait_ms + 0.999)) == SQLAMBDA_WAIT_CANCEL) {
            *cancelled = 1;
            break;
        }
        int any = 0;
        for (int i = 0; i < n; i++) {
            int r = fds[i].revents & fds[i].events;
            if (!r) continue;
            any = 1;
            curl_multi_socket_action(m, fds[i].fd,
                                     (r & SQLAMBDA_WAIT_READ ? CURL_CSELECT_IN : 0) |
                                         (r & SQLAMBDA_WAIT_WRITE ? CURL_CSELECT_OUT : 0),
                                     &running);
        }
        if (!any || (w.timer_at >= 0 && w.timer_at <= sqlambda_now_ms())) {
            w.timer_at = -1;
            curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
        }
    }
    curl_multi_remove_handle(m, h);
    curl_multi_cleanup(m);
    return result;
}

typedef struct {
    sqlambda_buf *b;
    int overflow;
} sink;

static size_t on_body(char *p, size_t sz, size_t n, void *arg) {
    sink *s = arg;
    size_t len = sz * n;
    if (s->b->len + len > HTTP_SIMPLE_MAX_BODY) {
        s->overflow = 1;
        return 0;
    }
    return sqlambda_buf_append(s->b, p, len) == 0 ? len : 0;
}

/* 1 for hosts that must never go through a proxy: loopback, link-local
 * (169.254.0.0/16 holds IMDS and the ECS/EKS credential endpoints). */
static int direct_host(const char *url) {
    CURLU *u = curl_url();
    char *host = NULL;
    int direct = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        direct = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
                 strcmp(host, "[::1]") == 0 || strncmp(host, "169.254.", 8) == 0 ||
                 strncmp(host, "[fd00:ec2::", 11) == 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return direct;
}

int sqlambda_http_simple(const char *method, const char *url, const char *const *headers,
                         const char *body, const sqlambda_waiter *w, long timeout_ms,
                         sqlambda_http_response *out) {
    return sqlambda_http_simple_ca(method, url, headers, body, w, timeout_ms, NULL, out);
}

int sqlambda_http_simple_ca(const char *method, const char *url, const char *const *headers,
                            const char *body, const sqlambda_waiter *w, long timeout_ms,
                            const char *ca_file, sqlambda_http_response *out) {
    memset(out, 0, sizeof *out);
    CURL *h = curl_easy_init();
    if (!h) {
        out->failure = SQLAMBDA_E_NOMEM;
        sqlambda_fmt(out->error, sizeof out->error, "out of memory");
        return -1;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (!n) {
            curl_slist_free_all(hl);
            curl_easy_cleanup(h);
            out->failure = SQLAMBDA_E_NOMEM;
            sqlambda_fmt(out->error, sizeof out->error, "out of memory");
            return -1;
        }
        hl = n;
    }
    /* curl adds "Expect: 100-continue" to bodies over 1 KB; avoid the wait */
    struct curl_slist *n = curl_slist_append(hl, "Expect:");
    if (n) hl = n;
    sink s = {&out->body, 0};
    if (timeout_ms <= 0) timeout_ms = 1000;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* a cancelled call must not wait for a hung DNS lookup: removing the
     * handle then leaves the threaded resolver's thread behind (7.87+) */
    curl_easy_setopt(h, CURLOPT_QUICK_EXIT, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca_file && *ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    if (direct_host(url)) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (strcmp(method, "GET") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    int cancelled = 0, late = 0;
    CURLcode rc = drive(h, w, timeout_ms, &cancelled, &late);
    int ret = 0;
    if (cancelled || rc != CURLE_OK) {
        out->failure = SQLAMBDA_E_TRANSPORT;
        if (cancelled) {
            out->failure = SQLAMBDA_E_CANCELLED;
            sqlambda_fmt(out->error, sizeof out->error, "cancelled");
        } else if (rc == CURLE_OPERATION_TIMEDOUT || late) {
            out->failure = SQLAMBDA_E_TIMEOUT;
            sqlambda_fmt(out->error, sizeof out->error, "timed out after %ld ms", timeout_ms);
        } else if (s.overflow) {
            sqlambda_fmt(out->error, sizeof out->error, "response body over %d bytes",
                         HTTP_SIMPLE_MAX_BODY);
        } else {
            if (rc == CURLE_OUT_OF_MEMORY) out->failure = SQLAMBDA_E_NOMEM;
            sqlambda_fmt(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        }
        out->status = 0;
        ret = -1;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    }
    if (!out->body.data) sqlambda_buf_append(&out->body, "", 0);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return ret;
}

void sqlambda_http_response_free(sqlambda_http_response *r) {
    if (!r) return;
    sqlambda_buf_free(&r->body);
    memset(r, 0, sizeof *r);
}
