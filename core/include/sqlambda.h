/*
 * sqlambda.h — the public API of libsqlambda, the Lambda client every
 * adapter (PostgreSQL, MariaDB, SQLite, Oracle), the CLI and the local
 * runtime link against. No database code lives behind this header.
 *
 * Conventions:
 *  - Every string in and out is NUL-terminated UTF-8 unless a length is given.
 *  - Results own their strings; release them with sqlambda_result_free().
 *  - A client is not thread-safe: use one per thread (the credential cache
 *    behind clients is shared and locked). Everything else is reentrant.
 *  - No function prints; diagnostics go to the log hook in the options.
 */
#ifndef SQLAMBDA_H
#define SQLAMBDA_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The project's version, from the top-level file VERSION: the build passes
 * it (mk/flags.mk), and `make install` writes it here in the installed copy
 * of this header. */
#ifndef SQLAMBDA_VERSION
#error "SQLAMBDA_VERSION is not defined: build with mk/flags.mk's CSTD (-DSQLAMBDA_VERSION=\"<VERSION>\")"
#endif

/* SQLAMBDA_API marks the functions libsqlambda.so exports. Core is compiled
 * with -fvisibility=hidden, so anything declared without it (core's internal
 * helpers) stays inside the library. Every function declared in a public
 * header carries it. */
#ifndef SQLAMBDA_API
#if defined(__GNUC__) || defined(__clang__)
#define SQLAMBDA_API __attribute__((visibility("default")))
#else
#define SQLAMBDA_API
#endif
#endif

/* Lambda's documented limits. */
#define SQLAMBDA_MAX_SYNC_PAYLOAD (6 * 1024 * 1024)  /* RequestResponse, DryRun */
#define SQLAMBDA_MAX_EVENT_PAYLOAD (1024 * 1024)     /* Event (asynchronous) */
#define SQLAMBDA_MAX_CLIENT_CONTEXT_B64 3583         /* encoded bytes */

/* Caps of the client options below, the one bound every adapter's setting
 * uses (PostgreSQL GUCs, MariaDB system variables, the CLI's flags; table
 * in docs/configuration.md "Caps"); core refuses larger options with
 * SQLAMBDA_E_CONFIG. A request timeout past Lambda's longest run (15 min)
 * plus a minute, or a connect timeout past 15 minutes, only delays errors. */
#define SQLAMBDA_MAX_ATTEMPTS_MAX 100                 /* max_attempts, AWS_MAX_ATTEMPTS */
#define SQLAMBDA_CONNECT_TIMEOUT_MS_MAX 900000L       /* connect_timeout_ms */
#define SQLAMBDA_REQUEST_TIMEOUT_MS_MAX 960000L       /* request_timeout_ms */
#define SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX 3600000L   /* credential_timeout_ms */

typedef enum sqlambda_invocation_type {
    SQLAMBDA_REQUEST_RESPONSE = 0,
    SQLAMBDA_EVENT,
    SQLAMBDA_DRY_RUN
} sqlambda_invocation_type;

typedef enum sqlambda_log_type { SQLAMBDA_LOG_NONE = 0, SQLAMBDA_LOG_TAIL } sqlambda_log_type;

/* Outcome of a call. Adapters map each to their database's error class. */
typedef enum sqlambda_status {
    SQLAMBDA_OK = 0,
    SQLAMBDA_E_INVALID,     /* rejected before sending: name, ARN, qualifier,
                               region mismatch, invalid JSON, client context */
    SQLAMBDA_E_TOO_LARGE,   /* payload over Lambda's limit, rejected before sending */
    SQLAMBDA_E_NOT_ALLOWED, /* function not in the configured allowlist */
    SQLAMBDA_E_CONFIG,      /* no region, bad endpoint URL, unknown profile */
    SQLAMBDA_E_CREDENTIALS, /* no credentials found, or a provider failed */
    SQLAMBDA_E_FUNCTION,    /* the function ran and failed (X-Amz-Function-Error) */
    SQLAMBDA_E_SERVICE,     /* Lambda answered with an error (4xx/5xx, not throttling) */
    SQLAMBDA_E_THROTTLED,   /* throttled (429 / TooManyRequests) after all retries */
    SQLAMBDA_E_TRANSPORT,   /* connect failure, reset, TLS failure, truncated body */
    SQLAMBDA_E_TIMEOUT,     /* connect or request timeout */
    SQLAMBDA_E_RESPONSE,    /* malformed or oversize response */
    SQLAMBDA_E_CANCELLED,   /* the wait hook asked to cancel */
    SQLAMBDA_E_NOMEM
} sqlambda_status;

