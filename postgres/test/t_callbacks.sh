#!/usr/bin/env bash
# t_callbacks.sh — on_result callbacks (docs/postgres.md, "Callbacks"),
# against the loopback endpoint test/queue_sink.py. The callback inserts
# what it was given (and current_user) into a table the test reads. Cases:
# an Event success, a RequestResponse success (the answer as payload), a
# function error and a 404 (dead-lettered, with the error), redeliver keeps
# the callback, a trigger's callback (as the table's owner), a callback as
# the role that queued the entry, a failing callback (logged, recorded,
# never retried; later entries and callbacks go on), a slow one (cancelled
# at callback_timeout_ms while other entries keep being delivered), one that
# tries SET ROLE (refused) and one whose SET does not outlive it, a kill -9
# of the worker during a callback (the call is made again, its effects
# committed once), and the refusals at enqueue time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin callbacks
qs_sink --control
qs_pg_start callbacks \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=100 aws_lambda.max_delivery_attempts=2 \
  aws_lambda.max_attempts=1 aws_lambda.breaker_failures=0 aws_lambda.callback_timeout_ms=1000 \
  restart_after_crash=on
seen() { [ "$(sq -c "SELECT count(*) FROM app.seen WHERE $1")" -ge "${2:-1}" ]; }
# row WHERE: the callback's row as "queue_id|fn|status|payload|error|who"
row() { sq -c "SELECT queue_id, fn, status, coalesce(payload::text, '-'), coalesce(error, '-'), who FROM app.seen WHERE $1 ORDER BY at LIMIT 1"; }

sq >/dev/null <<'SQL'
CREATE EXTENSION aws_lambda CASCADE;
CREATE SCHEMA app;
CREATE TABLE app.seen (queue_id bigint, fn text, status text, payload jsonb, error text,
                       who text, setting text, at timestamptz DEFAULT clock_timestamp());
