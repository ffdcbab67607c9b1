/*
 * fuzz_response.c — Lambda's answer as the transport sees it: a header block
 * fed line by line to the curl header callback, a body fed in chunks to the
 * body callback (size cap enforced), then the classification into a result
 * (function errors, AWS JSON/XML error bodies, Log-Result base64, throttle).
 * Properties: the message is one terminated line; a success carries exactly
 * the body's bytes; a body over the cap is E_RESPONSE.
 * Input: byte 0 picks the HTTP status class, byte 1 the body chunk size and
 * the cap, then "headers\n\nbody" (\r\n accepted).
 */
#include "client_internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const long statuses[] = {200, 202, 204, 400, 403, 404, 413, 429, 500, 502, 503, 504};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    long status = statuses[data[0] % (sizeof statuses / sizeof *statuses)];
    size_t chunk = (size_t)(data[1] % 64) + 1;
    size_t cap = (data[1] & 0x80) ? 64 : 1 << 20;
    const char *p = (const char *)data + 2, *end = (const char *)data + size;
    sqlambda_call *call = calloc(1, sizeof *call);
    if (!call) return 0;
    sqlambda_reply_reset(&call->reply, cap);
    call->res.function_name = strdup("fuzzed");
    call->res.endpoint_host = strdup("lambda.us-east-1.amazonaws.com");
    call->res.attempts = 1;
    int aborted = 0;
    /* headers: one callback per line, the line's terminator included */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        int blank = n == 1 || (n == 2 && p[0] == '\r');
        char *line = malloc(n); /* exact size, so ASan sees any over-read */
        if (!line) break;
        memcpy(line, p, n);
        size_t got = sqlambda_reply_header_cb(line, 1, n, &call->reply);
        free(line);
        p += n;
        if (got != n) { aborted = 1; break; }
        if (blank) break;
    }
    call->reply.status = status;
    const char *body = p;
    size_t body_len = (size_t)(end - p);
    while (!aborted && p < end) {
        size_t n = (size_t)(end - p) < chunk ? (size_t)(end - p) : chunk;
        char *buf = malloc(n);
        if (!buf) break;
        memcpy(buf, p, n);
        size_t got = sqlambda_reply_body_cb(buf, 1, n, &call->reply);
        free(buf);
        p += n;
        if (got != n) aborted = 1;
    }
    sqlambda_response_classify(call, aborted ? CURLE_WRITE_ERROR : CURLE_OK);
    /* a success hands over exactly the bytes received, however chunked */
    if (call->res.status == SQLAMBDA_OK &&
        (call->res.payload_len != body_len || memcmp(call->res.payload, body, body_len) != 0))
        abort();
    if (call->reply.oversize && call->res.status != SQLAMBDA_E_RESPONSE) abort();
    if (!memchr(call->res.message, 0, sizeof call->res.message)) abort();
    for (const char *m = call->res.message; *m; m++)
        if ((unsigned char)*m < 0x20) abort(); /* the message stays one line */
    sqlambda_call_free(call, 1);
    return 0;
}
