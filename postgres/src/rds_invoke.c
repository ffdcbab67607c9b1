/*
 * rds_invoke.c — aws_lambda.invoke, Amazon RDS/Aurora PostgreSQL's API:
 * one C entry point per function-name form (text, or the composite
 * aws_commons._lambda_function_arn_1) serving both the json and the jsonb
 * overloads. Arguments keep RDS's defaults and case-sensitive values;
 * results are (status_code, payload, executed_version, log_result).
 */
#include "aws_lambda.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_invoke_name);
PG_FUNCTION_INFO_V1(aws_lambda_invoke_arn);

static void require(FunctionCallInfo fcinfo, int argno, const char *name) {
    if (PG_ARGISNULL(argno))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("aws_lambda.invoke: argument %s must not be NULL", name)));
}

static char *text_arg(FunctionCallInfo fcinfo, int argno) {
    return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* json or jsonb argument as JSON text. */
static char *json_arg(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) return NULL;
    if (get_fn_expr_argtype(fcinfo->flinfo, argno) == JSONBOID) {
        Jsonb *jb = PG_GETARG_JSONB_P(argno);
        return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
    }
    return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static sqlambda_invocation_type invocation_type_arg(FunctionCallInfo fcinfo, int argno) {
    require(fcinfo, argno, "invocation_type");
    char *s = text_arg(fcinfo, argno);
    if (strcmp(s, "RequestResponse") == 0) return SQLAMBDA_REQUEST_RESPONSE;
    if (strcmp(s, "Event") == 0) return SQLAMBDA_EVENT;
    if (strcmp(s, "DryRun") == 0) return SQLAMBDA_DRY_RUN;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("aws_lambda.invoke: invalid invocation_type \"%s\"", s),
                    errhint("Use 'RequestResponse', 'Event' or 'DryRun' (case-sensitive).")));
    pg_unreachable();
}

static sqlambda_log_type log_type_arg(FunctionCallInfo fcinfo, int argno) {
    require(fcinfo, argno, "log_type");
    char *s = text_arg(fcinfo, argno);
    if (strcmp(s, "None") == 0) return SQLAMBDA_LOG_NONE;
    if (strcmp(s, "Tail") == 0) return SQLAMBDA_LOG_TAIL;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("aws_lambda.invoke: invalid log_type \"%s\"", s),
                    errhint("Use 'None' or 'Tail' (case-sensitive).")));
    pg_unreachable();
}

/* Text valid in the database encoding: bytes that are not become '?'. */
static char *valid_text(char *s) {
    int len = (int)strlen(s);
    int enc = GetDatabaseEncoding();
    int ok;
    while ((ok = pg_encoding_verifymbstr(enc, s, len)) < len) {
        s[ok] = '?';
    }
    return s;
}

static Datum make_result(FunctionCallInfo fcinfo, const awsl_result *res,
                         sqlambda_invocation_type invocation_type) {
    TupleDesc td;
    Datum values[4];
    bool nulls[4] = {false, false, false, false};

    if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("aws_lambda.invoke must be called in a context that accepts a record")));
    td = BlessTupleDesc(td);
    values[0] = Int32GetDatum((int32)res->http_status);
    if (res->payload_len == 0 || invocation_type == SQLAMBDA_EVENT) {
        nulls[1] = true; /* Event and DryRun answer with no payload (as on RDS) */
    } else {
        pg_verifymbstr(res->payload, (int)res->payload_len, false);
        if (TupleDescAttr(td, 1)->atttypid == JSONBOID)
            values[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(res->payload));
        else
            values[1] = DirectFunctionCall1(json_in, CStringGetDatum(res->payload));
    }
    if (res->executed_version)
        values[2] = CStringGetTextDatum(valid_text(res->executed_version));
    else
        nulls[2] = true;
    if (res->log_result)
        values[3] = CStringGetTextDatum(valid_text(res->log_result));
    else
        nulls[3] = true;
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* Arguments after function_name (and region): payload, invocation_type,
 * log_type, context, qualifier, starting at argument `first`. */
static Datum invoke_common(FunctionCallInfo fcinfo, sqlambda_request *req, int first) {
    awsl_result res;
    require(fcinfo, 1, "payload");
    req->payload = json_arg(fcinfo, 1);
    req->payload_len = strlen(req->payload);
    req->invocation_type = invocation_type_arg(fcinfo, first);
    req->log_type = log_type_arg(fcinfo, first + 1);
    req->client_context = json_arg(fcinfo, first + 2);
    req->qualifier = text_arg(fcinfo, first + 3);
    awsl_invoke(req, &res);
    return make_result(fcinfo, &res, req->invocation_type);
}

/* invoke(function_name text, payload json(b), region text, invocation_type,
 *        log_type, context, qualifier) */
Datum aws_lambda_invoke_name(PG_FUNCTION_ARGS) {
    sqlambda_request req;
    memset(&req, 0, sizeof req);
    require(fcinfo, 0, "function_name");
    req.function = text_arg(fcinfo, 0);
    req.region = text_arg(fcinfo, 2);
    if (req.region && !*req.region) req.region = NULL;
    return invoke_common(fcinfo, &req, 3);
}

/* invoke(function_name aws_commons._lambda_function_arn_1, payload json(b),
 *        invocation_type, log_type, context, qualifier) */
Datum aws_lambda_invoke_arn(PG_FUNCTION_ARGS) {
    sqlambda_request req;
    bool isnull;
    memset(&req, 0, sizeof req);
    require(fcinfo, 0, "function_name");
    HeapTupleHeader arn = PG_GETARG_HEAPTUPLEHEADER(0);
    Datum name = GetAttributeByName(arn, "function_name", &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("aws_lambda.invoke: argument function_name has a NULL "
                               "function_name field")));
    req.function = TextDatumGetCString(name);
    Datum region = GetAttributeByName(arn, "region", &isnull);
    req.region = isnull ? NULL : TextDatumGetCString(region);
    if (req.region && !*req.region) req.region = NULL;
    return invoke_common(fcinfo, &req, 2);
}
