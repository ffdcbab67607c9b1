/*
 * creds_sso_refresh.c — refreshes an sso-session's cached SSO token as
 * botocore's SSOTokenProvider does: when the token expires within 15
 * minutes and the cache file holds refreshToken, clientId, clientSecret
 * and a registrationExpiresAt still in the future, sso-oidc's CreateToken
 * (POST /token, {"grantType": "refresh_token", ...}, unsigned) at
 * AWS_ENDPOINT_URL_SSO_OIDC, the client profile's [services] sso_oidc,
 * else https://oidc[-fips].<sso_region>.<suffix> (SSO OIDC's rule set);
 * the answer replaces the cache file with botocore's keys (startUrl,
 * region, accessToken, expiresAt, clientId, clientSecret,
 * registrationExpiresAt, refreshToken): written to a new 0600 file in the
 * same directory, fsync'd and renamed over the old one, so a reader never
 * sees half a file. Legacy profiles (sso_start_url without sso_session)
 * are not refreshed (botocore neither). A failed refresh leaves the file
 * alone and the caller keeps the old token while it is valid.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sso-oidc endpoint (malloc'd) or NULL with err. */
static char *oidc_url(const creds_ctx *ctx, const char *region, char *err, size_t errlen) {
    const char *what = NULL;
    const char *url = sqlambda_service_endpoint_config(ctx, "AWS_ENDPOINT_URL_SSO_OIDC",
                                                       "sso_oidc", false, &what);
    char *out = NULL;
    if (url) {
        if (sqlambda_check_endpoint_what(url, what, err, errlen) != SQLAMBDA_OK) return NULL;
        size_t n = strlen(url);
        if (n && url[n - 1] == '/') n--;
        if (asprintf(&out, "%.*s", (int)n, url) < 0) out = NULL;
    } else {
        out = sqlambda_service_endpoint("oidc", region, ctx->use_fips_setting, ctx->use_dualstack,
                                        true);
    }
    if (!out) sqlambda_fmt(err, errlen, "out of memory");
    return out;
}

/* Writes doc to path through a temporary file and a rename. 0, or -1 with
 * why. */
static int save(const char *path, const char *doc, char *why, size_t whylen) {
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
        sqlambda_fmt(why, whylen, "out of memory");
        return -1;
    }
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600: never follows a planted link */
    int rc = -1;
    if (fd < 0) {
        sqlambda_fmt(why, whylen, "cannot create a file beside %.120s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t n = strlen(doc), off = 0;
    while (off < n) {
        ssize_t w = write(fd, doc + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (off != n || fsync(fd) != 0) {
        sqlambda_fmt(why, whylen, "cannot write %.120s: %s", tmp, strerror(errno));
    } else if (close(fd) != 0) {
        fd = -1;
        sqlambda_fmt(why, whylen, "cannot write %.120s: %s", tmp, strerror(errno));
    } else {
        fd = -1;
        if (rename(tmp, path) != 0)
            sqlambda_fmt(why, whylen, "cannot replace %.120s: %s", path, strerror(errno));
        else
            rc = 0;
    }
    if (fd >= 0) close(fd);
    if (rc != 0) unlink(tmp);
    free(tmp);
    return rc;
}

int sqlambda_sso_refresh(const creds_ctx *ctx, const sso_refresh_in *in, char **token,
                         time_t *expires, char *why, size_t whylen) {
    sso_refresh_fields f;
    int ret = CREDS_ABSENT;
    char *url = NULL, *body = NULL, *access = NULL, *refresh = NULL, *doc = NULL;
    json_t *req = NULL, *cache = NULL;
    sqlambda_http_response r = {0};
    long expires_in = 0;
    if (sqlambda_sso_refresh_fields(in->doc, strlen(in->doc), &f, why, whylen) != 0) return ret;
    if (f.registration_expires <= time(NULL)) {
        sqlambda_fmt(why, whylen, "its client registration expired (registrationExpiresAt)");
        goto out;
    }
    if (!(url = oidc_url(ctx, in->region, why, whylen))) goto out;
    req = json_pack("{s:s, s:s, s:s, s:s}", "clientId", f.client_id, "clientSecret",
                    f.client_secret, "grantType", "refresh_token", "refreshToken",
                    f.refresh_token);
    if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
        sqlambda_fmt(why, whylen, "out of memory");
        goto out;
    }
    char full[1200];
    sqlambda_fmt(full, sizeof full, "%s/token", url);
    const char *hdrs[] = {"Content-Type: application/json", "Accept: application/json", NULL};
    long tmo = sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS);
    if (sqlambda_http_simple_ca("POST", full, hdrs, body, ctx->w, tmo, ctx->ca_file, &r) != 0) {
        int code = sqlambda_creds_http_code(&r);
        if (code == CREDS_CANCELLED) ret = CREDS_CANCELLED;
        sqlambda_fmt(why, whylen, "CreateToken at %.100s: %s", url, r.error);
        goto out;
    }
    if (r.status != 200) {
        /* sso-oidc's JSON error: {"error": "invalid_grant", ...}; the code alone */
        json_t *e = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        json_t *ev = json_is_object(e) ? json_object_get(e, "error") : NULL;
        char shown[80] = "";
        if (json_is_string(ev))
            sqlambda_show_value(shown, sizeof shown, json_string_value(ev),
                                json_string_length(ev), 40);
        sqlambda_fmt(why, whylen, "CreateToken at %.100s answered HTTP %ld%s%s", url, r.status,
                     shown[0] ? " " : "", shown);
        json_decref(e);
        goto out;
    }
    char bad[120];
    if (sqlambda_sso_create_token_parse(r.body.data, r.body.len, &access, &expires_in, &refresh,
                                        bad, sizeof bad) != 0) {
        sqlambda_fmt(why, whylen, "CreateToken at %.100s: the answer %s", url, bad);
        goto out;
    }
    time_t exp = time(NULL) + expires_in;
    struct tm tm;
    char when[32];
    gmtime_r(&exp, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cache = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "startUrl", in->start_url, "region",
                      in->region, "accessToken", access, "expiresAt", when, "clientId",
                      f.client_id, "clientSecret", f.client_secret, "registrationExpiresAt",
                      f.registration_expires_at);
    if (cache && refresh && json_object_set_new(cache, "refreshToken", json_string(refresh)) != 0) {
        json_decref(cache);
        cache = NULL;
    }
    if (!cache || !(doc = json_dumps(cache, 0))) {
        sqlambda_fmt(why, whylen, "out of memory");
        goto out;
    }
    /* the new token is good even if the file cannot be written; the next
     * process then refreshes again (or, with a rotated refresh token, asks
     * for aws sso login) */
    char unsaved[200] = "";
    if (save(in->path, doc, unsaved, sizeof unsaved) != 0)
        sqlambda_fmt(why, whylen, "refreshed, but not saved: %s", unsaved);
    if (*token) {
        explicit_bzero(*token, strlen(*token));
        free(*token);
    }
    *token = access;
    access = NULL;
    *expires = exp;
    ret = CREDS_FOUND;
out:
    sqlambda_sso_refresh_fields_clear(&f);
    if (body) explicit_bzero(body, strlen(body));
    if (doc) explicit_bzero(doc, strlen(doc));
    if (access) explicit_bzero(access, strlen(access));
    if (refresh) explicit_bzero(refresh, strlen(refresh));
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    free(body);
    free(doc);
    free(access);
    free(refresh);
    free(url);
    json_decref(req); /* jansson's own copies: not wiped (it frees them itself) */
    json_decref(cache);
    sqlambda_http_response_free(&r);
    return ret;
}
