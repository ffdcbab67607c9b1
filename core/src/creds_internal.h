/*
 * creds_internal.h — contracts between credentials.c (the chain and its
 * shared cache), the individual providers (creds_*.c) and imds.c.
 */
#ifndef SQLAMBDA_CREDS_INTERNAL_H
#define SQLAMBDA_CREDS_INTERNAL_H

#include "ini.h"
#include "internal.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <time.h>

/* What a provider returns. */
#define CREDS_FOUND 1   /* *out filled */
#define CREDS_ABSENT 0  /* not configured: try the next provider */
#define CREDS_ERROR (-1) /* configured but failed: err says why; chain stops */
#define CREDS_CANCELLED (-2) /* the wait hook cancelled: chain stops (E_CANCELLED) */
#define CREDS_TIMEOUT (-3)   /* the source did not answer in time: chain stops (E_TIMEOUT) */

/* Default bounds of each source's wait (credential_timeout_ms overrides
 * them all): like aws-sdk-go-v2's processcreds (1 minute), botocore's
 * container fetcher (2 s), botocore's IMDS fetcher (1 s per request); STS
 * is a remote regional service: 5 s. */
#define CREDS_PROCESS_TIMEOUT_MS 60000L
#define CREDS_STS_TIMEOUT_MS 5000L
#define CREDS_CONTAINER_TIMEOUT_MS 2000L
#define CREDS_IMDS_TIMEOUT_MS 1000L
#define CREDS_IMDS_REQUESTS 3 /* token, role name, role document */

typedef struct creds_ctx {
    const char *profile;              /* effective profile */
    const sqlambda_profiles *files;   /* both shared files */
    const char *region;               /* resolved region or NULL (STS) */
    const sqlambda_waiter *w;         /* how to wait (the host's hook) */
    long timeout_ms;                  /* >0: overrides every source's default */
    const char *setting;              /* the setting's name, for messages */
    int no_env;                       /* 1: a source profile (botocore's
                                         disable_env_vars): web identity
                                         reads only the profile's keys */
    const char *ca_file;              /* CA bundle for STS and the SSO portal, or NULL */
    const char *client_profile;       /* the client's profile: STS's and the SSO
                                         portal's endpoint settings come from it
                                         (botocore makes those clients from the
                                         session), not from a source profile */
    bool use_fips, use_dualstack;     /* the client's FIPS / dual-stack settings */
    bool use_fips_setting;            /* FIPS set, not from a pseudo-region: the
                                         SSO portal (in sso_region) follows this */
    sqlambda_log_fn log;              /* the client's log hook, or NULL */
    void *log_arg;
} creds_ctx;

/* The bound for a source: ctx->timeout_ms if set, else dflt. */
long sqlambda_creds_timeout(const creds_ctx *ctx, long dflt);
/* The longest a whole chain run can wait with these settings. */
long sqlambda_creds_chain_bound(long timeout_ms);
/* The CREDS_* code for a failed http_simple request. */
int sqlambda_creds_http_code(const sqlambda_http_response *r);

typedef int (*creds_provider_fn)(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                                 size_t errlen);

int sqlambda_creds_env(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen);
int sqlambda_creds_profile(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen);
int sqlambda_creds_process(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen);
int sqlambda_creds_web_identity(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                                size_t errlen);
int sqlambda_creds_container(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                             size_t errlen);
int sqlambda_creds_imds(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen);
/* creds_sso.c: sso_session / legacy sso_* keys, the token aws sso login
 * cached, exchanged at the portal's GetRoleCredentials. */
int sqlambda_creds_sso(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen);
/* creds_sso_refresh.c: an sso-session's token within this many seconds of
 * its expiry is refreshed first (botocore's SSOTokenProvider window). */
#define SSO_REFRESH_WINDOW_S (15 * 60)
typedef struct sso_refresh_in {
    const char *path;      /* the cache file */
    const char *doc;       /* its contents */
    const char *start_url; /* the sso-session's, written back */
    const char *region;    /* its sso_region: sso-oidc's region */
} sso_refresh_in;
/* CreateToken with the cached refresh token, the cache file replaced.
 * CREDS_FOUND: *token (freed and replaced) and *expires are the new ones
 * (why may say the file could not be saved); CREDS_ABSENT: not refreshed,
 * why says why; CREDS_CANCELLED: the wait hook cancelled. */
int sqlambda_sso_refresh(const creds_ctx *ctx, const sso_refresh_in *in, char **token,
                         time_t *expires, char *why, size_t whylen);
/* sso-oidc's URL (malloc'd) for sso_region region: AWS_ENDPOINT_URL_SSO_OIDC
 * or the client profile's [services] sso_oidc (checked; never a generic
 * endpoint), else https://oidc[-fips].<region>.<suffix or dual-stack
 * suffix>; NULL with err set. */
char *sqlambda_sso_oidc_url(const creds_ctx *ctx, const char *region, char *err,
                            size_t errlen);
/* The portal's URL (malloc'd) for sso_region region: AWS_ENDPOINT_URL_SSO or
 * the client profile's [services] sso (checked), else
 * https://portal.sso[-fips].<region>.<suffix or dual-stack suffix>; NULL
 * with err set. */
