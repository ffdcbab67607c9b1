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
 * same directory (made before CreateToken is asked: a rotated refresh
 * token is never received where it cannot be kept), fsync'd and renamed
 * over the old one, as botocore's JSONFileCache, so a reader never sees
 * half a file. Legacy profiles (sso_start_url without sso_session)
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

char *sqlambda_sso_oidc_url(const creds_ctx *ctx, const char *region, char *err,
                            size_t errlen) {
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

/* The cache file's replacement: a new file beside it, made before
 * CreateToken is asked (a rotated refresh token must never be received
 * where it cannot be kept). */
typedef struct pending_file {
    char *tmp; /* "<path>.XXXXXX", O_EXCL, 0600, close-on-exec */
    int fd;
} pending_file;

static int pending_open(pending_file *pf, const char *path, char *why, size_t whylen) {
    pf->fd = -1;
    if (asprintf(&pf->tmp, "%s.XXXXXX", path) < 0) {
        pf->tmp = NULL;
        sqlambda_fmt(why, whylen, "out of memory");
        return -1;
    }
    /* never follows a planted link; not inherited by credential_process */
    if ((pf->fd = mkostemp(pf->tmp, O_CLOEXEC)) < 0) {
        sqlambda_fmt(why, whylen, "the cache file cannot be rewritten (a new file beside %.120s: "
                     "%s)", path, strerror(errno));
        free(pf->tmp);
        pf->tmp = NULL;
        return -1;
    }
    return 0;
}

static void pending_drop(pending_file *pf) {
    if (pf->fd >= 0) close(pf->fd);
    if (pf->tmp) unlink(pf->tmp);
    free(pf->tmp);
    pf->tmp = NULL;
    pf->fd = -1;
}

/* Writes doc, fsyncs, renames over path and syncs the directory. 0, or -1
 * with why (the temporary file removed). */
static int pending_commit(pending_file *pf, const char *path, const char *doc, char *why,
                          size_t whylen) {
    size_t n = strlen(doc), off = 0;
    int rc = -1;
    while (off < n) {
        ssize_t w = write(pf->fd, doc + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            break;
        }
        off += (size_t)w;
    }
    if (off != n || fsync(pf->fd) != 0) {
        sqlambda_fmt(why, whylen, "cannot write %.120s: %s", pf->tmp, strerror(errno));
    } else if (rename(pf->tmp, path) != 0) {
        sqlambda_fmt(why, whylen, "cannot replace %.120s: %s", path, strerror(errno));
    } else {
        free(pf->tmp); /* renamed: nothing to remove */
        pf->tmp = NULL;
        rc = 0;
        char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            *slash = '\0';
            int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd); /* the rename itself survives a crash */
                close(dfd);
            }
        }
        free(dir);
    }
    pending_drop(pf);
    return rc;
}

static void warn(const creds_ctx *ctx, const char *msg) {
    if (ctx->log) ctx->log(ctx->log_arg, SQLAMBDA_LOG_WARNING, msg);
}

int sqlambda_sso_refresh(const creds_ctx *ctx, const sso_refresh_in *in, char **token,
                         time_t *expires, char *why, size_t whylen) {
    sso_refresh_fields f;
    int ret = CREDS_ABSENT;
    char *url = NULL, *body = NULL, *access = NULL, *refresh = NULL, *doc = NULL;
    json_t *req = NULL, *cache = NULL;
    sqlambda_http_response r = {0};
    pending_file pf = {NULL, -1};
    long expires_in = 0;
    if (sqlambda_sso_refresh_fields(in->doc, strlen(in->doc), &f, why, whylen) != 0) return ret;
    if (f.registration_expires <= time(NULL)) {
        sqlambda_fmt(why, whylen, "its client registration expired (registrationExpiresAt)");
        goto out;
    }
    if (!(url = sqlambda_sso_oidc_url(ctx, in->region, why, whylen))) goto out;
    /* what the new file keeps (botocore's keys), checked before asking:
     * jansson refuses a value that is not UTF-8 */
    cache = json_pack("{s:s, s:s, s:s, s:s, s:s}", "startUrl", in->start_url, "region",
                      in->region, "clientId", f.client_id, "clientSecret", f.client_secret,
                      "registrationExpiresAt", f.registration_expires_at);
    req = json_pack("{s:s, s:s, s:s, s:s}", "clientId", f.client_id, "clientSecret",
                    f.client_secret, "grantType", "refresh_token", "refreshToken",
                    f.refresh_token);
    if (!cache || !req || !(body = json_dumps(req, JSON_COMPACT))) {
        sqlambda_fmt(why, whylen, "the cached values cannot be sent (not UTF-8, or out of memory)");
        goto out;
    }
    if (pending_open(&pf, in->path, why, whylen) != 0) goto out;
    char full[1200];
    sqlambda_fmt(full, sizeof full, "%s/token", url);
    const char *hdrs[] = {"Content-Type: application/json", "Accept: application/json", NULL};
    long tmo = sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS);
    if (sqlambda_http_simple_ca("POST", full, hdrs, body, ctx->w, tmo, ctx->ca_file, &r) != 0) {
        int code = sqlambda_creds_http_code(&r);
        if (code == CREDS_CANCELLED) ret = CREDS_CANCELLED;
        if (code == CREDS_TIMEOUT)
            sqlambda_fmt(why, whylen, "CreateToken at %.100s timed out after %ld ms (%s)", url,
                         tmo, ctx->setting ? ctx->setting : "");
        else
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
    /* from here the new token is used whatever happens to the file */
    char unsaved[240] = "";
    if (json_object_set_new(cache, "accessToken", json_string(access)) != 0 ||
        json_object_set_new(cache, "expiresAt", json_string(when)) != 0 ||
        (refresh && json_object_set_new(cache, "refreshToken", json_string(refresh)) != 0) ||
        !(doc = json_dumps(cache, 0)))
        sqlambda_fmt(unsaved, sizeof unsaved, "out of memory");
    else
        pending_commit(&pf, in->path, doc, unsaved, sizeof unsaved);
    if (unsaved[0]) {
        char msg[400];
        sqlambda_fmt(msg, sizeof msg, "SSO (profile \"%.64s\"): the SSO token was refreshed but "
                     "the cache file was not rewritten (%s); the next process may have to run "
                     "`aws sso login`", ctx->profile, unsaved);
        warn(ctx, msg);
    }
    sqlambda_wipe_free(*token);
    *token = access;
    access = NULL;
    *expires = exp;
    ret = CREDS_FOUND;
out:
    pending_drop(&pf);
    sqlambda_sso_refresh_fields_clear(&f);
    sqlambda_wipe_free(body);
    sqlambda_wipe_free(doc);
    sqlambda_wipe_free(access);
    sqlambda_wipe_free(refresh);
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    free(url);
    json_decref(req); /* jansson's own copies: not wiped (it frees them itself) */
    json_decref(cache);
    sqlambda_http_response_free(&r);
    return ret;
}
