#!/usr/bin/env bash
# t_queue_delivery.sh — transactional delivery end to end, counted at the
# endpoint (test/queue_sink.py records every invocation): its own server
# with aws_lambda preloaded and the worker pointed at the sink. Commit
# delivers, rollback and a rolled-back savepoint deliver nothing; trigger
# payloads (envelope and 'new'); the idempotency key; RequestResponse
# results; a poison event ends in dead_letter while the others arrive;
# retry_function_errors (reloaded with SIGHUP); the endpoint down for a
# while, then back; a reload switches the endpoint; batches respect
# max_records and max_bytes; queue_status; a non-superuser with EXECUTE on
# enqueue needs no rights on the table; an oversize payload is dead-lettered;
# SIGTERM stops the worker cleanly and it comes back.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_reload.sh"
tmp=$(mktemp -d /tmp/aws_lambda-queue.XXXXXX)
sink_pid=
cleanup() {
  "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod o+x "$tmp"

start_sink() { # [port]
  rm -f "$tmp/sink.port"
  python3 "$top/postgres/test/queue_sink.py" --port-file "$tmp/sink.port" --log "$tmp/sink.log" \
    --port "${1:-0}" &
  sink_pid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/sink.port" ] && break; sleep 0.05; done
}
start_sink
sink_port=$(cat "$tmp/sink.port")
: "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
"$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$sink_port" lc_messages=C \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=300 aws_lambda.max_delivery_attempts=100 \
  aws_lambda.connect_timeout_ms=200 aws_lambda.max_attempts=1 max_prepared_transactions=5 >/dev/null ||
  { not_ok "queue: server starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }

# Invocations the sink saw for NAME (or a jq-like python expression).
sink() { python3 - "$tmp/sink.log" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])] if len(sys.argv) > 1 else []
name, what = sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "count")
mine = [r for r in rows if r["name"] == name]
if what == "count": print(len(mine))
elif what == "bodies": print("\n".join(json.dumps(r["body"], sort_keys=True) for r in mine))
elif what == "keys": print("\n".join(r["context"]["custom"]["idempotency_key"] if r["context"] else "-" for r in mine))
elif what == "types": print(" ".join(r["type"] for r in mine))
elif what == "batches": print(" ".join(sorted((str(len(r["body"]["records"])) for r in mine), reverse=True)))
elif what == "sizes": print(" ".join(str(r["bytes"]) for r in mine))
elif what == "records": print(" ".join(str(x["i"]) for r in sorted(mine, key=lambda r: r["body"]["records"][0]["i"]) for x in r["body"]["records"]))
PY
}
# wait_until SECONDS CMD...: polls CMD until it succeeds
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
count_is() { [ "$(sink "$1")" = "$2" ]; }
queue_empty() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.queue WHERE function_name LIKE '$1'")" = 0 ]; }

sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
like "the delivery worker runs, connected to the database it serves" \
  "$(sq -c "SELECT backend_type || ' ' || datname FROM pg_stat_activity WHERE backend_type LIKE 'aws_lambda%'")" \
  '^aws_lambda delivery worker postgres$'

# 1. Commit delivers, rollback does not, a rolled-back savepoint does not.
sq <<'SQL' >/dev/null
BEGIN; SELECT aws_lambda.enqueue('rb', '{"n": 1}'); ROLLBACK;
BEGIN; SELECT aws_lambda.enqueue('commit1', '{"n": 1}'); COMMIT;
CREATE TABLE ev (id int PRIMARY KEY, tag text);
CREATE TRIGGER ev_q AFTER INSERT OR UPDATE OR DELETE ON ev FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('sp');
BEGIN;
INSERT INTO ev VALUES (1, 'before savepoint');
SAVEPOINT s;
INSERT INTO ev VALUES (2, 'rolled back'), (3, 'rolled back');
ROLLBACK TO SAVEPOINT s;
INSERT INTO ev VALUES (4, 'after savepoint');
COMMIT;
SQL
if wait_until 5 count_is commit1 1; then ok "commit: the event reaches the endpoint"; else not_ok "commit: the event reaches the endpoint ($(sink commit1))"; fi
wait_until 5 count_is sp 2
# Entries are delivered concurrently, so in any order: compare sorted.
is "savepoint rolled back: only the rows outside it are delivered" \
  "$(sink sp bodies | python3 -c 'import sys,json; print(" ".join(sorted(str(json.loads(l)["new"]["id"]) for l in sys.stdin)))')" "1 4"
