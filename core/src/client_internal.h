/*
 * client_internal.h — the transport's private types: the client, one call
 * (request + attempts + result), and the contracts between client.c,
 * request_build.c, response.c, multi.c and invoke.c.
 */
#ifndef SQLAMBDA_CLIENT_INTERNAL_H
#define SQLAMBDA_CLIENT_INTERNAL_H

#include "internal.h"
#include "adaptive.h"
#include "retry.h"
#include <curl/curl.h>
#include <signal.h>

#define SQLAMBDA_DEFAULT_CONNECT_TIMEOUT_MS 1000L
#define SQLAMBDA_DEFAULT_REQUEST_TIMEOUT_MS 60000L
#define SQLAMBDA_DEFAULT_MAX_RESPONSE ((size_t)6 * 1024 * 1024 + 64 * 1024)
/* Easy handles kept for reuse: at least SQLAMBDA_EASY_POOL_MIN, grown to
 * the largest max_in_flight a multi of the client asked for, never above
 * SQLAMBDA_EASY_POOL_MAX (one handle holds ~20 KB of curl's buffers). */
#define SQLAMBDA_EASY_POOL_MIN 16
#define SQLAMBDA_EASY_POOL_MAX 1024
/* Idle keep-alive connections curl keeps: at least this many, else the
 * largest max_in_flight (so a fan-out reuses every one of its connections). */
#define SQLAMBDA_MIN_CONNECTS 64
#define SQLAMBDA_MAX_WAIT_MS 1000L
#define SQLAMBDA_CALL_HEADERS 10

struct epoll_event;
struct sqlambda_client {
    sqlambda_options opts; /* strings below are owned copies */
    sqlambda_config cfg;
    sqlambda_creds_provider *creds;
    char *user_agent;
    long connect_timeout_ms, request_timeout_ms;
    size_t max_response;
    int max_attempts;
    sqlambda_retry_quota quota;
    /* retry_mode adaptive: the client-side rate limiter every call of this
     * client (and every multi of it) takes its tokens from (multi.c) */
    sqlambda_rate_limiter limiter;
    uint64_t rng; /* jitter source (per client: no shared state) */
    CURLM *multi;
    CURLSH *share; /* DNS cache and TLS sessions across easy handles */
    CURL **pool; /* idle easy handles, up to pool_max */
    int npool, pool_cap, pool_max;
    long max_connects; /* CURLMOPT_MAXCONNECTS set so far */
    int live_multis;   /* sqlambda_multi handles not yet freed */
    /* curl's sockets, watched by one epoll instance (multi_sockets.c) */
    int epfd;                /* <0: not created yet */
    int nsocks;              /* sockets in it */
    struct epoll_event *evs; /* epoll_wait's buffer */
    int capevs;
    unsigned char *fdst; /* per descriptor: what is registered (multi_sockets.c) */
    int capfd;
    double timer_at; /* curl's timer as absolute ms; <0: none */
    sqlambda_sigv4_signer *signer; /* signing key cache and buffers */
    time_t date_at;                /* second that amz_date holds */
    char amz_date[17];
    /* the last endpoint URL parsed, and its parts (request_build.c) */
    char *ep_url, *ep_base, *ep_host, *ep_prefix;
};

typedef enum call_state { CALL_QUEUED, CALL_RUNNING, CALL_BACKOFF, CALL_DONE } call_state;

/* What came back for one attempt, filled by the curl callbacks. */
typedef struct sqlambda_reply {
    long status;
    sqlambda_buf body;
    char *executed_version, *log_result_b64, *function_error, *error_type_hdr, *request_id;
    double retry_after_ms; /* <0: none */
    size_t cap;
    int oversize;   /* body (or announced Content-Length) over cap */
    int bad_header; /* a header we need was malformed */
} sqlambda_reply;

