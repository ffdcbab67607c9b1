/*
 * util.h — core's small helpers (util.c): a growable buffer, base64, hex,
 * safe formatting, the monotonic clock and the SigV4 date. Not installed and
 * not exported from libsqlambda.so (hidden); the local runtime (runtime/),
 * which links core's static archive, uses these same ones rather than its own.
 */
#ifndef SQLAMBDA_UTIL_H
#define SQLAMBDA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

/* Growable byte buffer, always NUL-terminated once anything (even "") was
 * appended; {0} is an empty buffer. */
typedef struct sqlambda_buf {
    char *data;
    size_t len, cap;
} sqlambda_buf;
int sqlambda_buf_append(sqlambda_buf *b, const void *p, size_t n); /* 0 or -1 (ENOMEM) */
int sqlambda_buf_printf(sqlambda_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sqlambda_buf_vprintf(sqlambda_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void sqlambda_buf_free(sqlambda_buf *b);
/* Makes room for n more bytes (plus the NUL) without changing len. */
int sqlambda_buf_reserve(sqlambda_buf *b, size_t n);

/* Base64 (standard alphabet, padded). Results are malloc'd, NUL-terminated. */
char *sqlambda_b64_encode(const void *data, size_t len);
/* Returns NULL on invalid input (alphabet, length, '=' only at the end);
 * *outlen gets the decoded length. */
unsigned char *sqlambda_b64_decode(const char *text, size_t len, size_t *outlen);

void sqlambda_hex(const unsigned char *in, size_t n, char *out /* 2n+1 */);
/* Value of one hex digit (either case), -1 if c is not one. */
int sqlambda_hexval(char c);
char *sqlambda_strdup0(const char *s); /* strdup that passes NULL through */
/* snprintf into a fixed buffer, never overflowing, always terminated. */
void sqlambda_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Monotonic milliseconds. */
double sqlambda_now_ms(void);
/* "YYYYMMDDTHHMMSSZ" for t (UTC). */
void sqlambda_amz_date(time_t t, char out[17]);

#endif /* SQLAMBDA_UTIL_H */
