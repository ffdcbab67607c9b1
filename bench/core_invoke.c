/*
 * core_invoke.c — benchmark driver for libsqlambda (bench/core.sh runs it):
 *   core_invoke rate URL SECONDS   sequential sqlambda_invoke calls to URL for
 *                                  SECONDS; prints "core_rate <calls/s>"
 *   core_invoke sign ITERATIONS    times sqlambda_sigv4_sign on an Invoke-shaped
 *                                  request; prints "sign_us <µs per signature>";
 *                                  then the same through a client's signer (the
 *                                  signing key cached, as invoke signs):
 *                                  "sign_cached_us"
 *   core_invoke rss URL N1 N2      N2 sequential invokes; prints VmRSS (kB)
 *                                  after N1 and after N2 calls
 *   core_invoke curl URL SECONDS   the floor under core: the same POST with
 *                                  the same headers (a fixed signature) through
 *                                  plain libcurl (multi socket API + poll, one
 *                                  easy handle, keep-alive); prints "curl_rate"
 * Credentials are static fake keys (the nginx peer does not check them).
 */
#include "sqlambda.h"
#include "../core/src/internal.h" /* the signer a client uses (not public API) */
#include "curl_request.h"
#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long vm_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static sqlambda_client *make_client(const char *url) {
    sqlambda_options o;
    memset(&o, 0, sizeof o);
    o.endpoint_url = url;
    o.region = "us-east-1";
    o.access_key_id = "AKIDBENCHEXAMPLE";
    o.secret_access_key = "bench-secret-not-checked";
    o.max_attempts = 1;
    o.user_agent_extra = "bench";
    return sqlambda_client_new(&o);
}

/* One call; exits on failure so a broken peer never counts as fast. */
static void invoke_once(sqlambda_client *c) {
    sqlambda_request r;
    memset(&r, 0, sizeof r);
    r.function = "bench";
    r.payload = PAYLOAD;
    r.payload_len = sizeof PAYLOAD - 1;
    sqlambda_result res;
    sqlambda_invoke(c, &r, &res);
    if (res.status != SQLAMBDA_OK) {
        fprintf(stderr, "core_invoke: call failed: %s\n", res.message);
        exit(1);
    }
    sqlambda_result_free(&res);
}

static int cmd_rate(const char *url, double seconds) {
    sqlambda_client *c = make_client(url);
    if (!c) return 1;
    for (int i = 0; i < 200; i++) invoke_once(c); /* warm: connection, credentials */
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 100; i++) invoke_once(c);
        n += 100;
        t = now_s();
    } while (t - t0 < seconds);
    printf("core_calls %ld\ncore_seconds %.3f\ncore_rate %.0f\n", n, t - t0, (double)n / (t - t0));
    sqlambda_client_free(c);
    return 0;
}

static int cmd_sign(long iters) {
    char date[] = "20261126T230000Z";
    const sqlambda_header h[] = {{"content-type", "application/json"},
                                 {"host", "lambda.us-east-1.amazonaws.com"},
                                 {"x-amz-date", date},
                                 {"x-amz-invocation-type", "RequestResponse"}};
    sqlambda_sigv4_request r;
    memset(&r, 0, sizeof r);
    r.method = "POST";
    r.path = "/2015-03-31/functions/bench/invocations";
    r.headers = h;
    r.nheaders = sizeof h / sizeof h[0];
    r.body = PAYLOAD;
    r.body_len = sizeof PAYLOAD - 1;
    r.region = "us-east-1";
    r.service = "lambda";
    r.amz_date = date;
    r.double_encode_path = 1;
    r.normalize_path = 1;
    const sqlambda_sigv4_credentials cr = {"AKIDBENCHEXAMPLE", "bench-secret-not-checked", NULL};
    char auth[512];
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        date[14] = (char)('0' + i % 10); /* a different request each time */
        if (sqlambda_sigv4_sign(&r, &cr, auth, sizeof auth, NULL, NULL) != 0) {
            fprintf(stderr, "core_invoke: sqlambda_sigv4_sign failed\n");
            return 1;
        }
    }
    double dt = now_s() - t0;
    printf("sign_iterations %ld\nsign_us %.2f\n", iters, dt * 1e6 / (double)iters);
    sqlambda_sigv4_signer *s = sqlambda_sigv4_signer_new();
    t0 = now_s();
    for (long i = 0; i < iters; i++) {
        date[14] = (char)('0' + i % 10);
        if (!s || sqlambda_sigv4_sign_with(s, &r, &cr, auth, sizeof auth) != 0) {
            fprintf(stderr, "core_invoke: sqlambda_sigv4_sign_with failed\n");
            return 1;
        }
    }
    dt = now_s() - t0;
    printf("sign_cached_us %.2f\n", dt * 1e6 / (double)iters);
    sqlambda_sigv4_signer_free(s);
    return 0;
}

