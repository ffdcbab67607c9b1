/*
 * pool.c — the warm-instance pool: picks an idle instance of a function
 * version (or starts one, up to the function's concurrency; beyond it a
 * reserved-concurrency function throttles), hands it the invocation, waits
 * for the result, enforces the timeout, and kills and drops instances that
 * timed out or exited.
 */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

void pool_error_body(sqlambda_buf *b, const char *type, const char *message) {
    char *m = utf8_clean(message, strlen(message)), *t = utf8_clean(type, strlen(type));
    json_t *e = json_pack("{s:s, s:s}", "errorMessage", m, "errorType", t);
    char *s = json_dumps(e, JSON_COMPACT);
    xbuf_append(b, s, strlen(s));
    free(s);
    json_decref(e);
    free(m);
    free(t);
}

static void wait_until(pthread_cond_t *cv, double deadline_ms) {
    double left = deadline_ms - sqlambda_now_ms();
    if (left <= 0) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long ns = ts.tv_nsec + (long long)(left * 1e6);
    ts.tv_sec += ns / 1000000000LL;
    ts.tv_nsec = ns % 1000000000LL;
    pthread_cond_timedwait(cv, &g.mu, &ts);
}

static void make_trace_id(char *out, size_t len) {
    char u[37];
    make_uuid(u);
    char hex[33];
    size_t j = 0;
    for (size_t i = 0; u[i] && j < 32; i++)
        if (u[i] != '-') hex[j++] = u[i];
    hex[j] = 0;
    snprintf(out, len, "Root=1-%08llx-%.24s;Parent=%.16s;Sampled=0",
             (unsigned long long)(epoch_ms() / 1000), hex, hex + 8);
}

/* Fills the body of outcomes the server itself produces, logs them, and
 * closes the log with END and REPORT. */
static void finish(instance *in, invocation *inv) {
    const fn_version *fv = in->fv;
    char ts[32], msg[256];
    if (inv->outcome == OUT_TIMEOUT) {
        /* The log line keeps Lambda's timestamped form; the answer is the
         * current one: Sandbox.Timedout, "RequestId: ... Error: ..." like
         * every other sandbox error (Runtime.ExitError below). */
        iso_time(ts);
        snprintf(msg, sizeof msg, "%s %s Task timed out after %d.00 seconds", ts, inv->request_id,
                 fv->timeout_s);
        log_line(in, msg);
        snprintf(msg, sizeof msg, "RequestId: %s Error: Task timed out after %d.00 seconds",
                 inv->request_id, fv->timeout_s);
        pool_error_body(&inv->body, "Sandbox.Timedout", msg);
    } else if (inv->outcome == OUT_PENDING || inv->outcome == OUT_EXIT) {
        inv->outcome = OUT_EXIT;
        char how[64];
        int st = in->exit_status;
        if (WIFSIGNALED(st))
            snprintf(how, sizeof how, "signal: %s", strsignal(WTERMSIG(st)));
        else
            snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(st));
        snprintf(msg, sizeof msg, "RequestId: %s Error: Runtime exited with error: %s",
                 inv->request_id, how);
        log_line(in, msg);
        sqlambda_buf_free(&inv->body);
        pool_error_body(&inv->body, "Runtime.ExitError", msg);
    }
    double start = inv->delivered ? inv->delivered_ms : inv->assigned_ms;
    inv->duration_ms = sqlambda_now_ms() - start;
    /* A cold start that never asked for its first event (init error, crash
     * or timeout during init) reports the init time it did take, not 0. */
    if (in->cold && in->init_ms == 0) in->init_ms = sqlambda_now_ms() - in->spawn_ms;
    /* Peak RSS from /proc costs more than a small handler: read it on a cold
     * start, after a failure, and at most every 100 ms otherwise. */
    double t = sqlambda_now_ms();
    if (in->cold || inv->outcome != OUT_OK || t - in->rss_read_ms >= 100) {
        in->max_rss_mb = instance_max_rss_mb(in);
        in->rss_read_ms = t;
    }
    log_end(in, inv);
}

