-- aws_lambda--1.0--1.1.0.sql — ALTER EXTENSION aws_lambda UPDATE from 1.0
-- (the first release, releases/aws_lambda--1.0.sql) to 1.1.0: what changed
-- in postgres/sql/ since. Rows are untouched; queue and dead_letter gain
-- columns (order_key, on_result, on_result_role: NULL in every existing row).
-- test/t_upgrade.sh checks the result equals a fresh 1.1.0.
\echo Use "ALTER EXTENSION aws_lambda UPDATE" to load this file. \quit

-- 1.1.0 adds ordered delivery (sql/50_queue.sql): order_key on queue and
-- dead_letter (last column, as a fresh install has it), the index that finds
-- each key's head, and enqueue's order_key argument. enqueue is replaced
-- (a new signature); the EXECUTE grants made on the 1.0 one are carried over
-- as ordinary grants (pg_init_privs keeps the extension's own, as in a fresh
-- install, so pg_dump still dumps the user's grants).
ALTER TABLE queue ADD COLUMN order_key text;
ALTER TABLE dead_letter ADD COLUMN order_key text;
-- and callbacks (sql/50_queue.sql): on_result / on_result_role, the
-- callbacks table, enqueue's on_result argument.
ALTER TABLE queue ADD COLUMN on_result text, ADD COLUMN on_result_role text;
ALTER TABLE dead_letter ADD COLUMN on_result text, ADD COLUMN on_result_role text;
CREATE INDEX queue_order_key_idx ON queue (function_name, order_key, id)
    WHERE order_key IS NOT NULL;
SELECT pg_catalog.set_config('sqlambda_upgrade.enqueue_acl',
       coalesce((SELECT proacl::text FROM pg_catalog.pg_proc
                  WHERE oid = 'aws_lambda.enqueue(text, jsonb, text, text, text)'::regprocedure), ''),
       true);
DROP FUNCTION enqueue(text, jsonb, text, text, text);
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
REVOKE ALL ON FUNCTION enqueue(text, jsonb, text, text, text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION trigger_invoke() IS
'AFTER ... FOR EACH ROW trigger: trigger_invoke(function_name [, ''new''] [, ''order_key=column''] [, ''on_result=schema.procedure'']) queues the row change';

-- RequestResponse results are dumped and restored with the queue (1.0
-- marked queue, queue_id_seq, dead_letter and batching only).
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
REVOKE ALL ON callbacks FROM PUBLIC;
REVOKE ALL ON SEQUENCE callbacks_id_seq FROM PUBLIC;

-- 1.1.0 adds the aws_lambda_invoker role (sql/70_roles.sql, as shipped).
-- 70_roles.sql — aws_lambda_invoker, a ready least-privilege role (as
-- Amazon RDS/Aurora ship theirs): NOLOGIN, created here if absent (roles are
-- cluster-wide: CREATE EXTENSION in a second database reuses it, DROP
-- EXTENSION leaves it; drop it yourself once no database has the
-- extension). It may call Lambda (subject to aws_lambda.allowed_functions)
-- and queue calls; it may not reset statistics, change batching, touch the
-- queue's tables or change settings. Grant it: GRANT aws_lambda_invoker TO app.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'aws_lambda_invoker') THEN
    CREATE ROLE aws_lambda_invoker NOLOGIN;
    COMMENT ON ROLE aws_lambda_invoker IS
      'May invoke Lambda through the aws_lambda extension (docs/postgres.md, "Security")';
  END IF;
END $roles$;

GRANT USAGE ON SCHEMA aws_lambda, aws_commons TO aws_lambda_invoker;
GRANT EXECUTE ON FUNCTION
    awslambda_fn(text, text),
    awslambda_fn_async(text, text),
    invoke(text, json, text, text, text, json, varchar),
    invoke(aws_commons._lambda_function_arn_1, json, text, text, json, varchar),
    invoke(text, jsonb, text, text, text, jsonb, varchar),
    invoke(aws_commons._lambda_function_arn_1, jsonb, text, text, jsonb, varchar),
    invoke_many(text, jsonb[], int, text, text, text),
    invoke_batch(text, jsonb[], int, int, int, text, text),
    enqueue(text, jsonb, text, text, text, text, text),
    trigger_invoke(),
    aws_commons.create_lambda_function_arn(text, text)
  TO aws_lambda_invoker;

-- 1.1.0 adds flow control (sql/55_flow.sql, as shipped): the flow table,
-- pause/resume/set_concurrency/redeliver, and queue_status with the
-- worker's breaker state (CREATE OR REPLACE VIEW keeps the 1.0 columns first).
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

-- The 1.0 enqueue's grants (other than the extension's own: its owner's;
-- PUBLIC had none), given again on the new enqueue. Grants made here would
-- count as the extension's initial privileges, so those are put back as a
-- fresh install records them.
DO $grants$
DECLARE
  acl text := pg_catalog.current_setting('sqlambda_upgrade.enqueue_acl', true);
  fn regprocedure := 'aws_lambda.enqueue(text, jsonb, text, text, text, text, text)'::regprocedure;
  init aclitem[];
  g record;
BEGIN
  IF coalesce(acl, '') = '' THEN RETURN; END IF;
  SELECT initprivs INTO init FROM pg_catalog.pg_init_privs
   WHERE objoid = fn AND classoid = 'pg_catalog.pg_proc'::regclass AND objsubid = 0;
  FOR g IN
    SELECT a.grantee, a.is_grantable
      FROM pg_catalog.aclexplode(acl::aclitem[]) a
      JOIN pg_catalog.pg_proc p ON p.oid = fn
     WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
       AND a.grantee <> 'aws_lambda_invoker'::regrole
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I%s', fn,
                              pg_catalog.pg_get_userbyid(g.grantee),
                              CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  UPDATE pg_catalog.pg_init_privs SET initprivs = init
   WHERE objoid = fn AND classoid = 'pg_catalog.pg_proc'::regclass AND objsubid = 0;
END $grants$;

-- 1.1: one delivery worker per database with the extension (the launcher);
-- this database gets its worker when the update commits.
SELECT aws_lambda.worker_wake();
