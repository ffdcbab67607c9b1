/*
 * validate.c — everything checked before a request is sent: the function
 * identifier, qualifier agreement, the region argument's syntax (it becomes
 * part of the endpoint host), ARN region versus the region argument,
 * payload size for the invocation type (checked before parsing) and JSON
 * validity, and the client context (a JSON object, at most 3583 bytes in
 * base64).
 */
#include "internal.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(sqlambda_invocation_type t) {
    return t == SQLAMBDA_EVENT ? "Event" : t == SQLAMBDA_DRY_RUN ? "DryRun" : "RequestResponse";
}

static sqlambda_status check_qualifier_arg(const char *q, sqlambda_function_ref *ref, char *err,
                                           size_t errlen) {
    if (!q || !*q) return SQLAMBDA_OK;
    const char *colon = strchr(q, ':');
    if (colon) {
        char shown[300];
        sqlambda_show_value(shown, sizeof shown, q, strlen(q), 80);
        sqlambda_fmt(err, errlen, "qualifier \"%s\" has character ':' not allowed (use $LATEST, "
                                  "a version number, or an alias of A-Z a-z 0-9 - _)", shown);
        return SQLAMBDA_E_INVALID;
    }
    /* Reuse the identifier parser's qualifier rules on "x:<qualifier>". */
    size_t n = strlen(q);
    char *probe = malloc(n + 3);
    if (!probe) return SQLAMBDA_E_NOMEM;
    memcpy(probe, "x:", 2);
    memcpy(probe + 2, q, n + 1);
    sqlambda_function_ref tmp;
    sqlambda_status st = n > 200 ? SQLAMBDA_E_INVALID : sqlambda_parse_function(probe, &tmp, err, errlen);
    free(probe);
    if (n > 200)
        sqlambda_fmt(err, errlen, "qualifier \"%.40s...\" is %zu characters long (at most 128)", q, n);
    if (st != SQLAMBDA_OK) return st;
    if (ref->qualifier[0] && strcmp(ref->qualifier, q) != 0) {
        sqlambda_fmt(err, errlen, "qualifier \"%s\" in the function identifier differs from the "
                                  "qualifier argument \"%s\"", ref->qualifier, q);
        return SQLAMBDA_E_INVALID;
    }
    memcpy(ref->qualifier, tmp.qualifier, sizeof ref->qualifier);
    return SQLAMBDA_OK;
}

static sqlambda_status check_payload(const sqlambda_request *req, char *err, size_t errlen) {
    const char *p = req->payload ? req->payload : "{}";
    size_t len = req->payload ? (req->payload_len ? req->payload_len : strlen(p)) : 2;
    size_t limit = req->invocation_type == SQLAMBDA_EVENT ? SQLAMBDA_MAX_EVENT_PAYLOAD
                                                          : SQLAMBDA_MAX_SYNC_PAYLOAD;
    if (len > limit) {
        sqlambda_fmt(err, errlen, "payload is %zu bytes, over Lambda's limit of %zu bytes for %s "
                                  "invocations", len, limit, type_name(req->invocation_type));
        return SQLAMBDA_E_TOO_LARGE;
    }
    if (len == 0) {
        sqlambda_fmt(err, errlen, "payload is empty: send a JSON value such as {}");
        return SQLAMBDA_E_INVALID;
    }
    json_error_t je;
    json_t *v = json_loadb(p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v) {
        sqlambda_fmt(err, errlen, "payload is not valid JSON: %s at line %d column %d (byte %d)",
                     je.text, je.line, je.column, je.position);
        return SQLAMBDA_E_INVALID;
    }
    json_decref(v);
    return SQLAMBDA_OK;
}

static sqlambda_status check_client_context(const char *cc, char **b64, char *err, size_t errlen) {
    if (!cc) return SQLAMBDA_OK;
    size_t len = strlen(cc);
    /* base64 of more than 2687 bytes exceeds 3583: reject before parsing */
    size_t enc_len = 4 * ((len + 2) / 3);
    if (enc_len > SQLAMBDA_MAX_CLIENT_CONTEXT_B64) {
        sqlambda_fmt(err, errlen, "client context is %zu bytes base64-encoded, over Lambda's limit "
                                  "of %d", enc_len, SQLAMBDA_MAX_CLIENT_CONTEXT_B64);
        return SQLAMBDA_E_INVALID;
    }
    json_error_t je;
    json_t *v = json_loadb(cc, len, JSON_DECODE_ANY, &je);
    if (!v) {
        sqlambda_fmt(err, errlen, "client context is not valid JSON: %s at line %d column %d",
                     je.text, je.line, je.column);
        return SQLAMBDA_E_INVALID;
    }
    int is_obj = json_is_object(v);
    json_decref(v);
    if (!is_obj) {
        sqlambda_fmt(err, errlen, "client context must be a JSON object ({...})");
        return SQLAMBDA_E_INVALID;
    }
    if (b64) {
        *b64 = sqlambda_b64_encode(cc, len);
        if (!*b64) {
            sqlambda_fmt(err, errlen, "out of memory");
            return SQLAMBDA_E_NOMEM;
        }
    }
    return SQLAMBDA_OK;
}

sqlambda_status sqlambda_check_request(const sqlambda_request *req, sqlambda_function_ref *ref,
                                       char **client_context_b64, char *err, size_t errlen) {
    if (client_context_b64) *client_context_b64 = NULL;
    if (err && errlen) err[0] = '\0';
    sqlambda_function_ref r;
    memset(&r, 0, sizeof r);
    if (ref) *ref = r;
    if (!req) {
        sqlambda_fmt(err, errlen, "no request");
        return SQLAMBDA_E_INVALID;
    }
    if ((unsigned)req->invocation_type > SQLAMBDA_DRY_RUN) {
        sqlambda_fmt(err, errlen, "invocation type %d is not RequestResponse, Event or DryRun",
                     (int)req->invocation_type);
        return SQLAMBDA_E_INVALID;
    }
    if ((unsigned)req->log_type > SQLAMBDA_LOG_TAIL) {
        sqlambda_fmt(err, errlen, "log type %d is not None or Tail", (int)req->log_type);
        return SQLAMBDA_E_INVALID;
    }
    sqlambda_status st = sqlambda_parse_function(req->function, &r, err, errlen);
    if (st == SQLAMBDA_OK) st = check_qualifier_arg(req->qualifier, &r, err, errlen);
    if (st == SQLAMBDA_OK && req->region && *req->region)
        st = sqlambda_check_region_what(req->region, strlen(req->region), "region argument", err,
                                        errlen);
    if (st == SQLAMBDA_OK && r.region[0] && req->region && *req->region &&
        strcmp(r.region, req->region) != 0) {
        sqlambda_fmt(err, errlen, "function ARN is in region %s but the region argument is %.40s",
                     r.region, req->region);
        st = SQLAMBDA_E_INVALID;
    }
    if (st == SQLAMBDA_OK) st = check_payload(req, err, errlen);
    if (st == SQLAMBDA_OK) st = check_client_context(req->client_context, client_context_b64, err, errlen);
    if (st == SQLAMBDA_OK && ref) *ref = r;
    return st;
}
