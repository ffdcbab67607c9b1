/* test_redshift_reply.c — checking Redshift Lambda UDF answers (the checks
 * invoke_batch relies on): success/error_msg, num_records, results' size,
 * the json.dumps string unwrapped once, and each malformed shape named. */
#include "sqlambda_redshift.h"
#include "tap.h"
#include <stdlib.h>

/* Checks a copy of body without a terminating NUL (the function takes a length). */
static sqlambda_rs_status check(const char *body, long rows, sqlambda_rs_reply *r) {
    size_t n = strlen(body);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, body, n);
    sqlambda_rs_status st = sqlambda_redshift_reply_check(copy, n, rows, r);
    free(copy);
    return st;
}

static void bad(const char *body, long rows, const char *want, const char *name) {
    sqlambda_rs_reply r;
    is_int(check(body, rows, &r), SQLAMBDA_RS_PROTOCOL, name);
    is_str(r.problem, want, name);
    sqlambda_rs_reply_free(&r);
}

int main(void) {
    sqlambda_rs_reply r;
    is_int(check("{\"success\": true, \"num_records\": 2, \"results\": [1, null]}", 2, &r),
           SQLAMBDA_RS_OK, "success with num_records and 2 results: OK");
    ok(r.unwrapped == NULL, "a plain object is not unwrapped");
    sqlambda_rs_reply_free(&r);
    is_int(check("{\"success\": true, \"results\": [[1], {\"a\": 2}, \"x\"]}", 3, &r), SQLAMBDA_RS_OK,
           "num_records is optional");
    sqlambda_rs_reply_free(&r);
    is_int(check("\"{\\\"success\\\": true, \\\"results\\\": [4080, 2750]}\"", 2, &r), SQLAMBDA_RS_OK,
           "json.dumps'd object (AWS example UDF) is unwrapped once");
    is_str(r.unwrapped, "{\"success\": true, \"results\": [4080, 2750]}", "unwrapped text returned");
    is_int(r.unwrapped_len, 42, "unwrapped length");
    sqlambda_rs_reply_free(&r);
    is_int(check("{\"success\": true, \"results\": [123456789012345678901234567890, 1e300]}", 2, &r),
           SQLAMBDA_RS_OK, "results past int64 are fine (values are the adapter's)");
    sqlambda_rs_reply_free(&r);

    is_int(check("{\"success\": false, \"error_msg\": \"cannot score rows: model not loaded\"}", 1, &r),
           SQLAMBDA_RS_FAILED, "success false: FAILED");
    is_str(r.error_msg, "cannot score rows: model not loaded", "success false: error_msg kept");
    sqlambda_rs_reply_free(&r);
    is_int(check("{\"success\": false, \"error_msg\": 7}", 1, &r), SQLAMBDA_RS_FAILED,
           "success false, non-string error_msg: FAILED");
    ok(r.error_msg == NULL, "non-string error_msg: NULL");
    sqlambda_rs_reply_free(&r);

    bad("", 1, "empty response", "empty body");
    bad("{\"success\": true, \"results\": [1,", 1, "response is not valid JSON: ']' expected near end of file",
        "truncated JSON");
    bad("\"not json\"", 1, "response is not valid JSON: invalid token near 'not'",
        "a JSON string that holds no JSON");
    bad("[1, 2]", 2, "response is not a JSON object", "an array");
    bad("\"[1, 2]\"", 2, "response is not a JSON object", "a string holding an array");
    bad("\"\\\"{}\\\"\"", 1, "response is not a JSON object", "unwrapped once only");
    bad("{\"statusCode\": 200, \"body\": \"[]\"}", 1, "response has no boolean \"success\"",
        "a non-Redshift function");
    bad("{\"success\": \"true\", \"results\": [1]}", 1, "response has no boolean \"success\"",
        "success as a string");
    bad("{\"success\": true, \"num_records\": \"2\", \"results\": [1, 2]}", 2,
        "response has a non-numeric \"num_records\"", "num_records as a string");
    bad("{\"success\": true, \"num_records\": 3, \"results\": [1, 2]}", 2,
        "response has num_records 3 for a batch of 2 rows", "num_records mismatch");
    bad("{\"success\": true, \"num_records\": 2.0, \"results\": [1, 2]}", 2,
        "response has num_records 2.0 for a batch of 2 rows", "num_records not an integer");
    bad("{\"success\": true, \"num_records\": 99999999999999999999, \"results\": [1, 2]}", 2,
        "response has num_records 1e20 for a batch of 2 rows", "num_records past int64");
    bad("{\"success\": true, \"num_records\": 2}", 2, "response has no \"results\" array",
        "no results");
    bad("{\"success\": true, \"results\": {\"0\": 1}}", 1, "response has no \"results\" array",
        "results not an array");
    bad("{\"success\": true, \"results\": [1]}", 2, "response has 1 results for a batch of 2 rows",
        "too few results");
    return tap_done();
}
