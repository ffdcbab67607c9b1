/*
 * bulk_batch.c — aws_lambda.invoke_batch(function_name, arguments jsonb[],
 * max_batch_rows, max_batch_size, concurrency, qualifier, region): calls a
 * Lambda written for Amazon Redshift's Lambda UDFs. Rows (each a JSON array
 * of one row's arguments) are cut into batches within both limits, each
 * batch is one RequestResponse call
 *   {"request_id","cluster","user","database","external_function",
 *    "query_id","num_records","arguments":[[...],...]}
 * (several in flight, bulk_run.c), and each answer must be
 *   {"success":true,"num_records":N,"results":[N values]}.
 * Anything else — success false, a wrong count, malformed JSON, a failed
 * call — is an ERROR naming the function and the batch. Results come back
 * one row per argument row, in order. The answer's protocol checks are
 * core's (sqlambda_redshift.h); the results' values are read as jsonb.
 */
#include "bulk.h"
#include "sqlambda_redshift.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "common/jsonapi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include <limits.h>
#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_invoke_batch);

#define FN "aws_lambda.invoke_batch"
/* Smallest max_batch_size accepted: the envelope plus a small row. */
#define MIN_BATCH_SIZE 1024

/* A statement-unique query_id: the backend's pid and a per-backend counter. */
static uint32 batch_calls;

typedef struct batch {
    int first; /* index of its first row */
    int count;
    int bytes; /* the request body's size */
} batch;

static int int_arg(FunctionCallInfo fcinfo, int argno, const char *name, int lo, int hi) {
    int32 v;
    awsl_bulk_require(fcinfo, argno, FN, name);
    v = PG_GETARG_INT32(argno);
    if (v < lo || v > hi)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg(FN ": %s must be between %d and %d, not %d", name, lo, hi, v)));
    return v;
}

/* A random (version 4) UUID, as Redshift's request_id. */
static void append_uuid(StringInfo s) {
    uint8 b[16];
    if (!pg_strong_random(b, sizeof b))
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a request id")));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) appendStringInfoChar(s, '-');
        appendStringInfo(s, "%02x", b[i]);
    }
}

/* Everything of a request before the argument rows ("...,\"arguments\":["). */
static char *envelope_head(const char *cluster, const char *user, const char *database,
                           const char *function, int64 query_id, int num_records) {
    StringInfoData s;
    initStringInfo(&s);
    appendStringInfoString(&s, "{\"request_id\":\"");
    append_uuid(&s);
    appendStringInfoString(&s, "\",\"cluster\":");
    escape_json(&s, cluster);
    appendStringInfoString(&s, ",\"user\":");
    escape_json(&s, user);
    appendStringInfoString(&s, ",\"database\":");
    escape_json(&s, database);
    appendStringInfoString(&s, ",\"external_function\":");
    escape_json(&s, function);
    appendStringInfo(&s, ",\"query_id\":" INT64_FORMAT ",\"num_records\":%d,\"arguments\":[",
                     query_id, num_records);
    return s.data;
}

/* Short description of a batch for messages. */
static char *batch_name(int b, int nbatches, const batch *bt) {
    return psprintf("batch %d of %d (rows %d to %d)", b + 1, nbatches, bt->first + 1,
                    bt->first + bt->count);
}

/* At most AWSL_DETAIL_MAX bytes of a response body for DETAIL. */
static char *body_excerpt(const sqlambda_result *r) {
    if (!r->payload || r->payload_len == 0) return pstrdup("(empty)");
    if (memchr(r->payload, '\0', r->payload_len) ||
        !pg_verifymbstr(r->payload, (int)Min(r->payload_len, (size_t)INT_MAX / 2), true))
        return psprintf("(%zu bytes, not valid text)", r->payload_len);
    if (r->payload_len <= AWSL_DETAIL_MAX) return pnstrdup(r->payload, r->payload_len);
    return psprintf("%.*s... (%zu bytes in all)",
                    pg_mbcliplen(r->payload, (int)Min(r->payload_len, (size_t)INT_MAX),
                                 AWSL_DETAIL_MAX),
                    r->payload, r->payload_len);
}

static void protocol_error(const char *fn, const char *bname, const sqlambda_result *r,
                           const char *what) pg_attribute_noreturn();
static void protocol_error(const char *fn, const char *bname, const sqlambda_result *r,
                           const char *what) {
    ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
                    errmsg("Lambda function \"%s\", %s: %s", fn, bname, what),
                    errdetail("Response body: %s", body_excerpt(r)),
                    errhint("A Redshift Lambda UDF answers {\"success\": true, \"num_records\": N, "
                            "\"results\": [N values]}.")));
}

/* body (len bytes, NUL-terminated) as jsonb; a protocol error if it is not
 * valid text or valid JSON. */
