#!/usr/bin/env bash
# t_callbacks.sh — on_result callbacks (docs/postgres.md, "Callbacks"),
# against the loopback endpoint test/queue_sink.py. The callback inserts
# what it was given (and current_user) into a table the test reads. Cases:
# an Event success, a RequestResponse success (the answer as payload), a
# function error and a 404 (dead-lettered, with the error), redeliver keeps
# the callback, a trigger's callback (as the table's owner), a callback as
# the role that queued the entry, a failing callback (logged, recorded,
# never retried; later entries and callbacks go on), a slow one (cancelled
# at callback_timeout_ms while other entries keep being delivered), one
# that catches the cancel in a loop (the worker is ended at the deadline,
# the call given up, deliveries go on), one that tries SET ROLE (refused),
# one that invokes Lambda (refused), one whose SET does not outlive it, a
# batch (no answer passed: it holds other entries'), a kill -9 of the worker
# during a callback (not made again: given up, its effects rolled back), and
# the refusals at enqueue time (a procedure the role does not own: the way
# TRIGGER on a superuser's table would have run one's code as superuser).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin callbacks
qs_sink --control
qs_pg_start callbacks \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=100 aws_lambda.max_delivery_attempts=2 \
  aws_lambda.max_attempts=1 aws_lambda.breaker_failures=0 aws_lambda.callback_timeout_ms=1000 \
  restart_after_crash=on synchronous_commit=on  # (pg-start's default, off, loses commits at a crash)
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
ALTER PROCEDURE app.on_set_role(bigint, text, text, jsonb, text) OWNER TO app_user;
CREATE PROCEDURE app.user_cb(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN INSERT INTO app.seen VALUES (queue_id, fn, status, payload, error, current_user); END $$;
ALTER PROCEDURE app.user_cb(bigint, text, text, jsonb, text) OWNER TO app_user;
CREATE PROCEDURE app.on_invoke(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN PERFORM aws_lambda.invoke('cb_inner', '{}'::json); END $$;
-- catches the cancel and goes on: only ending the worker stops it
CREATE PROCEDURE app.on_hang(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$
BEGIN
  LOOP
    BEGIN PERFORM pg_sleep(3600); EXCEPTION WHEN query_canceled THEN NULL; END;
  END LOOP;
END $$;
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
CREATE SCHEMA locked;
CREATE PROCEDURE locked.cb(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
ALTER PROCEDURE locked.cb(bigint, text, text, jsonb, text) OWNER TO app_user;
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
id_user=$(sq -U app_user -c "SELECT aws_lambda.enqueue('cb_user', '{}', on_result => 'app.user_cb')")
is "a callback runs as the role that queued the entry" \
  "$(wait_until 10 seen "queue_id = $id_user" && sq -c "SELECT who FROM app.seen WHERE queue_id = $id_user")" app_user
sq >/dev/null <<'SQL'
CREATE ROLE table_owner;
GRANT USAGE ON SCHEMA app TO table_owner;
GRANT INSERT, SELECT ON app.seen TO table_owner;
CREATE TABLE app.orders (id int PRIMARY KEY);
ALTER TABLE app.orders OWNER TO table_owner;
CREATE PROCEDURE app.owner_cb(queue_id bigint, fn text, status text, payload jsonb, error text)
LANGUAGE plpgsql AS $$ BEGIN INSERT INTO app.seen VALUES (queue_id, fn, status, payload, error, current_user); END $$;
ALTER PROCEDURE app.owner_cb(bigint, text, text, jsonb, text) OWNER TO table_owner;
CREATE TRIGGER orders_cb AFTER INSERT ON app.orders FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('cb_trig', 'on_result=app.owner_cb');
GRANT INSERT ON app.orders TO app_user;
-- a superuser's table, TRIGGER granted: the trigger may not name its writer's code
CREATE TABLE app.audit (id int);
GRANT TRIGGER, INSERT ON app.audit TO app_user;
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

# ---- a procedure dropped between the enqueue and the call: the call fails, recorded
sq -c "CREATE PROCEDURE app.gone_cb(q bigint, f text, s text, p jsonb, e text) LANGUAGE sql AS 'SELECT 1'" -c "SELECT aws_lambda.pause('cb_gone')" >/dev/null
id_gone=$(sq -c "SELECT aws_lambda.enqueue('cb_gone', '{}', on_result => 'app.gone_cb')")
sq -c "DROP PROCEDURE app.gone_cb(bigint, text, text, jsonb, text)" -c "SELECT aws_lambda.resume('cb_gone')" >/dev/null
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_gone AND failed_at IS NOT NULL')\" ]"
like "a callback dropped after the entry was queued: the call fails with 42883, recorded" \
  "$(sq -c "SELECT callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_gone")" \
  '^42883: procedure app.gone_cb\(bigint, text, text, jsonb, text\) does not exist$'

# ---- no Lambda calls from a callback (the worker's allowlist is not the role's)
id_inv=$(sq -c "SELECT aws_lambda.enqueue('cb_inv', '{}', on_result => 'app.on_invoke')")
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_inv AND failed_at IS NOT NULL')\" ]"
like "a callback cannot invoke Lambda (it may enqueue)" \
  "$(sq -c "SELECT callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_inv")" 'Lambda cannot be invoked from an on_result callback'
is "... and nothing reached the endpoint" "$(grep -c '"cb_inner"' "$tmp/sink.log")" 0

# ---- a batch's answer holds every entry's: none is passed
sq -c "SELECT aws_lambda.set_batching('cb_batch', 2, 262144, 500)" >/dev/null
ids_b=$(sq -c "SELECT string_agg(aws_lambda.enqueue('cb_batch', jsonb_build_object('i', g), 'RequestResponse', on_result => 'app.on_done')::text, ',') FROM generate_series(1, 2) g")
is "a batched RequestResponse entry's callback gets no payload (the batch's answer is every entry's)" \
  "$(wait_until 10 seen "queue_id IN ($ids_b)" 2 && sq -c "SELECT string_agg(status || ' ' || coalesce(payload::text, '-'), ',') FROM app.seen WHERE queue_id IN ($ids_b)")" \
  "succeeded -,succeeded -"
like "... (the two went in one call)" "$(grep '"cb_batch"' "$tmp/sink.log" | head -1)" '"records": \['

# ---- a callback that catches the cancel: the worker is ended at the deadline
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
id_hang=$(sq -c "SELECT aws_lambda.enqueue('cb_hang', '{}', on_result => 'app.on_hang')")
sleep 0.5
id_later=$(sq -c "SELECT aws_lambda.enqueue('cb_later', '{}', on_result => 'app.on_done')")
is "a callback that catches the cancel: the worker is ended at the deadline, later entries' callbacks run" \
  "$(wait_until 20 seen "queue_id = $id_later" && echo yes)" yes
is "... the worker is a new one" \
  "$(sq -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND pid <> $wpid")" 1
like "... and the call is given up, not made again" \
  "$(sq -c "SELECT attempts || ' ' || callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_hang")" \
  '^1 did not finish: it ran past aws_lambda.callback_timeout_ms'
like "... logged" "$(grep -a "callback app.on_hang for queue entry $id_hang" "$tmp/pg/server.log" | head -1)" 'did not finish'

# ---- kill -9 of the worker during a callback
sq -c "ALTER SYSTEM SET aws_lambda.callback_timeout_ms = 10000" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
id_kill=$(sq -c "SELECT aws_lambda.enqueue('cb_kill', '{}', on_result => 'app.on_once_slow')")
# the call has begun once its row says so (committed before the call)
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_kill AND attempts > 0')\" ]"
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
kill -9 "$wpid"
wait_until 30 bash -c "[ -n \"\$(psql -X -At -c 'SELECT 1 FROM aws_lambda.callbacks WHERE queue_id = $id_kill AND failed_at IS NOT NULL' 2>/dev/null)\" ]"
got=$(sq -c "SELECT attempts || ' ' || callback_error FROM aws_lambda.callbacks WHERE queue_id = $id_kill")
like "kill -9 during a callback: the call is not made again, it is kept as failed" "$got" '^1 did not finish'
case $got in "1 did not finish"*) ;; *)
  sq -c "SELECT * FROM aws_lambda.callbacks WHERE queue_id = $id_kill" -c "SELECT id, function_name, attempts FROM aws_lambda.queue" | sed 's/^/#   /'
  qs_log_tail 40 ;;
esac
is "... and its effects were rolled back with it" "$(sq -c "SELECT count(*) FROM app.seen WHERE queue_id = $id_kill")" 0
is "... nothing left waiting" "$(sq -c "SELECT count(*) FROM aws_lambda.callbacks WHERE failed_at IS NULL")" 0

# ---- refusals when the entry is queued
like "on_result naming no such procedure: 42883, naming it" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.nope')" 2>&1)" 'aws_lambda.enqueue: on_result procedure app.nope\(bigint, text, text, jsonb, text\) does not exist'
like "on_result with other arguments: refused the same way" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.wrong_args')" 2>&1)" 'on_result procedure app.wrong_args\(bigint, text, text, jsonb, text\) does not exist'
like "on_result in a schema the role may not use: 42501, naming on_result" \
  "$(sq -U app_user -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'locked.cb')" 2>&1 | tr '\n' ' ')" \
  'permission denied for schema locked.*aws_lambda.enqueue: on_result "locked.cb"'
