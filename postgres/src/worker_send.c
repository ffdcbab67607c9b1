/*
 * worker_send.c — the delivery worker's calls: its own libsqlambda client
 * (built from the aws_lambda.* settings by client_options.c, as a
 * backend's, rebuilt after a reload), one multi handle keeping up to
 * aws_lambda.worker_concurrency calls in flight, and the wait hook core
 * calls while they are: it waits on the sockets, the worker's latch and
 * postmaster death (wait_sockets.c, shared with backends), and yields back
 * to the main loop as soon as a call has completed or the latch is set (a
 * commit queued work, or a signal came), so outcomes are recorded at once
 * and new work is claimed while slow calls stay in flight. Each call
 * carries {"custom":{"idempotency_key":"<system identifier>-<queue id>"}}.
 * Flow control (flow_worker.c) decides per function whether a ready
 * delivery may start: one held back by a cap waits its turn while others
 * pass it; one of a paused function or an open breaker is released (its
 * entries stay queued, no attempt counted). At start and after each reload
 * the worker checks that it may open aws_lambda.worker_concurrency sockets
 * (sqlambda_fd_budget, which raises the soft limit when the hard one
 * allows); when it may not, it logs a WARNING naming the setting and keeps
 * only as many calls in flight as it has descriptors for.
 */
#include "queue.h"

#include "access/xlog.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "utils/memutils.h"

#include <string.h>

static sqlambda_client *client;
static sqlambda_multi *multi;
static uint64 system_id;
static int max_sending = 1; /* worker_concurrency, or what the fd limit allows */

/* Descriptors left for PostgreSQL's own files beyond those open now (its
 * relation files, JIT's bitcode files): at 1,000 sockets under a soft limit
 * of 1,024 the worker died opening a bitcode file (EMFILE, FATAL). */
#define PG_OWN_FILES 64

/* Sets max_sending from aws_lambda.worker_concurrency and the fds this
 * process may open: the most calls (at least 1) whose sockets fit, with
 * PG_OWN_FILES to spare. */
static void fit_fd_budget(void) {
    char err[400], low_err[400];
    int want = awsq_worker_concurrency, lo = 0, hi = want;
    if (sqlambda_fd_budget(want + PG_OWN_FILES, err, sizeof err) == SQLAMBDA_OK) {
        max_sending = want;
        return;
    }
    /* the message names the calls alone */
    sqlambda_fd_budget(want, err, sizeof err);
    while (lo < hi) { /* the largest count that fits (a failed check changes nothing) */
        int mid = lo + (hi - lo + 1) / 2;
        if (sqlambda_fd_budget(mid + PG_OWN_FILES, low_err, sizeof low_err) == SQLAMBDA_OK) lo = mid;
        else hi = mid - 1;
    }
    max_sending = Max(lo, 1);
    if (!err[0]) /* the calls fit, PostgreSQL's own files beside them do not */
        snprintf(err, sizeof err, "%d calls in flight and %d more descriptors for PostgreSQL's own "
                 "files are over this process's limit", want, PG_OWN_FILES);
    ereport(WARNING,
            (errmsg("aws_lambda worker: aws_lambda.worker_concurrency = %d: %s", want, err),
             errdetail("The delivery worker keeps at most %d calls in flight.", max_sending),
             errhint("Raise the server's open-file limit (LimitNOFILE in its systemd unit, or "
                     "ulimit -n) or lower aws_lambda.worker_concurrency.")));
}

/* Milliseconds until a wake may be served by a claim (claims are spaced
 * AWSQ_CLAIM_EVERY_MS apart under load), or -1 when no wake is pending. */
static double claim_wait_ms(void) {
    if (!awsq_w.wake || awsq_w.nheld >= AWSQ_HOLD_MAX) return -1;
    double left = awsq_w.last_claim_ms + AWSQ_CLAIM_EVERY_MS - awsq_now_ms();
    return left > 0 ? left : 0;
}

static bool should_yield(void) {
    return awsq_w.done || claim_wait_ms() == 0 || ShutdownRequestPending || ConfigReloadPending;
}

/* The worker's wait hook: waits through wait_sockets.c (shared with the
 * backends' hook), no longer than until a claim is due. */
static int worker_wait(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (should_yield()) return SQLAMBDA_WAIT_YIELD;
    double claim_in = claim_wait_ms();
    if (claim_in > 0 && (timeout_ms < 0 || claim_in < timeout_ms)) timeout_ms = (long)(claim_in + 0.999);
    if (awsl_wait_sockets(fds, nfds, timeout_ms)) awsq_w.wake = true;
    return should_yield() ? SQLAMBDA_WAIT_YIELD : SQLAMBDA_WAIT_CONTINUE;
}

