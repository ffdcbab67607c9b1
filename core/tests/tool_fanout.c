/*
 * tool_fanout.c — driver for t_fanout.sh: many calls in flight through one
 * client's multi (sqlambda_multi_run with a wait hook that records what it
 * is given), against a loopback server that holds each answer. Prints
 * key=value lines.
 *
 *   tool_fanout URL many N CONC     N calls (payload {"i":I}), CONC in flight;
 *                                   good (own payload back), elapsed_ms,
 *                                   max_nfds (most fds one wait got), waits,
 *                                   peak_fds (open fds at most), rss_kb
 *                                   (VmHWM), fds_after_free (open fds once
 *                                   the multi is freed), after_good/bad (10
 *                                   more calls on the same client), then
 *                                   rss_after_kb (VmRSS after free)
 *   URL cancel N MS                 N calls to hang*, the hook cancels after
 *                                   MS: fds_at_cancel, cancel_ms (cancel to
 *                                   return), cancelled (E_CANCELLED results)
 *   URL cancelapi N CONC EXTRA      N calls to hang*, at most CONC in
 *                                   flight; runs 300 ms, adds EXTRA more
 *                                   (queued, room for them), then
 *                                   sqlambda_multi_cancel: cancelled,
 *                                   cancelled_sent (attempts > 0: started),
 *                                   good, bad, left, cancel_ms,
 *                                   fds_before/fds_after (open fds before
 *                                   the calls and after the cancel), then
 *                                   10 calls on the same multi: again_good
 *   URL cancelflag N CONC           one call to fanout (answered) and N to
 *                                   hang*, CONC in flight, with a
 *                                   sqlambda_multi_cancel_on flag that the
 *                                   done callback sets when the fanout call
 *                                   completes: run, cancelled,
 *                                   cancelled_sent, good, left
 *   URL fdlimit N SOFT HARD         setrlimit(NOFILE, SOFT, HARD), then
 *                                   sqlambda_fd_budget(N) and invoke_many at
 *                                   concurrency N: budget, budget_msg, soft,
 *                                   many_status, many_config (E_CONFIG results),
 *                                   many_msg
 *   URL idle N                      N calls at N in flight (N kept-alive
 *                                   connections left idle), then one call
 *                                   to hang* while the server closes the
 *                                   idle ones: idle_waits (waits during
 *                                   that call: an idle socket that became
 *                                   readable must not make the loop spin),
 *                                   hang_status, then N calls again:
 *                                   again_good/again_bad
 *   URL order 0 FN...                  one call per FN (max_attempts 2) through
 *                                   one multi: done_K=FN STATUS MS in
 *                                   completion order
 */
#include "sqlambda.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = -1;
    while (readdir(d)) n++;
    closedir(d);
    return n - 2; /* . and .. counted, the dir's own fd in n's -1 */
}

static long status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl)) v = strtol(line + kl, NULL, 10);
    if (f) fclose(f);
    return v;
}

static int max_nfds, waits, fds_every;
static long peak_fds;
static double cancel_at = -1, cancelled_at = -1;
static long fds_at_cancel = -1;

static int hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    (void)arg;
    if (timeout_ms > 1000) {
        fprintf(stderr, "wait hook got timeout %ld > 1000\n", timeout_ms);
        exit(3);
    }
    waits++;
    if (nfds > max_nfds) max_nfds = nfds;
    if (fds_every && waits % fds_every == 0) {
        long n = count_fds();
        if (n > peak_fds) peak_fds = n;
    }
    if (cancel_at >= 0 && now_ms() >= cancel_at) {
        fds_at_cancel = count_fds();
        cancelled_at = now_ms();
        return SQLAMBDA_WAIT_CANCEL;
    }
    if (cancel_at >= 0 && cancel_at - now_ms() < timeout_ms) timeout_ms = (long)(cancel_at - now_ms()) + 1;
    sqlambda_poll_fds(fds, nfds, timeout_ms);
    return SQLAMBDA_WAIT_CONTINUE;
}

