/*
 * creds_internal.h — contracts between credentials.c (the chain and its
 * shared cache), the individual providers (creds_*.c) and imds.c.
 */
#ifndef SQLAMBDA_CREDS_INTERNAL_H
#define SQLAMBDA_CREDS_INTERNAL_H

#include "ini.h"
#include "internal.h"

/* What a provider returns. */
#define CREDS_FOUND 1   /* *out filled */
#define CREDS_ABSENT 0  /* not configured: try the next provider */
#define CREDS_ERROR (-1) /* configured but failed: err says why; chain stops */

typedef struct creds_ctx {
    const char *profile;              /* effective profile */
    const sqlambda_profiles *files;   /* both shared files */
    const char *region;               /* resolved region or NULL (STS) */
} creds_ctx;

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
/* 1 if AWS_EC2_METADATA_DISABLED is "true". */
int sqlambda_imds_disabled(void);
/* GETs path (e.g. "/latest/meta-data/placement/region") with a session
 * token (falls back to no token if the token PUT is refused with 403/404/405
 * as the SDKs do). Returns the body (malloc'd) on HTTP 200, else NULL with
 * err set. */
char *sqlambda_imds_get(const char *path, long timeout_ms, char *err, size_t errlen);

#endif
