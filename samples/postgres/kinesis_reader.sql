-- samples/postgres/kinesis_reader.sql — the original post's Kinesis loop:
-- reads every record of stream MySensorReadings after sequenceNumber ('' =
-- from the start), one lambdaReadKinesisStream call per record, following
-- NextShardIterator, with a NOTICE per reading. Returns the last record's
-- sequence number (unquoted, so it can be passed straight back in: the next
-- call resumes exactly after it), or sequenceNumber unchanged if nothing new.
-- wait_seconds is how long the last call waits for a record before the loop
-- stops (the function's "Timeout").
CREATE OR REPLACE FUNCTION processSensorReadings(sequenceNumber text, wait_seconds numeric DEFAULT 1)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    parm json;
    msg  json;
BEGIN
    parm := json_build_object('StreamName', 'MySensorReadings',
                              'SequenceNumber', coalesce(sequenceNumber, ''),
                              'Timeout', wait_seconds);
    LOOP
        msg := CAST(awslambda_fn('lambdaReadKinesisStream', parm::text) AS json);
        EXIT WHEN msg->>'Data' IS NULL;     -- no record before Timeout: done
        sequenceNumber := msg->>'SequenceNumber';
        RAISE NOTICE 'Time %, Temperature %', msg->'Data'->>'time', msg->'Data'->>'temp';
        -- Do something with the data here - maybe insert into a table?
        parm := json_build_object('StreamName', 'MySensorReadings',
                                  'NextShardIterator', msg->'NextShardIterator',
                                  'Timeout', wait_seconds);
    END LOOP;
    RETURN sequenceNumber;
END;
$$;
