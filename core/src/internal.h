/*
 * internal.h — declarations shared between core's modules (not installed).
 * Each block names the file that implements it.
 */
#ifndef SQLAMBDA_INTERNAL_H
#define SQLAMBDA_INTERNAL_H

#include "sqlambda.h"
#include <stdarg.h>
#include <stdbool.h>

#include "util.h" /* util.c: buffer, base64, hex, formatting, clocks */

/* ---- show_value.c, check_region.c, check_endpoint.c: value rules ------- */

/* Up to max_in bytes of s (n bytes) as printable ASCII, other bytes and
 * '"' '\\' as \xNN, "..." when cut; always NUL-terminated in out. */
void sqlambda_show_value(char *out, size_t outlen, const char *s, size_t n, size_t max_in);
/* 1 if s (n bytes) is an AWS region name (the one region rule). */
int sqlambda_region_ok(const char *s, size_t n);
/* 1 if s (n bytes) is an ARN partition: aws(-[a-z]+)* (function_ref.c). */
int sqlambda_partition_ok(const char *s, size_t n);
/* sqlambda_check_region / _endpoint_url with the value's source named in
 * the message ("AWS_REGION", "region argument", ...). E_INVALID if bad. */
sqlambda_status sqlambda_check_region_what(const char *region, size_t n, const char *what,
                                           char *err, size_t errlen);
sqlambda_status sqlambda_check_endpoint_what(const char *url, const char *what, char *err,
                                             size_t errlen);

/* check_ca_file.c: 0, or -1 with why ("cannot be read: ...", ...). */
int sqlambda_ca_file_check(const char *path, char *why, size_t whylen);

/* ---- validate.c: checks before anything is sent ------------------------ */

/*
 * Validates req against Lambda's rules: identifier shape, qualifier (from
 * the identifier or req->qualifier, which must agree), ARN region versus an
 * explicit req->region that disagrees, payload is valid JSON, payload size
 * for the invocation type, client context is a JSON object whose base64 is
 * at most 3583 bytes. On success fills *ref and, when a client context is
 * given, *client_context_b64 (malloc'd). On failure returns E_INVALID or
 * E_TOO_LARGE with a message naming the problem in err.
 */
sqlambda_status sqlambda_check_request(const sqlambda_request *req, sqlambda_function_ref *ref,
                                       char **client_context_b64, char *err, size_t errlen);

/* The request path for ref: "/2015-03-31/functions/<enc>/invocations" with
 * the function segment percent-encoded (':' included) so that no input can
 * change the path. Qualifier goes in the query: "Qualifier=<enc>". */
char *sqlambda_invoke_path(const sqlambda_function_ref *ref, const char *function_as_given);
/* The same for InvokeWithResponseStream:
 * "/2021-11-15/functions/<enc>/response-streaming-invocations". */
char *sqlambda_invoke_stream_path(const sqlambda_function_ref *ref, const char *function_as_given);

/* ---- sigv4.c / sigv4_canonical.c: signing with a cached signing key ---- */

/* One per client (not thread-safe): keeps digest/MAC contexts, buffers and
 * the signing key derived for the last (access key id + secret hash, date,
 * region, service), so a call with the same ones skips the 4-HMAC chain. */
typedef struct sqlambda_sigv4_signer sqlambda_sigv4_signer;
sqlambda_sigv4_signer *sqlambda_sigv4_signer_new(void);
void sqlambda_sigv4_signer_free(sqlambda_sigv4_signer *s);
/* sqlambda_sigv4_sign through the signer's cache: same result, 0 or -1. */
int sqlambda_sigv4_sign_with(sqlambda_sigv4_signer *s, const sqlambda_sigv4_request *req,
                             const sqlambda_sigv4_credentials *cr, char *authorization,
                             size_t authlen);
/* How many signing keys the signer has derived (cache misses; for tests). */
unsigned long sqlambda_sigv4_signer_derivations(const sqlambda_sigv4_signer *s);
/* Canonical request into creq (and signed header list into sh), both
 * rewritten from empty; scratch is working space. 0 or -1. */
