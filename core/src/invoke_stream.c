/*
 * invoke_stream.c — sqlambda_invoke_stream (InvokeWithResponseStream): one
 * call through the same multi machinery as sqlambda_invoke (validation,
 * signing, retries before any chunk), with its own body callback that
 * decodes the event stream as it arrives (eventstream.c), hands each
 * PayloadChunk to the caller at once and keeps only an incomplete message;
 * and the result from the closing InvokeComplete.
 */
#include "client_internal.h"
#include "eventstream.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void sqlambda_stream_reset(sqlambda_stream *s) {
    sqlambda_buf_free(&s->pending);
    free(s->error_code);
    free(s->error_details);
    free(s->log_result_b64);
    s->error_code = s->error_details = s->log_result_b64 = NULL;
    s->complete = 0;
    s->problem[0] = 0;
}

void sqlambda_stream_free(sqlambda_stream *s) {
    if (!s) return;
    sqlambda_stream_reset(s);
    free(s);
}

static char *json_text(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* One whole message. 0 to go on, -1 to stop the transfer. */
static int on_message(sqlambda_stream *s, const sqlambda_es_message *m) {
    if (s->complete) {
        sqlambda_fmt(s->problem, sizeof s->problem, "malformed event stream: a message after InvokeComplete");
        return -1;
    }
    if (sqlambda_es_is(m->message_type, m->message_type_len, "event")) {
        if (sqlambda_es_is(m->event_type, m->event_type_len, "PayloadChunk")) {
            if (!m->payload_len) return 0;
            s->chunks++;
            if (s->on_chunk && s->on_chunk(s->arg, (const char *)m->payload, m->payload_len) != 0) {
                s->stopped = 1;
                return -1;
            }
        } else if (sqlambda_es_is(m->event_type, m->event_type_len, "InvokeComplete")) {
            json_t *j = json_loadb((const char *)m->payload, m->payload_len, 0, NULL);
            if (m->payload_len && !json_is_object(j)) {
                json_decref(j);
                sqlambda_fmt(s->problem, sizeof s->problem, "malformed event stream: InvokeComplete is not a JSON object");
                return -1;
            }
            s->error_code = json_text(j, "ErrorCode");
            s->error_details = json_text(j, "ErrorDetails");
            s->log_result_b64 = json_text(j, "LogResult");
            json_decref(j);
            s->complete = 1;
        } /* other events: a newer service's, skipped */
        return 0;
    }
    /* "exception" (modelled error) or "error": the stream ends with it */
    const char *code = m->exception_type ? m->exception_type : m->error_code;
    size_t clen = m->exception_type ? m->exception_type_len : m->error_code_len;
    s->error_code = code ? strndup(code, clen) : strdup("EventStreamError");
    if (m->error_message) {
        s->error_details = strndup(m->error_message, m->error_message_len);
    } else {
        char *t = NULL, *msg = NULL;
        sqlambda_parse_error_body((const char *)m->payload, m->payload_len, &t, &msg);
        free(t);
        s->error_details = msg;
    }
    s->complete = 1;
    return 0;
}

int sqlambda_stream_feed(sqlambda_stream *s, const char *buf, size_t len) {
    if (sqlambda_buf_append(&s->pending, buf, len) != 0) {
        sqlambda_fmt(s->problem, sizeof s->problem, "out of memory");
        return -1;
    }
    size_t off = 0;
    int rc = 0;
    for (;;) {
        sqlambda_es_message m;
        char err[160];
        long used = sqlambda_es_decode((const uint8_t *)s->pending.data + off, s->pending.len - off, &m,
                                       NULL, err, sizeof err);
        if (used < 0) {
            sqlambda_fmt(s->problem, sizeof s->problem, "%s", err);
            rc = -1;
            break;
        }
        if (used == 0) break;
        if (on_message(s, &m) != 0) {
            rc = -1;
            break;
        }
        off += (size_t)used;
    }
    if (off) { /* keep only the incomplete message */
        memmove(s->pending.data, s->pending.data + off, s->pending.len - off);
        s->pending.len -= off;
    }
    return rc;
}

size_t sqlambda_stream_body_cb(char *buf, size_t size, size_t n, void *userp) {
    sqlambda_call *call = userp;
    long code = 0;
    curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) return sqlambda_reply_body_cb(buf, size, n, &call->reply);
    if (sqlambda_stream_feed(call->stream, buf, size * n) == 0) return size * n;
    /* an endpoint that does not speak InvokeWithResponseStream answers 200
     * with something else: say so rather than only "CRC mismatch" */
    char *ct = NULL;
    sqlambda_stream *s = call->stream;
    curl_easy_getinfo(call->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (s->problem[0] && (!ct || strncmp(ct, "application/vnd.amazon.eventstream", 34) != 0)) {
        size_t l = strlen(s->problem);
        sqlambda_fmt(s->problem + l, sizeof s->problem - l, " (Content-Type %.60s: not an event stream)",
                     ct ? ct : "absent");
    }
    return 0;
}

static void take(char **dst, char **src) {
    free(*dst);
    *dst = *src;
    *src = NULL;
}

void sqlambda_stream_classify(sqlambda_call *call, CURLcode cc) {
    sqlambda_result *res = &call->res;
    sqlambda_stream *s = call->stream;
    sqlambda_reply *r = &call->reply;
    free(res->payload);
    res->payload = strdup("");
    res->payload_len = 0;
    take(&res->executed_version, &r->executed_version);
    free(res->log_result);
    res->log_result = NULL;
    if (s->log_result_b64 && *s->log_result_b64) {
        size_t dn;
        res->log_result = (char *)sqlambda_b64_decode(s->log_result_b64, strlen(s->log_result_b64), &dn);
    }
    const char *detail = NULL;
    char why[300];
    if (s->stopped) {
        res->status = SQLAMBDA_E_CANCELLED;
        detail = "stopped by the receiver of the stream";
    } else if (s->problem[0]) {
        res->status = SQLAMBDA_E_RESPONSE;
        res->error_type = strdup("BadResponse");
        res->error_message = strdup(s->problem);
    } else if (!s->complete) { /* once InvokeComplete is in, the answer is whole */
        res->status = cc == CURLE_OPERATION_TIMEDOUT ? SQLAMBDA_E_TIMEOUT : SQLAMBDA_E_TRANSPORT;
        if (cc != CURLE_OK)
            sqlambda_fmt(why, sizeof why, "the event stream was cut short: %s",
                         call->curl_err[0] ? call->curl_err : curl_easy_strerror(cc));
        else
            sqlambda_fmt(why, sizeof why, "the event stream ended without InvokeComplete%s",
                         s->pending.len ? " (in the middle of a message)" : "");
        res->error_type = strdup(sqlambda_status_name(res->status));
        res->error_message = strdup(why);
    } else if (s->error_code) {
        res->status = SQLAMBDA_E_FUNCTION;
        free(res->function_error);
        res->function_error = strdup("Unhandled");
        res->error_type = strdup(*s->error_code ? s->error_code : "Unhandled");
        res->error_message = strdup(s->error_details ? s->error_details : "");
    } else {
        res->status = SQLAMBDA_OK;
    }
    sqlambda_result_message(res, detail);
}

typedef struct stream_done {
    sqlambda_result *res;
} stream_done;

static void keep(void *arg, void *user, sqlambda_result *res) {
    (void)arg;
    *((stream_done *)user)->res = *res; /* takes ownership of the members */
}

sqlambda_status sqlambda_invoke_stream(sqlambda_client *c, const sqlambda_request *req,
                                       sqlambda_chunk_fn on_chunk, void *arg, sqlambda_result *res) {
    memset(res, 0, sizeof *res);
    if (!c || !req) {
        res->status = SQLAMBDA_E_INVALID;
        sqlambda_result_message(res, "no client or request");
        return res->status;
    }
    if (req->invocation_type == SQLAMBDA_EVENT) {
        res->status = SQLAMBDA_E_INVALID;
        res->function_name = req->function ? strndup(req->function, 80) : NULL;
        sqlambda_result_message(res, "InvokeWithResponseStream takes the invocation types RequestResponse "
                                     "and DryRun, not Event");
        return res->status;
    }
    sqlambda_stream *s = calloc(1, sizeof *s);
    sqlambda_multi *m = s ? sqlambda_multi_new(c, 1) : NULL;
    stream_done d = {res};
    sqlambda_call *call = m ? (s->on_chunk = on_chunk, s->arg = arg, sqlambda_call_new_stream(c, req, &d, s))
                            : NULL;
    if (!call) {
        if (!m) free(s);
        sqlambda_multi_free(m);
        res->status = SQLAMBDA_E_NOMEM;
        sqlambda_result_message(res, "out of memory");
        return res->status;
    }
    sqlambda_multi_enqueue(m, call, call->state != CALL_DONE);
    sqlambda_status st = SQLAMBDA_OK;
    while (sqlambda_multi_pending(m) && st == SQLAMBDA_OK) st = sqlambda_multi_run(m, -1, keep, NULL);
    sqlambda_multi_free(m);
    return res->status;
}