is "rollback: nothing delivered" "$(sink rb)" 0
is "rollback: nothing left in the queue" "$(sq -c "SELECT count(*) FROM aws_lambda.queue")" 0

# 1b. Two-phase commit: a prepared transaction delivers nothing until
#     COMMIT PREPARED, which runs in a session without the enqueue's commit
#     callback, and then it is delivered with nothing else to wake the
#     worker (its idle sweep, once a second; it waited forever before).
sq -c "BEGIN" -c "SELECT aws_lambda.enqueue('prepared1', '{}')" -c "PREPARE TRANSACTION 'q2pc'" >/dev/null
sleep 1.5
is "prepared, not committed: nothing delivered" "$(sink prepared1)" 0
sq -c "COMMIT PREPARED 'q2pc'" >/dev/null
if wait_until 5 count_is prepared1 1; then ok "COMMIT PREPARED: delivered within the idle sweep"
else not_ok "COMMIT PREPARED: delivered within the idle sweep ($(sink prepared1), queue: $(sq -c "SELECT count(*) FROM aws_lambda.queue"))"; fi
sq -c "BEGIN" -c "SELECT aws_lambda.enqueue('prepared_rb', '{}')" -c "PREPARE TRANSACTION 'q2pc_rb'" -c "ROLLBACK PREPARED 'q2pc_rb'" >/dev/null
sleep 1.5
is "ROLLBACK PREPARED: nothing delivered" "$(sink prepared_rb)" 0

# 2. Trigger payloads: the envelope for INSERT/UPDATE/DELETE and 'new'.
sq <<'SQL' >/dev/null
CREATE TABLE reading (id int PRIMARY KEY, temp numeric, note text);
CREATE TRIGGER reading_env AFTER INSERT OR UPDATE OR DELETE ON reading FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('envelope');
CREATE TRIGGER reading_new AFTER INSERT ON reading FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('newrow', 'new');
INSERT INTO reading VALUES (7, 21.5, 'quote " and \ backslash');
UPDATE reading SET temp = 22 WHERE id = 7;
DELETE FROM reading WHERE id = 7;
SQL
wait_until 5 count_is envelope 3
# Calls run concurrently: arrival order is not queue order; sort by seq.
env=$(sink envelope bodies | python3 -c 'import sys,json; [print(l.rstrip()) for l in sorted(sys.stdin, key=lambda l: json.loads(l)["seq"])]')
like "envelope INSERT: op, schema, table, new row, txid, seq" "$(echo "$env" | sed -n 1p)" \
  '^\{"new": \{"id": 7, "note": "quote \\" and \\\\ backslash", "temp": 21.5\}, "op": "INSERT", "schema": "public", "seq": [0-9]+, "table": "reading", "txid": [0-9]+\}$'
like "envelope UPDATE: new and old rows" "$(echo "$env" | sed -n 2p)" \
  '"new": \{"id": 7, "note": [^}]*, "temp": 22\}, "old": \{"id": 7, "note": [^}]*, "temp": 21.5\}, "op": "UPDATE"'
