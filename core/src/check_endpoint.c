/*
 * check_endpoint.c — the one rule for an endpoint override (the endpoint
 * setting, AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, profile endpoints):
 * printable ASCII only (no whitespace, CR/LF, NUL, control or non-ASCII
 * bytes, so no IDN host), at most 1024 characters, http or https, a host
 * of DNS labels or a bracketed IPv6 address, port 1-65535 if given, a path
 * of unreserved characters and '/' only, and no userinfo, '%'-escapes,
 * query or fragment. Parsed with libcurl's URL API, as the transport is.
 */
#include "internal.h"
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENDPOINT_MAX 1024

static int alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* DNS labels of [A-Za-z0-9_-] joined by single dots, or "[v6]". */
static int host_ok(const char *h) {
    size_t n = strlen(h);
    if (n == 0 || n > 253) return 0;
    if (h[0] == '[') {
        if (h[n - 1] != ']' || n < 4) return 0;
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)h[i];
            if (!(c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F')))
                return 0;
        }
        return 1;
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '.') {
            if (label == 0) return 0; /* leading dot or ".." */
            label = 0;
        } else if (alnum(c) || c == '-' || c == '_') {
            if (++label > 63) return 0;
        } else {
            return 0;
        }
    }
    return label > 0; /* no trailing dot */
}

/* '/'-separated unreserved characters; no "." or ".." segment. */
static int path_ok(const char *p) {
    for (const char *s = p; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!alnum(c) && c != '-' && c != '_' && c != '.' && c != '~' && c != '/') return 0;
        if (c == '/' && s[1] == '.' && (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
            return 0;
    }
    return 1;
}

/* The value for an error message, with any userinfo ("user:password@")
 * replaced by "***@": a refused endpoint's message reaches every SQL caller,
 * and the part before the last '@' may be a password. */
static void show_redacted(char *out, size_t outlen, const char *url, size_t n) {
    const char *at = url ? memrchr(url, '@', n) : NULL;
    if (!at) {
        sqlambda_show_value(out, outlen, url, n, 100);
        return;
    }
    const char *sep = strstr(url, "://");
    size_t keep = sep && sep < at ? (size_t)(sep + 3 - url) : 0;
    char head[120], tail[200];
    sqlambda_show_value(head, sizeof head, url, keep, 40);
    sqlambda_show_value(tail, sizeof tail, at + 1, n - (size_t)(at + 1 - url), 60);
    sqlambda_fmt(out, outlen, "%s***@%s", head, tail);
}

sqlambda_status sqlambda_check_endpoint_what(const char *url, const char *what, char *err,
                                             size_t errlen) {
    char shown[300];
    const char *why = NULL;
    size_t n = url ? strlen(url) : 0;
    show_redacted(shown, sizeof shown, url, n);
    char from[120] = "";
    if (what) sqlambda_fmt(from, sizeof from, " (from %s)", what);
    if (n == 0) {
        sqlambda_fmt(err, errlen, "invalid endpoint URL%s: empty", from);
        return SQLAMBDA_E_INVALID;
    }
    if (n > ENDPOINT_MAX) {
        sqlambda_fmt(err, errlen, "invalid endpoint URL \"%s\"%s: %zu characters long "
                     "(at most %d)", shown, from, n, ENDPOINT_MAX);
        return SQLAMBDA_E_INVALID;
    }
    for (size_t i = 0; i < n && !why; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') why = "contains whitespace or a line break";
        else if (c < 0x20 || c == 0x7f) why = "contains a control character";
        else if (c >= 0x80) why = "contains non-ASCII bytes (write an IDN host in its xn-- form)";
        else if (c == '%') why = "contains a %-escape";
        else if (c == '#') why = "has a fragment ('#')";
        else if (c == '?') why = "has a query ('?')";
        else if (c == '@') why = "has userinfo ('user:password@'); credentials never go in the URL";
        else if (c == '\\') why = "contains a backslash";
    }
    /* curl would resolve dot segments away: refuse them as written */
    if (!why && (strstr(url, "/./") || strstr(url, "/../") || (n >= 2 && !strcmp(url + n - 2, "/.")) ||
                 (n >= 3 && !strcmp(url + n - 3, "/.."))))
        why = "the path may not have . or .. segments";
    CURLU *u = why ? NULL : curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *user = NULL;
    if (!why && !u) {
        sqlambda_fmt(err, errlen, "out of memory");
        return SQLAMBDA_E_NOMEM;
    }
    if (!why) {
        CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
        if (uc != CURLUE_OK) why = curl_url_strerror(uc);
        else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
                 (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
            why = "scheme must be http or https";
        else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
            why = "has userinfo ('user:password@'); credentials never go in the URL";
        else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host_ok(host))
            why = "the host must be DNS labels (A-Z a-z 0-9 - _) joined by single dots, or [IPv6]";
        else if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
                 (strlen(port) > 5 || atol(port) < 1 || atol(port) > 65535))
            why = "port must be from 1 to 65535";
        else if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && !path_ok(path))
            why = "the path may hold only A-Z a-z 0-9 - _ . ~ and '/' (no . or .. segments)";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(user);
    curl_url_cleanup(u);
    if (!why) return SQLAMBDA_OK;
    sqlambda_fmt(err, errlen, "invalid endpoint URL \"%s\"%s: %s", shown, from, why);
    return SQLAMBDA_E_INVALID;
}

sqlambda_status sqlambda_check_endpoint_url(const char *url, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    return sqlambda_check_endpoint_what(url, NULL, err, errlen);
}
