/*
 * creds_web_identity.c — AssumeRoleWithWebIdentity: a token file plus a
 * role (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME],
 * else the profile's web_identity_token_file / role_arn / role_session_name)
 * exchanged at STS with an unsigned POST; the XML answer holds temporary
 * credentials. STS endpoint: creds_sts.c. A source profile of an assumed
 * role (ctx->no_env) reads only the profile's keys, as botocore.
 * The request is bounded (5 s by default) and cancellable.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_MAX (64 * 1024)

int sqlambda_creds_web_identity(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                                size_t errlen) {
    const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = getenv("AWS_ROLE_ARN"), *session = getenv("AWS_ROLE_SESSION_NAME");
    const char *where = "environment";
    if (ctx->no_env || !file || !*file || !role || !*role) {
        file = sqlambda_profile_get(ctx->files, ctx->profile, "web_identity_token_file");
        role = sqlambda_profile_get(ctx->files, ctx->profile, "role_arn");
        session = sqlambda_profile_get(ctx->files, ctx->profile, "role_session_name");
        where = "profile";
        if (!file || !*file) return CREDS_ABSENT;
        if (!role || !*role) {
            sqlambda_fmt(err, errlen, "web identity (profile \"%.64s\"): web_identity_token_file "
                         "is set but role_arn is missing", ctx->profile);
            return CREDS_ERROR;
        }
    }
    char sess_buf[64];
    if (!session || !*session) {
        snprintf(sess_buf, sizeof sess_buf, "sqlambda-session-%lld", (long long)time(NULL));
        session = sess_buf;
    }
    int ret = CREDS_ERROR;
    char *token = NULL, *url = NULL;
    sqlambda_buf form = {0};
    sqlambda_http_response r = {0};
    CURL *h = NULL;
    token = sqlambda_read_small_file(file, TOKEN_MAX);
    if (!token || !*token) {
        sqlambda_fmt(err, errlen, "web identity (%s, profile \"%.64s\"): cannot read token file "
                     "%.120s", where, ctx->profile, file);
        goto out;
    }
    const char *sign_region;
    if (!(url = sqlambda_sts_url(ctx, &sign_region, err, errlen))) goto out;
    h = curl_easy_init();
    if (!h || sqlambda_buf_printf(&form, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15") != 0 ||
        sqlambda_sts_form_add(&form, h, "RoleArn", role) != 0 || sqlambda_sts_form_add(&form, h, "RoleSessionName", session) != 0 ||
        sqlambda_sts_form_add(&form, h, "WebIdentityToken", token) != 0) {
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                          "Accept: application/xml", NULL};
    if (sqlambda_http_simple_ca("POST", url, hdrs, form.data, ctx->w,
                                sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS), ctx->ca_file,
                                &r) != 0) {
        char what[120];
        snprintf(what, sizeof what, "web identity (%s, profile \"%.64s\")", where, ctx->profile);
        ret = sqlambda_sts_failed(what, ctx, url, &r, err, errlen);
        goto out;
    }
    if (r.status != 200) {
        char what[120];
        snprintf(what, sizeof what, "web identity (%s, profile \"%.64s\")", where, ctx->profile);
        sqlambda_sts_refused(what, url, &r, err, errlen);
        goto out;
    }
    if (sqlambda_creds_parse_sts(r.body.data, r.body.len, out) != 0) {
        sqlambda_fmt(err, errlen, "web identity (%s, profile \"%.64s\"): STS %.100s answered "
                     "without complete credentials", where, ctx->profile, url);
        goto out;
    }
    ret = CREDS_FOUND;
out:
    if (token) explicit_bzero(token, strlen(token));
    if (form.data) explicit_bzero(form.data, form.len);
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    free(token);
    free(url);
    sqlambda_buf_free(&form);
    sqlambda_http_response_free(&r);
    if (h) curl_easy_cleanup(h);
    return ret;
}
