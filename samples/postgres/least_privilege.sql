-- samples/postgres/least_privilege.sql — least privilege on the SQL side:
-- the general functions (awslambda_fn, awslambda_fn_async, aws_lambda.invoke)
-- can call ANY Lambda function the database's AWS identity may invoke, so
-- they stay ungranted (the extension installs them without PUBLIC execute).
-- The application role gets only wrappers with a FIXED function name:
-- SECURITY DEFINER, owned by the administrator who runs this file.
-- Run after temp_reading.sql and kinesis_reader.sql. The wrappers' fixed
-- search_path lists only trusted schemas: aws_lambda (the extension's
-- functions) and public, where these samples live (PostgreSQL 15 no longer
-- lets PUBLIC create objects in it); pg_temp last, so a caller's temporary
-- objects cannot shadow anything.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sensor_app') THEN
        CREATE ROLE sensor_app NOLOGIN;
    END IF;
END
$$;

-- Publish one reading to CloudWatch now, through lambdaTempReadingTrigger only.
CREATE OR REPLACE FUNCTION publish_temperature(reading_time timestamptz, temperature numeric)
RETURNS json
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, aws_lambda, public, pg_temp
AS $$
    SELECT CAST(awslambda_fn('lambdaTempReadingTrigger',
                json_build_object('reading_time', reading_time, 'temperature', temperature)::text) AS json)
$$;

-- Read new sensor readings from Kinesis, through lambdaReadKinesisStream only.
CREATE OR REPLACE FUNCTION read_sensor_readings(after_sequence text)
RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, aws_lambda, public, pg_temp
AS $$ SELECT processSensorReadings(after_sequence) $$;

REVOKE ALL ON FUNCTION publish_temperature(timestamptz, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION read_sensor_readings(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION processSensorReadings(text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION publish_temperature(timestamptz, numeric) TO sensor_app;
GRANT EXECUTE ON FUNCTION read_sensor_readings(text) TO sensor_app;
GRANT SELECT, INSERT ON temp_reading TO sensor_app;
