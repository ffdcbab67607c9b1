#!/usr/bin/env bash
# t_worker_fds.sh — the delivery worker and its file descriptors: a server
# started with an open-file limit of 256 (soft and hard) and
# aws_lambda.worker_concurrency = 1000 logs, when the worker starts, a
# WARNING naming the setting and how many calls it will keep in flight
# instead; it then delivers with that many (the endpoint, queue_sink.py,
# sees no more at once, and more than the default 16), never crashing (its
# pid stays the same). A reload to 50 (which fits) warns nothing; a reload
# back to 1000 warns again. Its own server; no root needed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
tmp=$(mktemp -d /tmp/aws_lambda-wfds.XXXXXX)
sink_pid=
cleanup() {
  "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod o+x "$tmp"

python3 "$top/postgres/test/queue_sink.py" --port-file "$tmp/sink.port" --log "$tmp/sink.log" &
sink_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/sink.port" ] && break; sleep 0.05; done
sink_port=$(cat "$tmp/sink.port")
touch "$tmp/sink.log"
: "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
# the limit only for the server (a subshell): 256 soft and hard
( ulimit -Sn 256 && ulimit -Hn 256 && "$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$sink_port" lc_messages=C \
  aws_lambda.worker_concurrency=1000 aws_lambda.max_attempts=1 >/dev/null ) ||
  { not_ok "worker fds: server starts with an open-file limit of 256"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
log=$tmp/pg/server.log
sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
worker_pid() { sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'"; }
warnings() { grep -c 'WARNING:  aws_lambda worker: aws_lambda.worker_concurrency = 1000: ' "$log"; }
sink_count() { python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l)["name"]))' "$tmp/sink.log" "$1"; }
sink_conc() { python3 -c '
import json, sys
print(max([json.loads(l)["conc"] for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l)["name"]] or [0]))' "$tmp/sink.log" "$1"; }
count_is() { [ "$(sink_count "$1")" = "$2" ]; }

sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
wait_until 10 grep -q 'aws_lambda worker: aws_lambda.worker_concurrency' "$log"
wp=$(worker_pid)
is "the server and its worker run under an open-file limit of 256" \
  "$(awk '/^Max open files/ {print $4 "/" $5}' "/proc/${wp:-0}/limits" 2>/dev/null)" "256/256"
line=$(grep 'WARNING:  aws_lambda worker: aws_lambda.worker_concurrency = 1000' "$log" | head -1)
like "at start: a WARNING names aws_lambda.worker_concurrency and the limits" "$line" \
  'aws_lambda.worker_concurrency = 1000: 1000 calls in flight need [0-9]+ file descriptors .*RLIMIT_NOFILE 256, hard limit 256'
# (the serving worker's own DETAIL: the launcher's probe of the database,
# before CREATE EXTENSION, said it too, with its own count of open files)
keep=$(grep -a "\[$wp\] DETAIL:  The delivery worker keeps at most" "$log" | sed -n 's/.*DETAIL:  The delivery worker keeps at most \([0-9]*\) calls in flight\..*/\1/p' | sort -n | tail -1)
if [ -n "$keep" ] && [ "$keep" -gt 16 ] && [ "$keep" -lt 256 ]; then
  ok "at start: the DETAIL says how many calls the worker keeps in flight instead ($keep)"
else not_ok "at start: the DETAIL says how many calls the worker keeps in flight instead (got '${keep}')"; fi
like "the WARNING's HINT names the setting and the limit" "$(grep -A3 'WARNING:  aws_lambda worker: aws_lambda.worker_concurrency' "$log" | grep HINT | head -1)" \
  'LimitNOFILE.*lower aws_lambda.worker_concurrency'

# 600 entries, each answered after 300 ms: the worker delivers them all,
# with as many at once as it said, never more
sq -c "SELECT count(aws_lambda.enqueue('slow300_wfds', jsonb_build_object('i', g))) FROM generate_series(1, 600) g" >/dev/null
if wait_until 60 count_is slow300_wfds 600; then ok "all 600 entries delivered under the 256-fd limit"
else not_ok "all 600 entries delivered under the 256-fd limit ($(sink_count slow300_wfds) arrived)"; fi
conc=$(sink_conc slow300_wfds)
if [ -n "$keep" ] && [ "$conc" -le "$keep" ] && [ "$conc" -gt 16 ]; then
  ok "the worker kept at most $keep in flight, more than the default 16 (the endpoint saw $conc at once)"
else not_ok "the worker kept at most ${keep:-?} in flight, more than 16 (the endpoint saw $conc at once)"; fi
wait_until 10 [ "$(sq -c 'SELECT count(*) FROM aws_lambda.queue')" = 0 ]
is "the queue is empty, nothing dead-lettered" "$(sq -c 'SELECT (SELECT count(*) FROM aws_lambda.queue)::text || (SELECT count(*) FROM aws_lambda.dead_letter)::text')" "00"

# reloads: 50 fits (no WARNING), 1000 again does not (a second WARNING)
before=$(warnings)
sq -c "ALTER SYSTEM SET aws_lambda.worker_concurrency = 50" -c "SELECT pg_reload_conf()" >/dev/null
sq -c "SELECT count(aws_lambda.enqueue('fast_wfds', jsonb_build_object('i', g))) FROM generate_series(1, 20) g" >/dev/null
wait_until 20 count_is fast_wfds 20
is "reload to 50 (fits): no WARNING, deliveries go on" "$(warnings) $(sink_count fast_wfds)" "$before 20"
sq -c "ALTER SYSTEM SET aws_lambda.worker_concurrency = 1000" -c "SELECT pg_reload_conf()" >/dev/null
sq -c "SELECT count(aws_lambda.enqueue('again_wfds', jsonb_build_object('i', g))) FROM generate_series(1, 20) g" >/dev/null
wait_until 20 count_is again_wfds 20
wait_until 5 [ "$(warnings)" -gt "$before" ]
is "reload back to 1000: the WARNING again, deliveries go on" "$(warnings) $(sink_count again_wfds)" "$((before + 1)) 20"
is "the worker never crashed: same pid throughout" "$(worker_pid)" "$wp"
# (pg_ctl's startup probe may log "FATAL: the database system is starting up")
crashes() { grep -E 'terminated by signal|exited with exit code|PANIC|FATAL' "$log" | grep -v 'the database system is'; }
if [ -n "$(crashes)" ]; then
  not_ok "no process of the server exited or crashed"; crashes | head -5 | sed 's/^/#   /'
else ok "no process of the server exited or crashed"; fi
tap_exit
