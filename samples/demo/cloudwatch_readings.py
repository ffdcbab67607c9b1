"""samples/demo/cloudwatch_readings.py — the walkthrough's step 2 read-back:
waits (up to 30 s: the trigger's invocations are asynchronous) until the
metric "Temperature Reading" (namespace "Temperature Monitoring Database
App") has WANT datapoints in the last MINUTES minutes, prints them as a
table in time order, and writes "TIME VALUE" lines to DATFILE for the chart.
Usage: python3 cloudwatch_readings.py MINUTES WANT DATFILE
Talks to whatever boto3's standard configuration names (AWS_ENDPOINT_URL:
the demo's moto). Exit status 1 if fewer than WANT datapoints arrived.
"""
import sys
import time
from datetime import datetime, timedelta, timezone

import boto3


def main():
    if len(sys.argv) != 4 or not sys.argv[1].isdigit() or not sys.argv[2].isdigit():
        print("usage: cloudwatch_readings.py MINUTES WANT DATFILE (MINUTES and WANT: whole numbers)",
              file=sys.stderr)
        return 2
    minutes, want, datfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cw = boto3.client("cloudwatch")
    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    points = []
    for _ in range(150):
        r = cw.get_metric_statistics(Namespace="Temperature Monitoring Database App",
                                     MetricName="Temperature Reading",
                                     StartTime=end - timedelta(minutes=minutes + 1), EndTime=end,
                                     Period=60, Statistics=["Average"])
        points = sorted((p["Timestamp"].astimezone(timezone.utc), p["Average"]) for p in r["Datapoints"])
        if len(points) >= want:
            break
        time.sleep(0.2)
    print('aws cloudwatch get-metric-statistics --namespace "Temperature Monitoring Database App" '
          '--metric-name "Temperature Reading" --statistics Average --period 60 (last %d minutes):' % minutes)
    print("  %-25s | %s" % ("Timestamp (UTC)", "Temperature Reading"))
    print("  " + "-" * 25 + "-+-" + "-" * 19)
    for t, v in points:
        print("  %-25s | %6.1f" % (t.strftime("%Y-%m-%d %H:%M:%S"), v))
    print("  (%d datapoints)" % len(points))
    with open(datfile, "w") as f:
        for t, v in points:
            f.write("%s %g\n" % (t.strftime("%Y-%m-%dT%H:%M:%S"), v))
    return 0 if len(points) >= want else 1


if __name__ == "__main__":
    sys.exit(main())
