-- samples/postgres/trigger_transactional.sql — the transactional trigger.
-- REQUIRES the aws_lambda extension's transactional delivery
-- (aws_lambda.trigger_invoke: queue table + background worker): the library
-- in shared_preload_libraries (the extension in this database: it gets its
-- own delivery worker).
-- Without aws_lambda.trigger_invoke this file fails (schema "aws_lambda" /
-- function aws_lambda.trigger_invoke() does not exist) and, being one
-- transaction, leaves the table's triggers as they were.
--
-- Each inserted row is enqueued as JSON inside the inserting transaction,
-- as the envelope {"op": "INSERT", "schema": ..., "table": ..., "new":
-- {...row}, "txid": N, "seq": N}, and delivered to Lambda by the background
-- worker only after COMMIT: never for a rolled-back row, with retries,
-- micro-batching ({"records": [...]}, aws_lambda.set_batching) and a
-- dead-letter table (aws_lambda.dead_letter). The sample functions accept
-- the row, the envelope and a batch.
--
-- When it fits: outbound streaming where downstream systems must see exactly
-- the committed data (Firehose -> S3/Redshift), and any table with a high
-- insert rate (the INSERT does not wait for Lambda). Use it INSTEAD of
-- trigger_direct.sql on the same table, not in addition to it.
BEGIN;
SET LOCAL client_min_messages = warning;   -- quiet "trigger does not exist, skipping"
DROP TRIGGER IF EXISTS temp_reading_lambda ON temp_reading;
DROP TRIGGER IF EXISTS temp_reading_lambda_tx ON temp_reading;
CREATE TRIGGER temp_reading_lambda_tx
    AFTER INSERT ON temp_reading
    FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('lambdaTempReadingTrigger');
COMMIT;