like "on_result owned by another role: refused, naming both" \
  "$(sq -U app_user -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.owner_cb')" 2>&1)" 'on_result app.owner_cb must be owned by role "app_user", which it runs as \(its owner is "table_owner"\)'
sq -c "CREATE ROLE devs; GRANT devs TO app_user; CREATE PROCEDURE app.devs_cb(q bigint, f text, s text, p jsonb, e text) LANGUAGE sql AS 'SELECT 1'; ALTER PROCEDURE app.devs_cb(bigint, text, text, jsonb, text) OWNER TO devs" >/dev/null
like "on_result owned by a group the role is in: refused (any member could change its code)" \
  "$(sq -U app_user -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.devs_cb')" 2>&1)" 'must be owned by role "app_user".*its owner is "devs"'
is "a superuser's procedure may be any role's callback (its owner has every role's rights)" \
  "$(sq -U app_user -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'app.on_done') > 0")" t
sq -U app_user -c "CREATE TRIGGER audit_cb AFTER INSERT ON app.audit FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'on_result=app.user_cb')" >/dev/null
like "TRIGGER on a superuser's table: a trigger naming the writer's own procedure is refused (it would run as the superuser)" \
  "$(sq -U app_user -c "INSERT INTO app.audit VALUES (1)" 2>&1)" 'trigger "audit_cb": on_result app.user_cb must be owned by role "postgres"'

