-- 55_flow.sql — flow control of transactional delivery (docs/postgres.md,
-- "Flow control"): pausing a function's deliveries by hand, a per-function
-- cap on calls in flight, moving dead letters back to the queue, and the
-- queue_status view, which shows them with the worker's circuit breaker and
-- throttling state (aws_lambda.worker_flow(), from shared memory). The
-- 1.0--1.1.0 update runs this same text. Nothing here is usable by PUBLIC.

CREATE TABLE flow (
    function_name text PRIMARY KEY,
    paused boolean NOT NULL DEFAULT false,
    paused_at timestamptz,
    max_concurrency int CHECK (max_concurrency BETWEEN 1 AND 1000)
);
COMMENT ON TABLE flow IS
'Per function (name as enqueued): paused by aws_lambda.pause, calls in flight capped by aws_lambda.set_concurrency';
SELECT pg_catalog.pg_extension_config_dump('flow', '');

-- Sets the delivery worker's latch when the calling transaction commits
-- (a resumed function, redelivered entries: the worker claims at once).
CREATE FUNCTION worker_wake() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'aws_lambda_worker_wake';

CREATE FUNCTION worker_flow(
    OUT function_name text, OUT breaker text, OUT breaker_since timestamptz,
    OUT failures int, OUT last_error text, OUT concurrency_limit int, OUT calls int)
RETURNS SETOF record
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_worker_flow';

