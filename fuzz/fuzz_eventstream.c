/*
 * fuzz_eventstream.c — core's reading of an InvokeWithResponseStream answer
 * (eventstream.c's decoder and invoke_stream.c's sqlambda_stream_feed: the
 * bytes a server sends, PayloadChunk to the caller, InvokeComplete's JSON,
 * exception events). Properties: the same bytes fed whole and fed in pieces
 * (sizes from the input) give the same chunks, the same outcome and the
 * same InvokeComplete fields; a refusal always says why; the decoder never
 * claims more bytes than it was given; encoding the input as a payload and
 * decoding it gives it back.
 * Input: byte 0 = piece size (1-256), then the stream.
 */
#include "client_internal.h"
#include "eventstream.h"
#include <stdlib.h>
#include <string.h>

static int collect(void *arg, const char *data, size_t len) {
    return sqlambda_buf_append(arg, data, len) == 0 ? 0 : -1;
}

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t piece = (size_t)data[0] + 1;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;

    sqlambda_buf whole = {0}, parts = {0};
    sqlambda_stream a = {.on_chunk = collect, .arg = &whole}, b = {.on_chunk = collect, .arg = &parts};
    int ra = sqlambda_stream_feed(&a, in, n), rb = 0;
    for (size_t off = 0; off < n && rb == 0; off += piece)
        rb = sqlambda_stream_feed(&b, in + off, n - off < piece ? n - off : piece);
    if (ra != rb || a.complete != b.complete || a.chunks != b.chunks) abort();
    if (whole.len != parts.len || (whole.len && memcmp(whole.data, parts.data, whole.len))) abort();
    if (ra != 0 && !a.problem[0] && !a.stopped) abort();
    if (ra != 0 && strcmp(a.problem, b.problem) != 0) abort();
    if (!same(a.error_code, b.error_code) || !same(a.error_details, b.error_details) ||
        !same(a.log_result_b64, b.log_result_b64))
        abort();

    sqlambda_es_message m;
    char err[160];
    size_t need;
    long used = sqlambda_es_decode((const uint8_t *)in, n, &m, &need, err, sizeof err);
    if (used > (long)n) abort();
    if (used > 0 && (m.payload < (const uint8_t *)in || m.payload + m.payload_len > (const uint8_t *)in + used))
        abort();

    sqlambda_buf enc = {0};
    if (sqlambda_es_encode_event(&enc, "PayloadChunk", "application/octet-stream", in, n) == 0) {
        used = sqlambda_es_decode((const uint8_t *)enc.data, enc.len, &m, NULL, err, sizeof err);
        if (used != (long)enc.len || m.payload_len != n || (n && memcmp(m.payload, in, n))) abort();
    }
    sqlambda_buf_free(&enc);
    sqlambda_stream_reset(&a);
    sqlambda_stream_reset(&b);
    sqlambda_buf_free(&whole);
    sqlambda_buf_free(&parts);
    return 0;
}
