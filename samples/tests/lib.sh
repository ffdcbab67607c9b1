# samples/tests/lib.sh — shared setup for the samples' end-to-end tests
# (source it after scripts/lib/tap.sh, with $top set): the walkthrough's
# stack without a database — moto with the demo resources
# (scripts/demo-services) and `sqlambda serve --functions samples/functions`.
#   stack_start DIR   -> exports the demo env (AWS_ENDPOINT_URL=moto, keys,
#                        region, DEMO_BUCKET), LAMBDA_URL and SERVE_PID;
#                        returns 1 with a message if a service fails
#   stack_stop DIR    -> stops both
#   stack_skip_reason -> prints why the stack cannot run here (empty if it can)
SAMPLES_CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}

stack_skip_reason() {
  if [ ! -x "$SAMPLES_CLI" ]; then echo "cli/build/sqlambda not built"
  elif "$SAMPLES_CLI" serve --help 2>&1 | grep -q 'no local runtime'; then echo "sqlambda built without the local runtime"
  fi
}

stack_start() {
  local d=$1 env_text
  env_text=$("$top/scripts/demo-services" "$d/moto") || { echo "# scripts/demo-services failed" >&2; return 1; }
  eval "$env_text"
  # --pass-aws-credentials: the sample functions reach moto with these keys
  "$SAMPLES_CLI" serve --functions "$top/samples/functions" --listen 127.0.0.1:0 --pass-aws-credentials >"$d/serve.log" 2>&1 &
  SERVE_PID=$!
  echo "$SERVE_PID" >"$d/serve.pid"
  LAMBDA_URL=
  for _ in $(seq 1 200); do
    LAMBDA_URL=$(sed -n 's/^listening on //p' "$d/serve.log" 2>/dev/null)
    [ -n "$LAMBDA_URL" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$LAMBDA_URL" ] || { sed 's/^/# serve: /' "$d/serve.log" >&2; return 1; }
  export LAMBDA_URL SERVE_PID
}

stack_stop() {
  local d=$1
  if [ -f "$d/serve.pid" ]; then
    kill "$(cat "$d/serve.pid")" 2>/dev/null
    wait "$(cat "$d/serve.pid")" 2>/dev/null
    rm -f "$d/serve.pid"
  fi
  "$top/scripts/moto-stop" "$d/moto"
}

# cw_values FROM_MINUTES_AGO WANT: CloudWatch's Temperature Reading values of
# the last FROM minutes in time order, once WANT of them are there (waits up
# to 30 s for Event invocations to land), space-separated
cw_values() {
  python3 - "$1" "$2" <<'PY'
import sys, time
from datetime import datetime, timedelta, timezone
import boto3
ago, want = int(sys.argv[1]), int(sys.argv[2])
cw = boto3.client("cloudwatch")
for _ in range(150):
    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    r = cw.get_metric_statistics(Namespace="Temperature Monitoring Database App", MetricName="Temperature Reading",
                                 StartTime=end - timedelta(minutes=ago + 1), EndTime=end, Period=60, Statistics=["Average"])
    pts = sorted((p["Timestamp"], p["Average"]) for p in r["Datapoints"])
    if len(pts) >= want:
        break
    time.sleep(0.2)
print(" ".join("%g" % v for _, v in pts))
PY
}

# kinesis_put JSON: puts a record on MySensorReadings, prints its sequence number
kinesis_put() {
  aws kinesis put-record --stream-name MySensorReadings --partition-key Sensor1 --data "$1" \
    --query SequenceNumber --output text
}