int sqlambda_sigv4_canonical_request(const sqlambda_sigv4_request *req, const char *payload_hash,
                                     sqlambda_buf *creq, sqlambda_buf *sh, sqlambda_buf *scratch);

/* ---- config.c / ini.c: region, endpoint and profile resolution --------- */

typedef struct sqlambda_ini sqlambda_ini; /* parsed AWS config/credentials file */

/* Where a resolved setting came from (sqlambda_describe reports it). */
typedef struct sqlambda_origin {
    const char *type; /* static: "option", "env", "config-file",
                         "shared-credentials-file", "imds", "region", "default";
                         NULL: not set */
    char where[360];  /* the variable, or `<file> (profile "p")`; "" for none */
} sqlambda_origin;

typedef struct sqlambda_config {
    char *profile;        /* effective profile name */
    char *region;         /* NULL if none found (calls then need an ARN/region) */
    char *endpoint_url;   /* explicit/configured endpoint, or NULL: derive */
    int max_attempts;     /* resolved: options, AWS_MAX_ATTEMPTS, profile, else
                             3 (standard) or 5 (legacy) */
    bool retry_legacy;    /* retry_mode legacy (botocore's): no retry quota, 509
                             retried too; else standard */
    bool retry_adaptive;  /* retry_mode adaptive: standard plus the client-side
                             rate limiter (adaptive.h) */
    bool endpoint_bad;    /* a configured endpoint URL was rejected (see error) */
    bool use_fips;        /* derived endpoints: lambda-fips.<region>... */
    bool use_fips_setting; /* use_fips from the settings alone, not from a
                              FIPS pseudo-region (the SSO portal, in its own
                              region, follows only this) */
    bool use_dualstack;   /* derived endpoints: the partition's dual-stack suffix */
    char *ca_bundle;      /* CA file for TLS (options ca_file, AWS_CA_BUNDLE,
                             profile ca_bundle), checked readable; NULL: the
                             system store */
    sqlambda_origin profile_from, region_from, endpoint_from, fips_from, dualstack_from,
        attempts_from, retry_mode_from, ca_from;
    char error[256];      /* non-empty: a configuration problem to report */
} sqlambda_config;

/* The origin of a profile key: the file holding it (the credentials file
 * first, unless config_only) and the profile (config.c). */
struct sqlambda_profiles;
void sqlambda_origin_of_key(const struct sqlambda_profiles *pf, const char *profile,
                            const char *key, bool config_only, sqlambda_origin *o);

/* Resolves everything but credentials, in the SDKs' order (DESIGN.md). */
void sqlambda_config_resolve(const sqlambda_options *opts, sqlambda_config *out);
void sqlambda_config_free(sqlambda_config *c);
/* The partition of a region name ("aws", "aws-cn", "aws-us-gov", ...). */
const char *sqlambda_partition_of(const char *region);
/* "https://lambda[-fips].<region>.<partition's (dual-stack) DNS suffix>"
 * (malloc'd), as botocore's Lambda endpoint rules; NULL for a bad region. */
char *sqlambda_default_endpoint(const char *region, bool fips, bool dualstack);
/* The same for another service's host prefix ("sts", "portal.sso");
 * gov_fips_plain: FIPS alone in aws-us-gov keeps the plain host (STS's and
 * SSO's rule sets). */
char *sqlambda_service_endpoint(const char *service, const char *region, bool fips,
                                bool dualstack, bool gov_fips_plain);
/* Where EC2 instance metadata is and how to ask it (imds.c). */
typedef struct sqlambda_imds_conf {
    char endpoint[1100]; /* checked like an endpoint override */
    int v1_disabled;     /* no IMDSv1 fallback without a token */
    sqlambda_origin from; /* the endpoint's source (or the mode's) */
} sqlambda_imds_conf;
/* 1 if AWS_EC2_METADATA_DISABLED is "true" (any case). */
int sqlambda_imds_disabled(void);
/* As botocore: the variables, then the profile's config keys. 0, or -1
 * with err naming the bad setting (a mode other than IPv4/IPv6, an
 * endpoint the endpoint rule refuses). */
