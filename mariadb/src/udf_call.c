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
#include "utf8.h"

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
        snprintf(err, errlen, "%s: argument 1 (%s): the Lambda function name is empty", spec->name,
                 spec->arg_names[0]);
        return -1;
    }
    if (len >= MDB_MAX_FUNCTION_ID) {
        snprintf(err, errlen, "%s: argument 1 (%s): the Lambda function name is too long (%lu bytes)",
                 spec->name, spec->arg_names[0], len);
        return -1;
    }
    if (memchr(arg, 0, len)) {
        snprintf(err, errlen, "%s: argument 1 (%s): the Lambda function name contains a NUL byte",
                 spec->name, spec->arg_names[0]);
        return -1;
    }
    memcpy(out, arg, len);
    out[len] = 0;
    return 0;
}

/* 0 when the argument is UTF-8; else -1 with a message naming it, the bad
 * byte and the fix. MariaDB passes UDF arguments in their own character
 * set and does not say which (UDF_ARGS has no charset in 10.11), so bytes
 * that are not UTF-8 are refused rather than guessed at. */
static int check_utf8_arg(const mdb_udf_spec *spec, unsigned i, const char *arg, unsigned long len,
                          char *err, size_t errlen) {
    size_t bad = mdb_utf8_invalid_at(arg, len);
    if (bad == len) return 0;
    snprintf(err, errlen,
             "%s: argument %u (%s) is not valid UTF-8 (byte 0x%02X at offset %zu): the UDFs take "
             "utf8mb4 text; from a latin1 (or other) connection or column pass "
             "CONVERT(%s USING utf8mb4)",
             spec->name, i + 1, spec->arg_names[i], (unsigned char)arg[bad], bad,
             spec->arg_names[i]);
    return -1;
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
    /* Fail closed: no plugin, no allowlist, no SQL errors at row time. */
    if (!mdb_plugin_active()) {
        snprintf(message, MDB_ERRMSG_SIZE, "%s", mdb_plugin_missing());
        return 1;
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
    /* Fail closed mid-statement too (UNINSTALL PLUGIN while rows run). */
    if (!mdb_plugin_active()) {
        snprintf(msg, sizeof msg, "%s: %s", spec->name, mdb_plugin_missing());
        return fail(msg, error);
    }
    for (unsigned i = 0; i < 2; i++)
        if (check_utf8_arg(spec, i, args->args[i], args->lengths[i], msg, sizeof msg))
            return fail(msg, error);
    if (copy_function(spec, args->args[0], args->lengths[0], function, msg, sizeof msg))
        return fail(msg, error);
    /* core validates it again in sqlambda_invoke; asking here first lets
     * the message name the SQL argument */
    sqlambda_function_ref ref;
    char err[256];
    if (sqlambda_parse_function(function, &ref, err, sizeof err) != SQLAMBDA_OK) {
        snprintf(msg, sizeof msg, "%s: argument 1 (%s): %s", spec->name, spec->arg_names[0], err);
        return fail(msg, error);
    }
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
    /* The result is handed on as text (JSON): refuse bytes that are not
     * UTF-8, as PostgreSQL's text type does. */
    size_t bad = st->res.payload ? mdb_utf8_invalid_at(st->res.payload, st->res.payload_len) : 0;
    if (st->res.payload && bad != st->res.payload_len) {
        snprintf(msg, sizeof msg,
                 "%s: the response of %.200s is not valid UTF-8 (byte 0x%02X at offset %zu of "
                 "%zu)",
                 spec->name, function, (unsigned char)st->res.payload[bad], bad,
                 st->res.payload_len);
        sqlambda_result_free(&st->res);
        return fail(msg, error);
    }
    return 0;
}
