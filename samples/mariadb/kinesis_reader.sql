-- samples/mariadb/kinesis_reader.sql — the original post's Kinesis loop as a
-- MariaDB stored procedure: reads every record of stream MySensorReadings
-- after sequence_number ('' = from the start) through lambdaReadKinesisStream,
-- one call per record following NextShardIterator, stores each reading in
-- sensor_reading, and sets sequence_number to the last record's sequence
-- number (unchanged if nothing new), so the next call resumes after it:
--   SET @seq = '';
--   CALL processSensorReadings(@seq);   -- reads all, @seq = last sequence
--   CALL processSensorReadings(@seq);   -- reads only records put since
-- Run with the mariadb client's default delimiter handling: this file sets
-- DELIMITER itself.
CREATE TABLE IF NOT EXISTS sensor_reading (
    sequence_number VARCHAR(128) NOT NULL PRIMARY KEY,
    reading_time    VARCHAR(64),
    temperature     VARCHAR(32)
);

DROP PROCEDURE IF EXISTS processSensorReadings;
DELIMITER //
CREATE PROCEDURE processSensorReadings(INOUT sequence_number VARCHAR(128))
BEGIN
    DECLARE parm LONGTEXT;
    DECLARE msg  LONGTEXT;
    SET parm = JSON_OBJECT('StreamName', 'MySensorReadings',
                           'SequenceNumber', IFNULL(sequence_number, ''),
                           'Timeout', 1);
    read_loop: LOOP
        SET msg = awslambda_fn('lambdaReadKinesisStream', parm);
        -- no record before Timeout: Data is JSON null
        IF IFNULL(JSON_TYPE(JSON_EXTRACT(msg, '$.Data')), 'NULL') = 'NULL' THEN
            LEAVE read_loop;
        END IF;
        SET sequence_number = JSON_VALUE(msg, '$.SequenceNumber');
        INSERT INTO sensor_reading VALUES (sequence_number,
            JSON_VALUE(msg, '$.Data.time'), JSON_VALUE(msg, '$.Data.temp'));
        SET parm = JSON_OBJECT('StreamName', 'MySensorReadings',
                               'NextShardIterator', JSON_VALUE(msg, '$.NextShardIterator'),
                               'Timeout', 1);
    END LOOP;
END //
DELIMITER ;