/* Short stable name of a status ("FunctionError", "Throttled", ...). */
SQLAMBDA_API const char *sqlambda_status_name(sqlambda_status st);

/* The library's SQLAMBDA_VERSION (may differ from the header a program was
 * built with when libsqlambda.so was upgraded under it). */
SQLAMBDA_API const char *sqlambda_version(void);

/* ---- Waiting: lets a host database wait on its own latch as well ------- */

#define SQLAMBDA_WAIT_READ 1
#define SQLAMBDA_WAIT_WRITE 2

typedef struct sqlambda_wait_fd {
    int fd;
    int events;  /* SQLAMBDA_WAIT_READ | SQLAMBDA_WAIT_WRITE, set by core */
    int revents; /* set by the hook: which of events are ready */
} sqlambda_wait_fd;

/* Return values of a wait hook. */
#define SQLAMBDA_WAIT_CONTINUE 0 /* keep going */
#define SQLAMBDA_WAIT_YIELD 1    /* sqlambda_multi_run returns now; calls stay in flight */
#define SQLAMBDA_WAIT_CANCEL (-1) /* abort every call in flight: E_CANCELLED */

/*
 * Waits until one of fds is ready, timeout_ms passes (-1: no timeout; core
 * never passes more than 1000), or the host has something to say. Must fill
 * revents. The event loop of sqlambda_multi_run passes one fd, whatever the
 * number of calls in flight: its epoll instance (SQLAMBDA_WAIT_READ),
 * readable when any of its sockets is ready. Credential sources pass their
 * own pipe or socket. The default (NULL) hook is poll() (epoll_wait in the
 * event loop).
 */
typedef int (*sqlambda_wait_fn)(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms);

/*
 * poll() over fds for up to timeout_ms (-1: no limit), filling revents as a
 * wait hook must: an error or hangup wakes whatever the fd waited for. Hooks
 * that add their own checks (a host's cancel flag) call it for the waiting
 * itself. Returns poll()'s result.
 */
SQLAMBDA_API int sqlambda_poll_fds(sqlambda_wait_fd *fds, int nfds, long timeout_ms);

/* Debug trace hook: never receives payloads or secrets. */
#define SQLAMBDA_LOG_DEBUG 1
#define SQLAMBDA_LOG_INFO 2
#define SQLAMBDA_LOG_WARNING 3
typedef void (*sqlambda_log_fn)(void *arg, int level, const char *message);

/* ---- Client options: zero-initialise, then set what the host configures -- */

typedef struct sqlambda_options {
    const char *region;       /* explicit region; NULL: resolve (DESIGN.md order) */
    const char *endpoint_url; /* explicit endpoint; NULL: resolve */
    const char *profile;      /* NULL: AWS_PROFILE, then "default" */
    /* Explicit static credentials (like credentials set in code in an SDK);
     * all NULL: the default credential chain. */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    long connect_timeout_ms;    /* 0: 1000 */
    long request_timeout_ms;    /* 0: 60000; whole attempt, connect included */
    int max_attempts;           /* 0: AWS_MAX_ATTEMPTS, profile max_attempts, else 3 */
    size_t max_response_bytes;  /* 0: 6 MB + 64 KB; larger bodies are E_RESPONSE */
    int retry_unsafe;           /* 1: also retry when the request may already
                                   have reached the function (response lost) */
    const char *ca_file;        /* NULL: AWS_CA_BUNDLE, the profile's ca_bundle, else the
                                   system CA store; TLS is always verified */
    const char *allowed_functions; /* NULL or "": any. Else comma-separated
                                   entries: see sqlambda_function_allowed */
    const char *user_agent_extra; /* e.g. "postgres/15.4", appended to the UA */
    sqlambda_wait_fn wait;
    void *wait_arg;
    sqlambda_log_fn log;
    void *log_arg;
    /* Bound on each credential source's wait (credential_process, STS web
     * identity, container endpoint, each EC2 metadata request); 0: the
     * source's default (60000, 5000, 2000, 1000 ms). Waits go through the
     * wait hook above, so the host can cancel them too. */
    long credential_timeout_ms;
    /* The host's name for that setting, quoted in timeout errors
     * (e.g. "aws_lambda.credential_timeout_ms"); NULL: "credential_timeout_ms". */
    const char *credential_timeout_setting;
} sqlambda_options;

