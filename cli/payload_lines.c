/*
 * payload_lines.c — the --payloads input of `sqlambda invoke`: a file or
 * standard input read one line at a time, in chunks, only when the caller
 * saw the descriptor readable, so the calls in flight never wait on the
 * input. Memory is bounded: a line longer than the limit is kept cut at
 * limit+2 bytes (core then reports it too large, nothing is sent; two, so
 * that dropping a CR at the cut still leaves it too large) and the rest of
 * it is skipped as it arrives.
 */
#include "cli.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* bytes per read (fuzz/fuzz_cli_lines.c builds with 16, so that a few KB
 * of input reach the buffer's bound and every state between reads) */
#ifndef CLI_LINES_CHUNK
#define CLI_LINES_CHUNK (64 * 1024)
#endif
#define CHUNK ((size_t)CLI_LINES_CHUNK)

int cli_lines_open(cli_lines *r, const char *path, size_t limit, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->limit = limit;
    int fd;
    const char *what = "cannot read --payloads from standard input";
    if (!strcmp(path, "-")) {
        fd = STDIN_FILENO;
        if (fcntl(fd, F_GETFD) < 0) {
            snprintf(err, errlen, "%s: %s", what, strerror(errno));
            return -1;
        }
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "cannot read --payloads file '%s': %s", path, strerror(errno));
            return -1;
        }
        r->owned = 1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (r->owned) {
            snprintf(err, errlen, "cannot read --payloads file '%s': %s", path, strerror(EISDIR));
            close(fd);
        } else {
            snprintf(err, errlen, "%s: %s", what, strerror(EISDIR));
        }
        return -1;
    }
    r->fd = fd;
    return 0;
}

void cli_lines_close(cli_lines *r) {
    if (r->owned && r->fd >= 0) close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* Drops buf[from, to) of the buffered data. */
static void cut(cli_lines *r, size_t from, size_t to) {
    memmove(r->buf + from, r->buf + to, r->len - to);
    r->len -= to - from;
}

/* The newline ending the next buffered line, or NULL when there is none. */
static char *next_newline(const cli_lines *r) {
    size_t from = r->scanned > r->start ? r->scanned : r->start;
    return from < r->len ? memchr(r->buf + from, '\n', r->len - from) : NULL;
}

int cli_lines_fill(cli_lines *r) {
    if (r->eof) return 0;
    /* The contract: called only when no whole line is buffered. Refuse
     * rather than grow past the bound or read over the end if a caller
     * breaks it (a whole line waiting means there is nothing to read yet). */
    if (r->buf && next_newline(r)) return 1;
    if (r->start) { /* only the partial line is left: move it to the front */
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->scanned = r->scanned > r->start ? r->scanned - r->start : 0;
        r->start = 0;
    }
    if (r->cap - r->len < CHUNK) { /* doubling, up to limit + 2 + CHUNK */
        size_t cap = r->cap * 2 > r->len + CHUNK ? r->cap * 2 : r->len + CHUNK;
        if (cap > r->limit + 2 + CHUNK) cap = r->limit + 2 + CHUNK;
        char *nb = realloc(r->buf, cap);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = nb;
        r->cap = cap;
    }
    size_t room = r->cap - r->len; /* never more than the buffer holds */
    if (room > CHUNK) room = CHUNK;
    if (room == 0) { /* cannot happen: a partial line is cut at limit + 2 */
        errno = ENOBUFS;
        return -1;
    }
    ssize_t n;
    do n = read(r->fd, r->buf + r->len, room);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    size_t old = r->len;
    r->len += (size_t)n;
    char *nl = memchr(r->buf + old, '\n', (size_t)n);
    size_t line_end = nl ? (size_t)(nl - r->buf) : r->len; /* end of the partial line */
    /* the partial line starts at buf[0] (moved there above; no whole line
     * was buffered) */
    if (r->skipping) { /* the partial line was already cut: drop what follows */
        cut(r, old, line_end);
        if (nl) r->skipping = 0;
    } else if (line_end > r->limit + 2) {
        cut(r, r->limit + 2, line_end);
        if (!nl) r->skipping = 1;
    }
    if (!nl) r->scanned = r->len; /* no newline before the end: don't search again */
    return 1;
}

int cli_lines_next(cli_lines *r, const char **line, size_t *len) {
    if (!r->buf) return 0; /* nothing read yet (no arithmetic on NULL) */
    size_t avail = r->len - r->start;
    char *p = r->buf + r->start;
    char *nl = next_newline(r);
    size_t n;
    if (nl) {
        n = (size_t)(nl - p);
        r->start += n + 1;
    } else if (r->eof && avail) {
        n = avail; /* the last line has no newline */
        r->start = r->len;
    } else {
        return 0;
    }
    if (n && p[n - 1] == '\r') n--;
    r->lineno++;
    *line = p;
    *len = n;
    return 1;
}

int cli_lines_done(const cli_lines *r) { return r->eof && r->start == r->len; }
