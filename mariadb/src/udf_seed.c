/*
 * udf_seed.c — the seed's UDFs: awslambda_fn(fn_name, fn_argsJson) returns
 * the function's response exactly as Lambda sent it (RequestResponse);
 * awslambda_fn_async(fn_name, fn_argsJson) queues an Event and returns
 * Lambda's HTTP status ("202") at once.
 */
#include "udf_call.h"

#include <stdio.h>

static const mdb_udf_spec fn_spec = {"awslambda_fn", {"fn_name", "fn_argsJson"},
                                     SQLAMBDA_REQUEST_RESPONSE};
static const mdb_udf_spec fn_async_spec = {
    "awslambda_fn_async", {"fn_name", "fn_argsJson"}, SQLAMBDA_EVENT};

mdb_bool awslambda_fn_init(UDF_INIT *initid, UDF_ARGS *args, char *message);
char *awslambda_fn(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                   char *is_null, char *error);
void awslambda_fn_deinit(UDF_INIT *initid);
mdb_bool awslambda_fn_async_init(UDF_INIT *initid, UDF_ARGS *args, char *message);
char *awslambda_fn_async(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                         char *is_null, char *error);
void awslambda_fn_async_deinit(UDF_INIT *initid);

mdb_bool awslambda_fn_init(UDF_INIT *initid, UDF_ARGS *args, char *message) {
    return mdb_udf_init(&fn_spec, initid, args, message);
}

char *awslambda_fn(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                   char *is_null, char *error) {
    if (mdb_udf_invoke(&fn_spec, initid, args, error) != 0) {
        *is_null = 1;
        return NULL;
    }
    mdb_udf_state *st = (mdb_udf_state *)initid->ptr;
    *length = st->res.payload_len;
    return st->res.payload ? st->res.payload : result;
}

void awslambda_fn_deinit(UDF_INIT *initid) { mdb_udf_deinit(initid); }

mdb_bool awslambda_fn_async_init(UDF_INIT *initid, UDF_ARGS *args, char *message) {
    return mdb_udf_init(&fn_async_spec, initid, args, message);
}

/* result is the server's buffer (at least 255 bytes): enough for a status. */
char *awslambda_fn_async(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                         char *is_null, char *error) {
    if (mdb_udf_invoke(&fn_async_spec, initid, args, error) != 0) {
        *is_null = 1;
        return NULL;
    }
    mdb_udf_state *st = (mdb_udf_state *)initid->ptr;
    *length = (unsigned long)snprintf(result, 16, "%ld", st->res.http_status);
    return result;
}

void awslambda_fn_async_deinit(UDF_INIT *initid) { mdb_udf_deinit(initid); }
