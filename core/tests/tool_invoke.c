/*
 * tool_invoke.c — test driver for core's transport: builds a client from
 * flags, runs one call, N sequential calls, N calls in flight, or calls from
 * several threads, and prints the result as key=value lines for the shell
 * tests (t_transport.sh, t_moto.sh) to assert on.
 *
 *   tool_invoke [flags] FUNCTION [PAYLOAD]
 *   --endpoint URL --region R --key AK --secret SK --token T
 *   --max-attempts N --connect-timeout MS --timeout MS --max-response N
 *   --retry-unsafe --qualifier Q --type Event|DryRun --tail
 *   --client-context JSON --call-region R --allow LIST --ca-file PEM
 *   --payload-size N      payload {"x":"aaa..."} of N bytes
 *   --repeat N            N sequential calls on one client
 *   --many N --concurrency K   N calls through sqlambda_invoke_many
 *   --threads T           T threads, each its own client, --repeat calls each
 *   --cancel-after MS     wait hook cancels after MS
 *   --yield               wait hook yields every time (multi_run loop)
 *   --multi-run MS        the multi API directly (FUNCTION plus each --also,
 *                         same payload), sqlambda_multi_run(MS) in a loop; prints
 *                         runs, pending after the first run, and per request
 *                         (in completion order) done_<i>=<status> <ms>
 *   --also FUNCTION       (with --multi-run) one more request, up to 16
 *   --validate            sqlambda_validate only
 *   --stream              sqlambda_invoke_stream: prints chunks=<n> and
 *                         streamed=<the bytes joined> before the result
 *   --stop-after N        (with --stream) the chunk callback stops after N
 *   --debug               log hook prints to stderr
 */
#include "sqlambda.h"
#include <pthread.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cancel_at = -1;
static int yield_mode;
static int debug_lines;

static int wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    if (timeout_ms > 1000) {
        fprintf(stderr, "wait hook got timeout %ld > 1000\n", timeout_ms);
        exit(3);
    }
    if (cancel_at >= 0 && now_ms() >= cancel_at) return SQLAMBDA_WAIT_CANCEL;
    long t = timeout_ms;
    if (cancel_at >= 0 && (cancel_at - now_ms()) < t) t = (long)(cancel_at - now_ms()) + 1;
    struct pollfd p[nfds > 0 ? nfds : 1];
    for (int i = 0; i < nfds; i++) {
        p[i].fd = fds[i].fd;
        p[i].events = (short)((fds[i].events & SQLAMBDA_WAIT_READ ? POLLIN : 0) |
                              (fds[i].events & SQLAMBDA_WAIT_WRITE ? POLLOUT : 0));
    }
    int rc = poll(p, (nfds_t)nfds, (int)t);
    for (int i = 0; i < nfds; i++)
        fds[i].revents = rc > 0 ? ((p[i].revents & (POLLIN | POLLHUP | POLLERR) ? SQLAMBDA_WAIT_READ : 0) |
                                   (p[i].revents & (POLLOUT | POLLERR) ? SQLAMBDA_WAIT_WRITE : 0)) &
                                      fds[i].events
                                : 0;
    if (cancel_at >= 0 && now_ms() >= cancel_at) return SQLAMBDA_WAIT_CANCEL;
    return yield_mode ? SQLAMBDA_WAIT_YIELD : SQLAMBDA_WAIT_CONTINUE;
}

static void log_hook(void *arg, int level, const char *msg) {
    debug_lines++;
    fprintf(stderr, "log[%d]: %s\n", level, msg);
}

static void print_str(const char *k, const char *v) {
    printf("%s=", k);
    for (const char *p = v ? v : ""; *p; p++) putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
    putchar('\n');
}

static void print_result(const sqlambda_result *r) {
    printf("status=%s\nhttp=%ld\nattempts=%d\nthrottles=%d\nelapsed_ms=%.0f\n",
           sqlambda_status_name(r->status), r->http_status, r->attempts, r->throttles, r->elapsed_ms);
    print_str("error_type", r->error_type);
    print_str("error_message", r->error_message);
    print_str("function_error", r->function_error);
    print_str("executed_version", r->executed_version);
    print_str("log_result", r->log_result);
    print_str("request_id", r->request_id);
    print_str("function_name", r->function_name);
    print_str("endpoint_host", r->endpoint_host);
    printf("payload_len=%zu\n", r->payload_len);
    if (r->payload && r->payload_len <= 4096) print_str("payload", r->payload);
    print_str("message", r->message);
}

