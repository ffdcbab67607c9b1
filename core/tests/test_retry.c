/* test_retry.c — standard retry mode policy: backoff bounds (full jitter,
 * 20 s cap), retry quota accounting, Retry-After parsing, what is retried. */
#include "retry.h"
#include "tap.h"

int main(void) {
    /* backoff: rnd * 2^(n-1) s, capped at 20 s */
    ok(sqlambda_retry_backoff_ms(1, 0.0) == 0.0, "backoff: rnd 0 -> 0");
    ok(sqlambda_retry_backoff_ms(1, 0.5) == 500.0, "backoff after attempt 1, rnd .5 -> 500 ms");
    ok(sqlambda_retry_backoff_ms(2, 0.5) == 1000.0, "backoff after attempt 2, rnd .5 -> 1000 ms");
    ok(sqlambda_retry_backoff_ms(3, 0.25) == 1000.0, "backoff after attempt 3, rnd .25 -> 1000 ms");
    ok(sqlambda_retry_backoff_ms(6, 0.99) == 20000.0, "backoff capped at 20 s");
    ok(sqlambda_retry_backoff_ms(200, 0.99) == 20000.0, "backoff: huge attempt counts stay capped");
    int within = 1;
    for (int n = 1; n <= 10; n++)
        for (double r = 0; r < 1; r += 0.01) {
            double d = sqlambda_retry_backoff_ms(n, r);
            double hi = 1000.0 * (1 << (n - 1));
            if (d < 0 || d > hi || d > 20000.0) within = 0;
        }
    ok(within, "backoff within [0, min(2^(n-1) s, 20 s)] for n=1..10");

    /* quota */
    sqlambda_retry_quota q;
    sqlambda_retry_quota_init(&q);
    is_int(q.tokens, 500, "quota starts at 500");
    is_int(sqlambda_retry_quota_acquire(&q, 0), 5, "a retry costs 5");
    is_int(sqlambda_retry_quota_acquire(&q, 1), 10, "a timeout retry costs 10");
    is_int(q.tokens, 485, "bucket after two retries");
    sqlambda_retry_quota_success(&q, 10);
    is_int(q.tokens, 495, "success after a retry refunds its cost");
    sqlambda_retry_quota_success(&q, 0);
    is_int(q.tokens, 496, "success without retry adds 1");
    for (int i = 0; i < 10; i++) sqlambda_retry_quota_success(&q, 0);
    is_int(q.tokens, 500, "bucket never exceeds 500");
    int n = 0;
    while (sqlambda_retry_quota_acquire(&q, 0)) n++;
    is_int(n, 100, "100 retries drain the bucket");
    is_int(sqlambda_retry_quota_acquire(&q, 0), 0, "exhausted quota: no retry");
    q.tokens = 7;
    is_int(sqlambda_retry_quota_acquire(&q, 1), 0, "timeout retry needs 10 tokens");
    is_int(sqlambda_retry_quota_acquire(&q, 0), 5, "plain retry still fits in 7");

    /* Retry-After */
    ok(sqlambda_retry_after_ms("2", NULL) == 2000.0, "Retry-After: 2 -> 2000 ms");
    ok(sqlambda_retry_after_ms(" 1.5 ", NULL) == 1500.0, "Retry-After: 1.5 -> 1500 ms");
    ok(sqlambda_retry_after_ms("120", NULL) == 20000.0, "Retry-After capped at 20 s");
    ok(sqlambda_retry_after_ms(NULL, "250") == 250.0, "x-amz-retry-after is milliseconds");
    ok(sqlambda_retry_after_ms("3", "250") == 250.0, "x-amz-retry-after wins");
    ok(sqlambda_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", NULL) < 0, "HTTP-date ignored");
    ok(sqlambda_retry_after_ms("-1", NULL) < 0, "negative ignored");
    ok(sqlambda_retry_after_ms("5x", NULL) < 0, "garbage ignored");
    ok(sqlambda_retry_after_ms(NULL, NULL) < 0, "absent -> -1");

    /* classification */
    const char *thr[] = {"Throttling", "ThrottlingException", "ThrottledException",
                         "RequestThrottledException", "TooManyRequestsException",
                         "ProvisionedThroughputExceededException", "RequestLimitExceeded"};
    int all = 1;
    for (size_t i = 0; i < sizeof thr / sizeof thr[0]; i++) all &= sqlambda_retry_is_throttle_code(thr[i]);
    ok(all, "throttling codes recognised");
    ok(!sqlambda_retry_is_throttle_code("ResourceNotFoundException"), "not-found is not throttling");
    ok(!sqlambda_retry_is_throttle_code(NULL) && !sqlambda_retry_is_throttle_code(""), "no code");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_THROTTLED, 429, "TooManyRequestsException", 1),
           SQLAMBDA_RETRY_THROTTLE, "429 -> throttle retry");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, 400, "ThrottlingException", 1),
           SQLAMBDA_RETRY_THROTTLE, "400 ThrottlingException -> throttle retry");
    long transient[] = {500, 502, 503, 504};
    for (int i = 0; i < 4; i++)
        is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, transient[i], "ServiceException", 1),
               SQLAMBDA_RETRY_TRANSIENT, "5xx transient retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, 501, NULL, 1), SQLAMBDA_RETRY_NO, "501 not retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, 404, "ResourceNotFoundException", 1),
           SQLAMBDA_RETRY_NO, "404 not retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, 403, "SignatureDoesNotMatch", 1),
           SQLAMBDA_RETRY_NO, "403 not retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_FUNCTION, 200, "ValueError", 1), SQLAMBDA_RETRY_NO,
           "function error not retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_TRANSPORT, 0, NULL, 0), SQLAMBDA_RETRY_TRANSIENT,
           "connect failure before send retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_TIMEOUT, 0, NULL, 0), SQLAMBDA_RETRY_TIMEOUT,
           "connect timeout retried (timeout cost)");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_TRANSPORT, 0, NULL, 1), SQLAMBDA_RETRY_UNSAFE,
           "reset after send: unsafe");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_TIMEOUT, 0, NULL, 1), SQLAMBDA_RETRY_UNSAFE,
           "timeout after send: unsafe");
    is_int(sqlambda_retry_classify(SQLAMBDA_E_RESPONSE, 200, NULL, 1), SQLAMBDA_RETRY_NO,
           "oversize response not retried");
    is_int(sqlambda_retry_classify(SQLAMBDA_OK, 200, NULL, 1), SQLAMBDA_RETRY_NO, "success");

    /* retry_mode legacy: botocore's _retry.json policies add 509 */
    is_int(sqlambda_retry_classify(SQLAMBDA_E_SERVICE, 509, "ServiceException", 1),
           SQLAMBDA_RETRY_NO, "standard: 509 not retried");
    is_int(sqlambda_retry_classify_legacy(SQLAMBDA_E_SERVICE, 509, "ServiceException", 1),
           SQLAMBDA_RETRY_TRANSIENT, "legacy: 509 retried");
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
        is_int(sqlambda_retry_classify_legacy(SQLAMBDA_E_SERVICE, transient[i], NULL, 1),
               SQLAMBDA_RETRY_TRANSIENT, "legacy: 500/502/503/504 retried");
    is_int(sqlambda_retry_classify_legacy(SQLAMBDA_E_THROTTLED, 429, "TooManyRequestsException", 1),
           SQLAMBDA_RETRY_THROTTLE, "legacy: 429 retried as throttling");
    is_int(sqlambda_retry_classify_legacy(SQLAMBDA_E_SERVICE, 501, NULL, 1), SQLAMBDA_RETRY_NO,
           "legacy: 501 not retried");
    is_int(sqlambda_retry_classify_legacy(SQLAMBDA_E_TRANSPORT, 0, NULL, 1), SQLAMBDA_RETRY_UNSAFE,
           "legacy: a lost response after sending is still not retried");
    return tap_done();
}
