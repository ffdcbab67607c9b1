/*
 * creds_profile.c — static keys from the shared files for the profile:
 * aws_access_key_id / aws_secret_access_key / aws_session_token from the
 * credentials file's [profile], else from the config file's
 * [profile name]. A key without its pair is an error naming the profile.
 */
#include "creds_internal.h"

typedef const char *(*getter)(const sqlambda_profiles *, const char *, const char *);

static int from(const creds_ctx *ctx, getter get, const char *file, sqlambda_creds *out,
                char *err, size_t errlen) {
    const char *id = get(ctx->files, ctx->profile, "aws_access_key_id");
    const char *secret = get(ctx->files, ctx->profile, "aws_secret_access_key");
    const char *token = get(ctx->files, ctx->profile, "aws_session_token");
    if (id && !*id) id = NULL;
    if (secret && !*secret) secret = NULL;
    if (token && !*token) token = NULL;
    if (!id && !secret) return CREDS_ABSENT;
    if (!id || !secret) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\" in %.100s: %s is set but %s is missing",
                     ctx->profile, file ? file : "(none)",
                     id ? "aws_access_key_id" : "aws_secret_access_key",
                     id ? "aws_secret_access_key" : "aws_access_key_id");
        return CREDS_ERROR;
    }
    if (sqlambda_creds_set(out, id, secret, token, 0, "profile") != 0) {
        sqlambda_fmt(err, errlen, "out of memory");
        return CREDS_ERROR;
    }
    return CREDS_FOUND;
}

int sqlambda_creds_profile(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    int rc = from(ctx, sqlambda_profile_get_credfile, ctx->files->credentials_path, out, err,
                  errlen);
    if (rc != CREDS_ABSENT) return rc;
    return from(ctx, sqlambda_profile_get_config, ctx->files->config_path, out, err, errlen);
}
