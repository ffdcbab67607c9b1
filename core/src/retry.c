/*
 * retry.c — standard retry mode policy (see retry.h): retryable outcomes,
 * full-jitter backoff, retry quota, Retry-After parsing.
 */
#include "retry.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sqlambda_retry_quota_init(sqlambda_retry_quota *q) { q->tokens = SQLAMBDA_RETRY_QUOTA_INITIAL; }

int sqlambda_retry_quota_acquire(sqlambda_retry_quota *q, int is_timeout) {
    int cost = is_timeout ? SQLAMBDA_RETRY_TIMEOUT_COST : SQLAMBDA_RETRY_COST;
    if (q->tokens < cost) return 0;
    q->tokens -= cost;
    return cost;
}

void sqlambda_retry_quota_success(sqlambda_retry_quota *q, int cost_taken) {
    q->tokens += cost_taken > 0 ? cost_taken : SQLAMBDA_RETRY_NO_RETRY_INCREMENT;
    if (q->tokens > SQLAMBDA_RETRY_QUOTA_INITIAL) q->tokens = SQLAMBDA_RETRY_QUOTA_INITIAL;
}

double sqlambda_retry_backoff_ms(int attempts_made, double rnd) {
    if (attempts_made < 1) attempts_made = 1;
    if (rnd < 0) rnd = 0;
    if (rnd >= 1) rnd = 0.999999;
    double base = attempts_made > 30 ? 1e12 : ldexp(1000.0, attempts_made - 1);
    double d = rnd * base;
    return d > SQLAMBDA_RETRY_MAX_BACKOFF_MS ? SQLAMBDA_RETRY_MAX_BACKOFF_MS : d;
}

static double parse_num(const char *s) {
    if (!s) return -1;
    while (isspace((unsigned char)*s)) s++;
    if (!isdigit((unsigned char)*s)) return -1;
    char *end;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end || !isfinite(v) || v < 0) return -1;
    return v;
}

double sqlambda_retry_after_ms(const char *retry_after, const char *amz_retry_after) {
    double ms = -1, v;
    if ((v = parse_num(amz_retry_after)) >= 0) ms = v;
    else if ((v = parse_num(retry_after)) >= 0) ms = v * 1000.0;
    if (ms > SQLAMBDA_RETRY_MAX_BACKOFF_MS) ms = SQLAMBDA_RETRY_MAX_BACKOFF_MS;
    return ms;
}

int sqlambda_retry_is_throttle_code(const char *code) {
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "EC2ThrottlingException"};
    if (!code || !*code) return 0;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0) return 1;
    return 0;
}

int sqlambda_retry_is_transient_http(long s) { return s == 500 || s == 502 || s == 503 || s == 504; }

sqlambda_retry_kind sqlambda_retry_classify(sqlambda_status st, long http_status,
                                            const char *error_type, int sent) {
    switch (st) {
    case SQLAMBDA_E_THROTTLED: return SQLAMBDA_RETRY_THROTTLE;
    case SQLAMBDA_E_SERVICE:
        if (sqlambda_retry_is_throttle_code(error_type)) return SQLAMBDA_RETRY_THROTTLE;
        return sqlambda_retry_is_transient_http(http_status) ? SQLAMBDA_RETRY_TRANSIENT
                                                             : SQLAMBDA_RETRY_NO;
    case SQLAMBDA_E_TRANSPORT:
        return sent ? SQLAMBDA_RETRY_UNSAFE : SQLAMBDA_RETRY_TRANSIENT;
    case SQLAMBDA_E_TIMEOUT:
        return sent ? SQLAMBDA_RETRY_UNSAFE : SQLAMBDA_RETRY_TIMEOUT;
    default: return SQLAMBDA_RETRY_NO;
    }
}

sqlambda_retry_kind sqlambda_retry_classify_legacy(sqlambda_status st, long http_status,
                                                   const char *error_type, int sent) {
    if (st == SQLAMBDA_E_SERVICE && http_status == 509) return SQLAMBDA_RETRY_TRANSIENT;
    return sqlambda_retry_classify(st, http_status, error_type, sent);
}
