-- aws_lambda--1.0.sql is generated: postgres/sql/*.sql concatenated in
-- sorted order. 10_schema.sql: guard and comments; the schema aws_lambda is
-- created by CREATE EXTENSION (control file: schema = aws_lambda).
\echo Use "CREATE EXTENSION aws_lambda CASCADE" to load this file. \quit

COMMENT ON SCHEMA aws_lambda IS 'Invoke AWS Lambda functions from SQL (see docs/postgres.md)';
-- 20_seed.sql — the walkthrough's functions (aws_lambda schema; put it on
-- the search_path so the walkthrough's SQL runs unchanged).

-- Synchronous call (RequestResponse): the function's JSON, as text.
CREATE FUNCTION awslambda_fn(fn_name text, fn_args text)
RETURNS text
LANGUAGE c STRICT VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awslambda_fn';

-- Asynchronous call (Event): returns '{"StatusCode": 202}' once Lambda has
-- queued the event.
CREATE FUNCTION awslambda_fn_async(fn_name text, fn_args text)
RETURNS text
LANGUAGE c STRICT VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awslambda_fn_async';

REVOKE ALL ON FUNCTION awslambda_fn(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awslambda_fn_async(text, text) FROM PUBLIC;
-- 30_rds.sql — aws_lambda.invoke, Amazon RDS/Aurora PostgreSQL's four
-- overloads (function name as text or aws_commons._lambda_function_arn_1;
-- payload json or jsonb), same defaults, same OUT parameters.

CREATE FUNCTION invoke(
    IN function_name text,
    IN payload json,
    IN region text DEFAULT NULL,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context json DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload json,
    OUT executed_version text,
    OUT log_result text)
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_name';

CREATE FUNCTION invoke(
    IN function_name aws_commons._lambda_function_arn_1,
    IN payload json,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context json DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload json,
    OUT executed_version text,
    OUT log_result text)
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_arn';

CREATE FUNCTION invoke(
    IN function_name text,
    IN payload jsonb,
    IN region text DEFAULT NULL,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context jsonb DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload jsonb,
    OUT executed_version text,
    OUT log_result text)
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_name';

CREATE FUNCTION invoke(
    IN function_name aws_commons._lambda_function_arn_1,
    IN payload jsonb,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context jsonb DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload jsonb,
    OUT executed_version text,
    OUT log_result text)
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_invoke_arn';

REVOKE ALL ON FUNCTION invoke(text, json, text, text, text, json, varchar) FROM PUBLIC;
REVOKE ALL ON FUNCTION invoke(aws_commons._lambda_function_arn_1, json, text, text, json, varchar) FROM PUBLIC;
REVOKE ALL ON FUNCTION invoke(text, jsonb, text, text, text, jsonb, varchar) FROM PUBLIC;
REVOKE ALL ON FUNCTION invoke(aws_commons._lambda_function_arn_1, jsonb, text, text, jsonb, varchar) FROM PUBLIC;
-- 40_stats.sql — per-function statistics: shared by all backends when
-- aws_lambda is in shared_preload_libraries, else per backend
-- (stats_shared() says which).

CREATE FUNCTION stats(
    OUT function_name text,
    OUT calls bigint,
    OUT errors bigint,
    OUT function_errors bigint,
    OUT service_errors bigint,
    OUT transport_errors bigint,
    OUT retries bigint,
    OUT throttles bigint,
    OUT total_ms double precision,
    OUT mean_ms double precision,
    OUT max_ms double precision)
RETURNS SETOF record
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_stats';

CREATE VIEW stats AS SELECT * FROM stats();

CREATE FUNCTION stats_reset() RETURNS void
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_stats_reset';

CREATE FUNCTION stats_shared() RETURNS boolean
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'aws_lambda_stats_shared';

REVOKE ALL ON FUNCTION stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION stats_reset() FROM PUBLIC;
REVOKE ALL ON FUNCTION stats_shared() FROM PUBLIC;
REVOKE ALL ON stats FROM PUBLIC;
-- 50_queue.sql — transactional delivery (docs/postgres.md, "Transactional
-- delivery"): a WAL-logged queue filled inside the caller's transaction
-- (enqueue, trigger_invoke), delivered after commit by the background
-- worker (library in shared_preload_libraries), with retries, a dead-letter
-- table, RequestResponse results, per-function micro-batching and a status
-- view. Nothing here is usable by PUBLIC.

CREATE TABLE queue (
    id bigserial PRIMARY KEY,
    function_name text NOT NULL,
    qualifier text,
    region text,
    invocation_type text NOT NULL DEFAULT 'Event'
        CHECK (invocation_type IN ('Event', 'RequestResponse')),
    payload jsonb NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text
);
COMMENT ON TABLE queue IS 'Lambda calls waiting for delivery (committed rows only are delivered)';

CREATE TABLE dead_letter (
    id bigint PRIMARY KEY,
    function_name text NOT NULL,
    qualifier text,
    region text,
    invocation_type text NOT NULL,
    payload jsonb NOT NULL,
    enqueued_at timestamptz NOT NULL,
    attempts int NOT NULL,
    last_error text,
    failed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE dead_letter IS 'Queue entries given up on, with their last error';

CREATE TABLE results (
    id bigint PRIMARY KEY,
    function_name text NOT NULL,
    status_code int,
    payload jsonb,
    function_error text,
    completed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE results IS 'Responses of RequestResponse queue entries, kept for aws_lambda.result_ttl';

CREATE TABLE batching (
    function_name text PRIMARY KEY,
    max_records int NOT NULL,
    max_bytes int NOT NULL,
    linger_ms int NOT NULL
);
COMMENT ON TABLE batching IS 'Per-function micro-batching of queue entries ({"records":[...]}); see set_batching';

CREATE TABLE delivery_counts (
    function_name text PRIMARY KEY,
    delivered bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE delivery_counts IS 'Queue entries delivered / moved to dead_letter, per function';

SELECT pg_catalog.pg_extension_config_dump('queue', '');
SELECT pg_catalog.pg_extension_config_dump('queue_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dead_letter', '');
SELECT pg_catalog.pg_extension_config_dump('batching', '');

CREATE FUNCTION enqueue(
    function_name text,
    payload jsonb,
    invocation_type text DEFAULT 'Event',
    qualifier text DEFAULT NULL,
    region text DEFAULT NULL)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_enqueue';
COMMENT ON FUNCTION enqueue(text, jsonb, text, text, text) IS
'Queues a Lambda call in this transaction; delivered after commit, never if rolled back';

CREATE FUNCTION trigger_invoke() RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_trigger_invoke';
COMMENT ON FUNCTION trigger_invoke() IS
'AFTER ... FOR EACH ROW trigger: trigger_invoke(function_name [, ''new'']) queues the row change';

CREATE FUNCTION function_name_check(function_name text) RETURNS void
LANGUAGE c STRICT STABLE
AS 'MODULE_PATHNAME', 'aws_lambda_function_name_check';

CREATE FUNCTION set_batching(
    function_name text,
    max_records int,
    max_bytes int DEFAULT 262144,
    linger_ms int DEFAULT 10)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
BEGIN
  IF function_name IS NULL OR max_records IS NULL OR max_bytes IS NULL OR linger_ms IS NULL THEN
    RAISE EXCEPTION 'aws_lambda.set_batching: arguments must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM aws_lambda.function_name_check(function_name);
  IF max_records < 1 OR max_records > 10000 THEN
    RAISE EXCEPTION 'aws_lambda.set_batching: max_records must be between 1 and 10000 (got %)', max_records
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_bytes < 64 OR max_bytes > 6291456 THEN
    RAISE EXCEPTION 'aws_lambda.set_batching: max_bytes must be between 64 and 6291456 (got %)', max_bytes
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF linger_ms < 0 OR linger_ms > 60000 THEN
    RAISE EXCEPTION 'aws_lambda.set_batching: linger_ms must be between 0 and 60000 (got %)', linger_ms
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_records = 1 THEN
    DELETE FROM aws_lambda.batching b WHERE b.function_name = set_batching.function_name;
  ELSE
    INSERT INTO aws_lambda.batching AS b VALUES (function_name, max_records, max_bytes, linger_ms)
    ON CONFLICT ON CONSTRAINT batching_pkey DO UPDATE
      SET max_records = EXCLUDED.max_records, max_bytes = EXCLUDED.max_bytes,
          linger_ms = EXCLUDED.linger_ms;
  END IF;
END $$;
COMMENT ON FUNCTION set_batching(text, int, int, int) IS
'Sends a function''s queue entries in batches {"records":[...]} of up to max_records / max_bytes, waiting up to linger_ms (max_records 1: no batching)';

CREATE FUNCTION worker_in_flight(OUT function_name text, OUT in_flight int)
RETURNS SETOF record
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_worker_in_flight';

CREATE VIEW queue_status AS
WITH q AS (
    SELECT function_name, count(*) AS depth, min(enqueued_at) AS oldest
      FROM aws_lambda.queue GROUP BY function_name),
f AS (SELECT * FROM aws_lambda.worker_in_flight()),
n AS (
    SELECT function_name FROM q
    UNION SELECT function_name FROM f
    UNION SELECT function_name FROM aws_lambda.delivery_counts)
SELECT n.function_name,
       coalesce(q.depth, 0) AS depth,
       now() - q.oldest AS oldest_age,
       coalesce(f.in_flight, 0) AS in_flight,
       coalesce(d.delivered, 0) AS delivered,
       coalesce(d.failed, 0) AS failed
  FROM n
  LEFT JOIN q ON q.function_name = n.function_name
  LEFT JOIN f ON f.function_name = n.function_name
  LEFT JOIN aws_lambda.delivery_counts d ON d.function_name = n.function_name;
COMMENT ON VIEW queue_status IS
'Per function: entries queued (depth), age of the oldest, entries the worker holds (in_flight), delivered and failed (dead-lettered) counts';

REVOKE ALL ON FUNCTION enqueue(text, jsonb, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION trigger_invoke() FROM PUBLIC;
REVOKE ALL ON FUNCTION function_name_check(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION set_batching(text, int, int, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION worker_in_flight() FROM PUBLIC;
REVOKE ALL ON queue, dead_letter, results, batching, delivery_counts, queue_status FROM PUBLIC;
REVOKE ALL ON SEQUENCE queue_id_seq FROM PUBLIC;
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
