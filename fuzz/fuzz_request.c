/*
 * fuzz_request.c — the checks every call passes before anything is sent
 * (validate.c, sqlambda_check_request): the function identifier against a
 * separate qualifier and region, the payload as JSON and its size for the
 * invocation type, the client context (a JSON object, base64 at most 3583
 * bytes). These values come straight from SQL callers.
 * Properties: an accepted request parses to a valid reference, its client
 * context's base64 is within Lambda's limit; a refusal names the problem.
 * Input: byte 0 = invocation type and log type, then one field a line:
 * function, qualifier, region, client context, then the payload (the rest,
 * any bytes).
 */
#include "fuzz_fields.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fuzz_fields ff;
    if (fuzz_split(data + 1, size - 1, '\n', 5, &ff) != 0 || ff.n < 5) goto out;
    /* the payload without a terminating NUL: the check takes its length */
    char *payload = malloc(ff.len[4] ? ff.len[4] : 1);
    if (!payload) goto out;
    memcpy(payload, ff.f[4], ff.len[4]);
    sqlambda_request req;
    memset(&req, 0, sizeof req);
    req.function = ff.f[0];
    req.qualifier = ff.len[1] ? ff.f[1] : NULL;
    req.region = ff.len[2] ? ff.f[2] : NULL;
    req.client_context = ff.len[3] ? ff.f[3] : NULL;
    req.payload = ff.len[4] ? payload : NULL;
    req.payload_len = ff.len[4];
    req.invocation_type = (sqlambda_invocation_type)(data[0] % 3);
    req.log_type = (sqlambda_log_type)((data[0] >> 2) % 2);
    sqlambda_function_ref ref;
    char *cc = NULL, err[512] = "";
    sqlambda_status st = sqlambda_check_request(&req, &ref, &cc, err, sizeof err);
    if (st == SQLAMBDA_OK) {
        if (!ref.name[0]) abort();
        if (cc && strlen(cc) > SQLAMBDA_MAX_CLIENT_CONTEXT_B64) abort();
        if (req.client_context && !cc) abort();
        char *path = sqlambda_invoke_path(&ref, req.function);
        free(path);
    } else if (!err[0] || !memchr(err, 0, sizeof err)) {
        abort();
    }
    free(cc);
    free(payload);
out:
    fuzz_fields_free(&ff);
    return 0;
}
