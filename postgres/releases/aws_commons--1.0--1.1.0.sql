-- aws_commons--1.0--1.1.0.sql — ALTER EXTENSION aws_commons UPDATE from 1.0
-- (releases/aws_commons--1.0.sql) to 1.1.0. test/t_upgrade.sh checks the
-- result equals a fresh 1.1.0.
\echo Use "ALTER EXTENSION aws_commons UPDATE" to load this file. \quit

-- create_lambda_function_arn validates both parts when called (a bad
-- function name or region is 22023 at once): it was a plain SQL row
-- constructor, it is now C in aws_lambda's library (src/commons_arn.c).
-- Same signature, so its privileges (none for PUBLIC) are kept.
CREATE OR REPLACE FUNCTION aws_commons.create_lambda_function_arn(
    function_name text,
    region text DEFAULT NULL)
RETURNS aws_commons._lambda_function_arn_1
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS '$libdir/aws_lambda', 'aws_commons_create_lambda_function_arn';
