/*
 * fuzz_fields.h — splits a fuzz input into NUL-terminated fields at a
 * separator byte, each in its own exact-size allocation (so ASan reports a
 * read one byte past any field). Shared by the fuzz targets; header-only.
 */
#ifndef FUZZ_FIELDS_H
#define FUZZ_FIELDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_fields {
    char *f[16];
    size_t len[16];
    int n;
} fuzz_fields;

/* At most max (<= 16) fields; the last one takes the rest of the input.
 * Missing fields are NULL. Returns 0, or -1 when out of memory. */
static inline int fuzz_split(const uint8_t *data, size_t size, char sep, int max, fuzz_fields *out) {
    memset(out, 0, sizeof *out);
    const char *p = (const char *)data, *end = p + size;
    while (out->n < max && out->n < 16) {
        const char *s = out->n == max - 1 ? NULL : memchr(p, sep, (size_t)(end - p));
        size_t n = s ? (size_t)(s - p) : (size_t)(end - p);
        char *f = malloc(n + 1);
        if (!f) return -1;
        memcpy(f, p, n);
        f[n] = 0;
        out->f[out->n] = f;
        out->len[out->n++] = n;
        if (!s) break;
        p = s + 1;
    }
    return 0;
}

static inline void fuzz_fields_free(fuzz_fields *ff) {
    for (int i = 0; i < ff->n; i++) free(ff->f[i]);
    memset(ff, 0, sizeof *ff);
}

#endif
