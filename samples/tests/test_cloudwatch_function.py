"""test_cloudwatch_function.py — runs lambdaTempReadingTrigger's handler
against moto (env from scripts/demo-services) and reads the metric back with
GetMetricStatistics / GetMetricData: every event shape, and each bad input's
error."""
from datetime import datetime, timedelta, timezone

import boto3

from tap import done, is_, load_function, ok, raises

fn = load_function("lambdaTempReadingTrigger")
cw = boto3.client("cloudwatch")
NS, METRIC = "Temperature Monitoring Database App", "Temperature Reading"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def stats(start, end):
    """(timestamp, value) pairs CloudWatch holds between start and end."""
    r = cw.get_metric_statistics(Namespace=NS, MetricName=METRIC, StartTime=start, EndTime=end,
                                 Period=60, Statistics=["Average"])
    return sorted((p["Timestamp"].astimezone(timezone.utc), p["Average"]) for p in r["Datapoints"])


# 1. a row as the seed-style trigger sends it (row_to_json of timestamptz)
t1 = NOW - timedelta(hours=5)
out = fn.lambda_handler({"reading_time": t1.isoformat(), "sensor_id": 1, "temperature": 65}, None)
is_(out, {"Status": "OK", "Readings": 1}, "row event: returns Status OK, 1 reading")
is_(stats(t1 - timedelta(minutes=1), t1 + timedelta(minutes=1)), [(t1, 65.0)],
    "row event: metric read back with the row's timestamp and value")

# 2. timestamp without zone (timestamp column / MariaDB) is UTC; reading_value alias
t2 = NOW - timedelta(hours=6)
fn.lambda_handler({"reading_time": t2.strftime("%Y-%m-%d %H:%M:%S"), "reading_value": "71.5"}, None)
is_(stats(t2 - timedelta(minutes=1), t2 + timedelta(minutes=1)), [(t2, 71.5)],
    "zone-less time taken as UTC; seed's reading_value accepted")

# 3. the transactional trigger's envelope, and a DELETE that publishes nothing
t3 = NOW - timedelta(hours=7)
out = fn.lambda_handler({"op": "INSERT", "new": {"reading_time": t3.isoformat(), "temperature": 80}}, None)
is_(out["Readings"], 1, "envelope event: 1 reading")
out = fn.lambda_handler({"op": "DELETE", "old": {"reading_time": t3.isoformat(), "temperature": 99}}, None)
is_(out["Readings"], 0, "DELETE envelope: nothing published")
is_(stats(t3 - timedelta(minutes=1), t3 + timedelta(minutes=1)), [(t3, 80.0)],
    "envelope event: only the INSERT's value is in CloudWatch")

# 4. a micro-batch of 25 (more than one PutMetricData call), mixed shapes
t4 = NOW - timedelta(hours=9)
rows = [{"reading_time": (t4 + timedelta(minutes=i)).isoformat(), "temperature": 60 + i} for i in range(25)]
batch = [r if i % 2 else {"op": "INSERT", "new": r} for i, r in enumerate(rows)]
out = fn.lambda_handler({"records": batch}, None)
is_(out["Readings"], 25, "micro-batch: 25 readings")
got = stats(t4 - timedelta(minutes=1), t4 + timedelta(minutes=30))
is_(got, [(t4 + timedelta(minutes=i), 60.0 + i) for i in range(25)], "micro-batch: all 25 values read back in time order")

r = cw.get_metric_data(StartTime=t4 - timedelta(minutes=1), EndTime=t4 + timedelta(minutes=30), MetricDataQueries=[
    {"Id": "t", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": METRIC}, "Period": 60, "Stat": "Maximum"}}])
is_(sorted(r["MetricDataResults"][0]["Values"]), [60.0 + i for i in range(25)], "GetMetricData returns the same values")

# 5. bad input: nothing is published, the error names the problem
B = fn.readings.__globals__["BadReading"]
raises(lambda: fn.lambda_handler({"reading_time": t1.isoformat()}, None), B, 'missing "temperature"', "error: missing temperature")
raises(lambda: fn.lambda_handler({"temperature": 3}, None), B, 'missing "reading_time"', "error: missing reading_time")
raises(lambda: fn.lambda_handler({"reading_time": t1.isoformat(), "temperature": "hot"}, None), B,
       "is not a number: 'hot'", "error: temperature not a number")
raises(lambda: fn.lambda_handler({"reading_time": t1.isoformat(), "temperature": "NaN"}, None), B,
       "not a finite number", "error: temperature NaN")
raises(lambda: fn.lambda_handler({"reading_time": "yesterday", "temperature": 3}, None), B,
       "not an ISO 8601 timestamp: 'yesterday'", "error: unparsable reading_time")
raises(lambda: fn.lambda_handler({"records": {"a": 1}}, None), B, '"records" must be a JSON array', "error: records not an array")
raises(lambda: fn.lambda_handler({"records": [rows[0], {"reading_time": "x"}]}, None), B, "records[1]:",
       "error: bad record in a batch is named by index")
raises(lambda: fn.lambda_handler([1, 2], None), B, "must be a JSON object", "error: event not an object")
t5 = NOW - timedelta(hours=11)
raises(lambda: fn.lambda_handler({"records": [{"reading_time": t5.isoformat(), "temperature": 1}, {"temperature": 2}]}, None),
       B, "records[1]", "error: bad batch rejected")
is_(stats(t5 - timedelta(minutes=1), t5 + timedelta(minutes=1)), [], "bad batch: nothing published (validated first)")
done()
