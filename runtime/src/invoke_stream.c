/*
 * invoke_stream.c — InvokeWithResponseStream (POST /2021-11-15/functions/
 * {fn}/response-streaming-invocations): the same checks as Invoke (Event is
 * not an invocation type here), then the answer is AWS's event stream
 * (application/vnd.amazon.eventstream, core's eventstream.c): PayloadChunk
 * events carrying the response as the function produces it, then one
 * InvokeComplete with ErrorCode / ErrorDetails / LogResult. Every function
 * can be called this way, as on Lambda: one that streams
 * (runtime_api.c) is relayed chunk by chunk, with its own Content-Type on
 * each PayloadChunk; a buffered one is sent once it has answered. The
 * function runs on a thread of its own (pool_run waits for the outcome)
 * while this connection's thread sends what arrives; both share the
 * stream state below, freed by whichever finishes last. The HTTP answer
 * starts when the function starts streaming or has finished, so a
 * throttled call still gets its 429. A function may be quiet between
 * chunks for as long as its timeout, longer than --idle-timeout: the
 * connection's own timeout covers both.
 */
#include "serve.h"
#include "eventstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#define MAX_CHUNK ((size_t)1 << 20) /* bytes per PayloadChunk event at most */

typedef struct sstream {
    invocation inv;
    fn_version *fv;
    pthread_cond_t cv; /* with g.mu: inv.notify */
    int refs;          /* the runner thread and the HTTP response (g.mu) */
    int done;          /* pool_run returned (g.mu) */
    enum run_status rs;
    char *payload, *client_context, *arn; /* owned copies for inv */
    sqlambda_buf out;  /* encoded events not yet handed to libmicrohttpd */
    size_t out_off;
    size_t body_sent;  /* of a buffered response */
    int complete;      /* InvokeComplete is in out */
} sstream;

static void unref(sstream *s) { /* g.mu held; unlocks it */
    int last = --s->refs == 0;
    pthread_mutex_unlock(&g.mu);
    if (!last) return;
    pthread_cond_destroy(&s->cv);
    sqlambda_buf_free(&s->inv.body);
    sqlambda_buf_free(&s->inv.stream);
    free(s->inv.log_tail_b64);
    sqlambda_buf_free(&s->out);
    free(s->payload);
    free(s->client_context);
    free(s->arn);
    free(s);
}

static void *runner(void *arg) {
    sstream *s = arg;
    enum run_status rs = pool_run(s->fv, &s->inv, 0);
    pthread_mutex_lock(&g.mu);
    s->rs = rs;
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    unref(s);
    return NULL;
}

void invoke_complete_payload(sqlambda_buf *out, int ok, const char *error_body, size_t error_len,
                             const char *log_tail_b64) {
    json_t *o = json_object();
    if (!ok) {
        json_t *e = error_len ? json_loadb(error_body, error_len, 0, NULL) : NULL;
        json_t *t = json_object_get(e, "errorType"), *m = json_object_get(e, "errorMessage");
        char *type = json_is_string(t) ? xstrdup(json_string_value(t)) : xstrdup("Unhandled");
        char *msg = json_is_string(m) ? xstrdup(json_string_value(m))
                                      : utf8_clean(error_body ? error_body : "", error_len);
        json_object_set_new(o, "ErrorCode", json_string(type));
        json_object_set_new(o, "ErrorDetails", json_string(msg));
        free(type);
        free(msg);
        json_decref(e);
    }
    if (log_tail_b64) json_object_set_new(o, "LogResult", json_string(log_tail_b64));
    char *txt = json_dumps(o, JSON_COMPACT);
    if (!txt) oom();
    xbuf_append(out, txt, strlen(txt));
    free(txt);
    json_decref(o);
}

static void encode(sstream *s, const char *event, const char *ct, const void *p, size_t n) {
    if (sqlambda_es_encode_event(&s->out, event, ct, p, n) != 0) oom();
}

/* Appends payload as PayloadChunk events of at most MAX_CHUNK bytes. */
static void encode_chunks(sstream *s, const char *ct, const char *p, size_t n) {
    for (size_t off = 0; off < n; off += MAX_CHUNK)
        encode(s, "PayloadChunk", ct, p + off, n - off < MAX_CHUNK ? n - off : MAX_CHUNK);
}

/* libmicrohttpd's content reader: blocks (this connection's own thread)
 * until there is something to send. */
