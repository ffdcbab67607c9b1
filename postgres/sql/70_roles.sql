-- 70_roles.sql — aws_lambda_invoker, a ready least-privilege role (as
-- Amazon RDS/Aurora ship theirs): NOLOGIN, created here if absent (roles are
-- cluster-wide: CREATE EXTENSION in a second database reuses it, DROP
-- EXTENSION leaves it; drop it yourself once no database has the
-- extension). It may call Lambda (subject to aws_lambda.allowed_functions)
-- and queue calls; it may not reset statistics, change batching, touch the
-- queue's tables or change settings. Grant it: GRANT aws_lambda_invoker TO app.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'aws_lambda_invoker') THEN
    CREATE ROLE aws_lambda_invoker NOLOGIN;
    COMMENT ON ROLE aws_lambda_invoker IS
      'May invoke Lambda through the aws_lambda extension (docs/postgres.md, "Security")';
  END IF;
END $roles$;

GRANT USAGE ON SCHEMA aws_lambda, aws_commons TO aws_lambda_invoker;
GRANT EXECUTE ON FUNCTION
    awslambda_fn(text, text),
    awslambda_fn_async(text, text),
    invoke(text, json, text, text, text, json, varchar),
    invoke(aws_commons._lambda_function_arn_1, json, text, text, json, varchar),
    invoke(text, jsonb, text, text, text, jsonb, varchar),
    invoke(aws_commons._lambda_function_arn_1, jsonb, text, text, jsonb, varchar),
    invoke_many(text, jsonb[], int, text, text, text),
    invoke_batch(text, jsonb[], int, int, int, text, text),
    enqueue(text, jsonb, text, text, text, text, text),
    trigger_invoke(),
    aws_commons.create_lambda_function_arn(text, text)
  TO aws_lambda_invoker;
