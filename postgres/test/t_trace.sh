#!/usr/bin/env bash
# t_trace.sh — every call is traced at DEBUG1 (function, outcome, HTTP
# status, attempts, latency, endpoint) without its payload; nothing at the
# default log level; the secret key never reaches the server log.
# Needs PGHOST/PGPORT, PG_DIR, MOTO_SECRET_ACCESS_KEY (test/run exports them).
set -u
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
marker="payload-marker-$RANDOM$RANDOM"
log="$PG_DIR/server.log"
lines_before=$(wc -l <"$log")

out=$(psql -X -At 2>&1 <<SQL
SET search_path = public, aws_lambda; SET lc_messages = 'C';
SELECT awslambda_fn('lambdaTest', '{"quiet": "$marker"}');
SET client_min_messages = debug1;
SET log_min_messages = debug1;
SELECT awslambda_fn('lambdaTest', '{"traced": "$marker"}');
SELECT * FROM aws_lambda.invoke('lambdaTest', '{"traced": "$marker"}'::jsonb, invocation_type => 'Event');
RESET log_min_messages;
RESET client_min_messages;
SQL
)
new_log=$(tail -n +"$((lines_before + 1))" "$log")
like "DEBUG1 trace of a RequestResponse call" "$out" 'DEBUG:  aws_lambda: RequestResponse lambdaTest -> OK \(HTTP 200, 1 attempt, [0-9.]+ ms, endpoint 127\.0\.0\.1:[0-9]+, request id [^)]+\)'
like "DEBUG1 trace of an Event call" "$out" 'DEBUG:  aws_lambda: Event lambdaTest -> OK \(HTTP 202'
like "the trace reaches the server log too" "$new_log" 'aws_lambda: RequestResponse lambdaTest -> OK'
is "traces carry no payload" "$(echo "$out" | grep 'DEBUG' | grep -c "$marker")" 0
is "no payload in the server log" "$(echo "$new_log" | grep -v 'STATEMENT' | grep -c "$marker")" 0
is "at the default level a call logs nothing" "$(echo "$new_log" | grep -c 'quiet')" 0
is "the secret access key never appears in the server log" "$(grep -c -F "$MOTO_SECRET_ACCESS_KEY" "$log")" 0
tap_exit
