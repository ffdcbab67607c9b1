/*
 * response.c — receiving and reading one attempt's answer: the curl header
 * and body callbacks (size cap enforced while receiving), turning status,
 * headers and body into a sqlambda_result (function errors, AWS service
 * errors in JSON/XML/other bodies, transport failures), and the one-line
 * human message.
 */
#include "client_internal.h"
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sqlambda_reply_free(sqlambda_reply *r) {
    sqlambda_buf_free(&r->body);
    free(r->executed_version);
    free(r->log_result_b64);
    free(r->function_error);
    free(r->error_type_hdr);
    free(r->request_id);
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
}

void sqlambda_reply_reset(sqlambda_reply *r, size_t cap) {
    sqlambda_reply_free(r);
    r->cap = cap;
}

static char *trimmed_dup(const char *v, size_t n) {
    while (n > 0 && isspace((unsigned char)*v)) v++, n--;
    while (n > 0 && isspace((unsigned char)v[n - 1])) n--;
    return strndup(v, n);
}

static void set_field(char **f, const char *v, size_t n) {
    free(*f);
    *f = trimmed_dup(v, n);
}

size_t sqlambda_reply_header_cb(char *buf, size_t size, size_t n, void *userp) {
    sqlambda_reply *r = userp;
    size_t len = size * n;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) { /* a new response (after 1xx): start over */
        size_t cap = r->cap;
        sqlambda_reply_reset(r, cap);
        return len;
    }
    /* every header read below starts with x, r or c: skip the rest at once */
    char c0 = len ? (char)(buf[0] | 0x20) : 0;
    if (c0 != 'x' && c0 != 'r' && c0 != 'c') return len;
    const char *colon = memchr(buf, ':', len);
    if (!colon) return len; /* blank line ending the headers */
    size_t nl = (size_t)(colon - buf);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    char name[64];
    if (nl == 0 || nl >= sizeof name) return len;
    memcpy(name, buf, nl);
    name[nl] = 0;
    char tmp[64];
    if (strcasecmp(name, "x-amz-executed-version") == 0) set_field(&r->executed_version, v, vl);
    else if (strcasecmp(name, "x-amz-log-result") == 0) set_field(&r->log_result_b64, v, vl);
    else if (strcasecmp(name, "x-amz-function-error") == 0) set_field(&r->function_error, v, vl);
    else if (strcasecmp(name, "x-amzn-errortype") == 0) set_field(&r->error_type_hdr, v, vl);
    else if (strcasecmp(name, "x-amzn-requestid") == 0 || strcasecmp(name, "x-amz-request-id") == 0)
        set_field(&r->request_id, v, vl);
    else if (strcasecmp(name, "retry-after") == 0 || strcasecmp(name, "x-amz-retry-after") == 0) {
        char *t = trimmed_dup(v, vl);
        if (!t) return 0;
        int amz = strcasecmp(name, "x-amz-retry-after") == 0;
        double ms = sqlambda_retry_after_ms(amz ? NULL : t, amz ? t : NULL);
        if (ms >= 0 && (amz || r->retry_after_ms < 0)) r->retry_after_ms = ms;
        free(t);
    } else if (strcasecmp(name, "content-length") == 0 && vl < sizeof tmp) {
        memcpy(tmp, v, vl);
        tmp[vl] = 0;
        char *end;
        unsigned long long cl = strtoull(tmp, &end, 10);
        while (isspace((unsigned char)*end)) end++;
        if (*end) r->bad_header = 1;
        else if (cl > r->cap) {
            r->oversize = 1;
            return 0; /* abort before receiving the body */
        }
    }
    return len;
}

size_t sqlambda_reply_body_cb(char *buf, size_t size, size_t n, void *userp) {
    sqlambda_reply *r = userp;
    size_t len = size * n;
    if (r->body.len + len > r->cap) {
        r->oversize = 1;
        return 0; /* curl stops the transfer: nothing more is buffered */
    }
    return sqlambda_buf_append(&r->body, buf, len) == 0 ? len : 0;
}

char *sqlambda_error_type_from_header(const char *v) {
    if (!v) return NULL;
    size_t n = strcspn(v, ":");
    return n ? trimmed_dup(v, n) : NULL;
}

