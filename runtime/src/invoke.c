/*
 * invoke.c — the Invoke operation: validates headers, size, function and
 * payload the way Lambda does (same status codes and error types), then
 * runs the function synchronously (RequestResponse), queues it (Event) or
 * only checks it (DryRun). Also resolves function identifiers + Qualifier.
 * A function that streams its response is answered here once the stream
 * has ended: its bytes with its Content-Type, or, when it reported an error
 * in the trailers, that error (X-Amz-Function-Error), as Lambda's Invoke does.
 * The checks themselves are pure functions in request_parse.c.
 */
#include "serve.h"
#include "sqlambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#define MAX_SYNC (6 * 1024 * 1024)
#define MAX_EVENT (1024 * 1024)

fn_version *resolve_function(struct MHD_Connection *c, const char *seg, const char *query,
                             char **qualifier_out, function **fn_out) {
    sqlambda_function_ref ref;
    api_error e;
    char *q = NULL;
    if (invoke_parse_function(seg, query, &ref, &q, &e) != 0) {
        aws_error_send(c, &e);
        return NULL;
    }
    function *f = registry_find(&g.reg, ref.name);
    fn_version *fv = NULL;
    if (f) fv = function_qualify(f, q);
    if (!fv) {
        sqlambda_buf m = {0};
        xbuf_printf(&m, "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s", g.region,
                    g.account, ref.name, *q ? ":" : "", q);
        aws_error(c, 404, "ResourceNotFoundException", "User", "Message", m.data);
        sqlambda_buf_free(&m);
        free(q);
        return NULL;
    }
    *qualifier_out = q;
    if (fn_out) *fn_out = f;
    return fv;
}

int handle_invoke(struct MHD_Connection *c, const char *seg, const char *query, const char *body,
                  size_t body_len, int too_large) {
    invoke_opts o;
    api_error e;
    if (invoke_parse_headers(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type"),
                             MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type"), &o, &e) != 0)
        return aws_error_send(c, &e);
    int event = o.type == INV_EVENT;
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
    if (invoke_check_payload(body, body_len, &e) != 0 ||
        invoke_parse_client_context(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Client-Context"), &o,
                                    &e) != 0) {
        ret = aws_error_send(c, &e);
        goto out;
    }
    cc = o.client_context;
    if (body_len == 0) {
        body = "{}";
        body_len = 2;
    }
    if (o.type == INV_DRYRUN) {
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
    inv.want_tail = o.tail;
    const char *trace = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amzn-Trace-Id");
    if (trace && strlen(trace) < sizeof inv.trace_id) snprintf(inv.trace_id, sizeof inv.trace_id, "%s", trace);
    enum run_status rs = pool_run(fv, &inv, 0);
    if (rs == RUN_THROTTLED) {
        ret = aws_throttled(c, "ReservedFunctionConcurrentInvocationLimitExceeded");
    } else if (rs == RUN_STOPPING) {
        ret = aws_error(c, 503, "ServiceException", "Service", "Message", "The server is shutting down.");
    } else {
        int streamed = inv.streaming && inv.outcome == OUT_OK;
        const sqlambda_buf *out = streamed ? &inv.stream : &inv.body;
        struct MHD_Response *r = MHD_create_response_from_buffer(
            out->len, out->data ? out->data : (void *)"", MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, "Content-Type", streamed ? inv.content_type : "application/json");
        MHD_add_response_header(r, "x-amzn-RequestId", rid);
        MHD_add_response_header(r, "X-Amz-Executed-Version", fv->version);
        if (inv.outcome != OUT_OK) MHD_add_response_header(r, "X-Amz-Function-Error", "Unhandled");
        if (inv.log_tail_b64) MHD_add_response_header(r, "X-Amz-Log-Result", inv.log_tail_b64);
        ret = MHD_queue_response(c, 200, r) == MHD_YES;
        MHD_destroy_response(r);
        serve_debug("-> 200 %s%s", f->name, inv.outcome != OUT_OK ? " (Unhandled)" : "");
    }
    sqlambda_buf_free(&inv.body);
    sqlambda_buf_free(&inv.stream);
    free(inv.log_tail_b64);
out:
    free(arn);
    free(cc);
    free(qualifier);
    return ret;
}