enum run_status pool_run(fn_version *fv, invocation *inv, int wait) {
    function *f = fv->fn;
    instance *dead = NULL, *in = NULL;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        if (g.stopping) {
            pthread_mutex_unlock(&g.mu);
            return RUN_STOPPING;
        }
        int limit = f->reserved >= 0 ? f->reserved : g.max_concurrency;
        if (f->busy >= limit) {
            if (f->reserved >= 0 && !wait) {
                pthread_mutex_unlock(&g.mu);
                return RUN_THROTTLED;
            }
            pthread_cond_wait(&f->freed, &g.mu);
            continue;
        }
        break;
    }
    for (instance **pp = &fv->instances; *pp;) {
        if ((*pp)->state == INST_DEAD) {
            instance *x = *pp;
            *pp = x->next;
            x->next = dead;
            dead = x;
        } else {
            pp = &(*pp)->next;
        }
    }
    for (in = fv->instances; in; in = in->next)
        if (in->state == INST_IDLE) break;
    if (in) {
        in->state = INST_BUSY;
        in->cold = 0;
    }
    f->busy++;
    g.inflight++;
    pthread_mutex_unlock(&g.mu);
    while (dead) {
        instance *x = dead;
        dead = x->next;
        instance_destroy(x);
    }
    if (!in) {
        char err[256];
        in = instance_start(fv, err, sizeof err);
        pthread_mutex_lock(&g.mu);
        if (!in) {
            f->busy--;
            g.inflight--;
            pthread_cond_broadcast(&f->freed);
            pthread_cond_broadcast(&g.idle);
            pthread_mutex_unlock(&g.mu);
            serve_log("%s: %s", f->name, err);
            inv->outcome = OUT_EXIT;
            pool_error_body(&inv->body, "Runtime.ExitError", err);
            return RUN_FAILED;
        }
        in->state = INST_BUSY;
        in->next = fv->instances;
        fv->instances = in;
    } else {
        pthread_mutex_lock(&g.mu);
    }
    /* hand over the invocation and wait for its result (g.mu held) */
    if (!inv->trace_id[0]) make_trace_id(inv->trace_id, sizeof inv->trace_id);
    inv->assigned_ms = sqlambda_now_ms();
    inv->outcome = OUT_PENDING;
    in->cur = inv;
    log_begin(in, inv);
    pthread_cond_broadcast(&in->cv);
    while (inv->outcome == OUT_PENDING && !in->exited) {
        double limit = inv->delivered ? inv->delivered_ms + fv->timeout_s * 1000.0
                                      : inv->assigned_ms + (double)g.init_timeout_ms;
        if (sqlambda_now_ms() >= limit) {
            inv->outcome = OUT_TIMEOUT;
            break;
        }
        wait_until(&in->cv, limit);
    }
    log_drain(in);
    finish(in, inv);
    in->cur = NULL;
    instance *drop = NULL;
    if ((inv->outcome == OUT_OK || inv->outcome == OUT_FN_ERROR) && !in->exited) {
        in->state = INST_IDLE;
    } else {
        in->state = INST_DEAD;
        for (instance **pp = &fv->instances; *pp; pp = &(*pp)->next)
            if (*pp == in) {
                *pp = in->next;
                break;
            }
        drop = in;
    }
    f->busy--;
    pthread_cond_broadcast(&f->freed);
    pthread_mutex_unlock(&g.mu);
    if (drop) instance_destroy(drop); /* killed now; a fresh one starts on demand */
    pthread_mutex_lock(&g.mu);
    g.inflight--;
    pthread_cond_broadcast(&g.idle);
    pthread_mutex_unlock(&g.mu);
    return RUN_DONE;
}

void pool_stop_all(void) {
    pthread_mutex_lock(&g.mu);
    for (size_t i = 0; i < g.reg.n; i++)
        for (size_t v = 0; v < g.reg.fns[i]->nversions; v++)
            for (instance *in = g.reg.fns[i]->versions[v]->instances; in; in = in->next)
                if (!in->exited && in->pid > 0) kill(-in->pid, SIGTERM);
    /* give workers half a second to exit on SIGTERM */
    double until = sqlambda_now_ms() + 500;
    for (;;) {
        int running = 0;
        instance *any = NULL;
        for (size_t i = 0; i < g.reg.n; i++)
            for (size_t v = 0; v < g.reg.fns[i]->nversions; v++)
                for (instance *in = g.reg.fns[i]->versions[v]->instances; in; in = in->next)
                    if (!in->exited) running++, any = in;
        if (!running || sqlambda_now_ms() >= until) break;
        wait_until(&any->cv, sqlambda_now_ms() + 20 < until ? sqlambda_now_ms() + 20 : until);
    }
    instance *all = NULL;
    for (size_t i = 0; i < g.reg.n; i++)
        for (size_t v = 0; v < g.reg.fns[i]->nversions; v++) {
            fn_version *fv = g.reg.fns[i]->versions[v];
            while (fv->instances) {
                instance *in = fv->instances;
                fv->instances = in->next;
                in->next = all;
                all = in;
            }
        }
    pthread_mutex_unlock(&g.mu);
    while (all) {
        instance *in = all;
        all = in->next;
        instance_destroy(in);
    }
}