/* An InvokeWithResponseStream call's receiving side (invoke_stream.c). */
typedef struct sqlambda_stream {
    sqlambda_chunk_fn on_chunk;
    void *arg;
    sqlambda_buf pending;  /* bytes of a message not yet whole */
    size_t chunks;         /* PayloadChunk events delivered (never retried after one) */
    int complete;          /* InvokeComplete (or an exception event) arrived */
    int stopped;           /* on_chunk asked to stop */
    char *error_code, *error_details, *log_result_b64; /* from InvokeComplete */
    char problem[200];     /* a malformed stream: what was wrong */
} sqlambda_stream;

typedef struct sqlambda_call sqlambda_call;
struct sqlambda_call {
    sqlambda_call *next, *prev; /* list links (queue, running, backoff, done) */
    struct sqlambda_multi *m;
    void *user;
    call_state state;
    /* owned copies of the request */
    sqlambda_request req;
    char *function, *payload, *client_context, *qualifier, *region;
    /* prepared once */
    sqlambda_function_ref ref;
    char *cc_b64;
    char *url_base; /* scheme://host[:port] */
    char *host;     /* Host header value */
    char *path, *query;
    char *url;      /* url_base + path [+ '?' query] */
    const char *sign_region;
    /* attempt state */
    CURL *easy;
    /* request headers: nodes and text owned by the call, rebuilt per attempt
     * without allocating (curl only reads the list) */
    struct curl_slist hdr_nodes[SQLAMBDA_CALL_HEADERS];
    sqlambda_buf hdr_text;
    sqlambda_reply reply;
    char curl_err[CURL_ERROR_SIZE];
    double attempt_start, retry_at, start_ms;
    uint64_t retry_seq; /* backoff heap tie-break: first scheduled fires first */
    int retry_cost_taken; /* quota tokens held by the last retry */
    sqlambda_stream *stream; /* InvokeWithResponseStream; NULL for Invoke */
    sqlambda_result res;
};

typedef struct call_list {
    sqlambda_call *head, *tail;
    size_t n;
} call_list;

/* Calls waiting to retry, a binary min-heap on (retry_at, retry_seq). */
typedef struct call_heap {
    sqlambda_call **a;
    size_t n, cap;
    uint64_t seq;
} call_heap;

struct sqlambda_multi {
    sqlambda_client *c;
    int max_in_flight;
    call_list queued, running, done;
    call_heap backoff;
    const volatile sig_atomic_t *cancel_flag; /* sqlambda_multi_cancel_on */
};

/* client.c */
void sqlambda_client_log(sqlambda_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
CURL *sqlambda_client_easy_get(sqlambda_client *c);
void sqlambda_client_easy_put(sqlambda_client *c, CURL *e);
double sqlambda_client_random(sqlambda_client *c); /* [0,1) */

/* multi.c: curl's timer callback, which the client installs. */
int sqlambda_multi_timer_cb(CURLM *m, long timeout_ms, void *userp);

/* multi_sockets.c: curl's sockets in one epoll instance per client, kept up
 * to date by curl's socket and close-socket callbacks (no per-wait rebuild,
 * no search; idle kept-alive connections stay registered). */
int sqlambda_multi_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp);
/* curl's CURLOPT_CLOSESOCKETFUNCTION: forgets the socket, then closes it */
int sqlambda_multi_close_cb(void *clientp, curl_socket_t s);
/* Creates the epoll instance on first use: 0, or -1 with errno set. */
int sqlambda_sockets_open(sqlambda_client *c);
/* epoll_wait up to timeout_ms (0: just what is ready now), then
 * curl_multi_socket_action for each ready socket. Returns how many. */
int sqlambda_sockets_dispatch(sqlambda_client *c, long timeout_ms);
void sqlambda_sockets_close(sqlambda_client *c);

/* call_heap.c: push is 0 or -1 (no memory); top/pop are NULL when empty. */
int sqlambda_heap_push(call_heap *h, sqlambda_call *call);
sqlambda_call *sqlambda_heap_top(const call_heap *h);
sqlambda_call *sqlambda_heap_pop(call_heap *h);
void sqlambda_heap_free(call_heap *h);

/* client.c: grows the easy-handle pool and curl's connection cache to
 * max_in_flight (bounded; see SQLAMBDA_EASY_POOL_MAX). */
