#!/usr/bin/env bash
# samples/tests/node-function.sh — the Node.js sample (lambdaTempCelsiusNode)
# run as Lambda runs it: `sqlambda serve` over samples/functions starts it
# through aws-lambda-ric (scripts/setup-node installs it), called with the
# CLI's invoke: a batch, a null row, a row that is not a number. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
bin=$top/cli/build/sqlambda
dir=$(mktemp -d /tmp/sqlambda-node-sample.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
if [ ! -x "$bin" ]; then
  not_ok "the sqlambda command is built ($bin: make -C cli)"
  exit 1
fi
# the pinned RIC (idempotent: installed once, by make check before this part)
"$top/scripts/setup-node" >"$dir/setup-node.log" 2>&1 ||
  { not_ok "scripts/setup-node installed the RIC"; sed 's/^/# /' "$dir/setup-node.log" | tail -20; exit 1; }
"$bin" serve --functions "$top/samples/functions" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$dir/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/out")
[ -n "$url" ] || { not_ok "sqlambda serve starts"; cat "$dir/err" >&2; exit 1; }
call() { AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret AWS_REGION=us-east-1 \
  "$bin" invoke --endpoint-url "$url" lambdaTempCelsiusNode "$1" 2>&1; }
got=$(call '{"arguments":[[212],[32],[98.6],[-40]]}')
is "a batch of Fahrenheit readings in Celsius" "$got" '{"success":true,"num_records":4,"results":[100,0,37,-40]}'
got=$(call '{"arguments":[[null],[50]]}')
is "a null reading stays null" "$got" '{"success":true,"num_records":2,"results":[null,10]}'
got=$(call '{"arguments":[[50],["hot"]]}')
is "a reading that is not a number fails the batch, naming the row" "$got" \
  '{"success":false,"error_msg":"row 2: temperature \"hot\" is not a number"}'
tap_exit
