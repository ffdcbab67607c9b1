-- mariadb/sql/uninstall.sql — removes what install.sql registered.
-- Statements already running keep the library loaded until they end.
DROP FUNCTION IF EXISTS awslambda_fn;
DROP FUNCTION IF EXISTS awslambda_fn_async;
DROP FUNCTION IF EXISTS lambda_sync;
DROP FUNCTION IF EXISTS lambda_async;
UNINSTALL PLUGIN IF EXISTS aws_lambda;
