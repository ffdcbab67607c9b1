/*
 * invoke.c — the Invoke operation: validates headers, size, function and
 * payload the way Lambda does (same status codes and error types), then
 * runs the function synchronously (RequestResponse), queues it (Event) or
 * only checks it (DryRun). Also resolves function identifiers + Qualifier.
 */
#include "serve.h"
#include "sqlambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#define MAX_SYNC (6 * 1024 * 1024)
#define MAX_EVENT (1024 * 1024)

static int bad_param(struct MHD_Connection *c, const char *msg) {
    return aws_error(c, 400, "InvalidParameterValueException", "User", "message", msg);
}

fn_version *resolve_function(struct MHD_Connection *c, const char *seg, const char *query,
                             char **qualifier_out, function **fn_out) {
    char err[256];
    char *name = pct_decode(seg, strlen(seg));
    if (!name) {
        bad_param(c, "The function name is not correctly percent-encoded.");
        return NULL;
    }
    sqlambda_function_ref ref;
    if (sqlambda_parse_function(name, &ref, err, sizeof err) != SQLAMBDA_OK) {
        free(name);
        bad_param(c, err);
        return NULL;
    }
    free(name);
    int bad = 0;
    char *q = query_param(query, "Qualifier", &bad);
    if (bad) {
        bad_param(c, "The Qualifier is not correctly percent-encoded.");
        return NULL;
    }
    if (q && *q && ref.qualifier[0] && strcmp(q, ref.qualifier) != 0) {
        free(q);
        bad_param(c, "The derived qualifier from the function name does not match the specified qualifier.");
        return NULL;
    }
    if (!q || !*q) {
        free(q);
        q = xstrdup(ref.qualifier);
    }
    function *f = registry_find(&g.reg, ref.name);
    fn_version *fv = NULL;
    if (f) fv = function_qualify(f, q);
    if (!fv) {
        sbuf m = {0};
        sbuf_printf(&m, "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s", g.region,
                    g.account, ref.name, *q ? ":" : "", q);
        aws_error(c, 404, "ResourceNotFoundException", "User", "Message", m.data);
        sbuf_free(&m);
        free(q);
        return NULL;
    }
    *qualifier_out = q;
    if (fn_out) *fn_out = f;
    return fv;
}

int handle_invoke(struct MHD_Connection *c, const char *seg, const char *query, const char *body,
                  size_t body_len, int too_large) {
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
    const char *logtype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
    if (!type || !*type) type = "RequestResponse";
    if (strcmp(type, "RequestResponse") && strcmp(type, "Event") && strcmp(type, "DryRun")) {
        char m[256];
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.64s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
                 type);
        return bad_param(c, m);
    }
    if (logtype && *logtype && strcmp(logtype, "None") && strcmp(logtype, "Tail")) {
        char m[256];
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.64s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]",
                 logtype);
        return bad_param(c, m);
    }
    int event = strcmp(type, "Event") == 0;
    if (too_large) {
        char m[160];
        snprintf(m, sizeof m, "Request must be smaller than %d bytes for the InvokeFunction operation",
                 event ? MAX_EVENT : MAX_SYNC);
        return aws_error(c, 413, "RequestTooLargeException", "User", "message", m);
    }
    char *qualifier = NULL;
    function *f = NULL;
    fn_version *fv = resolve_function(c, seg, query, &qualifier, &f);
    if (!fv) return 1;
    int ret;
    char *arn = NULL, *cc = NULL;
    if (body_len == 0) {
        body = "{}";
        body_len = 2;
    }
    json_error_t je;
    json_t *pj = json_loadb(body, body_len, JSON_DECODE_ANY, &je);
    if (!pj) {
        char m[300];
        snprintf(m, sizeof m, "Could not parse request body into json: Could not parse payload into json: %s",
                 je.text);
        ret = aws_error(c, 400, "InvalidRequestContentException", "User", "message", m);
        goto out;
    }
    json_decref(pj);
    const char *ccb64 = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Client-Context");
    if (ccb64 && *ccb64) {
        size_t n = 0;
        char *raw = (char *)b64_decode(ccb64, strlen(ccb64), &n);
        json_t *cj = raw ? json_loadb(raw, n, 0, NULL) : NULL;
        int okcc = json_is_object(cj);
        /* passed on as a header: re-encoded compactly, no raw newlines */
        if (okcc) cc = json_dumps(cj, JSON_COMPACT);
        json_decref(cj);
        free(raw);
        if (!okcc || strlen(ccb64) > 3583) {
            ret = aws_error(c, 400, "InvalidRequestContentException", "User", "message",
                            "Client context must be a valid Base64-encoded JSON object (at most 3583 bytes encoded).");
            goto out;
        }
    }
    if (strcmp(type, "DryRun") == 0) {
        ret = send_json(c, 204, NULL, 0, NULL);
        goto out;
    }
    arn = function_arn(f, qualifier);
    char rid[37];
    make_uuid(rid);
    if (event) {
        if (event_queue_push(fv, body, body_len, cc, arn, rid) != 0)
            ret = aws_throttled(c, "ConcurrentInvocationLimitExceeded"); /* the queue is full */
        else
            ret = send_json(c, 202, NULL, 0, rid);
        goto out;
    }
    invocation inv = {0};
    memcpy(inv.request_id, rid, sizeof rid);
    inv.payload = body;
    inv.payload_len = body_len;
    inv.client_context = cc;
    inv.invoked_arn = arn;
    inv.want_tail = logtype && strcmp(logtype, "Tail") == 0;
    const char *trace = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amzn-Trace-Id");
    if (trace && strlen(trace) < sizeof inv.trace_id) snprintf(inv.trace_id, sizeof inv.trace_id, "%s", trace);
    enum run_status rs = pool_run(fv, &inv, 0);
    if (rs == RUN_THROTTLED) {
        ret = aws_throttled(c, "ReservedFunctionConcurrentInvocationLimitExceeded");
    } else if (rs == RUN_STOPPING) {
        ret = aws_error(c, 503, "ServiceException", "Service", "Message", "The server is shutting down.");
    } else {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            inv.body.len, inv.body.data ? inv.body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "x-amzn-RequestId", rid);
        MHD_add_response_header(r, "X-Amz-Executed-Version", fv->version);
        if (inv.outcome != OUT_OK) MHD_add_response_header(r, "X-Amz-Function-Error", "Unhandled");
        if (inv.log_tail_b64) MHD_add_response_header(r, "X-Amz-Log-Result", inv.log_tail_b64);
        ret = MHD_queue_response(c, 200, r) == MHD_YES;
        MHD_destroy_response(r);
        serve_debug("-> 200 %s%s", f->name, inv.outcome != OUT_OK ? " (Unhandled)" : "");
    }
    sbuf_free(&inv.body);
    free(inv.log_tail_b64);
out:
    free(arn);
    free(cc);
    free(qualifier);
    return ret;
}
