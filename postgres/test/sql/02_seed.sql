-- 02_seed: the walkthrough's SQL, unchanged, once aws_lambda is on the
-- search_path (against moto_server, which verifies the SigV4 signature).
SET search_path = "$user", public, aws_lambda;
SELECT awslambda_fn('lambdaTest','{"name":"bob"}') AS lambdatest;
SELECT CAST(awslambda_fn('lambdaTest','{"name":"bob"}') AS JSON) AS lambdatest;
SELECT CAST(awslambda_fn('lambdaTest','{"name":"bob"}') AS JSON)->'name' AS name;
-- The walkthrough's Kinesis reader reads msg->'NextShardIterator'.
SELECT msg->'NextShardIterator' AS next_iterator, msg->>'Data' AS data
  FROM (SELECT CAST(awslambda_fn('lambdaTest',
          '{"Data": "reading", "NextShardIterator": "AAAA"}') AS JSON) AS msg) s;
SELECT CAST(awslambda_fn('lambdaTest','{"name":"bob"}') AS JSONB) @> '{"name":"bob"}' AS jsonb_ok;
-- Text round trip: never b'...', Unicode intact.
SELECT awslambda_fn('lambdaTest', '{"s":"h\u00e9llo ✓ \"q\""}') AS unicode;
-- Asynchronous: returns at once with Lambda's 202.
SELECT awslambda_fn_async('lambdaTest','{"name":"bob"}') AS async;
SELECT CAST(awslambda_fn_async('lambdaTest','{"name":"bob"}') AS JSON)->>'StatusCode' AS status;
-- STRICT: NULL in, NULL out, no call.
SELECT awslambda_fn(NULL, '{}') IS NULL AS null_name, awslambda_fn('lambdaTest', NULL) IS NULL AS null_args,
       awslambda_fn_async(NULL, NULL) IS NULL AS null_async;
-- Many rows, one connection.
SELECT count(awslambda_fn('lambdaTest', json_build_object('i', i)::text)) FROM generate_series(1, 50) i;
SELECT sum((awslambda_fn('lambdaTest', json_build_object('i', i)::text)::json->>'i')::int) FROM generate_series(1, 20) i;
-- Bad input: clear errors with SQLSTATEs.
SELECT try($$SELECT awslambda_fn('lambdaTest', '{"name": bob}')$$);
SELECT try($$SELECT awslambda_fn('lambdaTest', '')$$);
SELECT try($$SELECT awslambda_fn('bad name!', '{}')$$);
SELECT try($$SELECT awslambda_fn('', '{}')$$);
SELECT try($$SELECT awslambda_fn(repeat('f', 65), '{}')$$);
SELECT try($$SELECT awslambda_fn('lambdaTest', '"' || repeat('x', 6 * 1024 * 1024) || '"')$$);
SELECT try($$SELECT awslambda_fn_async('lambdaTest', '"' || repeat('x', 1024 * 1024) || '"')$$);
