"""test_kinesis_function.py — runs lambdaReadKinesisStream's handler against
moto: empty stream, read order via NextShardIterator, resume by
SequenceNumber, continuing after an empty read, non-JSON data, bad input."""
import json
import time

import boto3

from tap import done, is_, load_function, ok, raises

fn = load_function("lambdaReadKinesisStream")
kin = boto3.client("kinesis")
S = "MySensorReadings"


def call(**event):
    return fn.lambda_handler(dict(StreamName=S, Timeout=0, **event), None)


def put(stream, data, key="Sensor1"):
    return kin.put_record(StreamName=stream, PartitionKey=key, Data=data)["SequenceNumber"]


start = time.monotonic()
out = fn.lambda_handler({"StreamName": S, "Timeout": 0.6}, None)
took = time.monotonic() - start
is_(out["Data"], None, "empty stream: Data null")
is_(out["SequenceNumber"], None, "empty stream: SequenceNumber null")
ok(bool(out["NextShardIterator"]), "empty stream: a NextShardIterator to continue from")
ok(0.35 <= took < 3, "empty stream: waited about Timeout (%.2fs) before giving up" % took)
empty_iter = out["NextShardIterator"]

readings = [{"time": "2016-02-16 12:%02d:00" % m, "temp": str(t)} for m, t in ((0, 99), (30, 100), (45, 110))]
seqs = [put(S, json.dumps(r).encode()) for r in readings]

out = call()
is_(out["Data"], readings[0], "no iterator, no sequence: TRIM_HORIZON gives the first record, parsed JSON")
is_(out["SequenceNumber"], seqs[0], "first record's SequenceNumber")
got = [out["Data"]]
while True:
    out = call(NextShardIterator=out["NextShardIterator"])
    if out["Data"] is None:
        break
    got.append(out["Data"])
is_(got, readings, "NextShardIterator loop reads all records in order, then Data null")
last_iter = out["NextShardIterator"]

out = call(SequenceNumber=seqs[1])
is_((out["Data"], out["SequenceNumber"]), (readings[2], seqs[2]), "SequenceNumber resumes exactly after that record")
is_(call(SequenceNumber=seqs[2])["Data"], None, "SequenceNumber of the last record: nothing new")
is_(call(SequenceNumber="")["Data"], readings[0], "empty SequenceNumber means TRIM_HORIZON (the SQL loop's first call)")

more = [{"time": "2016-02-16 13:00:00", "temp": "111"}, {"time": "2016-02-16 13:30:00", "temp": "112"}]
seqs += [put(S, json.dumps(r).encode()) for r in more]
is_(call(NextShardIterator=last_iter)["Data"], more[0], "iterator from an empty read sees records put later")
out = call(SequenceNumber=seqs[2])
out2 = call(NextShardIterator=out["NextShardIterator"])
is_([out["Data"], out2["Data"]], more, "resume after the old last SequenceNumber reads only the new records")
is_(call(NextShardIterator=empty_iter)["Data"], readings[0], "iterator from the very first empty read starts at record 1")
shard = kin.describe_stream(StreamName=S)["StreamDescription"]["Shards"][0]["ShardId"]
is_(call(ShardId=shard, SequenceNumber=seqs[3])["Data"], more[1], "explicit ShardId")

kin.create_stream(StreamName="SamplesRawData", ShardCount=1)
for _ in range(50):
    if kin.describe_stream(StreamName="SamplesRawData")["StreamDescription"]["StreamStatus"] == "ACTIVE":
        break
    time.sleep(0.1)
put("SamplesRawData", b"plain text, not JSON")
put("SamplesRawData", b"\xff\xfe\x00binary")
out = fn.lambda_handler({"StreamName": "SamplesRawData", "Timeout": 0}, None)
is_(out["Data"], "plain text, not JSON", "non-JSON UTF-8 data comes back as text")
out = fn.lambda_handler({"StreamName": "SamplesRawData", "NextShardIterator": out["NextShardIterator"]}, None)
is_((out["Data"], out.get("DataEncoding")), ("//4AYmluYXJ5", "base64"), "non-UTF-8 data comes back as base64, marked")

raises(lambda: fn.lambda_handler({}, None), ValueError, '"StreamName" is required', "error: missing StreamName")
raises(lambda: fn.lambda_handler("MySensorReadings", None), ValueError, "must be a JSON object", "error: event not an object")
raises(lambda: fn.lambda_handler({"StreamName": S, "Timeout": "soon"}, None), ValueError,
       "\"Timeout\" is not a number: 'soon'", "error: Timeout not a number")
raises(lambda: fn.lambda_handler({"StreamName": S, "Timeout": -1}, None), ValueError,
       "between 0 and 900", "error: negative Timeout")
raises(lambda: fn.lambda_handler({"StreamName": S, "SequenceNumber": 5}, None), ValueError,
       '"SequenceNumber" must be a string', "error: SequenceNumber not a string")
raises(lambda: fn.lambda_handler({"StreamName": "NoSuchStream", "Timeout": 0}, None), Exception,
       "NoSuchStream", "error: unknown stream named in the AWS error")


class Ctx:
    def get_remaining_time_in_millis(self):
        return 700


start = time.monotonic()
out = fn.lambda_handler({"StreamName": "SamplesRawData", "SequenceNumber": "99999999", "Timeout": 30}, Ctx())
ok(time.monotonic() - start < 1.5, "Timeout is capped by the Lambda context's remaining time")
done()
