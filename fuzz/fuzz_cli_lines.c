/*
 * fuzz_cli_lines.c — the CLI's --payloads reader (cli/payload_lines.c) over
 * a pipe fed in pieces, against a reference split of the same bytes.
 * The reader is built to read 16 bytes at a time (fuzz/Makefile), so small
 * inputs reach its buffer's bound. Input: byte 0 sets the line limit
 * (16..79: a line longer than limit + 2 always spans reads, so it is always
 * the partial line that gets cut), byte 1 the piece size written before
 * each read (1..256); the rest is the input. The driver keeps the reader's
 * contract (fill only when no whole line is buffered), except with an odd
 * piece size, where it also fills before taking the lines (the reader must
 * refuse that read), and checks every line
 * it returns against the bytes between newlines (line_ok: whole with one
 * trailing CR dropped, or, when longer than limit + 2, exactly its first
 * limit + 2 bytes, one trailing CR dropped), the last unterminated line at
 * end of input, and the line numbers. A mismatch, an overread or a leak
 * aborts.
 */
#include "cli.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The next line of data (reference split): its bytes and length before the
 * newline; 0 when there is none. */
static int expected(const uint8_t *data, size_t len, size_t *pos, const uint8_t **line, size_t *full) {
    if (*pos >= len) return 0;
    const uint8_t *p = data + *pos;
    const uint8_t *nl = memchr(p, '\n', len - *pos);
    *full = nl ? (size_t)(nl - p) : len - *pos;
    *pos += *full + (nl ? 1 : 0);
    *line = p;
    return 1;
}

/* A line of up to limit + 2 bytes comes whole; a longer one cut to its
 * first limit + 2 (still longer than limit after a CR is dropped: core
 * refuses it as too large, never sends a truncation). One trailing CR of
 * what is kept is dropped. */
static int line_ok(const char *got, size_t n, const uint8_t *raw, size_t full, size_t limit) {
    size_t want = full <= limit + 2 ? full : limit + 2;
    if (want && raw[want - 1] == '\r') want--;
    return n == want && n <= full && !memcmp(got, raw, n) && (full <= limit + 2 || n > limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size) {
    if (size < 2) return 0;
    size_t limit = 16 + in[0] % 64, step = 1 + in[1];
    const uint8_t *data = in + 2;
    size_t len = size - 2;
    int p[2];
    if (len > 60000 || pipe(p) != 0) return 0; /* all of it fits in the pipe */
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    cli_lines r;
    if (cli_lines_open(&r, path, limit, err, sizeof err) != 0) abort();
    close(p[0]);
    size_t written = 0, pos = 0;
    long lines = 0;
    int wclosed = 0;
    for (;;) {
        const char *line;
        size_t n;
        /* an odd piece size also calls fill with whole lines still buffered,
         * against the contract: the reader must refuse (no read, no growth),
         * not lose or overrun anything */
        if ((step & 1) && written < len) {
            size_t k = len - written < step ? len - written : step;
            if (write(p[1], data + written, k) != (ssize_t)k) abort();
            written += k;
            if (cli_lines_fill(&r) < 0) abort();
        }
        while (cli_lines_next(&r, &line, &n) == 1) {
            const uint8_t *raw;
            size_t full;
            if (!expected(data, len, &pos, &raw, &full)) abort(); /* a line too many */
            if (!line_ok(line, n, raw, full, limit)) abort();    /* a wrong line */
            if (r.lineno != ++lines) abort();
        }
        if (cli_lines_done(&r)) break;
        if (written < len) { /* the next piece, then one read */
            size_t k = len - written < step ? len - written : step;
            if (write(p[1], data + written, k) != (ssize_t)k) abort();
            written += k;
        } else if (!wclosed) {
            close(p[1]);
            wclosed = 1;
        }
        if (cli_lines_fill(&r) < 0) abort();
    }
    const uint8_t *raw;
    size_t full;
    if (expected(data, len, &pos, &raw, &full)) abort(); /* a line missing */
    if (!wclosed) close(p[1]);
    cli_lines_close(&r);
    return 0;
}
