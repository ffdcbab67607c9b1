/*
 * util.c — small helpers shared by core's modules: a growable NUL-terminated
 * byte buffer, base64 (OpenSSL EVP), hex, safe formatting, monotonic time
 * and the SigV4 "YYYYMMDDTHHMMSSZ" date (declared in util.h; the local
 * runtime uses them too).
 */
#include "internal.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int sqlambda_buf_reserve(sqlambda_buf *b, size_t n) {
    if (n > ((size_t)-1) / 2 - b->len) return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            if (cap > ((size_t)-1) / 2) return -1;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    return 0;
}

int sqlambda_buf_append(sqlambda_buf *b, const void *p, size_t n) {
    if (sqlambda_buf_reserve(b, n)) return -1;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sqlambda_buf_vprintf(sqlambda_buf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return -1;
    /* format straight into the buffer when it has room, else via a copy
     * (an argument may point into b->data, which growing would move) */
    if (sqlambda_buf_append(b, "", 0) != 0) return -1;
    if (b->len + (size_t)n + 1 > b->cap) {
        char *tmp = malloc((size_t)n + 1);
        if (!tmp) return -1;
        vsnprintf(tmp, (size_t)n + 1, fmt, ap);
        int rc = sqlambda_buf_append(b, tmp, (size_t)n);
        free(tmp);
        return rc;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int sqlambda_buf_printf(sqlambda_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = sqlambda_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void sqlambda_buf_free(sqlambda_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *sqlambda_b64_encode(const void *data, size_t len) {
    if (len > (size_t)0x7fffffff / 4 * 3 - 3) return NULL; /* EVP takes an int */
    size_t outcap = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(outcap);
    if (!out) return NULL;
    int n = len ? EVP_EncodeBlock((unsigned char *)out, data, (int)len) : 0;
    out[n] = '\0';
    return out;
}

unsigned char *sqlambda_b64_decode(const char *text, size_t len, size_t *outlen) {
    if (!text || len % 4 != 0 || len > 0x7ffffff0) return NULL;
    /* EVP_DecodeBlock ignores nothing useful and counts padding as zero bytes:
     * validate the alphabet and padding placement ourselves. */
    size_t pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '=') {
            if (i < len - 2) return NULL;
            pad++;
        } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return NULL;
        }
    }
    unsigned char *out = malloc(len / 4 * 3 + 1);
    if (!out) return NULL;
    int n = len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
    if (n < 0 || (size_t)n < pad) {
        free(out);
        return NULL;
    }
    n -= (int)pad;
    out[n] = '\0';
    if (outlen) *outlen = (size_t)n;
    return out;
}

int sqlambda_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void sqlambda_hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

char *sqlambda_strdup0(const char *s) { return s ? strdup(s) : NULL; }

void sqlambda_fmt(char *buf, size_t len, const char *fmt, ...) {
    if (!buf || !len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0) buf[0] = '\0';
}

double sqlambda_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void sqlambda_amz_date(time_t t, char out[17]) {
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) out[0] = '\0';
}
