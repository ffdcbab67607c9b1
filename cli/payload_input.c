/*
 * payload_input.c — turns the PAYLOAD argument of `sqlambda invoke` into
 * bytes: the JSON text itself, "@path" (a file) or "-" (standard input).
 * Validation of the JSON and of its size is core's job.
 */
#include "cli.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads at most limit+1 bytes from f so core can report an oversize payload. */
static int read_stream(FILE *f, size_t limit, char **out, size_t *outlen) {
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return -1;
    for (;;) {
        if (len == cap) {
            if (cap > limit) break;
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                errno = ENOMEM;
                return -1;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(buf);
        errno = e;
        return -1;
    }
    if (len > limit + 1) len = limit + 1;
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

int cli_read_payload(const char *arg, size_t limit, char **out, size_t *outlen, char *err,
                     size_t errlen) {
    *out = NULL;
    *outlen = 0;
    if (!strcmp(arg, "-")) {
        errno = 0;
        if (read_stream(stdin, limit, out, outlen) != 0) {
            snprintf(err, errlen, "cannot read the payload from standard input: %s",
                     strerror(errno));
            return -1;
        }
        return 0;
    }
    if (arg[0] == '@') {
        const char *path = arg + 1;
        if (!*path) {
            snprintf(err, errlen, "payload '@' names no file (use @PATH)");
            return -1;
        }
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "cannot read payload file '%s': %s", path, strerror(errno));
            return -1;
        }
        errno = 0;
        int rc = read_stream(f, limit, out, outlen);
        int e = errno;
        fclose(f);
        if (rc != 0) {
            snprintf(err, errlen, "cannot read payload file '%s': %s", path, strerror(e));
            return -1;
        }
        return 0;
    }
    size_t n = strlen(arg);
    *out = malloc(n + 1);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(*out, arg, n + 1);
    *outlen = n;
    return 0;
}