static char *json_str(json_t *o, const char *k1, const char *k2) {
    json_t *v = json_object_get(o, k1);
    if (!json_is_string(v) && k2) v = json_object_get(o, k2);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static char *xml_elem(const char *body, size_t len, const char *tag) {
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = memmem(body, len, open, strlen(open));
    if (!s) return NULL;
    s += strlen(open);
    const char *e = memmem(s, len - (size_t)(s - body), close, strlen(close));
    return e ? trimmed_dup(s, (size_t)(e - s)) : NULL;
}

/* A bounded, single-line excerpt of a body. */
static char *snippet(const char *body, size_t len) {
    size_t n = len > 200 ? 200 : len;
    char *s = malloc(n + 4);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++) s[i] = (unsigned char)body[i] < 0x20 || body[i] == 0x7f ? ' ' : body[i];
    strcpy(s + n, len > n ? "..." : "");
    char *t = trimmed_dup(s, strlen(s));
    free(s);
    return t;
}

void sqlambda_parse_error_body(const char *body, size_t len, char **type, char **message) {
    *type = *message = NULL;
    if (!body || !len) return;
    json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (json_is_object(j)) {
        char *t = json_str(j, "__type", NULL);
        if (t) {
            char *h = strrchr(t, '#');
            if (h) memmove(t, h + 1, strlen(h + 1) + 1);
        } else {
            t = json_str(j, "code", "Code");
            if (!t) t = json_str(j, "errorType", NULL);
        }
        if (t) {
            char *c = sqlambda_error_type_from_header(t);
            free(t);
            t = c;
        }
        *type = t;
        *message = json_str(j, "message", "Message");
        if (!*message) *message = json_str(j, "errorMessage", NULL);
    } else if (memmem(body, len, "<Code>", 6)) {
        *type = xml_elem(body, len, "Code");
        *message = xml_elem(body, len, "Message");
    }
    if (!*message) *message = snippet(body, len);
    json_decref(j);
}

/* Bounded appends into a fixed line (called for every result, so no printf). */
typedef struct { char *p, *end; } line_out;

static void put(line_out *o, const char *s, size_t max) {
    for (size_t i = 0; s && s[i] && i < max && o->p < o->end; i++) *o->p++ = s[i];
}

