/*
 * creds_container.c — ECS/EKS container credentials:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2), else
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only to loopback
 * or the ECS/EKS link-local hosts). AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 * or AWS_CONTAINER_AUTHORIZATION_TOKEN becomes the Authorization header.
 * The request is bounded (2 s by default, like botocore) and cancellable.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define CONTAINER_HOST "http://169.254.170.2"

/* 1 if an http URL's host is allowed: 127.0.0.0/8, ::1, localhost,
 * 169.254.170.2 (ECS), 169.254.170.23 and fd00:ec2::23 (EKS). */
static int allowed_http_host(const char *host) {
    struct in_addr a4;
    struct in6_addr a6;
    char h[128];
    size_t n = strlen(host);
    if (n >= sizeof h) return 0;
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = 0;
    } else {
        memcpy(h, host, n + 1);
    }
    if (strcmp(h, "localhost") == 0) return 1;
    if (inet_pton(AF_INET, h, &a4) == 1) {
        uint32_t ip = ntohl(a4.s_addr);
        return (ip >> 24) == 127 || ip == 0xA9FEAA02u /* .170.2 */ || ip == 0xA9FEAA17u /* .23 */;
    }
    if (inet_pton(AF_INET6, h, &a6) == 1) {
        static const unsigned char eks[16] = {0xfd, 0, 0, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23};
        return IN6_IS_ADDR_LOOPBACK(&a6) || memcmp(&a6, eks, 16) == 0;
    }
    return 0;
}

int sqlambda_creds_container(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                             size_t errlen) {
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char *url = NULL, *tok = NULL, *auth = NULL;
    int ret = CREDS_ERROR;
    sqlambda_http_response r = {0};
    if (rel && *rel) {
        if (rel[0] != '/' || strpbrk(rel, " \r\n\t") ||
            asprintf(&url, "%s%s", CONTAINER_HOST, rel) < 0) {
            url = NULL;
            sqlambda_fmt(err, errlen, "container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
                         "must be a path starting with '/'");
            goto out;
        }
    } else if (full && *full) {
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        int okurl = u && curl_url_set(u, CURLUPART_URL, full, 0) == CURLUE_OK &&
                    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
        if (!okurl || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
            sqlambda_fmt(err, errlen, "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI "
                         "\"%.100s\" is not an http(s) URL", full);
        else if (strcmp(scheme, "http") == 0 && !allowed_http_host(host))
            sqlambda_fmt(err, errlen, "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI "
                         "host %.60s is not allowed over http (only loopback, 169.254.170.2 "
                         "or 169.254.170.23; use https)", host);
        else
            url = strdup(full);
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        if (!url) goto out;
    } else {
        return CREDS_ABSENT;
    }
    const char *tfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tenv = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tfile && *tfile) {
        if (!(tok = sqlambda_read_small_file(tfile, 16384))) {
            sqlambda_fmt(err, errlen, "container credentials: cannot read "
                         "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.120s", tfile);
            goto out;
        }
    } else if (tenv && *tenv) {
        tok = strdup(tenv);
    }
    if (tok && strpbrk(tok, "\r\n")) {
        sqlambda_fmt(err, errlen, "container credentials: the authorization token contains a "
                     "line break");
        goto out;
    }
    if (tok && asprintf(&auth, "Authorization: %s", tok) < 0) auth = NULL;
    const char *hdrs[] = {"Accept: application/json", auth, NULL};
    if (sqlambda_http_simple("GET", url, hdrs, NULL, ctx->w,
                             sqlambda_creds_timeout(ctx, CREDS_CONTAINER_TIMEOUT_MS), &r) != 0) {
        ret = sqlambda_creds_http_code(&r);
        if (ret == CREDS_CANCELLED)
            sqlambda_fmt(err, errlen, "container credentials: cancelled while waiting for %.100s",
                         url);
        else if (ret == CREDS_TIMEOUT)
            sqlambda_fmt(err, errlen, "container credentials: %.100s %s (%s)", url, r.error,
                         ctx->setting);
        else
            sqlambda_fmt(err, errlen, "container credentials: %.100s unreachable: %s", url,
                         r.error);
        goto out;
    }
    if (r.status != 200) {
        sqlambda_fmt(err, errlen, "container credentials: %.100s answered HTTP %ld", url, r.status);
        goto out;
    }
    char why[120];
    if (sqlambda_creds_parse_json(CREDS_JSON_CONTAINER, r.body.data, r.body.len, out, why,
                                  sizeof why) != 0) {
        sqlambda_fmt(err, errlen, "container credentials: %.100s answered without valid "
                     "credentials JSON (%s)", url, why);
        goto out;
    }
    ret = CREDS_FOUND;
out:
    if (r.body.data) explicit_bzero(r.body.data, r.body.len);
    sqlambda_http_response_free(&r);
    if (tok) explicit_bzero(tok, strlen(tok));
    if (auth) explicit_bzero(auth, strlen(auth));
    free(tok);
    free(auth);
    free(url);
    return ret;
}
