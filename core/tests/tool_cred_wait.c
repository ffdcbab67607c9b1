/*
 * tool_cred_wait.c — drives calls whose credential source may hang, for
 * t_cred_timeout.sh. Each --call runs in its own thread with its own
 * client (its own wait hook), started together (after its delay):
 *   tool_cred_wait [--timeout MS] [--setting NAME] [--no-region]
 *                  [--after CMD] --call PROFILE[,cancel=MS][,delay=MS] ...
 * A call (timed from its invoke; with --no-region from creating its
 * client, which then asks instance metadata for the region) invokes
 * function "f" at http://127.0.0.1:9 (nothing listens: a
 * call that got credentials ends with TransportError) with one attempt.
 * cancel=MS: the wait hook answers SQLAMBDA_WAIT_CANCEL once MS have
 * passed since the call started (cancel=-1: from the start). Prints, per call, in call order:
 *   call=<i> status=<name> ms=<elapsed> hook=<yes|no> hookfds=<n> msg=<message>
 * (hook=yes: the wait hook was called; hookfds: the most descriptors it
 * was given at once, 0 if nothing was started that it could wait on). --after CMD runs once every call
 * has returned, while this process is still alive (its children's state
 * can be checked from outside).
 */
#include "sqlambda.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CALLS 8

typedef struct call {
    const char *profile;
    long cancel_ms, delay_ms;
    double start, elapsed;
    int hook_calls, hook_max_fds;
    sqlambda_status st;
    char msg[512];
} call;

static long timeout_ms;
static const char *setting;
static int no_region;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* poll() the fds, but never past the call's cancel time; then cancel. */
static int hook(void *arg, sqlambda_wait_fd *fds, int nfds, long tmo) {
    call *c = arg;
    c->hook_calls++;
    if (nfds > c->hook_max_fds) c->hook_max_fds = nfds;
    double left = c->cancel_ms != 0 ? c->start + (double)c->cancel_ms - now_ms() : -1;
    if (c->cancel_ms != 0 && left <= 0) return SQLAMBDA_WAIT_CANCEL;
    if (left >= 0 && (tmo < 0 || tmo > (long)left + 1)) tmo = (long)left + 1;
    sqlambda_poll_fds(fds, nfds, tmo);
    if (c->cancel_ms != 0 && now_ms() >= c->start + (double)c->cancel_ms)
        return SQLAMBDA_WAIT_CANCEL;
    return SQLAMBDA_WAIT_CONTINUE;
}

static void *run_call(void *arg) {
    call *c = arg;
    if (c->delay_ms > 0) usleep((useconds_t)c->delay_ms * 1000);
    c->start = now_ms(); /* reset below unless client creation is the test */
    sqlambda_options o;
    memset(&o, 0, sizeof o);
    o.region = no_region ? NULL : "us-east-1";
    o.endpoint_url = "http://127.0.0.1:9";
    o.profile = c->profile;
    o.max_attempts = 1;
    o.wait = hook;
    o.wait_arg = c;
    o.credential_timeout_ms = timeout_ms;
    o.credential_timeout_setting = setting;
    sqlambda_client *cl = sqlambda_client_new(&o);
    if (!cl) {
        c->st = SQLAMBDA_E_NOMEM;
        snprintf(c->msg, sizeof c->msg, "out of memory");
        return NULL;
    }
    if (!no_region) c->start = now_ms();
    sqlambda_request rq;
    memset(&rq, 0, sizeof rq);
    rq.function = "f";
    sqlambda_result res;
    c->st = sqlambda_invoke(cl, &rq, &res);
    c->elapsed = now_ms() - c->start;
    snprintf(c->msg, sizeof c->msg, "%s", res.message);
    sqlambda_result_free(&res);
    sqlambda_client_free(cl);
    return NULL;
}

int main(int argc, char **argv) {
    call calls[MAX_CALLS];
    int n = 0;
    const char *after = NULL;
    memset(calls, 0, sizeof calls);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-region") == 0) {
            no_region = 1;
        } else if (strcmp(a, "--timeout") == 0 && v) {
            timeout_ms = atol(v), i++;
        } else if (strcmp(a, "--setting") == 0 && v) {
            setting = v, i++;
        } else if (strcmp(a, "--after") == 0 && v) {
            after = v, i++;
        } else if (strcmp(a, "--call") == 0 && v && n < MAX_CALLS) {
            char *spec = argv[++i], *save = NULL;
            call *c = &calls[n++];
            c->profile = strtok_r(spec, ",", &save);
            for (char *t; (t = strtok_r(NULL, ",", &save));) {
                if (strncmp(t, "cancel=", 7) == 0) c->cancel_ms = atol(t + 7);
                else if (strncmp(t, "delay=", 6) == 0) c->delay_ms = atol(t + 6);
            }
        } else {
            fprintf(stderr, "tool_cred_wait: bad argument %s\n", a);
            return 64;
        }
    }
    /* curl and OpenSSL initialise once, before any clock starts */
    sqlambda_options warm;
    memset(&warm, 0, sizeof warm);
    warm.region = "us-east-1";
    sqlambda_client_free(sqlambda_client_new(&warm));
    pthread_t th[MAX_CALLS];
    for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, run_call, &calls[i]);
    for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++)
        printf("call=%d status=%s ms=%.0f hook=%s hookfds=%d msg=%s\n", i,
               sqlambda_status_name(calls[i].st), calls[i].elapsed,
               calls[i].hook_calls ? "yes" : "no", calls[i].hook_max_fds, calls[i].msg);
    fflush(stdout);
    if (after && system(after) != 0) fprintf(stderr, "tool_cred_wait: --after failed\n");
    return 0;
}