static Jsonb *parse_json(const char *fn, const char *bname, const sqlambda_result *r, char *body,
                         size_t len) {
    JsonLexContext *lex;
    JsonParseErrorType e;
    if (memchr(body, '\0', len) || !pg_verifymbstr(body, (int)len, true))
        protocol_error(fn, bname, r, "response is not valid text in the database encoding");
    lex = makeJsonLexContextCstringLen(body, (int)len, GetDatabaseEncoding(), true);
    e = pg_parse_json(lex, &nullSemAction);
    if (e != JSON_SUCCESS)
        protocol_error(fn, bname, r, psprintf("response is not valid JSON: %s", json_errdetail(e, lex)));
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(body)));
}

/* Checks one batch's answer; appends its results to the tuplestore. */
static void take_results(ReturnSetInfo *rsinfo, const char *fn, const sqlambda_request *req,
                         sqlambda_result *r, int b, int nbatches, const batch *bt) {
    char *bname = batch_name(b, nbatches, bt);
    Jsonb *doc;
    JsonbValue *results, vbuf;

    if (r->status == SQLAMBDA_E_FUNCTION)
        ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
                        errmsg("Lambda function \"%s\" failed for %s: %s: %s", fn, bname,
                               r->error_type ? r->error_type : "Unhandled",
                               r->error_message ? r->error_message : "(no errorMessage)"),
                        errdetail("Error payload: %s", body_excerpt(r))));
    if (r->status != SQLAMBDA_OK) {
        awsl_failure f;
        memset(&f, 0, sizeof f);
        f.status = r->status;
        f.sqlstate = awsl_sqlstate(req, r);
        f.http_status = r->http_status;
        f.message = psprintf("%s; in %s", r->message[0] ? r->message : sqlambda_status_name(r->status),
                             bname);
        f.function = pstrdup(fn);
        if (r->status == SQLAMBDA_E_SERVICE || r->status == SQLAMBDA_E_THROTTLED)
            f.payload = body_excerpt(r);
        awsl_raise(&f);
    }
    /* The database's own JSON first: encoding and syntax errors in its words. */
    if (!r->payload || r->payload_len == 0) protocol_error(fn, bname, r, "empty response");
    doc = parse_json(fn, bname, r, r->payload, r->payload_len);
    /* The protocol's checks are core's (sqlambda_redshift.h): success,
     * error_msg, num_records, the results' count, json.dumps unwrapping. */
    {
        sqlambda_rs_reply rr;
        sqlambda_rs_status st = sqlambda_redshift_reply_check(r->payload, r->payload_len,
                                                              bt->count, &rr);
        char *msg = st == SQLAMBDA_RS_FAILED
                        ? pstrdup(rr.error_msg ? rr.error_msg : "(no error_msg)")
                        : pstrdup(rr.problem);
        char *inner = rr.unwrapped ? pnstrdup(rr.unwrapped, rr.unwrapped_len) : NULL;
        size_t inner_len = rr.unwrapped_len;
        sqlambda_rs_reply_free(&rr); /* before any ereport: malloc'd */
        /* Redshift's own examples return json.dumps(ret): the values are in
         * the object inside the string (its syntax errors in our words too). */
        if (inner) doc = parse_json(fn, bname, r, inner, inner_len);
        if (st == SQLAMBDA_RS_FAILED)
            ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
                            errmsg("Lambda function \"%s\" reported failure for %s: %s", fn, bname,
                                   msg)));
        if (st != SQLAMBDA_RS_OK) protocol_error(fn, bname, r, msg);
    }
    results = getKeyJsonValueFromContainer(&doc->root, "results", 7, &vbuf);
    if (!results || results->type != jbvBinary || !JsonContainerIsArray(results->val.binary.data) ||
        (int)JsonContainerSize(results->val.binary.data) != bt->count) /* core checked it */
        protocol_error(fn, bname, r, "response has no \"results\" array");
    for (int i = 0; i < bt->count; i++) {
        JsonbValue *el = getIthJsonbValueFromContainer(results->val.binary.data, i);
        Datum vals[2];
        bool nulls[2] = {false, false};
        vals[0] = Int32GetDatum(bt->first + i + 1);
        if (el->type == jbvNull) nulls[1] = true; /* SQL NULL, as in Redshift */
        else vals[1] = JsonbPGetDatum(JsonbValueToJsonb(el));
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
    }
}

