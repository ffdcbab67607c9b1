/*
 * retry.h — the AWS SDKs' "standard" retry mode: which outcomes are
 * retried, capped exponential backoff with full jitter, and the retry
 * quota (token bucket). Pure functions and a per-client bucket; no I/O.
 */
#ifndef SQLAMBDA_RETRY_H
#define SQLAMBDA_RETRY_H

#include "sqlambda.h"

#define SQLAMBDA_RETRY_QUOTA_INITIAL 500
#define SQLAMBDA_RETRY_COST 5
#define SQLAMBDA_RETRY_TIMEOUT_COST 10
#define SQLAMBDA_RETRY_NO_RETRY_INCREMENT 1
#define SQLAMBDA_RETRY_MAX_BACKOFF_MS 20000.0

typedef struct sqlambda_retry_quota {
    int tokens;
} sqlambda_retry_quota;

typedef enum sqlambda_retry_kind {
    SQLAMBDA_RETRY_NO = 0,    /* final: never retried */
    SQLAMBDA_RETRY_THROTTLE,  /* 429 / throttling error code */
    SQLAMBDA_RETRY_TRANSIENT, /* 500/502/503/504, connect failure before send */
    SQLAMBDA_RETRY_TIMEOUT,   /* timeout (costs more quota) */
    SQLAMBDA_RETRY_UNSAFE     /* response lost after send: only with retry_unsafe */
} sqlambda_retry_kind;

void sqlambda_retry_quota_init(sqlambda_retry_quota *q);
/* Takes the cost of one retry; returns the tokens taken, or 0 when the
 * quota is exhausted (then do not retry). */
int sqlambda_retry_quota_acquire(sqlambda_retry_quota *q, int is_timeout);
/* After a successful call: returns the last retry's cost, or the
 * no-retry increment when it succeeded first time (bucket capped at 500). */
void sqlambda_retry_quota_success(sqlambda_retry_quota *q, int cost_taken);

/* Backoff before attempt (attempts_made + 1): min(rnd * 2^(attempts_made-1) s,
 * 20 s), rnd in [0,1). */
double sqlambda_retry_backoff_ms(int attempts_made, double rnd);
/* Retry-After (seconds, RFC 9110 delta) or x-amz-retry-after (ms); -1 if
 * absent/invalid. Result capped at 20 s. */
double sqlambda_retry_after_ms(const char *retry_after, const char *amz_retry_after);

/* 1 for AWS throttling error codes (Throttling, TooManyRequestsException, ...). */
int sqlambda_retry_is_throttle_code(const char *code);
/* 1 for HTTP statuses retried as transient (500, 502, 503, 504). */
int sqlambda_retry_is_transient_http(long http_status);
/* Decides for one finished attempt. sent: the request may have reached the
 * service (bytes were uploaded). */
sqlambda_retry_kind sqlambda_retry_classify(sqlambda_status st, long http_status,
                                            const char *error_type, int sent);
/* The same for retry_mode legacy (botocore's _retry.json policies): also
 * HTTP 509 (limit exceeded). Legacy takes no retry quota (multi.c). */
sqlambda_retry_kind sqlambda_retry_classify_legacy(sqlambda_status st, long http_status,
                                                   const char *error_type, int sent);

#endif
