#!/usr/bin/env bash
# t_queue_guard.sh — who governs a queued call, and what the worker does
# with entries it must not send. Its own server (aws_lambda preloaded, the
# worker pointed at test/queue_sink.py, which records every invocation).
#  1. Two roles: the table owner is allowed fnA only, a writer fnB only.
#     Rows the writer inserts enqueue what the OWNER's allowlist allows (A
#     yes, B no), whatever the writer's own setting or a session SET says;
#     enqueue called directly follows the current user (a SECURITY DEFINER
#     function: its owner).
#  2. Queue rows edited by a superuser to hostile values (region, function,
#     qualifier) are dead-lettered with the validation error; none is sent.
#  3. An invalid allowlist in postgresql.conf (applied by a reload) is kept
#     with a WARNING and fails closed; the queue applies that server value
#     to roles without a setting of their own.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
tmp=$(mktemp -d /tmp/aws_lambda-guard.XXXXXX)
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
: "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
"$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$sink_port" lc_messages=C \
  aws_lambda.retry_base_ms=50 aws_lambda.max_attempts=1 >/dev/null ||
  { not_ok "guard: server starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
# SQLSTATE of a statement run as a role (ok when it succeeds)
state_as() { psql -X -At -U "$1" -v VERBOSITY=sqlstate -c "$2" 2>&1 >/dev/null | sed -n 's/^ERROR: *//p' | head -1 | grep . || echo ok; }
sink_count() { python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    if sys.argv[2] in json.loads(l)["name"]: n += 1
print(n)' "$tmp/sink.log" "$1"; }
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
count_is() { [ "$(sink_count "$1")" = "$2" ]; }
touch "$tmp/sink.log"

sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null

# 1. The owner's allowlist governs its triggers.
sq <<'SQL' >/dev/null
CREATE ROLE guard_owner LOGIN;
CREATE ROLE guard_writer LOGIN;
GRANT aws_lambda_invoker TO guard_owner, guard_writer;
ALTER ROLE guard_owner SET aws_lambda.allowed_functions = 'fnA_guard';
ALTER ROLE guard_writer SET aws_lambda.allowed_functions = 'fnB_guard';
CREATE SCHEMA guard AUTHORIZATION guard_owner;
GRANT USAGE ON SCHEMA guard TO guard_writer;
SQL
sq -U guard_owner <<'SQL' >/dev/null
CREATE TABLE guard.ta (id int);
CREATE TABLE guard.tb (id int);
CREATE TRIGGER qa AFTER INSERT ON guard.ta FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('fnA_guard');
CREATE TRIGGER qb AFTER INSERT ON guard.tb FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('fnB_guard');
GRANT INSERT ON guard.ta, guard.tb TO guard_writer;
-- enqueue inside the owner's SECURITY DEFINER function: the owner's list
CREATE FUNCTION guard.send(fn text) RETURNS bigint LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog AS $$ SELECT aws_lambda.enqueue(fn, '{"via": "definer"}') $$;
GRANT EXECUTE ON FUNCTION guard.send(text) TO guard_writer;
SQL
is "writer's row in the owner's fnA table: enqueued (the owner allows fnA; the writer's own list does not)" \
  "$(state_as guard_writer "INSERT INTO guard.ta VALUES (1)")" ok
is "writer's row in the owner's fnB table: refused 42501 (the owner does not allow fnB; the writer's list does)" \
  "$(state_as guard_writer "INSERT INTO guard.tb VALUES (1)")" 42501
like "the refusal names the owner's allowlist" \
  "$(psql -X -At -U guard_writer -c "INSERT INTO guard.tb VALUES (2)" 2>&1)" \
  'not allowed by the aws_lambda.allowed_functions of role "guard_owner"'
is "the writer cannot widen it with SET (42501)" \
  "$(state_as guard_writer "SET aws_lambda.allowed_functions = 'fnA_guard, fnB_guard'")" 42501
is "nor can a superuser's session SET: the owner's configured list still governs" \
  "$(state_as postgres "SET aws_lambda.allowed_functions = ''; INSERT INTO guard.tb VALUES (3)")" 42501
is "enqueue called by the writer: the writer's own list (fnB yes)" \
  "$(state_as guard_writer "SELECT aws_lambda.enqueue('fnB_guard', '{\"via\": \"writer\"}')")" ok
is "enqueue called by the writer: the writer's own list (fnA no)" \
  "$(state_as guard_writer "SELECT aws_lambda.enqueue('fnA_guard', '{}')")" 42501
is "enqueue in the owner's SECURITY DEFINER function: the owner's list (fnB no)" \
  "$(state_as guard_writer "SELECT guard.send('fnB_guard')")" 42501
is "enqueue in the owner's SECURITY DEFINER function: the owner's list (fnA yes)" \
  "$(state_as guard_writer "SELECT guard.send('fnA_guard')")" ok
if wait_until 10 count_is fnA_guard 2; then ok "the owner-allowed entries reach the endpoint (fnA_guard x2)"
else not_ok "the owner-allowed entries reach the endpoint (fnA_guard: $(sink_count fnA_guard))"; fi
wait_until 5 count_is fnB_guard 1
is "fnB_guard reached the endpoint only from the writer's own enqueue" "$(sink_count fnB_guard)" 1
is "nothing refused was queued" "$(sq -c "SELECT count(*) FROM aws_lambda.queue")" 0

# 2. Rows edited to hostile values are dead-lettered, never sent.
sq <<SQL >/dev/null
BEGIN;
SELECT aws_lambda.enqueue('ok_edit_region', '{}');
SELECT aws_lambda.enqueue('ok_edit_qualifier', '{}');
UPDATE aws_lambda.queue SET region = 'x@127.0.0.1:$sink_port#' WHERE function_name = 'ok_edit_region';
UPDATE aws_lambda.queue SET qualifier = 'q/../../x' WHERE function_name = 'ok_edit_qualifier';
INSERT INTO aws_lambda.queue (function_name, payload) VALUES ('ok_edit/../../x', '{}');
INSERT INTO aws_lambda.queue (function_name, payload, region) VALUES ('ok_edit_upper', '{}', 'US-EAST-1');
COMMIT;
SQL
dead() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter WHERE function_name LIKE 'ok_edit%'")" = 4 ]; }
if wait_until 10 dead; then ok "four edited rows end in dead_letter"
else not_ok "four edited rows end in dead_letter ($(sq -c "SELECT count(*) FROM aws_lambda.dead_letter"))"; fi
is "each was tried once and its error names the bad part" \
  "$(sq -c "SELECT string_agg(function_name || ' ' || attempts || ' ' || CASE WHEN last_error ~ 'region' THEN 'region' WHEN last_error ~ 'qualifier' THEN 'qualifier' WHEN last_error ~ 'function name' THEN 'name' ELSE last_error END, '; ' ORDER BY function_name) FROM aws_lambda.dead_letter WHERE function_name LIKE 'ok_edit%'")" \
  "ok_edit/../../x 1 name; ok_edit_qualifier 1 qualifier; ok_edit_region 1 region; ok_edit_upper 1 region"