like "envelope DELETE: old row only" "$(echo "$env" | sed -n 3p)" '^\{"old": \{"id": 7, [^}]*\}, "op": "DELETE", "schema"'
txids=$(echo "$env" | python3 -c 'import sys,json; print(" ".join(str(json.loads(l)["txid"]) for l in sys.stdin))')
like "envelope: seq follows the order of the changes (their txids increase with it)" "$txids" '^[0-9]+ [0-9]+ [0-9]+$'
[ "$(echo $txids | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "$txids " ] && ok "seq order is change order" || not_ok "seq order is change order (txids $txids)"
wait_until 5 count_is newrow 1
is "'new': just the new row, as the walkthrough's trigger sent it" "$(sink newrow bodies)" \
  '{"id": 7, "note": "quote \" and \\ backslash", "temp": 21.5}'
is "trigger events are Event invocations" "$(sink envelope types)" "Event Event Event"

# The envelope names the table's schema as it is now (renamed mid-session).
sq <<'SQL' >/dev/null
CREATE SCHEMA s_before;
CREATE TABLE s_before.t (id int);
CREATE TRIGGER t_q AFTER INSERT ON s_before.t FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('schemaname');
INSERT INTO s_before.t VALUES (1);
ALTER SCHEMA s_before RENAME TO s_after;
INSERT INTO s_after.t VALUES (2);
SQL
wait_until 5 count_is schemaname 2
is "envelope schema follows a rename in the same session" \
  "$(sink schemaname bodies | python3 -c 'import sys,json; print(" ".join(b["schema"] for b in sorted((json.loads(l) for l in sys.stdin), key=lambda b: b["seq"])))')" \
  "s_before s_after"

# 3. Idempotency key: <system identifier>-<queue id>.
id=$(sq -c "SELECT aws_lambda.enqueue('idem', '{}')")
sysid=$(sq -c "SELECT system_identifier FROM pg_control_system()")
wait_until 5 count_is idem 1
is "client context carries the idempotency key <system_identifier>-<queue id>" "$(sink idem keys)" "$sysid-$id"

# 4. RequestResponse: the response in aws_lambda.results.
id=$(sq -c "SELECT aws_lambda.enqueue('rr', '{\"ask\": 42}', 'RequestResponse')")
wait_until 5 queue_empty rr
is "RequestResponse: response stored in aws_lambda.results" \
  "$(sq -c "SELECT status_code || ' ' || payload::text || ' ' || coalesce(function_error, '-') FROM aws_lambda.results WHERE id = $id")" \
  '200 {"echo": {"ask": 42}} -'
is "RequestResponse: sent as RequestResponse" "$(sink rr types)" "RequestResponse"
# aws_lambda.result_ttl: the worker purges expired results.
reload_conf "ALTER SYSTEM SET aws_lambda.result_ttl = '1s'"
ttl_id=$(sq -c "SELECT aws_lambda.enqueue('rr_ttl', '{}', 'RequestResponse')")
purged() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.results WHERE id IN ($id, $ttl_id)")" = 0 ]; }
if wait_until 6 purged; then ok "result_ttl 1s: expired results are purged"
else not_ok "result_ttl 1s: expired results are purged"; sq -c "SELECT id, completed_at, now() FROM aws_lambda.results" -c "SHOW aws_lambda.result_ttl" | sed 's/^/# /'; fi
reload_conf "ALTER SYSTEM RESET aws_lambda.result_ttl"

# 5. Poison events: a function error (retry_function_errors = 0) and an
#    unknown function go to dead_letter; the others in the same transaction arrive.
sq <<'SQL' >/dev/null
BEGIN;
SELECT aws_lambda.enqueue('good', jsonb_build_object('i', g)) FROM generate_series(1, 5) g;
SELECT aws_lambda.enqueue('funcerror_poison', '{"bad": true}');
SELECT aws_lambda.enqueue('notfound_fn', '{"bad": true}');
SELECT aws_lambda.enqueue('funcerror_rr', '{"bad": true}', 'RequestResponse');
COMMIT;
SQL
wait_until 5 queue_empty '%'
is "poison: the good events all arrive" "$(sink good)" 5
is "poison: dead_letter holds the three failures, one attempt each" \
  "$(sq -c "SELECT string_agg(function_name || ':' || attempts, ' ' ORDER BY id) FROM aws_lambda.dead_letter")" \
  "funcerror_poison:1 notfound_fn:1 funcerror_rr:1"
like "dead_letter: the function error's last error names the error" \
  "$(sq -c "SELECT last_error FROM aws_lambda.dead_letter WHERE function_name = 'funcerror_poison'")" 'ValueError: poison event'
like "dead_letter: the unknown function's last error is ResourceNotFound" \
  "$(sq -c "SELECT last_error FROM aws_lambda.dead_letter WHERE function_name = 'notfound_fn'")" 'ResourceNotFoundException'
