#!/usr/bin/env bash
# t_databases.sh — one delivery worker per database with the extension
# (issue 12 §1), counted at the endpoint (test/queue_sink.py). Three
# databases each get a worker when CREATE EXTENSION commits (no restart)
# and deliver their own queues; pg_stat_activity shows the launcher and
# each worker with its database and what it does; DROP EXTENSION ends the
# worker and CREATE EXTENSION brings it back; aws_lambda.max_workers bounds
# the databases served (the next one is served once a slot frees); DROP
# DATABASE with entries waiting, ALTER DATABASE ... RENAME and CREATE
# DATABASE ... TEMPLATE succeed (each needs the database to itself: the
# worker is stopped first, and comes back unless the database is gone);
# a worker blocked while connecting is given up after
# aws_lambda.worker_start_timeout_ms; a worker ended by pg_terminate_backend
# is restarted; a restart of the server finds every database's queue.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin dbs
qs_sink --control
qs_pg_start databases \
  aws_lambda.max_workers=3 max_worker_processes=8 aws_lambda.retry_base_ms=50 \
  aws_lambda.retry_max_ms=200 aws_lambda.max_delivery_attempts=1000 aws_lambda.max_attempts=1 \
  aws_lambda.breaker_failures=0
workers_of() { sq -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = '$1'"; }
has_worker() { [ "$(workers_of "$1")" = 1 ]; }
no_worker() { [ "$(workers_of "$1")" = 0 ]; }
delivered() { # delivered FUNCTION: requests the sink answered 2xx for it
  # (grep, not python: the waits below call it 20 times a second)
  grep -c "^{\"name\": \"$1\", .*\"code\": 20[0-9]}\$" "$tmp/sink.log" 2>/dev/null || true
}
delivered_is() { [ "$(delivered "$1")" = "$2" ]; }
enqueue() { # enqueue DB FUNCTION N
  sq -d "$1" -c "SELECT count(aws_lambda.enqueue('$2', jsonb_build_object('db', '$1', 'i', g))) FROM generate_series(1, $3) g" >/dev/null
}
queued() { sq -d "$1" -c "SELECT count(*) FROM aws_lambda.queue"; }

is "the launcher runs, connected to no database" \
  "$(wait_until 10 bash -c "[ \"\$(psql -X -At -c \"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda launcher' AND datname IS NULL\")\" = 1 ]" && echo yes)" yes

for db in app_a app_b app_c; do
  sq -c "CREATE DATABASE $db" >/dev/null
  sq -d "$db" -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
done
for db in app_a app_b app_c; do
  if wait_until 10 has_worker "$db"; then ok "CREATE EXTENSION in $db: its worker starts without a restart"
  else not_ok "CREATE EXTENSION in $db: its worker starts without a restart"; fi
done
is "no worker stays in a database without the extension (postgres)" "$(wait_until 15 no_worker postgres && echo none)" none

for db in app_a app_b app_c; do enqueue "$db" "fn_$db" 20; done
for db in app_a app_b app_c; do
  if wait_until 20 delivered_is "fn_$db" 20 && [ "$(queued "$db")" = 0 ]; then
    ok "$db: its 20 entries delivered by its own worker, its queue empty"
  else not_ok "$db: its 20 entries delivered by its own worker, its queue empty"
    printf '#   delivered %s, queued %s\n' "$(delivered "fn_$db")" "$(queued "$db")"; fi
done
state=$(sq -c "SELECT query FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_a'")
like "pg_stat_activity shows what a worker does" "$state" '^(idle|claiming|calling [0-9]+|recording)$'
app=$(sq -c "SELECT application_name FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_b'")
is "a worker's application_name" "$app" "aws_lambda delivery worker"

# DROP EXTENSION ends the worker; CREATE EXTENSION brings it back.
sq -d app_c -c "DROP EXTENSION aws_lambda" >/dev/null
is "DROP EXTENSION: app_c's worker ends" "$(wait_until 10 no_worker app_c && echo gone)" gone
# (other databases' probes log the same line for themselves, at any time)
like "the server log says why the worker stopped" \
  "$(wait_until 5 grep -aq 'stopping: .*database "app_c"' "$tmp/pg/server.log"; grep -a 'stopping: .*database "app_c"' "$tmp/pg/server.log" | tail -1)" \
  'aws_lambda delivery worker stopping: the aws_lambda extension is not installed in database "app_c"'
sq -d app_c -c "CREATE EXTENSION aws_lambda" >/dev/null
is "CREATE EXTENSION again: app_c's worker is back" "$(wait_until 10 has_worker app_c && echo back)" back
enqueue app_c fn_app_c_again 5
is "app_c delivers again" "$(wait_until 20 delivered_is fn_app_c_again 5 && echo 5)" 5

# aws_lambda.max_workers = 3: a fourth database waits for a slot.
sq -c "CREATE DATABASE app_d" >/dev/null
sq -d app_d -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
for i in 1 2 3 4 5 6 7; do enqueue app_d fn_app_d 1; done  # seven commits
sleep 2
is "max_workers (3): a fourth database gets no worker" "$(workers_of app_d)" 0
is "... and its entries wait in its queue" "$(queued app_d)" 7
app_d_oid=$(sq -c "SELECT oid FROM pg_database WHERE datname = 'app_d'")
like "... and the server log says which setting to raise" \
  "$(grep -a "database $app_d_oid: all aws_lambda.max_workers (3)" "$tmp/pg/server.log" | tail -1)" 'no delivery worker for database'
is "... once for its seven commits, not at each" \
  "$(grep -ac "database $app_d_oid: all aws_lambda.max_workers (3)" "$tmp/pg/server.log")" 1

# DROP DATABASE while entries wait (their function fails, so they stay).
echo 500 >"$tmp/ctl/fn_app_c_held"
enqueue app_c fn_app_c_held 4
sleep 1
is "app_c has entries waiting" "$(queued app_c)" 4
out=$(sq -c "DROP DATABASE app_c" 2>&1); rc=$?
is "DROP DATABASE with its worker running and entries waiting succeeds" "$rc $out" "0 DROP DATABASE"
[ "$rc" = 0 ] || grep -a 'aws_lambda\|DROP\|DBG' "$tmp/pg/server.log" | tail -15 | sed 's/^/#   /'
is "... its worker is gone" "$(workers_of app_c)" 0
if wait_until 20 delivered_is fn_app_d 7 && [ "$(queued app_d)" = 0 ]; then
  ok "the freed slot serves the waiting fourth database: its 7 entries delivered"
else not_ok "the freed slot serves the waiting fourth database: its 7 entries delivered"
  printf '#   delivered %s, queued %s, workers %s\n' "$(delivered fn_app_d)" "$(queued app_d)" "$(workers_of app_d)"; fi
rm -f "$tmp/ctl/fn_app_c_held"

# A role that may not drop a database cannot stop its worker by trying.
sq -c "CREATE ROLE regress_nobody LOGIN" >/dev/null
bpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_b'")
out=$(psql -X -At -U regress_nobody -d postgres -c "DROP DATABASE app_b" 2>&1)
like "a role that does not own app_b: DROP DATABASE is refused" "$out" 'must be owner of database app_b'
out=$(psql -X -At -U regress_nobody -d postgres -c "ALTER DATABASE app_b RENAME TO stolen" 2>&1)
like "... and so is RENAME" "$out" 'must be owner of database app_b'
is "... and app_b's worker kept running (same process)" \
  "$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_b'")" "$bpid"