static void build_client(void) {
    client = awsl_client_from_settings(true, worker_wait, " worker");
    if (!client) elog(FATAL, "aws_lambda worker: out of memory creating the Lambda client");
    multi = sqlambda_multi_new(client, 1000);
    if (!multi) elog(FATAL, "aws_lambda worker: out of memory creating the multi handle");
}

void awsq_send_init(void) {
    system_id = GetSystemIdentifier();
    fit_fd_budget();
    build_client();
}

bool awsq_send_reload(void) {
    if (sqlambda_multi_pending(multi) > 0) return false;
    sqlambda_multi_free(multi);
    sqlambda_client_free(client);
    awsl_wait_sockets_forget(); /* its epoll fd's number may come back */
    fit_fd_budget(); /* worker_concurrency may have changed */
    build_client();
    return true;
}

size_t awsq_send_pending(void) { return sqlambda_multi_pending(multi); }

static void on_done(void *arg, void *user, sqlambda_result *res) {
    awsq_delivery *d = user;
    MemoryContext cxt = awsq_w.cxt;
    d->status = res->status;
    d->http_status = res->http_status;
    if (res->payload && (res->status == SQLAMBDA_OK || res->status == SQLAMBDA_E_FUNCTION) &&
        d->request_response) {
        d->response = MemoryContextAlloc(cxt, res->payload_len + 1);
        memcpy(d->response, res->payload, res->payload_len);
        d->response[res->payload_len] = '\0';
        d->response_len = res->payload_len;
    }
    if (res->function_error) d->function_error = MemoryContextStrdup(cxt, res->function_error);
    if (res->status != SQLAMBDA_OK)
        d->error = MemoryContextStrdup(cxt, res->message[0] ? res->message
                                                             : sqlambda_status_name(res->status));
    awsl_stats_record(res->function_name ? res->function_name : d->function, res->status,
                      res->attempts, res->throttles, res->elapsed_ms);
    awsq_flow_done(d, res->retry_after_ms);
    sqlambda_result_free(res);
    d->next = awsq_w.done;
    awsq_w.done = d;
    awsq_w.sending--;
}

static void send_one(awsq_delivery *d) {
    sqlambda_request req;
    StringInfoData buf;
    char context[160];
    memset(&req, 0, sizeof req);
    req.function = d->function;
    req.qualifier = d->qualifier;
    req.region = d->region;
    req.invocation_type = d->request_response ? SQLAMBDA_REQUEST_RESPONSE : SQLAMBDA_EVENT;
    if (d->max_records <= 1) {
        req.payload = d->first->payload;
        req.payload_len = (size_t)d->first->payload_len;
        snprintf(context, sizeof context, "{\"custom\":{\"idempotency_key\":\"" UINT64_FORMAT
                 "-" INT64_FORMAT "\"}}", system_id, d->first->id);
        buf.data = NULL;
    } else {
        initStringInfo(&buf);
        appendStringInfoString(&buf, "{\"records\":[");
        for (awsq_entry *e = d->first; e; e = e->next) {
            if (e != d->first) appendStringInfoChar(&buf, ',');
            appendBinaryStringInfo(&buf, e->payload, e->payload_len);
        }
        appendStringInfoString(&buf, "]}");
        req.payload = buf.data;
        req.payload_len = (size_t)buf.len;
        d->bytes = (size_t)buf.len;
        snprintf(context, sizeof context, "{\"custom\":{\"idempotency_key\":\"" UINT64_FORMAT
                 "-" INT64_FORMAT "-" INT64_FORMAT "\",\"records\":%d}}", system_id,
                 d->first->id, d->last->id, d->n);
    }
    req.client_context = context;
    if (sqlambda_multi_add(multi, &req, d) == SQLAMBDA_E_NOMEM)
        elog(FATAL, "aws_lambda worker: out of memory queueing a call");
    if (buf.data) pfree(buf.data);
    awsq_w.sending++;
}

void awsq_send_ready(void) {
    awsq_worker *w = &awsq_w;
    awsq_delivery **pp = &w->ready, *prev = NULL;
    double now = awsq_now_ms();
    while (*pp && w->sending < Min(awsq_worker_concurrency, max_sending)) {
        awsq_delivery *d = *pp;
        bool blocked;
        if (!awsq_flow_may_send(d->function, now, &blocked) && !blocked) {
            prev = d; /* its turn comes when one of its calls completes */
            pp = &d->next;
            continue;
        }
        *pp = d->next;
        if (w->ready_tail == d) w->ready_tail = prev;
        d->next = NULL;
        if (blocked) { /* paused or its breaker opened since the claim */
            awsq_release(d);
            w->owe_sweep = true;
            continue;
        }
        awsq_flow_sent(d);
        send_one(d);
    }
}

void awsq_send_run(long timeout_ms) {
    sqlambda_multi_run(multi, timeout_ms, on_done, NULL);
}
