/*
 * request_parse.c — the request checks of the Invoke API and the Runtime
 * API as pure functions of their inputs (method, raw URI, header values,
 * body), with no libmicrohttpd connection: the MHD callbacks
 * (invoke_api.c, invoke.c, runtime_api.c) call them, and so do the fuzz
 * targets (fuzz/fuzz_serve_*.c). An error comes back as the AWS-shaped
 * answer to send (api_error), never as a side effect.
 */
#include "serve.h"
#include "sqlambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUNCTIONS "/2015-03-31/functions"
#define FUNCTIONS_2019 "/2019-09-30/functions"
#define FUNCTIONS_2021 "/2021-11-15/functions"
#define RAPI_PREFIX "/2018-06-01/runtime/"

static int fail(api_error *e, unsigned status, const char *type, const char *kind, const char *key,
                const char *message) {
    e->status = status;
    e->type = type;
    e->kind = kind;
    e->msg_key = key;
    snprintf(e->message, sizeof e->message, "%s", message);
    return -1;
}

static int bad_param(api_error *e, const char *message) {
    return fail(e, 400, "InvalidParameterValueException", "User", "message", message);
}

/* The n-th '/'-separated segment of path[0..plen) (0-based), or NULL. */
static const char *segment(const char *path, size_t plen, int n, size_t *len) {
    const char *p = path, *end = path + plen;
    for (int i = 0; i < n; i++) {
        const char *sl = memchr(p, '/', (size_t)(end - p));
        if (!sl) return NULL;
        p = sl + 1;
    }
    const char *sl = memchr(p, '/', (size_t)(end - p));
    *len = sl ? (size_t)(sl - p) : (size_t)(end - p);
    return p;
}

/* Number of '/'-separated segments of a non-empty rest. */
static int segments(const char *rest, size_t rlen) {
    int n = 1;
    for (size_t i = 0; i < rlen; i++) n += rest[i] == '/';
    return n;
}

static int seg_is(const char *rest, size_t rlen, int n, const char *word) {
    size_t len;
    const char *p = segment(rest, rlen, n, &len);
    return p && len == strlen(word) && memcmp(p, word, len) == 0;
}

enum api_op api_route(const char *method, const char *raw_uri, char **seg, char **seg2, char **query) {
    *seg = *seg2 = *query = NULL;
    const char *qm = strchr(raw_uri, '?');
    size_t plen = qm ? (size_t)(qm - raw_uri) : strlen(raw_uri);
    const char *prefix = NULL;
    int v2019 = 0, v2021 = 0;
    if (plen >= strlen(FUNCTIONS) && memcmp(raw_uri, FUNCTIONS, strlen(FUNCTIONS)) == 0) {
        prefix = FUNCTIONS;
    } else if (plen >= strlen(FUNCTIONS_2019) &&
               memcmp(raw_uri, FUNCTIONS_2019, strlen(FUNCTIONS_2019)) == 0) {
        prefix = FUNCTIONS_2019;
        v2019 = 1;
    } else if (plen >= strlen(FUNCTIONS_2021) &&
               memcmp(raw_uri, FUNCTIONS_2021, strlen(FUNCTIONS_2021)) == 0) {
        prefix = FUNCTIONS_2021;
        v2021 = 1;
    }
    if (!prefix) return API_UNKNOWN;
    size_t flen = strlen(prefix);
    if (plen > flen && raw_uri[flen] != '/') return API_UNKNOWN;
    const char *rest = raw_uri + flen + (plen > flen);
    size_t rlen = plen - (size_t)(rest - raw_uri);
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    int n = rlen ? segments(rest, rlen) : 0;
    size_t l0 = 0, l1 = 0;
    const char *s0 = n ? segment(rest, rlen, 0, &l0) : NULL;
    const char *s2 = n == 3 ? segment(rest, rlen, 2, &l1) : NULL;
    enum api_op op = API_UNKNOWN;
    if (n && !l0) return API_UNKNOWN; /* "//x": no function segment */
    if (v2019) {
        if (n == 2 && get && seg_is(rest, rlen, 1, "concurrency")) op = API_CONCURRENCY;
    } else if (v2021) {
        if (n == 2 && post && seg_is(rest, rlen, 1, "response-streaming-invocations"))
            op = API_INVOKE_STREAM;
    } else if (n == 0) {
        if (get) op = API_LIST;
    } else if (n == 1) {
        if (get) op = API_GET;
    } else if (n == 2) {
        if (post && seg_is(rest, rlen, 1, "invocations")) op = API_INVOKE;
        else if (get && seg_is(rest, rlen, 1, "configuration")) op = API_CONFIG;
        else if (get && seg_is(rest, rlen, 1, "versions")) op = API_VERSIONS;
        else if (get && seg_is(rest, rlen, 1, "aliases")) op = API_ALIASES;
    } else if (n == 3) {
        if (get && seg_is(rest, rlen, 1, "aliases") && l1) {
            op = API_ALIAS;
            *seg2 = xstrndup(s2, l1);
        }
    }
    if (op != API_UNKNOWN && op != API_LIST) *seg = xstrndup(s0, l0);
    if (op != API_UNKNOWN && qm) *query = xstrdup(qm + 1);
    return op;
}

