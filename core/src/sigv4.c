/*
 * sigv4.c — AWS Signature Version 4 (header signing) on OpenSSL libcrypto:
 * canonical request (path normalization and double encoding as botocore
 * does for non-S3 services, canonical query, canonical headers), string to
 * sign, derived key and the Authorization header value.
 */
#include "internal.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encodes n bytes (RFC 3986 unreserved kept; '/' kept if keep_slash). */
static int uri_encode(sqlambda_buf *b, const char *s, size_t n, int keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            if (sqlambda_buf_append(b, &s[i], 1)) return -1;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (sqlambda_buf_append(b, e, 3)) return -1;
        }
    }
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes (invalid escapes stay literal), then encodes. */
static int query_component(sqlambda_buf *b, const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
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
    const char **seg = malloc((n / 2 + 2) * sizeof *seg);
    size_t *len = malloc((n / 2 + 2) * sizeof *len);
    if (!seg || !len) {
        free(seg);
        free(len);
        return -1;
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
    int rc = 0;
    if (path[0] == '/') rc |= sqlambda_buf_append(out, "/", 1);
    for (size_t i = 0; i < nseg; i++) {
        if (i) rc |= sqlambda_buf_append(out, "/", 1);
        rc |= sqlambda_buf_append(out, seg[i], len[i]);
    }
    if (nseg && path[n - 1] == '/') rc |= sqlambda_buf_append(out, "/", 1);
    /* botocore: a path ending in '/' keeps it even when everything resolved away */
    if (!out->len || (path[n - 1] == '/' && out->data[out->len - 1] != '/'))
        rc |= sqlambda_buf_append(out, "/", 1);
    free(seg);
    free(len);
    return rc ? -1 : 0;
}

static int canonical_uri(sqlambda_buf *b, const sqlambda_sigv4_request *r) {
    const char *path = r->path && *r->path ? r->path : "/";
    sqlambda_buf norm = {0};
    int rc = 0;
    if (r->normalize_path) {
        rc = normalize_path(&norm, path);
        path = norm.data;
    }
    if (!rc) rc = r->double_encode_path ? uri_encode(b, path, strlen(path), 1)
                                        : sqlambda_buf_append(b, path, strlen(path));
    sqlambda_buf_free(&norm);
    return rc;
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
        for (size_t i = 0; i < np && !rc; i++)
            rc = sqlambda_buf_printf(b, "%s%s=%s", i ? "&" : "", pairs[i].k, pairs[i].v);
    }
    for (size_t i = 0; i < np; i++) {
        free(pairs[i].k);
        free(pairs[i].v);
    }
    free(pairs);
    return rc;
}

typedef struct { char *name; const char *value; size_t order; } hdr;

