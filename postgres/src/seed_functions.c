/*
 * seed_functions.c — the original walkthrough's two SQL functions, so its
 * SQL runs unchanged: awslambda_fn(fn_name, fn_args) invokes synchronously
 * (RequestResponse) and returns the function's JSON as text;
 * awslambda_fn_async(fn_name, fn_args) queues an Event invocation and
 * returns '{"StatusCode": 202}' (Lambda's answer to an Event call) at once.
 * Both are STRICT in SQL. A function error raises ERROR (SQLSTATE 38000).
 */
#include "aws_lambda.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(awslambda_fn);
PG_FUNCTION_INFO_V1(awslambda_fn_async);

static void seed_request(FunctionCallInfo fcinfo, sqlambda_invocation_type type,
                         sqlambda_request *req) {
    memset(req, 0, sizeof *req);
    req->function = text_to_cstring(PG_GETARG_TEXT_PP(0));
    req->payload = text_to_cstring(PG_GETARG_TEXT_PP(1)); /* NUL-terminated copy */
    req->payload_len = strlen(req->payload);
    req->invocation_type = type;
}

Datum awslambda_fn(PG_FUNCTION_ARGS) {
    sqlambda_request req;
    awsl_result res;

    seed_request(fcinfo, SQLAMBDA_REQUEST_RESPONSE, &req);
    awsl_invoke(&req, &res);
    /* The function's JSON, as text (raises 22021 if it is not valid text). */
    pg_verifymbstr(res.payload, (int)res.payload_len, false);
    PG_RETURN_TEXT_P(cstring_to_text_with_len(res.payload, (int)res.payload_len));
}

Datum awslambda_fn_async(PG_FUNCTION_ARGS) {
    sqlambda_request req;
    awsl_result res;

    seed_request(fcinfo, SQLAMBDA_EVENT, &req);
    awsl_invoke(&req, &res);
    PG_RETURN_TEXT_P(cstring_to_text(psprintf("{\"StatusCode\": %ld}", res.http_status)));
}
