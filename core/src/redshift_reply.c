/*
 * redshift_reply.c — checks a Redshift Lambda UDF answer (see
 * sqlambda_redshift.h) with jansson: the json.dumps string unwrapping,
 * "success", "error_msg", the optional "num_records" and the "results"
 * array's size. Problems are named in the words the adapters report.
 */
#include "internal.h"
#include "sqlambda_redshift.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sqlambda_rs_reply_free(sqlambda_rs_reply *r) {
    if (!r) return;
    free(r->error_msg);
    free(r->unwrapped);
    memset(r, 0, sizeof *r);
}

/* Integers past int64 parse as reals instead of failing (the adapter's own
 * JSON accepts them; only numbers past a double's range stay errors). */
static json_t *load(const char *text, size_t len, json_error_t *je) {
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY, je);
    if (!j) j = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, je);
    return j;
}

static sqlambda_rs_status problem(sqlambda_rs_reply *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static sqlambda_rs_status problem(sqlambda_rs_reply *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->problem, sizeof out->problem, fmt, ap);
    va_end(ap);
    return out->status = SQLAMBDA_RS_PROTOCOL;
}

static sqlambda_rs_status check_object(json_t *doc, long rows, sqlambda_rs_reply *out) {
    if (!json_is_object(doc)) return problem(out, "response is not a JSON object");
    json_t *v = json_object_get(doc, "success");
    if (!json_is_boolean(v)) return problem(out, "response has no boolean \"success\"");
    if (json_is_false(v)) {
        json_t *m = json_object_get(doc, "error_msg");
        if (json_is_string(m) &&
            !(out->error_msg = strndup(json_string_value(m), json_string_length(m))))
            return problem(out, "out of memory");
        return out->status = SQLAMBDA_RS_FAILED;
    }
    /* num_records is optional (Redshift's examples omit it); if given, it
     * must be the batch's row count, written as an integer. */
    v = json_object_get(doc, "num_records");
    if (v && !json_is_number(v)) return problem(out, "response has a non-numeric \"num_records\"");
    if (v && (!json_is_integer(v) || json_integer_value(v) != rows)) {
        char *num = json_dumps(v, JSON_ENCODE_ANY);
        problem(out, "response has num_records %.40s for a batch of %ld rows", num ? num : "?", rows);
        free(num);
        return out->status;
    }
    v = json_object_get(doc, "results");
    if (!json_is_array(v)) return problem(out, "response has no \"results\" array");
    if ((long)json_array_size(v) != rows)
        return problem(out, "response has %zu results for a batch of %ld rows", json_array_size(v),
                       rows);
    return out->status = SQLAMBDA_RS_OK;
}

sqlambda_rs_status sqlambda_redshift_reply_check(const char *body, size_t len, long rows,
                                                 sqlambda_rs_reply *out) {
    memset(out, 0, sizeof *out);
    if (!body || len == 0) return problem(out, "empty response");
    json_error_t je;
    json_t *doc = load(body, len, &je);
    if (!doc) return problem(out, "response is not valid JSON: %s", je.text);
    if (json_is_string(doc)) { /* json.dumps(ret): the object inside a string */
        size_t n = json_string_length(doc);
        out->unwrapped = malloc(n + 1);
        if (!out->unwrapped) {
            json_decref(doc);
            return problem(out, "out of memory");
        }
        memcpy(out->unwrapped, json_string_value(doc), n);
        out->unwrapped[n] = '\0';
        out->unwrapped_len = n;
        json_decref(doc);
        doc = load(out->unwrapped, n, &je);
        if (!doc) return problem(out, "response is not valid JSON: %s", je.text);
    }
    check_object(doc, rows, out);
    json_decref(doc);
    return out->status;
}
