/*
 * creds_util.c — small helpers shared by the credential providers: filling
 * and clearing a sqlambda_creds, RFC 3339 times, reading token files.
 */
#include "creds_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sqlambda_wipe_free(char *s) {
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void sqlambda_creds_clear(sqlambda_creds *c) {
    if (!c) return;
    free(c->access_key_id);
    sqlambda_wipe_free(c->secret_access_key);
    sqlambda_wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

int sqlambda_creds_set(sqlambda_creds *out, const char *akid, const char *secret,
                       const char *token, time_t expiration, const char *source) {
    memset(out, 0, sizeof *out);
    out->access_key_id = strdup(akid);
    out->secret_access_key = strdup(secret);
    out->session_token = token && *token ? strdup(token) : NULL;
    out->expiration = expiration;
    out->source = source;
    if (!out->access_key_id || !out->secret_access_key || (token && *token && !out->session_token)) {
        sqlambda_creds_clear(out);
        return -1;
    }
    return 0;
}

static int digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

int sqlambda_parse_rfc3339(const char *s, time_t *out) {
    struct tm tm = {0};
    int y, mo, d, h, mi, se;
    const char *p = s;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
        digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &se))
        return -1;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++) {
        }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om)) return -1;
        off = sign * (oh * 3600L + om * 60L);
    } else {
        return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = timegm(&tm) - off;
    return 0;
}

char *sqlambda_read_small_file(const char *path, size_t cap) {
    /* Non-blocking open and a regular file only: a FIFO or device named by a
     * token or cache path would otherwise block the read past every timeout
     * (errno EINVAL, "not a regular file" to callers that say why). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return NULL;
    }
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        errno = ENOMEM;
        return NULL;
    }
    size_t n = fread(buf, 1, cap, f);
    int toolong = fgetc(f) != EOF;
    fclose(f);
    if (toolong) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    while (n && isspace((unsigned char)buf[n - 1])) n--;
    buf[n] = 0;
    return buf;
}

long sqlambda_creds_timeout(const creds_ctx *ctx, long dflt) {
    return ctx && ctx->timeout_ms > 0 ? ctx->timeout_ms : dflt;
}

long sqlambda_creds_chain_bound(long timeout_ms) {
    /* one of process / web identity / container runs (each stops the chain
     * when configured), else instance metadata's requests */
    creds_ctx c = {.timeout_ms = timeout_ms};
    long b = sqlambda_creds_timeout(&c, CREDS_PROCESS_TIMEOUT_MS);
    long s = sqlambda_creds_timeout(&c, CREDS_STS_TIMEOUT_MS);
    long k = sqlambda_creds_timeout(&c, CREDS_CONTAINER_TIMEOUT_MS);
    long i = CREDS_IMDS_REQUESTS * sqlambda_creds_timeout(&c, CREDS_IMDS_TIMEOUT_MS);
    if (s > b) b = s;
    if (k > b) b = k;
    if (i > b) b = i;
    return b;
}

int sqlambda_creds_http_code(const sqlambda_http_response *r) {
    if (r->failure == SQLAMBDA_E_CANCELLED) return CREDS_CANCELLED;
    if (r->failure == SQLAMBDA_E_TIMEOUT) return CREDS_TIMEOUT;
    return CREDS_ERROR;
}
