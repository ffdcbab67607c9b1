"""lambdaReadKinesisStream — the walkthrough's external-data function: reads
ONE record from a Kinesis stream shard per call, so SQL can loop over a
stream (see samples/postgres/kinesis_reader.sql).

Input (JSON object):
  StreamName         required
  ShardId            optional; default: the stream's first shard
  NextShardIterator  optional; continue from the previous call's iterator
  SequenceNumber     optional; start AFTER this record (used when no
                     iterator is given; "" or absent means TRIM_HORIZON)
  Timeout            optional seconds to wait for a record (default 1)
Output:
  {"Data": <record data: parsed JSON, else text; base64 text plus
            "DataEncoding": "base64" if not UTF-8>,
   "SequenceNumber": "...", "NextShardIterator": "..."}
  or, when no record arrived before Timeout,
  {"Data": null, "SequenceNumber": null, "NextShardIterator": "..."}
IAM: kinesis:DescribeStream, kinesis:GetShardIterator, kinesis:GetRecords
on the stream's ARN.
"""
import base64
import json
import time

import boto3

DEFAULT_TIMEOUT = 1.0
POLL_INTERVAL = 0.2     # Kinesis allows 5 GetRecords calls/s per shard

client = boto3.client("kinesis")


def _optional_text(event, key):
    value = event.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError('"%s" must be a string, got %r' % (key, value))
    return value


def _timeout(event, context):
    raw = event.get("Timeout", DEFAULT_TIMEOUT)
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        raise ValueError('"Timeout" is not a number: %r' % (raw,)) from None
    if not 0 <= timeout <= 900:
        raise ValueError('"Timeout" must be between 0 and 900 seconds, got %r' % (raw,))
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        # leave half a second to answer before Lambda's own timeout
        timeout = min(timeout, max(0.0, context.get_remaining_time_in_millis() / 1000.0 - 0.5))
    return timeout


def _decode(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"
    try:
        return json.loads(text), None
    except ValueError:
        return text, None


def _iterator(event, stream):
    it = _optional_text(event, "NextShardIterator")
    if it:
        return it
    shard = _optional_text(event, "ShardId")
    if shard is None:
        shard = client.describe_stream(StreamName=stream, Limit=1)["StreamDescription"]["Shards"][0]["ShardId"]
    seq = _optional_text(event, "SequenceNumber")
    if seq:
        return client.get_shard_iterator(StreamName=stream, ShardId=shard,
                                         ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                         StartingSequenceNumber=seq)["ShardIterator"]
    return client.get_shard_iterator(StreamName=stream, ShardId=shard,
                                     ShardIteratorType="TRIM_HORIZON")["ShardIterator"]


def lambda_handler(event, context):
    if not isinstance(event, dict):
        raise ValueError("event must be a JSON object with StreamName")
    stream = _optional_text(event, "StreamName")
    if stream is None:
        raise ValueError('"StreamName" is required')
    timeout = _timeout(event, context)
    print("Reading Kinesis stream - %s" % json.dumps(event))
    iterator = _iterator(event, stream)
    deadline = time.monotonic() + timeout
    while True:
        resp = client.get_records(ShardIterator=iterator, Limit=1)
        iterator = resp.get("NextShardIterator")    # None: closed shard's end
        if resp["Records"]:
            rec = resp["Records"][0]
            data, encoding = _decode(rec["Data"])
            out = {"Data": data, "SequenceNumber": rec["SequenceNumber"],
                   "NextShardIterator": iterator}
            if encoding:
                out["DataEncoding"] = encoding
            return out
        if iterator is None or time.monotonic() + POLL_INTERVAL > deadline:
            return {"Data": None, "SequenceNumber": None, "NextShardIterator": iterator}
        time.sleep(POLL_INTERVAL)
