/*
 * creds_imds.c — the EC2 instance role's credentials from IMDSv2:
 * /latest/meta-data/iam/security-credentials/ names the role, the role's
 * document holds AccessKeyId, SecretAccessKey, Token and Expiration.
 * Skipped when AWS_EC2_METADATA_DISABLED=true; unreachable metadata means
 * "not on EC2" (the chain ends with "no credentials").
 */
#include "creds_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_CREDS_TIMEOUT_MS 1000
#define ROLES_PATH "/latest/meta-data/iam/security-credentials/"

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

int sqlambda_creds_imds(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    (void)ctx;
    if (sqlambda_imds_disabled()) return CREDS_ABSENT;
    char why[256];
    char *roles = sqlambda_imds_get(ROLES_PATH, IMDS_CREDS_TIMEOUT_MS, why, sizeof why);
    if (!roles) {
        sqlambda_fmt(err, errlen, "instance metadata: %s", why);
        return CREDS_ABSENT;
    }
    roles[strcspn(roles, "\r\n")] = 0; /* the first role */
    if (!*roles || strpbrk(roles, "/?#% ")) {
        sqlambda_fmt(err, errlen, "instance metadata: no instance role attached");
        free(roles);
        return CREDS_ABSENT;
    }
    char path[512];
    sqlambda_fmt(path, sizeof path, "%s%.300s", ROLES_PATH, roles);
    char *doc = sqlambda_imds_get(path, IMDS_CREDS_TIMEOUT_MS, why, sizeof why);
    int ret = CREDS_ERROR;
    json_t *j = NULL;
    if (!doc) {
        sqlambda_fmt(err, errlen, "instance metadata: role %.100s: %s", roles, why);
        goto out;
    }
    j = json_loads(doc, 0, NULL);
    const char *code = jstr(j, "Code"), *id = jstr(j, "AccessKeyId");
    const char *secret = jstr(j, "SecretAccessKey"), *tok = jstr(j, "Token");
    const char *exp = jstr(j, "Expiration");
    time_t t = 0;
    if (!json_is_object(j) || (code && strcmp(code, "Success") != 0) || !id || !secret ||
        (exp && sqlambda_parse_rfc3339(exp, &t) != 0)) {
        sqlambda_fmt(err, errlen, "instance metadata: role %.100s: invalid credentials document",
                     roles);
        goto out;
    }
    if (sqlambda_creds_set(out, id, secret, tok, t, "imds") != 0) {
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    ret = CREDS_FOUND;
out:
    json_decref(j);
    if (doc) memset(doc, 0, strlen(doc));
    free(doc);
    free(roles);
    return ret;
}
