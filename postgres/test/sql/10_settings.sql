-- 10_settings: every string setting is validated when set (check hooks
-- calling core's validators; database_name by PostgreSQL's rule): a bad
-- SET, ALTER ROLE ... SET, ALTER ROLE ... IN DATABASE ... SET, ALTER
-- DATABASE ... SET or ALTER SYSTEM fails at once with 22023 and a message
-- naming the setting and the problem; good values are accepted. Then: a
-- non-superuser can read no endpoint/credential setting by any route.
SELECT try($$SET aws_lambda.region = 'a@evil'$$);
SELECT try($$SET aws_lambda.region = 'US-EAST-1'$$);
SELECT try($$SET aws_lambda.region = E'us-east-1\r\nX-Evil: 1'$$);
SELECT try($$SET aws_lambda.region = 'us-east-1/x'$$);
SELECT try($$SET aws_lambda.region = 'us-eäst-1'$$);
SELECT try(format('SET aws_lambda.region = %L', repeat('a', 100) || '-east-1'));
SELECT try($$SET aws_lambda.endpoint_override = 'ftp://127.0.0.1:9'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9/#x'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9/?x=1'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://evil@127.0.0.1:9'$$);
SELECT try($$SET aws_lambda.endpoint_override = E'http://127.0.0.1:9/\r\nx'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9/a%2Fb'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'not a url'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://bücher.example:9/'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:9/a/../b'$$);
SELECT try($$SET aws_lambda.endpoint_override = 'http://127.0.0.1:99999'$$);
SELECT try(format('SET aws_lambda.endpoint_override = %L', 'http://h' || repeat('a', 2000) || '.example'));
SELECT try($$SET aws_lambda.allowed_functions = 'ok, bad name!'$$);
SELECT try($$SET aws_lambda.allowed_functions = 'a,,b'$$);
SELECT try($$SET aws_lambda.allowed_functions = 'arn:aws:lambda:us-east-1@evil:123456789012:function:f'$$);
SELECT try($$SET aws_lambda.allowed_functions = E'f\r\ng'$$);
-- aws_lambda.profile: a name the AWS config files can hold (core's rule).
SELECT try($$SET aws_lambda.profile = E'prod]\n[evil'$$);
SELECT try($$SET aws_lambda.profile = '[default]'$$);
SELECT try($$SET aws_lambda.profile = ' prod'$$);
SELECT try($$SET aws_lambda.profile = 'a  b'$$);
SELECT try($$SET aws_lambda.profile = 'pröd'$$);
SELECT try(format('SET aws_lambda.profile = %L', repeat('p', 200)));
-- Good values: accepted, and RESET works.
SET aws_lambda.profile = 'prod-eu_1.admin@corp';
SHOW aws_lambda.profile;
RESET aws_lambda.profile;
SET aws_lambda.region = 'eu-west-1';
SHOW aws_lambda.region;
SET aws_lambda.region = '';
SET aws_lambda.endpoint_override = 'https://lambda.eu-west-1.amazonaws.com';
SET aws_lambda.endpoint_override = 'http://[::1]:9001/base/path';
SET aws_lambda.endpoint_override = 'https://xn--bcher-kva.example';
RESET aws_lambda.endpoint_override;
SET aws_lambda.allowed_functions = 'a, b:*, orders-*, c:prod, arn:aws:lambda:us-east-1:123456789012:function:d';
SHOW aws_lambda.allowed_functions;
RESET aws_lambda.allowed_functions;
RESET aws_lambda.region;

-- Stored settings: each statement fails, nothing is stored.
CREATE ROLE regress_settings_role LOGIN;
SELECT try($$ALTER ROLE regress_settings_role SET aws_lambda.allowed_functions = 'bad name!'$$);
SELECT try($$ALTER ROLE regress_settings_role IN DATABASE aws_lambda_regress SET aws_lambda.region = 'x/y'$$);
SELECT try($$ALTER DATABASE aws_lambda_regress SET aws_lambda.endpoint_override = 'http://a@127.0.0.1:9'$$);
SELECT try($$ALTER ROLE ALL SET aws_lambda.region = 'us-east-1#'$$);
SELECT try($$ALTER ROLE regress_settings_role SET aws_lambda.profile = 'a]'$$);
SELECT count(*) AS stored_settings FROM pg_db_role_setting
 WHERE array_to_string(setconfig, ',') LIKE '%aws_lambda.%';
-- ALTER SYSTEM cannot run inside a function: run directly. Nothing is
-- reset afterwards (installcheck runs on the operator's server, whose
-- postgresql.auto.conf may hold real values): the file must be unchanged.
CREATE TEMP TABLE auto_conf_before AS
  SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf';
ALTER SYSTEM SET aws_lambda.region = 'a@evil';
ALTER SYSTEM SET aws_lambda.endpoint_override = 'gopher://127.0.0.1:9';
ALTER SYSTEM SET aws_lambda.allowed_functions = 'x y';
ALTER SYSTEM SET aws_lambda.profile = E'p\tq';
-- aws_lambda.database_name (postmaster-only: set in postgresql.conf or by
-- ALTER SYSTEM) must name a database.
ALTER SYSTEM SET aws_lambda.database_name = '';
SELECT format('ALTER SYSTEM SET aws_lambda.database_name = %L', repeat('d', 64)) \gexec
SELECT NOT EXISTS (
  (SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'
   EXCEPT ALL SELECT * FROM auto_conf_before)
  UNION ALL
  (SELECT * FROM auto_conf_before
   EXCEPT ALL SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf')
) AS auto_conf_unchanged;
-- Good stored values are accepted.
ALTER ROLE regress_settings_role SET aws_lambda.allowed_functions = 'lambdaTest, orders-*';
ALTER ROLE regress_settings_role IN DATABASE aws_lambda_regress SET aws_lambda.allowed_functions = 'lambdaTest';
SELECT count(*) AS stored_settings FROM pg_db_role_setting WHERE setrole = 'regress_settings_role'::regrole;

-- Secrets: the endpoint and the credential settings (profile) and region
-- are superuser-only; a non-superuser can read them by no route.
\c - regress_settings_role
SHOW aws_lambda.allowed_functions;
SELECT try($$SHOW aws_lambda.endpoint_override$$);
SELECT try($$SHOW aws_lambda.profile$$);
SELECT try($$SHOW aws_lambda.region$$);
SELECT try($$SELECT current_setting('aws_lambda.endpoint_override')$$);
SELECT try($$SELECT current_setting('aws_lambda.profile', true)$$);
SELECT try($$SELECT current_setting('aws_lambda.region')$$);
SELECT try($$SHOW ALL$$);
SELECT count(*) AS visible_secret_rows FROM pg_settings
 WHERE name IN ('aws_lambda.endpoint_override', 'aws_lambda.profile', 'aws_lambda.region');
SELECT count(*) AS visible_secret_rows FROM pg_show_all_settings() s
 WHERE s.name IN ('aws_lambda.endpoint_override', 'aws_lambda.profile', 'aws_lambda.region');
SELECT try($$SELECT * FROM pg_file_settings$$);
SELECT try($$SELECT set_config('aws_lambda.endpoint_override', 'http://127.0.0.1:9', false)$$);
-- But pg_db_role_setting is readable by every role: that is why
-- docs/postgres.md says to keep the endpoint and profile in
-- postgresql.conf rather than in ALTER ROLE / ALTER DATABASE.
SELECT count(*) > 0 AS role_settings_readable FROM pg_db_role_setting;
\c - postgres
DROP ROLE regress_settings_role;