# RENAME and TEMPLATE need the database to themselves.
out=$(sq -c "ALTER DATABASE app_a RENAME TO app_a2" 2>&1); rc=$?
is "ALTER DATABASE ... RENAME of a served database succeeds" "$rc $out" "0 ALTER DATABASE"
is "... and its worker comes back under the new name" "$(wait_until 10 has_worker app_a2 && echo back)" back
enqueue app_a2 fn_app_a2 3
is "... and delivers" "$(wait_until 20 delivered_is fn_app_a2 3 && echo 3)" 3
out=$(sq -c "CREATE DATABASE app_copy TEMPLATE app_b" 2>&1); rc=$?
is "CREATE DATABASE ... TEMPLATE a served database succeeds" "$rc $out" "0 CREATE DATABASE"
is "... and the template's worker comes back" "$(wait_until 10 has_worker app_b && echo back)" back
sq -c "DROP DATABASE app_copy" >/dev/null

# A worker blocked while connecting (a lock on its database held by an
# open transaction: RENAME in a transaction block) is ended after
# aws_lambda.worker_start_timeout_ms and its slot freed, while the lock is
# still held; the database's next commit that queues asks again.
sq -c "ALTER SYSTEM SET aws_lambda.worker_start_timeout_ms = 1500" -c "SELECT pg_reload_conf()" >/dev/null
app_a2_oid=$(sq -c "SELECT oid FROM pg_database WHERE datname = 'app_a2'")
printf 'BEGIN;\nALTER DATABASE app_a2 RENAME TO app_a3;\nSELECT pg_sleep(8);\nROLLBACK;\n' |
  psql -X -q -At -d postgres >"$tmp/blocker.out" 2>&1 &