static int hdr_cmp(const void *a, const void *b) {
    const hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Value trimmed, inner whitespace runs collapsed to one space (botocore). */
static int header_value(sqlambda_buf *b, const char *v) {
    int pending = 0, any = 0;
    for (; v && *v; v++) {
        if (is_ws(*v)) {
            pending = any;
            continue;
        }
        if (pending && sqlambda_buf_append(b, " ", 1)) return -1;
        if (sqlambda_buf_append(b, v, 1)) return -1;
        pending = 0;
        any = 1;
    }
    return 0;
}

/* Appends canonical headers to b and the signed header list to sh. */
static int canonical_headers(sqlambda_buf *b, sqlambda_buf *sh, const sqlambda_header *h,
                             size_t n) {
    hdr *hs = calloc(n ? n : 1, sizeof *hs);
    if (!hs) return -1;
    int rc = 0;
    size_t m = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *s = h[i].name ? h[i].name : "";
        while (is_ws(*s)) s++;
        size_t l = strlen(s);
        while (l && is_ws(s[l - 1])) l--;
        if (!l) continue;
        char *nm = strndup(s, l);
        if (!nm) { rc = -1; break; }
        for (char *c = nm; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        hs[m++] = (hdr){nm, h[i].value, i};
    }
    if (!rc) qsort(hs, m, sizeof *hs, hdr_cmp);
    for (size_t i = 0; i < m && !rc; i++) {
        int first = i == 0 || strcmp(hs[i].name, hs[i - 1].name) != 0;
        if (first) {
            if (i) rc |= sqlambda_buf_append(b, "\n", 1) | sqlambda_buf_append(sh, ";", 1);
            rc |= sqlambda_buf_printf(b, "%s:", hs[i].name);
            rc |= sqlambda_buf_append(sh, hs[i].name, strlen(hs[i].name));
        } else {
            rc |= sqlambda_buf_append(b, ",", 1);
        }
        rc |= header_value(b, hs[i].value);
    }
    if (m) rc |= sqlambda_buf_append(b, "\n", 1);
    rc |= sqlambda_buf_append(sh, "", 0);
    for (size_t i = 0; i < m; i++) free(hs[i].name);
    free(hs);
    return rc ? -1 : 0;
}

static int sha256_hex(const void *p, size_t n, char out[65]) {
    unsigned char md[32];
    unsigned int ml = 0;
    if (!EVP_Digest(p, n, md, &ml, EVP_sha256(), NULL) || ml != 32) return -1;
    sqlambda_hex(md, 32, out);
    return 0;
}

static int hmac(const void *key, size_t kl, const void *d, size_t dl, unsigned char out[32]) {
    unsigned int ol = 0;
    return HMAC(EVP_sha256(), key, (int)kl, d, dl, out, &ol) && ol == 32 ? 0 : -1;
}

static int valid_date(const char *d) {
    if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z') return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (d[i] < '0' || d[i] > '9')) return 0;
    return 1;
}

int sqlambda_sigv4_sign(const sqlambda_sigv4_request *req, const sqlambda_sigv4_credentials *cr,
                        char *authorization, size_t authlen, char **canonical_request,
                        char **string_to_sign) {
    if (canonical_request) *canonical_request = NULL;
    if (string_to_sign) *string_to_sign = NULL;
    if (!req || !cr || !cr->access_key_id || !cr->secret_access_key || !req->method ||
        !req->region || !*req->region || !req->service || !*req->service ||
        !valid_date(req->amz_date) || (req->nheaders && !req->headers) ||
        (req->body_len && !req->body))
        return -1;
    sqlambda_buf creq = {0}, sh = {0}, sts = {0}, key = {0};
    char phash[65], chash[65], sig[65];
    int rc = 0;
    if (req->payload_hash) {
        if (strlen(req->payload_hash) != 64) return -1;
        memcpy(phash, req->payload_hash, 65);
    } else {
        rc |= sha256_hex(req->body ? req->body : "", req->body_len, phash);
    }
    rc |= sqlambda_buf_printf(&creq, "%s\n", req->method);
    rc |= canonical_uri(&creq, req);
    rc |= sqlambda_buf_append(&creq, "\n", 1);
    rc |= canonical_query(&creq, req->query);
    rc |= sqlambda_buf_append(&creq, "\n", 1);
    rc |= canonical_headers(&creq, &sh, req->headers, req->nheaders);
    if (!rc) rc |= sqlambda_buf_printf(&creq, "\n%s\n%s", sh.data, phash);
    if (!rc) rc |= sha256_hex(creq.data, creq.len, chash);
    char date8[9];
    memcpy(date8, req->amz_date, 8);
    date8[8] = '\0';
    if (!rc)
        rc |= sqlambda_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
                                  req->amz_date, date8, req->region, req->service, chash);
    unsigned char k[32];
    if (!rc) rc |= sqlambda_buf_printf(&key, "AWS4%s", cr->secret_access_key);
    if (!rc) {
        rc |= hmac(key.data, key.len, date8, 8, k);
        rc |= hmac(k, 32, req->region, strlen(req->region), k);
        rc |= hmac(k, 32, req->service, strlen(req->service), k);
        rc |= hmac(k, 32, "aws4_request", 12, k);
        rc |= hmac(k, 32, sts.data, sts.len, k);
        sqlambda_hex(k, 32, sig);
    }
    OPENSSL_cleanse(k, sizeof k);
    if (key.data) OPENSSL_cleanse(key.data, key.len);
    sqlambda_buf_free(&key);
    if (!rc && authorization) {
        int n = snprintf(authorization, authlen,
                         "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                         "SignedHeaders=%s, Signature=%s",
                         cr->access_key_id, date8, req->region, req->service, sh.data, sig);
        if (n < 0 || (size_t)n >= authlen) rc = -1;
    }
    if (!rc && canonical_request) {
        *canonical_request = creq.data;
        creq.data = NULL;
    }
    if (!rc && string_to_sign) {
        *string_to_sign = sts.data;
        sts.data = NULL;
    }
    sqlambda_buf_free(&creq);
    sqlambda_buf_free(&sh);
    sqlambda_buf_free(&sts);
    return rc ? -1 : 0;
}
