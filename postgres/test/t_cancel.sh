#!/usr/bin/env bash
# t_cancel.sh — a call in flight (core's fault server "hang" scenario: never
# answers) is stopped by statement_timeout, pg_cancel_backend and
# pg_terminate_backend within 200 ms, with PostgreSQL's own errors; the
# backend stays usable and keeps no file descriptors from aborted calls.
# Needs PGHOST/PGPORT and FAULT_URL (test/run exports them).
set -u
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/tap.sh"
source "$(dirname "$0")/lib_stop_call.sh"
export PGDATABASE=aws_lambda_regress
setup="SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$FAULT_URL';
SET aws_lambda.request_timeout_ms = 60000; SET lc_messages = 'C';"
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

# 1. statement_timeout: the error is PostgreSQL's, it comes on time, and the
#    same backend then makes a normal call.
out=$(psql -X -At 2>&1 <<SQL
$setup
SET statement_timeout = 300;
SELECT awslambda_fn('hang_st1', '{}');
DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
  PERFORM awslambda_fn('hang_st2', '{}');
EXCEPTION WHEN query_canceled THEN
  RAISE NOTICE 'overshoot_ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000) - 300;
END \$\$;
RESET statement_timeout;
SELECT awslambda_fn('ok_after_timeout', '{"usable": true}');
SQL
)
like "statement_timeout: PostgreSQL's own error (57014)" "$out" "ERROR:  canceling statement due to statement timeout"
overshoot=$(echo "$out" | sed -n 's/.*overshoot_ms=\(-\?[0-9]*\).*/\1/p')
if [ -n "$overshoot" ] && [ "$overshoot" -lt 200 ]; then ok "statement_timeout stops the call within 200 ms (overshoot ${overshoot} ms)"
else not_ok "statement_timeout stops the call within 200 ms (overshoot '${overshoot}' ms)"; echo "$out" | sed 's/^/# /'; fi
like "statement_timeout: backend usable afterwards" "$out" '\{"usable": true\}'

# 2. pg_cancel_backend from another session.
PGAPPNAME=awsl_cancel psql -X -At >"$tmp/a.out" 2>&1 <<SQL &
$setup
SELECT awslambda_fn('hang_cancel', '{}');
SELECT 'after=' || extract(epoch FROM clock_timestamp());
SELECT awslambda_fn('ok_after_cancel', '{"usable": "again"}');
SQL
apid=$!
waiting=
for _ in $(seq 1 100); do
  waiting=$(psql -X -At -c "SELECT pid || ' ' || coalesce(wait_event_type, '-') || ' ' || coalesce(wait_event, '-') FROM pg_stat_activity WHERE application_name = 'awsl_cancel' AND state = 'active' AND query LIKE '%hang_cancel%'")
  # Active is not yet waiting (the call may still be connecting): sample
  # until the backend sits in its wait, for up to 5 s.
  case "$waiting" in *" Extension Extension") break ;; esac
  sleep 0.05
done
sleep 0.2
like "a call in flight waits on the latch (wait event Extension)" "$waiting" '^[0-9]+ Extension Extension$'
bpid=${waiting%% *}
cancel_within_200ms "$bpid" "$apid" "$tmp/a.out" "the call"
like "pg_cancel_backend: backend usable afterwards" "$aout" '\{"usable": "again"\}'

# 3. Nothing leaks: five cancelled calls leave the backend's descriptor
#    count where one kept-alive connection had it.
out=$(psql -X -At 2>&1 <<SQL
$setup
SELECT awslambda_fn('ok_fd', '{}');
SELECT 'fds_before=' || count(*) FROM pg_ls_dir('/proc/self/fd');
SET statement_timeout = 100;
SELECT awslambda_fn('hang_fd1', '{}');
SELECT awslambda_fn('hang_fd2', '{}');
SELECT awslambda_fn('hang_fd3', '{}');
SELECT awslambda_fn('hang_fd4', '{}');
SELECT awslambda_fn('hang_fd5', '{}');
RESET statement_timeout;
SELECT awslambda_fn('ok_fd', '{}');
SELECT 'fds_after=' || count(*) FROM pg_ls_dir('/proc/self/fd');
SQL
)
before=$(echo "$out" | sed -n 's/^fds_before=//p'); after=$(echo "$out" | sed -n 's/^fds_after=//p')
is "five cancelled calls: 5 timeout errors" "$(echo "$out" | grep -c 'canceling statement due to statement timeout')" 5
if [ -n "$before" ] && [ "$before" = "$after" ]; then ok "no descriptor leaked by cancelled calls ($before before, $after after)"
else not_ok "no descriptor leaked by cancelled calls (before=$before after=$after)"; echo "$out" | sed 's/^/# /'; fi

# 4. pg_terminate_backend: the backend exits at once.
PGAPPNAME=awsl_terminate psql -X -At >"$tmp/t.out" 2>&1 <<SQL &
$setup
SELECT awslambda_fn('hang_terminate', '{}');
SQL
tpid_job=$!
tpid=
for _ in $(seq 1 100); do
  tpid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'awsl_terminate' AND wait_event = 'Extension'")
  [ -n "$tpid" ] && break
  sleep 0.05
done
terminate_within_200ms "$tpid" "$tpid_job" "$tmp/t.out" "the backend"
tap_exit
