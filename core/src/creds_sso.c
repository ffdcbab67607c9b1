/*
 * creds_sso.c — SSO profiles (IAM Identity Center), as botocore's
 * SSOProvider: a profile of the config file with sso_account_id /
 * sso_role_name, its start URL and region from its [sso-session name]
 * (sso_session = name) or its own legacy sso_start_url / sso_region. The
 * token `aws sso login` cached in $HOME/.aws/sso/cache/<sha1>.json (sha1
 * of the session name, or of the start URL for a legacy profile) is sent
 * to the portal's GetRoleCredentials (GET /federation/credentials,
 * x-amz-sso_bearer_token) at AWS_ENDPOINT_URL_SSO or the client profile's
 * [services] sso endpoint_url (never the generic endpoints botocore also
 * uses), else https://portal.sso[-fips].<sso_region>.<suffix>. An sso-session's token
 * within 15 minutes of expiry is refreshed first (creds_sso_refresh.c); an
 * expired one that could not be, or a missing one, says to run
 * `aws sso login`.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SSO_TOKEN_MAX (1024 * 1024)
#define SSO_ROLE_NAME_MAX 512

typedef struct sso_config {
    const char *session, *start_url, *region, *account, *role;
} sso_config;

static const char *cfg_get(const creds_ctx *ctx, const char *key) {
    const char *v = sqlambda_profile_get_config(ctx->files, ctx->profile, key);
    return v && *v ? v : NULL;
}

/* The profile's SSO keys, its sso-session's merged in (botocore's
 * _resolve_sso_session_reference). CREDS_ABSENT, CREDS_FOUND or
 * CREDS_ERROR with err. */
static int sso_config_load(const creds_ctx *ctx, sso_config *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->role = cfg_get(ctx, "sso_role_name");
    c->account = cfg_get(ctx, "sso_account_id");
    if (!c->role && !c->account) return CREDS_ABSENT;
    c->start_url = cfg_get(ctx, "sso_start_url");
    c->region = cfg_get(ctx, "sso_region");
    c->session = cfg_get(ctx, "sso_session");
    char shown[160];
    if (c->session) {
        char section[300];
        sqlambda_show_value(shown, sizeof shown, c->session, strlen(c->session), 64);
        if (strlen(c->session) > 200 ||
            (snprintf(section, sizeof section, "sso-session %s", c->session),
             !sqlambda_ini_has_section(ctx->files->config, section))) {
            sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): sso_session \"%s\" names no "
                         "[sso-session \"%s\"] section in %.100s", ctx->profile, shown, shown,
                         ctx->files->config_path ? ctx->files->config_path : "(no config file)");
            return CREDS_ERROR;
        }
        static const char *const keys[] = {"sso_start_url", "sso_region"};
        const char **dst[] = {&c->start_url, &c->region};
        for (int i = 0; i < 2; i++) {
            const char *v = sqlambda_ini_get(ctx->files->config, section, keys[i]);
            if (v && !*v) v = NULL;
            if (v && *dst[i] && strcmp(v, *dst[i]) != 0) {
                sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): %s differs between the "
                             "profile and [sso-session \"%s\"]", ctx->profile, keys[i], shown);
                return CREDS_ERROR;
            }
            if (v) *dst[i] = v;
        }
    }
    char missing[120] = "";
    const char *names[] = {"sso_role_name", "sso_account_id", "sso_start_url", "sso_region"};
    const char *vals[] = {c->role, c->account, c->start_url, c->region};
    for (int i = 0; i < 4; i++)
        if (!vals[i])
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     missing[0] ? ", " : "", names[i]);
    if (missing[0]) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): missing %s%s", ctx->profile, missing,
                     c->session ? " (in the profile or its sso-session)" : "");
        return CREDS_ERROR;
    }
    /* the region becomes the portal's host, the account a query value */
    if (!sqlambda_region_ok(c->region, strlen(c->region))) {
        sqlambda_show_value(shown, sizeof shown, c->region, strlen(c->region), 40);
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): sso_region \"%s\" is not a region name",
                     ctx->profile, shown);
        return CREDS_ERROR;
    }
    size_t n = strlen(c->account);
    if (n != 12 || strspn(c->account, "0123456789") != 12) {
        sqlambda_show_value(shown, sizeof shown, c->account, n, 40);
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): sso_account_id \"%s\" is not 12 digits",
                     ctx->profile, shown);
        return CREDS_ERROR;
    }
    if (strlen(c->role) > SSO_ROLE_NAME_MAX) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): sso_role_name is over %d bytes",
                     ctx->profile, SSO_ROLE_NAME_MAX);
        return CREDS_ERROR;
    }
    return CREDS_FOUND;
}

