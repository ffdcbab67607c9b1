/*
 * bulk_run.c — many Lambda calls from one SQL call: every request goes into
 * one core multi on the backend's client (kept-alive connections, cached
 * credentials), up to `concurrency` in flight, each result kept as soon as
 * it completes. Core waits through the latch hook (wait_latch.c), so a
 * query cancel, statement_timeout or termination makes the hook answer
 * SQLAMBDA_WAIT_CANCEL: core aborts every transfer at once, and this file
 * frees the results and lets CHECK_FOR_INTERRUPTS() raise PostgreSQL's own
 * error. Nothing here throws while core's state is live.
 */
#include "bulk.h"

#include "miscadmin.h"

#include <stdint.h>
#include <string.h>

/* How often the queue of requests is topped up while calls run. */
#define TOP_UP_MS 10

typedef struct collect_arg {
    sqlambda_result *results;
    size_t n;
} collect_arg;

/* Core's completion callback: keeps the result by value (owns its members). */
static void collect(void *arg, void *user, sqlambda_result *res) {
    collect_arg *a = arg;
    size_t i = (size_t)(uintptr_t)user;
    if (i < a->n) a->results[i] = *res;
    else sqlambda_result_free(res);
}

void awsl_bulk_free(sqlambda_result *results, size_t n) {
    for (size_t i = 0; i < n; i++) sqlambda_result_free(&results[i]);
}

void awsl_bulk_run(const sqlambda_request *reqs, size_t n, int concurrency,
                   sqlambda_result *results) {
    sqlambda_client *c = awsl_client();
    sqlambda_multi *m;
    sqlambda_status st = SQLAMBDA_OK;
    collect_arg a = {results, n};
    size_t next = 0, window = Max((size_t)concurrency * 4, (size_t)64);

    if (n == 0) return;
    {
        /* one socket per call in flight: raise this backend's soft fd limit
         * if it must (never the postmaster's or another backend's), or
         * refuse before anything is sent (pg_net crashed past 1,024 fds) */
        char err[400];
        int wanted = (size_t)concurrency < n ? concurrency : (int)n;
        if (sqlambda_fd_budget(wanted, err, sizeof err) != SQLAMBDA_OK)
            ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                            errmsg("aws_lambda: concurrency %d: %s", concurrency, err),
                            errhint("Lower the concurrency argument, or raise the server's "
                                    "file descriptor limit (LimitNOFILE in its systemd unit).")));
        /* and, when the hard limit allows, room for PostgreSQL's own files
         * (relation files, JIT's bitcode files) beside the sockets */
        (void)sqlambda_fd_budget(wanted + 64, NULL, 0);
    }
    m = sqlambda_multi_new(c, concurrency);
    if (!m) ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
    awsl_wait_reset();
    /* Core keeps a few KB per queued request: queue a window of them at a
     * time and top it up every few milliseconds, so memory stays bounded by
     * the concurrency, not by the number of payloads. */
    while (st == SQLAMBDA_OK) {
        while (next < n && sqlambda_multi_pending(m) < window) {
            if (sqlambda_multi_add(m, &reqs[next], (void *)(uintptr_t)next) == SQLAMBDA_E_NOMEM) {
                st = SQLAMBDA_E_NOMEM;
                break;
            }
            next++;
        }
        if (st != SQLAMBDA_OK) break;
        if (next == n) {
            st = sqlambda_multi_run(m, -1, collect, &a);
            break;
        }
        st = sqlambda_multi_run(m, TOP_UP_MS, collect, &a);
    }
    sqlambda_multi_free(m); /* drops anything still pending (only after NOMEM) */

    for (size_t i = 0; i < n; i++) {
        const sqlambda_result *r = &results[i];
        if (r->status == SQLAMBDA_E_INVALID || (r->attempts == 0 && r->status == SQLAMBDA_OK))
            continue; /* rejected before sending, or never run */
        awsl_stats_record(r->function_name ? r->function_name : reqs[i].function, r->status,
                          r->attempts, r->throttles, r->elapsed_ms);
    }
    if (st == SQLAMBDA_OK) return;

    awsl_bulk_free(results, n);
    awsl_wait_rethrow(); /* an error raised while waiting (e.g. out of memory) */
    if (st == SQLAMBDA_E_CANCELLED) {
        CHECK_FOR_INTERRUPTS(); /* query cancel / statement timeout / terminate */
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("%zu Lambda calls to \"%s\" were cancelled", n, reqs[0].function)));
    }
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                    errmsg("out of memory while sending %zu Lambda calls", n)));
}
