/*
 * udf_aurora.c — Aurora MySQL's native function names, so SQL written for
 * Aurora runs unchanged: lambda_sync(lambda_function_ARN, JSON_payload)
 * returns the function's response bytes (RequestResponse);
 * lambda_async(lambda_function_ARN, JSON_payload) queues an Event and
 * returns NULL. Both also accept plain names and partial ARNs.
 */
#include "udf_call.h"

static const mdb_udf_spec sync_spec = {"lambda_sync", {"lambda_function_ARN", "JSON_payload"},
                                       SQLAMBDA_REQUEST_RESPONSE};
static const mdb_udf_spec async_spec = {
    "lambda_async", {"lambda_function_ARN", "JSON_payload"}, SQLAMBDA_EVENT};

mdb_bool lambda_sync_init(UDF_INIT *initid, UDF_ARGS *args, char *message);
char *lambda_sync(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                  char *is_null, char *error);
void lambda_sync_deinit(UDF_INIT *initid);
mdb_bool lambda_async_init(UDF_INIT *initid, UDF_ARGS *args, char *message);
char *lambda_async(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                   char *is_null, char *error);
void lambda_async_deinit(UDF_INIT *initid);

mdb_bool lambda_sync_init(UDF_INIT *initid, UDF_ARGS *args, char *message) {
    return mdb_udf_init(&sync_spec, initid, args, message);
}

char *lambda_sync(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                  char *is_null, char *error) {
    if (mdb_udf_invoke(&sync_spec, initid, args, error) != 0) {
        *is_null = 1;
        return NULL;
    }
    mdb_udf_state *st = (mdb_udf_state *)initid->ptr;
    *length = st->res.payload_len;
    return st->res.payload ? st->res.payload : result;
}

void lambda_sync_deinit(UDF_INIT *initid) { mdb_udf_deinit(initid); }

mdb_bool lambda_async_init(UDF_INIT *initid, UDF_ARGS *args, char *message) {
    return mdb_udf_init(&async_spec, initid, args, message);
}

char *lambda_async(UDF_INIT *initid, UDF_ARGS *args, char *result, unsigned long *length,
                   char *is_null, char *error) {
    mdb_udf_invoke(&async_spec, initid, args, error);
    *is_null = 1; /* success or not: no value (errors are raised) */
    return NULL;
}

void lambda_async_deinit(UDF_INIT *initid) { mdb_udf_deinit(initid); }
