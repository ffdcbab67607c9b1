#!/usr/bin/env bash
# t_bootstrap.sh — TAP tests of echo20_c's C bootstrap (run by `make -C bench
# check`): its errors without a Runtime API, then under a real `sqlambda
# serve` (this tree's) over bench/functions: echoes byte-exact (small and
# 200 kB events), takes >= 20 ms, reuses one warm worker, serves parallel
# calls from several workers.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
source "$top/scripts/lib/tap.sh"
bs=$top/bench/build/functions/echo20_c/bootstrap
dir=$(mktemp -d /tmp/sqlambda-echo20c-test.XXXXXX)
pid=
trap '[ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$dir"' EXIT

# Errors: each ends the process with status 1 and a message naming the problem.
err=$(env -u AWS_LAMBDA_RUNTIME_API "$bs" 2>&1 </dev/null); rc=$?
is "no AWS_LAMBDA_RUNTIME_API: exit 1" "$rc" 1
like "no AWS_LAMBDA_RUNTIME_API: says so" "$err" '^echo20_c bootstrap: AWS_LAMBDA_RUNTIME_API is not set'
port=$(free_port)
err=$(AWS_LAMBDA_RUNTIME_API=127.0.0.1:$port timeout 5 "$bs" 2>&1 </dev/null); rc=$?
is "unreachable Runtime API: exit 1" "$rc" 1
like "unreachable Runtime API: names the request" "$err" "request failed: GET http://127.0.0.1:$port/2018-06-01/runtime/invocation/next: "

# Under sqlambda serve.
serve=
for b in "$top/cli/build/sqlambda serve" "$top/runtime/build/tests/tool_serve"; do
  [ -x "${b%% *}" ] && { serve=$b; break; }
done
[ -n "$serve" ] || { not_ok "a sqlambda serve binary (make -C cli)"; exit 1; }
$serve --functions "$top/bench/functions" --listen 127.0.0.1:0 --verbose >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$dir/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/out")
[ -n "$url" ] || { not_ok "serve started"; cat "$dir/err" | sed 's/^/# /'; exit 1; }
inv() { curl -sS -o "$1" -w '%{http_code} %{time_total}' --data-binary "@$2" "$url/2015-03-31/functions/echo20_c/invocations"; }

printf '{"i": 1, "s": "x y \\u00e9", "n": [1, 2.5, null]}' >"$dir/small"
r=$(inv "$dir/got1" "$dir/small")
is "cold call: HTTP 200" "${r%% *}" 200
check "cold call: event echoed byte for byte" cmp -s "$dir/small" "$dir/got1"
r=$(inv "$dir/got2" "$dir/small")
is "warm call: HTTP 200" "${r%% *}" 200
like "warm call: takes at least 20 ms" "$(awk -v t="${r#* }" 'BEGIN {print (t >= 0.020) ? "yes" : "no " t}')" '^yes$'
python3 -c 'import json; print(json.dumps({"blob": "ab" * 100000, "k": list(range(100))}))' >"$dir/big"
r=$(inv "$dir/got3" "$dir/big")
is "200 kB event: HTTP 200" "${r%% *}" 200
check "200 kB event: echoed byte for byte" cmp -s "$dir/big" "$dir/got3"
w1=$(pgrep -P "$pid" | sort | tr '\n' ' ')
for i in 1 2 3; do inv "$dir/got4" "$dir/small" >/dev/null; done
w2=$(pgrep -P "$pid" | sort | tr '\n' ' ')
is "sequential calls reuse the one warm worker" "$w2" "$w1"
like "one worker so far" "$w1" '^[0-9]+ $'

kids=()
for i in $(seq 1 8); do
  printf '{"i": %d}' "$i" >"$dir/p$i"
  ( inv "$dir/r$i" "$dir/p$i" >"$dir/s$i" ) &
  kids+=($!)
done
wait "${kids[@]}"
good=0
for i in $(seq 1 8); do
  [ "$(cut -d' ' -f1 "$dir/s$i")" = 200 ] && cmp -s "$dir/p$i" "$dir/r$i" && good=$((good + 1))
done
is "8 parallel calls: each echoes its own event" "$good" 8
like "parallel calls ran on several workers" "$(pgrep -P "$pid" | wc -l)" '^([2-9]|[1-9][0-9])$'
like "serve's log shows the calls (function output is logged)" "$(grep -c 'END RequestId' "$dir/err")" '^[1-9]'
like "no bootstrap errors in serve's log" "$(grep -c 'echo20_c bootstrap' "$dir/err")" '^0$'
tap_exit
