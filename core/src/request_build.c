/*
 * request_build.c — turns a checked call into HTTP: signing region,
 * endpoint URL (parsed once per client and cached), Host header, path and
 * query (once per call), then for every attempt fresh credentials,
 * X-Amz-Date (formatted once a second), the SigV4 Authorization header
 * (the client's signer) and the per-call curl options. For configuration
 * errors it finds the endpoint host when it is known, for the message.
 */
#include "client_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

void sqlambda_client_endpoint_free(sqlambda_client *c) {
    free(c->ep_url);
    free(c->ep_base);
    free(c->ep_host);
    free(c->ep_prefix);
    c->ep_url = c->ep_base = c->ep_host = c->ep_prefix = NULL;
}

/* Splits endpoint into the client's cache: base ("scheme://host[:port]"),
 * Host header and path prefix (no trailing '/'). On a bad URL, fills
 * call->res (naming the host when one was found; unless call is NULL) and
 * returns E_CONFIG. */
static sqlambda_status parse_endpoint(sqlambda_client *c, sqlambda_call *call, const char *endpoint) {
    char detail[300];
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    sqlambda_status st = SQLAMBDA_E_CONFIG;
    if (!u) return SQLAMBDA_E_NOMEM;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, endpoint, 0);
    if (uc != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        sqlambda_fmt(detail, sizeof detail, "bad endpoint URL \"%.200s\": %s", endpoint,
                     uc != CURLUE_OK ? curl_url_strerror(uc) : "no host");
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
    char *base = malloc(n), *hosthdr = malloc(n), *url = strdup(endpoint);
    size_t pl = path ? strlen(path) : 0;
    while (pl > 0 && path[pl - 1] == '/') pl--;
    char *prefix = strndup(path ? path : "", pl);
    if (!base || !hosthdr || !url || !prefix) {
        free(base);
        free(hosthdr);
        free(url);
        free(prefix);
        st = SQLAMBDA_E_NOMEM;
        goto out;
    }
    snprintf(base, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    snprintf(hosthdr, n, "%s%s%s", host, port && !default_port ? ":" : "",
             port && !default_port ? port : "");
    sqlambda_client_endpoint_free(c);
    c->ep_url = url;
    c->ep_base = base;
    c->ep_host = hosthdr;
    c->ep_prefix = prefix;
    st = SQLAMBDA_OK;
out:
    if (st == SQLAMBDA_E_CONFIG && call) {
        free(call->res.endpoint_host);
        call->res.endpoint_host = host && *host ? strdup(host) : NULL;
        fail_msg(call, st, detail);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return st;
}

/* The region the call is signed for: the ARN's, the call's, the client's. */
static const char *call_region(sqlambda_client *c, sqlambda_call *call) {
    if (call->ref.region[0]) return call->ref.region;
    if (call->region && *call->region) return call->region;
    if (c->cfg.region && *c->cfg.region) return c->cfg.region;
    return NULL;
}

/* Before failing for a configuration problem: puts the endpoint host in
 * the result when it is known anyway (a configured endpoint that parses,
 * or the region's default endpoint), so the message can name it. */
static void note_host(sqlambda_client *c, sqlambda_call *call) {
    free(call->res.endpoint_host);
    call->res.endpoint_host = NULL;
    if (c->cfg.endpoint_bad) return; /* the call would not go to the region's */
    const char *region = call_region(c, call);
    const char *configured = c->cfg.endpoint_url && *c->cfg.endpoint_url ? c->cfg.endpoint_url : NULL;
    char *derived = configured || !region
                        ? NULL
                        : sqlambda_default_endpoint(region, c->cfg.use_fips, c->cfg.use_dualstack);
    const char *endpoint = configured ? configured : derived;
    if (endpoint && (!c->ep_url || strcmp(c->ep_url, endpoint) != 0))
        parse_endpoint(c, NULL, endpoint);
    if (endpoint && c->ep_url && strcmp(c->ep_url, endpoint) == 0)
        call->res.endpoint_host = strdup(c->ep_host);
    free(derived);
}

sqlambda_status sqlambda_call_prepare(sqlambda_client *c, sqlambda_call *call) {
    if (c->cfg.error[0]) {
        note_host(c, call);
        fail_msg(call, SQLAMBDA_E_CONFIG, c->cfg.error);
        return SQLAMBDA_E_CONFIG;
    }
    call->sign_region = call_region(c, call);
    if (!call->sign_region) {
        note_host(c, call); /* a configured endpoint's host */
        fail_msg(call, SQLAMBDA_E_CONFIG,
                 "no region: set the region option, AWS_REGION or AWS_DEFAULT_REGION, a profile "
                 "region, or call with a full function ARN");
        return SQLAMBDA_E_CONFIG;
    }
    char why[300];
    if (sqlambda_check_region_what(call->sign_region, strlen(call->sign_region), "region", why,
                                   sizeof why) != SQLAMBDA_OK) {
        /* validate.c and config.c already refuse bad regions: a last guard */
        fail_msg(call, SQLAMBDA_E_INVALID, why);
        return SQLAMBDA_E_INVALID;
    }
    const char *configured = c->cfg.endpoint_url && *c->cfg.endpoint_url ? c->cfg.endpoint_url : NULL;
    char *derived = configured ? NULL : sqlambda_default_endpoint(call->sign_region, c->cfg.use_fips,
                                                                    c->cfg.use_dualstack);
    const char *endpoint = configured ? configured : derived;
    if (!endpoint) return SQLAMBDA_E_NOMEM;
    sqlambda_status st = SQLAMBDA_OK;
    if (!c->ep_url || strcmp(c->ep_url, endpoint) != 0) st = parse_endpoint(c, call, endpoint);
    free(derived);
    if (st != SQLAMBDA_OK) return st;
    call->url_base = strdup(c->ep_base);
    call->host = strdup(c->ep_host);
    free(call->res.endpoint_host);
    call->res.endpoint_host = strdup(c->ep_host);
    char *ipath = call->stream ? sqlambda_invoke_stream_path(&call->ref, call->function)
                               : sqlambda_invoke_path(&call->ref, call->function);
    call->path = ipath ? concat(c->ep_prefix, ipath) : NULL;
    free(ipath);
    if (!call->url_base || !call->host || !call->path || !call->res.endpoint_host)
        return SQLAMBDA_E_NOMEM;
    if (call->qualifier && *call->qualifier) {
        char *enc = curl_easy_escape(NULL, call->qualifier, 0);
        call->query = enc ? concat("Qualifier=", enc) : NULL;
        curl_free(enc);
        if (!call->query) return SQLAMBDA_E_NOMEM;
    }
    size_t ul = strlen(call->url_base) + strlen(call->path) + (call->query ? strlen(call->query) : 0) + 2;
    if (!(call->url = malloc(ul))) return SQLAMBDA_E_NOMEM;
    snprintf(call->url, ul, "%s%s%s%s", call->url_base, call->path, call->query ? "?" : "",
             call->query ? call->query : "");
    return SQLAMBDA_OK;
}

static const char *invocation_type_name(sqlambda_invocation_type t) {
    return t == SQLAMBDA_EVENT ? "Event" : t == SQLAMBDA_DRY_RUN ? "DryRun" : "RequestResponse";
}

/* Appends "Name: value" and its NUL to the call's header text. */
static int add_header(sqlambda_buf *t, size_t *offs, size_t *n, const char *name, const char *value) {
    if (*n >= SQLAMBDA_CALL_HEADERS) return -1;
    offs[(*n)++] = t->len;
    size_t nl = strlen(name), vl = value ? strlen(value) : 0;
    int rc = sqlambda_buf_append(t, name, nl);
    if (value) {
        rc |= sqlambda_buf_append(t, ": ", 2);
        rc |= sqlambda_buf_append(t, value, vl);
    }
    rc |= sqlambda_buf_append(t, "", 1); /* the NUL ending this line */
    return rc ? -1 : 0;
}

/* X-Amz-Date for now, formatted once per second per client. */
static const char *amz_date_now(sqlambda_client *c) {
    time_t now = time(NULL);
    if (now != c->date_at || !c->amz_date[0]) {
        sqlambda_amz_date(now, c->amz_date);
        c->date_at = now;
    }
    return c->amz_date;
}

sqlambda_status sqlambda_call_setup_attempt(sqlambda_client *c, sqlambda_call *call) {
    char err[400] = "";
    sqlambda_creds cr;
    memset(&cr, 0, sizeof cr);
    sqlambda_status st = sqlambda_creds_get(c->creds, &cr, err, sizeof err);
    if (st != SQLAMBDA_OK) {
        if (st != SQLAMBDA_E_CONFIG && st != SQLAMBDA_E_TIMEOUT && st != SQLAMBDA_E_CANCELLED &&
            st != SQLAMBDA_E_NOMEM)
            st = SQLAMBDA_E_CREDENTIALS;
        fail_msg(call, st, err[0] ? err : "no credentials");
        sqlambda_creds_clear(&cr);
        return st;
    }
    /* credentials go into headers: a line break would inject new ones */
    if (strpbrk(cr.access_key_id ? cr.access_key_id : "", "\r\n") ||
        (cr.session_token && strpbrk(cr.session_token, "\r\n"))) {
        fail_msg(call, SQLAMBDA_E_CREDENTIALS,
                 cr.session_token && strpbrk(cr.session_token, "\r\n")
                     ? "the session token from the credential source has a line break; not sent"
                     : "the access key id from the credential source has a line break; not sent");
        sqlambda_creds_clear(&cr);
        return SQLAMBDA_E_CREDENTIALS;
    }
    const char *amz_date = amz_date_now(c);
    sqlambda_header h[6];
    size_t nh = 0;
    h[nh++] = (sqlambda_header){"Host", call->host};
    h[nh++] = (sqlambda_header){"X-Amz-Date", amz_date};
    h[nh++] = (sqlambda_header){"X-Amz-Invocation-Type", invocation_type_name(call->req.invocation_type)};
    if (call->req.log_type == SQLAMBDA_LOG_TAIL) h[nh++] = (sqlambda_header){"X-Amz-Log-Type", "Tail"};
    if (call->cc_b64) h[nh++] = (sqlambda_header){"X-Amz-Client-Context", call->cc_b64};
    if (cr.session_token && *cr.session_token)
        h[nh++] = (sqlambda_header){"X-Amz-Security-Token", cr.session_token};
    sqlambda_sigv4_request sr = {
        .method = "POST", .path = call->path, .query = call->query, .headers = h, .nheaders = nh,
        .body = call->payload, .body_len = call->req.payload_len, .payload_hash = NULL,
        .region = call->sign_region, .service = "lambda", .amz_date = amz_date,
        .double_encode_path = 1, .normalize_path = 1};
    sqlambda_sigv4_credentials sc = {cr.access_key_id, cr.secret_access_key, cr.session_token};
    char auth[1024];
    int signed_ok = sqlambda_sigv4_sign_with(c->signer, &sr, &sc, auth, sizeof auth) == 0;
    int bad = !signed_ok;
    sqlambda_buf *t = &call->hdr_text;
    size_t offs[SQLAMBDA_CALL_HEADERS], n = 0;
    t->len = 0;
    if (!t->data) bad |= sqlambda_buf_reserve(t, 1024) != 0; /* one allocation, not five */
    for (size_t i = 0; i < nh && !bad; i++) bad |= add_header(t, offs, &n, h[i].name, h[i].value);
    if (!bad) bad |= add_header(t, offs, &n, "Authorization", auth);
    /* Like botocore: no Content-Type for Invoke's blob payload; no Expect. */
    if (!bad) bad |= add_header(t, offs, &n, "Content-Type:", NULL);
    if (!bad) bad |= add_header(t, offs, &n, "Expect:", NULL);
    sqlambda_creds_clear(&cr);
    explicit_bzero(auth, sizeof auth);
    if (bad) {
        fail_msg(call, signed_ok ? SQLAMBDA_E_NOMEM : SQLAMBDA_E_CREDENTIALS,
                 signed_ok ? "out of memory" : "could not sign the request");
        return call->res.status;
    }
    for (size_t i = 0; i < n; i++) {
        call->hdr_nodes[i].data = t->data + offs[i];
        call->hdr_nodes[i].next = i + 1 < n ? &call->hdr_nodes[i + 1] : NULL;
    }

    CURL *e = call->easy;
    sqlambda_reply_reset(&call->reply, c->max_response);
    if (call->stream) sqlambda_stream_reset(call->stream);
    call->curl_err[0] = 0;
    /* the options that vary per call; the rest were set with the handle */
    curl_easy_setopt(e, CURLOPT_URL, call->url); /* curl copies it */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->payload);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->req.payload_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->hdr_nodes);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &call->reply);
    /* handles are pooled: a stream call's settings are undone for the next */
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, call->stream ? sqlambda_stream_body_cb : sqlambda_reply_body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call->stream ? (void *)call : (void *)&call->reply);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(call->stream ? 0 : c->max_response));
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->curl_err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    return SQLAMBDA_OK;
}
