/*
 * creds_imds.c — the EC2 instance role's credentials from IMDSv2:
 * /latest/meta-data/iam/security-credentials/ names the role, the role's
 * document holds AccessKeyId, SecretAccessKey, Token and Expiration.
 * Where metadata is: imds.c. Skipped when AWS_EC2_METADATA_DISABLED=true; unreachable metadata means
 * "not on EC2" (the chain ends with "no credentials"); so does a metadata
 * endpoint that does not answer within the timeout (each request is
 * bounded, 1 s by default like botocore). A cancel stops the chain.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <stdlib.h>
#include <string.h>

#define ROLES_PATH "/latest/meta-data/iam/security-credentials/"

int sqlambda_creds_imds(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    if (sqlambda_imds_disabled()) return CREDS_ABSENT;
    char why[256];
    sqlambda_imds_conf conf;
    /* the client's profile's settings (botocore's session), also when a
     * source profile's credential_source = Ec2InstanceMetadata asks */
    if (sqlambda_imds_resolve(ctx->files, ctx->client_profile ? ctx->client_profile : ctx->profile,
                              &conf, why, sizeof why) != 0) {
        sqlambda_fmt(err, errlen, "instance metadata: %s", why);
        return CREDS_ERROR;
    }
    long tmo = sqlambda_creds_timeout(ctx, CREDS_IMDS_TIMEOUT_MS);
    sqlambda_status fail = SQLAMBDA_OK;
    char *roles = sqlambda_imds_get(&conf, ROLES_PATH, ctx->w, tmo, &fail, why, sizeof why);
    if (!roles) {
        if (fail == SQLAMBDA_E_CANCELLED) {
            sqlambda_fmt(err, errlen, "instance metadata: cancelled while waiting");
            return CREDS_CANCELLED;
        }
        if (fail == SQLAMBDA_E_TIMEOUT) /* why: "instance metadata at <url> ..." */
            sqlambda_fmt(err, errlen, "%s (%s)", why, ctx->setting);
        else
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
    char *doc = sqlambda_imds_get(&conf, path, ctx->w, tmo, &fail, why, sizeof why);
    int ret = CREDS_ERROR;
    if (!doc) {
        if (fail == SQLAMBDA_E_CANCELLED) {
            sqlambda_fmt(err, errlen, "instance metadata: cancelled while waiting");
            ret = CREDS_CANCELLED;
        } else if (fail == SQLAMBDA_E_TIMEOUT) {
            sqlambda_fmt(err, errlen, "instance metadata: role %.100s: %s (%s)", roles, why,
                         ctx->setting);
            ret = CREDS_TIMEOUT;
        } else {
            sqlambda_fmt(err, errlen, "instance metadata: role %.100s: %s", roles, why);
        }
        goto out;
    }
    char bad[120];
    if (sqlambda_creds_parse_json(CREDS_JSON_IMDS, doc, strlen(doc), out, bad, sizeof bad) != 0) {
        sqlambda_fmt(err, errlen, "instance metadata: role %.100s: invalid credentials document "
                     "(%s)", roles, bad);
        goto out;
    }
    ret = CREDS_FOUND;
out:
    if (doc) explicit_bzero(doc, strlen(doc));
    free(doc);
    free(roles);
    return ret;
}
