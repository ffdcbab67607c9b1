/*
 * aws_lambda.h — contracts between the PostgreSQL extension's source files.
 * Each block names the file that implements it. The extension is a thin
 * adapter: every AWS concern (validation, signing, retries) lives in core
 * (libsqlambda); these files turn SQL values into core requests and core
 * results into SQL values or PostgreSQL errors.
 */
#ifndef PG_AWS_LAMBDA_H
#define PG_AWS_LAMBDA_H

#include "postgres.h"

#include "sqlambda.h"
#include "utils/guc.h"

/* ---- module.c: _PG_init and the aws_lambda.* settings (GUCs) ----------- */

extern int awsl_connect_timeout_ms;
extern int awsl_request_timeout_ms;
extern int awsl_credential_timeout_ms;
extern int awsl_max_attempts;
extern char *awsl_endpoint_override;
extern char *awsl_region;
extern char *awsl_profile;
extern char *awsl_ca_bundle;
extern char *awsl_allowed_functions;

/* ---- settings_check.c: check hooks of the string settings ---------------- */

/* true while _PG_init defines the settings (placeholders are re-applied). */
extern bool awsl_defining_settings;
bool awsl_check_region_setting(char **newval, void **extra, GucSource source);
bool awsl_check_endpoint_setting(char **newval, void **extra, GucSource source);
bool awsl_check_profile_setting(char **newval, void **extra, GucSource source);
bool awsl_check_ca_bundle_setting(char **newval, void **extra, GucSource source);
bool awsl_check_database_name_setting(char **newval, void **extra, GucSource source);
bool awsl_check_allowlist_setting(char **newval, void **extra, GucSource source);

/* ---- backend_client.c: one core client per backend --------------------- */

/*
 * The backend's client, created on first use and re-created when one of the
 * settings it was built from has changed. Keeps connections alive and
 * credentials cached across calls. Raises ERROR when out of memory.
 */
sqlambda_client *awsl_client(void);
/* Set while the delivery worker runs an on_result callback: awsl_client
 * refuses (the worker's session allowlist is not the callback role's). */
extern bool awsl_in_callback;
/* The same settings without the session's allowlist: only for validating
 * queue entries, whose allowlist is checked by queue_allowlist.c. */
sqlambda_client *awsl_client_unrestricted(void);

/* ---- client_options.c: the aws_lambda.* settings as core client options - */

/*
 * A new core client built from the current aws_lambda.* settings (endpoint,
 * region, profile, timeouts, max_attempts and, if with_allowlist, the
 * allowlist), waiting through wait and tracing through awsl_log_hook; role
 * ("" or " worker") ends the user agent. Backends and the delivery worker
 * both build their clients here. NULL when out of memory.
 */
sqlambda_client *awsl_client_from_settings(bool with_allowlist, sqlambda_wait_fn wait,
                                           const char *role);

/* ---- wait_sockets.c: core's wait fds on a WaitEventSet ------------------ */

/*
 * Waits until one of fds is ready, timeout_ms passes (-1: no limit) or the
 * process latch is set (postmaster death exits); fills every revents.
 * Returns true when the latch was set (it is reset). May raise ERROR.
 */
bool awsl_wait_sockets(sqlambda_wait_fd *fds, int nfds, long timeout_ms);
/* Forgets the kept sets of event-loop fds: call before (or right after)
 * every sqlambda_client_free, whose epoll fd's number may come back. */
void awsl_wait_sockets_forget(void);

/* ---- wait_latch.c: the wait hook core calls while a request is in flight - */

/*
 * Waits on the backend's latch, postmaster death and the sockets core hands
 * over. Returns SQLAMBDA_WAIT_CANCEL when a query cancel, statement_timeout
 * or termination is pending. Never throws: a PostgreSQL error raised while
 * waiting is kept and re-thrown by awsl_wait_rethrow() after core returns.
 */
int awsl_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms);
/* Clears any error kept by the hook (call before a request). */
void awsl_wait_reset(void);
/* Re-throws an error the hook kept, if any. */
void awsl_wait_rethrow(void);
/* Core's trace hook: elog(DEBUG1); core never passes payloads or secrets. */
void awsl_log_hook(void *arg, int level, const char *message);

/* ---- invoke_call.c: one call, start to finish --------------------------- */

/* A core result copied into palloc'd memory (core's malloc'd one is freed). */
typedef struct awsl_result {
    long http_status;
    char *payload; /* NUL-terminated, may be "" */
    size_t payload_len;
    char *executed_version; /* NULL when absent */
    char *log_result;       /* NULL when absent */
    char *request_id;       /* NULL when absent */
} awsl_result;

/*
 * Sends req through the backend's client (allowlist, validation, signing and
 * retries happen in core), records statistics and a DEBUG1 trace, and
 * returns only on success. Any failure raises the ERROR that error_map.c
 * chooses; a cancel raises PostgreSQL's own (query cancel, statement
 * timeout, termination).
 */
void awsl_invoke(const sqlambda_request *req, awsl_result *out);

/* ---- error_map.c: core outcomes to SQLSTATEs ---------------------------- */

/* Bytes of an error payload shown in DETAIL. */
#define AWSL_DETAIL_MAX 1024

/* The SQLSTATE (ERRCODE_*) for a failed call. */
int awsl_sqlstate(const sqlambda_request *req, const sqlambda_result *res);
/*
 * Raises the ERROR for a failed call. res has already been copied: the
 * caller passes palloc'd copies of what the message needs.
 */
typedef struct awsl_failure {
    sqlambda_status status;
    int sqlstate;
    long http_status;
    char *message;        /* core's one-line message (names function, host) */
    char *function;       /* function as resolved, or as given */
    char *endpoint_host;  /* may be NULL */
    char *error_type;     /* may be NULL */
    char *error_message;  /* may be NULL */
    char *payload;        /* bounded copy of the response body, may be NULL */
} awsl_failure;
void awsl_raise(const awsl_failure *f) pg_attribute_noreturn();

/* ---- stats.c: per-function statistics ----------------------------------- */

/* Reserves shared memory (called from _PG_init when preloaded). */
void awsl_stats_init(void);
/* Records one finished call, whatever its outcome. Never throws. */
void awsl_stats_record(const char *function, sqlambda_status status, int attempts, int throttles,
                       double elapsed_ms);
/* true when statistics live in shared memory (preloaded), false: per backend */
bool awsl_stats_shared(void);

#endif /* PG_AWS_LAMBDA_H */