is "none of them reached the endpoint" "$(sink_count ok_edit)" 0

# 3. An invalid allowlist in postgresql.conf: kept with a WARNING, fails closed.
# A plain user's session is connected while the value is reloaded: it is
# told that the setting is invalid, never the superuser-only value.
sq -c "CREATE ROLE guard_watch LOGIN" >/dev/null
psql -X -At -U guard_watch -c "SELECT pg_sleep(3)" -c "SELECT 1" >"$PG_DIR/watch.out" 2>&1 &
watch=$!
sleep 1
echo "aws_lambda.allowed_functions = 'ok_fc, bad entry!'" >>"$PG_DIR/data/postgresql.conf"
sq -c "SELECT pg_reload_conf()" >/dev/null
reloaded() { [ "$(sq -c "SHOW aws_lambda.allowed_functions")" = "ok_fc, bad entry!" ]; }
warned() { grep -h "aws_lambda.allowed_functions" "$PG_DIR"/*.log 2>/dev/null | grep -q WARNING; }
wait_until 10 reloaded; wait_until 10 warned
wait "$watch"
like "the reload logs core's reason in the server log" \
  "$(grep -h "aws_lambda.allowed_functions" "$PG_DIR"/*.log 2>/dev/null | grep 'LOG: ' | tail -1)" \
  'LOG: +invalid value for aws_lambda.allowed_functions: allowed functions entry 2'
like "the reload's WARNING names the setting and that it fails closed" \
  "$(grep -h -A1 "aws_lambda.allowed_functions" "$PG_DIR"/*.log 2>/dev/null | grep -A1 WARNING | tail -2 | tr '\n' ' ')" \
  'WARNING: +invalid value for aws_lambda.allowed_functions: kept, the server log says why.*fails closed'
like "a connected plain user's session gets the WARNING" "$(cat "$PG_DIR/watch.out")" \
  'WARNING: +invalid value for aws_lambda.allowed_functions: kept'
is "... without the value" "$(grep -c 'bad entry' "$PG_DIR/watch.out")" 0
is "the value is in force (not reset to empty, which allows everything)" \
  "$(sq -c "SHOW aws_lambda.allowed_functions")" "ok_fc, bad entry!"
is "its valid entry still allows ok_fc" \
  "$(state_as postgres "SELECT aws_lambda.awslambda_fn('ok_fc', '{}')")" ok
is "any other function is refused (42501)" \
  "$(state_as postgres "SELECT aws_lambda.awslambda_fn('ok_other', '{}')")" 42501
sq -c "CREATE ROLE guard_plain LOGIN; GRANT aws_lambda_invoker TO guard_plain" >/dev/null
is "the queue applies the server value to a role without its own (other: 42501)" \
  "$(state_as guard_plain "SELECT aws_lambda.enqueue('ok_other_fc', '{}')")" 42501
is "the queue applies the server value to a role without its own (ok_fc: queued)" \
  "$(state_as guard_plain "SELECT aws_lambda.enqueue('ok_fc', '{}')")" ok

# A backend keeps a role's allowlist across transactions until an
# invalidation arrives: ALTER ROLE ... SET from another session reaches the
# same backend's next transaction.
out=$(psql -X -At -U guard_plain -v VERBOSITY=sqlstate 2>&1 <<SQL
SELECT 'first: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
SELECT 'again: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
\! psql -X -q -h "$PGHOST" -p "$PGPORT" -U postgres -c "ALTER ROLE guard_plain SET aws_lambda.allowed_functions = 'ok_fc_only_not'"
SELECT 'after: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
\! psql -X -q -h "$PGHOST" -p "$PGPORT" -U postgres -c "ALTER ROLE guard_plain RESET aws_lambda.allowed_functions"
SELECT 'reset: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
SQL
)
is "one backend: allowed, allowed (cached), refused after another session's ALTER ROLE SET, allowed after its RESET" \
  "$(printf '%s\n' "$out" | grep -o '^first: true\|^again: true\|^ERROR: *42501\|^reset: true' | tr '\n' ' ')" \
  "first: true again: true ERROR:  42501 reset: true "
out=$(psql -X -At -v VERBOSITY=sqlstate 2>&1 <<'SQL'
SET ROLE guard_plain;
SELECT 'first: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
RESET ROLE;
ALTER ROLE guard_plain SET aws_lambda.allowed_functions = 'ok_fc_only_not';
SET ROLE guard_plain;
SELECT 'after: ' || (aws_lambda.enqueue('ok_fc', '{}') > 0)::text;
RESET ROLE;
ALTER ROLE guard_plain RESET aws_lambda.allowed_functions;
SQL
)
is "... and when the same backend changes it (SET ROLE around ALTER ROLE)" \
  "$(printf '%s\n' "$out" | grep -o '^first: true\|^ERROR: *42501' | tr '\n' ' ')" "first: true ERROR:  42501 "
tap_exit
