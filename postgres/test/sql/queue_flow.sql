-- queue_flow: flow control's SQL surface (behaviour: t_flow.sh): the
-- settings, pause/resume/set_concurrency/redeliver signatures and their
-- refusals (NULL, bad function name, n out of range), the flow table, the
-- queue_status columns, redeliver moving dead letters back, and nothing
-- usable by PUBLIC.
SET search_path = "$user", public, aws_lambda;
SELECT name, setting, unit, context FROM pg_settings
 WHERE name LIKE 'aws_lambda.breaker%' ORDER BY 1;
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS returns
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'aws_lambda'
   AND p.proname IN ('pause', 'resume', 'set_concurrency', 'redeliver', 'worker_flow', 'worker_wake')
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- Refusals, each naming the argument.
SELECT try($$SELECT aws_lambda.pause(NULL)$$);
SELECT try($$SELECT aws_lambda.pause('bad name!')$$);
SELECT try($$SELECT aws_lambda.resume(NULL)$$);
SELECT try($$SELECT aws_lambda.resume(repeat('f', 65))$$);
SELECT try($$SELECT aws_lambda.set_concurrency(NULL, 1)$$);
SELECT try($$SELECT aws_lambda.set_concurrency('bad name!', 1)$$);
SELECT try($$SELECT aws_lambda.set_concurrency('f', 0)$$);
SELECT try($$SELECT aws_lambda.set_concurrency('f', 1001)$$);
SELECT try($$SELECT aws_lambda.redeliver(NULL::bigint[])$$);
SELECT try($$SELECT aws_lambda.redeliver(function_name => 'bad name!')$$);
-- A text literal goes to the filter form: its name check refuses '{1,2}'.
SELECT try($$SELECT aws_lambda.redeliver('{1,2}')$$);

-- pause / resume / set_concurrency keep one row per function.
SELECT aws_lambda.pause('f');
SELECT aws_lambda.pause('f');
SELECT aws_lambda.set_concurrency('f', 4);
SELECT aws_lambda.set_concurrency('g', 1000);
SELECT function_name, paused, paused_at IS NOT NULL AS has_paused_at, max_concurrency
  FROM aws_lambda.flow ORDER BY 1;
-- The delivery worker, woken by each change, publishes each function's
-- limit once it has read them (waited for here, up to 10 s).
DO $$ BEGIN
  FOR i IN 1..500 LOOP
    EXIT WHEN (SELECT count(*) FROM aws_lambda.worker_flow()
                WHERE function_name IN ('f', 'g') AND concurrency_limit IS NOT NULL) = 2;
    PERFORM pg_sleep(0.02);
  END LOOP;
END $$;
SELECT function_name, depth, paused, breaker, breaker_since, failures, last_error,
       max_concurrency, concurrency_limit, calls
  FROM aws_lambda.queue_status ORDER BY 1;
SELECT aws_lambda.resume('f');
SELECT aws_lambda.set_concurrency('g', NULL);
SELECT function_name, paused, max_concurrency FROM aws_lambda.flow ORDER BY 1;
SELECT aws_lambda.set_concurrency('f', NULL);
SELECT count(*) AS flow_rows FROM aws_lambda.flow;
-- ... and forgets them once they are back to normal (up to 10 s).
DO $$ BEGIN
  FOR i IN 1..500 LOOP
    EXIT WHEN NOT EXISTS (SELECT FROM aws_lambda.worker_flow());
    PERFORM pg_sleep(0.02);
  END LOOP;
END $$;
SELECT * FROM aws_lambda.worker_flow();

-- redeliver moves dead letters back (id, payload and enqueued_at kept,
-- attempts 0); their functions are paused, so the worker leaves them queued.
SELECT aws_lambda.pause('a'), aws_lambda.pause('b'), aws_lambda.pause('c');
INSERT INTO aws_lambda.dead_letter (id, function_name, invocation_type, payload, enqueued_at,
                                    attempts, last_error, failed_at)
VALUES (901, 'a', 'Event', '{"n": 1}', '2026-01-01', 3, 'boom', now() - interval '2 hours'),
       (902, 'a', 'Event', '{"n": 2}', '2026-01-01', 1, 'boom', now()),
       (903, 'b', 'RequestResponse', '{"n": 3}', '2026-01-01', 1, 'boom', now()),
       (904, 'c', 'Event', '{"n": 4}', '2026-01-01', 1, 'boom', now());
SELECT aws_lambda.redeliver(ARRAY[903, 999]);
SELECT aws_lambda.redeliver(ARRAY[]::bigint[]);
SELECT aws_lambda.redeliver(function_name => 'a', failed_since => now() - interval '1 hour');
SELECT aws_lambda.redeliver(function_name => 'nobody');
SELECT id, function_name, invocation_type, payload, enqueued_at, attempts, last_error
  FROM aws_lambda.queue ORDER BY id;
SELECT aws_lambda.redeliver();
SELECT id FROM aws_lambda.queue ORDER BY id;
SELECT count(*) AS dead_left FROM aws_lambda.dead_letter;
DELETE FROM aws_lambda.queue;
DELETE FROM aws_lambda.flow;

-- Nothing usable by PUBLIC.
CREATE ROLE regress_flow_user LOGIN;
GRANT USAGE ON SCHEMA aws_lambda TO regress_flow_user;
\c - regress_flow_user
SELECT try($$SELECT aws_lambda.pause('f')$$);
SELECT try($$SELECT aws_lambda.resume('f')$$);
SELECT try($$SELECT aws_lambda.set_concurrency('f', 1)$$);
SELECT try($$SELECT aws_lambda.redeliver(ARRAY[1]::bigint[])$$);
SELECT try($$SELECT aws_lambda.redeliver()$$);
SELECT try($$SELECT aws_lambda.worker_wake()$$);
SELECT try($$SELECT * FROM aws_lambda.worker_flow()$$);
SELECT try($$SELECT * FROM aws_lambda.flow$$);
\c - postgres
DROP OWNED BY regress_flow_user;
DROP ROLE regress_flow_user;
