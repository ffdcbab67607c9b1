/*
 * bulk_many.c — aws_lambda.invoke_many(function_name, payloads jsonb[],
 * concurrency, invocation_type, qualifier, region): one Lambda call per
 * payload, up to `concurrency` in flight (bulk_run.c), one row per payload
 * in array order (ordinal, status_code, payload, function_error, error),
 * returned in materialize mode. A call's failure (function error, service
 * error, timeout...) is reported in its row; bad arguments are ERRORs; a
 * cancel stops every call at once.
 */
#include "bulk.h"

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_invoke_many);

#define FN "aws_lambda.invoke_many"

static sqlambda_invocation_type invocation_type_arg(FunctionCallInfo fcinfo, int argno) {
    char *s;
    awsl_bulk_require(fcinfo, argno, FN, "invocation_type");
    s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
    if (strcmp(s, "RequestResponse") == 0) return SQLAMBDA_REQUEST_RESPONSE;
    if (strcmp(s, "Event") == 0) return SQLAMBDA_EVENT;
    if (strcmp(s, "DryRun") == 0) return SQLAMBDA_DRY_RUN;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg(FN ": invalid invocation_type \"%s\"", s),
                    errhint("Use 'RequestResponse', 'Event' or 'DryRun' (case-sensitive).")));
    pg_unreachable();
}

/* NULL when body is valid JSON text in the database encoding, else why not. */
static const char *json_problem(char *body, size_t len) {
    JsonLexContext *lex;
    JsonParseErrorType e;
    if (memchr(body, '\0', len) || !pg_verifymbstr(body, (int)len, true))
        return "response is not valid text in the database encoding";
    lex = makeJsonLexContextCstringLen(body, (int)len, GetDatabaseEncoding(), false);
    e = pg_parse_json(lex, &nullSemAction);
    if (e != JSON_SUCCESS) return psprintf("response is not valid JSON: %s", json_errdetail(e, lex));
    return NULL;
}

/* One output row for result r (NULL: the payload element was NULL). */
static void put_row(Tuplestorestate *ts, TupleDesc td, int ordinal, const sqlambda_result *r,
                    sqlambda_invocation_type type) {
    Datum v[5];
    bool nulls[5] = {false, true, true, true, true};
    v[0] = Int32GetDatum(ordinal);
    if (!r) {
        nulls[4] = false;
        v[4] = CStringGetTextDatum(psprintf("payloads[%d] is NULL; nothing was sent", ordinal));
        tuplestore_putvalues(ts, td, v, nulls);
        return;
    }
    if (r->http_status > 0) {
        nulls[1] = false;
        v[1] = Int32GetDatum((int32)r->http_status);
    }
    /* The body: the function's result, or its error object (FunctionError). */
    if ((r->status == SQLAMBDA_OK || r->status == SQLAMBDA_E_FUNCTION) && type != SQLAMBDA_EVENT &&
        r->payload && r->payload_len > 0) {
        const char *why = json_problem(r->payload, r->payload_len);
        if (why) {
            nulls[4] = false;
            v[4] = CStringGetTextDatum(why);
        } else {
            nulls[2] = false;
            v[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(r->payload));
        }
    }
    if (r->function_error) {
        nulls[3] = false;
        v[3] = CStringGetTextDatum(awsl_bulk_valid_text(pstrdup(r->function_error)));
    }
    if (r->status != SQLAMBDA_OK) {
        nulls[4] = false;
        v[4] = CStringGetTextDatum(awsl_bulk_valid_text(
            pstrdup(r->message[0] ? r->message : sqlambda_status_name(r->status))));
    }
    tuplestore_putvalues(ts, td, v, nulls);
}

Datum aws_lambda_invoke_many(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    sqlambda_request base, *reqs;
    sqlambda_result *results;
    Datum *elems;
    bool *enulls;
    int n, nsend = 0, concurrency;
    int *offsets;
    StringInfoData texts;
    MemoryContext rowcxt;

    memset(&base, 0, sizeof base);
    awsl_bulk_require(fcinfo, 0, FN, "function_name");
    base.function = text_to_cstring(PG_GETARG_TEXT_PP(0));
    awsl_bulk_jsonb_array(fcinfo, 1, FN, "payloads", &elems, &enulls, &n);
    concurrency = awsl_bulk_concurrency(fcinfo, 2, FN);
    base.invocation_type = invocation_type_arg(fcinfo, 3);
    base.qualifier = awsl_bulk_text_or_null(fcinfo, 4);
    base.region = awsl_bulk_text_or_null(fcinfo, 5);

    InitMaterializedSRF(fcinfo, 0);
    if (n == 0) return (Datum)0;
    awsl_bulk_validate(&base);

    /* Requests for the non-NULL payloads, in order; their JSON texts share
     * one buffer (a StringInfo per payload would cost at least 1 KB each). */
    reqs = palloc(sizeof *reqs * n);
    offsets = palloc(sizeof *offsets * n);
    initStringInfo(&texts);
    for (int i = 0; i < n; i++) {
        Jsonb *jb;
        CHECK_FOR_INTERRUPTS();
        if (enulls[i]) continue;
        jb = DatumGetJsonbP(elems[i]);
        offsets[nsend] = texts.len;
        (void)JsonbToCString(&texts, &jb->root, VARSIZE(jb));
        reqs[nsend] = base;
        reqs[nsend].payload_len = texts.len - offsets[nsend];
        appendStringInfoChar(&texts, '\0');
        nsend++;
    }
    for (int k = 0; k < nsend; k++) reqs[k].payload = texts.data + offsets[k];
    results = palloc0(sizeof *results * (nsend > 0 ? nsend : 1));
    rowcxt = AllocSetContextCreate(CurrentMemoryContext, "aws_lambda.invoke_many row",
                                   ALLOCSET_DEFAULT_SIZES);
    awsl_bulk_run(reqs, nsend, concurrency, results); /* nothing may throw from here to PG_TRY */
    PG_TRY();
    {
        int k = 0;
        for (int i = 0; i < n; i++) {
            /* A row's garbage (JSON parsing) goes when the row is stored. */
            MemoryContext caller = MemoryContextSwitchTo(rowcxt);
            put_row(rsinfo->setResult, rsinfo->setDesc, i + 1, enulls[i] ? NULL : &results[k],
                    base.invocation_type);
            MemoryContextSwitchTo(caller);
            MemoryContextReset(rowcxt);
            if (!enulls[i]) {
                sqlambda_result_free(&results[k]); /* as we go: keeps peak memory down */
                k++;
            }
        }
    }
    PG_FINALLY();
    {
        awsl_bulk_free(results, nsend);
    }
    PG_END_TRY();
    return (Datum)0;
}
