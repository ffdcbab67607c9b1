-- 03_rds: Amazon RDS's aws_lambda.invoke, all four overloads, defaults,
-- invocation and log types, and argument errors (against moto_server).
SELECT * FROM aws_lambda.invoke('lambdaTest', '{"body": "Hello from Postgres!"}'::json);
SELECT * FROM aws_lambda.invoke('lambdaTest', '{"body": "Hello from Postgres!"}'::jsonb);
SELECT * FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest', 'us-east-1'),
                                '{"body": "Hello from Postgres!"}'::json);
SELECT * FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest'),
                                '{"body": "Hello from Postgres!"}'::jsonb);
-- Output types follow the payload's.
SELECT pg_typeof(payload) FROM aws_lambda.invoke('lambdaTest', '{}'::json);
SELECT pg_typeof(payload) FROM aws_lambda.invoke('lambdaTest', '{}'::jsonb);
-- RDS's documented call shapes.
SELECT payload->>'body' AS body FROM aws_lambda.invoke('lambdaTest', '{"body": "Hi"}'::json, 'us-east-1');
SELECT status_code, payload FROM aws_lambda.invoke('lambdaTest', '{"body": "Hi"}'::json, 'us-east-1', 'Event');
SELECT status_code, payload FROM aws_lambda.invoke('lambdaTest', '{}'::jsonb, invocation_type => 'DryRun');
SELECT status_code FROM aws_lambda.invoke(function_name => 'lambdaTest', payload => '{}'::json,
                                          region => 'us-east-1', invocation_type => 'RequestResponse',
                                          log_type => 'None', context => '{"custom": {"a": 1}}'::json,
                                          qualifier => '1');
-- ('$LATEST' is checked against the fault server in 04_errors: moto's
-- SigV4 verifier rejects a '$' in the query string, boto3's requests too.)
SELECT status_code FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest', 'us-east-1'),
                                          '{}'::jsonb, 'RequestResponse', 'Tail', '{"custom": {}}'::jsonb, NULL);
-- The helper type.
SELECT aws_commons.create_lambda_function_arn('lambdaTest', 'us-east-1');
SELECT (aws_commons.create_lambda_function_arn('lambdaTest')).*;
-- Argument errors: case-sensitive values, NULLs named.
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, invocation_type => 'event')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, invocation_type => 'Async')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::jsonb, log_type => 'tail')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke(NULL::text, '{}'::json)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke(NULL::aws_commons._lambda_function_arn_1, '{}'::json)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn(NULL), '{}'::json)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', NULL::json)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, invocation_type => NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, log_type => NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, qualifier => 'bad qual!')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json, context => '[1, 2]')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('arn:aws:lambda:us-west-2:123456789012:function:lambdaTest',
                                             '{}'::json, region => 'us-east-1')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn(
             'arn:aws:lambda:us-west-2:123456789012:function:lambdaTest', 'eu-west-1'), '{}'::jsonb)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', ('"' || repeat('x', 6 * 1024 * 1024) || '"')::json)$$);