/* $HOME/.aws/sso/cache/<sha1 hex of key>.json, malloc'd, or NULL. */
static char *token_path(const char *key) {
    const char *home = getenv("HOME");
    unsigned char md[20];
    unsigned int mdlen = 0;
    if (!home || !*home || !EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) ||
        mdlen != 20)
        return NULL;
    char hex[41];
    for (int i = 0; i < 20; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char *p = NULL;
    if (asprintf(&p, "%s/.aws/sso/cache/%s.json", home, hex) < 0) return NULL;
    return p;
}

/* The portal's URL: a configured endpoint for service "sso", else derived.
 * Unlike botocore, the generic AWS_ENDPOINT_URL and the profile's
 * endpoint_url are not used: they commonly point at a local Lambda
 * (sqlambda serve, moto) over plain http, and the portal request carries
 * the SSO bearer token, which must reach only an endpoint named for SSO. */
char *sqlambda_sso_portal_url(const creds_ctx *ctx, const char *region, char *err,
                              size_t errlen) {
    const char *what = NULL;
    const char *url = sqlambda_service_endpoint_config(ctx, "AWS_ENDPOINT_URL_SSO", "sso", false,
                                                       &what);
    char *out = NULL;
    if (url) {
        if (sqlambda_check_endpoint_what(url, what, err, errlen) != SQLAMBDA_OK) return NULL;
        /* the path is appended to: drop one trailing slash */
        size_t n = strlen(url);
        if (n && url[n - 1] == '/') n--;
        if (asprintf(&out, "%.*s", (int)n, url) < 0) out = NULL;
    } else {
        /* SSO's rule set, with the client's FIPS and dual-stack settings */
        out = sqlambda_service_endpoint("portal.sso", region, ctx->use_fips_setting,
                                        ctx->use_dualstack, true);
    }
    if (!out) sqlambda_fmt(err, errlen, "out of memory");
    return out;
}

/* Another process may have refreshed the file meanwhile (with a rotated
 * refresh token this one's refresh is then refused): its token replaces an
 * expired one when it is newer and valid. */
static void reread(const char *path, char **token, time_t *expires) {
    char *doc = sqlambda_read_small_file(path, SSO_TOKEN_MAX), *tok = NULL, why[80];
    time_t exp = 0;
    if (doc && sqlambda_sso_token_parse(doc, strlen(doc), &tok, &exp, why, sizeof why) == 0 &&
        exp > time(NULL) && strcmp(tok, *token) != 0) {
        sqlambda_wipe_free(*token);
        *token = tok;
        *expires = exp;
        tok = NULL;
    }
    sqlambda_wipe_free(tok);
    sqlambda_wipe_free(doc);
}

static const char *login_hint(const creds_ctx *ctx, char *buf, size_t len) {
    sqlambda_fmt(buf, len, "run `aws sso login --profile %.64s`", ctx->profile);
    return buf;
}