typedef struct tally {
    int good, bad, cancelled, cancelled_sent, order_n;
    double t0;
    const char *first_bad;
} tally;

static char bad_msg[600];

static void on_done(void *arg, void *user, sqlambda_result *res) {
    tally *t = arg;
    int i = (int)(intptr_t)user;
    char want[64];
    snprintf(want, sizeof want, "{\"i\":%d}", i);
    if (res->status == SQLAMBDA_OK && res->payload && !strcmp(res->payload, want)) {
        t->good++;
    } else if (res->status == SQLAMBDA_E_CANCELLED) {
        t->cancelled++;
        if (res->attempts > 0) t->cancelled_sent++;
    } else {
        if (!t->bad) snprintf(bad_msg, sizeof bad_msg, "%s", res->message);
        t->bad++;
    }
    sqlambda_result_free(res);
}

static volatile sig_atomic_t stop_flag;

/* on_done, and the first good result raises stop_flag */
static void on_done_stop(void *arg, void *user, sqlambda_result *res) {
    if (res->status == SQLAMBDA_OK) stop_flag = 1;
    on_done(arg, user, res);
}

static void on_order(void *arg, void *user, sqlambda_result *res) {
    tally *t = arg;
    printf("done_%d=%s %s %.0f\n", t->order_n++, (const char *)user, sqlambda_status_name(res->status),
           now_ms() - t->t0);
    sqlambda_result_free(res);
}

static sqlambda_client *client(const char *url, int attempts) {
    sqlambda_options o = {0};
    o.endpoint_url = url;
    o.region = "us-east-1";
    o.access_key_id = "AKIDFANOUT";
    o.secret_access_key = "fanoutSecretNotReal";
    o.connect_timeout_ms = 10000;
    o.request_timeout_ms = 30000;
    o.max_attempts = attempts;
    o.wait = hook;
    return sqlambda_client_new(&o);
}

