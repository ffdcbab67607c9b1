/*
 * invoke_api.c — the HTTP server clients talk to (libmicrohttpd, one thread
 * per connection so an invoke may wait for an instance without blocking
 * others). Collects the body up to the payload limit; a body over it is
 * read and discarded up to DISCARD_CAP so that clients that send the whole
 * body before reading (urllib, curl without Expect) still get the 413, while
 * a Content-Length over the cap is answered 413 at once and a chunked body
 * past the cap ends the connection: nothing unbounded is ever read. The 413
 * comes before the signature check (the body it covers is not there).
 * With --credentials, whatever the headers alone decide (auth_precheck:
 * no or a malformed Authorization, unknown key, wrong scope, X-Amz-Date
 * off) is answered 403 before a byte of the body is read; the signature
 * over the body is checked once it is complete. Bodies held in memory by
 * all connections together (and queued Event payloads) are capped at
 * BODY_BUDGET bytes (body_budget.c; a declared Content-Length is reserved
 * up front): past it a request is answered 429 TooManyRequestsException,
 * so no set of clients makes serve buffer more than that (issue 11). Routes
 * /2015-03-31/functions/... to invoke.c / control_api.c, and
 * /2021-11-15/.../response-streaming-invocations to invoke_stream.c. Idle and slow
 * connections are bounded by a per-connection timeout and a connection
 * limit (serve_main.c raises the fd limit to fit it).
 */
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

#define MAX_SYNC (6 * 1024 * 1024)
#define MAX_EVENT (1024 * 1024)
#define MAX_OTHER (64 * 1024)
#define DISCARD_CAP (32ULL * 1024 * 1024) /* bytes read at most per request */
typedef struct ireq {
    char *raw_uri; /* as received: path still percent-encoded, query included */
    sqlambda_buf body;
    size_t limit;
    int too_large;
    unsigned long long seen; /* body bytes received, kept or not */
    int started;
    size_t reserved;  /* bytes of BODY_BUDGET this request holds */
    int over_budget;  /* the budget was full: discard the body, answer 429 */
} ireq;

static struct MHD_Daemon *daemon_;

/* The raw request URI (MHD decodes the url it passes to the handler; SigV4
 * and ARNs with ':' need it as sent). Its return value becomes *req_cls. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c) {
    ireq *q = xcalloc(1, sizeof *q);
    q->raw_uri = xstrdup(uri);
    return q;
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe) {
    ireq *q = *req_cls;
    if (q) {
        body_budget_release(q->reserved);
        free(q->raw_uri);
        sqlambda_buf_free(&q->body);
        free(q);
    }
    *req_cls = NULL;
}

static enum MHD_Result route(struct MHD_Connection *c, ireq *q, const char *method) {
    char *path = q->raw_uri;
    char *qm = strchr(path, '?');
    const char *query = NULL;
    if (qm) {
        *qm = 0;
        query = qm + 1;
    }
    serve_debug("%s %s%s%s (%zu bytes)", method, path, query ? "?" : "", query ? query : "",
                q->body.len);
    if (auth_enabled() && auth_check(c, method, path, query, q->body.data, q->body.len) != 0)
        return MHD_YES;
    pthread_mutex_lock(&g.mu);
    int stopping = g.stopping;
    pthread_mutex_unlock(&g.mu);
    if (stopping)
        return aws_error(c, 503, "ServiceException", "Service", "Message",
                         "The server is shutting down.") ? MHD_YES : MHD_NO;
    if (qm) *qm = '?'; /* the route takes the raw URI whole */
    char *seg = NULL, *seg2 = NULL, *rquery = NULL;
    int r = -1;
    switch (api_route(method, q->raw_uri, &seg, &seg2, &rquery)) {
    case API_LIST: r = handle_list_functions(c, rquery); break;
    case API_GET: r = handle_get_function(c, seg, rquery); break;
    case API_CONFIG: r = handle_get_configuration(c, seg, rquery); break;
    case API_VERSIONS: r = handle_list_versions(c, seg, rquery); break;
    case API_ALIASES: r = handle_list_aliases(c, seg, rquery); break;
    case API_ALIAS: r = handle_get_alias(c, seg, seg2); break;
    case API_CONCURRENCY: r = handle_get_concurrency(c, seg); break;
    case API_INVOKE:
        r = handle_invoke(c, seg, rquery, q->body.data ? q->body.data : "", q->body.len, q->too_large);
        break;
    case API_INVOKE_STREAM:
        r = handle_invoke_stream(c, seg, rquery, q->body.data ? q->body.data : "", q->body.len,
                                 q->too_large);
        break;
    case API_UNKNOWN: break;
    }
    free(seg);
    free(seg2);
    free(rquery);
    if (r >= 0) return r ? MHD_YES : MHD_NO;
    return aws_error(c, 404, "UnknownOperationException", NULL, "message", "Unknown operation") ? MHD_YES
                                                                                                : MHD_NO;
}

/* Room for need bytes (and the NUL) in q->body, every byte of its
 * allocation reserved first: Content-Length was reserved up front, a body
 * without one is reserved as its buffer grows. 0, or -1 if over budget. */