like "an empty on_result: 22023" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => '')" 2>&1)" 'on_result must name a procedure'
like "a malformed on_result: the error names it" \
  "$(sq -c "SELECT aws_lambda.enqueue('f', '{}', on_result => 'a.b.c.d')" 2>&1)" 'on_result "a.b.c.d"'
sq -c "CREATE TABLE app.bad (id int); CREATE TRIGGER bad_cb AFTER INSERT ON app.bad FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f', 'on_result=app.nope')" >/dev/null
like "a trigger's on_result naming no such procedure: the INSERT errors, naming the trigger" \
  "$(sq -c "INSERT INTO app.bad VALUES (1)" 2>&1)" 'trigger "bad_cb": on_result procedure app.nope'
is "... and nothing was queued" "$(sq -c "SELECT count(*) FROM aws_lambda.queue WHERE function_name = 'f' AND on_result <> 'app.on_done'")" 0

# ---- a fast shutdown during a callback that catches cancels (last: it stops the server)
sq -c "ALTER SYSTEM SET aws_lambda.callback_timeout_ms = 600000" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
sq -c "SELECT aws_lambda.enqueue('cb_hang2', '{}', on_result => 'app.on_hang')" >/dev/null
wait_until 10 bash -c "[ -n \"\$(psql -X -At -c \"SELECT 1 FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND query = 'calling back'\")\" ]"
t0=$(date +%s.%N)
"$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
python3 -c "import sys; sys.exit(0 if $took < 10 else 1)" &&
  ok "a fast shutdown ends the worker even in a callback that catches cancels (${took} s)" ||
  not_ok "a fast shutdown ends the worker even in a callback that catches cancels (${took} s)"
tap_exit
