-- aws_commons.sql (installed as aws_commons--<VERSION>.sql) — the helper
-- type and constructor Amazon RDS's aws_lambda extension takes function
-- names in. No calls.
\echo Use "CREATE EXTENSION aws_commons" to load this file. \quit

CREATE TYPE aws_commons._lambda_function_arn_1 AS (
    function_name text,
    region text
);

-- Validates both parts when called (they are stored for later calls): a
-- bad function name or region is 22023 at once (the C function lives in
-- aws_lambda's library, src/commons_arn.c).
CREATE FUNCTION aws_commons.create_lambda_function_arn(
    function_name text,
    region text DEFAULT NULL)
RETURNS aws_commons._lambda_function_arn_1
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS '$libdir/aws_lambda', 'aws_commons_create_lambda_function_arn';

-- Nothing is executable by PUBLIC after install: grant it (docs/postgres.md).
REVOKE ALL ON FUNCTION aws_commons.create_lambda_function_arn(text, text) FROM PUBLIC;