static void put_long(line_out *o, long v) {
    char d[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do d[n++] = (char)('0' + u % 10); while ((u /= 10) && n < 23);
    if (v < 0) put(o, "-", 1);
    while (n > 0 && o->p < o->end) *o->p++ = d[--n];
}

void sqlambda_result_message(sqlambda_result *res, const char *detail) {
    line_out o = {res->message, res->message + sizeof res->message - 1};
    put(&o, "lambda function \"", 17);
    put(&o, res->function_name ? res->function_name : "?", 80);
    put(&o, "\"", 1);
    if (res->endpoint_host) {
        put(&o, " at ", 4);
        put(&o, res->endpoint_host, 100);
    }
    put(&o, ": ", 2);
    /* the tail (HTTP status, attempts) always fits: the description gets the rest */
    char tail_buf[64];
    line_out t = {tail_buf, tail_buf + sizeof tail_buf - 1};
    if (res->http_status || res->attempts) {
        put(&t, " (", 2);
        if (res->http_status) {
            put(&t, "HTTP ", 5);
            put_long(&t, res->http_status);
            put(&t, ", ", 2);
        }
        put_long(&t, res->attempts);
        put(&t, res->attempts == 1 ? " attempt)" : " attempts)", 10);
    }
    size_t tail = (size_t)(t.p - tail_buf);
    size_t what = (size_t)(o.end - o.p) > tail ? (size_t)(o.end - o.p) - tail : 0;
    if (what > 399) what = 399; /* the description's share of the line, at most */
    char *w0 = o.p;
    if (detail) {
        put(&o, detail, what);
    } else if (res->error_type) {
        put(&o, res->error_type, what);
        if (res->error_message && *res->error_message) {
            put(&o, ": ", what - (size_t)(o.p - w0) < 2 ? 0 : 2);
            put(&o, res->error_message, what - (size_t)(o.p - w0));
        }
    } else {
        put(&o, sqlambda_status_name(res->status), what);
    }
    put(&o, tail_buf, tail);
    *o.p = '\0';
    for (char *p = res->message; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
}

/* A response we cannot use: type BadResponse, the problem as its message. */
static void bad_response(sqlambda_result *res, const char *what) {
    res->status = SQLAMBDA_E_RESPONSE;
    res->error_type = strdup("BadResponse");
    res->error_message = strdup(what);
    sqlambda_result_message(res, NULL);
}

static void take_str(char **dst, char **src) {
    free(*dst);
    *dst = *src;
    *src = NULL;
}

void sqlambda_response_classify(sqlambda_call *call, CURLcode cc) {
    sqlambda_result *res = &call->res;
    sqlambda_reply *r = &call->reply;
    char detail[400];
    free(res->error_type);
    free(res->error_message);
    res->error_type = res->error_message = NULL;
    res->http_status = r->status;
    res->retry_after_ms = r->retry_after_ms > 0 ? r->retry_after_ms : 0;
    take_str(&res->request_id, &r->request_id);
    if (call->stream && r->status == 200) {
        sqlambda_stream_classify(call, cc);
        return;
    }
    if (cc != CURLE_OK || r->oversize) {
        if (r->oversize || cc == CURLE_FILESIZE_EXCEEDED) {
            res->status = SQLAMBDA_E_RESPONSE;
            sqlambda_fmt(detail, sizeof detail, "response from %s larger than %zu bytes",
                         res->endpoint_host ? res->endpoint_host : "?", r->cap);
        } else {
            res->status = cc == CURLE_OPERATION_TIMEDOUT ? SQLAMBDA_E_TIMEOUT : SQLAMBDA_E_TRANSPORT;
            const char *why = call->curl_err[0] ? call->curl_err : curl_easy_strerror(cc);
            sqlambda_fmt(detail, sizeof detail, "%s", why);
        }
        res->error_type = strdup(sqlambda_status_name(res->status));
        res->error_message = strdup(detail);
        sqlambda_result_message(res, NULL);
        return;
    }
    /* A complete HTTP response. */
    free(res->payload);
    res->payload_len = r->body.len;
    res->payload = r->body.data ? r->body.data : strdup("");
    r->body.data = NULL;
    r->body.len = r->body.cap = 0;
    take_str(&res->executed_version, &r->executed_version);
    take_str(&res->function_error, &r->function_error);
    free(res->log_result);
    res->log_result = NULL;
    if (r->log_result_b64 && *r->log_result_b64) {
        size_t n;
        unsigned char *d = sqlambda_b64_decode(r->log_result_b64, strlen(r->log_result_b64), &n);
        if (!d) {
            bad_response(res, "malformed X-Amz-Log-Result header (not base64)");
            return;
        }
        res->log_result = (char *)d; /* decode NUL-terminates */
    }
    if (r->bad_header) {
        bad_response(res, "malformed Content-Length header");
        return;
    }
    if (r->status >= 200 && r->status < 300) {
        if (res->function_error && *res->function_error) {
            res->status = SQLAMBDA_E_FUNCTION;
            json_t *j = json_loadb(res->payload, res->payload_len, JSON_DECODE_ANY, NULL);
            if (json_is_object(j)) {
                res->error_type = json_str(j, "errorType", NULL);
                res->error_message = json_str(j, "errorMessage", NULL);
            }
            json_decref(j);
            if (!res->error_type) res->error_type = strdup(res->function_error);
            if (!res->error_message) res->error_message = snippet(res->payload, res->payload_len);
        } else {
            res->status = SQLAMBDA_OK;
        }
        sqlambda_result_message(res, NULL);
        return;
    }
    char *btype = NULL, *bmsg = NULL;
    sqlambda_parse_error_body(res->payload, res->payload_len, &btype, &bmsg);
    res->error_type = sqlambda_error_type_from_header(r->error_type_hdr);
    if (!res->error_type) res->error_type = btype, btype = NULL;
    if (!res->error_type) {
        char t[32];
        sqlambda_fmt(t, sizeof t, "HTTP %ld", r->status);
        res->error_type = strdup(t);
    }
    res->error_message = bmsg;
    free(btype);
    res->status = r->status == 429 || sqlambda_retry_is_throttle_code(res->error_type)
                      ? SQLAMBDA_E_THROTTLED
                      : SQLAMBDA_E_SERVICE;
    sqlambda_result_message(res, NULL);
}