int invoke_parse_headers(const char *type, const char *logtype, invoke_opts *o, api_error *e) {
    memset(o, 0, sizeof *o);
    char m[256];
    if (!type || !*type || strcmp(type, "RequestResponse") == 0) {
        o->type = INV_SYNC;
    } else if (strcmp(type, "Event") == 0) {
        o->type = INV_EVENT;
    } else if (strcmp(type, "DryRun") == 0) {
        o->type = INV_DRYRUN;
    } else {
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.64s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
                 type);
        return bad_param(e, m);
    }
    if (logtype && *logtype && strcmp(logtype, "None") && strcmp(logtype, "Tail")) {
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.64s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]",
                 logtype);
        return bad_param(e, m);
    }
    o->tail = logtype && strcmp(logtype, "Tail") == 0;
    return 0;
}

int invoke_stream_parse_headers(const char *type, const char *logtype, invoke_opts *o, api_error *e) {
    if (type && strcmp(type, "Event") == 0) {
        char m[256];
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
                 type);
        memset(o, 0, sizeof *o);
        return bad_param(e, m);
    }
    if (invoke_parse_headers(type, logtype, o, e) == 0) return 0;
    if (strstr(e->message, "'invocationType'")) /* the list of values differs */
        snprintf(e->message, sizeof e->message,
                 "1 validation error detected: Value '%.64s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
                 type ? type : "");
    return -1;
}

int invoke_parse_client_context(const char *ccb64, invoke_opts *o, api_error *e) {
    if (ccb64 && *ccb64) {
        size_t n = 0, len = strlen(ccb64);
        char *raw = len <= 3583 ? (char *)sqlambda_b64_decode(ccb64, len, &n) : NULL;
        json_t *cj = raw ? json_loadb(raw, n, 0, NULL) : NULL;
        /* passed on as a header: re-encoded compactly, no raw newlines */
        if (json_is_object(cj)) o->client_context = json_dumps(cj, JSON_COMPACT);
        json_decref(cj);
        free(raw);
        if (!o->client_context)
            return fail(e, 400, "InvalidRequestContentException", "User", "message",
                        "Client context must be a valid Base64-encoded JSON object (at most 3583 bytes encoded).");
    }
    return 0;
}

int invoke_parse_function(const char *seg, const char *query, sqlambda_function_ref *ref, char **qualifier,
                          api_error *e) {
    char err[256];
    *qualifier = NULL;
    size_t len;
    char *name = pct_decode_n(seg, strlen(seg), &len);
    if (!name) return bad_param(e, "The function name is not correctly percent-encoded.");
    if (memchr(name, 0, len)) { /* "victim%00junk" must not be "victim" */
        free(name);
        return bad_param(e, "The function name has character byte 0x00 (%00) not allowed (use A-Z a-z 0-9 - _).");
    }
    if (invoke_name_pattern(name, len, e) != 0) { /* Lambda's own constraint first */
        free(name);
        return -1;
    }
    int rc = sqlambda_parse_function(name, ref, err, sizeof err);
    free(name);
    if (rc != SQLAMBDA_OK) return bad_param(e, err);
    int bad = 0;
    char *q = query_param(query, "Qualifier", &bad);
    if (bad) return bad_param(e, "The Qualifier is not correctly percent-encoded (or holds %00).");
    if (q && *q && ref->qualifier[0] && strcmp(q, ref->qualifier) != 0) {
        free(q);
        return bad_param(e, "The derived qualifier from the function name does not match the specified qualifier.");
    }
    if (!q || !*q) {
        free(q);
        q = xstrdup(ref->qualifier);
    }
    *qualifier = q;
    return 0;
}