int sqlambda_creds_sso(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    sso_config c;
    int ret = sso_config_load(ctx, &c, err, errlen);
    if (ret != CREDS_FOUND) return ret;
    ret = CREDS_ERROR;
    char hint[120], shown[160], why[120];
    const char *key = c.session ? c.session : c.start_url;
    sqlambda_show_value(shown, sizeof shown, key, strlen(key), 80);
    const char *kind = c.session ? "sso-session" : "start URL";
    char *path = token_path(key), *doc = NULL, *token = NULL, *url = NULL, *hdr = NULL;
    char *role = NULL;
    sqlambda_buf full = {0};
    sqlambda_http_response r = {0};
    CURL *h = NULL;
    time_t expires = 0;
    if (!path) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): no HOME to find the SSO token cache "
                     "in", ctx->profile);
        goto out;
    }
    errno = 0;
    if (!(doc = sqlambda_read_small_file(path, SSO_TOKEN_MAX))) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): no cached SSO token for %s \"%s\" (%.120s: "
                     "%s): %s", ctx->profile, kind, shown, path,
                     errno == EFBIG ? "over 1 MB" : errno == EINVAL ? "not a regular file" : strerror(errno), login_hint(ctx, hint, sizeof hint));
        goto out;
    }
    if (sqlambda_sso_token_parse(doc, strlen(doc), &token, &expires, why, sizeof why) != 0) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): the cached SSO token %.120s %s: %s",
                     ctx->profile, path, why, login_hint(ctx, hint, sizeof hint));
        goto out;
    }
    char refresh_why[240] = "";
    if (c.session && expires - time(NULL) < SSO_REFRESH_WINDOW_S) {
        sso_refresh_in in = {path, doc, c.start_url, c.region};
        int rr = sqlambda_sso_refresh(ctx, &in, &token, &expires, refresh_why, sizeof refresh_why);
        if (rr == CREDS_CANCELLED) {
            sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): cancelled while refreshing the SSO "
                         "token", ctx->profile);
            ret = CREDS_CANCELLED;
            goto out;
        }
        if (rr != CREDS_FOUND && expires <= time(NULL)) reread(path, &token, &expires);
    }
    if (expires <= time(NULL)) {
        struct tm tm;
        char when[32];
        gmtime_r(&expires, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): the SSO token for %s \"%s\" expired at "
                     "%s%s%.100s%s: %s", ctx->profile, kind, shown, when,
                     refresh_why[0] ? " (not refreshed: " : "", refresh_why,
                     refresh_why[0] ? ")" : "", login_hint(ctx, hint, sizeof hint));
        goto out;
    }
    if (!(url = sqlambda_sso_portal_url(ctx, c.region, err, errlen))) goto out;
    if (!(h = curl_easy_init()) || !(role = curl_easy_escape(h, c.role, 0)) ||
        sqlambda_buf_printf(&full, "%s/federation/credentials?role_name=%s&account_id=%s", url,
                            role, c.account) != 0 ||
        asprintf(&hdr, "x-amz-sso_bearer_token: %s", token) < 0) {
        hdr = NULL;
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    const char *hdrs[] = {hdr, "Accept: application/json", NULL};
    if (sqlambda_http_simple_ca("GET", full.data, hdrs, NULL, ctx->w,
                                sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS), ctx->ca_file,
                                &r) != 0) {
        ret = sqlambda_creds_http_code(&r);
        if (ret == CREDS_TIMEOUT)
            sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): GetRoleCredentials at %.100s timed "
                         "out after %ld ms (%s)", ctx->profile, url,
                         sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS), ctx->setting);
        else
            sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): GetRoleCredentials at %.100s: %s",
                         ctx->profile, url, r.error);
        goto out;
    }
    if (r.status != 200) {
        /* the portal's JSON error: {"message": ...}; its type alone is shown */
        int unauthorized = r.status == 401 || r.status == 403;
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): the portal %.100s answered HTTP %ld "
                     "to GetRoleCredentials for role %s of account %s%s%s", ctx->profile, url,
                     r.status, role, c.account, unauthorized ? ": the SSO token was refused, " : "",
                     unauthorized ? login_hint(ctx, hint, sizeof hint) : "");
        goto out;
    }
    if (sqlambda_creds_parse_sso(r.body.data, r.body.len, out, why, sizeof why) != 0) {
        sqlambda_fmt(err, errlen, "SSO (profile \"%.64s\"): the portal %.100s: %s", ctx->profile,
                     url, why);
        goto out;
    }
    ret = CREDS_FOUND;
out:
    sqlambda_wipe_free(doc);
    sqlambda_wipe_free(token);
    sqlambda_wipe_free(hdr);
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    free(path);
    free(url);
    curl_free(role);
    sqlambda_buf_free(&full);
    sqlambda_http_response_free(&r);
    if (h) curl_easy_cleanup(h);
    return ret;
}
