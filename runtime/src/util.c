/*
 * util.c — small helpers for the local runtime: allocation that aborts on
 * out of memory (over core's buffer too), wall-clock times, request ids,
 * percent-decoding, UTF-8 cleaning, logging. The buffer, base64, the
 * monotonic clock and the SigV4 date are core's (core/src/util.h).
 */
#include "serve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void oom(void) {
    fputs("sqlambda serve: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom();
    return p;
}

char *xstrdup(const char *s) {
    char *p = strdup(s ? s : "");
    if (!p) oom();
    return p;
}

char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void xbuf_append(sqlambda_buf *b, const void *p, size_t n) {
    if (sqlambda_buf_append(b, p, n) != 0) oom();
}

void xbuf_printf(sqlambda_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = sqlambda_buf_vprintf(b, fmt, ap);
    va_end(ap);
    if (rc != 0) oom();
}

long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void iso_time(char out[32]) {
    long long ms = epoch_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* Request ids come from the kernel's CSPRNG (getrandom): a Runtime API
 * result is accepted only for the current id, so ids must not be guessable. */
static void random_bytes(unsigned char *p, size_t n) {
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            abort(); /* no entropy source: nothing safe to fall back to */
        }
        p += r;
        n -= (size_t)r;
    }
}

void make_uuid(char out[37]) {
    unsigned char r[16];
    random_bytes(r, sizeof r);
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
}

char *pct_decode_n(const char *s, size_t n, size_t *outlen) {
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int h = i + 2 < n ? sqlambda_hexval(s[i + 1]) : -1, l = i + 2 < n ? sqlambda_hexval(s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

char *pct_decode(const char *s, size_t n) {
    size_t len;
    char *out = pct_decode_n(s, n, &len);
    if (out && memchr(out, 0, len)) { /* %00 would cut the C string short */
        free(out);
        return NULL;
    }
    return out;
}

char *query_param(const char *query, const char *key, int *bad) {
    if (!query) return NULL;
    size_t klen = strlen(key);
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len >= klen && strncmp(p, key, klen) == 0 && (len == klen || p[klen] == '=')) {
            const char *v = len > klen ? p + klen + 1 : p + len;
            size_t vlen = len > klen ? len - klen - 1 : 0;
            char *d = pct_decode(v, vlen);
            if (!d && bad) *bad = 1;
            return d;
        }
        if (!amp) break;
        p = amp + 1;
    }
    return NULL;
}

char *utf8_clean(const char *s, size_t n) {
    sqlambda_buf b = {0};
    xbuf_append(&b, "", 0);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        int good = len > 0 && i + len <= n && c != 0;
        for (size_t k = 1; good && k < len; k++) good = ((unsigned char)s[i + k] & 0xc0) == 0x80;
        if (good && len > 1) { /* no overlong forms, surrogates or code points past U+10FFFF */
            unsigned cp = c & (0x7f >> len);
            for (size_t k = 1; k < len; k++) cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
            good = !(cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u)) && !(cp >= 0xd800 && cp <= 0xdfff) &&
                   cp <= 0x10ffff;
        }
        if (good) {
            xbuf_append(&b, s + i, len);
            i += len;
        } else {
            xbuf_append(&b, "\xEF\xBF\xBD", 3); /* U+FFFD for each bad byte */
            i++;
        }
    }
    return b.data;
}

/* One line on stderr, formatted first so concurrent threads' lines do not
 * interleave within a line. */
__attribute__((format(printf, 1, 0))) static void stderr_line(const char *fmt, va_list ap) {
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "sqlambda serve: %s\n", line);
}

void serve_log(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    stderr_line(fmt, ap);
    va_end(ap);
}

void serve_debug(const char *fmt, ...) {
    if (!g.verbose) return;
    va_list ap;
    va_start(ap, fmt);
    stderr_line(fmt, ap);
    va_end(ap);
}