Datum aws_lambda_invoke_batch(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    sqlambda_request base, *reqs;
    sqlambda_result *results;
    Datum *elems;
    bool *enulls;
    StringInfoData texts;
    MemoryContext batchcxt;
    int *rowoff, *rowlen;
    int n, max_rows, max_size, concurrency, nbatches = 0;
    batch *batches;
    char *cluster, *user, *database;
    int64 query_id;

    memset(&base, 0, sizeof base);
    awsl_bulk_require(fcinfo, 0, FN, "function_name");
    base.function = text_to_cstring(PG_GETARG_TEXT_PP(0));
    awsl_bulk_jsonb_array(fcinfo, 1, FN, "arguments", &elems, &enulls, &n);
    max_rows = int_arg(fcinfo, 2, "max_batch_rows", 1, INT_MAX);
    max_size = int_arg(fcinfo, 3, "max_batch_size", MIN_BATCH_SIZE, SQLAMBDA_MAX_SYNC_PAYLOAD);
    concurrency = awsl_bulk_concurrency(fcinfo, 4, FN);
    base.invocation_type = SQLAMBDA_REQUEST_RESPONSE;
    base.qualifier = awsl_bulk_text_or_null(fcinfo, 5);
    base.region = awsl_bulk_text_or_null(fcinfo, 6);

    InitMaterializedSRF(fcinfo, 0);
    if (n == 0) return (Datum)0;

    /* Each row: a JSON array of that row's arguments. */
    /* Rows' JSON texts share one buffer (a StringInfo per row would cost at
     * least 1 KB each); rowoff/rowlen locate them. */
    rowoff = palloc(sizeof *rowoff * n);
    rowlen = palloc(sizeof *rowlen * n);
    initStringInfo(&texts);
    for (int i = 0; i < n; i++) {
        Jsonb *jb;
        CHECK_FOR_INTERRUPTS();
        if (enulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg(FN ": arguments[%d] is NULL", i + 1),
                            errhint("Each element is a JSON array of one row's arguments, e.g. "
                                    "'[1, \"a\", null]'.")));
        jb = DatumGetJsonbP(elems[i]);
        if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg(FN ": arguments[%d] is not a JSON array", i + 1),
                            errhint("Each element is a JSON array of one row's arguments, e.g. "
                                    "'[1, \"a\", null]'.")));
        rowoff[i] = texts.len;
        (void)JsonbToCString(&texts, &jb->root, VARSIZE(jb));
        rowlen[i] = texts.len - rowoff[i];
    }
    awsl_bulk_validate(&base);

    cluster = psprintf(UINT64_FORMAT, GetSystemIdentifier());
    user = GetUserNameFromId(GetUserId(), false);
    database = get_database_name(MyDatabaseId);
    query_id = (int64)MyProcPid * 1000000 + (int64)(++batch_calls % 1000000);

    /* Cut into batches: the envelope with the largest num_records it could
     * carry, plus rows and commas, plus "]}", within max_size. */
    {
        int head = (int)strlen(envelope_head(cluster, user, database, base.function, query_id,
                                             Min(n, max_rows)));
        int fixed = head + 2;
        batches = palloc(sizeof *batches * n);
        for (int i = 0; i < n;) {
            batch *bt = &batches[nbatches++];
            long size = fixed;
            bt->first = i;
            bt->count = 0;
            while (i < n && bt->count < max_rows &&
                   size + rowlen[i] + (bt->count > 0 ? 1 : 0) <= max_size) {
                size += rowlen[i] + (bt->count > 0 ? 1 : 0);
                bt->count++;
                i++;
            }
            bt->bytes = (int)size;
            if (bt->count == 0)
                ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                                errmsg(FN ": arguments[%d] is %d bytes; with the request envelope "
                                          "(%d bytes) it exceeds max_batch_size (%d bytes)",
                                       i + 1, rowlen[i], fixed, max_size)));
        }
    }

    reqs = palloc(sizeof *reqs * nbatches);
    for (int b = 0; b < nbatches; b++) {
        StringInfoData s;
        s.maxlen = batches[b].bytes + 64; /* exact size, plus num_records' digits' slack */
        s.data = palloc(s.maxlen);
        resetStringInfo(&s);
        appendStringInfoString(&s, envelope_head(cluster, user, database, base.function, query_id,
                                                 batches[b].count));
        for (int k = 0; k < batches[b].count; k++) {
            if (k) appendStringInfoChar(&s, ',');
            appendBinaryStringInfo(&s, texts.data + rowoff[batches[b].first + k],
                                   rowlen[batches[b].first + k]);
        }
        appendStringInfoString(&s, "]}");
        reqs[b] = base;
        reqs[b].payload = s.data;
        reqs[b].payload_len = s.len;
    }

    results = palloc0(sizeof *results * nbatches);
    batchcxt = AllocSetContextCreate(CurrentMemoryContext, "aws_lambda.invoke_batch batch",
                                     ALLOCSET_DEFAULT_SIZES);
    awsl_bulk_run(reqs, nbatches, concurrency, results); /* nothing may throw from here to PG_TRY */
    PG_TRY();
    {
        for (int b = 0; b < nbatches; b++) {
            /* A batch's garbage (JSON parsing) goes once its rows are stored. */
            MemoryContext caller = MemoryContextSwitchTo(batchcxt);
            take_results(rsinfo, base.function, &reqs[b], &results[b], b, nbatches, &batches[b]);
            MemoryContextSwitchTo(caller);
            MemoryContextReset(batchcxt);
            sqlambda_result_free(&results[b]);
        }
    }
    PG_FINALLY();
    {
        awsl_bulk_free(results, nbatches);
    }
    PG_END_TRY();
    return (Datum)0;
}
