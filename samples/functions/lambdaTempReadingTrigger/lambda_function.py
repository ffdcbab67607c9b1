"""lambdaTempReadingTrigger — the walkthrough's CloudWatch instrumentation
function: publishes each temperature reading sent by a database trigger as
the custom metric "Temperature Reading" in namespace
"Temperature Monitoring Database App" (timestamp and value from the row).

Event: a row, a transactional-trigger envelope or a micro-batch (see
temp_readings.py). Returns {"Status": "OK", "Readings": <count>}.
Endpoint and credentials come from boto3's standard configuration
(AWS_ENDPOINT_URL for a local moto; the function's role on AWS).
IAM: cloudwatch:PutMetricData.
"""
import boto3

from temp_readings import readings

NAMESPACE = "Temperature Monitoring Database App"
METRIC = "Temperature Reading"
BATCH = 20      # datums per PutMetricData call (well under every limit)

client = boto3.client("cloudwatch")


def lambda_handler(event, context):
    found = readings(event)
    data = []
    for r in found:
        print("New temperature reading: Time: %s, Temp: %.2f" % (r["time"].isoformat(), r["value"]))
        data.append({"MetricName": METRIC, "Timestamp": r["time"], "Value": r["value"]})
    for i in range(0, len(data), BATCH):
        client.put_metric_data(Namespace=NAMESPACE, MetricData=data[i:i + BATCH])
    return {"Status": "OK", "Readings": len(found)}
