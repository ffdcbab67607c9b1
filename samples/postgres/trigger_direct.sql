-- samples/postgres/trigger_direct.sql — the original post's trigger: each
-- inserted temp_reading row is sent at once, as an asynchronous ('Event')
-- Lambda invocation, by awslambda_fn_async.
--
-- When it fits: instrumentation where an occasional extra or missing event
-- does not matter (the CloudWatch chart). The call happens inside the
-- INSERT: it costs one round trip per row in the inserting transaction, a
-- failure to *launch* the function aborts the INSERT, and an event already
-- sent is NOT taken back if the transaction later rolls back. For delivery
-- that follows commit/rollback exactly, use trigger_transactional.sql
-- instead (never both on one table: every row would be sent twice).
--
-- The Lambda function's name is the trigger's argument (default
-- lambdaTempReadingTrigger), so the Firehose variant is the same trigger
-- with 'lambdaTempReadingFirehose'.
--
-- Privileges: the aws_lambda extension's functions are not executable by
-- PUBLIC. The trigger function is SECURITY DEFINER (it runs with its
-- owner's right to call awslambda_fn_async), so application roles that may
-- INSERT into temp_reading need no Lambda privileges of their own; EXECUTE
-- on it is revoked from PUBLIC so nobody else can attach it to another
-- table with a function name of their choosing. Its search_path holds only
-- trusted schemas (aws_lambda is where the extension puts awslambda_fn*).
CREATE OR REPLACE FUNCTION temp_reading_to_lambda() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aws_lambda, pg_temp
AS $$
DECLARE
    fn_name text := coalesce(TG_ARGV[0], 'lambdaTempReadingTrigger');
    fn_args text := row_to_json(NEW)::text;
BEGIN
    RAISE NOTICE 'Calling: %, input: %', fn_name, fn_args;
    PERFORM awslambda_fn_async(fn_name, fn_args);
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION temp_reading_to_lambda() FROM PUBLIC;

BEGIN;
SET LOCAL client_min_messages = warning;   -- quiet "trigger does not exist, skipping"
DROP TRIGGER IF EXISTS temp_reading_lambda_tx ON temp_reading;
DROP TRIGGER IF EXISTS temp_reading_lambda ON temp_reading;
CREATE TRIGGER temp_reading_lambda
    AFTER INSERT ON temp_reading
    FOR EACH ROW EXECUTE FUNCTION temp_reading_to_lambda('lambdaTempReadingTrigger');
COMMIT;
