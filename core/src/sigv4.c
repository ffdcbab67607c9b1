/*
 * sigv4.c — AWS Signature Version 4 (header signing) on OpenSSL libcrypto:
 * SHA-256 and HMAC-SHA256 with the algorithms fetched once per process, the
 * string to sign and the Authorization header value. A signer (one per
 * client: not shared between threads) keeps its digest context, buffers and
 * the derived signing key, derived again only when access key id + secret
 * hash, date, region or service change, as the AWS SDKs cache it. The
 * canonical request is built by sigv4_canonical.c.
 */
#include "internal.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sqlambda_sigv4_signer {
    unsigned char key_id[32]; /* SHA-256 of akid, secret, date, region, service */
    int keyed;                /* mac holds the signing key for key_id */
    unsigned long derivations; /* signing keys derived so far (tests) */
    EVP_MAC_CTX *mac;
    EVP_MD_CTX *md;
    sqlambda_buf creq, sh, sts, scratch;
};

/* Fetched once per process and only read afterwards (no mutable state). */
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static EVP_MAC *hmac_alg;

static void fetch_algs(void) {
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* Creates the signer's contexts on first use. */
static int signer_ready(sqlambda_sigv4_signer *s) {
    pthread_once(&algs_once, fetch_algs);
    if (!sha256_md || !hmac_alg) return -1;
    if (!s->md && !(s->md = EVP_MD_CTX_new())) return -1;
    if (!s->mac && !(s->mac = EVP_MAC_CTX_new(hmac_alg))) return -1;
    return 0;
}

sqlambda_sigv4_signer *sqlambda_sigv4_signer_new(void) {
    return calloc(1, sizeof(sqlambda_sigv4_signer));
}

static void signer_clear(sqlambda_sigv4_signer *s) {
    EVP_MAC_CTX_free(s->mac); /* cleanses the key */
    EVP_MD_CTX_free(s->md);
    sqlambda_buf_free(&s->creq);
    sqlambda_buf_free(&s->sh);
    sqlambda_buf_free(&s->sts);
    sqlambda_buf_free(&s->scratch);
    OPENSSL_cleanse(s, sizeof *s);
}

void sqlambda_sigv4_signer_free(sqlambda_sigv4_signer *s) {
    if (!s) return;
    signer_clear(s);
    free(s);
}

static int sha256(sqlambda_sigv4_signer *s, const void *p, size_t n, unsigned char out[32]) {
    unsigned int ml = 0;
    return EVP_DigestInit_ex2(s->md, sha256_md, NULL) && EVP_DigestUpdate(s->md, p, n) &&
                   EVP_DigestFinal_ex(s->md, out, &ml) && ml == 32
               ? 0
               : -1;
}

/* HMAC with a new key (params name the digest), or the last key (key NULL). */
static int hmac(sqlambda_sigv4_signer *s, const void *key, size_t kl, const void *d, size_t dl,
                unsigned char out[32]) {
    size_t ol = 0;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    return EVP_MAC_init(s->mac, key, kl, key ? params : NULL) && EVP_MAC_update(s->mac, d, dl) &&
                   EVP_MAC_final(s->mac, out, &ol, 32) && ol == 32
               ? 0
               : -1;
}

/* key_id for these credentials and scope; NUL separators keep it unambiguous. */
static int scope_id(sqlambda_sigv4_signer *s, const sqlambda_sigv4_credentials *cr,
                    const char *date8, const sqlambda_sigv4_request *req, unsigned char out[32]) {
    const char *parts[] = {cr->access_key_id, cr->secret_access_key, date8, req->region,
                           req->service};
    unsigned int ml = 0;
    if (!EVP_DigestInit_ex2(s->md, sha256_md, NULL)) return -1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!EVP_DigestUpdate(s->md, parts[i], strlen(parts[i]) + 1)) return -1;
    return EVP_DigestFinal_ex(s->md, out, &ml) && ml == 32 ? 0 : -1;
}

/* Derives kSigning = HMAC chain over date, region, service, "aws4_request"
 * and leaves s->mac keyed with it. */
static int derive_key(sqlambda_sigv4_signer *s, const sqlambda_sigv4_credentials *cr,
                      const char *date8, const sqlambda_sigv4_request *req) {
    size_t sl = strlen(cr->secret_access_key);
    char stack[256];
    char *k0 = sl + 5 <= sizeof stack ? stack : malloc(sl + 5);
    if (!k0) return -1;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, cr->secret_access_key, sl + 1);
    unsigned char k[32];
    int rc = hmac(s, k0, sl + 4, date8, 8, k);
    rc |= hmac(s, k, 32, req->region, strlen(req->region), k);
    rc |= hmac(s, k, 32, req->service, strlen(req->service), k);
    rc |= hmac(s, k, 32, "aws4_request", 12, k);
    /* key the context with kSigning; each signature then reinitializes it */
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!rc && !EVP_MAC_init(s->mac, k, sizeof k, params)) rc = -1;
    OPENSSL_cleanse(k0, sl + 5);
    OPENSSL_cleanse(k, sizeof k);
    if (k0 != stack) free(k0);
    return rc;
}

