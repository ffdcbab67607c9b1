/*
 * udf_call.c — the shared body of the Lambda UDFs (see udf_call.h): SQL
 * values in, one core request out, core's result or error back in the
 * server's terms. No AWS logic here; core does all of it.
 */
#include "udf_call.h"

#include "plugin_active.h"
#include "report.h"
#include "stats.h"
#include "thread_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest identifier core could accept: an ARN with a qualifier. */
#define MDB_MAX_FUNCTION_ID 512

static const char *type_name(enum Item_result t) {
    switch (t) {
    case STRING_RESULT: return "a string";
    case REAL_RESULT: return "a real number";
    case INT_RESULT: return "an integer";
    case DECIMAL_RESULT: return "a decimal";
    default: return "a row";
    }
}

/* Copies the SQL string into a NUL-terminated identifier; 0 or -1 with a
 * message in err. */
static int copy_function(const mdb_udf_spec *spec, const char *arg, unsigned long len, char *out,
                         char *err, size_t errlen) {
    if (len == 0) {
        snprintf(err, errlen, "%s: the Lambda function name is empty", spec->name);
        return -1;
    }
    if (len >= MDB_MAX_FUNCTION_ID) {
        snprintf(err, errlen, "%s: the Lambda function name is too long (%lu bytes)", spec->name,
                 len);
        return -1;
    }
    if (memchr(arg, 0, len)) {
        snprintf(err, errlen, "%s: the Lambda function name contains a NUL byte", spec->name);
        return -1;
    }
    memcpy(out, arg, len);
    out[len] = 0;
    return 0;
}

static void fill_request(const mdb_udf_spec *spec, sqlambda_request *req, const char *function,
                         const char *payload, unsigned long payload_len) {
    memset(req, 0, sizeof *req);
    req->function = function;
    /* core reads payload_len 0 as "strlen", so an empty SQL string is sent
     * as a terminated "" (which core rejects as invalid JSON). */
    req->payload = payload_len ? payload : "";
    req->payload_len = payload_len;
    req->invocation_type = spec->type;
}

mdb_bool mdb_udf_init(const mdb_udf_spec *spec, UDF_INIT *initid, UDF_ARGS *args, char *message) {
    if (args->arg_count != 2) {
        snprintf(message, MDB_ERRMSG_SIZE, "takes 2 arguments (%s, %s), got %u",
                 spec->arg_names[0], spec->arg_names[1], args->arg_count);
        return 1;
    }
    for (unsigned i = 0; i < 2; i++) {
        if (args->arg_type[i] != STRING_RESULT) {
            snprintf(message, MDB_ERRMSG_SIZE, "argument %u (%s) must be a string, not %s", i + 1,
                     spec->arg_names[i], type_name(args->arg_type[i]));
            return 1;
        }
    }
    /* Constant arguments are checked now, before any row (see udf_call.h). */
    if (args->args[0] && args->args[1] && !mdb_plugin_active()) {
        char function[MDB_MAX_FUNCTION_ID];
        if (copy_function(spec, args->args[0], args->lengths[0], function, message,
                          MDB_ERRMSG_SIZE))
            return 1;
        char err[256];
        sqlambda_client *c = mdb_thread_client(err, sizeof err);
        if (!c) {
            snprintf(message, MDB_ERRMSG_SIZE, "%s: %s", spec->name, err);
            return 1;
        }
        sqlambda_request req;
        sqlambda_result res;
        fill_request(spec, &req, function, args->args[1], args->lengths[1]);
        if (sqlambda_validate(c, &req, &res) != SQLAMBDA_OK) {
            char text[MDB_ERRMSG_SIZE];
            mdb_describe_failure(spec->name, function, &res, text, sizeof text);
            mdb_report_error(text); /* the full text, to the error log */
            snprintf(message, MDB_ERRMSG_SIZE, "%s", res.message[0] ? res.message : text);
            sqlambda_result_free(&res);
            return 1;
        }
        sqlambda_result_free(&res);
    }
    mdb_udf_state *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(message, MDB_ERRMSG_SIZE, "%s: out of memory", spec->name);
        return 1;
    }
    initid->ptr = (char *)st;
    initid->maybe_null = 1;
    initid->const_item = 0;
    /* Longer than 16 MB would make the server type the result LONGBLOB;
     * a response is at most core's cap (6 MB + 64 KB): MEDIUMBLOB. */
    initid->max_length = spec->type == SQLAMBDA_REQUEST_RESPONSE
                             ? (unsigned long)SQLAMBDA_MAX_SYNC_PAYLOAD + 65536
                             : 16;
    return 0;
}

void mdb_udf_deinit(UDF_INIT *initid) {
    mdb_udf_state *st = (mdb_udf_state *)initid->ptr;
    if (!st) return;
    sqlambda_result_free(&st->res);
    free(st);
    initid->ptr = NULL;
}

static int fail(const char *msg, char *error) {
    mdb_stat_add(mdb_stat_errors);
    mdb_report_error(msg);
    *error = 1;
    return -1;
}

int mdb_udf_invoke(const mdb_udf_spec *spec, UDF_INIT *initid, UDF_ARGS *args, char *error) {
    mdb_udf_state *st = (mdb_udf_state *)initid->ptr;
    sqlambda_result_free(&st->res);
    /* The server keeps *error set for the rest of the statement once a row
     * failed and returns NULL whatever we return: call nothing more. */
    if (*error) return -1;
    if (!args->args[0] || !args->args[1]) return 1;
    mdb_stat_add(mdb_stat_calls);

    char msg[MDB_ERRMSG_SIZE];
    char function[MDB_MAX_FUNCTION_ID];
    if (copy_function(spec, args->args[0], args->lengths[0], function, msg, sizeof msg))
        return fail(msg, error);
    char err[256];
    sqlambda_client *c = mdb_thread_client(err, sizeof err);
    if (!c) {
        snprintf(msg, sizeof msg, "%s: %s", spec->name, err);
        return fail(msg, error);
    }
    sqlambda_request req;
    fill_request(spec, &req, function, args->args[1], args->lengths[1]);
    sqlambda_status rc = sqlambda_invoke(c, &req, &st->res);
    if (rc == SQLAMBDA_E_CANCELLED) {
        /* The statement was killed (KILL QUERY, max_statement_time). The
         * server would only return NULL for a one-row SELECT, so say it. */
        snprintf(msg, sizeof msg,
                 "%s: call to %.200s interrupted (query killed or max_statement_time exceeded)",
                 spec->name, function);
        sqlambda_result_free(&st->res);
        mdb_stat_add(mdb_stat_errors);
        mdb_report_error_code(MDB_ERROR_INTERRUPTED, msg);
        *error = 1;
        return -1;
    }
    if (rc != SQLAMBDA_OK) {
        mdb_describe_failure(spec->name, function, &st->res, msg, sizeof msg);
        sqlambda_result_free(&st->res);
        return fail(msg, error);
    }
    return 0;
}
