-- samples/postgres/temp_reading.sql — the walkthrough's sensor table (the
-- original post's temp_reading, plus a sensor id). Each inserted row is what
-- the triggers send to Lambda as JSON (row_to_json), e.g.
--   {"reading_time":"2026-11-26T22:13:15.12+00:00","sensor_id":1,"temperature":65}
CREATE TABLE IF NOT EXISTS temp_reading (
    reading_time timestamptz NOT NULL DEFAULT now(),
    sensor_id    integer     NOT NULL DEFAULT 1,
    temperature  numeric     NOT NULL
);
