/*
 * serve.h — internal contracts between the modules of the local Lambda
 * runtime (`sqlambda serve`). Each block names the file that implements it.
 * One server per process: its state is the global `g` (serve_main.c).
 * Pool state (functions' counters, instances, invocations) is guarded by
 * g.mu; every condition variable below is used with g.mu.
 */
#ifndef SQLAMBDA_SERVE_INTERNAL_H
#define SQLAMBDA_SERVE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "util.h" /* core's: sqlambda_buf, sqlambda_b64_*, sqlambda_now_ms, ... */

struct MHD_Daemon;
struct MHD_Connection;
struct instance;

/* ---- util.c: small helpers ------------------------------------------------
 * The buffer, base64, the monotonic clock and the SigV4 date are core's
 * (core/src/util.h, linked from libsqlambda.a): one implementation. */

void xbuf_append(sqlambda_buf *b, const void *p, size_t n); /* sqlambda_buf_append; aborts on ENOMEM */
void xbuf_printf(sqlambda_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void oom(void) __attribute__((noreturn)); /* "out of memory" on stderr, abort() */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
long long epoch_ms(void);         /* wall clock */
void iso_time(char out[32]);      /* "2026-11-26T23:00:00.123Z" */
void make_uuid(char out[37]);     /* random (v4) */
/* Percent-decodes s[0..n) (no '+' handling); NULL if a %xx is malformed
 * or decodes to a NUL byte (%00: the C string would end there). */
char *pct_decode(const char *s, size_t n);
/* The same, NUL bytes allowed: their count is in *outlen. */
char *pct_decode_n(const char *s, size_t n, size_t *outlen);
/* Value of key in a raw query string, decoded, or NULL. *bad set on bad %
 * (or %00). */
char *query_param(const char *query, const char *key, int *bad);
/* Copy of s[0..n) as valid UTF-8 without NUL: each invalid byte (and NUL)
 * becomes U+FFFD, so jansson never refuses it (malloc'd). */
char *utf8_clean(const char *s, size_t n);
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* stderr */
void serve_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* --verbose */

/* ---- registry.c: the function directory (function.json per function) ---- */

typedef struct function function;

typedef struct fn_version { /* one runnable configuration: a function at a version */
    function *fn;
    char *version;     /* "$LATEST" or "1", "2", ... */
    char *runtime;     /* "python3", "nodejs" or "provided" */
    char runtime_name[24]; /* the Runtime reported for provided and nodejs: as
                              declared (provided, provided.al2, provided.al2023,
                              nodejs20.x, nodejs22.x) */
    char code_sha256[48];  /* CodeSha256 (code_hash.c), "" if unknown */
    char *handler;     /* "module.function" for python3; free text for provided */
    char *code_dir;    /* absolute path of the code (LAMBDA_TASK_ROOT) */
    char *description;
    int timeout_s;     /* 1..900, default 3 */
    int memory_mb;     /* 128..10240, default 128 */
    json_t *environment; /* object of string values (owned) */
    long long code_size;
    char last_modified[40];
    struct instance *instances; /* pool (g.mu) */
} fn_version;

typedef struct fn_alias {
    char *name;
    fn_version *target;
} fn_alias;

struct function {
    char *name;
    char *dir;
    int reserved;        /* reserved concurrency, -1: none */
    fn_version **versions; /* [0] is $LATEST */
    size_t nversions;
    fn_alias *aliases;
    size_t naliases;
    int busy;            /* invocations running, all versions (g.mu) */
    pthread_cond_t freed; /* signalled when busy drops or an instance dies */
};

typedef struct registry {
    function **fns;
    size_t n;
} registry;

/* Loads every subdirectory of dir that holds a function.json. Returns 0, or
 * -1 with a message naming the file and the problem in err. */
int registry_load(const char *dir, registry *out, char *err, size_t errlen);
void registry_free(registry *r);
function *registry_find(const registry *r, const char *name);
/* Version or alias ("" or "$LATEST": latest); NULL when unknown. */
fn_version *function_qualify(function *f, const char *qualifier);
/* "arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]" (malloc'd). */
char *function_arn(const function *f, const char *qualifier);

/* ---- spawner.c: every fork happens on one long-lived thread -------------
 * (PR_SET_PDEATHSIG fires when the forking *thread* exits.) */

int spawner_start(void);
void spawner_stop(void);
/* Forks and execs argv/envp in a new session (setsid: the worker leads its
 * own session and process group) with stdin /dev/null and stdout+stderr on
 * out_fd, cwd dir. Returns the pid (after the exec) or -1. */
pid_t spawner_spawn(char *const argv[], char *const envp[], const char *dir, int out_fd);
/* waitpid(pid, status, 0) for a worker, and forgets it as a worker;
 * peak_rss_kb (if not NULL) gets the worker's peak RSS in KB (wait4's
 * ru_maxrss), 0 if unknown. */
pid_t spawner_reap(pid_t pid, int *status, long *peak_rss_kb);
/* Reaps pid if it is an exited child that is not a live worker; 1 if reaped. */
int spawner_reap_orphan(pid_t pid);

/* ---- invocation (pool.c) ------------------------------------------------- */

enum outcome { OUT_PENDING = 0, OUT_OK, OUT_FN_ERROR, OUT_TIMEOUT, OUT_EXIT, OUT_INIT_ERROR };

typedef struct invocation {
    char request_id[37];
    const char *payload;
    size_t payload_len;
    const char *client_context; /* decoded JSON text or NULL */
    const char *invoked_arn;
    char trace_id[128];
    int want_tail;
    /* filled while running */
    long long deadline_epoch_ms;
    double assigned_ms, delivered_ms;
    int delivered;
    /* outcome */
    enum outcome outcome;
    sqlambda_buf body;          /* response or error JSON */
    char *log_tail_b64; /* when want_tail */
    double duration_ms;
    /* A response in streaming mode (Lambda-Runtime-Function-Response-Mode:
     * streaming, runtime_api.c): its bytes go to `stream` as they arrive,
     * and `notify` (if set; used with g.mu) is broadcast whenever stream,
     * streaming or outcome change. InvokeWithResponseStream
     * (invoke_stream.c) takes the bytes out as it sends them; Invoke keeps
     * them and answers with them when the stream ends without an error. */
    int stream_reader;      /* set by the caller: the stream is consumed as it grows */
    int stream_dropped;     /* the stream's client is gone: bytes are counted, not kept */
    int streaming;          /* the function answered in streaming mode */
    char content_type[128]; /* the streamed response's Content-Type */
    sqlambda_buf stream;    /* streamed bytes not yet taken */
    size_t streamed;        /* streamed bytes in all */
    pthread_cond_t *notify;
} invocation;

/* Response sizes: a buffered response (and everything Invoke returns) at
 * most 6 MB; a response streamed to InvokeWithResponseStream at most 20 MB
 * (Lambda's soft limit for streamed responses). */
#define MAX_BUFFERED_RESPONSE (6 * 1024 * 1024)
#define MAX_STREAMED_RESPONSE (20 * 1024 * 1024)
/* Bytes of a stream its client has not taken yet past which serve stops
 * reading the function's stream (its writes block), as Lambda does. */
#define STREAM_UNREAD_MAX (1024 * 1024)

/* ---- instance.c: a warm instance = worker process + Runtime API port ---- */

enum inst_state { INST_STARTING, INST_IDLE, INST_BUSY, INST_DEAD };

typedef struct instance {
    fn_version *fv;
    int id;
    pid_t pid;
    int log_fd;          /* read end of the worker's stdout+stderr, O_NONBLOCK */
    pthread_t log_thread;
    int log_thread_started;
    struct MHD_Daemon *rapi;
    int port;
    pthread_cond_t cv;   /* invocation assigned / result posted / worker exited */
    enum inst_state state;
    int exited, exit_status;
    invocation *cur;     /* the invocation it runs, NULL when idle */
    int cold;            /* cur is this instance's first invocation */
    double spawn_ms, init_ms;
    long max_rss_mb;     /* last peak RSS read (VmHWM) */
    double rss_read_ms;  /* when */
    sqlambda_buf log;            /* log of the current invocation (capped, tail kept) */
    struct instance *next;
} instance;

/* Creates an instance (state STARTING): Runtime API listener, log pipe,
 * worker process. Called without g.mu. Returns NULL with a message in err. */
instance *instance_start(fn_version *fv, char *err, size_t errlen);
/* Kills the worker's process group (SIGKILL), waits for it, stops the
 * listener and frees. The instance must be out of every list. No g.mu. */
void instance_destroy(instance *in);
/* Peak RSS of the worker in MB (0 if unknown). */
long instance_max_rss_mb(const instance *in);

/* ---- log_capture.c: the function's log -------------------------------- */

/* Thread body (arg: the instance): reads the worker's output until end of
 * file, then reaps the worker and marks the instance dead. */
void *log_capture_thread(void *instance);
/* The rest hold g.mu. Reads whatever the worker wrote so far. */
void log_drain(instance *in);
/* Starts an invocation's log: START line (a warm instance's buffer is reset first). */
void log_begin(instance *in, const invocation *inv);
/* Appends one line the server writes (timeouts, exits). */
void log_line(instance *in, const char *line);
/* END and REPORT lines; fills inv->log_tail_b64 when Tail was asked for. */
void log_end(instance *in, invocation *inv);

/* ---- runtime_api.c: the per-instance Runtime API listener ------------- */

/* Starts the listener on 127.0.0.1:0 for in; sets in->rapi and in->port.
 * Connections from processes outside the worker's process group are refused. */
int runtime_api_start(instance *in, char *err, size_t errlen);

/* ---- peer_check.c: is a loopback client one of the worker's processes? -- */

struct sockaddr;
/* 1 if the client at addr (connected to 127.0.0.1:server_port) is a socket
 * held by a process whose process group and session are pgid (the worker's
 * pid: workers are session leaders). */
int peer_in_group(const struct sockaddr *addr, unsigned len, int server_port, pid_t pgid);

/* ---- pool.c: acquire an instance, run an invocation, release ---------- */

enum run_status { RUN_DONE = 0, RUN_THROTTLED, RUN_STOPPING, RUN_FAILED };
/* Runs inv on fv. wait=0: throttle (RUN_THROTTLED) when the function's
 * reserved concurrency is in use; wait=1: wait for a slot. On RUN_DONE the
 * outcome and body are set (caller frees inv->body, inv->log_tail_b64). */
enum run_status pool_run(fn_version *fv, invocation *inv, int wait);
/* Shutdown: SIGTERM every worker, then destroy every instance. */
void pool_stop_all(void);
/* Function error body for outcomes the server produces itself. */
void pool_error_body(sqlambda_buf *b, const char *type, const char *message);

/* ---- body_budget.c: request bytes held for clients, all together ------ */

#define BODY_BUDGET ((size_t)128 * 1024 * 1024)
/* Reserves n bytes; 0, or -1 (nothing reserved) when they do not fit. */
int body_budget_reserve(size_t n);
void body_budget_release(size_t n);

/* ---- event_queue.c: asynchronous (Event) invocations with retries ------- */

int event_queue_start(int threads, long max_queued);
/* Takes copies (the payload's held against the body budget until the event
 * is done); the event runs as soon as a thread is free. -1 when the queue
 * already holds max_queued events or the budget is full (nothing queued). */
int event_queue_push(fn_version *fv, const char *payload, size_t len, const char *client_context,
                     const char *invoked_arn, const char *request_id);
/* Stops the threads after their current invocation; drops what is queued. */
void event_queue_stop(void);

/* ---- auth.c: --credentials file and SigV4 verification ----------------- */

int auth_load(const char *path, char *err, size_t errlen);
/* The file's text (no permission checks): adds its keys; 0, or -1 with err
 * naming path and line. auth_load = checks + this; fuzz_serve_credentials. */
int auth_parse(FILE *f, const char *path, char *err, size_t errlen);
size_t auth_key_count(void);
const char *auth_secret_of(const char *access_key_id); /* NULL if unknown */
int auth_enabled(void);
/* Returns 0 if the request is correctly signed; otherwise queues the AWS
 * error response on conn and returns -1. */
int auth_check(struct MHD_Connection *conn, const char *method, const char *raw_path,
               const char *raw_query, const char *body, size_t body_len);
/* The same checks that need no body (Authorization present and well formed,
 * known access key, scope region/service, every x-amz-* header signed,
 * X-Amz-Date within 5 minutes), before the body is read; 0 or -1 with the
 * answer queued. auth_check still verifies the signature afterwards. */
int auth_precheck(struct MHD_Connection *conn, const char *method, const char *raw_path,
                  const char *raw_query);
void auth_free(void);

/* ---- aws_errors.c: responses shaped like AWS's ---------------------------- */

/* Queues status with x-amzn-ErrorType: type and body {"Type":"User",<msg_key>:msg}.
 * msg_key is "Message" or "message" as the service model spells it; kind is
 * "User" or "Service" (NULL: no Type member). */
int aws_error(struct MHD_Connection *conn, unsigned status, const char *type, const char *kind,
              const char *msg_key, const char *message);
/* 429 TooManyRequestsException with Retry-After. */
int aws_throttled(struct MHD_Connection *conn, const char *reason);
struct api_error;
/* Queues a request_parse.c refusal. */
int aws_error_send(struct MHD_Connection *conn, const struct api_error *e);
/* Queues a JSON (or empty) response with x-amzn-RequestId. */
int send_json(struct MHD_Connection *conn, unsigned status, const char *body, size_t len,
              const char *request_id);

/* ---- invoke_api.c / invoke.c / control_api.c: the Invoke API server ---- */

int invoke_api_start(int listen_fd);
void invoke_api_quiesce(void);
void invoke_api_stop(void);
/* POST .../functions/{fn}/invocations (body complete, signature checked). */
int handle_invoke(struct MHD_Connection *conn, const char *fn_segment, const char *raw_query,
                  const char *body, size_t body_len, int too_large);
/* invoke_stream.c: POST /2021-11-15/functions/{fn}/response-streaming-invocations
 * (InvokeWithResponseStream): the answer is an event stream of PayloadChunk
 * events and one InvokeComplete, sent as the function produces it. */
int handle_invoke_stream(struct MHD_Connection *conn, const char *fn_segment, const char *raw_query,
                         const char *body, size_t body_len, int too_large);
/* invoke_stream.c: the InvokeComplete payload for an invocation's outcome
 * (ErrorCode = the error's errorType, ErrorDetails = its errorMessage,
 * LogResult = the Tail log) as compact JSON into out; pure (fuzzed). */
void invoke_complete_payload(sqlambda_buf *out, int ok, const char *error_body, size_t error_len,
                             const char *log_tail_b64);
/* control_api.c: GetFunction, GetFunctionConfiguration, ListFunctions
 * (paged), ListVersionsByFunction (paged). */
int handle_get_function(struct MHD_Connection *conn, const char *fn_segment,
                        const char *raw_query);
int handle_get_configuration(struct MHD_Connection *conn, const char *fn_segment,
                             const char *raw_query);
int handle_list_functions(struct MHD_Connection *conn, const char *raw_query);
int handle_list_versions(struct MHD_Connection *conn, const char *fn_segment,
                         const char *raw_query);
/* alias_api.c: ListAliases (paged), GetAlias, GetFunctionConcurrency. */
int handle_list_aliases(struct MHD_Connection *conn, const char *fn_segment, const char *raw_query);
int handle_get_alias(struct MHD_Connection *conn, const char *fn_segment, const char *alias_segment);
int handle_get_concurrency(struct MHD_Connection *conn, const char *fn_segment);
/* control_api.c: queues o (taken) as a 200 JSON answer. */
int send_obj(struct MHD_Connection *conn, json_t *o);
/* control_api.c: the function of an identifier without a qualifier (a
 * qualified one is refused): NULL with the AWS error queued. */
function *resolve_unqualified(struct MHD_Connection *conn, const char *fn_segment);
/* Resolves the identifier (percent-encoded) and Qualifier: on failure queues
 * the AWS error and returns NULL. *qualifier_out gets the qualifier as given (malloc'd). */
fn_version *resolve_function(struct MHD_Connection *conn, const char *fn_segment,
                             const char *raw_query, char **qualifier_out, function **fn_out);

/* ---- proc_stat.c: a process's /proc/<pid>/stat ------------------------- */

typedef struct proc_stat_t {
    char state;  /* R, S, Z, ... */
    long ppid, pgrp, session;
} proc_stat_t;
/* 0, or -1 if the process is gone or its stat unreadable. */
int proc_stat(const char *pid, proc_stat_t *out);

/* ---- orphans.c: what functions leave running outside their process group */

/* Makes serve the subreaper of its workers' descendants and starts the
 * thread that reaps those that exit; blocks SIGCHLD in the calling thread
 * (call at start, before any other thread). */
void orphans_adopt(void);
/* Shutdown, after every worker is gone: stops the reaper thread, kills and
 * reaps adopted orphans. */
void orphans_sweep(void);

/* ---- request_parse.c: request checks as pure functions (MHD and fuzzing) */

typedef struct api_error { /* the AWS-shaped answer for a refused request */
    unsigned status;
    const char *type;    /* x-amzn-ErrorType */
    const char *kind;    /* "User", "Service" or NULL */
    const char *msg_key; /* "message" or "Message" */
    char message[1400];  /* may quote client bytes: aws_error makes it UTF-8 */
} api_error;

enum api_op {
    API_UNKNOWN = 0,
    API_LIST,        /* GET /2015-03-31/functions                      ListFunctions */
    API_GET,         /* GET .../functions/{f}                          GetFunction */
    API_INVOKE,      /* POST .../functions/{f}/invocations             Invoke */
    API_CONFIG,      /* GET .../functions/{f}/configuration            GetFunctionConfiguration */
    API_VERSIONS,    /* GET .../functions/{f}/versions                 ListVersionsByFunction */
    API_ALIASES,     /* GET .../functions/{f}/aliases                  ListAliases */
    API_ALIAS,       /* GET .../functions/{f}/aliases/{name}           GetAlias */
    API_CONCURRENCY, /* GET /2019-09-30/functions/{f}/concurrency      GetFunctionConcurrency */
    API_INVOKE_STREAM, /* POST /2021-11-15/functions/{f}/response-streaming-invocations */
};
/* Invoke/control API route of a raw URI ("path?query", path still
 * percent-encoded). Every route but LIST sets *seg (the function segment,
 * non-empty, no '/'), ALIAS also *seg2 (the alias segment); every known
 * route sets *query when there is one (all malloc'd or NULL). */
enum api_op api_route(const char *method, const char *raw_uri, char **seg, char **seg2, char **query);
/* ListX paging: ?Marker= (a position this server handed out as NextMarker)
 * and ?MaxItems= (1..10000, default 50). 0 or -1 with e. */
int api_paging(const char *query, size_t total, size_t *from, size_t *count, api_error *e);

enum inv_type { INV_SYNC = 0, INV_EVENT, INV_DRYRUN };
typedef struct invoke_opts {
    enum inv_type type;
    int tail;             /* X-Amz-Log-Type: Tail */
    char *client_context; /* decoded, compact JSON object text (malloc'd) or NULL */
} invoke_opts;
/* X-Amz-Invocation-Type and X-Amz-Log-Type (NULL: absent). 0 or -1 with e. */
int invoke_parse_headers(const char *type, const char *logtype, invoke_opts *o, api_error *e);
/* The same for InvokeWithResponseStream, whose InvocationType is
 * RequestResponse or DryRun only. */
int invoke_stream_parse_headers(const char *type, const char *logtype, invoke_opts *o, api_error *e);
/* X-Amz-Client-Context (base64 JSON object, <= 3583 bytes). 0 or -1 with e. */
int invoke_parse_client_context(const char *ccb64, invoke_opts *o, api_error *e);
struct sqlambda_function_ref;
/* Function segment (percent-encoded) and ?Qualifier= -> name and qualifier
 * ("" for none; *qualifier malloc'd on success). 0 or -1 with e. */
/* name_pattern.c: 0 if name (len bytes) satisfies Lambda's constraint on
 * an Invoke's FunctionName, else -1 with Lambda's ValidationException in e. */
int invoke_name_pattern(const char *name, size_t len, struct api_error *e);
int invoke_parse_function(const char *seg, const char *query, struct sqlambda_function_ref *ref,
                          char **qualifier, api_error *e);
/* The payload must be JSON (empty: the event {}). 0 or -1 with e. */
int invoke_check_payload(const char *body, size_t len, api_error *e);

enum rapi_op { RAPI_UNKNOWN = 0, RAPI_NEXT, RAPI_RESPONSE, RAPI_ERROR, RAPI_INIT_ERROR };
/* Runtime API route of a (decoded) URL; RESPONSE/ERROR fill rid. */
enum rapi_op rapi_route(const char *method, const char *url, char rid[64]);
/* Appends the Unhandled body for an /error or /init/error post: the body if
 * it is a JSON object, else {"errorMessage": body, "errorType": type header}
 * with invalid UTF-8 replaced. Always a JSON object. */
void rapi_error_body(sqlambda_buf *out, const char *body, size_t len, const char *type_header);
/* Appends the Unhandled body for a streamed response that ended with the
 * Lambda-Runtime-Function-Error-Type / -Error-Body trailers: the body is
 * base64 of a JSON error object (as AWS's runtimes send it); anything else
 * is taken as the message, as rapi_error_body does. */
void rapi_stream_error_body(sqlambda_buf *out, const char *type_trailer, const char *body_trailer);

/* ---- python_path.c: the interpreter, resolved once ---------------------- */

/* Absolute path of the interpreter `python` (looked up in PATH) runs as,
 * and its Lambda runtime name ("python3.11") in rt; 0, or -1 when it cannot
 * be run. Call before any thread starts. */
int python_resolve(const char *python, char *out, size_t outlen, char *rt, size_t rtlen);

/* ---- interp_query.c: an interpreter's real path and version ------------ */

/* Runs `prog flag code` (through PATH) and reads the two lines it prints:
 * path (absolute, executable, else -1) and version (whole or empty); 0 or
 * -1 when it cannot run or fails. Call before any thread starts. */
int interp_query(const char *prog, const char *flag, const char *code, char *path, size_t pathlen,
                 char *version, size_t versionlen);

/* ---- node_path.c: Node.js and the Runtime Interface Client -------------- */

/* Absolute path of the executable `node` (looked up in PATH) runs as, and
 * its version ("20.20.2") in ver; 0, or -1 (both empty) when it cannot run. */
int node_resolve(const char *node, char *out, size_t outlen, char *ver, size_t verlen);
/* 0 when fv (a nodejs function) can start here; else -1 and a message naming
 * the runtime and what was found (no node, another major, no RIC). */
int node_check(const fn_version *fv, char *err, size_t errlen);

/* ---- code_hash.c: CodeSha256 of a code directory -------------------------- */

/* Base64 SHA-256 over the directory's files (see code_hash.c), "" if the
 * walk fails; out holds at least 45 bytes. */
void code_sha256(const char *dir, char *out, size_t outlen);

/* ---- serve_main.c: options and global state ------------------------------- */

typedef struct serve_state {
    pthread_mutex_t mu;
    pthread_cond_t idle;   /* signalled when inflight drops */
    int inflight;          /* invocations running (sync and Event) */
    int stopping;
    registry reg;
    char region[64];
    char account[16];
    int verbose;
    int pass_aws;          /* --pass-aws-credentials: functions inherit every AWS_* variable */
    unsigned idle_timeout_s; /* --idle-timeout: an Invoke API connection idle this long is closed */
    unsigned max_connections; /* --max-connections: open Invoke API connections at most */
    long event_retry_delay_ms;
    long init_timeout_ms;
    int max_concurrency;   /* per function without reserved concurrency */
    const char *python;    /* interpreter for python3 functions */
    char python_path[512]; /* python resolved to an absolute path at startup */
    char python_runtime[24]; /* its Lambda runtime name, e.g. python3.11 ("python3": unknown) */
    const char *node;      /* --node: executable for nodejs functions */
    char node_path[512];   /* node resolved to an absolute path at startup ("" if it cannot run) */
    char node_version[32]; /* its version, e.g. 20.20.2 ("" if unknown) */
    const char *node_ric;  /* --node-ric: aws-lambda-ric's bin/index.mjs */
    char bootstrap_py[512]; /* the Python bootstrap, written at startup */
    char tmpdir[256];
    int next_instance_id;
} serve_state;

extern serve_state g;

#endif
