-- samples/mariadb/temp_reading.sql — the walkthrough's sensor table for
-- MariaDB/MySQL and the original post's trigger: each inserted row is sent
-- at once as an asynchronous ('Event') Lambda invocation through the
-- awslambda_fn_async UDF (mariadb/ plugin). reading_time is UTC (DATETIME
-- has no zone; the sample functions read a zone-less time as UTC), e.g.
--   INSERT INTO temp_reading (reading_time, temperature)
--       VALUES (UTC_TIMESTAMP(6) - INTERVAL 80 MINUTE, 65);
-- The event sent: {"reading_time": "2026-11-26T22:13:15.000000", "sensor_id": 1, "temperature": 65.00}
-- As with PostgreSQL's direct trigger, the call happens inside the INSERT:
-- a failure to launch the function fails the INSERT, and an event already
-- sent is not taken back by a ROLLBACK.
CREATE TABLE IF NOT EXISTS temp_reading (
    reading_time DATETIME(6)   NOT NULL DEFAULT UTC_TIMESTAMP(6),
    sensor_id    INT           NOT NULL DEFAULT 1,
    temperature  DECIMAL(6,2)  NOT NULL
);

DROP TRIGGER IF EXISTS temp_reading_lambda;
CREATE TRIGGER temp_reading_lambda
    AFTER INSERT ON temp_reading
    FOR EACH ROW
    SET @temp_reading_lambda_result = awslambda_fn_async('lambdaTempReadingTrigger',
        JSON_OBJECT('reading_time', DATE_FORMAT(NEW.reading_time, '%Y-%m-%dT%H:%i:%s.%f'),
                    'sensor_id', NEW.sensor_id,
                    'temperature', NEW.temperature));
