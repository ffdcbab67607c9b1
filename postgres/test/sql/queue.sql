-- queue: transactional delivery's SQL surface (delivery itself is tested
-- by t_queue*.sh; the valid calls here are rolled back, so nothing is
-- delivered): every bad argument is refused in the caller's transaction
-- with an error naming the problem, a valid one is queued in it,
-- set_batching's checks, the tables/view, and nothing usable by PUBLIC.
SET search_path = "$user", public, aws_lambda;
SHOW aws_lambda.max_workers;
SELECT name, setting, unit, context FROM pg_settings
 WHERE name IN ('aws_lambda.worker_concurrency', 'aws_lambda.max_delivery_attempts',
                'aws_lambda.retry_function_errors', 'aws_lambda.retry_base_ms',
                'aws_lambda.retry_max_ms', 'aws_lambda.batch_max_records',
                'aws_lambda.batch_max_bytes', 'aws_lambda.batch_linger_ms',
                'aws_lambda.result_ttl', 'aws_lambda.database_name',
                'aws_lambda.max_workers')
 ORDER BY 1;

-- enqueue: bad arguments.
SELECT try($$SELECT aws_lambda.enqueue('bad name!', '{}')$$);
SELECT try($$SELECT aws_lambda.enqueue(repeat('f', 65), '{}')$$);
SELECT try($$SELECT aws_lambda.enqueue('arn:aws:lambda:us-east-1:123456789012:function:f', '{}', 'Event', NULL, 'eu-west-1')$$);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', 'DryRun')$$);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', 'event')$$);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', 'Event', 'bad qualifier!')$$);
SELECT try($$SELECT aws_lambda.enqueue(NULL, '{}')$$);
SELECT try($$SELECT aws_lambda.enqueue('f', NULL)$$);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', NULL)$$);
-- The allowlist of the role the entry is queued for (here the current
-- user), as configured: a session's SET neither narrows nor widens it.
ALTER ROLE CURRENT_USER SET aws_lambda.allowed_functions = 'onlyThis';
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ALTER ROLE CURRENT_USER RESET aws_lambda.allowed_functions;
SET aws_lambda.allowed_functions = 'onlyThis';
BEGIN;
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ROLLBACK;
RESET aws_lambda.allowed_functions;
-- A valid call: queued in the caller's transaction, gone with its rollback.
BEGIN;
SELECT try($$SELECT aws_lambda.enqueue('f', '{"a": 1}')$$);
SELECT count(*) AS queued_in_transaction FROM aws_lambda.queue;
ROLLBACK;
SELECT count(*) AS queued FROM aws_lambda.queue;
-- The rows as written (queue_insert.c, without the executor): the table's
-- defaults, and in both indexes (amcheck: every row of the table is in
-- each index it belongs to). A read-only transaction refuses an enqueue as
-- it refuses an INSERT.
CREATE EXTENSION amcheck;
BEGIN;
SELECT aws_lambda.enqueue('f', '{"a": 1}') > 0 AS queued;
SELECT aws_lambda.enqueue('g', '{"b": [2]}', 'RequestResponse', 'live', 'us-east-1', order_key => 'k1') > 0 AS queued_keyed;
SELECT aws_lambda.enqueue('f', '{}', order_key => 'k1') > 0 AS queued_keyed;
SELECT function_name, qualifier, region, invocation_type, payload, attempts,
       enqueued_at = now() AS enqueued_now, next_attempt_at = now() AS due_now,
       last_error, order_key, on_result, on_result_role
  FROM aws_lambda.queue ORDER BY id;
SELECT bt_index_check('aws_lambda.queue_pkey', true) AS pkey_checked,
       bt_index_check('aws_lambda.queue_order_key_idx', true) AS order_key_idx_checked;
SELECT count(*) AS keyed_in_index FROM aws_lambda.queue WHERE order_key IS NOT NULL;
ROLLBACK;
DROP EXTENSION amcheck;
BEGIN READ ONLY;
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ROLLBACK;
-- What an INSERT would run and the queue's writes do not (a trigger, an
-- extra CHECK constraint, an added column) is refused, naming it.
CREATE FUNCTION noop_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
BEGIN;
CREATE TRIGGER audit AFTER INSERT ON aws_lambda.queue FOR EACH ROW EXECUTE FUNCTION noop_trigger();
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ROLLBACK;
BEGIN;
ALTER TABLE aws_lambda.queue ADD CHECK (attempts < 100);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ROLLBACK;
BEGIN;
ALTER TABLE aws_lambda.queue ADD COLUMN note text;
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
ROLLBACK;
DROP FUNCTION noop_trigger();
BEGIN;
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$) AS after_rollback;
ROLLBACK;