int sqlambda_imds_resolve(const struct sqlambda_profiles *pf, const char *profile,
                          sqlambda_imds_conf *c, char *err, size_t errlen);
/* Region from EC2 instance metadata (IMDSv2), NULL if unavailable; waits
 * through opts' wait hook (a cancelled lookup is not cached). */
char *sqlambda_imds_region(const sqlambda_options *opts, const sqlambda_imds_conf *conf,
                           long timeout_ms);

/* ---- credentials*.c: the default chain, cached ------------------------- */

typedef struct sqlambda_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL if none */
    time_t expiration;   /* 0: does not expire */
    const char *source;  /* static string: "environment", "profile", "process",
                            "web-identity", "container", "imds", "static" */
} sqlambda_creds;
void sqlambda_creds_clear(sqlambda_creds *c);

typedef struct sqlambda_creds_provider sqlambda_creds_provider;

/* The chain for these options (static keys in opts win). Thread-safe; the
 * cache behind it is shared per process and keyed by profile/source. */
sqlambda_creds_provider *sqlambda_creds_provider_new(const sqlambda_options *opts,
                                                     const sqlambda_config *cfg);
/*
 * Copies current credentials into *out (caller clears). Temporary ones are
 * refreshed when within 5 minutes of expiry (a failed refresh keeps using
 * still-valid ones). Returns OK, or E_CREDENTIALS / E_CONFIG / E_TIMEOUT /
 * E_CANCELLED with a message naming the source that failed (never secret
 * values). Every wait is bounded (the options' credential_timeout_ms or the
 * source's default) and goes through the options' wait hook; no lock is
 * held while waiting (callers of one profile share one fetch in flight,
 * each bounded by its own cancel and timeout).
 */
sqlambda_status sqlambda_creds_get(sqlambda_creds_provider *p, sqlambda_creds *out, char *err,
                                   size_t errlen);
void sqlambda_creds_provider_free(sqlambda_creds_provider *p);

/* ---- creds_wait.c: bounded, cancellable waits of the credential sources -- */

/* How a credential source waits: through the host's wait hook (the same one
 * the invoke path uses), so a query cancel / KILL QUERY ends it at once. */
typedef struct sqlambda_waiter {
    sqlambda_wait_fn wait; /* NULL: poll() */
    void *wait_arg;
} sqlambda_waiter;
/* Waits up to timeout_ms (>= 0) for fds (nfds may be 0). Returns
 * SQLAMBDA_WAIT_CONTINUE (revents filled; possibly nothing ready) or
 * SQLAMBDA_WAIT_CANCEL. A hook's YIELD cannot be honoured mid-fetch: the
 * slice is then waited with poll() so it never spins. */
int sqlambda_waiter_wait(const sqlambda_waiter *w, sqlambda_wait_fd *fds, int nfds,
                         long timeout_ms);

/* ---- http_simple.c: HTTP for credential/metadata providers ------------- */

typedef struct sqlambda_http_response {
    long status;       /* 0: no response */
    sqlambda_buf body; /* capped at 1 MB */
    sqlambda_status failure; /* when -1 is returned: E_TRANSPORT, E_TIMEOUT,
                                E_CANCELLED or E_NOMEM */
    char error[256];   /* transport error text, if status is 0 */
} sqlambda_http_response;

/* One request on its own curl multi handle, waited through w (NULL: poll):
 * bounded by timeout_ms (whole request), cancelled when the hook says so.
 * Headers are "Name: value". 0, or -1 with out->failure and out->error. */
int sqlambda_http_simple(const char *method, const char *url, const char *const *headers,
                         const char *body, const sqlambda_waiter *w, long timeout_ms,
                         sqlambda_http_response *out);
/* The same, verifying TLS with ca_file (NULL: the system store). */
int sqlambda_http_simple_ca(const char *method, const char *url, const char *const *headers,
                            const char *body, const sqlambda_waiter *w, long timeout_ms,
                            const char *ca_file, sqlambda_http_response *out);
void sqlambda_http_response_free(sqlambda_http_response *r);

#endif /* SQLAMBDA_INTERNAL_H */
