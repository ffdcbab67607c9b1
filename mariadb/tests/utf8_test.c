/* utf8_test.c — TAP unit test of src/utf8.c's strict UTF-8 check (built
 * and run by t_utf8.sh): the forms RFC 3629 allows pass, overlong forms,
 * surrogates, code points above U+10FFFF, stray continuation bytes and
 * truncated sequences are caught at the right offset. */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *what, const char *s, size_t len, size_t want) {
    size_t got = mdb_utf8_invalid_at(s, len);
    if (got == want) printf("ok - %s\n", what);
    else {
        printf("not ok - %s: got %zu, want %zu\n", what, got, want);
        failures++;
    }
}
#define CHECK(what, lit, want) check(what, lit, sizeof(lit) - 1, want)

int main(void) {
    CHECK("empty", "", 0);
    CHECK("ASCII", "{\"a\":1}", 7);
    CHECK("NUL is ASCII (callers refuse it where it matters)", "a\0b", 3);
    CHECK("2-byte e-acute", "caf\xc3\xa9", 5);
    CHECK("3-byte U+2615", "\xe2\x98\x95", 3);
    CHECK("4-byte U+1F600", "\xf0\x9f\x98\x80", 4);
    CHECK("U+10FFFF, the last code point", "\xf4\x8f\xbf\xbf", 4);
    CHECK("U+FFFF", "\xef\xbf\xbf", 3);
    CHECK("latin1 e-acute", "caf\xe9", 3);
    CHECK("0xFF", "a\xff", 1);
    CHECK("0xFE", "\xfe", 0);
    CHECK("stray continuation byte", "ab\x80", 2);
    CHECK("overlong 2-byte (C0 80)", "\xc0\x80", 0);
    CHECK("overlong 2-byte (C1 BF)", "\xc1\xbf", 0);
    CHECK("overlong 3-byte (E0 9F BF)", "x\xe0\x9f\xbf", 1);
    CHECK("overlong 4-byte (F0 8F BF BF)", "\xf0\x8f\xbf\xbf", 0);
    CHECK("surrogate U+D800 (ED A0 80)", "\xed\xa0\x80", 0);
    CHECK("last non-surrogate before them (ED 9F BF)", "\xed\x9f\xbf", 3);
    CHECK("above U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80", 0);
    CHECK("F5 lead byte", "\xf5\x80\x80\x80", 0);
    CHECK("truncated 2-byte at the end", "ok\xc3", 2);
    CHECK("truncated 3-byte at the end", "ok\xe2\x98", 2);
    CHECK("truncated 4-byte at the end", "\xf0\x9f\x98", 0);
    CHECK("bad third byte", "\xe2\x98\x41", 0);
    CHECK("bad fourth byte", "\xf0\x9f\x98\x41", 0);
    CHECK("valid then invalid", "\xc3\xa9\xc3\x28", 2);
    /* the length is honoured: bytes past it are not looked at */
    check("only len bytes are read", "ab\xff", 2, 2);
    return failures ? 1 : 0;
}
