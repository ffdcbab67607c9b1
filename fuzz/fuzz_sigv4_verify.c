/*
 * fuzz_sigv4_verify.c — the local runtime's check of a received request
 * (sigv4_verify.c): parsing the Authorization header (Credential scope,
 * SignedHeaders order/case, Signature), selecting signed headers among the
 * received ones, re-signing, comparing. Secret lookup is fixed (one key);
 * region and service come from the credential scope, the date from
 * X-Amz-Date (the runtime pins region and service: two strcmp more).
 * Input, one field a line: Authorization, method, path, query, body, then up
 * to 11 received "name:value" headers.
 */
#include "fuzz_fields.h"
#include "internal.h"

static const char *secret_of(void *arg, const char *akid) {
    (void)arg;
    return strcmp(akid, "AKIDEXAMPLE") == 0 ? "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\n', 16, &ff) != 0 || ff.n < 5) goto out;
    sqlambda_header h[12];
    char *names[12] = {0};
    size_t nh = 0;
    for (int i = 5; i < ff.n && nh < 12; i++) {
        char *colon = strchr(ff.f[i], ':');
        if (!colon) continue;
        names[nh] = strndup(ff.f[i], (size_t)(colon - ff.f[i]));
        if (!names[nh]) break;
        h[nh] = (sqlambda_header){names[nh], colon + 1};
        nh++;
    }
    sqlambda_sigv4_request req = {
        .method = ff.f[1], .path = ff.f[2], .query = ff.len[3] ? ff.f[3] : NULL,
        .headers = h, .nheaders = nh, .body = ff.f[4], .body_len = ff.len[4],
        .double_encode_path = 1, .normalize_path = 1};
    char err[256];
    int rc = sqlambda_sigv4_verify(&req, ff.f[0], secret_of, NULL, err, sizeof err);
    if (rc < SQLAMBDA_SIG_MISMATCH || rc > SQLAMBDA_SIG_OK || !memchr(err, 0, sizeof err)) abort();
    if (rc != SQLAMBDA_SIG_OK && !err[0]) abort(); /* every rejection says why */
    for (size_t i = 0; i < nh; i++) free(names[i]);
out:
    fuzz_fields_free(&ff);
    return 0;
}