int invoke_check_payload(const char *body, size_t len, api_error *e) {
    if (len == 0) return 0; /* the event {} */
    json_error_t je;
    json_t *pj = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (pj) {
        json_decref(pj);
        return 0;
    }
    char m[300];
    snprintf(m, sizeof m, "Could not parse request body into json: Could not parse payload into json: %s", je.text);
    return fail(e, 400, "InvalidRequestContentException", "User", "message", m);
}

enum rapi_op rapi_route(const char *method, const char *url, char rid[64]) {
    rid[0] = 0;
    size_t plen = strlen(RAPI_PREFIX);
    if (strncmp(url, RAPI_PREFIX, plen) != 0) return RAPI_UNKNOWN;
    const char *rest = url + plen;
    if (strcmp(method, "GET") == 0) return strcmp(rest, "invocation/next") == 0 ? RAPI_NEXT : RAPI_UNKNOWN;
    if (strcmp(method, "POST") != 0) return RAPI_UNKNOWN;
    if (strcmp(rest, "init/error") == 0) return RAPI_INIT_ERROR;
    if (strncmp(rest, "invocation/", 11) != 0) return RAPI_UNKNOWN;
    const char *id = rest + 11, *slash = strchr(id, '/');
    if (!slash || slash == id || slash - id >= 64) return RAPI_UNKNOWN;
    enum rapi_op op = strcmp(slash, "/response") == 0 ? RAPI_RESPONSE
                      : strcmp(slash, "/error") == 0  ? RAPI_ERROR
                                                      : RAPI_UNKNOWN;
    if (op != RAPI_UNKNOWN) {
        memcpy(rid, id, (size_t)(slash - id));
        rid[slash - id] = 0;
    }
    return op;
}

void rapi_error_body(sqlambda_buf *out, const char *body, size_t len, const char *type_header) {
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    if (json_is_object(j)) {
        xbuf_append(out, body, len);
    } else {
        const char *type = type_header ? type_header : "Runtime.Unknown";
        char *msg = utf8_clean(body ? body : "", len);
        char *t = utf8_clean(type, strlen(type));
        json_t *e = json_pack("{s:s, s:s}", "errorMessage", msg, "errorType", t);
        char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
        if (s)
            xbuf_append(out, s, strlen(s));
        else
            pool_error_body(out, "Runtime.Unknown", "unreadable error report");
        free(s);
        json_decref(e);
        free(msg);
        free(t);
    }
    json_decref(j);
}

void rapi_stream_error_body(sqlambda_buf *out, const char *type_trailer, const char *body_trailer) {
    size_t n = 0;
    const char *b = body_trailer ? body_trailer : "";
    char *raw = *b ? (char *)sqlambda_b64_decode(b, strlen(b), &n) : NULL;
    if (raw) {
        json_t *j = json_loadb(raw, n, 0, NULL);
        int obj = json_is_object(j);
        json_decref(j);
        if (obj) {
            rapi_error_body(out, raw, n, type_trailer);
            free(raw);
            return;
        }
        free(raw);
    }
    rapi_error_body(out, b, strlen(b), type_trailer);
}

/* 1 if s is 1..9 decimal digits (value in *v). */
static int small_number(const char *s, long *v) {
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n) return 0;
    *v = strtol(s, NULL, 10);
    return 1;
}

int api_paging(const char *query, size_t total, size_t *from, size_t *count, api_error *e) {
    int bad = 0;
    long v = 0;
    char m[320];
    *from = 0;
    *count = 50;
    char *marker = query_param(query, "Marker", &bad);
    char *max = bad ? NULL : query_param(query, "MaxItems", &bad);
    int rc = 0;
    if (bad) {
        rc = bad_param(e, "Marker or MaxItems is not correctly percent-encoded (or holds %00).");
    } else if (marker && *marker && (!small_number(marker, &v) || (size_t)v > total)) {
        rc = bad_param(e, "The Marker is not one this server returned as NextMarker.");
    } else if (max && *max && (!small_number(max, &v) || v < 1 || v > 10000)) {
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.32s' at 'maxItems' failed to satisfy constraint: "
                 "Member must have value %s",
                 max, small_number(max, &v) && v < 1 ? "greater than or equal to 1" : "less than or equal to 10000");
        rc = fail(e, 400, "ValidationException", NULL, "message", m);
    } else {
        if (marker && *marker) *from = (size_t)strtol(marker, NULL, 10);
        if (max && *max) *count = (size_t)strtol(max, NULL, 10);
    }
    free(marker);
    free(max);
    return rc;
}
