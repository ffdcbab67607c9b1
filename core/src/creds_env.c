/*
 * creds_env.c — credentials from the environment: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN. One of the pair
 * without the other is an error naming the missing variable.
 */
#include "creds_internal.h"

#include <stdlib.h>

int sqlambda_creds_env(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    if (id && !*id) id = NULL;
    if (secret && !*secret) secret = NULL;
    if (token && !*token) token = NULL;
    if (!id && !secret) return CREDS_ABSENT;
    if (!secret) {
        sqlambda_fmt(err, errlen, "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY "
                     "is missing");
        return CREDS_ERROR;
    }
    if (!id) {
        sqlambda_fmt(err, errlen, "environment: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID "
                     "is missing");
        return CREDS_ERROR;
    }
    if (sqlambda_creds_set(out, id, secret, token, 0, "environment") != 0) {
        sqlambda_fmt(err, errlen, "out of memory");
        return CREDS_ERROR;
    }
    return CREDS_FOUND;
}