/* ---- Requests and results ---------------------------------------------- */

typedef struct sqlambda_request {
    const char *function;      /* name, name:qualifier, acct:function:name[:q], or ARN */
    const char *payload;       /* JSON text; NULL: "{}" */
    size_t payload_len;        /* bytes of payload (0 with non-NULL payload: strlen) */
    sqlambda_invocation_type invocation_type;
    sqlambda_log_type log_type;
    const char *client_context; /* JSON object text or NULL; sent base64 */
    const char *qualifier;     /* version or alias, or NULL */
    const char *region;        /* per-call region, or NULL: the client's */
} sqlambda_request;

typedef struct sqlambda_result {
    sqlambda_status status;
    long http_status;       /* 0 when no response arrived */
    char *payload;          /* response body, NUL-terminated (function result,
                               function error body, or service error body) */
    size_t payload_len;
    char *executed_version; /* X-Amz-Executed-Version */
    char *log_result;       /* decoded X-Amz-Log-Result (Tail), else NULL */
    char *function_error;   /* X-Amz-Function-Error ("Unhandled"/"Handled") */
    char *error_type;       /* function errorType, or AWS error code */
    char *error_message;    /* function errorMessage, or AWS message */
    char *request_id;       /* x-amzn-RequestId */
    char *function_name;    /* the function as resolved (name, no qualifier) */
    char *endpoint_host;    /* host the call went to */
    int attempts;           /* HTTP attempts made (0 if rejected before sending) */
    int throttles;          /* attempts answered with throttling */
    double elapsed_ms;      /* wall time of the whole call, retries included */
    char message[512];      /* one line for humans: names the function, the
                               endpoint host and the error type; never secrets */
    double retry_after_ms;  /* Retry-After of the last answer, in ms (0: none) */
} sqlambda_result;

SQLAMBDA_API void sqlambda_result_free(sqlambda_result *res); /* frees members, zeroes *res */

/* ---- Client ------------------------------------------------------------- */

typedef struct sqlambda_client sqlambda_client;

/*
 * Creates a client. Resolves region, endpoint and profile once; credentials
 * are fetched lazily and cached. Returns NULL only when out of memory;
 * configuration problems are reported by the first call (E_CONFIG).
 */
SQLAMBDA_API sqlambda_client *sqlambda_client_new(const sqlambda_options *opts);
SQLAMBDA_API void sqlambda_client_free(sqlambda_client *c);

/* Synchronous invoke, with retries. Always fills *res (free it). */
SQLAMBDA_API sqlambda_status sqlambda_invoke(sqlambda_client *c, const sqlambda_request *req,
                                             sqlambda_result *res);

/* ---- Response streaming (InvokeWithResponseStream) --------------------- */

/* Gets each PayloadChunk's bytes as they arrive (len > 0). Returns 0 to go
 * on; anything else stops the call, which then ends with E_CANCELLED. */
typedef int (*sqlambda_chunk_fn)(void *arg, const char *data, size_t len);

/*
 * InvokeWithResponseStream (POST /2021-11-15/functions/{name}/
 * response-streaming-invocations): the same request, checks and retries as
 * sqlambda_invoke (invocation_type RequestResponse or DryRun; Event is
 * E_INVALID), but the answer is an event stream whose PayloadChunk bytes go
 * to on_chunk as they arrive, so a response is never held whole (nor capped
 * by max_response_bytes). res->payload stays empty. The closing
 * InvokeComplete decides the status: with an ErrorCode the call is
 * E_FUNCTION (error_type = ErrorCode, error_message = ErrorDetails,
 * function_error "Unhandled"); its LogResult is log_result, decoded. A
 * stream that ends without InvokeComplete is E_TRANSPORT (cut short) or
 * E_RESPONSE (malformed frames). Once a chunk has been delivered the call is
 * never retried. Always fills *res (free it).
 */
