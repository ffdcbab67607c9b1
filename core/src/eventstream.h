/*
 * eventstream.h — AWS's event stream framing (application/vnd.amazon.eventstream),
 * the body of Lambda's InvokeWithResponseStream: each message is a prelude
 * (total length, headers length, CRC32 of those 8 bytes), typed headers, a
 * payload and a CRC32 of everything before it. eventstream.c encodes
 * (sqlambda serve) and decodes (core's streaming invoke); the decoder takes
 * bytes from outside, so it is a fuzz target (fuzz/fuzz_eventstream.c).
 * Not installed; the runtime includes it like util.h.
 */
#ifndef SQLAMBDA_EVENTSTREAM_H
#define SQLAMBDA_EVENTSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Largest message accepted: the format's 16 MiB payload and 128 KiB of
 * headers, plus prelude and CRC. */
#define SQLAMBDA_ES_MAX_MESSAGE ((size_t)16 * 1024 * 1024 + 128 * 1024 + 16)

/* CRC-32 (IEEE 802.3, zlib's crc32), continuing from crc (0 to start). */
uint32_t sqlambda_crc32(uint32_t crc, const void *data, size_t len);

/* Appends one message with the three string headers AWS sends on every
 * event (":event-type", ":content-type", ":message-type" "event"); a NULL
 * content_type leaves that header out. 0 or -1 (no memory, or too large). */
int sqlambda_es_encode_event(sqlambda_buf *out, const char *event_type, const char *content_type,
                             const void *payload, size_t len);

/* One decoded message: the string headers Lambda uses (pointers into the
 * input, not NUL-terminated; NULL when absent) and the payload. */
typedef struct sqlambda_es_message {
    const char *message_type, *event_type, *content_type, *exception_type, *error_code,
        *error_message;
    size_t message_type_len, event_type_len, content_type_len, exception_type_len, error_code_len,
        error_message_len;
    const uint8_t *payload;
    size_t payload_len;
} sqlambda_es_message;

/* Decodes the message at the start of buf[0..len). Returns its total length
 * (> 0) with *m filled, 0 when more bytes are needed (*need, if not NULL,
 * gets how many in all once the prelude is there), or -1 with the problem
 * in err (bad lengths, prelude or message CRC mismatch, malformed headers). */
long sqlambda_es_decode(const uint8_t *buf, size_t len, sqlambda_es_message *m, size_t *need,
                        char *err, size_t errlen);

/* 1 if the n bytes at s are exactly the NUL-terminated word. */
int sqlambda_es_is(const char *s, size_t n, const char *word);

#endif
