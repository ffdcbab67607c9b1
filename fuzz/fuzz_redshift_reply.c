/*
 * fuzz_redshift_reply.c — core's check of a Redshift Lambda UDF answer
 * (redshift_reply.c): JSON parsing, the json.dumps string unwrapping,
 * success/error_msg/num_records/results. Properties: OK only when the
 * results' count is the rows asked for; PROTOCOL always names a problem.
 * Input: byte 0 = rows in the batch (0-255), then the body.
 */
#include "sqlambda_redshift.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    long rows = data[0];
    size_t n = size - 1;
    char *body = malloc(n ? n : 1); /* exact size, no NUL: over-reads show */
    if (!body) return 0;
    memcpy(body, data + 1, n);
    sqlambda_rs_reply r;
    sqlambda_rs_status st = sqlambda_redshift_reply_check(body, n, rows, &r);
    if (st != r.status) abort();
    if (st == SQLAMBDA_RS_PROTOCOL && !r.problem[0]) abort();
    if (st != SQLAMBDA_RS_PROTOCOL && r.problem[0]) abort();
    if (st != SQLAMBDA_RS_FAILED && r.error_msg) abort();
    if (r.unwrapped && strlen(r.unwrapped) > r.unwrapped_len) abort();
    sqlambda_rs_reply_free(&r);
    free(body);
    return 0;
}
