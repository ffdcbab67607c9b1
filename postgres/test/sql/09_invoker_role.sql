-- 09_invoker_role: the ready role aws_lambda_invoker (sql/70_roles.sql).
-- A login role granted it can invoke every way and queue calls, and cannot
-- reset statistics, change batching, read or edit the queue's tables or
-- change settings (42501). CREATE EXTENSION in a second database reuses the
-- cluster-wide role; DROP EXTENSION leaves it.
SELECT rolname, rolcanlogin, rolsuper, rolinherit FROM pg_roles WHERE rolname = 'aws_lambda_invoker';
-- Exactly what it may execute, and the schemas it may use.
SELECT p.oid::regprocedure AS invoker_may_execute
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_extension e ON d.refobjid = e.oid AND e.extname IN ('aws_lambda', 'aws_commons')
 WHERE has_function_privilege('aws_lambda_invoker', p.oid, 'EXECUTE')
 ORDER BY 1::text;
SELECT n AS schema, has_schema_privilege('aws_lambda_invoker', n, 'USAGE') AS usage,
       has_schema_privilege('aws_lambda_invoker', n, 'CREATE') AS create
  FROM unnest(ARRAY['aws_lambda', 'aws_commons']) n;
SELECT c.relname, has_table_privilege('aws_lambda_invoker', c.oid, 'SELECT,INSERT,UPDATE,DELETE') AS any_right
  FROM pg_class c WHERE c.relnamespace = 'aws_lambda'::regnamespace AND c.relkind IN ('r', 'v', 'S')
 ORDER BY 1;

CREATE ROLE regress_invoker_app LOGIN;
GRANT aws_lambda_invoker TO regress_invoker_app;
CREATE SCHEMA regress_invoker AUTHORIZATION regress_invoker_app;
\c - regress_invoker_app
-- Calls work.
SELECT aws_lambda.awslambda_fn('lambdaTest', '{"via": "aws_lambda_invoker"}') AS seed;
SELECT aws_lambda.awslambda_fn_async('lambdaTest', '{}') AS seed_async;
SELECT status_code, payload FROM aws_lambda.invoke('lambdaTest', '{"rds": 1}'::jsonb);
SELECT status_code, payload FROM aws_lambda.invoke('lambdaTest', '{"rds": 2}'::json);
SELECT status_code, payload
  FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest', 'us-east-1'), '{"rds": 3}'::json);
SELECT status_code, payload
  FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('lambdaTest'), '{"rds": 4}'::jsonb);
SELECT ordinal, status_code, error FROM aws_lambda.invoke_many('lambdaTest', ARRAY['{"m": 1}'::jsonb, '{"m": 2}']);
-- enqueue and trigger_invoke are granted (rolled back: nothing delivered).
BEGIN;
SELECT try($$SELECT aws_lambda.enqueue('lambdaTest', '{}')$$);
ROLLBACK;
CREATE TABLE regress_invoker.t (id int);
CREATE TRIGGER t AFTER INSERT ON regress_invoker.t FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('lambdaTest');
BEGIN;
SELECT try($$INSERT INTO regress_invoker.t VALUES (1)$$);
ROLLBACK;
DROP TABLE regress_invoker.t;
-- Administration and settings: refused.
SELECT try($$SELECT aws_lambda.stats_reset()$$);
SELECT try($$SELECT * FROM aws_lambda.stats$$);
SELECT try($$SELECT aws_lambda.set_batching('lambdaTest', 10)$$);
SELECT try($$SELECT aws_lambda.function_name_check('lambdaTest')$$);
SELECT try($$SELECT * FROM aws_lambda.worker_in_flight()$$);
SELECT try($$SELECT * FROM aws_lambda.queue_status$$);
SELECT try($$SELECT * FROM aws_lambda.queue$$);
SELECT try($$DELETE FROM aws_lambda.queue$$);
SELECT try($$UPDATE aws_lambda.queue SET region = 'eu-west-1'$$);
SELECT try($$INSERT INTO aws_lambda.queue (function_name, payload) VALUES ('f', '{}')$$);
SELECT try($$DELETE FROM aws_lambda.dead_letter$$);
SELECT try($$UPDATE aws_lambda.batching SET max_records = 1$$);
SELECT try($$SET aws_lambda.allowed_functions = ''$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9'$$);
SELECT try($$SET aws_lambda.region = 'eu-west-1'$$);
SELECT try($$SHOW aws_lambda.endpoint_override$$);

\c - postgres
-- A second database: the role already exists and is granted there too;
-- dropping the extension keeps the role (other databases may use it).
CREATE DATABASE regress_aws_second;
\c regress_aws_second
CREATE EXTENSION aws_lambda CASCADE;
SELECT count(*) AS invoker_roles FROM pg_roles WHERE rolname = 'aws_lambda_invoker';
SELECT has_function_privilege('aws_lambda_invoker', 'aws_lambda.awslambda_fn(text, text)', 'EXECUTE') AS granted_here,
       has_function_privilege('aws_lambda_invoker', 'aws_lambda.stats_reset()', 'EXECUTE') AS stats_reset_here;
DROP EXTENSION aws_lambda;
DROP EXTENSION aws_commons;
SELECT count(*) AS invoker_roles_after_drop FROM pg_roles WHERE rolname = 'aws_lambda_invoker';
\c aws_lambda_regress
DROP DATABASE regress_aws_second;
DROP SCHEMA regress_invoker CASCADE;
DROP OWNED BY regress_invoker_app;
DROP ROLE regress_invoker_app;