-- trigger_invoke: misuse.
CREATE TABLE qt (id int PRIMARY KEY, v text);
SELECT try($$SELECT aws_lambda.trigger_invoke()$$);
CREATE TRIGGER qt_before BEFORE INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f');
SELECT try($$INSERT INTO qt VALUES (1, 'a')$$);
DROP TRIGGER qt_before ON qt;
CREATE TRIGGER qt_stmt AFTER INSERT ON qt FOR EACH STATEMENT EXECUTE FUNCTION aws_lambda.trigger_invoke('f');
SELECT try($$INSERT INTO qt VALUES (1, 'a')$$);
DROP TRIGGER qt_stmt ON qt;
CREATE TRIGGER qt_noarg AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke();
SELECT try($$INSERT INTO qt VALUES (1, 'a')$$);
DROP TRIGGER qt_noarg ON qt;
CREATE TRIGGER qt_opt AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'old');
SELECT try($$INSERT INTO qt VALUES (1, 'a')$$);
DROP TRIGGER qt_opt ON qt;
CREATE TRIGGER qt_badname AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('no spaces allowed');
SELECT try($$INSERT INTO qt VALUES (1, 'a')$$);
DROP TRIGGER qt_badname ON qt;
INSERT INTO qt VALUES (1, 'a');
CREATE TRIGGER qt_newdel AFTER DELETE ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'new');
SELECT try($$DELETE FROM qt$$);
DROP TRIGGER qt_newdel ON qt;
-- order_key: empty or over 256 bytes, an unknown column, a repeated option
-- (256 bytes pass, rolled back).
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', order_key => '')$$);
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', order_key => repeat('k', 257))$$);
BEGIN;
SELECT try($$SELECT aws_lambda.enqueue('f', '{}', order_key => repeat('k', 256))$$);
ROLLBACK;
CREATE TRIGGER qt_keycol AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'order_key=nope');
SELECT try($$INSERT INTO qt VALUES (2, 'a')$$);
DROP TRIGGER qt_keycol ON qt;
CREATE TRIGGER qt_keytwice AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'order_key=v', 'order_key=v');
SELECT try($$INSERT INTO qt VALUES (2, 'a')$$);
DROP TRIGGER qt_keytwice ON qt;
CREATE TRIGGER qt_key AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'new', 'order_key=v');
SELECT try($$INSERT INTO qt VALUES (2, '')$$);
SELECT try($$INSERT INTO qt VALUES (2, repeat('v', 257))$$);
BEGIN;
SELECT try($$INSERT INTO qt VALUES (2, 'sensor-1')$$);
SELECT order_key FROM aws_lambda.queue;
ROLLBACK;
DROP TRIGGER qt_key ON qt;
CREATE TRIGGER qt_ok AFTER INSERT ON qt FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f');
BEGIN;
SELECT try($$INSERT INTO qt VALUES (2, 'b')$$);
SELECT count(*) AS rows_in_transaction FROM qt;
ROLLBACK;
SELECT count(*) AS rows_kept FROM qt;
DROP TABLE qt;

-- set_batching.
SELECT try($$SELECT aws_lambda.set_batching('bad name!', 10)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 0)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 10001)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 10, 10)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 10, 7000000)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 10, 1000, -1)$$);
SELECT try($$SELECT aws_lambda.set_batching('f', NULL)$$);
SELECT aws_lambda.set_batching('f', 10);
SELECT aws_lambda.set_batching('g', 50, 1000, 0);
SELECT aws_lambda.set_batching('f', 20, 5000, 5);
SELECT * FROM aws_lambda.batching ORDER BY 1;
SELECT aws_lambda.set_batching('f', 1);
SELECT * FROM aws_lambda.batching ORDER BY 1;
SELECT aws_lambda.set_batching('g', 1);

-- Tables and the view, empty here.
SELECT * FROM aws_lambda.queue_status;
SELECT count(*) FROM aws_lambda.dead_letter;
SELECT count(*) FROM aws_lambda.results;
SELECT * FROM aws_lambda.worker_in_flight();

-- A role without grants can neither queue nor read the queue.
CREATE ROLE regress_queue_user LOGIN;
GRANT USAGE ON SCHEMA aws_lambda TO regress_queue_user;
\c - regress_queue_user
SELECT try($$SELECT aws_lambda.enqueue('f', '{}')$$);
SELECT try($$SELECT * FROM aws_lambda.queue$$);
SELECT try($$SELECT * FROM aws_lambda.queue_status$$);
SELECT try($$SELECT * FROM aws_lambda.dead_letter$$);
SELECT try($$INSERT INTO aws_lambda.queue (function_name, payload) VALUES ('f', '{}')$$);
SELECT try($$SELECT aws_lambda.set_batching('f', 10)$$);
\c - postgres
DROP OWNED BY regress_queue_user;
DROP ROLE regress_queue_user;
