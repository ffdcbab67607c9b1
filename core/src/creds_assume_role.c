/*
 * creds_assume_role.c — assume-role profiles (botocore's AssumeRoleProvider):
 * a profile with role_arn (and no web_identity_token_file) gets its source
 * credentials from source_profile (a chain of any depth; a source profile
 * with its own static keys, or without role_arn, ends it with its own
 * credentials: SSO, keys, credential_process or web identity from the profile,
 * the environment never) or from credential_source (Environment,
 * Ec2InstanceMetadata, EcsContainer), then calls STS AssumeRole signed with
 * SigV4 by them. Every key is checked (creds_role_check.c) before anything
 * is sent; a cycle is an error naming the profiles. The whole walk shares
 * one deadline: the chain bound of credentials.c.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN 16

typedef struct walk {
    const char *visited[MAX_CHAIN];
    int n;
    double deadline; /* sqlambda_now_ms() */
} walk;

static const char *key(const sqlambda_profiles *f, const char *prof, const char *k) {
    const char *v = sqlambda_profile_get(f, prof, k);
    return v && *v ? v : NULL;
}

int sqlambda_creds_is_assume_role(const sqlambda_profiles *files, const char *profile) {
    return key(files, profile, "role_arn") && !key(files, profile, "web_identity_token_file");
}

static int has_static(const sqlambda_profiles *f, const char *prof) {
    return key(f, prof, "aws_access_key_id") || key(f, prof, "aws_secret_access_key");
}

static char *dup_curl(char *s) {
    char *d = s ? strdup(s) : NULL;
    curl_free(s);
    return d;
}

/* host[:port] exactly as curl sends it, and the path and query to sign
 * (all malloc'd; query NULL when none). 0 or -1. */
static int url_parts(const char *url, char **host, char **path, char **query) {
    CURLU *u = curl_url();
    char *h = NULL, *port = NULL, *p = NULL, *q = NULL;
    int rc = -1;
    *host = *path = *query = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK) q = NULL;
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) port = NULL;
        rc = port ? (asprintf(host, "%s:%s", h, port) < 0 ? -1 : 0)
                  : ((*host = strdup(h)) ? 0 : -1);
        *path = dup_curl(p);
        *query = dup_curl(q);
        if (!*path || (q && !*query)) rc = -1;
    }
    curl_free(h);
    curl_free(port);
    if (u) curl_url_cleanup(u);
    return rc;
}

