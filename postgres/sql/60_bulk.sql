-- 60_bulk.sql — bulk invocation from one statement (docs/postgres.md,
-- "Bulk invocation"): invoke_many (one call per payload, many in flight)
-- and invoke_batch (Amazon Redshift's Lambda UDF protocol, rows in batches).

CREATE FUNCTION invoke_many(
    function_name text,
    payloads jsonb[],
    concurrency int DEFAULT 16,
    invocation_type text DEFAULT 'RequestResponse',
    qualifier text DEFAULT NULL,
    region text DEFAULT NULL)
RETURNS TABLE(ordinal int, status_code int, payload jsonb, function_error text, error text)
LANGUAGE c VOLATILE PARALLEL UNSAFE CALLED ON NULL INPUT ROWS 1000
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_many';

COMMENT ON FUNCTION invoke_many(text, jsonb[], int, text, text, text) IS
'One Lambda call per payload, up to concurrency in flight; one row per payload (failures in the row)';

CREATE FUNCTION invoke_batch(
    function_name text,
    arguments jsonb[],
    max_batch_rows int DEFAULT 1000,
    max_batch_size int DEFAULT 5242880,
    concurrency int DEFAULT 4,
    qualifier text DEFAULT NULL,
    region text DEFAULT NULL)
RETURNS TABLE(ordinal int, result jsonb)
LANGUAGE c VOLATILE PARALLEL UNSAFE CALLED ON NULL INPUT ROWS 1000
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_batch';

COMMENT ON FUNCTION invoke_batch(text, jsonb[], int, int, int, text, text) IS
'Calls a Lambda written for Amazon Redshift''s Lambda UDFs: rows (each a JSON array of arguments) in batches; one result per row';

REVOKE ALL ON FUNCTION invoke_many(text, jsonb[], int, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION invoke_batch(text, jsonb[], int, int, int, text, text) FROM PUBLIC;