is "dead_letter keeps the payload" "$(sq -c "SELECT payload FROM aws_lambda.dead_letter WHERE function_name = 'notfound_fn'")" '{"bad": true}'
is "poison: each was tried once (no retry of a non-retryable error)" "$(sink notfound_fn) $(sink funcerror_poison)" "1 1"
is "RequestResponse function error: its error payload in results" \
  "$(sq -c "SELECT payload->>'errorType' || ' ' || function_error FROM aws_lambda.results WHERE function_name = 'funcerror_rr'")" \
  "ValueError Unhandled"

# 6. retry_function_errors = 2 (reloaded): three attempts, then dead_letter.
reload_conf "ALTER SYSTEM SET aws_lambda.retry_function_errors = 2"
sq -c "SELECT aws_lambda.enqueue('funcerror_retried', '{}')" >/dev/null
wait_until 10 queue_empty funcerror_retried
is "retry_function_errors = 2: tried three times" "$(sink funcerror_retried)" 3
is "then dead_letter with attempts = 3" \
  "$(sq -c "SELECT attempts FROM aws_lambda.dead_letter WHERE function_name = 'funcerror_retried'")" 3
reload_conf "ALTER SYSTEM RESET aws_lambda.retry_function_errors"

# 7. Endpoint down for a while, then back on the same port.
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null; sink_pid=
sq -c "SELECT aws_lambda.enqueue('outage', jsonb_build_object('i', g)) FROM generate_series(1, 5) g" >/dev/null
sleep 1.5
st=$(sq -c "SELECT count(*) || ' ' || (min(attempts) > 0) || ' ' || bool_and(last_error LIKE '%127.0.0.1%') FROM aws_lambda.queue WHERE function_name = 'outage'")
is "endpoint down: the events wait in the queue, retried, last_error names the endpoint" "$st" "5 true true"
is "endpoint down: nothing in dead_letter" "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter WHERE function_name = 'outage'")" 0
start_sink "$sink_port"
if wait_until 10 queue_empty outage; then ok "endpoint back: the queue drains"; else not_ok "endpoint back: the queue drains"; fi
is "endpoint back: all five events delivered" "$(sink outage)" 5

# 7a. A retryable error on every attempt: dead_letter after
#     max_delivery_attempts, with the last error.
reload_conf "ALTER SYSTEM SET aws_lambda.max_delivery_attempts = 3"
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null; sink_pid=
sleep 0.3
sq -c "SELECT aws_lambda.enqueue('giveup', '{}')" >/dev/null
dead_giveup() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter WHERE function_name = 'giveup'")" = 1 ]; }
wait_until 10 dead_giveup
like "max_delivery_attempts 3: transport errors end in dead_letter after 3 attempts, error named" \
  "$(sq -c "SELECT attempts || ' ' || last_error FROM aws_lambda.dead_letter WHERE function_name = 'giveup'")" \
  "^3 .*127\.0\.0\.1:$sink_port"
start_sink "$sink_port"
reload_conf "ALTER SYSTEM RESET aws_lambda.max_delivery_attempts"

# 7b. SIGHUP reloads the worker's client: a new endpoint takes effect.
dead=$(free_port)
reload_conf "ALTER SYSTEM SET aws_lambda.endpoint_override = 'http://127.0.0.1:$dead'"
sq -c "SELECT aws_lambda.enqueue('reload', '{}')" >/dev/null
sleep 0.5
like "reload: the new endpoint is used (the entry waits, its error names port $dead)" \
  "$(sq -c "SELECT last_error FROM aws_lambda.queue WHERE function_name = 'reload'")" "127.0.0.1:$dead"
reload_conf "ALTER SYSTEM RESET aws_lambda.endpoint_override"
if wait_until 10 count_is reload 1; then ok "reload back: delivered to the configured endpoint"
else
  not_ok "reload back: delivered to the configured endpoint (sink saw $(sink reload))"
  sq -c "SELECT attempts, next_attempt_at - now(), last_error FROM aws_lambda.queue WHERE function_name = 'reload'" | sed 's/^/# /'
  grep -E 'endpoint_override|worker' "$tmp/pg/server.log" | tail -5 | sed 's/^/# /'