static int grow(ireq *q, size_t need) {
    if (need + 1 <= q->body.cap) return 0;
    size_t cap = q->body.cap * 2 > need + 1 ? q->body.cap * 2 : need + 1;
    if (cap < q->reserved + 1) cap = q->reserved + 1;
    if (cap > q->limit + 1) cap = q->limit + 1; /* need <= limit here */
    if (cap > q->reserved + 1) {
        if (body_budget_reserve(cap - 1 - q->reserved) != 0) return -1;
        q->reserved = cap - 1;
    }
    char *d = realloc(q->body.data, cap);
    if (!d) abort();
    q->body.data = d;
    q->body.cap = cap;
    return 0;
}

static enum MHD_Result busy(struct MHD_Connection *c) {
    return aws_throttled(c, "ServerRequestBufferFull") ? MHD_YES : MHD_NO;
}

/* auth_precheck on the raw URI (split at '?' in a copy). */
static int precheck(struct MHD_Connection *c, const ireq *q, const char *method) {
    char *path = xstrdup(q->raw_uri);
    char *qm = strchr(path, '?');
    if (qm) *qm = 0;
    int r = auth_precheck(c, method, path, qm ? qm + 1 : NULL);
    free(path);
    return r;
}

/* 413 as Lambda words it for an invoke, or a plain one for other paths. */
static enum MHD_Result too_large(struct MHD_Connection *c, const ireq *q) {
    char m[160];
    const char *qm = strchr(q->raw_uri, '?');
    size_t plen = qm ? (size_t)(qm - q->raw_uri) : strlen(q->raw_uri);
    static const char stream_suffix[] = "/response-streaming-invocations";
    size_t sl = sizeof stream_suffix - 1;
    int invoke = plen >= 12 && memcmp(q->raw_uri + plen - 12, "/invocations", 12) == 0;
    int stream = plen >= sl && memcmp(q->raw_uri + plen - sl, stream_suffix, sl) == 0;
    snprintf(m, sizeof m, "Request must be smaller than %zu bytes for the %s operation", q->limit,
             stream ? "InvokeWithResponseStream" : invoke ? "InvokeFunction" : "requested");
    return aws_error(c, 413, "RequestTooLargeException", "User", "message", m) ? MHD_YES : MHD_NO;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls) {
    ireq *q = *req_cls;
    if (!q) { /* no URI log callback call: should not happen */
        *req_cls = q = xcalloc(1, sizeof *q);
        q->raw_uri = xstrdup(url);
    }
    if (!q->started) {
        q->started = 1;
        q->limit = MAX_OTHER;
        if (strcmp(method, "POST") == 0) {
            const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
            q->limit = t && strcmp(t, "Event") == 0 ? MAX_EVENT : MAX_SYNC;
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) { /* answered before reading the body; MHD then closes the connection */
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || *end || end == cl || n > DISCARD_CAP ||
                (n > q->limit && MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect"))) {
                serve_debug("%s %s: Content-Length %.40s over the %zu-byte limit; not reading it", method,
                            q->raw_uri, cl, q->limit);
                return too_large(c, q);
            }
            if (n > q->limit) q->too_large = 1; /* read and discard, 413 at the end */
        }
        /* what the headers decide is answered before any body is read (a
         * body over the limit is discarded, never held: its 413 comes first) */
        if (auth_enabled() && !q->too_large && precheck(c, q, method) != 0) return MHD_YES;
        if (cl && !q->too_large) {
            size_t n = (size_t)strtoull(cl, NULL, 10);
            if (n && body_budget_reserve(n) != 0) {
                serve_debug("%zu-byte request body refused: %zu bytes of request bodies already held",
                          n, (size_t)BODY_BUDGET);
                return busy(c);
            }
            q->reserved = n;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        q->seen += *upload_data_size;
        if (q->seen > DISCARD_CAP) { /* a chunked body past the cap: stop reading it now */
            serve_debug("%s %s: body over %llu bytes; closing", method, q->raw_uri, DISCARD_CAP);
            return MHD_NO;
        }
        if (q->too_large || q->body.len + *upload_data_size > q->limit) {
            q->too_large = 1;
            sqlambda_buf_free(&q->body);
        } else if (q->over_budget || grow(q, q->body.len + *upload_data_size) != 0) {
            q->over_budget = 1;
            sqlambda_buf_free(&q->body);
        } else {
            xbuf_append(&q->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (q->too_large) return too_large(c, q);
    if (q->over_budget) return busy(c);
    return route(c, q, method);
}

int invoke_api_start(int listen_fd) {
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                   MHD_USE_POLL | MHD_USE_ITC,
                               0, NULL, NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
                               MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
                               MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                               MHD_OPTION_CONNECTION_TIMEOUT, g.idle_timeout_s,
                               MHD_OPTION_CONNECTION_LIMIT, g.max_connections,
                               MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1 << 20), MHD_OPTION_END);
    return daemon_ ? 0 : -1;
}

void invoke_api_quiesce(void) {
    if (!daemon_) return;
    int fd = MHD_quiesce_daemon(daemon_);
    if (fd >= 0) close(fd);
}

void invoke_api_stop(void) {
    if (daemon_) MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
