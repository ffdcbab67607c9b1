/*
 * http_simple.c — one blocking HTTP request with libcurl's easy interface,
 * for the credential and metadata providers (IMDS, container, STS). Timeout
 * covers the whole request, the body is capped at 1 MB, TLS is verified,
 * only http/https, no redirects; loopback and link-local hosts bypass any
 * proxy (otherwise curl honours *_PROXY / NO_PROXY as usual).
 */
#include "internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_SIMPLE_MAX_BODY (1024 * 1024)

typedef struct {
    sqlambda_buf *b;
    int overflow;
} sink;

static size_t on_body(char *p, size_t sz, size_t n, void *arg) {
    sink *s = arg;
    size_t len = sz * n;
    if (s->b->len + len > HTTP_SIMPLE_MAX_BODY) {
        s->overflow = 1;
        return 0;
    }
    return sqlambda_buf_append(s->b, p, len) == 0 ? len : 0;
}

/* 1 for hosts that must never go through a proxy: loopback, link-local
 * (169.254.0.0/16 holds IMDS and the ECS/EKS credential endpoints). */
static int direct_host(const char *url) {
    CURLU *u = curl_url();
    char *host = NULL;
    int direct = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        direct = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
                 strcmp(host, "[::1]") == 0 || strncmp(host, "169.254.", 8) == 0 ||
                 strncmp(host, "[fd00:ec2::", 11) == 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return direct;
}

int sqlambda_http_simple(const char *method, const char *url, const char *const *headers,
                         const char *body, long timeout_ms, sqlambda_http_response *out) {
    memset(out, 0, sizeof *out);
    CURL *h = curl_easy_init();
    if (!h) {
        sqlambda_fmt(out->error, sizeof out->error, "out of memory");
        return -1;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (!n) {
            curl_slist_free_all(hl);
            curl_easy_cleanup(h);
            sqlambda_fmt(out->error, sizeof out->error, "out of memory");
            return -1;
        }
        hl = n;
    }
    /* curl adds "Expect: 100-continue" to bodies over 1 KB; avoid the wait */
    struct curl_slist *n = curl_slist_append(hl, "Expect:");
    if (n) hl = n;
    sink s = {&out->body, 0};
    if (timeout_ms <= 0) timeout_ms = 1000;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    if (direct_host(url)) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (strcmp(method, "GET") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    int ret = 0;
    if (rc != CURLE_OK) {
        if (s.overflow)
            sqlambda_fmt(out->error, sizeof out->error, "response body over %d bytes",
                         HTTP_SIMPLE_MAX_BODY);
        else
            sqlambda_fmt(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        out->status = 0;
        ret = -1;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    }
    if (!out->body.data) sqlambda_buf_append(&out->body, "", 0);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return ret;
}

void sqlambda_http_response_free(sqlambda_http_response *r) {
    if (!r) return;
    sqlambda_buf_free(&r->body);
    memset(r, 0, sizeof *r);
}