fi

# 8. Micro-batches respect max_records and max_bytes.
sq <<'SQL' >/dev/null
SELECT aws_lambda.set_batching('byrecords', 4, 262144, 200);
SELECT aws_lambda.set_batching('bybytes', 1000, 140, 200);
BEGIN;
SELECT aws_lambda.enqueue('byrecords', jsonb_build_object('i', g)) FROM generate_series(1, 10) g;
SELECT aws_lambda.enqueue('bybytes', jsonb_build_object('i', g, 'pad', repeat('x', 20))) FROM generate_series(1, 10) g;
COMMIT;
SQL
wait_until 5 queue_empty 'by%'
is "max_records 4: 10 events in batches of 4, 4, 2" "$(sink byrecords batches)" "4 4 2"
is "max_records: every event once, in order within its batch" "$(sink byrecords records)" "1 2 3 4 5 6 7 8 9 10"
sizes=$(sink bybytes sizes)
okb=1; for s in $sizes; do [ "$s" -le 140 ] || okb=0; done
[ "$okb" = 1 ] && [ -n "$sizes" ] && ok "max_bytes 140: every batch within it ($sizes bytes)" || not_ok "max_bytes 140: every batch within it ($sizes)"
is "max_bytes: every event once, in order within its batch" "$(sink bybytes records)" "1 2 3 4 5 6 7 8 9 10"
is "max_bytes: as many records as fit (three are about 133 bytes, four would pass 140)" "$(sink bybytes batches)" "3 3 3 1"
like "a batch carries a key for its entries" "$(sink byrecords keys | sed -n 1p)" "^$sysid-[0-9]+-[0-9]+$"

# 9. queue_status: in flight during a slow call, then the counts.
sq -c "SELECT aws_lambda.enqueue('slow2000_status', '{}')" >/dev/null
status() { sq -c "SELECT depth || ' ' || in_flight || ' ' || (oldest_age IS NOT NULL) FROM aws_lambda.queue_status WHERE function_name = 'slow2000_status'"; }
in_flight_seen() { [ "$(status)" = "1 1 true" ]; }
wait_until 1 in_flight_seen
is "queue_status while a call is in flight (2 s): depth 1, in_flight 1, oldest_age set" "$(status)" "1 1 true"
wait_until 5 queue_empty slow2000_status
is "queue_status after: depth 0, in_flight 0, delivered 1" \
  "$(sq -c "SELECT depth || ' ' || in_flight || ' ' || delivered || ' ' || failed FROM aws_lambda.queue_status WHERE function_name = 'slow2000_status'")" "0 0 1 0"
is "queue_status counts delivered and failed per function" \
  "$(sq -c "SELECT string_agg(function_name || '=' || delivered || '/' || failed, ' ' ORDER BY function_name) FROM aws_lambda.queue_status WHERE function_name IN ('good', 'funcerror_poison', 'outage', 'byrecords')")" \
  "byrecords=10/0 funcerror_poison=0/1 good=5/0 outage=5/0"

# 10. A role granted EXECUTE on enqueue / a table with the trigger needs no
#     rights on the queue table.
sq <<'SQL' >/dev/null
CREATE ROLE queue_user LOGIN;
GRANT USAGE ON SCHEMA aws_lambda TO queue_user;
GRANT EXECUTE ON FUNCTION aws_lambda.enqueue(text, jsonb, text, text, text, text, text) TO queue_user;
GRANT INSERT ON ev TO queue_user;
SQL
out=$(sq -U queue_user -c "SELECT aws_lambda.enqueue('granted', '{}') > 0" -c "INSERT INTO ev VALUES (100, 'by queue_user')" -c "SELECT count(*) FROM aws_lambda.queue" | tr '\n' ' ')
like "a granted role enqueues and fires the trigger, but cannot read the queue" "$out" \
  '^t INSERT 0 1 .*permission denied for table queue'
