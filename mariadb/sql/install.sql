-- mariadb/sql/install.sql — registers aws_lambda_udf.so (copied into the
-- server's plugin_dir by `make -C mariadb install`): the aws_lambda plugin
-- (system variables aws_lambda_*, and SQL errors from the UDFs at row time)
-- and the four UDFs. Run as a user with INSERT on mysql.* (e.g. root).
-- Idempotent. Note: any user can call a UDF once it exists (MariaDB has no
-- EXECUTE privilege on UDFs): set aws_lambda_allowed_functions, and see
-- docs/mariadb.md for per-user wrappers.
INSTALL PLUGIN IF NOT EXISTS aws_lambda SONAME 'aws_lambda_udf.so';
CREATE FUNCTION IF NOT EXISTS awslambda_fn RETURNS STRING SONAME 'aws_lambda_udf.so';
CREATE FUNCTION IF NOT EXISTS awslambda_fn_async RETURNS STRING SONAME 'aws_lambda_udf.so';
CREATE FUNCTION IF NOT EXISTS lambda_sync RETURNS STRING SONAME 'aws_lambda_udf.so';
CREATE FUNCTION IF NOT EXISTS lambda_async RETURNS STRING SONAME 'aws_lambda_udf.so';