static ssize_t read_events(void *cls, uint64_t pos, char *buf, size_t max) {
    sstream *s = cls;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        if (s->out_off < s->out.len) {
            size_t n = s->out.len - s->out_off < max ? s->out.len - s->out_off : max;
            memcpy(buf, s->out.data + s->out_off, n);
            s->out_off += n;
            if (s->out_off == s->out.len) s->out.len = s->out_off = 0;
            pthread_mutex_unlock(&g.mu);
            return (ssize_t)n;
        }
        if (s->complete) {
            pthread_mutex_unlock(&g.mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        invocation *inv = &s->inv;
        if (inv->stream.len) { /* take the bytes; encode them without the lock */
            sqlambda_buf taken = inv->stream;
            memset(&inv->stream, 0, sizeof inv->stream);
            char ct[sizeof inv->content_type];
            memcpy(ct, inv->content_type, sizeof ct);
            pthread_mutex_unlock(&g.mu);
            encode_chunks(s, ct, taken.data, taken.len); /* s->out: this thread's only */
            sqlambda_buf_free(&taken);
            pthread_mutex_lock(&g.mu);
            continue;
        }
        if (s->done) {
            int ok = s->rs == RUN_DONE && inv->outcome == OUT_OK;
            if (ok && !inv->streaming && s->body_sent < inv->body.len) {
                size_t n = inv->body.len - s->body_sent;
                if (n > MAX_CHUNK) n = MAX_CHUNK;
                encode(s, "PayloadChunk", "application/octet-stream", inv->body.data + s->body_sent, n);
                s->body_sent += n;
                continue;
            }
            sqlambda_buf p = {0};
            invoke_complete_payload(&p, ok, inv->body.data, inv->body.len, inv->log_tail_b64);
            encode(s, "InvokeComplete", "application/json", p.data, p.len);
            sqlambda_buf_free(&p);
            s->complete = 1;
            continue;
        }
        pthread_cond_wait(&s->cv, &g.mu);
    }
}

static void response_done(void *cls) {
    sstream *s = cls;
    pthread_mutex_lock(&g.mu);
    /* the client is gone (or has everything): a function still streaming
     * runs on, its bytes counted and dropped, never waiting for a reader */
    s->inv.stream_dropped = 1;
    sqlambda_buf_free(&s->inv.stream);
    unref(s);
}

int handle_invoke_stream(struct MHD_Connection *c, const char *seg, const char *query, const char *body,
                         size_t body_len, int too_large) {
    invoke_opts o;
    api_error e;
    if (invoke_stream_parse_headers(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type"),
                                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type"), &o,
                                    &e) != 0)
        return aws_error_send(c, &e);
    if (too_large) {
        char m[160];
        snprintf(m, sizeof m, "Request must be smaller than %d bytes for the InvokeWithResponseStream operation",
                 MAX_BUFFERED_RESPONSE);
        return aws_error(c, 413, "RequestTooLargeException", "User", "message", m);
    }
    char *qualifier = NULL;
    function *f = NULL;
    fn_version *fv = resolve_function(c, seg, query, &qualifier, &f);
    if (!fv) return 1;
    if (invoke_check_payload(body, body_len, &e) != 0 ||
        invoke_parse_client_context(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Client-Context"), &o,
                                    &e) != 0) {
        free(qualifier);
        free(o.client_context);
        return aws_error_send(c, &e);
    }
    if (o.type == INV_DRYRUN) {
        free(qualifier);
        free(o.client_context);
        return send_json(c, 204, NULL, 0, NULL);
    }
    sstream *s = xcalloc(1, sizeof *s);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->fv = fv;
    s->refs = 2;
    s->payload = body_len ? xstrndup(body, body_len) : xstrdup("{}");
    s->client_context = o.client_context;
    s->arn = function_arn(f, qualifier);
    free(qualifier);
    invocation *inv = &s->inv;
    make_uuid(inv->request_id);
    inv->payload = s->payload;
    inv->payload_len = body_len ? body_len : 2;
    inv->client_context = s->client_context;
    inv->invoked_arn = s->arn;
    inv->want_tail = o.tail;
    inv->stream_reader = 1;
    inv->notify = &s->cv;
    const char *trace = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amzn-Trace-Id");
    if (trace && strlen(trace) < sizeof inv->trace_id) snprintf(inv->trace_id, sizeof inv->trace_id, "%s", trace);
    char rid[37];
    memcpy(rid, inv->request_id, sizeof rid);
    pthread_t t;
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &ta, runner, s) != 0) {
        pthread_attr_destroy(&ta);
        s->refs = 1;
        pthread_mutex_lock(&g.mu);
        unref(s);
        return aws_error(c, 500, "ServiceException", "Service", "Message", "cannot start the invocation");
    }
    pthread_attr_destroy(&ta);
    pthread_mutex_lock(&g.mu);
    while (!s->done && !inv->streaming) pthread_cond_wait(&s->cv, &g.mu);
    enum run_status rs = s->done ? s->rs : RUN_DONE;
    if (rs == RUN_THROTTLED || rs == RUN_STOPPING) {
        unref(s);
        return rs == RUN_THROTTLED
                   ? aws_throttled(c, "ReservedFunctionConcurrentInvocationLimitExceeded")
                   : aws_error(c, 503, "ServiceException", "Service", "Message", "The server is shutting down.");
    }
    pthread_mutex_unlock(&g.mu);
    /* read_events blocks while the function is quiet (up to its timeout):
     * that must not count as an idle connection (--idle-timeout), but a
     * client that stops reading is still dropped once the function is done */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)fv->timeout_s + g.idle_timeout_s);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, read_events, s,
                                                               response_done);
    MHD_add_response_header(r, "Content-Type", "application/vnd.amazon.eventstream");
    MHD_add_response_header(r, "x-amzn-RequestId", rid);
    MHD_add_response_header(r, "X-Amz-Executed-Version", fv->version);
    int ret = MHD_queue_response(c, 200, r) == MHD_YES;
    MHD_destroy_response(r);
    serve_debug("-> 200 %s (event stream)", f->name);
    return ret;
}
