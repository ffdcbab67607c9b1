/*
 * test_util.c — util.c helpers: buffer growth, base64 round trips (empty,
 * every padding length, binary), rejection of malformed base64, hex, fmt
 * truncation, the SigV4 date format and monotonic time; buf_vprintf (the
 * runtime's aborting wrapper is built on it), a printf whose argument is
 * the buffer's own text while it grows, hexval.
 */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

static int vpf(sqlambda_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vpf(sqlambda_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = sqlambda_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

static void roundtrip(const void *data, size_t n, const char *want, const char *label) {
    char *e = sqlambda_b64_encode(data, n);
    if (want) is_str(e, want, label);
    size_t outlen = 12345;
    unsigned char *d = e ? sqlambda_b64_decode(e, strlen(e), &outlen) : NULL;
    ok(d && outlen == n && memcmp(d, data, n) == 0, "%s: decodes back to %zu bytes", label, n);
    free(e);
    free(d);
}

int main(void) {
    roundtrip("", 0, "", "empty");
    roundtrip("f", 1, "Zg==", "1 byte (two pads)");
    roundtrip("fo", 2, "Zm8=", "2 bytes (one pad)");
    roundtrip("foo", 3, "Zm9v", "3 bytes (no pad)");
    roundtrip("foobar", 6, "Zm9vYmFy", "6 bytes");
    unsigned char bin[256];
    for (int i = 0; i < 256; i++) bin[i] = (unsigned char)(255 - i);
    roundtrip(bin, 256, NULL, "binary with NUL and high bytes");
    roundtrip("\0\0", 2, "AAA=", "NULs");
    size_t ol;
    const char *bads[] = {"Zg=", "Zg===", "Z===", "Zm9v!A==", "Zg==Zg==", "Zm 9v", "=Zg="};
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        unsigned char *d = sqlambda_b64_decode(bads[i], strlen(bads[i]), &ol);
        ok(d == NULL, "malformed base64 \"%s\" rejected", bads[i]);
        free(d);
    }

    sqlambda_buf b = {0};
    for (int i = 0; i < 1000; i++) sqlambda_buf_printf(&b, "%d,", i);
    ok(b.len == strlen(b.data) && strncmp(b.data, "0,1,2,", 6) == 0 &&
           strcmp(b.data + b.len - 4, "999,") == 0,
       "buf grows and stays NUL-terminated");
    sqlambda_buf_append(&b, "\0x", 2);
    ok(b.data[b.len] == '\0' && b.data[b.len - 1] == 'x', "buf holds binary bytes");
    sqlambda_buf_free(&b);
    ok(b.data == NULL && b.len == 0, "buf_free resets");

    ok(vpf(&b, "%s-%d", "ab", 7) == 0 && vpf(&b, "%c", '!') == 0, "buf_vprintf returns 0");
    is_str(b.data, "ab-7!", "buf_vprintf appends what it formats");
    for (int i = 0; i < 6; i++) sqlambda_buf_printf(&b, "%s", b.data); /* doubles, growing */
    ok(b.len == 5 * 64 && b.len == strlen(b.data) && strncmp(b.data + b.len - 5, "ab-7!", 5) == 0,
       "buf_printf of the buffer's own text while it grows");
    sqlambda_buf_free(&b);

    ok(sqlambda_hexval('0') == 0 && sqlambda_hexval('9') == 9 && sqlambda_hexval('a') == 10 &&
           sqlambda_hexval('F') == 15 && sqlambda_hexval('g') == -1 && sqlambda_hexval('%') == -1 &&
           sqlambda_hexval('\0') == -1,
       "hexval: digits of either case, -1 otherwise");

    char hx[9];
    sqlambda_hex((const unsigned char *)"\x00\xff\x10\xab", 4, hx);
    is_str(hx, "00ff10ab", "hex lowercase");

    char small[8];
    sqlambda_fmt(small, sizeof small, "%s", "0123456789");
    is_str(small, "0123456", "fmt truncates and terminates");
    ok(sqlambda_strdup0(NULL) == NULL, "strdup0 passes NULL");
    char *d = sqlambda_strdup0("x");
    is_str(d, "x", "strdup0 copies");
    free(d);

    char date[17];
    sqlambda_amz_date(1440938160, date);
    is_str(date, "20150830T123600Z", "amz_date (UTC)");
    double t0 = sqlambda_now_ms(), t1 = sqlambda_now_ms();
    ok(t0 > 0 && t1 >= t0, "now_ms is monotonic");
    return tap_done();
}
