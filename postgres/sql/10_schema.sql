-- aws_lambda--<VERSION>.sql is generated: postgres/sql/*.sql concatenated
-- in sorted order (<VERSION>: the top-level file VERSION). 10_schema.sql:
-- guard and comments; the schema aws_lambda is created by CREATE EXTENSION
-- (control file: schema = aws_lambda).
\echo Use "CREATE EXTENSION aws_lambda CASCADE" to load this file. \quit

COMMENT ON SCHEMA aws_lambda IS 'Invoke AWS Lambda functions from SQL (see docs/postgres.md)';
