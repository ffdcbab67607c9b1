-- aws_commons--1.0.sql — the helper type and constructor Amazon RDS's
-- aws_lambda extension takes function names in. Pure SQL, no calls.
\echo Use "CREATE EXTENSION aws_commons" to load this file. \quit

CREATE TYPE aws_commons._lambda_function_arn_1 AS (
    function_name text,
    region text
);

CREATE FUNCTION aws_commons.create_lambda_function_arn(
    function_name text,
    region text DEFAULT NULL)
RETURNS aws_commons._lambda_function_arn_1
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ROW(function_name, region)::aws_commons._lambda_function_arn_1 $$;

-- Nothing is executable by PUBLIC after install: grant it (docs/postgres.md).
REVOKE ALL ON FUNCTION aws_commons.create_lambda_function_arn(text, text) FROM PUBLIC;