static int cmd_rss(const char *url, long n1, long n2) {
    sqlambda_client *c = make_client(url);
    if (!c) return 1;
    double t0 = now_s();
    for (long i = 1; i <= n2; i++) {
        invoke_once(c);
        if (i == n1) printf("rss_kb_after %ld %ld\n", n1, vm_rss_kb());
    }
    printf("rss_kb_after %ld %ld\n", n2, vm_rss_kb());
    printf("rss_seconds %.1f\n", now_s() - t0);
    sqlambda_client_free(c);
    return 0;
}

/* ---- the plain-libcurl floor ---- */
static curl_socket_t floor_fd = CURL_SOCKET_BAD;
static int floor_what;
static long floor_timer = -1;

static int floor_socket_cb(CURL *e, curl_socket_t s, int what, void *u, void *sp) {
    (void)e, (void)u, (void)sp;
    floor_fd = what == CURL_POLL_REMOVE ? CURL_SOCKET_BAD : s;
    floor_what = what;
    return 0;
}
static int floor_timer_cb(CURLM *m, long t, void *u) {
    (void)m, (void)u;
    floor_timer = t;
    return 0;
}
static size_t floor_sink(char *b, size_t size, size_t n, void *u) {
    (void)b, (void)u;
    return size * n;
}

/* One transfer on m; exits on failure like invoke_once. */
static void floor_once(CURLM *m, CURL *e) {
    int still, done = 0;
    curl_multi_add_handle(m, e);
    while (!done) {
        if (floor_timer == 0) {
            floor_timer = -1;
            curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &still);
        } else {
            struct pollfd p = {floor_fd,
                               (short)((floor_what & CURL_POLL_IN ? POLLIN : 0) |
                                       (floor_what & CURL_POLL_OUT ? POLLOUT : 0)),
                               0};
            int n = floor_fd == CURL_SOCKET_BAD ? 0 : 1;
            int rc = poll(n ? &p : NULL, (nfds_t)n, floor_timer < 0 ? 1000 : (int)floor_timer);
            if (rc > 0)
                curl_multi_socket_action(m, floor_fd,
                                         (p.revents & POLLIN ? CURL_CSELECT_IN : 0) |
                                             (p.revents & POLLOUT ? CURL_CSELECT_OUT : 0),
                                         &still);
            else {
                floor_timer = -1;
                curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &still);
            }
        }
        CURLMsg *msg;
        int q;
        long code = 0;
        while ((msg = curl_multi_info_read(m, &q))) {
            if (msg->msg != CURLMSG_DONE) continue;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200) {
                fprintf(stderr, "core_invoke: curl transfer failed: %s, HTTP %ld\n",
                        curl_easy_strerror(msg->data.result), code);
                exit(1);
            }
            done = 1;
        }
    }
    curl_multi_remove_handle(m, e);
}

static int cmd_curl(const char *base, double seconds) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    CURL *e = curl_easy_init();
    if (!m || !e) return 1;
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, floor_socket_cb);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, floor_timer_cb);
    struct curl_slist *h = bench_invoke_headers();
    bench_invoke_setup(e, base, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, floor_sink);
    for (int i = 0; i < 200; i++) floor_once(m, e);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 100; i++) floor_once(m, e);
        n += 100;
        t = now_s();
    } while (t - t0 < seconds);
    printf("curl_calls %ld\ncurl_seconds %.3f\ncurl_rate %.0f\n", n, t - t0, (double)n / (t - t0));
    curl_easy_cleanup(e);
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "rate")) return cmd_rate(argv[2], atof(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "sign")) return cmd_sign(atol(argv[2]));
    if (argc == 4 && !strcmp(argv[1], "curl")) return cmd_curl(argv[2], atof(argv[3]));
    if (argc == 5 && !strcmp(argv[1], "rss") && atol(argv[3]) > 0 && atol(argv[4]) >= atol(argv[3]))
        return cmd_rss(argv[2], atol(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: core_invoke rate URL SECONDS | curl URL SECONDS | sign ITERATIONS | "
                    "rss URL N1 N2 (N2 >= N1 > 0)\n");
    return 2;
}
