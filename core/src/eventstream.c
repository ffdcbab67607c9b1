/*
 * eventstream.c — encoder and decoder of AWS's event stream messages
 * (eventstream.h): CRC-32, the prelude, typed headers (every type the
 * format defines is read, so unknown headers are skipped, not refused),
 * payload and message CRC. Pure functions over bytes: no I/O, no state.
 */
#include "eventstream.h"

#include <stdio.h>
#include <string.h>

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    __atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t sqlambda_crc32(uint32_t crc, const void *data, size_t len) {
    /* the table is the same whoever builds it: a race writes equal values */
    if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) crc_init();
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One string header (type 7): name length, name, 7, value length, value. */
static size_t header_size(const char *name, const char *value) {
    return value ? 1 + strlen(name) + 1 + 2 + strlen(value) : 0;
}

static uint8_t *put_header(uint8_t *p, const char *name, const char *value) {
    if (!value) return p;
    size_t nl = strlen(name), vl = strlen(value);
    *p++ = (uint8_t)nl;
    memcpy(p, name, nl);
    p += nl;
    *p++ = 7;
    *p++ = (uint8_t)(vl >> 8);
    *p++ = (uint8_t)vl;
    memcpy(p, value, vl);
    return p + vl;
}

int sqlambda_es_encode_event(sqlambda_buf *out, const char *event_type, const char *content_type,
                             const void *payload, size_t len) {
    if (!event_type || strlen(event_type) > 65535 || (content_type && strlen(content_type) > 65535))
        return -1;
    size_t hl = header_size(":event-type", event_type) + header_size(":content-type", content_type) +
                header_size(":message-type", "event");
    size_t total = 12 + hl + len + 4;
    if (total > SQLAMBDA_ES_MAX_MESSAGE || sqlambda_buf_reserve(out, total) != 0) return -1;
    uint8_t *start = (uint8_t *)out->data + out->len, *p = start;
    put32(p, (uint32_t)total);
    put32(p + 4, (uint32_t)hl);
    put32(p + 8, sqlambda_crc32(0, p, 8));
    p += 12;
    p = put_header(p, ":event-type", event_type);
    p = put_header(p, ":content-type", content_type);
    p = put_header(p, ":message-type", "event");
    if (len) memcpy(p, payload, len);
    p += len;
    put32(p, sqlambda_crc32(0, start, (size_t)(p - start)));
    out->len += total;
    out->data[out->len] = 0;
    return 0;
}

static long fail(char *err, size_t errlen, const char *what) {
    if (err && errlen) snprintf(err, errlen, "malformed event stream: %s", what);
    return -1;
}

/* Fixed value sizes of the header types (-1: 2-byte length follows). */
static int value_size(uint8_t type) {
    static const int sizes[10] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};
    return type < 10 ? sizes[type] : -2;
}

long sqlambda_es_decode(const uint8_t *buf, size_t len, sqlambda_es_message *m, size_t *need,
                        char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    if (need) *need = 0;
    if (len < 12) return 0;
    uint32_t total = get32(buf), hl = get32(buf + 4);
    if (sqlambda_crc32(0, buf, 8) != get32(buf + 8)) return fail(err, errlen, "prelude CRC mismatch");
    if (total < 16 || total > SQLAMBDA_ES_MAX_MESSAGE)
        return fail(err, errlen, "message length out of range");
    if (hl > total - 16) return fail(err, errlen, "headers longer than the message");
    if (need) *need = total;
    if (len < total) return 0;
    if (sqlambda_crc32(0, buf, total - 4) != get32(buf + total - 4))
        return fail(err, errlen, "message CRC mismatch");
    const uint8_t *p = buf + 12, *end = p + hl;
    while (p < end) {
        size_t nl = *p++;
        if (nl == 0 || (size_t)(end - p) < nl + 1) return fail(err, errlen, "truncated header name");
        const char *name = (const char *)p;
        p += nl;
        uint8_t type = *p++;
        int vs = value_size(type);
        size_t vl;
        if (vs == -2) return fail(err, errlen, "unknown header value type");
        if (vs == -1) {
            if (end - p < 2) return fail(err, errlen, "truncated header value length");
            vl = (size_t)p[0] << 8 | p[1];
            p += 2;
        } else {
            vl = (size_t)vs;
        }
        if ((size_t)(end - p) < vl) return fail(err, errlen, "truncated header value");
        if (type == 7) {
            const char *v = (const char *)p;
            if (sqlambda_es_is(name, nl, ":message-type")) m->message_type = v, m->message_type_len = vl;
            else if (sqlambda_es_is(name, nl, ":event-type")) m->event_type = v, m->event_type_len = vl;
            else if (sqlambda_es_is(name, nl, ":content-type")) m->content_type = v, m->content_type_len = vl;
            else if (sqlambda_es_is(name, nl, ":exception-type")) m->exception_type = v, m->exception_type_len = vl;
            else if (sqlambda_es_is(name, nl, ":error-code")) m->error_code = v, m->error_code_len = vl;
            else if (sqlambda_es_is(name, nl, ":error-message")) m->error_message = v, m->error_message_len = vl;
        }
        p += vl;
    }
    m->payload = end;
    m->payload_len = total - 16 - hl;
    return (long)total;
}

int sqlambda_es_is(const char *s, size_t n, const char *word) {
    return s && strlen(word) == n && memcmp(s, word, n) == 0;
}
