/*
 * aws_errors.c — Invoke API responses shaped as AWS sends them: JSON body,
 * x-amzn-RequestId, and for errors x-amzn-ErrorType plus a body such as
 * {"Type":"User","Message":"..."} (member spelling from botocore's model).
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

int send_json(struct MHD_Connection *conn, unsigned status, const char *body, size_t len,
              const char *request_id) {
    char rid[37];
    if (!request_id) {
        make_uuid(rid);
        request_id = rid;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (status != 204) MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-amzn-RequestId", request_id);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret == MHD_YES;
}

static int send_error(struct MHD_Connection *conn, unsigned status, const char *type, json_t *body,
                      const char *retry_after) {
    char rid[37];
    make_uuid(rid);
    char *s = json_dumps(body, JSON_COMPACT);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-amzn-RequestId", rid);
    MHD_add_response_header(r, "x-amzn-ErrorType", type);
    if (retry_after) MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    json_decref(body);
    serve_debug("-> %u %s", status, type);
    return ret == MHD_YES;
}

int aws_error(struct MHD_Connection *conn, unsigned status, const char *type, const char *kind,
              const char *msg_key, const char *message) {
    json_t *b = json_object();
    if (kind) json_object_set_new(b, "Type", json_string(kind));
    char *m = utf8_clean(message, strlen(message)); /* it may quote what the client sent */
    json_object_set_new(b, msg_key, json_string(m));
    free(m);
    return send_error(conn, status, type, b, NULL);
}

int aws_error_send(struct MHD_Connection *conn, const api_error *e) {
    return aws_error(conn, e->status, e->type, e->kind, e->msg_key, e->message);
}

int aws_throttled(struct MHD_Connection *conn, const char *reason) {
    json_t *b = json_pack("{s:s, s:s, s:s}", "Reason", reason, "Type", "User", "message",
                          "Rate Exceeded.");
    return send_error(conn, 429, "TooManyRequestsException", b, "1");
}
