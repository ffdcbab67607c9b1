/*
 * test_eventstream.c — eventstream.c: CRC-32's check value, an encoded
 * event decoding back to its headers and payload, a message given a byte
 * at a time (0 = need more until the last byte), two messages back to back,
 * every header value type skipped correctly (a frame built by hand, the
 * bytes AWS's format defines), and each malformed frame refused with a
 * message: prelude CRC, message CRC, lengths out of range, headers longer
 * than the message, truncated header, unknown value type.
 */
#include "eventstream.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

static uint8_t *bytes(sqlambda_buf *b) { return (uint8_t *)b->data; }

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A frame around hand-made header bytes: prelude, CRCs computed. */
static size_t frame(uint8_t *out, const uint8_t *hdr, size_t hl, const char *payload) {
    size_t pl = strlen(payload), total = 16 + hl + pl;
    put32(out, (uint32_t)total);
    put32(out + 4, (uint32_t)hl);
    put32(out + 8, sqlambda_crc32(0, out, 8));
    memcpy(out + 12, hdr, hl);
    memcpy(out + 12 + hl, payload, pl);
    put32(out + total - 4, sqlambda_crc32(0, out, total - 4));
    return total;
}

static void refused(const uint8_t *b, size_t n, const char *what, const char *label) {
    sqlambda_es_message m;
    char err[160] = "";
    long r = sqlambda_es_decode(b, n, &m, NULL, err, sizeof err);
    ok(r == -1 && strstr(err, what), "%s: refused (%s)", label, err);
}

int main(void) {
    is_int(sqlambda_crc32(0, "123456789", 9), 0xCBF43926u, "CRC-32 check value of \"123456789\"");
    is_int(sqlambda_crc32(sqlambda_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u, "CRC-32 continues across calls");

    sqlambda_buf b = {0};
    ok(sqlambda_es_encode_event(&b, "PayloadChunk", "text/plain", "hello", 5) == 0, "encode a PayloadChunk");
    size_t first = b.len;
    ok(sqlambda_es_encode_event(&b, "InvokeComplete", NULL, "{}", 2) == 0, "encode an InvokeComplete");
    sqlambda_es_message m;
    char err[160];
    size_t need = 0;
    long r = sqlambda_es_decode(bytes(&b), b.len, &m, &need, err, sizeof err);
    is_int(r, first, "the first message's length");
    ok(sqlambda_es_is(m.event_type, m.event_type_len, "PayloadChunk") &&
           sqlambda_es_is(m.content_type, m.content_type_len, "text/plain") &&
           sqlambda_es_is(m.message_type, m.message_type_len, "event"),
       "headers :event-type, :content-type, :message-type decode");
    ok(m.payload_len == 5 && memcmp(m.payload, "hello", 5) == 0, "payload decodes");
    r = sqlambda_es_decode(bytes(&b) + first, b.len - first, &m, NULL, err, sizeof err);
    ok(r == (long)(b.len - first) && sqlambda_es_is(m.event_type, m.event_type_len, "InvokeComplete") &&
           !m.content_type && m.payload_len == 2,
       "the second message follows; a header left out is NULL");

    int zero_until_end = 1;
    for (size_t n = 0; n < first; n++)
        if (sqlambda_es_decode(bytes(&b), n, &m, &need, err, sizeof err) != 0) zero_until_end = 0;
    ok(zero_until_end, "every prefix of a message asks for more (0)");
    sqlambda_es_decode(bytes(&b), 12, &m, &need, err, sizeof err);
    is_int(need, first, "once the prelude is there, need says how many bytes in all");

    /* every header type: bool true/false, byte, short, int, long, bytes, string, timestamp, uuid */
    uint8_t hdr[256], *p = hdr;
    const struct { const char *name; uint8_t type; size_t len; } hs[] = {
        {"t", 0, 0}, {"f", 1, 0}, {"b", 2, 1}, {"s", 3, 2}, {"i", 4, 4}, {"l", 5, 8},
        {"y", 6, 3}, {"ts", 8, 8}, {"u", 9, 16}};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        *p++ = (uint8_t)strlen(hs[i].name);
        memcpy(p, hs[i].name, strlen(hs[i].name));
        p += strlen(hs[i].name);
        *p++ = hs[i].type;
        if (hs[i].type == 6) *p++ = 0, *p++ = (uint8_t)hs[i].len;
        memset(p, 0x41, hs[i].len);
        p += hs[i].len;
    }
    const char *et = ":event-type";
    *p++ = (uint8_t)strlen(et);
    memcpy(p, et, strlen(et));
    p += strlen(et);
    *p++ = 7, *p++ = 0, *p++ = 3;
    memcpy(p, "Foo", 3);
    p += 3;
    uint8_t f[512];
    size_t fl = frame(f, hdr, (size_t)(p - hdr), "xyz");
    r = sqlambda_es_decode(f, fl, &m, NULL, err, sizeof err);
    ok(r == (long)fl && sqlambda_es_is(m.event_type, m.event_type_len, "Foo") && m.payload_len == 3,
       "every header value type is read past; the string after them decodes");

    uint8_t bad[512];
    memcpy(bad, bytes(&b), first);
    bad[9] ^= 1;
    refused(bad, first, "prelude CRC", "a prelude CRC that does not match");
    memcpy(bad, bytes(&b), first);
    bad[first - 6] ^= 1; /* a payload byte */
    refused(bad, first, "message CRC", "a message CRC that does not match");
    uint8_t small[16] = {0};
    put32(small, 8);
    put32(small + 8, sqlambda_crc32(0, small, 8));
    refused(small, 16, "length out of range", "a total length under 16");
    put32(small, 0x7fffffff);
    put32(small + 8, sqlambda_crc32(0, small, 8));
    refused(small, 16, "length out of range", "a total length over the format's maximum");
    put32(small, 16);
    put32(small + 4, 1);
    put32(small + 8, sqlambda_crc32(0, small, 8));
    refused(small, 16, "headers longer", "headers longer than the message");
    uint8_t h1[] = {5, 'a', 'b'};
    fl = frame(f, h1, sizeof h1, "");
    refused(f, fl, "truncated header name", "a header name past the headers' end");
    uint8_t h2[] = {1, 'a', 42};
    fl = frame(f, h2, sizeof h2, "");
    refused(f, fl, "unknown header value type", "an unknown header value type");
    uint8_t h3[] = {1, 'a', 7, 0, 9, 'x'};
    fl = frame(f, h3, sizeof h3, "");
    refused(f, fl, "truncated header value", "a string value past the headers' end");

    sqlambda_buf_free(&b);
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