SQLAMBDA_API sqlambda_status sqlambda_invoke_stream(sqlambda_client *c, const sqlambda_request *req,
                                                    sqlambda_chunk_fn on_chunk, void *arg,
                                                    sqlambda_result *res);

/* Checks a request without sending it (names, ARN, JSON, sizes, allowlist). */
SQLAMBDA_API sqlambda_status sqlambda_validate(sqlambda_client *c, const sqlambda_request *req,
                                               sqlambda_result *res);

/* ---- Many calls in flight (curl multi) ---------------------------------- */

typedef struct sqlambda_multi sqlambda_multi;

/*
 * Called once per request as soon as it completes. Ownership of res's
 * members passes to the callback (sqlambda_result_free them, or copy *res
 * by value to keep them); the struct storage itself is core's.
 */
typedef void (*sqlambda_done_fn)(void *arg, void *user, sqlambda_result *res);

SQLAMBDA_API sqlambda_multi *sqlambda_multi_new(sqlambda_client *c, int max_in_flight);
/* Queues a copy of req. Invalid requests complete at the next run. */
SQLAMBDA_API sqlambda_status sqlambda_multi_add(sqlambda_multi *m, const sqlambda_request *req, void *user);
/* Requests queued or in flight. */
SQLAMBDA_API size_t sqlambda_multi_pending(const sqlambda_multi *m);
/*
 * Drives transfers, calling done for each completion, until nothing is
 * pending, timeout_ms passes (-1: no limit), or the wait hook yields.
 * Returns E_CANCELLED if the hook cancelled: every pending request is then
 * completed with E_CANCELLED before this returns.
 */
SQLAMBDA_API sqlambda_status sqlambda_multi_run(sqlambda_multi *m, long timeout_ms, sqlambda_done_fn done,
                                                void *arg);
/*
 * Cancels every pending request without starting any: each one in flight,
 * awaiting a retry or still queued is completed with E_CANCELLED through
 * done (its attempts: how many were started; 0 for one never started);
 * one that had already completed is delivered with its own result. For a
 * host that learns of an interrupt outside sqlambda_multi_run. The multi
 * stays usable. Not from a log callback (it may run inside a completion).
 */
SQLAMBDA_API void sqlambda_multi_cancel(sqlambda_multi *m, sqlambda_done_fn done, void *arg);
/*
 * flag (NULL: none) is checked at every step of sqlambda_multi_run, not only
 * when the wait hook runs: once *flag is non-zero the run starts no request
 * and no retry, cancels every pending one as sqlambda_multi_cancel does and
 * returns E_CANCELLED (OK if nothing was pending). For a flag a signal
 * handler of the thread running the multi sets (the CLI's SIGINT), which
 * may land while the run is busy with completions. Clear it (or pass NULL)
 * before running the multi again.
 */
SQLAMBDA_API void sqlambda_multi_cancel_on(sqlambda_multi *m, const volatile sig_atomic_t *flag);
SQLAMBDA_API void sqlambda_multi_free(sqlambda_multi *m); /* pending requests are dropped */

/*
 * Makes sure this process may open `wanted` more file descriptors (one
 * socket per call in flight) beyond those open now and a few spare: raises
 * the soft RLIMIT_NOFILE (never above the hard limit, never lowering it)
 * when needed. Returns OK, or E_CONFIG with err saying how many are needed
 * and what the limits are (a host prefixes its own setting's name). Hosts
 * call it before a multi with many calls in flight; sqlambda_invoke_many
 * calls it itself.
 */
SQLAMBDA_API sqlambda_status sqlambda_fd_budget(int wanted, char *err, size_t errlen);

/* n requests, up to concurrency in flight; results[i] answers reqs[i].
 * When the process cannot open concurrency sockets (sqlambda_fd_budget),
 * every result is E_CONFIG with that message and nothing is sent. */