wait_until 5 count_is granted 1 && ok "its event is delivered" || not_ok "its event is delivered"
# The row's JSON is built as the inserting user: a cast the table's owner
# defined (enum -> json) runs as that user, never as the queue's owner.
sq <<'SQL' >/dev/null
CREATE SCHEMA qu AUTHORIZATION queue_user;
GRANT EXECUTE ON FUNCTION aws_lambda.trigger_invoke() TO queue_user;
SET ROLE queue_user;
CREATE TYPE qu.mood AS ENUM ('happy');
CREATE FUNCTION qu.mood_json(qu.mood) RETURNS json LANGUAGE sql
  AS $$ SELECT json_build_object('built_by', current_user::text) $$;
CREATE CAST (qu.mood AS json) WITH FUNCTION qu.mood_json(qu.mood);
CREATE TABLE qu.moods (m qu.mood);
CREATE TRIGGER moods_q AFTER INSERT ON qu.moods FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('castuser', 'new');
INSERT INTO qu.moods VALUES ('happy');
SQL
wait_until 5 count_is castuser 1
is "a user-defined cast in the row runs as the inserting user, not the queue's owner" "$(sink castuser bodies)" '{"m": {"built_by": "queue_user"}}'

# 11. An Event payload over Lambda's 1 MB limit: dead_letter at once, named.
sq -c "SELECT aws_lambda.enqueue('toolarge', jsonb_build_object('blob', repeat('x', 1100000)))" >/dev/null
wait_until 5 queue_empty toolarge
like "an oversize Event payload goes to dead_letter with an error naming the limit" \
  "$(sq -c "SELECT attempts || ' ' || last_error FROM aws_lambda.dead_letter WHERE function_name = 'toolarge'")" \
  '^1 .*(large|limit|bytes)'
is "nothing oversize was sent" "$(sink toolarge)" 0

# 12. SIGTERM (pg_terminate_backend): the worker exits cleanly and comes
#     back; what was queued meanwhile is delivered.
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
sq -c "SELECT pg_terminate_backend($wpid)" >/dev/null
gone() { ! kill -0 "$wpid" 2>/dev/null; }
wait_until 2 gone && ok "SIGTERM: the worker exits" || not_ok "SIGTERM: the worker exits"
like "SIGTERM: it logs a clean shutdown" "$(grep 'delivery worker shutting down' "$tmp/pg/server.log")" 'shutting down \(0 entries held stay queued\)'
sq -c "SELECT aws_lambda.enqueue('after_term', '{}')" >/dev/null
back() { [ -n "$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND pid <> $wpid")" ]; }
wait_until 10 back && ok "the worker is restarted" || not_ok "the worker is restarted"
wait_until 5 count_is after_term 1 && ok "an event queued while it was down is delivered" || not_ok "an event queued while it was down is delivered"

# 13. Large payloads: the worker holds at most about 64 MB of them at once;
#     80 entries of 900 kB (72 MB) are all delivered.
sq -c "SELECT aws_lambda.enqueue('big', jsonb_build_object('i', g, 'blob', repeat('x', 900000))) FROM generate_series(1, 80) g" >/dev/null
peak=0
for _ in $(seq 1 200); do
  n=$(sq -c "SELECT coalesce(max(in_flight), 0) || ' ' || coalesce(max(depth), 0) FROM aws_lambda.queue_status WHERE function_name = 'big'")
  [ "${n% *}" -gt "$peak" ] && peak=${n% *}
  [ "${n#* }" = 0 ] && break
  sleep 0.05
done
is "80 large entries delivered" "$(sink big)" 80
if [ "$peak" -gt 0 ] && [ "$peak" -le 76 ]; then ok "held at most ~64 MB of payloads at once (peak $peak entries of 900 kB)"
else not_ok "held at most ~64 MB of payloads at once (peak $peak entries)"; fi

# 14. No error in the server log from the worker.
if grep -E 'aws_lambda worker|delivery worker.*(terminated by signal|exit code [^01])' "$tmp/pg/server.log" >/dev/null; then
  not_ok "the worker logged no error"; grep -E 'aws_lambda|worker' "$tmp/pg/server.log" | tail -5 | sed 's/^/# /'
else ok "the worker logged no error"; fi
tap_exit