static int valid_date(const char *d) {
    if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z') return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (d[i] < '0' || d[i] > '9')) return 0;
    return 1;
}

/* Appends the pieces (NULL-terminated list) to out; -1 if they do not fit. */
static int join(char *out, size_t cap, const char *const *parts) {
    size_t n = 0;
    for (; *parts; parts++) {
        size_t l = strlen(*parts);
        if (n + l >= cap) return -1;
        memcpy(out + n, *parts, l);
        n += l;
    }
    out[n] = '\0';
    return 0;
}

static int sign_with(sqlambda_sigv4_signer *s, const sqlambda_sigv4_request *req,
                     const sqlambda_sigv4_credentials *cr, char *authorization, size_t authlen) {
    if (!req || !cr || !cr->access_key_id || !cr->secret_access_key || !req->method ||
        !req->region || !*req->region || !req->service || !*req->service ||
        !valid_date(req->amz_date) || (req->nheaders && !req->headers) ||
        (req->body_len && !req->body))
        return -1;
    if (signer_ready(s)) return -1;
    char phash[65], chash[65], sig[65], date8[9];
    unsigned char md[32];
    if (req->payload_hash) {
        if (strlen(req->payload_hash) != 64) return -1;
        memcpy(phash, req->payload_hash, 65);
    } else {
        if (sha256(s, req->body ? req->body : "", req->body_len, md)) return -1;
        sqlambda_hex(md, 32, phash);
    }
    if (sqlambda_sigv4_canonical_request(req, phash, &s->creq, &s->sh, &s->scratch)) return -1;
    if (sha256(s, s->creq.data, s->creq.len, md)) return -1;
    sqlambda_hex(md, 32, chash);
    memcpy(date8, req->amz_date, 8);
    date8[8] = '\0';
    const char *scope[] = {date8, "/", req->region, "/", req->service, "/aws4_request", NULL};
    sqlambda_buf *t = &s->sts;
    t->len = 0;
    int rc = sqlambda_buf_append(t, "AWS4-HMAC-SHA256\n", 17);
    rc |= sqlambda_buf_append(t, req->amz_date, 16);
    rc |= sqlambda_buf_append(t, "\n", 1);
    for (size_t i = 0; scope[i]; i++) rc |= sqlambda_buf_append(t, scope[i], strlen(scope[i]));
    rc |= sqlambda_buf_append(t, "\n", 1);
    rc |= sqlambda_buf_append(t, chash, 64);
    if (rc) return -1;
    unsigned char id[32];
    if (scope_id(s, cr, date8, req, id)) return -1;
    if (!s->keyed || CRYPTO_memcmp(id, s->key_id, sizeof id) != 0) {
        s->keyed = 0;
        if (derive_key(s, cr, date8, req)) return -1;
        memcpy(s->key_id, id, sizeof id);
        s->keyed = 1;
        s->derivations++;
    }
    if (hmac(s, NULL, 0, t->data, t->len, md)) return -1;
    sqlambda_hex(md, 32, sig);
    if (!authorization) return 0;
    const char *auth[] = {"AWS4-HMAC-SHA256 Credential=", cr->access_key_id, "/", date8, "/",
                          req->region, "/", req->service, "/aws4_request, SignedHeaders=",
                          s->sh.data, ", Signature=", sig, NULL};
    return join(authorization, authlen, auth);
}

int sqlambda_sigv4_sign_with(sqlambda_sigv4_signer *s, const sqlambda_sigv4_request *req,
                             const sqlambda_sigv4_credentials *cr, char *authorization,
                             size_t authlen) {
    if (!s) return -1;
    int rc = sign_with(s, req, cr, authorization, authlen);
    if (rc) s->keyed = 0;
    return rc;
}

unsigned long sqlambda_sigv4_signer_derivations(const sqlambda_sigv4_signer *s) {
    return s ? s->derivations : 0;
}

int sqlambda_sigv4_sign(const sqlambda_sigv4_request *req, const sqlambda_sigv4_credentials *cr,
                        char *authorization, size_t authlen, char **canonical_request,
                        char **string_to_sign) {
    if (canonical_request) *canonical_request = NULL;
    if (string_to_sign) *string_to_sign = NULL;
    sqlambda_sigv4_signer s;
    memset(&s, 0, sizeof s);
    int rc = sign_with(&s, req, cr, authorization, authlen);
    if (!rc && canonical_request) {
        *canonical_request = s.creq.data;
        s.creq.data = NULL;
    }
    if (!rc && string_to_sign) {
        *string_to_sign = s.sts.data;
        s.sts.data = NULL;
    }
    signer_clear(&s);
    return rc;
}