char *sqlambda_sso_portal_url(const creds_ctx *ctx, const char *region, char *err,
                              size_t errlen);
/* creds_assume_role.c: role_arn + source_profile / credential_source. */
int sqlambda_creds_assume_role(const creds_ctx *ctx, sqlambda_creds *out, char *err,
                               size_t errlen);
/* 1 if the profile is an assume-role profile (role_arn without
 * web_identity_token_file), as botocore's _has_assume_role_config_vars. */
int sqlambda_creds_is_assume_role(const sqlambda_profiles *files, const char *profile);

/* ---- creds_role_check.c: the assume-role keys, checked before any use ---- */
typedef struct role_config {
    const char *role_arn, *source_profile, *credential_source, *session_name, *external_id,
        *duration, *mfa_serial; /* NULL when absent */
} role_config;
#define ROLE_SOURCE_ENV 0
#define ROLE_SOURCE_IMDS 1
#define ROLE_SOURCE_CONTAINER 2
/* 0, or -1 with err naming the profile and the key (external_id's value is
 * never shown). */
int sqlambda_role_config_check(const char *profile, const role_config *rc, char *err,
                               size_t errlen);
int sqlambda_role_arn_ok(const char *arn);
int sqlambda_role_session_name_ok(const char *s);  /* [\w+=,.@-]{2,64} */
int sqlambda_role_external_id_ok(const char *s);   /* [\w+=,.@:/-]{2,1224} */
int sqlambda_role_duration_ok(const char *s, long *out); /* 900..43200 */
/* ROLE_SOURCE_* for a credential_source value (case as botocore: exact), or -1. */
int sqlambda_role_credential_source(const char *s);

/* ---- creds_sts.c: reaching STS ---- */
/* Appends "&k=<v URL-escaped>" to an STS request's form body; -1 when out
 * of memory. */
int sqlambda_sts_form_add(sqlambda_buf *b, CURL *h, const char *k, const char *v);
/* A configured endpoint for STS or the SSO portal (botocore's order): var
 * (AWS_ENDPOINT_URL_STS / _SSO), AWS_ENDPOINT_URL if generic, the client
 * profile's [services] <service> endpoint_url; never the profile's generic
 * endpoint_url (docs/security.md); NULL when none or
 * ignore_configured_endpoint_urls. *what names the source. Not checked. */
const char *sqlambda_service_endpoint_config(const creds_ctx *ctx, const char *var,
                                             const char *service, bool generic,
                                             const char **what);
/* The STS endpoint URL (malloc'd) and the region to sign for, or NULL with
 * err set (a bad sts_regional_endpoints value or endpoint, out of memory). */
char *sqlambda_sts_url(const creds_ctx *ctx, const char **sign_region, char *err,
                       size_t errlen);
/* AWS_STS_REGIONAL_ENDPOINTS, else the profile's sts_regional_endpoints:
 * *legacy = 1 for "legacy"; 0, or -1 with err for another value. */
int sqlambda_sts_mode(const creds_ctx *ctx, int *legacy, char *err, size_t errlen);
/* Messages for a failed STS request (returns its CREDS_* code) and for an
 * answer other than 200 (STS's Code and Message, shown safely). */
int sqlambda_sts_failed(const char *what, const creds_ctx *ctx, const char *url,
                        const sqlambda_http_response *r, char *err, size_t errlen);
void sqlambda_sts_refused(const char *what, const char *url, const sqlambda_http_response *r,
                          char *err, size_t errlen);

/* Wipes a NUL-terminated secret (a token, a key, a document holding one)
 * and frees it; NULL is fine. */
void sqlambda_wipe_free(char *s);
/* Fills *out from three strings (copied); 0, or -1 out of memory. */
int sqlambda_creds_set(sqlambda_creds *out, const char *akid, const char *secret,
                       const char *token, time_t expiration, const char *source);
/* Parses RFC 3339 / ISO 8601 UTC ("2026-01-02T03:04:05Z", fractions and
 * +hh:mm offsets allowed). 0 on success. */
int sqlambda_parse_rfc3339(const char *s, time_t *out);
/* Reads a whole small file (cap bytes), trailing whitespace trimmed.
 * malloc'd or NULL (errno set). */
char *sqlambda_read_small_file(const char *path, size_t cap);

/* ---- imds.c: EC2 instance metadata (IMDSv2) ---- */
/* GETs path (e.g. "/latest/meta-data/placement/region") at conf's endpoint
 * with a session token (falls back to no token when the token PUT answers
 * anything but 200 or 400, as botocore, unless conf->v1_disabled). Returns the
 * body (malloc'd) on HTTP 200, else NULL with err set. */
char *sqlambda_imds_get(const sqlambda_imds_conf *conf, const char *path,
                        const sqlambda_waiter *w, long timeout_ms, sqlambda_status *failure,
                        char *err, size_t errlen);
/* ... *failure (may be NULL) gets E_TIMEOUT / E_CANCELLED / E_TRANSPORT /
 * E_CREDENTIALS (an answer that is not 200) when NULL is returned. */

#endif
