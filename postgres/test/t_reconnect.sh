#!/usr/bin/env bash
# t_reconnect.sh — one backend keeps one connection alive across calls,
# fails cleanly (08006) while the endpoint is down, and reconnects by itself
# once the endpoint is back on the same port. Uses its own fault server.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
tmp=$(mktemp -d); fpid=
psql_pid=
trap '[ -n "$fpid" ] && kill $fpid 2>/dev/null; [ -n "$psql_pid" ] && kill $psql_pid 2>/dev/null; rm -rf "$tmp"' EXIT
start_fault() { # start_fault PORT
  rm -f "$tmp/port"
  python3 "$top/core/tests/fault_server.py" --port "$1" --port-file "$tmp/port" 3>&- &
  fpid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
}
start_fault 0
port=$(cat "$tmp/port"); url=http://127.0.0.1:$port

# One session: three calls, stop the endpoint, one call, restart, two calls.
mkfifo "$tmp/in"
psql -X -At <"$tmp/in" >"$tmp/out" 2>&1 &
psql_pid=$!
exec 3>"$tmp/in"
echo "SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$url'; SET lc_messages = 'C';" >&3
for i in 1 2 3; do echo "SELECT awslambda_fn('ok_keep', '{\"i\": $i}');" >&3; done
echo "SELECT pg_sleep(0.3);" >&3
sleep 1
counts=$(curl -s "$url/_counts")
conns=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['connections_by_name'].get('ok_keep'))" "$counts")
is "three calls from one backend share one connection (keep-alive)" "$conns" 1
kill "$fpid"; wait "$fpid" 2>/dev/null; fpid=
echo "SET aws_lambda.max_attempts = 1; SELECT awslambda_fn('ok_down', '{}'); RESET aws_lambda.max_attempts;" >&3
sleep 0.5
start_fault "$port"
echo "SELECT awslambda_fn('ok_back', '{\"back\": 1}');" >&3
echo "SELECT awslambda_fn('ok_back', '{\"back\": 2}');" >&3
exec 3>&-
wait "$psql_pid"
out=$(cat "$tmp/out")
like "endpoint down: transport error naming the endpoint" "$out" 'ERROR:  lambda function "ok_down" at 127\.0\.0\.1:[0-9]+: TransportError'
like "endpoint back on the same port: the same backend reconnects" "$out" '\{"back": 1\}'
like "and keeps working" "$out" '\{"back": 2\}'
is "all three calls before the outage answered" "$(echo "$out" | grep -c '^{"i": [123]}$')" 3
tap_exit