static int add_calls(sqlambda_multi *m, const char *fn, int n, char (*payloads)[32]) {
    for (int i = 0; i < n; i++) {
        snprintf(payloads[i], sizeof payloads[i], "{\"i\":%d}", i);
        sqlambda_request r = {.function = fn, .payload = payloads[i]};
        if (sqlambda_multi_add(m, &r, (void *)(intptr_t)i) != SQLAMBDA_OK) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: tool_fanout URL many|cancel|cancelapi|cancelflag|fdlimit|idle|order ...\n");
        return 2;
    }
    const char *url = argv[1], *mode = argv[2];
    int n = atoi(argv[3]);
    tally t = {0};
    if (!strcmp(mode, "many") && argc == 5) {
        int conc = atoi(argv[4]);
        sqlambda_client *c = client(url, 1);
        char(*payloads)[32] = calloc((size_t)n, sizeof *payloads);
        sqlambda_multi *m = sqlambda_multi_new(c, conc);
        if (!c || !m || !payloads || add_calls(m, "fanout", n, payloads) != 0) return 2;
        fds_every = 1;
        peak_fds = count_fds();
        t.t0 = now_ms();
        sqlambda_status st;
        do st = sqlambda_multi_run(m, -1, on_done, &t);
        while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
        double el = now_ms() - t.t0;
        sqlambda_multi_free(m);
        long fds_after = count_fds();
        printf("good=%d\nbad=%d\nfirst_bad=%s\nelapsed_ms=%.0f\nmax_nfds=%d\nwaits=%d\npeak_fds=%ld\n"
               "rss_kb=%ld\nfds_after_free=%ld\n",
               t.good, t.bad, bad_msg, el, max_nfds, waits, peak_fds, status_kb("VmHWM:"), fds_after);
        /* the client still works after giving its grown cache back */
        tally t2 = {0};
        m = sqlambda_multi_new(c, 4);
        if (!m || add_calls(m, "fanout", 10, payloads) != 0) return 2;
        do st = sqlambda_multi_run(m, -1, on_done, &t2);
        while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
        sqlambda_multi_free(m);
        printf("after_good=%d\nafter_bad=%d\n", t2.good, t2.bad);
        sqlambda_client_free(c);
        free(payloads);
        printf("rss_after_kb=%ld\n", status_kb("VmRSS:"));
        return 0;
    }
    if (!strcmp(mode, "cancel") && argc == 5) {
        sqlambda_client *c = client(url, 1);
        char(*payloads)[32] = calloc((size_t)n, sizeof *payloads);
        sqlambda_multi *m = sqlambda_multi_new(c, n);
        if (!c || !m || !payloads || add_calls(m, "hang", n, payloads) != 0) return 2;
        t.t0 = now_ms();
        cancel_at = t.t0 + atof(argv[4]);
        sqlambda_status st = sqlambda_multi_run(m, -1, on_done, &t);
        double back = now_ms();
        printf("run=%s\nfds_at_cancel=%ld\ncancel_ms=%.1f\ncancelled=%d\ngood=%d\nbad=%d\nleft=%zu\n",
               sqlambda_status_name(st), fds_at_cancel, back - cancelled_at, t.cancelled, t.good,
               t.bad, sqlambda_multi_pending(m));
        sqlambda_multi_free(m);
        sqlambda_client_free(c);
        free(payloads);
        return 0;
    }
    if (!strcmp(mode, "cancelapi") && argc == 6) {
        int conc = atoi(argv[4]), extra = atoi(argv[5]);
        sqlambda_client *c = client(url, 1);
        char(*payloads)[32] = calloc((size_t)(n + extra + 10), sizeof *payloads);
        long fds_before = count_fds();
        sqlambda_multi *m = sqlambda_multi_new(c, conc);
        if (!c || !m || !payloads || add_calls(m, "hang", n, payloads) != 0) return 2;
        sqlambda_status st = sqlambda_multi_run(m, 300, on_done, &t);
        if (add_calls(m, "hang", extra, payloads + n) != 0) return 2;
        double t0 = now_ms();
        sqlambda_multi_cancel(m, on_done, &t);
        double back = now_ms();
        printf("run=%s\ncancelled=%d\ncancelled_sent=%d\ngood=%d\nbad=%d\nleft=%zu\ncancel_ms=%.1f\n"
               "fds_before=%ld\nfds_after=%ld\n",
               sqlambda_status_name(st), t.cancelled, t.cancelled_sent, t.good, t.bad,
               sqlambda_multi_pending(m), back - t0, fds_before, count_fds());
        /* the multi still works: fresh calls after the cancel */
        tally t2 = {0};
        if (add_calls(m, "fanout", 10, payloads) != 0) return 2;
        do st = sqlambda_multi_run(m, -1, on_done, &t2);
        while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
        printf("again_good=%d\n", t2.good);
        sqlambda_multi_free(m);
        sqlambda_client_free(c);
        free(payloads);
        return 0;
    }
    if (!strcmp(mode, "cancelflag") && argc == 5) {
        int conc = atoi(argv[4]);
        sqlambda_client *c = client(url, 1);
        char(*payloads)[32] = calloc((size_t)n + 1, sizeof *payloads);
        sqlambda_multi *m = sqlambda_multi_new(c, conc);
        if (!c || !m || !payloads || add_calls(m, "fanout", 1, payloads) != 0 ||
            add_calls(m, "hang", n, payloads + 1) != 0)
            return 2;
        sqlambda_multi_cancel_on(m, &stop_flag);
        sqlambda_status st;
        do st = sqlambda_multi_run(m, -1, on_done_stop, &t);
        while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
        printf("run=%s\ncancelled=%d\ncancelled_sent=%d\ngood=%d\nleft=%zu\n", sqlambda_status_name(st),
               t.cancelled, t.cancelled_sent, t.good, sqlambda_multi_pending(m));
        sqlambda_multi_free(m);
        sqlambda_client_free(c);
        free(payloads);
        return 0;
    }
    if (!strcmp(mode, "fdlimit") && argc == 6) {
        struct rlimit rl = {(rlim_t)atol(argv[4]), (rlim_t)atol(argv[5])};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            perror("setrlimit");
            return 2;
        }
        char err[400];
        sqlambda_status b = sqlambda_fd_budget(n, err, sizeof err);
        getrlimit(RLIMIT_NOFILE, &rl);
        printf("budget=%s\nbudget_msg=%s\nsoft=%llu\n", sqlambda_status_name(b), err,
               (unsigned long long)rl.rlim_cur);
        sqlambda_client *c = client(url, 1);
        sqlambda_request *reqs = calloc((size_t)n, sizeof *reqs);
        sqlambda_result *res = calloc((size_t)n, sizeof *res);
        if (!c || !reqs || !res) return 2;
        for (int i = 0; i < n; i++) reqs[i] = (sqlambda_request){.function = "fanout", .payload = "{}"};
        sqlambda_status st = sqlambda_invoke_many(c, reqs, (size_t)n, n, res);
        int config = 0;
        for (int i = 0; i < n; i++) {
            config += res[i].status == SQLAMBDA_E_CONFIG;
            if (i) sqlambda_result_free(&res[i]);
        }
        printf("many_status=%s\nmany_config=%d\nmany_msg=%s\n", sqlambda_status_name(st), config,
               res[0].message);
        sqlambda_result_free(&res[0]);
        sqlambda_client_free(c);
        free(reqs);
        free(res);
        return 0;
    }
    if (!strcmp(mode, "idle") && argc == 4) {
        /* one multi throughout: its connections stay cached between phases */
        sqlambda_client *c = client(url, 1);
        char(*payloads)[32] = calloc((size_t)n, sizeof *payloads);
        sqlambda_multi *m = sqlambda_multi_new(c, n);
        if (!c || !m || !payloads) return 2;
        for (int phase = 0; phase < 3; phase++) {
            tally tp = {0};
            bad_msg[0] = '\0';
            if (phase == 1) {
                sqlambda_request r = {.function = "hang", .payload = "{\"i\":0}"};
                if (sqlambda_multi_add(m, &r, (void *)(intptr_t)0) != SQLAMBDA_OK) return 2;
            } else if (add_calls(m, "fanout", n, payloads) != 0) {
                return 2;
            }
            int w0 = waits;
            sqlambda_status st;
            do st = sqlambda_multi_run(m, -1, on_done, &tp);
            while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
            if (phase == 0) printf("first_good=%d\n", tp.good);
            if (phase == 1)
                printf("idle_waits=%d\nhang_good=%d\nhang_bad=%d\n", waits - w0, tp.good, tp.bad);
            if (phase == 2) printf("again_good=%d\nagain_bad=%d\n", tp.good, tp.bad);
            if (tp.bad) printf("bad_%d=%s\n", phase, bad_msg);
        }
        sqlambda_multi_free(m);
        sqlambda_client_free(c);
        free(payloads);
        return 0;
    }
    if (!strcmp(mode, "order") && argc >= 4) {
        sqlambda_client *c = client(url, 2);
        sqlambda_multi *m = sqlambda_multi_new(c, argc);
        if (!c || !m) return 2;
        for (int i = 4; i < argc; i++) {
            sqlambda_request r = {.function = argv[i], .payload = "{}"};
            if (sqlambda_multi_add(m, &r, argv[i]) != SQLAMBDA_OK) return 2;
        }
        t.t0 = now_ms();
        sqlambda_status st;
        do st = sqlambda_multi_run(m, -1, on_order, &t);
        while (st == SQLAMBDA_OK && sqlambda_multi_pending(m));
        sqlambda_multi_free(m);
        sqlambda_client_free(c);
        return 0;
    }
    fprintf(stderr, "tool_fanout: bad arguments\n");
    return 2;
}
