/*
 * bulk_args.c — argument checks shared by aws_lambda.invoke_many and
 * aws_lambda.invoke_batch: every bad argument is an ERROR that names the
 * SQL function and the argument, raised before anything is sent.
 */
#include "bulk.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include <string.h>

void awsl_bulk_require(FunctionCallInfo fcinfo, int argno, const char *fn, const char *name) {
    if (PG_ARGISNULL(argno))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("%s: argument %s must not be NULL", fn, name)));
}

char *awsl_bulk_text_or_null(FunctionCallInfo fcinfo, int argno) {
    char *s;
    if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return NULL;
    s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
    return *s ? s : NULL;
}

int awsl_bulk_concurrency(FunctionCallInfo fcinfo, int argno, const char *fn) {
    int32 c;
    awsl_bulk_require(fcinfo, argno, fn, "concurrency");
    c = PG_GETARG_INT32(argno);
    if (c < 1 || c > AWSL_BULK_MAX_CONCURRENCY)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: concurrency must be between 1 and %d, not %d", fn,
                               AWSL_BULK_MAX_CONCURRENCY, c)));
    return c;
}

void awsl_bulk_jsonb_array(FunctionCallInfo fcinfo, int argno, const char *fn, const char *name,
                           Datum **elems, bool **nulls, int *n) {
    ArrayType *arr;
    awsl_bulk_require(fcinfo, argno, fn, name);
    arr = PG_GETARG_ARRAYTYPE_P(argno);
    if (ARR_NDIM(arr) > 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("%s: argument %s must be a one-dimensional array, not %d-dimensional",
                               fn, name, ARR_NDIM(arr))));
    if (ARR_ELEMTYPE(arr) != JSONBOID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("%s: argument %s must be jsonb[]", fn, name)));
    deconstruct_array(arr, JSONBOID, -1, false, TYPALIGN_INT, elems, nulls, n);
}

void awsl_bulk_validate(const sqlambda_request *req) {
    sqlambda_request probe = *req;
    sqlambda_result res;
    sqlambda_status st;
    awsl_failure f;

    probe.payload = "{}";
    probe.payload_len = 2;
    memset(&res, 0, sizeof res);
    st = sqlambda_validate(awsl_client(), &probe, &res);
    res.status = st;
    if (st == SQLAMBDA_OK) {
        sqlambda_result_free(&res);
        return;
    }
    memset(&f, 0, sizeof f);
    f.status = st;
    f.sqlstate = awsl_sqlstate(&probe, &res);
    f.message = pstrdup(res.message[0] ? res.message : sqlambda_status_name(st));
    f.function = pstrdup(req->function);
    sqlambda_result_free(&res);
    awsl_raise(&f);
}

char *awsl_bulk_valid_text(char *s) {
    int len = (int)strlen(s);
    int enc = GetDatabaseEncoding();
    int ok;
    while ((ok = pg_encoding_verifymbstr(enc, s, len)) < len) s[ok] = '?';
    return s;
}