SQLAMBDA_API sqlambda_status sqlambda_invoke_many(sqlambda_client *c, const sqlambda_request *reqs, size_t n,
                                                  int concurrency, sqlambda_result *results);

/* ---- Function names ------------------------------------------------------ */

typedef struct sqlambda_function_ref {
    char name[65];        /* the function name */
    char qualifier[129];  /* "" when none */
    char account[13];     /* "" when not given */
    char region[32];      /* "" when not given (only full ARNs carry one) */
    char partition[16];   /* "" when not given */
} sqlambda_function_ref;

/*
 * Parses any of Lambda's function identifiers. Returns SQLAMBDA_OK or
 * E_INVALID with a message in err naming the problem.
 */
SQLAMBDA_API sqlambda_status sqlambda_parse_function(const char *function, sqlambda_function_ref *out,
                                                     char *err, size_t errlen);

/*
 * 1 if the call is allowed by the comma-separated allowlist (NULL or blank:
 * everything). function: any identifier form; qualifier: the one passed
 * separately or NULL (checked exactly like one written inline); call_region:
 * the per-call region argument or NULL; client_region: the client's
 * configured region. Rules (docs/security.md, "allowlist"): "name" allows
 * only unqualified calls, "name:q" that qualifier, "name:*" any qualifier;
 * plain entries allow only calls that name no account and run in
 * client_region; ARN entries ("acct:function:name[:q]" in client_region,
 * or full ARNs) allow only calls naming that partition, region, account,
 * name and qualifier. '*' only within the name and qualifier parts (never
 * matching across ':') and as a full ARN entry's whole region part.
 */
SQLAMBDA_API int sqlambda_function_allowed(const char *allowlist, const char *function, const char *qualifier,
                                           const char *call_region, const char *client_region);

/* ---- Validators for settings and arguments (adapters' check hooks) ------- */
/* Each returns SQLAMBDA_OK, or SQLAMBDA_E_INVALID with a message in err that
 * names the value (shown safely: other than printable ASCII as \xNN, cut). */

/* AWS region syntax: [a-z]{2}(-[a-z]+)+-[0-9]{1,3}, at most 31 characters
 * (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, ...). */
SQLAMBDA_API sqlambda_status sqlambda_check_region(const char *region, char *err, size_t errlen);
/* Endpoint override: http/https, a DNS or [IPv6] host, port 1-65535, a path
 * of A-Z a-z 0-9 - _ . ~ /; no userinfo, query, fragment, '%', whitespace,
 * control or non-ASCII bytes; at most 1024 characters. */
SQLAMBDA_API sqlambda_status sqlambda_check_endpoint_url(const char *url, char *err, size_t errlen);
/* Qualifier given on its own: $LATEST, a version or an alias (A-Z a-z 0-9
 * - _ $), 1 to 128 characters. */
SQLAMBDA_API sqlambda_status sqlambda_check_qualifier(const char *qualifier, char *err, size_t errlen);
/* A profile name setting: printable ASCII, no '[' or ']', no leading,
 * trailing or repeated spaces, 1 to 128 characters (a name the shared
 * files can hold; whether it exists is checked when a client is made). */
SQLAMBDA_API sqlambda_status sqlambda_check_profile(const char *profile, char *err, size_t errlen);
/* An allowlist setting: every entry well-formed (see sqlambda_function_allowed),
 * no empty entries; NULL or blank is fine (allows everything). */
SQLAMBDA_API sqlambda_status sqlambda_check_allowlist(const char *allowlist, char *err, size_t errlen);
/* A CA bundle file: a path (at most 4096 bytes, no control bytes) to a
 * regular file this process can open, holding a PEM certificate within its
 * first 64 KB. */
SQLAMBDA_API sqlambda_status sqlambda_check_ca_file(const char *path, char *err, size_t errlen);

/* ---- What a client would use, and where it came from (`sqlambda config`) -- */

