/*
 * sigv4_verify.c — checks a received request's SigV4 Authorization header
 * (used by the local runtime's `--credentials` mode): parses the header,
 * looks up the secret, re-signs over the signed headers only and compares
 * in constant time. Errors never contain the secret or the expected
 * signature.
 */
#include "internal.h"
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALG "AWS4-HMAC-SHA256"

typedef struct {
    char akid[129], date[9], region[64], service[64];
    char *signed_headers; /* malloc'd */
    char signature[65];
} parsed_auth;

static const char *find_header(const sqlambda_sigv4_request *r, const char *name) {
    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value ? r->headers[i].value : "";
    return NULL;
}

/* Copies the n-byte field into out (cap bytes); -1 if it does not fit or is empty. */
static int take(char *out, size_t cap, const char *s, size_t n) {
    if (!n || n >= cap) return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static int parse_credential(parsed_auth *a, const char *s, size_t n, char *err, size_t errlen) {
    const char *f[5];
    size_t fl[5];
    size_t k = 0;
    const char *p = s, *end = s + n;
    while (k < 5) {
        const char *sl = memchr(p, '/', (size_t)(end - p));
        f[k] = p;
        fl[k++] = sl ? (size_t)(sl - p) : (size_t)(end - p);
        if (!sl) break;
        p = sl + 1;
    }
    if (k != 5 || f[4] + fl[4] != end || fl[4] != 12 || memcmp(f[4], "aws4_request", 12) != 0) {
        sqlambda_fmt(err, errlen, "malformed Credential: expected "
                                  "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request");
        return -1;
    }
    if (take(a->akid, sizeof a->akid, f[0], fl[0]) || take(a->date, sizeof a->date, f[1], fl[1]) ||
        fl[1] != 8 || take(a->region, sizeof a->region, f[2], fl[2]) ||
        take(a->service, sizeof a->service, f[3], fl[3])) {
        sqlambda_fmt(err, errlen, "malformed Credential: empty or oversize access key, date "
                                  "(YYYYMMDD), region or service");
        return -1;
    }
    for (int i = 0; i < 8; i++)
        if (a->date[i] < '0' || a->date[i] > '9') {
            sqlambda_fmt(err, errlen, "malformed Credential: date \"%s\" is not YYYYMMDD", a->date);
            return -1;
        }
    return 0;
}

static int parse_auth(const char *auth, parsed_auth *a, char *err, size_t errlen) {
    size_t al = strlen(ALG);
    if (strncmp(auth, ALG, al) != 0 || (auth[al] != ' ' && auth[al] != '\t')) {
        sqlambda_fmt(err, errlen, "Authorization header is not " ALG " (only SigV4 header "
                                  "signing is supported)");
        return -1;
    }
    int have_c = 0, have_h = 0, have_s = 0;
    const char *p = auth + al;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) break;
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (n > 11 && strncmp(p, "Credential=", 11) == 0 && !have_c) {
            if (parse_credential(a, p + 11, n - 11, err, errlen)) return -1;
            have_c = 1;
        } else if (n > 14 && strncmp(p, "SignedHeaders=", 14) == 0 && !have_h) {
            a->signed_headers = strndup(p + 14, n - 14);
            if (!a->signed_headers) {
                sqlambda_fmt(err, errlen, "out of memory");
                return -1;
            }
            have_h = 1;
        } else if (n > 10 && strncmp(p, "Signature=", 10) == 0 && !have_s) {
            if (n - 10 != 64 || strspn(p + 10, "0123456789abcdef") < 64) {
                sqlambda_fmt(err, errlen, "malformed Signature: expected 64 lowercase hex digits");
                return -1;
            }
            memcpy(a->signature, p + 10, 64);
            a->signature[64] = '\0';
            have_s = 1;
        } else {
            sqlambda_fmt(err, errlen, "unexpected or repeated component \"%.*s\" in the "
                                      "Authorization header",
                         (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        p += comma ? (size_t)(comma - p) : strlen(p);
    }
    if (!have_c || !have_h || !have_s) {
        sqlambda_fmt(err, errlen, "Authorization header lacks %s",
                     !have_c ? "Credential=" : !have_h ? "SignedHeaders=" : "Signature=");
        return -1;
    }
    return 0;
}

int sqlambda_sigv4_verify(const sqlambda_sigv4_request *req, const char *authorization,
                          sqlambda_secret_lookup_fn lookup, void *lookup_arg, char *err,
                          size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (!authorization || !*authorization) {
        sqlambda_fmt(err, errlen, "missing Authorization header");
        return SQLAMBDA_SIG_MISSING;
    }
    if (!req || (req->nheaders && !req->headers)) {
        sqlambda_fmt(err, errlen, "no request to verify");
        return SQLAMBDA_SIG_MALFORMED;
    }
    parsed_auth a;
    memset(&a, 0, sizeof a);
    int rc = SQLAMBDA_SIG_MALFORMED;
    sqlambda_header *hs = NULL;
    if (parse_auth(authorization, &a, err, errlen)) goto out;

    /* The signed headers, in the request's order, all occurrences. */
    hs = calloc(req->nheaders ? req->nheaders : 1, sizeof *hs);
    if (!hs) {
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    size_t nh = 0;
    int have_host = 0;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (char *p = a.signed_headers; *p;) {
        char *semi = strchr(p, ';');
        size_t l = semi ? (size_t)(semi - p) : strlen(p);
        int found = 0;
        if (!l) {
            sqlambda_fmt(err, errlen, "malformed SignedHeaders: empty header name");
            goto out;
        }
        /* SigV4 lists names lowercase, sorted, once each; anything else
         * could never match and must not select a header twice. */
        int order = prev ? strncmp(prev, p, prev_len < l ? prev_len : l) : -1;
        if (order > 0 || (order == 0 && prev_len >= l)) {
            sqlambda_fmt(err, errlen, "malformed SignedHeaders: names must be sorted and not "
                                      "repeated (\"%.*s\")", (int)(l > 64 ? 64 : l), p);
            goto out;
        }
        for (size_t i = 0; i < l; i++)
            if (p[i] >= 'A' && p[i] <= 'Z') {
                sqlambda_fmt(err, errlen, "malformed SignedHeaders: \"%.*s\" is not lowercase",
                             (int)(l > 64 ? 64 : l), p);
                goto out;
            }
        prev = p;
        prev_len = l;
        if (l == 4 && strncmp(p, "host", 4) == 0) have_host = 1;
        for (size_t i = 0; i < req->nheaders; i++) {
            const char *n = req->headers[i].name;
            if (n && strlen(n) == l && strncasecmp(n, p, l) == 0 && nh < req->nheaders) {
                hs[nh++] = req->headers[i];
                found = 1;
            }
        }
        if (!found) {
            sqlambda_fmt(err, errlen, "signed header \"%.*s\" is not in the request",
                         (int)(l > 64 ? 64 : l), p);
            goto out;
        }
        p += l + (semi ? 1 : 0);
    }
    if (!have_host) {
        sqlambda_fmt(err, errlen, "SignedHeaders must include host");
        goto out;
    }

    const char *amz_date = req->amz_date ? req->amz_date : find_header(req, "x-amz-date");
    if (!amz_date) {
        sqlambda_fmt(err, errlen, "missing X-Amz-Date header");
        goto out;
    }
    if (strlen(amz_date) != 16 || strncmp(amz_date, a.date, 8) != 0) {
        sqlambda_fmt(err, errlen, "X-Amz-Date \"%.20s\" does not match the credential scope "
                                  "date %s", amz_date, a.date);
        rc = SQLAMBDA_SIG_MISMATCH;
        goto out;
    }
    if (req->region && strcmp(req->region, a.region) != 0) {
        sqlambda_fmt(err, errlen, "credential scope region \"%s\" does not match the expected "
                                  "region \"%.40s\"", a.region, req->region);
        rc = SQLAMBDA_SIG_MISMATCH;
        goto out;
    }
    if (req->service && strcmp(req->service, a.service) != 0) {
        sqlambda_fmt(err, errlen, "credential scope service \"%s\" does not match the expected "
                                  "service \"%.40s\"", a.service, req->service);
        rc = SQLAMBDA_SIG_MISMATCH;
        goto out;
    }
    const char *secret = lookup ? lookup(lookup_arg, a.akid) : NULL;
    if (!secret) {
        sqlambda_fmt(err, errlen, "access key id \"%s\" is not known", a.akid);
        rc = SQLAMBDA_SIG_UNKNOWN_KEY;
        goto out;
    }
    sqlambda_sigv4_request r = *req;
    r.headers = hs;
    r.nheaders = nh;
    r.region = a.region;
    r.service = a.service;
    r.amz_date = amz_date;
    sqlambda_sigv4_credentials cr = {a.akid, secret, NULL};
    char expect[1024];
    if (sqlambda_sigv4_sign(&r, &cr, expect, sizeof expect, NULL, NULL) != 0) {
        sqlambda_fmt(err, errlen, "cannot compute the signature for this request (bad date "
                                  "or method)");
        goto out;
    }
    const char *sig = strstr(expect, "Signature=");
    if (!sig || strlen(sig + 10) != 64 || CRYPTO_memcmp(sig + 10, a.signature, 64) != 0) {
        sqlambda_fmt(err, errlen, "signature does not match: the request was changed or signed "
                                  "with another secret key");
        rc = SQLAMBDA_SIG_MISMATCH;
    } else {
        rc = SQLAMBDA_SIG_OK;
    }
    OPENSSL_cleanse(expect, sizeof expect);
out:
    free(hs);
    free(a.signed_headers);
    return rc;
}