/* STS AssumeRole for prof's role, signed by src. */
static int sts_assume(const creds_ctx *ctx, const char *prof, const role_config *rc,
                      const sqlambda_creds *src, const walk *wk, sqlambda_creds *out, char *err,
                      size_t errlen) {
    char what[140];
    snprintf(what, sizeof what, "assume role (profile \"%.64s\")", prof);
    double left = wk->deadline - sqlambda_now_ms();
    long per = sqlambda_creds_timeout(ctx, CREDS_STS_TIMEOUT_MS);
    if (left < 1) {
        sqlambda_fmt(err, errlen, "%s: timed out before STS was asked (the role chain took "
                     "longer than its bound; %s)", what, ctx->setting);
        return CREDS_TIMEOUT;
    }
    long timeout = left < (double)per ? (long)left : per;
    int ret = CREDS_ERROR;
    char *url = NULL, *host = NULL, *path = NULL, *query = NULL;
    char *hdr[7] = {0};
    sqlambda_buf form = {0};
    sqlambda_http_response r = {0};
    CURL *h = curl_easy_init();
    const char *sign_region;
    char sess[64];
    if (!(url = sqlambda_sts_url(ctx, &sign_region, err, errlen))) goto out;
    if (!h || url_parts(url, &host, &path, &query) != 0) {
        sqlambda_fmt(err, errlen, "%s: STS endpoint %.100s is not a valid URL", what, url);
        goto out;
    }
    const char *session = rc->session_name;
    if (!session) {
        snprintf(sess, sizeof sess, "sqlambda-session-%lld", (long long)time(NULL));
        session = sess;
    }
    if (sqlambda_buf_printf(&form, "Action=AssumeRole&Version=2011-06-15") != 0 ||
        sqlambda_sts_form_add(&form, h, "RoleArn", rc->role_arn) != 0 ||
        sqlambda_sts_form_add(&form, h, "RoleSessionName", session) != 0 ||
        (rc->duration && sqlambda_sts_form_add(&form, h, "DurationSeconds", rc->duration) != 0) ||
        (rc->external_id && sqlambda_sts_form_add(&form, h, "ExternalId", rc->external_id) != 0)) {
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    char amz[20];
    time_t now = time(NULL);
    struct tm tm;
    strftime(amz, sizeof amz, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
    sqlambda_header sh[4];
    size_t nh = 0;
    sh[nh++] = (sqlambda_header){"Host", host};
    sh[nh++] = (sqlambda_header){"X-Amz-Date", amz};
    sh[nh++] = (sqlambda_header){"Content-Type", ctype};
    if (src->session_token) sh[nh++] = (sqlambda_header){"X-Amz-Security-Token", src->session_token};
    sqlambda_sigv4_request sr = {.method = "POST", .path = path, .query = query, .headers = sh,
                                 .nheaders = nh, .body = form.data, .body_len = form.len,
                                 .region = sign_region, .service = "sts", .amz_date = amz,
                                 .double_encode_path = 1, .normalize_path = 1};
    sqlambda_sigv4_credentials sc = {src->access_key_id, src->secret_access_key,
                                     src->session_token};
    char auth[1024];
    if (sqlambda_sigv4_sign(&sr, &sc, auth, sizeof auth, NULL, NULL) != 0) {
        sqlambda_fmt(err, errlen, "%s: cannot sign the STS request", what);
        goto out;
    }
    if (asprintf(&hdr[0], "Host: %s", host) < 0 || asprintf(&hdr[1], "X-Amz-Date: %s", amz) < 0 ||
        asprintf(&hdr[2], "Content-Type: %s", ctype) < 0 ||
        asprintf(&hdr[3], "Authorization: %s", auth) < 0 ||
        !(hdr[4] = strdup("Accept: application/xml")) ||
        (src->session_token &&
         asprintf(&hdr[5], "X-Amz-Security-Token: %s", src->session_token) < 0)) {
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    if (sqlambda_http_simple_ca("POST", url, (const char *const *)hdr, form.data, ctx->w, timeout,
                                ctx->ca_file, &r) != 0) {
        ret = sqlambda_sts_failed(what, ctx, url, &r, err, errlen);
        goto out;
    }
    if (r.status != 200) {
        sqlambda_sts_refused(what, url, &r, err, errlen);
        goto out;
    }
    if (sqlambda_creds_parse_sts_as(r.body.data, r.body.len, out, "assume-role") != 0) {
        sqlambda_fmt(err, errlen, "%s: STS %.100s answered without complete credentials", what,
                     url);
        goto out;
    }
    ret = CREDS_FOUND;
out:
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    if (hdr[5]) explicit_bzero(hdr[5], strlen(hdr[5]));
    for (int i = 0; i < 7; i++) free(hdr[i]);
    free(url);
    free(host);
    free(path);
    free(query);
    sqlambda_buf_free(&form);
    sqlambda_http_response_free(&r);
    if (h) curl_easy_cleanup(h);
    return ret;
}

static int assume(const creds_ctx *ctx, walk *wk, const char *prof, sqlambda_creds *out,
                  char *err, size_t errlen);

static void chain_text(const walk *wk, const char *last, char *buf, size_t n) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < wk->n && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%.40s -> ", wk->visited[i]);
    if (o < n) snprintf(buf + o, n - o, "%.40s", last);
}

/* Credentials of a source profile (botocore's _resolve_credentials_from_profile). */
static int from_source_profile(const creds_ctx *ctx, walk *wk, const char *parent,
                               const char *name, sqlambda_creds *out, char *err, size_t errlen) {
    if (has_static(ctx->files, name) || !sqlambda_creds_is_assume_role(ctx->files, name)) {
        creds_ctx c = *ctx;
        c.profile = name;
        c.no_env = 1;
        /* SSO first, as in botocore's ProfileProviderBuilder */
        int rc = sqlambda_creds_sso(&c, out, err, errlen);
        if (rc == CREDS_ABSENT) rc = sqlambda_creds_profile(&c, out, err, errlen);
        if (rc == CREDS_ABSENT) rc = sqlambda_creds_process(&c, out, err, errlen);
        if (rc == CREDS_ABSENT) rc = sqlambda_creds_web_identity(&c, out, err, errlen);
        if (rc == CREDS_ABSENT)
            sqlambda_fmt(err, errlen, "profile \"%.64s\": its source_profile \"%.64s\" has no "
                         "credentials (SSO, static keys, credential_process, web identity or "
                         "role_arn)", parent, name);
        return rc == CREDS_ABSENT ? CREDS_ERROR : rc;
    }
    return assume(ctx, wk, name, out, err, errlen);
}

static int assume(const creds_ctx *ctx, walk *wk, const char *prof, sqlambda_creds *out,
                  char *err, size_t errlen) {
    const sqlambda_profiles *f = ctx->files;
    role_config rc = {key(f, prof, "role_arn"),          key(f, prof, "source_profile"),
                      key(f, prof, "credential_source"), key(f, prof, "role_session_name"),
                      key(f, prof, "external_id"),       key(f, prof, "duration_seconds"),
                      key(f, prof, "mfa_serial")};
    if (sqlambda_role_config_check(prof, &rc, err, errlen) != 0) return CREDS_ERROR;
    if (wk->n == MAX_CHAIN) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\": role chain longer than %d profiles", prof,
                     MAX_CHAIN);
        return CREDS_ERROR;
    }
    wk->visited[wk->n++] = prof;
    sqlambda_creds src = {0};
    int got;
    if (rc.credential_source) {
        creds_ctx c = *ctx;
        c.profile = prof;
        int kind = sqlambda_role_credential_source(rc.credential_source);
        got = kind == ROLE_SOURCE_ENV    ? sqlambda_creds_env(&c, &src, err, errlen)
              : kind == ROLE_SOURCE_IMDS ? sqlambda_creds_imds(&c, &src, err, errlen)
                                         : sqlambda_creds_container(&c, &src, err, errlen);
        if (got == CREDS_ABSENT) {
            char why[200];
            sqlambda_fmt(why, sizeof why, "%s", err);
            sqlambda_fmt(err, errlen, "profile \"%.64s\": credential_source = %s gave no "
                         "credentials%s%.180s", prof, rc.credential_source, why[0] ? ": " : "",
                         why);
            got = CREDS_ERROR;
        }
    } else {
        const char *sp = rc.source_profile;
        int seen = 0;
        for (int i = 0; i < wk->n; i++) seen |= strcmp(wk->visited[i], sp) == 0;
        if (!sqlambda_profiles_exists(f, sp)) {
            char shown[100];
            sqlambda_show_value(shown, sizeof shown, sp, strlen(sp), 64);
            sqlambda_fmt(err, errlen, "profile \"%.64s\": source_profile \"%s\" not found",
                         prof, shown);
            got = CREDS_ERROR;
        } else if (seen && (strcmp(sp, prof) != 0 || !has_static(f, sp))) {
            char path[300];
            chain_text(wk, sp, path, sizeof path);
            sqlambda_fmt(err, errlen, "profile \"%.64s\": source_profile makes a cycle: %s",
                         prof, path);
            got = CREDS_ERROR;
        } else {
            got = from_source_profile(ctx, wk, prof, sp, &src, err, errlen);
        }
    }
    if (got == CREDS_FOUND) {
        err[0] = 0;
        got = sts_assume(ctx, prof, &rc, &src, wk, out, err, errlen);
    }
    sqlambda_creds_clear(&src);
    return got;
}

int sqlambda_creds_assume_role(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                               size_t errlen) {
    if (!sqlambda_creds_is_assume_role(ctx->files, ctx->profile)) return CREDS_ABSENT;
    walk wk = {.n = 0,
               .deadline = sqlambda_now_ms() + (double)sqlambda_creds_chain_bound(ctx->timeout_ms)};
    return assume(ctx, &wk, ctx->profile, out, err, errlen);
}
