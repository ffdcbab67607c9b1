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
    last_error text,
    order_key text,
    on_result text,
    on_result_role text
);
COMMENT ON TABLE queue IS 'Lambda calls waiting for delivery (committed rows only are delivered)';
-- (1.1.0) Ordered delivery: entries of one function with the same order_key
-- are delivered one at a time in commit order; the worker finds each key's
-- head (lowest id) through this index.
CREATE INDEX queue_order_key_idx ON queue (function_name, order_key, id)
    WHERE order_key IS NOT NULL;

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
    failed_at timestamptz NOT NULL DEFAULT now(),
    order_key text,
    on_result text,
    on_result_role text
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
-- (1.1.0) RequestResponse results are callers' data too: dumped and
-- restored with the queue. delivery_counts are statistics and start over.
SELECT pg_catalog.pg_extension_config_dump('results', '');

-- (1.1.0) Callbacks: an entry queued with on_result names a procedure the
-- worker calls, as on_result_role, after the entry succeeded or was
-- dead-lettered. The call waits here (written with the outcome, in the same
-- transaction); a successful call deletes its row in the call's own
-- transaction, a failed one stays with failed_at and callback_error.
CREATE TABLE callbacks (
    id bigserial PRIMARY KEY,
    queue_id bigint NOT NULL,
    function_name text NOT NULL,
    status text NOT NULL CHECK (status IN ('succeeded', 'dead_lettered')),
    payload jsonb,
    error text,
    procedure text NOT NULL,
    role text NOT NULL,
    attempts int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    failed_at timestamptz,
    callback_error text
);
COMMENT ON TABLE callbacks IS 'on_result calls waiting (failed_at NULL) or failed (failed_at, callback_error)';
-- the waiting calls, oldest first, however many failed ones are kept
CREATE INDEX callbacks_waiting_idx ON callbacks (id) WHERE failed_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('callbacks', '');
SELECT pg_catalog.pg_extension_config_dump('callbacks_id_seq', '');

CREATE FUNCTION enqueue(
    function_name text,
    payload jsonb,
    invocation_type text DEFAULT 'Event',
    qualifier text DEFAULT NULL,
    region text DEFAULT NULL,
    order_key text DEFAULT NULL,
    on_result text DEFAULT NULL)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_enqueue';
COMMENT ON FUNCTION enqueue(text, jsonb, text, text, text, text, text) IS
'Queues a Lambda call in this transaction; delivered after commit, never if rolled back; entries of a function with the same order_key are delivered one at a time in commit order; on_result names a procedure called with the outcome';

CREATE FUNCTION trigger_invoke() RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_trigger_invoke';
COMMENT ON FUNCTION trigger_invoke() IS
'AFTER ... FOR EACH ROW trigger: trigger_invoke(function_name [, ''new''] [, ''order_key=column''] [, ''on_result=schema.procedure'']) queues the row change';

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

-- The view aws_lambda.queue_status is defined in 55_flow.sql (it shows flow
-- control's state too).

REVOKE ALL ON FUNCTION enqueue(text, jsonb, text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION trigger_invoke() FROM PUBLIC;
REVOKE ALL ON FUNCTION function_name_check(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION set_batching(text, int, int, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION worker_in_flight() FROM PUBLIC;
REVOKE ALL ON queue, dead_letter, results, batching, delivery_counts, callbacks FROM PUBLIC;
REVOKE ALL ON SEQUENCE queue_id_seq, callbacks_id_seq FROM PUBLIC;