static struct { char data[4096]; size_t len; int chunks, stop_after; } streamed;
static int on_chunk(void *arg, const char *data, size_t len) {
    (void)arg;
    for (size_t i = 0; i < len && streamed.len + 1 < sizeof streamed.data; i++)
        streamed.data[streamed.len++] = data[i] == '\n' ? ' ' : data[i];
    return ++streamed.chunks == streamed.stop_after;
}

static double multi_t0;
static void multi_done(void *arg, void *user, sqlambda_result *res) {
    printf("done_%d=%s %.0f\n", (int)(intptr_t)user, sqlambda_status_name(res->status), now_ms() - multi_t0);
    sqlambda_result_free(res);
}

static sqlambda_options opts;
static sqlambda_request req;
static int repeat = 1;

static void *thread_main(void *arg) {
    int *failures = arg;
    sqlambda_client *c = sqlambda_client_new(&opts);
    for (int i = 0; i < repeat; i++) {
        sqlambda_result r;
        if (sqlambda_invoke(c, &req, &r) != SQLAMBDA_OK) (*failures)++;
        sqlambda_result_free(&r);
    }
    sqlambda_client_free(c);
    return NULL;
}

int main(int argc, char **argv) {
    int many = 0, concurrency = 1, threads = 0, validate = 0;
    long payload_size = -1;
    const char *pos[2] = {NULL, NULL};
    const char *extra_fn[16];
    int npos = 0, nextra = 0;
    long multi_run_ms = -2;
    int stream = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (ARG("--endpoint")) opts.endpoint_url = v;
        else if (ARG("--region")) opts.region = v;
        else if (ARG("--key")) opts.access_key_id = v;
        else if (ARG("--secret")) opts.secret_access_key = v;
        else if (ARG("--token")) opts.session_token = v;
        else if (ARG("--max-attempts")) opts.max_attempts = atoi(v);
        else if (ARG("--connect-timeout")) opts.connect_timeout_ms = atol(v);
        else if (ARG("--timeout")) opts.request_timeout_ms = atol(v);
        else if (ARG("--max-response")) opts.max_response_bytes = strtoul(v, NULL, 10);
        else if (ARG("--qualifier")) req.qualifier = v;
        else if (ARG("--type")) req.invocation_type = strcmp(v, "Event") == 0 ? SQLAMBDA_EVENT
                                                    : strcmp(v, "DryRun") == 0 ? SQLAMBDA_DRY_RUN
                                                                               : SQLAMBDA_REQUEST_RESPONSE;
        else if (ARG("--client-context")) req.client_context = v;
        else if (ARG("--call-region")) req.region = v;
        else if (ARG("--allow")) opts.allowed_functions = v;
        else if (ARG("--ca-file")) opts.ca_file = v;
        else if (ARG("--payload-size")) payload_size = atol(v);
        else if (ARG("--repeat")) repeat = atoi(v);
        else if (ARG("--many")) many = atoi(v);
        else if (ARG("--concurrency")) concurrency = atoi(v);
        else if (ARG("--threads")) threads = atoi(v);
        else if (ARG("--cancel-after")) cancel_at = now_ms() + atof(v);
        else if (ARG("--multi-run")) multi_run_ms = atol(v);
        else if (ARG("--stop-after")) streamed.stop_after = atoi(v);
        else if (ARG("--also")) { if (nextra < 16) extra_fn[nextra++] = v; }
        else if (strcmp(a, "--retry-unsafe") == 0) opts.retry_unsafe = 1;
        else if (strcmp(a, "--tail") == 0) req.log_type = SQLAMBDA_LOG_TAIL;
        else if (strcmp(a, "--yield") == 0) yield_mode = 1;
        else if (strcmp(a, "--validate") == 0) validate = 1;
        else if (strcmp(a, "--stream") == 0) stream = 1;
        else if (strcmp(a, "--debug") == 0) opts.log = log_hook;
        else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "tool_invoke: unknown or incomplete flag %s\n", a);
            return 2;
        } else if (npos < 2) pos[npos++] = a;
