/*
 * runtime_api.c — the Lambda Runtime API (/2018-06-01/runtime/...) that a
 * worker talks to. Each instance has its own listener on 127.0.0.1:<port>
 * (AWS_LAMBDA_RUNTIME_API), so /invocation/next needs no routing: it blocks
 * until the pool assigns this instance an invocation. Only processes of the
 * instance's worker process group and session may connect (peer_check.c):
 * another local process, another function's included, can neither take
 * the function's events nor post results. A response posted with
 * Lambda-Runtime-Function-Response-Mode: streaming is passed on as it
 * arrives (into the invocation's stream, see serve.h), and an error the
 * function reports in the trailers (Lambda-Runtime-Function-Error-Type /
 * -Error-Body) after part of it becomes the invocation's error.
 */
#include "serve.h"
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#define MAX_RESPONSE MAX_BUFFERED_RESPONSE

typedef struct rreq {
    sqlambda_buf body;
    int too_large;
    int streaming;  /* a response in streaming mode for request id rid */
    int ended;      /* stream_end ran (the whole request, trailers included, arrived) */
    char rid[64];
} rreq;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result next_invocation(instance *in, struct MHD_Connection *c) {
    pthread_mutex_lock(&g.mu);
    while (in->state != INST_DEAD && !(in->cur && !in->cur->delivered))
        pthread_cond_wait(&in->cv, &g.mu);
    if (in->state == INST_DEAD) {
        pthread_mutex_unlock(&g.mu);
        return MHD_NO;
    }
    invocation *inv = in->cur;
    double t = sqlambda_now_ms();
    if (in->cold && in->init_ms == 0) in->init_ms = t - in->spawn_ms;
    inv->delivered = 1;
    inv->delivered_ms = t;
    inv->deadline_epoch_ms = epoch_ms() + (long long)in->fv->timeout_s * 1000;
    struct MHD_Response *r = MHD_create_response_from_buffer(inv->payload_len, (void *)inv->payload,
                                                             MHD_RESPMEM_MUST_COPY);
    char deadline[32];
    snprintf(deadline, sizeof deadline, "%lld", inv->deadline_epoch_ms);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", inv->request_id);
    MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
    MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn", inv->invoked_arn);
    MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", inv->trace_id);
    if (inv->client_context)
        MHD_add_response_header(r, "Lambda-Runtime-Client-Context", inv->client_context);
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&g.mu);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Body of an /error post (request_parse.c: always a JSON object). */
static void error_body(sqlambda_buf *out, struct MHD_Connection *c, const rreq *q) {
    rapi_error_body(out, q->body.data, q->body.len,
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type"));
}

static enum MHD_Result post_result(instance *in, struct MHD_Connection *c, const char *id,
                                   int is_error, rreq *q) {
    pthread_mutex_lock(&g.mu);
    invocation *inv = in->cur;
    if (!inv || !inv->delivered || strcmp(inv->request_id, id) != 0 || inv->outcome != OUT_PENDING) {
        pthread_mutex_unlock(&g.mu);
        return reply(c, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
    }
    unsigned status = 202;
    if (q->too_large) {
        inv->outcome = OUT_FN_ERROR;
        pool_error_body(&inv->body, "Function.ResponseSizeTooLarge",
                        "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
        status = 413;
    } else if (is_error) {
        inv->outcome = OUT_FN_ERROR;
        error_body(&inv->body, c, q);
    } else {
        inv->outcome = OUT_OK;
        xbuf_append(&inv->body, q->body.data ? q->body.data : "", q->body.len);
    }
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&g.mu);
    return status == 202 ? reply(c, 202, "{\"status\":\"OK\"}")
                         : reply(c, 413, "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}");
}

/* The invocation a streamed response belongs to, if it is still waiting
 * for it (g.mu held): matched by request id, as the stack slot of an
 * earlier invocation may hold a later one. */
static invocation *stream_target(instance *in, const rreq *q) {
    invocation *inv = in->cur;
    if (!inv || !inv->delivered || inv->outcome != OUT_PENDING || strcmp(inv->request_id, q->rid) != 0)
        return NULL;
    return inv;
}

static void stream_wake(instance *in, invocation *inv) {
    pthread_cond_broadcast(&in->cv);
    if (inv->notify) pthread_cond_broadcast(inv->notify);
}

static void stream_too_large(instance *in, invocation *inv, size_t limit) {
    char m[160];
    snprintf(m, sizeof m, "Response payload size exceeded maximum allowed payload size (%zu bytes).", limit);
    inv->outcome = OUT_FN_ERROR;
    sqlambda_buf_free(&inv->body);
    pool_error_body(&inv->body, "Function.ResponseSizeTooLarge", m);
    stream_wake(in, inv);
}

/* First call of a streamed /response: the invocation learns its mode and
 * Content-Type, so InvokeWithResponseStream can start its answer. */
static void stream_begin(instance *in, struct MHD_Connection *c, rreq *q) {
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    pthread_mutex_lock(&g.mu);
    invocation *inv = stream_target(in, q);
    if (inv) {
        inv->streaming = 1;
        char *clean = utf8_clean(ct ? ct : "application/octet-stream", strlen(ct ? ct : "application/octet-stream"));
        snprintf(inv->content_type, sizeof inv->content_type, "%s", clean);
        free(clean);
        stream_wake(in, inv);
    }
    pthread_mutex_unlock(&g.mu);
}

/* Bytes of a streamed response, passed on at once. Invoke keeps them (6 MB
 * at most); InvokeWithResponseStream takes them (20 MB in all at most).
 * While a stream's client leaves more than STREAM_UNREAD_MAX bytes untaken,
 * this connection's thread stops reading the function (backpressure: a
 * client that never reads holds about a megabyte, not 20), looking again
 * every 20 ms: the invocation may meanwhile end (timeout, error) or lose
 * its client (then the bytes are counted and dropped). */
static void stream_data(instance *in, rreq *q, const char *data, size_t n) {
    pthread_mutex_lock(&g.mu);
    invocation *inv = stream_target(in, q);
    if (inv) {
        size_t limit = inv->stream_reader ? MAX_STREAMED_RESPONSE : MAX_BUFFERED_RESPONSE;
        if (inv->streamed + n > limit) {
            q->too_large = 1;
            stream_too_large(in, inv, limit);
        } else {
            if (!inv->stream_dropped) xbuf_append(&inv->stream, data, n);
            inv->streamed += n;
            stream_wake(in, inv);
        }
    }
    while ((inv = stream_target(in, q)) && inv->stream_reader && !inv->stream_dropped &&
           inv->stream.len > STREAM_UNREAD_MAX) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts); /* in->cv's clock (instance.c) */
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&in->cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
}

/* The end of a streamed response: its trailers decide the outcome. */
static enum MHD_Result stream_end(instance *in, struct MHD_Connection *c, rreq *q) {
    q->ended = 1;
    const char *etype = MHD_lookup_connection_value(c, MHD_FOOTER_KIND, "Lambda-Runtime-Function-Error-Type");
    const char *ebody = MHD_lookup_connection_value(c, MHD_FOOTER_KIND, "Lambda-Runtime-Function-Error-Body");
    pthread_mutex_lock(&g.mu);
    invocation *inv = stream_target(in, q);
    if (inv) {
        if (etype || ebody) {
            inv->outcome = OUT_FN_ERROR;
            sqlambda_buf_free(&inv->body);
            rapi_stream_error_body(&inv->body, etype ? etype : "Unhandled", ebody);
        } else {
            inv->outcome = OUT_OK;
        }
        stream_wake(in, inv);
    }
    pthread_mutex_unlock(&g.mu);
    if (q->too_large)
        return reply(c, 413, "{\"errorMessage\":\"Exceeded maximum allowed payload size.\",\"errorType\":\"RequestEntityTooLarge\"}");
    if (!inv) /* not this instance's invocation, or it already ended (timeout) */
        return reply(c, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
    return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result init_error(instance *in, struct MHD_Connection *c, rreq *q) {
    pthread_mutex_lock(&g.mu);
    invocation *inv = in->cur;
    if (inv && inv->outcome == OUT_PENDING) {
        inv->outcome = OUT_INIT_ERROR;
        error_body(&inv->body, c, q);
        pthread_cond_broadcast(&in->cv);
    }
    pthread_mutex_unlock(&g.mu);
    return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls) {
    instance *in = cls;
    rreq *q = *req_cls;
    if (!q) {
        /* Answer nothing on the first call: libmicrohttpd closes a
         * connection whose response is queued before the request was fully
         * read, and workers keep theirs alive from one event to the next. */
        *req_cls = q = xcalloc(1, sizeof *q);
        const char *mode = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Response-Mode");
        if (mode && strcasecmp(mode, "streaming") == 0 && rapi_route(method, url, q->rid) == RAPI_RESPONSE) {
            q->streaming = 1;
            stream_begin(in, c, q);
        }
        return MHD_YES;
    }
    if (q->streaming) {
        if (*upload_data_size) {
            if (!q->too_large) stream_data(in, q, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        return stream_end(in, c, q);
    }
    if (*upload_data_size) {
        if (q->body.len + *upload_data_size > MAX_RESPONSE)
            q->too_large = 1;
        else
            xbuf_append(&q->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    char rid[64];
    switch (rapi_route(method, url, rid)) {
    case RAPI_NEXT: return next_invocation(in, c);
    case RAPI_INIT_ERROR: return init_error(in, c, q);
    case RAPI_RESPONSE: return post_result(in, c, rid, 0, q);
    case RAPI_ERROR: return post_result(in, c, rid, 1, q);
    case RAPI_UNKNOWN: break;
    }
    return reply(c, 404, "{\"errorMessage\":\"Unknown Runtime API path\",\"errorType\":\"InvalidPath\"}");
}

/* Accept policy: the client must be one of the worker's processes. The
 * worker cannot connect before it exists, but its pid is stored just after
 * the fork returns: wait for it briefly. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len) {
    instance *in = cls;
    pid_t pid = 0;
    for (int i = 0; i < 1000 && (pid = __atomic_load_n(&in->pid, __ATOMIC_ACQUIRE)) <= 0; i++)
        usleep(1000);
    if (pid > 0 && peer_in_group(addr, (unsigned)len, in->port, pid)) return MHD_YES;
    serve_log("refused a Runtime API connection to instance %d of %s: the client is not one of "
              "its worker's processes", in->id, in->fv->fn->name);
    return MHD_NO;
}

/* A streamed response that never reached its end: the connection dropped,
 * or libmicrohttpd refused it (trailers over the connection's memory) and
 * answered the worker itself. The invocation fails now rather than at its
 * timeout. */
static void stream_abort(instance *in, rreq *q, enum MHD_RequestTerminationCode toe) {
    pthread_mutex_lock(&g.mu);
    invocation *inv = stream_target(in, q);
    if (inv) {
        inv->outcome = OUT_FN_ERROR;
        sqlambda_buf_free(&inv->body);
        pool_error_body(&inv->body, "Runtime.StreamError",
                        toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT
                            ? "The function's streamed response was cut off before its end."
                            : "The function's streamed response could not be read to its end "
                              "(its trailers over 256 KiB?).");
        stream_wake(in, inv);
    }
    pthread_mutex_unlock(&g.mu);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe) {
    rreq *q = *req_cls;
    if (q && q->streaming && !q->ended) stream_abort(cls, q, toe);
    if (q) {
        sqlambda_buf_free(&q->body);
        free(q);
    }
    *req_cls = NULL;
}

int runtime_api_start(instance *in, char *err, size_t errlen) {
    int port;
    int fd = listen_tcp("127.0.0.1", 0, &port, err, errlen);
    if (fd < 0) return -1;
    in->port = port; /* before the daemon starts: the accept policy reads it */
    in->rapi = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                    MHD_USE_POLL,
                                0, accept_policy, in, handler, in, MHD_OPTION_LISTEN_SOCKET, fd,
                                MHD_OPTION_NOTIFY_COMPLETED, completed, in,
                                /* room for a streamed response's error trailers */
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)256 * 1024,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_END);
    if (!in->rapi) {
        snprintf(err, errlen, "cannot start the Runtime API listener");
        close(fd);
        return -1;
    }
    in->port = port;
    return 0;
}
