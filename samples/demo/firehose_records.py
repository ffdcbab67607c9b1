"""samples/demo/firehose_records.py — the walkthrough's step 3 read-back:
waits (up to 30 s) until the Firehose stream FirehoseTempReading has put
WANT records for sensor SENSOR_ID into its S3 destination (bucket
$DEMO_BUCKET, prefix temp_reading/), then prints that sensor's records, one
JSON line each, sorted by reading_time, and how many objects held them.
Usage: python3 firehose_records.py WANT SENSOR_ID
Exit status 1 if fewer than WANT records arrived.
"""
import json
import os
import sys
import time

import boto3


def records(s3, bucket, sensor):
    got = []
    # whole-bucket listing: moto's SigV4 check rejects a Prefix holding '/'
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        if not o["Key"].startswith("temp_reading/"):
            continue
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
        for line in body.splitlines():
            if line and json.loads(line).get("sensor_id") == sensor:
                got.append((o["Key"], line))
    return got


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or not sys.argv[2].isdigit():
        print("usage: firehose_records.py WANT SENSOR_ID (whole numbers)", file=sys.stderr)
        return 2
    if "DEMO_BUCKET" not in os.environ:
        print("firehose_records.py: DEMO_BUCKET is not set (eval the output of scripts/demo-services)",
              file=sys.stderr)
        return 2
    want, sensor = int(sys.argv[1]), int(sys.argv[2])
    s3, bucket = boto3.client("s3"), os.environ["DEMO_BUCKET"]
    got = []
    for _ in range(150):
        got = records(s3, bucket, sensor)
        if len(got) >= want:
            break
        time.sleep(0.2)
    for _, line in sorted(got, key=lambda kl: json.loads(kl[1])["reading_time"]):
        print("  %s" % line)
    objects = len({k for k, _ in got})
    print("  (%d records in %d object%s, e.g. %s)" % (len(got), objects, "" if objects == 1 else "s",
                                                   got[0][0] if got else "-"))
    return 0 if len(got) >= want else 1


if __name__ == "__main__":
    sys.exit(main())