void sqlambda_client_size_for(sqlambda_client *c, int max_in_flight);
/* client.c: when the last multi of c is freed, gives back what a large one
 * grew: the easy-handle pool back to SQLAMBDA_EASY_POOL_MIN and the idle
 * connections over SQLAMBDA_MIN_CONNECTS closed (curl only trims its cache
 * as connections come back, so a grown cache is replaced by a fresh one:
 * the next call reconnects). A host that ran 1,000 calls at once keeps
 * neither ~1,000 idle sockets nor their handles afterwards. */
void sqlambda_client_multi_done(sqlambda_client *c);

/* request_build.c: resolves region/endpoint/path for the call (once);
 * then sets up c->easy for one attempt (fresh date and signature).
 * Both return OK or an error status with res->message filled. */
sqlambda_status sqlambda_call_prepare(sqlambda_client *c, sqlambda_call *call);
sqlambda_status sqlambda_call_setup_attempt(sqlambda_client *c, sqlambda_call *call);

/* request_build.c: frees the client's endpoint cache. */
void sqlambda_client_endpoint_free(sqlambda_client *c);

/* response.c */
size_t sqlambda_reply_header_cb(char *buf, size_t size, size_t n, void *userp);
size_t sqlambda_reply_body_cb(char *buf, size_t size, size_t n, void *userp);
void sqlambda_reply_reset(sqlambda_reply *r, size_t cap);
void sqlambda_reply_free(sqlambda_reply *r);
/* Classifies one finished attempt (curl code + reply) into call->res:
 * status, fields, error type/message, message line. */
void sqlambda_response_classify(sqlambda_call *call, CURLcode cc);
/* Parses an error body: fills type/message (malloc'd, may stay NULL). */
void sqlambda_parse_error_body(const char *body, size_t len, char **type, char **message);
/* Strips the x-amzn-ErrorType decoration ("Code:http://..." -> "Code"). */
char *sqlambda_error_type_from_header(const char *v);
/* Writes res->message: one line naming function, host, type, attempts. */
void sqlambda_result_message(sqlambda_result *res, const char *detail);

/* invoke.c: a call from a request (copied), checked (validation, allowlist,
 * region, endpoint); on failure call->res holds the error. NULL: no memory.
 * With stream (taken), the call is an InvokeWithResponseStream. */
sqlambda_call *sqlambda_call_new(sqlambda_client *c, const sqlambda_request *req, void *user);
sqlambda_call *sqlambda_call_new_stream(sqlambda_client *c, const sqlambda_request *req, void *user,
                                        sqlambda_stream *stream);

/* invoke_stream.c: curl's body callback for a stream call (userp: the
 * call): an answer other than 200 is kept like Invoke's; a 200 one is
 * decoded as it arrives. */
size_t sqlambda_stream_body_cb(char *buf, size_t size, size_t n, void *userp);
/* invoke_stream.c: decodes more bytes of a 200 answer: each whole message
 * is acted on (PayloadChunk to on_chunk, InvokeComplete's fields kept), an
 * incomplete one kept for the next bytes. 0, or -1 when the transfer must
 * stop (s->problem says why, or s->stopped). Pure: fuzz_eventstream. */
int sqlambda_stream_feed(sqlambda_stream *s, const char *buf, size_t len);
/* invoke_stream.c: fills call->res for a 200 answer to a stream call
 * (called by sqlambda_response_classify, which handles everything else). */
void sqlambda_stream_classify(sqlambda_call *call, CURLcode cc);
void sqlambda_stream_free(sqlambda_stream *s);
/* Before each attempt: forgets what an earlier attempt received. */
void sqlambda_stream_reset(sqlambda_stream *s);
/* Frees the call; its result members too when free_result. */
void sqlambda_call_free(sqlambda_call *call, int free_result);

/* multi.c: puts a new call on m's queue (ok) or straight into done. */
void sqlambda_multi_enqueue(sqlambda_multi *m, sqlambda_call *call, int ok);

#endif
