-- 05_privileges: a non-superuser can call nothing until granted, cannot
-- see or change endpoint/credential settings, and is held to the
-- allowlist its role was given; the walkthrough's advice (grant a wrapper,
-- not the general function) works.
CREATE ROLE regress_aws_user LOGIN;
CREATE ROLE regress_aws_wrapper_user LOGIN;
\c - regress_aws_user
SET search_path = "$user", public, aws_lambda;
SELECT try($$SELECT aws_lambda.awslambda_fn('lambdaTest', '{}')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('lambdaTest', '{}'::json)$$);
SELECT try($$SELECT * FROM aws_lambda.stats$$);
-- Endpoint and credential settings: hidden and read-only.
SELECT try($$SHOW aws_lambda.endpoint_override$$);
SELECT try($$SHOW aws_lambda.profile$$);
SELECT try($$SHOW aws_lambda.region$$);
SELECT name FROM pg_settings WHERE name LIKE 'aws\_lambda.%' ORDER BY 1;
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9'$$);
SELECT try($$SET aws_lambda.profile = 'other'$$);
SELECT try($$SET aws_lambda.allowed_functions = ''$$);
SELECT try($$SET aws_lambda.max_attempts = 10$$);
-- Timeouts are the caller's business.
SET aws_lambda.request_timeout_ms = 2000;
RESET aws_lambda.request_timeout_ms;

\c - postgres
GRANT USAGE ON SCHEMA aws_lambda, aws_commons TO regress_aws_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA aws_lambda TO regress_aws_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA aws_commons TO regress_aws_user;
ALTER ROLE regress_aws_user SET aws_lambda.allowed_functions = 'lambdaTest';
-- The walkthrough's advice: a wrapper for one function, granted alone.
CREATE FUNCTION public.say_hello(name text) RETURNS json
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, aws_lambda
AS $$ SELECT awslambda_fn('lambdaTest', json_build_object('name', name)::text)::json $$;
REVOKE ALL ON FUNCTION public.say_hello(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.say_hello(text) TO regress_aws_wrapper_user;

\c - regress_aws_user
SET search_path = "$user", public, aws_lambda;
SHOW aws_lambda.allowed_functions;
SELECT awslambda_fn('lambdaTest', '{"who": "regress_aws_user"}') AS granted;
SELECT payload FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest'), '{"rds": true}'::json);
SELECT try($$SELECT awslambda_fn('otherFunction', '{}')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('otherFunction', '{}'::jsonb)$$);
SELECT try($$SET aws_lambda.allowed_functions = 'otherFunction'$$);

\c - regress_aws_wrapper_user
SELECT public.say_hello('wrapped') AS wrapper;
SELECT try($$SELECT aws_lambda.awslambda_fn('lambdaTest', '{}')$$);

\c - postgres
DROP FUNCTION public.say_hello(text);
DROP OWNED BY regress_aws_user, regress_aws_wrapper_user;
DROP ROLE regress_aws_user;
DROP ROLE regress_aws_wrapper_user;
