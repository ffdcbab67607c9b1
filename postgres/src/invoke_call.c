/*
 * invoke_call.c — one Lambda call from SQL, start to finish: gets the
 * backend's client, lets core validate, sign, send and retry, waits through
 * the latch hook, records statistics and a DEBUG1 trace (never payloads),
 * copies the result into palloc'd memory and frees core's, then returns
 * (success) or raises the mapped ERROR. Core's malloc'd result is always
 * freed before anything here can throw.
 */
#include "aws_lambda.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include <limits.h>
#include <string.h>

static char *copy_or_null(const char *s) { return s ? pstrdup(s) : NULL; }

/* At most AWSL_DETAIL_MAX bytes of body, cut on a character boundary. */
static char *bounded_payload(const char *p, size_t len) {
    if (!p || len == 0) return NULL;
    if (!pg_verifymbstr(p, (int)Min(len, (size_t)AWSL_DETAIL_MAX * 4), true) ||
        memchr(p, '\0', len) != NULL)
        return psprintf("(%zu bytes, not valid text)", len);
    if (len <= AWSL_DETAIL_MAX) return pnstrdup(p, len);
    int cut = pg_mbcliplen(p, (int)Min(len, (size_t)INT_MAX), AWSL_DETAIL_MAX);
    return psprintf("%.*s... (%zu bytes in all)", cut, p, len);
}

static const char *type_name(sqlambda_invocation_type t) {
    return t == SQLAMBDA_EVENT ? "Event" : t == SQLAMBDA_DRY_RUN ? "DryRun" : "RequestResponse";
}

static void trace(const sqlambda_request *req, const sqlambda_result *res, const char *fn) {
    if (!message_level_is_interesting(DEBUG1)) return;
    ereport(DEBUG1,
            (errmsg_internal("aws_lambda: %s %s -> %s (HTTP %ld, %d attempt%s, %.1f ms, "
                             "endpoint %s, request id %s)",
                             type_name(req->invocation_type), fn,
                             sqlambda_status_name(res->status), res->http_status, res->attempts,
                             res->attempts == 1 ? "" : "s", res->elapsed_ms,
                             res->endpoint_host ? res->endpoint_host : "-",
                             res->request_id ? res->request_id : "-"),
             errhidestmt(true)));
}

void awsl_invoke(const sqlambda_request *req, awsl_result *out) {
    sqlambda_client *c = awsl_client();
    sqlambda_result res;
    sqlambda_status st;
    char *fn;

    memset(&res, 0, sizeof res);
    memset(out, 0, sizeof *out);
    awsl_wait_reset();
    st = sqlambda_invoke(c, req, &res);
    res.status = st;

    fn = pstrdup(res.function_name ? res.function_name : req->function ? req->function : "");
    if (st != SQLAMBDA_E_INVALID) /* malformed names would only clutter the view */
        awsl_stats_record(fn, st, res.attempts, res.throttles, res.elapsed_ms);

    if (st == SQLAMBDA_OK) {
        out->http_status = res.http_status;
        out->payload_len = res.payload ? res.payload_len : 0;
        out->payload = palloc(out->payload_len + 1); /* every byte, NULs included */
        if (out->payload_len) memcpy(out->payload, res.payload, out->payload_len);
        out->payload[out->payload_len] = '\0';
        out->executed_version = copy_or_null(res.executed_version);
        out->log_result = copy_or_null(res.log_result);
        out->request_id = copy_or_null(res.request_id);
        PG_TRY();
        {
            trace(req, &res, fn);
        }
        PG_FINALLY();
        {
            sqlambda_result_free(&res);
        }
        PG_END_TRY();
        return;
    }

    awsl_failure f;
    memset(&f, 0, sizeof f);
    f.status = st;
    f.sqlstate = awsl_sqlstate(req, &res);
    f.http_status = res.http_status;
    f.message = pstrdup(res.message[0] ? res.message : sqlambda_status_name(st));
    f.function = fn;
    f.endpoint_host = copy_or_null(res.endpoint_host);
    f.error_type = copy_or_null(res.error_type);
    f.error_message = copy_or_null(res.error_message);
    if (st == SQLAMBDA_E_FUNCTION || st == SQLAMBDA_E_SERVICE || st == SQLAMBDA_E_THROTTLED)
        f.payload = bounded_payload(res.payload, res.payload_len);
    PG_TRY();
    {
        trace(req, &res, fn);
    }
    PG_FINALLY();
    {
        sqlambda_result_free(&res);
    }
    PG_END_TRY();

    awsl_wait_rethrow(); /* an error raised while waiting (e.g. out of memory) */
    if (st == SQLAMBDA_E_CANCELLED) {
        CHECK_FOR_INTERRUPTS(); /* raises query cancel / statement timeout / terminate */
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("Lambda call to \"%s\" was cancelled", fn)));
    }
    awsl_raise(&f);
}
