/*
 * request_build.c — turns a checked call into HTTP: signing region,
 * endpoint URL, Host header, path and query (once per call), then for every
 * attempt fresh credentials, X-Amz-Date, the SigV4 Authorization header and
 * the curl easy handle options.
 */
#include "client_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail_msg(sqlambda_call *call, sqlambda_status st, const char *detail) {
    call->res.status = st;
    sqlambda_result_message(&call->res, detail);
}

static char *concat(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (!s) return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* Splits endpoint into url_base ("scheme://host[:port]"), host header and
 * path prefix (no trailing '/'). */
static sqlambda_status parse_endpoint(sqlambda_call *call, const char *endpoint, char **prefix) {
    char detail[300];
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    sqlambda_status st = SQLAMBDA_E_CONFIG;
    if (!u) return SQLAMBDA_E_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        sqlambda_fmt(detail, sizeof detail, "bad endpoint URL \"%.200s\"", endpoint);
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        sqlambda_fmt(detail, sizeof detail, "bad endpoint URL \"%.200s\": scheme must be http or https",
                     endpoint);
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when explicit */
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    int default_port = port && ((strcasecmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
                                (strcasecmp(scheme, "https") == 0 && strcmp(port, "443") == 0));
    size_t n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 8;
    char *base = malloc(n), *hosthdr = malloc(n);
    if (!base || !hosthdr) {
        free(base);
        free(hosthdr);
        st = SQLAMBDA_E_NOMEM;
        goto out;
    }
    snprintf(base, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    snprintf(hosthdr, n, "%s%s%s", host, port && !default_port ? ":" : "",
             port && !default_port ? port : "");
    size_t pl = path ? strlen(path) : 0;
    while (pl > 0 && path[pl - 1] == '/') pl--;
    *prefix = strndup(path ? path : "", pl);
    call->url_base = base;
    call->host = hosthdr;
    st = *prefix ? SQLAMBDA_OK : SQLAMBDA_E_NOMEM;
out:
    if (st == SQLAMBDA_E_CONFIG) {
        free(call->res.endpoint_host);
        call->res.endpoint_host = sqlambda_strdup0(host && *host ? host : endpoint);
        fail_msg(call, st, detail);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return st;
}

sqlambda_status sqlambda_call_prepare(sqlambda_client *c, sqlambda_call *call) {
    if (c->cfg.error[0]) {
        fail_msg(call, SQLAMBDA_E_CONFIG, c->cfg.error);
        return SQLAMBDA_E_CONFIG;
    }
    if (call->ref.region[0]) call->sign_region = call->ref.region;
    else if (call->region && *call->region) call->sign_region = call->region;
    else if (c->cfg.region && *c->cfg.region) call->sign_region = c->cfg.region;
    else {
        fail_msg(call, SQLAMBDA_E_CONFIG,
                 "no region: set the region option, AWS_REGION or AWS_DEFAULT_REGION, a profile "
                 "region, or call with a full function ARN");
        return SQLAMBDA_E_CONFIG;
    }
    char *endpoint = c->cfg.endpoint_url && *c->cfg.endpoint_url
                         ? strdup(c->cfg.endpoint_url)
                         : sqlambda_default_endpoint(call->sign_region);
    if (!endpoint) return SQLAMBDA_E_NOMEM;
    char *prefix = NULL;
    sqlambda_status st = parse_endpoint(call, endpoint, &prefix);
    free(endpoint);
    if (st != SQLAMBDA_OK) return st;
    free(call->res.endpoint_host);
    call->res.endpoint_host = strdup(call->host);
    char *ipath = sqlambda_invoke_path(&call->ref, call->function);
    call->path = ipath ? concat(prefix, ipath) : NULL;
    free(ipath);
    free(prefix);
    if (!call->path || !call->res.endpoint_host) return SQLAMBDA_E_NOMEM;
    if (call->qualifier && *call->qualifier) {
        char *enc = curl_easy_escape(NULL, call->qualifier, 0);
        call->query = enc ? concat("Qualifier=", enc) : NULL;
        curl_free(enc);
        if (!call->query) return SQLAMBDA_E_NOMEM;
    }
    return SQLAMBDA_OK;
}

static const char *invocation_type_name(sqlambda_invocation_type t) {
    return t == SQLAMBDA_EVENT ? "Event" : t == SQLAMBDA_DRY_RUN ? "DryRun" : "RequestResponse";
}

static int add_header(struct curl_slist **l, const char *name, const char *value) {
    sqlambda_buf line = {0};
    if (sqlambda_buf_printf(&line, "%s: %s", name, value) != 0) {
        sqlambda_buf_free(&line);
        return -1;
    }
    struct curl_slist *n = curl_slist_append(*l, line.data);
    sqlambda_buf_free(&line);
    if (!n) return -1;
    *l = n;
    return 0;
}

sqlambda_status sqlambda_call_setup_attempt(sqlambda_client *c, sqlambda_call *call) {
    char err[256] = "";
    sqlambda_creds cr;
    memset(&cr, 0, sizeof cr);
    sqlambda_status st = sqlambda_creds_get(c->creds, &cr, err, sizeof err);
    if (st != SQLAMBDA_OK) {
        if (st != SQLAMBDA_E_CONFIG) st = SQLAMBDA_E_CREDENTIALS;
        fail_msg(call, st, err[0] ? err : "no credentials");
        sqlambda_creds_clear(&cr);
        return st;
    }
    char amz_date[17];
    sqlambda_amz_date(time(NULL), amz_date);
    sqlambda_header h[6];
    size_t nh = 0;
    h[nh++] = (sqlambda_header){"host", call->host};
    h[nh++] = (sqlambda_header){"x-amz-date", amz_date};
    h[nh++] = (sqlambda_header){"x-amz-invocation-type", invocation_type_name(call->req.invocation_type)};
    if (call->req.log_type == SQLAMBDA_LOG_TAIL) h[nh++] = (sqlambda_header){"x-amz-log-type", "Tail"};
    if (call->cc_b64) h[nh++] = (sqlambda_header){"x-amz-client-context", call->cc_b64};
    if (cr.session_token && *cr.session_token)
        h[nh++] = (sqlambda_header){"x-amz-security-token", cr.session_token};
    sqlambda_sigv4_request sr = {
        .method = "POST", .path = call->path, .query = call->query, .headers = h, .nheaders = nh,
        .body = call->payload, .body_len = call->req.payload_len, .payload_hash = NULL,
        .region = call->sign_region, .service = "lambda", .amz_date = amz_date,
        .double_encode_path = 1, .normalize_path = 1};
    sqlambda_sigv4_credentials sc = {cr.access_key_id, cr.secret_access_key, cr.session_token};
    char auth[1024];
    int signed_ok = sqlambda_sigv4_sign(&sr, &sc, auth, sizeof auth, NULL, NULL) == 0;
    struct curl_slist *l = NULL;
    int bad = !signed_ok;
    static const char *const wire[] = {"Host", "X-Amz-Date", "X-Amz-Invocation-Type",
                                       "X-Amz-Log-Type", "X-Amz-Client-Context",
                                       "X-Amz-Security-Token"};
    for (size_t i = 0; i < nh && !bad; i++) {
        const char *name = h[i].name;
        for (size_t k = 0; k < sizeof wire / sizeof wire[0]; k++)
            if (strcasecmp(wire[k], name) == 0) name = wire[k];
        bad |= add_header(&l, name, h[i].value) != 0;
    }
    if (!bad) bad |= add_header(&l, "Authorization", auth) != 0;
    /* Like botocore: no Content-Type for Invoke's blob payload; no Expect. */
    struct curl_slist *n;
    if (!bad && (n = curl_slist_append(l, "Content-Type:"))) l = n; else bad = 1;
    if (!bad && (n = curl_slist_append(l, "Expect:"))) l = n; else bad = 1;
    sqlambda_creds_clear(&cr);
    explicit_bzero(auth, sizeof auth);
    if (bad) {
        curl_slist_free_all(l);
        fail_msg(call, signed_ok ? SQLAMBDA_E_NOMEM : SQLAMBDA_E_CREDENTIALS,
                 signed_ok ? "out of memory" : "could not sign the request");
        return call->res.status;
    }
    curl_slist_free_all(call->headers);
    call->headers = l;

    size_t ul = strlen(call->url_base) + strlen(call->path) + (call->query ? strlen(call->query) : 0) + 2;
    char *url = malloc(ul);
    if (!url) return SQLAMBDA_E_NOMEM;
    snprintf(url, ul, "%s%s%s%s", call->url_base, call->path, call->query ? "?" : "",
             call->query ? call->query : "");
    CURL *e = call->easy;
    sqlambda_reply_reset(&call->reply, c->max_response);
    call->curl_err[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, url); /* curl copies it */
    free(url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->payload);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->req.payload_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->opts.ca_file && *c->opts.ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, c->opts.ca_file);
    curl_easy_setopt(e, CURLOPT_SHARE, c->share);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sqlambda_reply_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &call->reply);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sqlambda_reply_body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &call->reply);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->curl_err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    return SQLAMBDA_OK;
}