blocker=$!
gave_up_oid() { grep -aq "gave up on database $app_a2_oid: its worker could not connect within 1500 ms" "$tmp/pg/server.log"; }
if wait_until 7 gave_up_oid && kill -0 "$blocker" 2>/dev/null; then
  ok "a worker blocked while connecting is ended after worker_start_timeout_ms (1500), the lock still held"
else not_ok "a worker blocked while connecting is ended after worker_start_timeout_ms (1500), the lock still held"
  grep -a 'aws_lambda' "$tmp/pg/server.log" | tail -5 | sed 's/^/#   /'; fi
wait "$blocker"
sq -c "ALTER SYSTEM RESET aws_lambda.worker_start_timeout_ms" -c "SELECT pg_reload_conf()" >/dev/null
enqueue app_a2 fn_app_a2_again 2
is "... and the database's next commit that queues brings its worker back, which delivers" \
  "$(wait_until 20 delivered_is fn_app_a2_again 2 && echo 2)" 2

# A worker ended by hand is restarted (bgw_restart_time 5 s).
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_b'")
sq -c "SELECT pg_terminate_backend($wpid)" >/dev/null
back() { [ -n "$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = 'app_b' AND pid <> $wpid")" ]; }
is "pg_terminate_backend of a worker: it is restarted" "$(wait_until 15 back && echo restarted)" restarted

# A restart finds every queue: entries committed while the server stops.
sq -c "ALTER SYSTEM SET aws_lambda.endpoint_override = 'http://127.0.0.1:9'" >/dev/null
sq -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
enqueue app_b fn_after_restart_b 2
enqueue app_d fn_after_restart_d 2
sq -c "ALTER SYSTEM RESET aws_lambda.endpoint_override" >/dev/null
"$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
pg_ctl -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w start >/dev/null 2>&1 ||
  su postgres -c "pg_ctl -D '$tmp/pg/data' -l '$tmp/pg/log' -w start" >/dev/null 2>&1
if wait_until 30 delivered_is fn_after_restart_b 2 && wait_until 10 delivered_is fn_after_restart_d 2; then
  ok "after a restart, the launcher finds each database's queue and delivers it"
else not_ok "after a restart, the launcher finds each database's queue and delivers it"
  printf '#   b %s, d %s\n' "$(delivered fn_after_restart_b)" "$(delivered fn_after_restart_d)"; fi
tap_exit
