#!/usr/bin/env bash
# t_upgrade.sh — ALTER EXTENSION ... UPDATE from every release kept in
# postgres/releases/ (as it shipped) to this version (the file VERSION).
# Data and behaviour: its own server (aws_lambda preloaded, the worker
# pointed at test/queue_sink.py) gets 1.0 in the worker's database, rows in
# queue (held for later), dead_letter, results, batching and
# delivery_counts, a user trigger and a user grant; after the update every
# row is unchanged, the held entries and new ones are delivered by the
# worker, a synchronous call works, the new constructor validation and the
# aws_lambda_invoker role are there and PUBLIC still may execute nothing;
# the grant on enqueue, replaced by one with order_key, is carried over.
# Object for object: a database upgraded from each kept release has the
# same catalog as a fresh install (lib_catalog.sh: binary-upgrade schema
# dump, config-dump marks, members, init privileges).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$here/lib_catalog.sh"
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/aws_lambda-upgrade.XXXXXX)
sink_pid=
cleanup() {
  "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
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
"$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$(cat "$tmp/sink.port")" lc_messages=C \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=300 aws_lambda.max_attempts=1 >/dev/null ||
  { not_ok "upgrade: server starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
# sink_counts NAME...: "NAME=N ..." (N: records the sink received for NAME,
# a batch {"records": [...]} counting each record)
sink_counts() { python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = lambda b: len(b["records"]) if isinstance(b, dict) and "records" in b else 1
print(" ".join("%s=%d" % (f, sum(n(r["body"]) for r in rows if r["name"] == f)) for f in sys.argv[2:]))' \
  "$tmp/sink.log" "$@"; }
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
is_sq() { [ "$(sq -c "$1")" = "$2" ]; }
versions="SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension
           WHERE extname LIKE 'aws_%'"

# Every release kept has its shipped SQL and a path to this version.
releases=$(cd "$top/postgres/releases" && ls aws_lambda--*.sql | grep -v -- '--.*--' |
  sed 's/^aws_lambda--\(.*\)\.sql$/\1/' | sort -V)
like "releases/ keeps 1.0, the first release" "$releases" '^1\.0$|^1\.0 '
for r in $releases; do
  is "aws_lambda $r has an update path to $version" \
    "$(sq -c "SELECT path FROM pg_extension_update_paths('aws_lambda') WHERE source = '$r' AND target = '$version'" | grep -c .)" 1
done

# --- 1.0 in the worker's database, with data --------------------------------
sq -c "CREATE EXTENSION aws_commons VERSION '1.0'" -c "CREATE EXTENSION aws_lambda VERSION '1.0'" >/dev/null
is "1.0 installs from the kept release SQL" "$(sq -c "$versions")" "aws_commons 1.0, aws_lambda 1.0"
is "1.0 has no aws_lambda_invoker role yet" "$(sq -c "SELECT count(*) FROM pg_roles WHERE rolname = 'aws_lambda_invoker'")" 0
is "1.0's constructor does not validate (the shipped SQL, not today's)" \
  "$(sq -c "SELECT (aws_commons.create_lambda_function_arn('bad name!', 'us-east-1')).function_name")" "bad name!"
sq <<'SQL' >/dev/null
CREATE ROLE app LOGIN;
GRANT USAGE ON SCHEMA aws_lambda TO app;
GRANT EXECUTE ON FUNCTION aws_lambda.enqueue(text, jsonb, text, text, text) TO app;
CREATE TABLE orders (id int PRIMARY KEY, item text);
CREATE TRIGGER orders_q AFTER INSERT ON orders FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('order-hook');
SELECT aws_lambda.set_batching('batched', 5, 262144, 0);
SELECT aws_lambda.enqueue('pre', '{"n": 0}', 'RequestResponse');
SELECT aws_lambda.enqueue('notfound-dl', '{"n": 0}');
SQL
check "1.0: the worker delivers (a result row)" wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.results" 1
check "1.0: a 404 is dead-lettered" wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.dead_letter" 1
# Entries held in the queue across the update (due tomorrow until released).
sq <<'SQL' >/dev/null
BEGIN;
SELECT aws_lambda.enqueue('held', '{"n": 1}');
SELECT aws_lambda.enqueue('held', '{"n": 2}', 'RequestResponse');
SELECT aws_lambda.enqueue('batched', jsonb_build_object('i', i)) FROM generate_series(1, 3) i;
INSERT INTO orders VALUES (1, 'tea');
UPDATE aws_lambda.queue SET next_attempt_at = now() + interval '1 day';
COMMIT;
SQL
snapshot() {
  # (1.1.0 adds order_key to queue and dead_letter: the rows keep every
  # other column, and order_key is NULL, which jsonb_strip_nulls drops)
  sq -c "SELECT 'queue', count(*), md5(string_agg(jsonb_strip_nulls(to_jsonb(t))::text, '|' ORDER BY t.id)) FROM aws_lambda.queue t
    UNION ALL SELECT 'dead_letter', count(*), md5(string_agg(jsonb_strip_nulls(to_jsonb(t))::text, '|' ORDER BY t.id)) FROM aws_lambda.dead_letter t
    UNION ALL SELECT 'results', count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM aws_lambda.results t
    UNION ALL SELECT 'batching', count(*), md5(string_agg(t::text, '|' ORDER BY t.function_name)) FROM aws_lambda.batching t
    UNION ALL SELECT 'delivery_counts', count(*), md5(string_agg(t::text, '|' ORDER BY t.function_name)) FROM aws_lambda.delivery_counts t
    UNION ALL SELECT 'queue_id_seq', last_value, '' FROM aws_lambda.queue_id_seq"
}
before=$(snapshot)
like "before the update: 6 queued, 1 dead-lettered, 1 result, 1 batching row" "$(echo $before)" \
  '^queue\|6\|.* dead_letter\|1\|.* results\|1\|.* batching\|1\|.* delivery_counts\|2\|'

# --- the update ----------------------------------------------------------------
out=$(sq -c "ALTER EXTENSION aws_lambda UPDATE" -c "ALTER EXTENSION aws_commons UPDATE")
is "ALTER EXTENSION aws_lambda / aws_commons UPDATE" "$out" "ALTER EXTENSION
ALTER EXTENSION"
is "both are at $version" "$(sq -c "$versions")" "aws_commons $version, aws_lambda $version"
is "every row of queue, dead_letter, results, batching, delivery_counts and the sequence survives" \
  "$(snapshot)" "$before"

# --- behaviour after --------------------------------------------------------------
sq -c "UPDATE aws_lambda.queue SET next_attempt_at = now()" \
   -c "SELECT aws_lambda.enqueue('after', '{\"n\": 3}')" >/dev/null
check "the worker delivers the held entries and a new one" \
  wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.queue" 0
is "delivered after the update: both held, the 3 batched records, the trigger's, the new one" \
  "$(sink_counts held batched order-hook after)" "held=2 batched=3 order-hook=1 after=1"
is "the held RequestResponse entry left its result" \
  "$(sq -c "SELECT payload FROM aws_lambda.results WHERE function_name = 'held'")" \
  '{"echo": {"n": 2}}'
like "a synchronous call works" "$(sq -c "SELECT aws_lambda.awslambda_fn('sync', '{\"x\": 1}')")" '"echo": ?\{"x": ?1\}'
like "the constructor validates now (aws_commons updated)" \
  "$(sq -c "SELECT aws_commons.create_lambda_function_arn('bad name!', 'us-east-1')")" 'ERROR: .*function'
is "the update created the aws_lambda_invoker role, with its comment" \
  "$(sq -c "SELECT count(*) FROM pg_roles WHERE rolname = 'aws_lambda_invoker' AND shobj_description(oid, 'pg_authid') LIKE 'May invoke Lambda%'")" 1
sq -c "GRANT aws_lambda_invoker TO app" >/dev/null
like "a member of aws_lambda_invoker may call awslambda_fn" \
  "$(sq -c "SET ROLE app" -c "SELECT aws_lambda.awslambda_fn('sync', '{\"x\": 2}')")" '"x": ?2'
is "the user's own grant survives (app's EXECUTE on enqueue, now with order_key)" \
  "$(sq -c "SELECT count(*) FROM pg_proc, aclexplode(proacl) a WHERE oid = 'aws_lambda.enqueue(text,jsonb,text,text,text,text,text)'::regprocedure AND a.grantee = 'app'::regrole")" 1
is "... as an ordinary grant (not an initial privilege: pg_dump dumps it)" \
  "$(sq -c "SELECT count(*) FROM pg_init_privs, aclexplode(initprivs) a WHERE objoid = 'aws_lambda.enqueue(text,jsonb,text,text,text,text,text)'::regprocedure AND a.grantee = 'app'::regrole")" 0
like "app may queue an ordered entry" \
  "$(sq -c "SET ROLE app" -c "SELECT aws_lambda.enqueue('after-ordered', '{\"n\": 4}', order_key => 'k')")" '^SET
[0-9]+$'
check "... and it is delivered" wait_until 20 is_sq "SELECT count(*) FROM aws_lambda.queue" 0
is "PUBLIC may execute no function of either extension" \
  "$(sq -c "SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
             JOIN pg_extension e ON d.refobjid = e.oid AND e.extname IN ('aws_lambda', 'aws_commons')
            WHERE has_function_privilege('public', p.oid, 'EXECUTE')")" 0

# --- object for object: upgraded from each release vs a fresh install --------------
sq -c "CREATE DATABASE fresh" >/dev/null
sq -d fresh -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
for r in $releases; do
  db="from_$(echo "$r" | tr -c '0-9a-z\n' _)"
  sq -c "CREATE DATABASE $db" >/dev/null
  commons=$r; [ -f "$top/postgres/releases/aws_commons--$r.sql" ] || commons=$version
  out=$(sq -d "$db" -c "CREATE EXTENSION aws_commons VERSION '$commons'" -c "CREATE EXTENSION aws_lambda VERSION '$r'" \
    -c "ALTER EXTENSION aws_commons UPDATE" -c "ALTER EXTENSION aws_lambda UPDATE" -c "$versions")
  like "$r: installed and updated" "$out" "aws_commons $version, aws_lambda $version\$"
  same_catalog "$r -> $version has the catalog of a fresh $version install" "$db" fresh
done
tap_exit
