/*
 * test_sigv4_vectors.c — signs every case of the official SigV4 test suite
 * (core/tests/fixtures/aws-sig-v4-test-suite/v4, kept in the repository
 * with its Apache-2.0 LICENSE, walked at run time) and compares the
 * canonical request, string to sign and signature; then checks that the
 * verifier accepts each signed request and rejects it once altered; then
 * the verifier's error cases and the signer's path/query edge cases.
 */
#include "internal.h"
#include "tap.h"
#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sqlambda_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sqlambda_buf_append(&b, chunk, n);
    fclose(f);
    sqlambda_buf_append(&b, "", 0);
    if (len) *len = b.len;
    return b.data;
}

/* Percent-encodes a raw path for the wire ('/' and unreserved kept). */
static char *wire_path(const char *raw) {
    sqlambda_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            sqlambda_buf_append(&b, p, 1);
        else
            sqlambda_buf_printf(&b, "%%%02X", *p);
    }
    sqlambda_buf_append(&b, "", 0);
    return b.data;
}

typedef struct {
    char *names[32], *values[32];
    size_t n;
} hlist;

static const char *secret_for(void *arg, const char *akid) {
    const char **kv = arg;
    return strcmp(akid, kv[0]) == 0 ? kv[1] : NULL;
}

static void run_case(const char *dir, const char *name) {
    char *ctx_text = slurp(dir, "context.json", NULL);
    size_t reqlen = 0;
    char *reqtxt = slurp(dir, "request.txt", &reqlen);
    char *want_creq = slurp(dir, "header-canonical-request.txt", NULL);
    char *want_sts = slurp(dir, "header-string-to-sign.txt", NULL);
    char *want_sig = slurp(dir, "header-signature.txt", NULL);
    json_error_t je;
    json_t *ctx = ctx_text ? json_loads(ctx_text, 0, &je) : NULL;
    if (!ctx || !reqtxt || !want_creq || !want_sts || !want_sig) {
        ok(0, "%s: case files readable", name);
        goto out;
    }
    json_t *creds = json_object_get(ctx, "credentials");
    const char *akid = json_string_value(json_object_get(creds, "access_key_id"));
    const char *secret = json_string_value(json_object_get(creds, "secret_access_key"));
    const char *token = json_string_value(json_object_get(creds, "token"));
    const char *region = json_string_value(json_object_get(ctx, "region"));
    const char *service = json_string_value(json_object_get(ctx, "service"));
    const char *ts = json_string_value(json_object_get(ctx, "timestamp"));
    int normalize = json_is_true(json_object_get(ctx, "normalize"));
    int sign_body = json_is_true(json_object_get(ctx, "sign_body"));
    int omit_token = json_is_true(json_object_get(ctx, "omit_session_token"));
    char amz_date[17] = "";
    if (ts && strlen(ts) == 20) /* 2015-08-30T12:36:00Z -> 20150830T123600Z */
        snprintf(amz_date, sizeof amz_date, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", ts, ts + 5, ts + 8,
                 ts + 11, ts + 14, ts + 17);

    /* request line: METHOD SP target SP HTTP/1.1 (target may hold spaces) */
    hlist h = {0};
    char *line_end = strchr(reqtxt, '\n');
    if (!line_end) line_end = reqtxt + reqlen;
    *line_end = '\0';
    char *sp1 = strchr(reqtxt, ' '), *sp2 = strrchr(reqtxt, ' ');
    if (!sp1 || sp2 <= sp1) {
        ok(0, "%s: request line parses", name);
        goto out;
    }
    *sp1 = *sp2 = '\0';
    char *method = reqtxt, *target = sp1 + 1, *query = strchr(target, '?');
    if (query) *query++ = '\0';
    char *p = line_end < reqtxt + reqlen ? line_end + 1 : line_end;
    const char *body = "";
    while (*p) {
        char *e = strchr(p, '\n');
        if (e) *e = '\0';
        if (!*p) { body = e ? e + 1 : ""; break; }
        if ((*p == ' ' || *p == '\t') && h.n) { /* obsolete line folding */
            char *joined = malloc(strlen(h.values[h.n - 1]) + strlen(p) + 2);
            sprintf(joined, "%s %s", h.values[h.n - 1], p);
            free(h.values[h.n - 1]);
            h.values[h.n - 1] = joined;
        } else {
            char *colon = strchr(p, ':');
            if (colon && h.n < 28) {
                h.names[h.n] = strndup(p, (size_t)(colon - p));
                h.values[h.n++] = strdup(colon + 1);
            }
        }
        if (!e) break;
        p = e + 1;
    }
    h.names[h.n] = strdup("X-Amz-Date");
    h.values[h.n++] = strdup(amz_date);
    if (token && !omit_token) {
        h.names[h.n] = strdup("X-Amz-Security-Token");
        h.values[h.n++] = strdup(token);
    }
    char body_hash[65] = "";
    if (sign_body) {
        unsigned char md[32];
        unsigned int ml;
        EVP_Digest(body, strlen(body), md, &ml, EVP_sha256(), NULL);
        sqlambda_hex(md, 32, body_hash);
        h.names[h.n] = strdup("X-Amz-Content-Sha256");
        h.values[h.n++] = strdup(body_hash);
    }
    sqlambda_header hs[32];
    for (size_t i = 0; i < h.n; i++) hs[i] = (sqlambda_header){h.names[i], h.values[i]};
    /* normalize:true = non-S3: the given path is encoded (again) and dot
     * segments removed; normalize:false = S3: the wire path is used as is. */
    char *path = normalize ? strdup(target) : wire_path(target);
    sqlambda_sigv4_request r = {
        .method = method, .path = path, .query = query, .headers = hs, .nheaders = h.n,
        .body = body, .body_len = strlen(body), .region = region, .service = service,
        .amz_date = amz_date, .double_encode_path = normalize, .normalize_path = normalize};
    sqlambda_sigv4_credentials cr = {akid, secret, token};
    char auth[2048] = "";
    char *creq = NULL, *sts = NULL;
    int rc = sqlambda_sigv4_sign(&r, &cr, auth, sizeof auth, &creq, &sts);
    ok(rc == 0, "%s: signs", name);
    is_str(creq, want_creq, "canonical request");
    is_str(sts, want_sts, "string to sign");
    const char *sig = strstr(auth, "Signature=");
    while (*want_sig && strchr("\r\n ", want_sig[strlen(want_sig) - 1]))
        want_sig[strlen(want_sig) - 1] = '\0';
    is_str(sig ? sig + 10 : NULL, want_sig, "signature");

    const char *kv[2] = {akid, secret};
    char err[256];
    is_int(sqlambda_sigv4_verify(&r, auth, secret_for, kv, err, sizeof err), SQLAMBDA_SIG_OK,
           "verifier accepts the signed request");
    if (err[0]) diag("%s", err);
    sqlambda_sigv4_request bad = r;
    bad.method = strcmp(method, "GET") == 0 ? "POST" : "GET";
    is_int(sqlambda_sigv4_verify(&bad, auth, secret_for, kv, err, sizeof err),
           SQLAMBDA_SIG_MISMATCH, "verifier rejects it with another method");
    free(creq);
    free(sts);
    free(path);
    for (size_t i = 0; i < h.n; i++) {
        free(h.names[i]);
        free(h.values[i]);
    }
out:
    json_decref(ctx);
    free(ctx_text);
    free(reqtxt);
    free(want_creq);
    free(want_sts);
    free(want_sig);
}


