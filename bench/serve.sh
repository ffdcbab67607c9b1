#!/usr/bin/env bash
# bench/serve.sh — `sqlambda serve` with a warm Python echo function, against
# moto_server's Lambda (echo mode, SigV4-verified; scripts/moto-start) as the
# peer, in the same run. wrk POSTs the same invoke to both, first on one
# connection (sequential, SERVE_BENCH_SECONDS s each), then on 8 (1 s
# rounds alternating between serve and moto). Reports p50/p99 latency and
# throughput, the handler's own time (p50 of the REPORT Duration lines the
# server logs: event delivered -> response received), the p50 added by the
# server (client p50 - REPORT p50; target <= 0.5 ms) and the 8-connection
# throughput ratio serve/moto (target >= 10). Env: SERVE_BENCH_SECONDS (5).
# Prints "summary: ..." lines (bench/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${SERVE_BENCH_SECONDS:-5}
make -s -C "$top/runtime" all build/tests/tool_serve >/dev/null
serve=$top/runtime/build/tests/tool_serve
dir=$(mktemp -d /tmp/sqlambda-bench-serve.XXXXXX)
cleanup() {
  for p in $(cat "$dir/pids" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  for p in $(cat "$dir/pids" 2>/dev/null); do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
  "$top/scripts/moto-stop" "$dir/moto" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# the function: a warm Python echo
mkdir -p "$dir/functions/benchEcho"
echo '{"runtime": "python3", "handler": "lambda_function.lambda_handler"}' >"$dir/functions/benchEcho/function.json"
printf 'def lambda_handler(event, context):\n    return event\n' >"$dir/functions/benchEcho/lambda_function.py"
# two servers: --verbose logs the REPORT lines (the handler's own time) for
# the sequential run; the throughput run has no per-call logging
start_serve() { # start_serve NAME ARGS... -> prints the URL
  "$serve" --listen 127.0.0.1:0 --functions "$dir/functions" "${@:2}" >"$dir/$1.out" 2>"$dir/$1.err" &
  echo $! >>"$dir/pids"
  for _ in $(seq 1 100); do grep -q '^listening on' "$dir/$1.out" && break; sleep 0.05; done
  sed -n 's/^listening on //p' "$dir/$1.out"
}
serve_url=$(start_serve serve --verbose)
fast_url=$(start_serve fast)
body='{"name":"bob","bench":true}'
cat >"$dir/serve.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.path = "/2015-03-31/functions/benchEcho/invocations"
EOF
# warm 8 instances and check the answer
warm=()
for _ in 1 2 3 4 5 6 7 8; do curl -s -X POST -d "$body" "$fast_url/2015-03-31/functions/benchEcho/invocations" >/dev/null & warm+=($!); done
wait "${warm[@]}"
got=$(curl -s -X POST -d "$body" "$serve_url/2015-03-31/functions/benchEcho/invocations")
[ "$got" = '{"name": "bob", "bench": true}' ] || { echo "serve.sh: unexpected answer from serve: $got" >&2; exit 1; }

# the peer: moto_server's Lambda echo, one request signed once with botocore
# (the same signed bytes stay valid for the whole run)
eval "$("$top/scripts/moto-start" "$dir/moto")" >/dev/null
python3 - "$MOTO_URL" "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$body" >"$dir/moto.lua" <<'PY'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret, body = sys.argv[1:]
req = AWSRequest(method="POST", url=url + "/2015-03-31/functions/lambdaTest/invocations", data=body.encode(),
                 headers={"Content-Type": "application/json"})
SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(req)
print('wrk.method = "POST"')
print("wrk.body = '%s'" % body)
for k, v in req.headers.items():
    print('wrk.headers["%s"] = "%s"' % (k, v))
print('wrk.path = "/2015-03-31/functions/lambdaTest/invocations"')
PY
got=$(curl -s -X POST -d "$body" -H "$(sed -n 's/^wrk.headers\["Authorization"\] = "\(.*\)"$/Authorization: \1/p' "$dir/moto.lua")" \
  -H "$(sed -n 's/^wrk.headers\["X-Amz-Date"\] = "\(.*\)"$/X-Amz-Date: \1/p' "$dir/moto.lua")" \
  -H "$(sed -n 's/^wrk.headers\["X-Amz-Content-SHA256"\] = "\(.*\)"$/X-Amz-Content-SHA256: \1/p' "$dir/moto.lua")" \
  -H "Content-Type: application/json" "$MOTO_URL/2015-03-31/functions/lambdaTest/invocations")
case "$got" in *bob*) ;; *) echo "serve.sh: moto did not echo: $got" >&2; exit 1 ;; esac

