/*
 * fuzz_creds.c — what credential sources answer (core/src/creds_parse.c):
 * credential_process output, container endpoint and EC2 instance metadata
 * JSON, STS's AssumeRoleWithWebIdentity XML and the error elements read
 * from STS failures, the SSO token cache file and the SSO portal's
 * GetRoleCredentials answer, the token cache's refresh fields and
 * sso-oidc's CreateToken answer. Properties: accepted credentials have a
 * key id and a secret; a rejected JSON document always says why; an
 * accepted SSO token (cached or refreshed) is non-empty, has no line break
 * (it becomes a header) and has an expiry; accepted refresh fields are all
 * there and non-empty.
 * Input: byte 0 picks the source (0 process, 1 container, 2 IMDS, 3 STS,
 * 4 SSO token cache, 5 SSO GetRoleCredentials, 6 the cache's refresh
 * fields, 7 CreateToken), then the document.
 */
#include "creds_parse.h"
#include "creds_internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int kind = data[0] % 8;
    size_t n = size - 1;
    char *doc = malloc(n ? n : 1); /* exact size, no NUL: over-reads show */
    if (!doc) return 0;
    memcpy(doc, data + 1, n);
    sqlambda_creds c;
    memset(&c, 0, sizeof c);
    int rc;
    if (kind < 3) {
        char why[200] = "";
        rc = sqlambda_creds_parse_json((creds_json_kind)kind, doc, n, &c, why, sizeof why);
        if (rc != 0 && !why[0]) abort();
    } else if (kind == 4) {
        char why[200] = "", *tok = NULL;
        time_t exp = 0;
        rc = sqlambda_sso_token_parse(doc, n, &tok, &exp, why, sizeof why);
        if (rc != 0 && (!why[0] || tok)) abort();
        if (rc == 0 && (!tok || !*tok || strpbrk(tok, "\r\n"))) abort();
        free(tok);
        rc = -1; /* no credentials to check */
    } else if (kind == 5) {
        char why[200] = "";
        rc = sqlambda_creds_parse_sso(doc, n, &c, why, sizeof why);
        if (rc != 0 && !why[0]) abort();
        if (rc == 0 && (!c.session_token || c.expiration <= 0)) abort();
    } else if (kind == 6) {
        char why[200] = "";
        sso_refresh_fields f;
        rc = sqlambda_sso_refresh_fields(doc, n, &f, why, sizeof why);
        if (rc != 0 && (!why[0] || f.refresh_token || f.client_secret)) abort();
        if (rc == 0 && (!f.refresh_token || !*f.refresh_token || !f.client_id || !*f.client_id ||
                        !f.client_secret || !*f.client_secret || !f.registration_expires_at))
            abort();
        sqlambda_sso_refresh_fields_clear(&f);
        rc = -1;
    } else if (kind == 7) {
        char why[200] = "", *tok = NULL, *rt = NULL;
        long in = 0;
        rc = sqlambda_sso_create_token_parse(doc, n, &tok, &in, &rt, why, sizeof why);
        if (rc != 0 && (!why[0] || tok || rt)) abort();
        if (rc == 0 && (!tok || !*tok || strpbrk(tok, "\r\n") || in < 1)) abort();
        free(tok);
        free(rt);
        rc = -1;
    } else {
        rc = sqlambda_creds_parse_sts(doc, n, &c);
        char *code = sqlambda_xml_text(doc, n, "Code"), *msg = sqlambda_xml_text(doc, n, "Message");
        if ((code && strlen(code) > n) || (msg && strlen(msg) > n)) abort();
        free(code);
        free(msg);
    }
    if (rc == 0 && (!c.access_key_id || !*c.access_key_id || !c.secret_access_key ||
                    !*c.secret_access_key || !c.source))
        abort();
    sqlambda_creds_clear(&c);
    free(doc);
    return 0;
}
