#!/usr/bin/env bash
# t_dump_restore.sh — pg_dump -Fc of a database using the extension, with
# entries waiting in the queue, restored by pg_restore into a new database
# on another server, where the restored CREATE EXTENSION's commit starts
# the database's worker, which delivers them. The source server has
# aws_lambda preloaded but no room for the worker (max_worker_processes=0),
# so its entries stay queued; the target's worker serves the restored
# database and reports to test/queue_sink.py. Checks: the config-dump
# marks carry the rows of queue, dead_letter, results, batching and the id
# sequence (compared in a second restore on the source server, where no
# worker delivers them first); the restored database's extension catalog equals the source's
# (lib_catalog.sh); a user trigger and grants come back; every restored
# entry is delivered (batching kept) and new ids continue after the old.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$here/lib_catalog.sh"
tmp=$(mktemp -d /tmp/aws_lambda-dump.XXXXXX)
sink_pid=
cleanup() {
  "$top/scripts/pg-stop" "$tmp/src" >/dev/null 2>&1
  "$top/scripts/pg-stop" "$tmp/dst" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod o+x "$tmp"

python3 "$here/queue_sink.py" --port-file "$tmp/sink.port" --log "$tmp/sink.log" &
sink_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/sink.port" ] && break; sleep 0.05; done
: "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
settings=(shared_preload_libraries=aws_lambda lc_messages=C
  "aws_lambda.endpoint_override=http://127.0.0.1:$(cat "$tmp/sink.port")" aws_lambda.max_attempts=1)
"$top/scripts/pg-start" "$tmp/src" "${settings[@]}" max_worker_processes=0 >/dev/null &&
"$top/scripts/pg-start" "$tmp/dst" "${settings[@]}" >/dev/null ||
  { not_ok "dump/restore: servers start"; exit 1; }
on() { (source "$tmp/$1/env"; shift; "$@"); }  # on src|dst CMD...: against that server
# the database: app on the source, postgres (the worker's) on the target
db() { [ "$1" = src ] && echo app || echo postgres; }
sq() { local s=$1; shift; on "$s" psql -X -At -v ON_ERROR_STOP=1 -d "$(db "$s")" "$@" 2>&1; }
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
is_sq() { [ "$(sq dst -c "$1")" = "$2" ]; }

# --- the source: entries queued, history rows, a trigger, grants -------------------
on src psql -X -q -d postgres -c "CREATE DATABASE app"
sq src <<'SQL' >/dev/null
CREATE EXTENSION aws_lambda CASCADE;
CREATE ROLE app_writer;
GRANT USAGE ON SCHEMA aws_lambda TO app_writer;
GRANT EXECUTE ON FUNCTION aws_lambda.enqueue(text, jsonb, text, text, text, text, text) TO app_writer;
CREATE TABLE orders (id int PRIMARY KEY, item text);
CREATE TRIGGER orders_q AFTER INSERT ON orders FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('order-hook');
SELECT aws_lambda.set_batching('batched', 5, 262144, 0);
SELECT aws_lambda.enqueue('restored', '{"n": 1}');
SELECT aws_lambda.enqueue('restored', '{"n": 2}', 'RequestResponse');
SELECT aws_lambda.enqueue('batched', jsonb_build_object('i', i)) FROM generate_series(1, 3) i;
INSERT INTO orders VALUES (1, 'tea');
-- history a worker would have left (this server has none)
INSERT INTO aws_lambda.dead_letter (id, function_name, invocation_type, payload, enqueued_at, attempts, last_error)
  VALUES (1000, 'gone', 'Event', '{}', now(), 10, 'ResourceNotFoundException');
INSERT INTO aws_lambda.results (id, function_name, status_code, payload) VALUES (1001, 'earlier', 200, '{"ok": true}');
SQL
tables="SELECT 'queue', count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM aws_lambda.queue t
  UNION ALL SELECT 'dead_letter', count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM aws_lambda.dead_letter t
  UNION ALL SELECT 'results', count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM aws_lambda.results t
  UNION ALL SELECT 'batching', count(*), md5(string_agg(t::text, '|' ORDER BY t.function_name)) FROM aws_lambda.batching t
  UNION ALL SELECT 'queue_id_seq', last_value, '' FROM aws_lambda.queue_id_seq"
before=$(sq src -c "$tables")
like "source: 6 entries queued (no worker there), a dead letter, a result, a batching row" "$(echo $before)" \
  '^queue\|6\|.* dead_letter\|1\|.* results\|1\|.* batching\|1\|.* queue_id_seq\|6\|$'

# --- dump, restore into the other server's (empty) postgres database ------------------
on src pg_dump -Fc -d app -f "$tmp/app.dump" 2>"$tmp/dump.err"
check "pg_dump -Fc" test -s "$tmp/app.dump"
sq dst -c "CREATE ROLE app_writer" >/dev/null
# No worker in the target database before the restore (no extension there).
check "no worker in the target database before the restore" wait_until 20 is_sq \
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'postgres'" 0
on dst pg_restore --exit-on-error -d postgres "$tmp/app.dump" >"$tmp/restore.log" 2>&1
rc=$?
check "pg_restore into a new database" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$tmp/restore.log" | head -20
# Row for row where no worker can run (the source server, into a second
# database): the target's worker starts at the restored CREATE EXTENSION's
# commit and may deliver the entries before any query could compare them.
on src psql -X -q -d postgres -c "CREATE DATABASE app_copy"
on src pg_restore --exit-on-error -d app_copy "$tmp/app.dump" >"$tmp/restore-copy.log" 2>&1
is "queue, dead_letter, results, batching and the id sequence are restored row for row" \
  "$(on src psql -X -At -d app_copy -c "$tables" 2>&1)" "$before"
a=$(on src bash -c "source '$here/lib_catalog.sh'; catalog app" 2>&1)
b=$(on dst bash -c "source '$here/lib_catalog.sh'; catalog postgres" 2>&1)
d=$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b"))
if [ -z "$d" ] && [ "$(printf '%s\n' "$a" | grep -c 'CREATE FUNCTION')" -gt 10 ]; then
  ok "the restored extension's catalog equals the source's (members, config marks, privileges)"
else
  not_ok "the restored extension's catalog equals the source's (members, config marks, privileges)"
  printf '%s\n' "$d" | head -40 | sed 's/^/#   /'
fi
is "the user's grant on enqueue is restored" \
  "$(sq dst -c "SELECT has_function_privilege('app_writer', 'aws_lambda.enqueue(text,jsonb,text,text,text,text,text)', 'EXECUTE')")" t

# --- the target's worker delivers the restored entries, then new ones -------------------
# (the restored CREATE EXTENSION asked the launcher for it)
check "the restored database has its delivery worker" wait_until 20 is_sq \
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'postgres'" 1
check "the worker delivers every restored entry" wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.queue" 0
new_id=$(sq dst -c "SELECT aws_lambda.enqueue('after-restore', '{}')")
like "a new entry's id continues after the restored ones" "$new_id" '^(7|[89]|[1-9][0-9]+)$'
check "the new entry is delivered" wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.queue" 0
counts=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = lambda b: len(b["records"]) if isinstance(b, dict) and "records" in b else 1
print(" ".join("%s=%d" % (f, sum(n(r["body"]) for r in rows if r["name"] == f))
               for f in ("restored", "batched", "order-hook", "after-restore")))' "$tmp/sink.log")
is "delivered: both restored entries, the 3 batched records (batching restored), the trigger's, the new one" \
  "$counts" "restored=2 batched=3 order-hook=1 after-restore=1"
is "the restored RequestResponse entry left its result beside the restored one" \
  "$(sq dst -c "SELECT string_agg(function_name || ' ' || payload::text, ', ' ORDER BY id) FROM aws_lambda.results")" \
  'restored {"echo": {"n": 2}}, earlier {"ok": true}'
tap_exit