# run NAME URL LUA CONNS SECONDS: wrk with latency percentiles -> "rps p50_ms p99_ms"
run() {
  local out
  out=$(wrk -t"$(($4 < 2 ? 1 : 2))" -c"$4" -d"${5}s" --latency -s "$3" "$2")
  if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then echo "serve.sh: $1 had errors:" >&2; echo "$out" >&2; exit 1; fi
  echo "$out" | sed 's/^/#   /' >&2
  local rps p50 p99
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $(ms "$p50") $(ms "$p99")"
}
ms() { # wrk prints 412.00us / 1.20ms / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
reports() { grep -c '^REPORT RequestId' "$dir/serve.err" || true; }
# p50 of the REPORT Durations logged after line $1 of serve.err
report_p50() {
  tail -n +"$1" "$dir/serve.err" | awk -F'\t' '/^REPORT RequestId/ { sub(/Duration: /, "", $2); sub(/ ms/, "", $2); print $2 }' |
    sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.3f", a[int((NR + 1) / 2)]; else print "nan" }'
}

echo "# serve.sh: serve at $serve_url (--verbose) and $fast_url, moto at $MOTO_URL ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)), ${secs}s per run"
# latency: one connection, ${secs} s each
line=$(wc -l <"$dir/serve.err")
read -r s1_rps s1_p50 s1_p99 < <(run "serve -c1" "$serve_url" "$dir/serve.lua" 1 "$secs")
h1=$(report_p50 "$((line + 1))")
read -r m1_rps m1_p50 m1_p99 < <(run "moto -c1" "$MOTO_URL" "$dir/moto.lua" 1 "$secs")
# throughput: 8 connections, serve and moto alternating in 1 s rounds so
# that load from other work on the machine hits both alike
s8_total=0; m8_total=0; ratios=(); s8_p50s=(); s8_p99s=(); m8_p50s=(); m8_p99s=()
for r in $(seq 1 "$secs"); do
  read -r a p50 p99 < <(run "serve -c8" "$fast_url" "$dir/serve.lua" 8 1); s8_p50s+=("$p50"); s8_p99s+=("$p99")
  read -r b q50 q99 < <(run "moto -c8" "$MOTO_URL" "$dir/moto.lua" 8 1); m8_p50s+=("$q50"); m8_p99s+=("$q99")
  echo "#   round $r: serve $a req/s, moto $b req/s" >&2
  s8_total=$((s8_total + a)); m8_total=$((m8_total + b))
  ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", a / b}')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] }'; }
s8_rps=$((s8_total / secs)); m8_rps=$((m8_total / secs))
spread="$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)..$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)"
added=$(awk -v a="$s1_p50" -v b="$h1" 'BEGIN {printf "%.3f", a - b}')
ratio=$(awk -v a="$s8_rps" -v b="$m8_rps" 'BEGIN {printf "%.1f", a / b}')
ratio1=$(awk -v a="$s1_rps" -v b="$m1_rps" 'BEGIN {printf "%.1f", a / b}')
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "summary: serve sequential (wrk -c1): $s1_rps req/s, p50 $s1_p50 ms, p99 $s1_p99 ms; handler's own time (REPORT Duration p50) $h1 ms; added by the server: $added ms p50 (target <= 0.5 ms: $(verdict "$added" 'v <= t' 0.5))"
echo "summary: serve 8 connections (wrk -c8, server without --verbose): $s8_rps req/s, median per-round p50 $(median "${s8_p50s[@]}") ms, p99 $(median "${s8_p99s[@]}") ms"
echo "summary: moto_server Lambda echo: -c1 $m1_rps req/s (p50 $m1_p50 ms, p99 $m1_p99 ms); -c8 $m8_rps req/s (median per-round p50 $(median "${m8_p50s[@]}") ms, p99 $(median "${m8_p99s[@]}") ms)"
echo "summary: throughput serve/moto: ${ratio}x with 8 connections (per round $spread), ${ratio1}x sequential (target >= 10x: $(verdict "$ratio" 'v >= t' 10))"
