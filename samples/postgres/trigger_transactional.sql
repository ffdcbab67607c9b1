-- samples/postgres/trigger_transactional.sql — the transactional trigger:
-- REQUIRES aws_lambda.trigger_invoke (transactional delivery: queue table +
-- background worker), which is a later feature of the aws_lambda extension;
-- until it exists this file fails (schema "aws_lambda" / function
-- aws_lambda.trigger_invoke() does not exist) and, being one transaction,
-- leaves the table's triggers as they were.
--
-- Each inserted row is enqueued as JSON ({"op": "INSERT", "new": {...row}})
-- inside the inserting transaction and delivered to Lambda by the
-- background worker only after COMMIT: never for a rolled-back row, with
-- retries, micro-batching ({"records": [...]}) and a dead-letter table. The
-- sample functions accept all three shapes.
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
