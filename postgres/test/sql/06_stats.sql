-- 06_stats: the aws_lambda.stats view (shared memory: the test server
-- preloads aws_lambda) and stats_reset().
\getenv fault_url FAULT_URL
SET search_path = "$user", public, aws_lambda;
SELECT aws_lambda.stats_shared();
SELECT aws_lambda.stats_reset();
SELECT count(*) AS rows_after_reset FROM aws_lambda.stats;
SELECT count(awslambda_fn('lambdaTest', '{}')) FROM generate_series(1, 5);
SET aws_lambda.endpoint_override = :'fault_url';
SET aws_lambda.max_attempts = 3;
SELECT try($$SELECT awslambda_fn('funcerror_stats', '{}')$$) IS NOT NULL AS failed;
SELECT try($$SELECT awslambda_fn('throttle_stats', '{}')$$) IS NOT NULL AS failed;
SELECT try($$SELECT awslambda_fn('reset_stats', '{}')$$) IS NOT NULL AS failed;
SELECT awslambda_fn('fail503x2_stats', '{}') AS retried_twice;
SELECT function_name, calls, errors, function_errors, service_errors, transport_errors,
       retries, throttles, total_ms > 0 AS has_total, abs(mean_ms - total_ms / calls) < 1e-6 AS mean_ok,
       max_ms >= mean_ms AS max_ok
  FROM aws_lambda.stats ORDER BY function_name;
-- Another backend sees the same counters (shared memory).
\c -
SELECT sum(calls) AS calls_seen_by_new_backend FROM aws_lambda.stats;
SELECT aws_lambda.stats_reset();
SELECT count(*) AS rows_after_reset FROM aws_lambda.stats;