CREATE FUNCTION redeliver(ids bigint[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
DECLARE
  n bigint;
BEGIN
  IF ids IS NULL THEN
    RAISE EXCEPTION 'aws_lambda.redeliver: ids must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  WITH d AS (DELETE FROM aws_lambda.dead_letter d WHERE d.id = ANY (ids) RETURNING d.*)
  INSERT INTO aws_lambda.queue (id, function_name, qualifier, region, invocation_type, payload,
                                enqueued_at, order_key, on_result, on_result_role)
  SELECT d.id, d.function_name, d.qualifier, d.region, d.invocation_type, d.payload, d.enqueued_at,
         d.order_key, d.on_result, d.on_result_role
    FROM d;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN PERFORM aws_lambda.worker_wake(); END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION redeliver(bigint[]) IS
'Moves these dead letters back to the queue (same id, order_key and on_result, attempts 0); returns how many moved';

CREATE FUNCTION redeliver(function_name text DEFAULT NULL, failed_since timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
DECLARE
  n bigint;
BEGIN
  IF function_name IS NOT NULL THEN
    PERFORM aws_lambda.function_name_check(function_name);
  END IF;
  WITH d AS (
    DELETE FROM aws_lambda.dead_letter d
     WHERE (redeliver.function_name IS NULL OR d.function_name = redeliver.function_name)
       AND (failed_since IS NULL OR d.failed_at >= failed_since)
    RETURNING d.*)
  INSERT INTO aws_lambda.queue (id, function_name, qualifier, region, invocation_type, payload,
                                enqueued_at, order_key, on_result, on_result_role)
  SELECT d.id, d.function_name, d.qualifier, d.region, d.invocation_type, d.payload, d.enqueued_at,
         d.order_key, d.on_result, d.on_result_role
    FROM d;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN PERFORM aws_lambda.worker_wake(); END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION redeliver(text, timestamptz) IS
'Moves the dead letters of function_name (NULL: every function) that failed at or after failed_since (NULL: any time) back to the queue; returns how many moved';

CREATE FUNCTION pause(function_name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
BEGIN
  IF function_name IS NULL THEN
    RAISE EXCEPTION 'aws_lambda.pause: function_name must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM aws_lambda.function_name_check(function_name);
  INSERT INTO aws_lambda.flow AS f (function_name, paused, paused_at)
  VALUES (function_name, true, now())
  ON CONFLICT ON CONSTRAINT flow_pkey DO UPDATE
    SET paused = true, paused_at = coalesce(f.paused_at, EXCLUDED.paused_at);
  PERFORM aws_lambda.worker_wake();
END $$;
COMMENT ON FUNCTION pause(text) IS
'Stops the delivery worker from sending this function''s queue entries (they wait in the queue) until aws_lambda.resume';

CREATE FUNCTION resume(function_name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
BEGIN
  IF function_name IS NULL THEN
    RAISE EXCEPTION 'aws_lambda.resume: function_name must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM aws_lambda.function_name_check(function_name);
  UPDATE aws_lambda.flow f SET paused = false, paused_at = NULL
   WHERE f.function_name = resume.function_name;
  DELETE FROM aws_lambda.flow f
   WHERE f.function_name = resume.function_name AND NOT f.paused AND f.max_concurrency IS NULL;
  PERFORM aws_lambda.worker_wake();
END $$;
COMMENT ON FUNCTION resume(text) IS 'Lets the delivery worker send this function''s queue entries again';

CREATE FUNCTION set_concurrency(function_name text, n int) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, aws_lambda
AS $$
BEGIN
  IF function_name IS NULL THEN
    RAISE EXCEPTION 'aws_lambda.set_concurrency: function_name must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM aws_lambda.function_name_check(function_name);
  IF n IS NOT NULL AND (n < 1 OR n > 1000) THEN
    RAISE EXCEPTION 'aws_lambda.set_concurrency: n must be between 1 and 1000, or NULL for no cap (got %)', n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO aws_lambda.flow AS f (function_name, max_concurrency) VALUES (function_name, n)
  ON CONFLICT ON CONSTRAINT flow_pkey DO UPDATE SET max_concurrency = EXCLUDED.max_concurrency;
  DELETE FROM aws_lambda.flow f
   WHERE f.function_name = set_concurrency.function_name AND NOT f.paused
     AND f.max_concurrency IS NULL;
  PERFORM aws_lambda.worker_wake();
END $$;
COMMENT ON FUNCTION set_concurrency(text, int) IS
'Caps the delivery worker''s calls in flight to this function at n (1..1000; NULL: aws_lambda.worker_concurrency)';

CREATE OR REPLACE VIEW queue_status AS
WITH q AS (
    SELECT function_name, count(*) AS depth, min(enqueued_at) AS oldest
      FROM aws_lambda.queue GROUP BY function_name),
f AS (SELECT * FROM aws_lambda.worker_in_flight()),
b AS (SELECT * FROM aws_lambda.worker_flow()),
n AS (
    SELECT function_name FROM q
    UNION SELECT function_name FROM f
    UNION SELECT function_name FROM aws_lambda.delivery_counts
    UNION SELECT function_name FROM aws_lambda.flow
    UNION SELECT function_name FROM b)
SELECT n.function_name,
       coalesce(q.depth, 0) AS depth,
       now() - q.oldest AS oldest_age,
       coalesce(f.in_flight, 0) AS in_flight,
       coalesce(d.delivered, 0) AS delivered,
       coalesce(d.failed, 0) AS failed,
       coalesce(c.paused, false) AS paused,
       coalesce(b.breaker, 'closed') AS breaker,
       b.breaker_since,
       coalesce(b.failures, 0) AS failures,
       b.last_error,
       c.max_concurrency,
       b.concurrency_limit,
       coalesce(b.calls, 0) AS calls
  FROM n
  LEFT JOIN q ON q.function_name = n.function_name
  LEFT JOIN f ON f.function_name = n.function_name
  LEFT JOIN aws_lambda.delivery_counts d ON d.function_name = n.function_name
  LEFT JOIN aws_lambda.flow c ON c.function_name = n.function_name
  LEFT JOIN b ON b.function_name = n.function_name;
COMMENT ON VIEW queue_status IS
'Per function: entries queued (depth), age of the oldest, entries the worker holds (in_flight), delivered and failed (dead-lettered) counts, paused, circuit breaker (closed/open/half-open, since, consecutive failures, last error), concurrency cap and current limit, calls in flight';

REVOKE ALL ON FUNCTION worker_wake() FROM PUBLIC;
REVOKE ALL ON FUNCTION worker_flow() FROM PUBLIC;
REVOKE ALL ON FUNCTION redeliver(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION redeliver(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION pause(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION resume(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION set_concurrency(text, int) FROM PUBLIC;
REVOKE ALL ON flow, queue_status FROM PUBLIC;