CREATE ROLE app_user LOGIN;
GRANT aws_lambda_invoker TO app_user;
GRANT USAGE ON SCHEMA app TO app_user;
GRANT INSERT, SELECT ON app.seen TO app_user;
CREATE PROCEDURE app.on_done(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO app.seen VALUES (queue_id, fn, status, payload, error, current_user,
                               current_setting('app.mark', true));
END $$;
-- a plain function works too
CREATE FUNCTION app.on_done_fn(queue_id bigint, fn text, status text, payload jsonb, error text)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO app.seen VALUES (queue_id, fn, status, payload, error, current_user, 'fn');
$$;
CREATE PROCEDURE app.on_fail(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'callback refuses entry %', queue_id; END $$;
CREATE PROCEDURE app.on_slow(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); END $$;
CREATE PROCEDURE app.on_set_role(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN SET ROLE postgres; INSERT INTO app.seen (queue_id, who) VALUES (queue_id, current_user); END $$;
CREATE PROCEDURE app.on_set(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('app.mark', 'leaked', false);
  INSERT INTO app.seen (queue_id, fn, who, setting) VALUES (queue_id, fn, current_user, current_setting('app.mark')); END $$;
-- sleeps 3 s the first time it is called for an entry (the test kills the worker then)
CREATE TABLE app.tries (queue_id bigint);
CREATE PROCEDURE app.on_once_slow(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM app.seen s WHERE s.queue_id = on_once_slow.queue_id) THEN
    PERFORM pg_sleep(3);
  END IF;
  INSERT INTO app.seen VALUES (queue_id, fn, status, payload, error, current_user, 'once');
END $$;
CREATE PROCEDURE app.private_cb(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
REVOKE EXECUTE ON PROCEDURE app.private_cb(bigint, text, text, jsonb, text) FROM PUBLIC;
CREATE PROCEDURE app.wrong_args(queue_id bigint) LANGUAGE sql AS $$ SELECT 1 $$;
SQL

# ---- outcomes
id_ev=$(sq -c "SELECT aws_lambda.enqueue('cb_ok', '{\"n\": 1}', on_result => 'app.on_done')")
is "an Event success calls back: (queue id, function, succeeded, no payload, no error, the caller's role)" \
  "$(wait_until 10 seen "queue_id = $id_ev" && row "queue_id = $id_ev")" "$id_ev|cb_ok|succeeded|-|-|postgres"
is "... and the callback's row is gone (done)" \
  "$(sq -c "SELECT count(*) FROM aws_lambda.callbacks WHERE queue_id = $id_ev")" 0
id_rr=$(sq -c "SELECT aws_lambda.enqueue('cb_rr', '{\"n\": 2}', 'RequestResponse', on_result => 'app.on_done')")
is "a RequestResponse success calls back with the function's answer" \
  "$(wait_until 10 seen "queue_id = $id_rr" && row "queue_id = $id_rr")" "$id_rr|cb_rr|succeeded|{\"echo\": {\"n\": 2}}|-|postgres"
id_fe=$(sq -c "SELECT aws_lambda.enqueue('funcerror_cb', '{}', 'RequestResponse', on_result => 'app.on_done')")
like "a function error: dead_lettered, the function's error document and the error" \
  "$(wait_until 10 seen "queue_id = $id_fe" && row "queue_id = $id_fe")" "^$id_fe\|funcerror_cb\|dead_lettered\|\{.+\}\|.*[Ff]unction.*\|postgres$"
id_nf=$(sq -c "SELECT aws_lambda.enqueue('notfound_cb', '{}', on_result => 'app.on_done_fn')")
like "a 404: dead_lettered with its error, through a plain function" \
  "$(wait_until 10 seen "queue_id = $id_nf" && row "queue_id = $id_nf")" "^$id_nf\|notfound_cb\|dead_lettered\|-\|.*(404|ResourceNotFound|not found).*\|postgres$"
is "... the dead letter keeps its callback" \
  "$(sq -c "SELECT on_result || ' ' || on_result_role FROM aws_lambda.dead_letter WHERE id = $id_nf")" "app.on_done_fn postgres"

# redeliver: the same entry, now answered (the sink's control file makes cb_fix fail with 404 first)
echo 404 >"$tmp/ctl/cb_fix"
id_fix=$(sq -c "SELECT aws_lambda.enqueue('cb_fix', '{}', on_result => 'app.on_done')")
wait_until 10 seen "queue_id = $id_fix" >/dev/null
rm -f "$tmp/ctl/cb_fix"
sq -c "SELECT aws_lambda.redeliver(ARRAY[$id_fix]::bigint[])" >/dev/null
is "redeliver keeps the callback: the dead letter's, then the success's" \
  "$(wait_until 10 seen "queue_id = $id_fix" 2 && sq -c "SELECT string_agg(status, ',' ORDER BY at) FROM app.seen WHERE queue_id = $id_fix")" \
  "dead_lettered,succeeded"

# ---- roles
id_user=$(sq -U app_user -c "SELECT aws_lambda.enqueue('cb_user', '{}', on_result => 'app.on_done')")
is "a callback runs as the role that queued the entry" \
  "$(wait_until 10 seen "queue_id = $id_user" && sq -c "SELECT who FROM app.seen WHERE queue_id = $id_user")" app_user
sq >/dev/null <<'SQL'
CREATE ROLE table_owner;
GRANT USAGE ON SCHEMA app TO table_owner;
GRANT INSERT, SELECT ON app.seen TO table_owner;
CREATE TABLE app.orders (id int PRIMARY KEY);
ALTER TABLE app.orders OWNER TO table_owner;
CREATE TRIGGER orders_cb AFTER INSERT ON app.orders FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('cb_trig', 'on_result=app.on_done');
GRANT INSERT ON app.orders TO app_user;
SQL
sq -U app_user -c "INSERT INTO app.orders VALUES (1)" >/dev/null
is "a trigger's callback runs as the table's owner, whoever inserted the row" \
  "$(wait_until 10 seen "fn = 'cb_trig'" && sq -c "SELECT who || ' ' || status FROM app.seen WHERE fn = 'cb_trig'")" "table_owner succeeded"

# ---- a failing callback: logged, recorded, not retried; the queue goes on
id_bad=$(sq -c "SELECT aws_lambda.enqueue('cb_bad', '{}', on_result => 'app.on_fail')")
id_after=$(sq -c "SELECT aws_lambda.enqueue('cb_after', '{}', on_result => 'app.on_done')")
is "a failing callback: later entries and their callbacks go on" \
  "$(wait_until 10 seen "queue_id = $id_after" && echo yes)" yes
like "... the failure is recorded in aws_lambda.callbacks (failed_at, callback_error)" \
  "$(sq -c "SELECT attempts || ' ' || (failed_at IS NOT NULL) || ' ' || callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_bad")" \
  "^1 true P0001: callback refuses entry $id_bad$"
like "... and logged, naming the callback and the entry" \
  "$(grep -a "callback app.on_fail for queue entry $id_bad" "$tmp/pg/server.log" | head -1)" 'failed: P0001: callback refuses entry'
sleep 1
is "... and never called again" "$(grep -ac "callback app.on_fail for queue entry $id_bad" "$tmp/pg/server.log")" 1

# ---- a slow callback: cancelled at callback_timeout_ms (1 s); deliveries go on
id_slow=$(sq -c "SELECT aws_lambda.enqueue('cb_slow', '{}', on_result => 'app.on_slow')")
sleep 0.3
t0=$(date +%s.%N)
sq -c "SELECT count(aws_lambda.enqueue('cb_busy', jsonb_build_object('i', g))) FROM generate_series(1, 20) g" >/dev/null
wait_until 15 bash -c "[ \"\$(grep -c '\"cb_busy\"' '$tmp/sink.log')\" -ge 20 ]"
took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
like "a slow callback is cancelled at aws_lambda.callback_timeout_ms and recorded" \
  "$(wait_until 5 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_slow AND failed_at IS NOT NULL')\" ]"; sq -c "SELECT callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_slow")" \
  '^57014: canceling statement due to statement timeout$'
python3 -c "import sys; sys.exit(0 if $took < 5 else 1)" &&
  ok "... while 20 other entries were delivered within 5 s (${took} s)" ||
  not_ok "... while 20 other entries were delivered within 5 s (${took} s)"

# ---- what a callback cannot do to the worker
id_role=$(sq -U app_user -c "SELECT aws_lambda.enqueue('cb_role', '{}', on_result => 'app.on_set_role')")
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_role AND failed_at IS NOT NULL')\" ]"
like "a callback cannot SET ROLE (to the worker's superuser)" \
  "$(sq -c "SELECT callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_role")" 'cannot set parameter "role"'
is "... and wrote nothing" "$(sq -c "SELECT count(*) FROM app.seen WHERE queue_id = $id_role")" 0
id_set=$(sq -c "SELECT aws_lambda.enqueue('cb_set', '{}', on_result => 'app.on_set')")
wait_until 10 seen "queue_id = $id_set" >/dev/null
id_next=$(sq -c "SELECT aws_lambda.enqueue('cb_next', '{}', on_result => 'app.on_done')")
is "a setting a callback SETs does not outlive it (the next callback does not see it)" \
  "$(wait_until 10 seen "queue_id = $id_next" && sq -c "SELECT coalesce(nullif(setting, ''), 'unset') FROM app.seen WHERE queue_id = $id_next")" unset

# ---- kill -9 of the worker during a callback
sq -c "ALTER SYSTEM SET aws_lambda.callback_timeout_ms = 10000" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
id_kill=$(sq -c "SELECT aws_lambda.enqueue('cb_kill', '{}', on_result => 'app.on_once_slow')")
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c \"SELECT 1 FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND query = 'calling back'\")\" ]"
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
kill -9 "$wpid"
is "kill -9 during a callback: the call is made again after the restart, its effects committed once" \
  "$(wait_until 30 seen "queue_id = $id_kill" && sleep 4 && sq -c "SELECT count(*) FROM app.seen WHERE queue_id = $id_kill")" 1
is "... nothing left waiting" "$(sq -c "SELECT count(*) FROM aws_lambda.callbacks WHERE failed_at IS NULL")" 0

# ---- refusals when the entry is queued
like "on_result naming no such procedure: 42883, naming it" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.nope')" 2>&1)" 'aws_lambda.enqueue: on_result procedure app.nope\(bigint, text, text, jsonb, text\) does not exist'
like "on_result with other arguments: refused the same way" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.wrong_args')" 2>&1)" 'on_result procedure app.wrong_args\(bigint, text, text, jsonb, text\) does not exist'
like "on_result the role may not execute: 42501" \
  "$(sq -U app_user -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.private_cb')" 2>&1)" 'role "app_user" may not execute on_result app.private_cb'
like "an empty on_result: 22023" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => '')" 2>&1)" 'on_result must name a procedure'
like "a malformed on_result: the error names it" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'a.b.c.d')" 2>&1)" 'on_result "a.b.c.d"'
sq -c "CREATE TABLE app.bad (id int); CREATE TRIGGER bad_cb AFTER INSERT ON app.bad FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'on_result=app.nope')" >/dev/null
like "a trigger's on_result naming no such procedure: the INSERT errors, naming the trigger" \
  "$(sq -c "INSERT INTO app.bad VALUES (1)" 2>&1)" 'trigger "bad_cb": on_result procedure app.nope'
is "... and nothing was queued" "$(sq -c "SELECT count(*) FROM aws_lambda.queue WHERE function_name = 'f'")" 0
tap_exit
