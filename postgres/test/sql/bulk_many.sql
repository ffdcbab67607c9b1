-- bulk_many: aws_lambda.invoke_many — one row per payload, in order, with
-- each call's outcome in its row (moto_server's echo function, signatures
-- verified; core's fault server for failures); bad arguments are ERRORs
-- naming the argument. Ports are masked so the output is stable.
\getenv fault_url FAULT_URL
SET search_path = "$user", public, aws_lambda;
SELECT aws_lambda.stats_reset();
-- Echo through moto: order kept, NULL element -> a row with an error.
SELECT ordinal, status_code, payload, function_error, error
  FROM aws_lambda.invoke_many('lambdaTest',
         ARRAY['{"n": 1}', '{"n": 2}', NULL, '{"n": 4}', '{"n": 5, "s": "fünf"}']::jsonb[], 2);
-- 40 payloads, 8 in flight: every answer matches its own payload.
SELECT count(*) AS rows, count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal)) AS matching,
       count(error) AS errors
  FROM aws_lambda.invoke_many('lambdaTest',
         (SELECT array_agg(jsonb_build_object('i', i) ORDER BY i) FROM generate_series(1, 40) i), 8);
-- Event: Lambda's 202 and no payload; DryRun: 204.
SELECT ordinal, status_code, payload, error
  FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}', '{}']::jsonb[], invocation_type => 'Event');
SELECT ordinal, status_code, payload, error
  FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], invocation_type => 'DryRun');
-- No payloads: no rows, nothing sent.
SELECT count(*) FROM aws_lambda.invoke_many('lambdaTest', '{}'::jsonb[]);
-- A payload over Lambda's limit fails in its row; the others are sent.
SELECT ordinal, status_code, payload IS NOT NULL AS has_payload,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g') AS error
  FROM aws_lambda.invoke_many('lambdaTest',
         ARRAY['{"small": true}', jsonb_build_object('big', repeat('x', 6400000))]);

-- Failures through the fault server stay in their rows.
SET aws_lambda.endpoint_override = :'fault_url';
SET aws_lambda.max_attempts = 1;
SELECT ordinal, status_code, payload, function_error,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g') AS error
  FROM aws_lambda.invoke_many('funcerror_many', ARRAY['{}', '{}']::jsonb[]);
SELECT ordinal, status_code, payload IS NOT NULL AS has_payload,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g') AS error
  FROM aws_lambda.invoke_many('notfound_many', ARRAY['{}']::jsonb[]);
SELECT ordinal, status_code,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g') AS error
  FROM aws_lambda.invoke_many('html502_many', ARRAY['{}']::jsonb[]);
-- A truncated response is reported in its row, not as an ERROR.
SELECT ordinal, status_code, payload,
       regexp_replace(error, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g') AS error
  FROM aws_lambda.invoke_many('truncated_many', ARRAY['{}']::jsonb[]);
RESET aws_lambda.max_attempts;
RESET aws_lambda.endpoint_override;

-- Bad arguments: one ERROR naming the argument, nothing sent.
SELECT try($$SELECT * FROM aws_lambda.invoke_many(NULL, ARRAY['{}']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], 0)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], 1001)$$);
-- 1,000 in flight (Lambda's default account concurrency) is allowed.
SELECT ordinal, status_code FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], 1000);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], invocation_type => 'event')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], invocation_type => NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY[['{}'], ['{}']]::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('bad name!', ARRAY['{}']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[], qualifier => 'bad qualifier!')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('arn:aws:lambda:eu-west-1:123456789012:function:f', ARRAY['{}']::jsonb[], region => 'us-east-1')$$);
-- The allowlist is checked once, before anything is sent.
SET aws_lambda.allowed_functions = 'someOtherFunction';
SELECT try($$SELECT * FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{}']::jsonb[])$$);
RESET aws_lambda.allowed_functions;
-- Calls are counted in the statistics like single calls.
SELECT calls, errors FROM aws_lambda.stats WHERE function_name = 'lambdaTest';
-- A role granted invoke_many is held to its allowlist like any call.
CREATE ROLE regress_bulk_user LOGIN;
GRANT USAGE ON SCHEMA aws_lambda TO regress_bulk_user;
GRANT EXECUTE ON FUNCTION aws_lambda.invoke_many(text, jsonb[], int, text, text, text) TO regress_bulk_user;
ALTER ROLE regress_bulk_user SET aws_lambda.allowed_functions = 'lambdaTest';
\c - regress_bulk_user
SELECT ordinal, status_code, payload, error
  FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{"role": "ok"}']::jsonb[]);
SELECT try($$SELECT * FROM aws_lambda.invoke_many('otherFunction', ARRAY['{}']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[])$$);
\c - postgres
DROP OWNED BY regress_bulk_user;
DROP ROLE regress_bulk_user;