#undef ARG
    }
    if (!pos[0]) {
        fprintf(stderr, "usage: tool_invoke [flags] FUNCTION [PAYLOAD]\n");
        return 2;
    }
    opts.wait = wait_hook;
    opts.user_agent_extra = "tool_invoke/1";
    req.function = pos[0];
    char *big = NULL;
    if (payload_size >= 0) {
        big = malloc((size_t)payload_size + 16);
        long n = payload_size < 8 ? 8 : payload_size;
        memcpy(big, "{\"x\":\"", 6);
        memset(big + 6, 'a', (size_t)(n - 8));
        memcpy(big + n - 2, "\"}", 3);
        req.payload = big;
        req.payload_len = (size_t)n;
    } else {
        req.payload = pos[1];
    }
    int rc = 0;
    if (threads > 0) {
        pthread_t t[64];
        int fails[64] = {0}, total = 0;
        if (threads > 64) threads = 64;
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, thread_main, &fails[i]);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL), total += fails[i];
        printf("thread_failures=%d\n", total);
        free(big);
        return 0;
    }
    sqlambda_client *c = sqlambda_client_new(&opts);
    if (!c) return 1;
    double t0 = now_ms();
    if (multi_run_ms >= -1) {
        sqlambda_multi *m = sqlambda_multi_new(c, nextra + 1);
        multi_t0 = now_ms();
        sqlambda_multi_add(m, &req, (void *)(intptr_t)0);
        for (int i = 0; i < nextra; i++) {
            sqlambda_request r2 = req;
            r2.function = extra_fn[i];
            sqlambda_multi_add(m, &r2, (void *)(intptr_t)(i + 1));
        }
        int runs = 0;
        size_t first_pending = 0;
        sqlambda_status st = SQLAMBDA_OK;
        while (sqlambda_multi_pending(m) && runs < 100000) {
            st = sqlambda_multi_run(m, multi_run_ms, multi_done, NULL);
            if (runs++ == 0) first_pending = sqlambda_multi_pending(m);
            if (st != SQLAMBDA_OK) break;
        }
        printf("runs=%d\nfirst_pending=%zu\nrun_status=%s\n", runs, first_pending, sqlambda_status_name(st));
        sqlambda_multi_free(m);
    } else if (stream) {
        sqlambda_result r;
        sqlambda_invoke_stream(c, &req, on_chunk, NULL, &r);
        printf("chunks=%d\nstreamed=%s\n", streamed.chunks, streamed.data);
        print_result(&r);
        sqlambda_result_free(&r);
    } else if (validate) {
        sqlambda_result r;
        sqlambda_validate(c, &req, &r);
        print_result(&r);
        sqlambda_result_free(&r);
    } else if (many > 0) {
        sqlambda_request *reqs = calloc((size_t)many, sizeof *reqs);
        sqlambda_result *res = calloc((size_t)many, sizeof *res);
        for (int i = 0; i < many; i++) reqs[i] = req;
        sqlambda_status st = sqlambda_invoke_many(c, reqs, (size_t)many, concurrency, res);
        int okn = 0, worst = -1;
        for (int i = 0; i < many; i++) {
            if (res[i].status == SQLAMBDA_OK) okn++;
            else if (worst < 0) worst = i;
        }
        printf("many_status=%s\nok_count=%d\ntotal_ms=%.0f\n", sqlambda_status_name(st), okn, now_ms() - t0);
        print_result(&res[worst >= 0 ? worst : 0]);
        for (int i = 0; i < many; i++) sqlambda_result_free(&res[i]);
        free(reqs);
        free(res);
    } else {
        int okn = 0;
        for (int i = 0; i < repeat; i++) {
            sqlambda_result r;
            if (sqlambda_invoke(c, &req, &r) == SQLAMBDA_OK) okn++;
            if (i == repeat - 1) print_result(&r);
            sqlambda_result_free(&r);
        }
        printf("ok_count=%d\ntotal_ms=%.0f\n", okn, now_ms() - t0);
    }
    printf("debug_lines=%d\n", debug_lines);
    sqlambda_client_free(c);
    free(big);
    return rc;
}
