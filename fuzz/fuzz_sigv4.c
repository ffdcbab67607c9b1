/*
 * fuzz_sigv4.c — SigV4 signing from arbitrary request parts: canonical URI
 * (normalisation, double encoding), canonical query (decode/re-encode, sort),
 * canonical headers (trim, collapse, lowercase, merge repeats). Property:
 * whenever signing succeeds on a request whose header names are tokens, the
 * verifier accepts the signature it produced (sign and verify agree).
 * Input, one field a line: method, path, query, region, service, X-Amz-Date,
 * then up to 9 "name:value" headers (a Host header is always added).
 */
#include "fuzz_fields.h"
#include "internal.h"
#include <stdio.h>

static const char *secret_of(void *arg, const char *akid) {
    (void)arg;
    return strcmp(akid, "AKIDEXAMPLE") == 0 ? "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" : NULL;
}

static int token(const char *s, const char *set) {
    return *s && strspn(s, set) == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\n', 16, &ff) != 0 || ff.n < 6) goto out;
    sqlambda_header h[10];
    char *names[10] = {0};
    size_t nh = 0;
    int tokens = 1;
    h[nh++] = (sqlambda_header){"host", "lambda.us-east-1.amazonaws.com"};
    for (int i = 6; i < ff.n && nh < 10; i++) {
        char *colon = strchr(ff.f[i], ':');
        if (!colon) continue;
        names[nh] = strndup(ff.f[i], (size_t)(colon - ff.f[i]));
        if (!names[nh]) break;
        h[nh] = (sqlambda_header){names[nh], colon + 1};
        if (!token(names[nh], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"))
            tokens = 0;
        nh++;
    }
    const char *lower = "abcdefghijklmnopqrstuvwxyz0123456789-";
    sqlambda_sigv4_request req = {
        .method = ff.f[0], .path = ff.f[1], .query = ff.len[2] ? ff.f[2] : NULL,
        .headers = h, .nheaders = nh, .body = "{}", .body_len = 2,
        .region = ff.f[3], .service = ff.f[4], .amz_date = ff.f[5],
        .double_encode_path = 1, .normalize_path = 1};
    sqlambda_sigv4_credentials cr = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
    char auth[2048], err[256];
    char *creq = NULL, *sts = NULL;
    int rc = sqlambda_sigv4_sign(&req, &cr, auth, sizeof auth, &creq, &sts);
    free(creq);
    free(sts);
    if (rc == 0 && tokens && token(ff.f[3], lower) && token(ff.f[4], lower) &&
        strlen(ff.f[3]) < 64 && strlen(ff.f[4]) < 64 && strspn(ff.f[5], "0123456789") >= 8 &&
        strlen(auth) < 900 /* the verifier re-signs into 1 KB */) {
        int v = sqlambda_sigv4_verify(&req, auth, secret_of, NULL, err, sizeof err);
        if (v != SQLAMBDA_SIG_OK) {
            fprintf(stderr, "signed request rejected by verify (%d): %s\nauth: %s\n", v, err, auth);
            abort();
        }
    }
    for (size_t i = 0; i < nh; i++) free(names[i]);
out:
    fuzz_fields_free(&ff);
    return 0;
}
