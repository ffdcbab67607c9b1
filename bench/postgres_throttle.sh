#!/usr/bin/env bash
# bench/postgres_throttle.sh — flow control against a throttling endpoint
# (issue 12 §3): the delivery tests' endpoint (postgres/test/queue_sink.py)
# answers a function named throttle<K>_* with 429 TooManyRequestsException
# (Retry-After: 1) whenever more than K of its calls are in progress, and
# otherwise after 100 ms, so at most K / 0.1 s calls a second can succeed.
# PGT_N events are committed at once; the worker (worker_concurrency 16 by
# default, so it starts above K) must find K by itself. Reports delivered/s
# against that ceiling and the share of 429s among the calls made after the
# first second. Goals: within 1.5x of the ceiling (>= 0.67x of it), 429s
# under 5% of the calls after the first second.
# Env: PGT_N (1000), PGT_K (8).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${PGT_N:-1000}; k=${PGT_K:-8}
dir=$(mktemp -d /tmp/sqlambda-bench-pgt.XXXXXX)
chmod o+x "$dir"
sink_pid=
cleanup() {
  "$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

make -s -C "$top/postgres" install >/dev/null
python3 "$top/postgres/test/queue_sink.py" --port-file "$dir/sink.port" --log "$dir/sink.log" 2>"$dir/sink.err" &
sink_pid=$!
for _ in $(seq 1 100); do [ -s "$dir/sink.port" ] && break; sleep 0.05; done
source "$top/bench/lib/aws_env.sh"
bench_aws_env
eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$(cat "$dir/sink.port")" \
  aws_lambda.max_attempts=1 aws_lambda.max_delivery_attempts=1000)" >/dev/null
export PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
PGOPTIONS="-c client_min_messages=warning" q -q -c "CREATE EXTENSION aws_lambda CASCADE"
fn="throttle${k}_bench"
echo "# postgres_throttle: $n events, the endpoint throttles above $k in flight, 100 ms a call ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(date +%s.%N)
q -q -c "SELECT count(aws_lambda.enqueue('$fn', jsonb_build_object('i', g))) FROM generate_series(1, $n) g" >/dev/null
for _ in $(seq 1 6000); do
  [ "$(q -c "SELECT count(*) FROM aws_lambda.queue")" = 0 ] && break
  sleep 0.1
done
t1=$(date +%s.%N)
python3 - "$dir/sink.log" "$t0" "$t1" "$n" "$k" <<'PY'
import json, sys
log, t0, t1, n, k = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [json.loads(l) for l in open(log)]
first = min(r["t"] for r in rows)
ok = sum(1 for r in rows if 200 <= r["code"] < 300)
late = [r for r in rows if r["t"] > first + 1.0]
late429 = sum(1 for r in late if r["code"] == 429)
all429 = sum(1 for r in rows if r["code"] == 429)
rate = ok / (t1 - t0)
ceiling = k / 0.1
print(f"#   delivered {ok} of {n} in {t1 - t0:.1f} s; 429s: {all429} in all, {late429} of {len(late)} calls after the first second")
print(f"postgres_throttle: {rate:.1f} deliveries/s against a ceiling of {ceiling:.0f}/s: {rate / ceiling:.2f}x (goal >= 0.67x); "
      f"429s after the first second {100.0 * late429 / max(len(late), 1):.1f}% (goal < 5%)")
PY
