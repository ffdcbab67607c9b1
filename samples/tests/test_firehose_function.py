"""test_firehose_function.py — runs lambdaTempReadingFirehose's handler
against moto and reads the records back from the delivery stream's S3
destination (moto delivers on PutRecord/PutRecordBatch)."""
import json
import os

import boto3

from tap import done, is_, load_function, ok, raises

fn = load_function("lambdaTempReadingFirehose")
s3 = boto3.client("s3")
BUCKET = os.environ["DEMO_BUCKET"]


def delivered():
    """Every JSON line in the stream's S3 destination, parsed. (Lists the
    whole bucket: moto's SigV4 check rejects a Prefix holding '/'.)"""
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            if not o["Key"].startswith("temp_reading/"):
                continue
            body = s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().decode()
            lines += [json.loads(l) for l in body.splitlines() if l]
    return lines


ok(os.path.islink(os.path.join(os.path.dirname(fn.__file__), "temp_readings.py")),
   "shares temp_readings.py with the CloudWatch variant (symlink)")
is_(delivered(), [], "bucket starts empty")
row = {"reading_time": "2026-11-26T10:00:00+00:00", "sensor_id": 1, "temperature": 65}
out = fn.lambda_handler(row, None)
is_(out, {"Status": "OK", "Readings": 1}, "row event: Status OK, 1 reading")
is_(delivered(), [row], "row event: the row is one JSON line in S3")

rows = [{"reading_time": "2026-11-26T10:%02d:00+00:00" % (10 * i), "sensor_id": 2, "temperature": 70 + i} for i in range(1, 4)]
out = fn.lambda_handler({"records": [{"op": "INSERT", "new": r} for r in rows] + [{"op": "DELETE", "old": row}]}, None)
is_(out["Readings"], 3, "micro-batch of envelopes: 3 readings (DELETE skipped)")
got = sorted(delivered(), key=lambda r: (r["sensor_id"], r["reading_time"]))
is_(got, [row] + rows, "micro-batch: all rows in S3, each once")

raises(lambda: fn.lambda_handler({"reading_time": "2026-11-26T10:00:00", "temperature": None}, None),
       ValueError, '"temperature" is not a number', "error: null temperature")
is_(len(delivered()), 4, "bad input: nothing delivered")
done()
