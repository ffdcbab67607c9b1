"""lambdaTempReadingFirehose — the walkthrough's outbound-streaming function:
sends each temperature reading from a database trigger as one JSON line to
the Firehose delivery stream "FirehoseTempReading" (override with env
DELIVERY_STREAM), which delivers it to its S3 (or Redshift) destination.

Event: a row, a transactional-trigger envelope or a micro-batch (see
temp_readings.py; this directory holds a symlink to the CloudWatch
variant's copy, which `zip` follows). Returns {"Status": "OK", "Readings": n}.
IAM: firehose:PutRecord and firehose:PutRecordBatch on the stream's ARN.
"""
import json
import os

import boto3

from temp_readings import readings

STREAM = os.environ.get("DELIVERY_STREAM", "FirehoseTempReading")
BATCH = 500     # PutRecordBatch limit

client = boto3.client("firehose")


def _line(r):
    row = {k: v for k, v in r.items() if k not in ("time", "value")}
    return (json.dumps(row, separators=(",", ":")) + "\n").encode()


def lambda_handler(event, context):
    found = readings(event)
    lines = [_line(r) for r in found]
    for line in lines:
        print("New temperature reading record: %s" % line.decode().rstrip())
    if len(lines) == 1:
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": lines[0]})
    elif lines:
        for i in range(0, len(lines), BATCH):
            chunk = lines[i:i + BATCH]
            resp = client.put_record_batch(DeliveryStreamName=STREAM,
                                           Records=[{"Data": d} for d in chunk])
            if resp.get("FailedPutCount"):
                raise RuntimeError("Firehose rejected %d of %d records" %
                                   (resp["FailedPutCount"], len(chunk)))
    return {"Status": "OK", "Readings": len(found)}
