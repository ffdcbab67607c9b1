/*
 * core_invoke.c — benchmark driver for libsqlambda (bench/core.sh runs it):
 *   core_invoke rate URL SECONDS   sequential sqlambda_invoke calls to URL for
 *                                  SECONDS; prints "core_rate <calls/s>"
 *   core_invoke sign ITERATIONS    times sqlambda_sigv4_sign on an Invoke-shaped
 *                                  request; prints "sign_us <µs per signature>"
 *   core_invoke rss URL N1 N2      N2 sequential invokes; prints VmRSS (kB)
 *                                  after N1 and after N2 calls
 * Credentials are static fake keys (the nginx peer does not check them).
 */
#include "sqlambda.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char PAYLOAD[] = "{\"bench\":true,\"user\":\"bob\",\"n\":12345}";

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

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "rate")) return cmd_rate(argv[2], atof(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "sign")) return cmd_sign(atol(argv[2]));
    if (argc == 5 && !strcmp(argv[1], "rss") && atol(argv[3]) > 0 && atol(argv[4]) >= atol(argv[3]))
        return cmd_rss(argv[2], atol(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: core_invoke rate URL SECONDS | sign ITERATIONS | rss URL N1 N2 (N2 >= N1 > 0)\n");
    return 2;
}
