/*
 * sigv4_canonical.c — SigV4's canonical request: method, canonical URI
 * (path normalization and double encoding as botocore does for non-S3
 * services), canonical query, canonical headers, signed header list and
 * payload hash. Appends into caller-owned buffers, so a signer that keeps
 * its buffers builds it without allocating; small inputs use stack arrays.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define STACK_SEGMENTS 64
#define STACK_HEADERS 32

static int is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encodes n bytes (RFC 3986 unreserved kept; '/' kept if keep_slash). */
static int uri_encode(sqlambda_buf *b, const char *s, size_t n, int keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    if (n > ((size_t)-1) / 4 || sqlambda_buf_reserve(b, 3 * n)) return -1;
    char *o = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* Decodes %XX escapes (invalid escapes stay literal), then encodes. */
static int query_component(sqlambda_buf *b, const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && sqlambda_hexval(s[i + 1]) >= 0 && sqlambda_hexval(s[i + 2]) >= 0) {
            d[k++] = (char)(sqlambda_hexval(s[i + 1]) * 16 + sqlambda_hexval(s[i + 2]));
            i += 2;
        } else {
            d[k++] = s[i];
        }
    }
    int rc = uri_encode(b, d, k, 0);
    free(d);
    return rc;
}

/* botocore's remove_dot_segments: drops "", "." and resolves "..", keeping a
 * leading '/' and a trailing '/' when the input had them. */
static int normalize_path(sqlambda_buf *out, const char *path) {
    size_t n = strlen(path);
    const char *seg_stack[STACK_SEGMENTS];
    size_t len_stack[STACK_SEGMENTS];
    const char **seg = seg_stack;
    size_t *len = len_stack;
    if (n / 2 + 2 > STACK_SEGMENTS) {
        seg = malloc((n / 2 + 2) * sizeof *seg);
        len = malloc((n / 2 + 2) * sizeof *len);
        if (!seg || !len) {
            free(seg);
            free(len);
            return -1;
        }
    }
    size_t nseg = 0;
    const char *p = path;
    while (1) {
        const char *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg) nseg--;
        } else if (l && !(l == 1 && p[0] == '.')) {
            seg[nseg] = p;
            len[nseg++] = l;
        }
        if (!slash) break;
        p = slash + 1;
    }
    size_t start = out->len;
    int rc = 0;
    if (path[0] == '/') rc |= sqlambda_buf_append(out, "/", 1);
    for (size_t i = 0; i < nseg; i++) {
        if (i) rc |= sqlambda_buf_append(out, "/", 1);
        rc |= sqlambda_buf_append(out, seg[i], len[i]);
    }
    if (nseg && path[n - 1] == '/') rc |= sqlambda_buf_append(out, "/", 1);
    /* botocore: a path ending in '/' keeps it even when everything resolved away */
    if (!rc && (out->len == start || (path[n - 1] == '/' && out->data[out->len - 1] != '/')))
        rc |= sqlambda_buf_append(out, "/", 1);
    if (seg != seg_stack) {
        free(seg);
        free(len);
    }
    return rc ? -1 : 0;
}

/* The canonical URI, normalized in scratch first when asked. */
static int canonical_uri(sqlambda_buf *b, sqlambda_buf *scratch, const sqlambda_sigv4_request *r) {
    const char *path = r->path && *r->path ? r->path : "/";
    size_t n = strlen(path);
    if (r->normalize_path) {
        scratch->len = 0;
        if (normalize_path(scratch, path)) return -1;
        path = scratch->data;
        n = scratch->len;
    }
    return r->double_encode_path ? uri_encode(b, path, n, 1) : sqlambda_buf_append(b, path, n);
}

typedef struct { char *k, *v; } qpair;

static int qpair_cmp(const void *a, const void *b) {
    const qpair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

static int canonical_query(sqlambda_buf *b, const char *q) {
    if (!q || !*q) return 0;
    size_t cap = 1;
    for (const char *p = q; *p; p++) cap += *p == '&';
    qpair *pairs = calloc(cap, sizeof *pairs);
    if (!pairs) return -1;
    size_t np = 0;
    int rc = 0;
    const char *p = q;
    while (!rc) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        if (l) {
            const char *eq = memchr(p, '=', l);
            size_t kl = eq ? (size_t)(eq - p) : l;
            sqlambda_buf kb = {0}, vb = {0};
            rc |= query_component(&kb, p, kl);
            rc |= eq ? query_component(&vb, eq + 1, l - kl - 1) : 0;
            rc |= sqlambda_buf_append(&kb, "", 0) | sqlambda_buf_append(&vb, "", 0);
            pairs[np].k = kb.data;
            pairs[np++].v = vb.data;
        }
        if (!amp) break;
        p = amp + 1;
    }
    if (!rc) {
        qsort(pairs, np, sizeof *pairs, qpair_cmp);
        for (size_t i = 0; i < np && !rc; i++) {
            if (i) rc |= sqlambda_buf_append(b, "&", 1);
            rc |= sqlambda_buf_append(b, pairs[i].k, strlen(pairs[i].k));
            rc |= sqlambda_buf_append(b, "=", 1);
            rc |= sqlambda_buf_append(b, pairs[i].v, strlen(pairs[i].v));
        }
    }
    for (size_t i = 0; i < np; i++) {
        free(pairs[i].k);
        free(pairs[i].v);
    }
    free(pairs);
    return rc ? -1 : 0;
}