/* One resolved setting, the way `aws configure list` shows it. */
typedef struct sqlambda_setting {
    const char *name; /* "profile", "region", "endpoint_url", "use_fips_endpoint",
                         "use_dualstack_endpoint", "retry_mode", "max_attempts", "ca_bundle",
                         "access_key",
                         "secret_key", "session_token" (static strings) */
    char *value;      /* as shown, never a secret: access_key is masked but for
                         its last 4 characters ("****************WXYZ"), the
                         secret and token wholly ("****************"); NULL: not set */
    char *type;       /* where it came from: "option", "env", "config-file",
                         "shared-credentials-file", "default", "derived", "region",
                         "imds", "assume-role", "process", "web-identity",
                         "container"; NULL: not set */
    char *location;   /* the variable, `<file> (profile "p")`, the role and its
                         source, ...; NULL: nothing more to say */
} sqlambda_setting;

typedef struct sqlambda_description {
    sqlambda_setting *settings; /* in the order of the names above */
    size_t n;
    sqlambda_status status;     /* OK, or the first problem (E_CONFIG, E_CREDENTIALS, ...) */
    char error[512];            /* its message (never secrets) */
} sqlambda_description;

/* Flags of sqlambda_describe. */
#define SQLAMBDA_DESCRIBE_NO_CREDENTIALS 1 /* do not fetch credentials (no
                                              credential_process, STS, metadata) */

/*
 * Resolves what a client made with opts would use (profile, region,
 * endpoint, FIPS/dual-stack, retry mode, max attempts and, unless flags say otherwise,
 * credentials, fetched through the shared cache exactly as a call would)
 * and where each came from. Fills *out (free it with
 * sqlambda_description_free) even when it returns an error status.
 */
SQLAMBDA_API sqlambda_status sqlambda_describe(const sqlambda_options *opts, int flags,
                                               sqlambda_description *out);
SQLAMBDA_API void sqlambda_description_free(sqlambda_description *d);

/* ---- SigV4 (shared by the client and the local runtime's verifier) ------- */

typedef struct sqlambda_header {
    const char *name;
    const char *value;
} sqlambda_header;

typedef struct sqlambda_sigv4_request {
    const char *method;         /* "POST" */
    const char *path;           /* as sent on the wire (already percent-encoded) */
    const char *query;          /* raw query string without '?', or NULL */
    const sqlambda_header *headers; /* headers to sign (host must be among them) */
    size_t nheaders;
    const void *body;
    size_t body_len;
    const char *payload_hash;   /* hex SHA-256 of body, or NULL to compute */
    const char *region;
    const char *service;        /* "lambda" */
    const char *amz_date;       /* "YYYYMMDDTHHMMSSZ" */
    int double_encode_path;     /* 1 for every service but S3 (Lambda: 1) */
    int normalize_path;         /* 1 for every service but S3 */
} sqlambda_sigv4_request;

typedef struct sqlambda_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL when none; signed as x-amz-security-token
                                  when present among headers */
} sqlambda_sigv4_credentials;

/*
 * Computes the Authorization header value. Optional debug outputs (NULL to
 * skip): canonical request and string to sign, malloc'd. Returns 0 or -1.
 */
SQLAMBDA_API int sqlambda_sigv4_sign(const sqlambda_sigv4_request *req, const sqlambda_sigv4_credentials *cr,
                                     char *authorization, size_t authlen, char **canonical_request,
                                     char **string_to_sign);

/* Looks up the secret for an access key id; returns NULL when unknown. */
typedef const char *(*sqlambda_secret_lookup_fn)(void *arg, const char *access_key_id);

#define SQLAMBDA_SIG_OK 0
#define SQLAMBDA_SIG_MISSING (-1)     /* no Authorization header */
#define SQLAMBDA_SIG_MALFORMED (-2)   /* not an AWS4-HMAC-SHA256 header */
#define SQLAMBDA_SIG_UNKNOWN_KEY (-3) /* access key not known */
#define SQLAMBDA_SIG_MISMATCH (-4)    /* signature does not match */

/*
 * Verifies a received request: req->headers are all headers received (the
 * ones named in SignedHeaders are used), authorization is the received
 * Authorization header. req->region/service/amz_date may be NULL: taken
 * from the credential scope and X-Amz-Date. Constant-time comparison.
 */
SQLAMBDA_API int sqlambda_sigv4_verify(const sqlambda_sigv4_request *req, const char *authorization,
                                       sqlambda_secret_lookup_fn lookup, void *lookup_arg, char *err,
                                       size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* SQLAMBDA_H */