static const char SECRET[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/* Verifier error cases: each returns the right code, names the problem,
 * and never leaks the secret or the expected signature. */
static void verify_cases(void) {
    sqlambda_header h[] = {{"Host", "lambda.us-east-1.amazonaws.com"},
                           {"X-Amz-Date", "20240102T030405Z"},
                           {"User-Agent", "not signed"}};
    sqlambda_sigv4_request r = {.method = "POST", .path = "/2015-03-31/functions/f/invocations",
                                .headers = h, .nheaders = 2, .body = "{}", .body_len = 2,
                                .region = "us-east-1", .service = "lambda",
                                .amz_date = "20240102T030405Z", .double_encode_path = 1,
                                .normalize_path = 1};
    sqlambda_sigv4_credentials cr = {"AKIDEXAMPLE", SECRET, NULL};
    char auth[1024], err[256], expect_sig[65] = "";
    ok(sqlambda_sigv4_sign(&r, &cr, auth, sizeof auth, NULL, NULL) == 0, "sign a Lambda request");
    const char *sg = strstr(auth, "Signature=");
    if (sg) snprintf(expect_sig, sizeof expect_sig, "%s", sg + 10);
    const char *kv[2] = {"AKIDEXAMPLE", SECRET};
    sqlambda_sigv4_request v = r;
    v.nheaders = 3;
    v.region = v.amz_date = NULL;
    is_int(sqlambda_sigv4_verify(&v, auth, secret_for, kv, err, sizeof err), SQLAMBDA_SIG_OK,
           "verify: unsigned extra header (User-Agent) is ignored");
    struct { const char *label, *auth; int rc; const char *want; } cases[] = {
        {"missing", NULL, SQLAMBDA_SIG_MISSING, "missing Authorization"},
        {"empty", "", SQLAMBDA_SIG_MISSING, "missing Authorization"},
        {"other scheme", "AWS AKIDEXAMPLE:abc", SQLAMBDA_SIG_MALFORMED, "not AWS4-HMAC-SHA256"},
        {"no Signature", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date",
         SQLAMBDA_SIG_MALFORMED, "lacks Signature="},
        {"bad Credential", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1, SignedHeaders=host, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "malformed Credential"},
        {"short Signature", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
         SQLAMBDA_SIG_MALFORMED, "64 lowercase hex"},
        {"unsigned host", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "must include host"},
        {"absent signed header", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "\"x-amz-security-token\" is not in the request"},
        {"repeated signed header", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;host;x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "sorted and not repeated"},
        {"unsorted signed headers", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=x-amz-date;host, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "sorted and not repeated"},
        {"uppercase signed header", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=Host;x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MALFORMED, "not lowercase"},
        {"unknown key", "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_UNKNOWN_KEY, "\"AKIDOTHER\" is not known"},
        {"scope date differs", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240103/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MISMATCH, "does not match the credential scope date"},
        {"wrong signature", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" "0000000000000000000000000000000000000000000000000000000000000000",
         SQLAMBDA_SIG_MISMATCH, "signature does not match"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rc = sqlambda_sigv4_verify(&v, cases[i].auth, secret_for, kv, err, sizeof err);
        if (!ok(rc == cases[i].rc && strstr(err, cases[i].want) && !strstr(err, SECRET) &&
                    !strstr(err, expect_sig),
                "verify rejects %s: %s", cases[i].label, cases[i].want))
            diag("rc %d (want %d) err \"%s\"", rc, cases[i].rc, err);
    }
    sqlambda_sigv4_request w = v;
    w.region = "eu-west-1";
    err[0] = '\0';
    int rc = sqlambda_sigv4_verify(&w, auth, secret_for, kv, err, sizeof err);
    ok(rc == SQLAMBDA_SIG_MISMATCH && strstr(err, "us-east-1") && strstr(err, "eu-west-1"),
       "verify rejects a scope for another region, naming both");
    const char *kv2[2] = {"AKIDEXAMPLE", "another-secret"};
    rc = sqlambda_sigv4_verify(&v, auth, secret_for, kv2, err, sizeof err);
    ok(rc == SQLAMBDA_SIG_MISMATCH && !strstr(err, "another-secret") && !strstr(err, expect_sig),
       "verify rejects another secret without leaking secret or expected signature");

    /* signer input checks and path handling */
    sqlambda_sigv4_request bad = r;
    bad.amz_date = "2024-01-02";
    ok(sqlambda_sigv4_sign(&bad, &cr, auth, sizeof auth, NULL, NULL) == -1, "sign rejects a malformed date");
    bad = r;
    bad.region = NULL;
    ok(sqlambda_sigv4_sign(&bad, &cr, auth, sizeof auth, NULL, NULL) == -1, "sign rejects a missing region");
    ok(sqlambda_sigv4_sign(&r, &cr, auth, 40, NULL, NULL) == -1, "sign reports a too small output buffer");
    struct { const char *path; int dbl, norm; const char *want; } paths[] = {
        {"/a/./b//c/../d/", 1, 1, "/a/b/d/"},
        {"/f%3Aq/invocations", 1, 1, "/f%253Aq/invocations"},
        {"/f%3Aq/x", 0, 1, "/f%3Aq/x"},
        {"//a/../..", 0, 1, "/"},
        {"", 1, 1, "/"},
        {"/a b/~x", 1, 0, "/a%20b/~x"},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        sqlambda_sigv4_request pr = r;
        pr.path = paths[i].path;
        pr.double_encode_path = paths[i].dbl;
        pr.normalize_path = paths[i].norm;
        char *creq = NULL;
        sqlambda_sigv4_sign(&pr, &cr, auth, sizeof auth, &creq, NULL);
        char *nl = creq ? strchr(creq, '\n') : NULL, *nl2 = nl ? strchr(nl + 1, '\n') : NULL;
        if (nl2) *nl2 = '\0';
        is_str(nl ? nl + 1 : NULL, paths[i].want, paths[i].path);
        free(creq);
    }
    sqlambda_sigv4_request q = r;
    q.query = "b=2&a=%7E&a=1&Qualifier=$LATEST&flag";
    char *creq = NULL;
    sqlambda_sigv4_sign(&q, &cr, auth, sizeof auth, &creq, NULL);
    ok(creq && strstr(creq, "\nQualifier=%24LATEST&a=1&a=~&b=2&flag=\n"),
       "canonical query: decoded, re-encoded, sorted by name then value");
    free(creq);
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void) {
    char root[1024];
    const char *top = getenv("SQLAMBDA_TOP");
    if (top)
        snprintf(root, sizeof root, "%s/core/tests/fixtures/aws-sig-v4-test-suite/v4", top);
    else
        snprintf(root, sizeof root, "tests/fixtures/aws-sig-v4-test-suite/v4");
    struct dirent **ents = NULL;
    int n = scandir(root, &ents, NULL, by_name);
    if (n < 0) {
        ok(0, "test suite found at %s", root);
        return tap_done();
    }
    int cases = 0;
    for (int i = 0; i < n; i++) {
        char dir[2048];
        snprintf(dir, sizeof dir, "%s/%s", root, ents[i]->d_name);
        char probe[2100];
        snprintf(probe, sizeof probe, "%s/context.json", dir);
        FILE *f = ents[i]->d_name[0] != '.' ? fopen(probe, "r") : NULL;
        if (f) {
            fclose(f);
            diag("case %s", ents[i]->d_name);
            run_case(dir, ents[i]->d_name);
            cases++;
        }
        free(ents[i]);
    }
    free(ents);
    ok(cases >= 30, "walked %d vector cases (expect the full suite, >= 30)", cases);
    verify_cases();
    return tap_done();
}