typedef struct { const char *name; const char *value; size_t order; } hdrp;

static int hdr_cmp(const void *a, const void *b) {
    const hdrp *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Value trimmed, inner whitespace runs collapsed to one space (botocore). */
static int header_value(sqlambda_buf *b, const char *v) {
    if (!v) return 0;
    size_t n = strlen(v);
    if (sqlambda_buf_reserve(b, n)) return -1;
    char *o = b->data + b->len;
    int pending = 0, any = 0;
    for (; *v; v++) {
        if (is_ws(*v)) {
            pending = any;
            continue;
        }
        if (pending) *o++ = ' ';
        *o++ = *v;
        pending = 0;
        any = 1;
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* Appends canonical headers to b and the signed header list to sh; the
 * lowercased names are kept in names (scratch). */
static int canonical_headers(sqlambda_buf *b, sqlambda_buf *sh, sqlambda_buf *names,
                             const sqlambda_header *h, size_t n) {
    hdrp stack[STACK_HEADERS];
    hdrp *hs = n <= STACK_HEADERS ? stack : calloc(n, sizeof *hs);
    if (!hs) return -1;
    int rc = 0;
    size_t m = 0;
    names->len = 0;
    /* lowercase every name into one buffer first (it may move while growing) */
    size_t offs_stack[STACK_HEADERS];
    size_t *offs = n <= STACK_HEADERS ? offs_stack : calloc(n, sizeof *offs);
    if (!offs) rc = -1;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *s = h[i].name ? h[i].name : "";
        while (is_ws(*s)) s++;
        size_t l = strlen(s);
        while (l && is_ws(s[l - 1])) l--;
        if (!l) continue;
        offs[m] = names->len;
        if (sqlambda_buf_append(names, s, l + 1)) { /* keeps the NUL as separator */
            rc = -1;
            break;
        }
        names->data[names->len - 1] = '\0';
        for (char *c = names->data + offs[m]; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        hs[m++] = (hdrp){NULL, h[i].value, i};
    }
    for (size_t i = 0; i < m && !rc; i++) hs[i].name = names->data + offs[i];
    if (!rc) qsort(hs, m, sizeof *hs, hdr_cmp);
    for (size_t i = 0; i < m && !rc; i++) {
        int first = i == 0 || strcmp(hs[i].name, hs[i - 1].name) != 0;
        size_t nl = strlen(hs[i].name);
        if (first) {
            if (i) rc |= sqlambda_buf_append(b, "\n", 1) | sqlambda_buf_append(sh, ";", 1);
            rc |= sqlambda_buf_append(b, hs[i].name, nl);
            rc |= sqlambda_buf_append(b, ":", 1);
            rc |= sqlambda_buf_append(sh, hs[i].name, nl);
        } else {
            rc |= sqlambda_buf_append(b, ",", 1);
        }
        rc |= header_value(b, hs[i].value);
    }
    if (m) rc |= sqlambda_buf_append(b, "\n", 1);
    rc |= sqlambda_buf_append(sh, "", 0);
    if (hs != stack) free(hs);
    if (offs != offs_stack) free(offs);
    return rc ? -1 : 0;
}

int sqlambda_sigv4_canonical_request(const sqlambda_sigv4_request *req, const char *payload_hash,
                                     sqlambda_buf *creq, sqlambda_buf *sh, sqlambda_buf *scratch) {
    int rc = 0;
    creq->len = sh->len = 0;
    rc |= sqlambda_buf_append(creq, req->method, strlen(req->method));
    rc |= sqlambda_buf_append(creq, "\n", 1);
    rc |= canonical_uri(creq, scratch, req);
    rc |= sqlambda_buf_append(creq, "\n", 1);
    rc |= canonical_query(creq, req->query);
    rc |= sqlambda_buf_append(creq, "\n", 1);
    rc |= canonical_headers(creq, sh, scratch, req->headers, req->nheaders);
    if (rc) return -1;
    rc |= sqlambda_buf_append(creq, "\n", 1);
    rc |= sqlambda_buf_append(creq, sh->data, sh->len);
    rc |= sqlambda_buf_append(creq, "\n", 1);
    rc |= sqlambda_buf_append(creq, payload_hash, 64);
    return rc ? -1 : 0;
}
