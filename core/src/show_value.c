/*
 * show_value.c — renders an untrusted value for an error message: printable
 * ASCII as is, every other byte (control, CR/LF, NUL, non-ASCII) and the
 * quote and backslash as \xNN, cut after a bounded number of bytes with
 * "..." so a hostile value can neither forge log lines nor flood them.
 */
#include "internal.h"

void sqlambda_show_value(char *out, size_t outlen, const char *s, size_t n, size_t max_in) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (!out || !outlen) return;
    if (!s) s = "", n = 0;
    for (size_t i = 0; i < n && i < max_in; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need + 4 > outlen) break; /* room for "..." and the NUL */
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        if (i + 1 == n) goto done;
    }
    if (n > 0 && o + 4 <= outlen) {
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
    }
done:
    out[o] = '\0';
}
