#!/usr/bin/env bash
# t_bulk_cancel.sh — invoke_many with 50 calls in flight to a function that
# never answers (core's fault server, "hang"): pg_cancel_backend and
# statement_timeout stop all 50 at once within 200 ms with PostgreSQL's own
# errors, the backend stays usable, and no socket is left behind;
# pg_terminate_backend ends such a backend within 200 ms.
# Needs PGHOST/PGPORT and FAULT_URL (test/run exports them).
set -u
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/tap.sh"
source "$(dirname "$0")/lib_stop_call.sh"
export PGDATABASE=aws_lambda_regress
setup="SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$FAULT_URL';
SET aws_lambda.request_timeout_ms = 60000; SET aws_lambda.max_attempts = 1; SET lc_messages = 'C';"
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
tag=$$ # fresh names each run: the fault server counts per name
fifty() { echo "(SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, 50) i)"; }
attempts() { curl -s "$FAULT_URL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get('$1', 0))"; }

# 1. pg_cancel_backend while 50 calls are in flight (counted at the endpoint).
PGAPPNAME=awsl_bulk_cancel psql -X -q -At >"$tmp/a.out" 2>&1 <<SQL &
$setup
SELECT count(*) FROM aws_lambda.invoke_many('hang_bulkcancel${tag}', $(fifty), 50);
SELECT 'after=' || extract(epoch FROM clock_timestamp());
SELECT 'usable=' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
  FROM aws_lambda.invoke_many('ok_bulkcancel${tag}', $(fifty), 50);
SQL
apid=$!
n=0
for _ in $(seq 1 200); do n=$(attempts hang_bulkcancel${tag}); [ "$n" = 50 ] && break; sleep 0.05; done
is "50 calls in flight at once (seen by the endpoint)" "$n" 50
sleep 0.2
bpid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'awsl_bulk_cancel' AND wait_event = 'Extension'")
cancel_within_200ms "$bpid" "$apid" "$tmp/a.out" "50 calls in flight"
like "after the cancel the same backend runs 50 calls again" "$aout" 'usable=50'
is "no call was retried or left queued (50 attempts in all)" "$(attempts hang_bulkcancel${tag})" 50

# 2. statement_timeout, then the backend is usable; no descriptor leaks.
out=$(psql -X -q -At 2>&1 <<SQL
$setup
SELECT count(*) FROM aws_lambda.invoke_many('ok_bulkfd${tag}', $(fifty), 50);
SELECT 'fds_before=' || count(*) FROM pg_ls_dir('/proc/self/fd');
SET statement_timeout = 300;
DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
  PERFORM count(*) FROM aws_lambda.invoke_many('hang_bulkst${tag}', $(fifty), 50);
EXCEPTION WHEN query_canceled THEN
  RAISE NOTICE 'overshoot_ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000) - 300;
END \$\$;
SELECT count(*) FROM aws_lambda.invoke_many('hang_bulkst2${tag}', $(fifty), 50);
SELECT count(*) FROM aws_lambda.invoke_many('hang_bulkst3${tag}', $(fifty), 50);
RESET statement_timeout;
SELECT 'usable=' || count(*) FILTER (WHERE error IS NULL) FROM aws_lambda.invoke_many('ok_bulkfd${tag}', $(fifty), 50);
SELECT 'fds_after=' || count(*) FROM pg_ls_dir('/proc/self/fd');
SQL
)
overshoot=$(echo "$out" | sed -n 's/.*overshoot_ms=\(-\?[0-9]*\).*/\1/p')
if [ -n "$overshoot" ] && [ "$overshoot" -lt 200 ]; then ok "statement_timeout stops 50 calls within 200 ms (overshoot ${overshoot} ms)"
else not_ok "statement_timeout stops 50 calls within 200 ms (overshoot '${overshoot}' ms)"; echo "$out" | sed 's/^/# /'; fi
is "statement_timeout: PostgreSQL's own error each time" "$(echo "$out" | grep -c 'canceling statement due to statement timeout')" 2
like "statement_timeout: backend usable afterwards (50 calls)" "$out" 'usable=50'
before=$(echo "$out" | sed -n 's/^fds_before=//p'); after=$(echo "$out" | sed -n 's/^fds_after=//p')
# (A slack of 5: the endpoint may close an idle kept-alive connection between
# the counts; a leak would show as dozens, one per cancelled call.)
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -le $((before + 5)) ]; then ok "no descriptor leaked by 150 cancelled calls ($before before, $after after)"
else not_ok "no descriptor leaked by 150 cancelled calls (before=$before after=$after)"; echo "$out" | sed 's/^/# /'; fi
# 3. pg_terminate_backend with 50 calls in flight: the backend exits at once.
PGAPPNAME=awsl_bulk_term psql -X -q -At >"$tmp/t.out" 2>&1 <<SQL &
$setup
SELECT count(*) FROM aws_lambda.invoke_many('hang_bulkterm${tag}', $(fifty), 50);
SQL
tjob=$!
for _ in $(seq 1 200); do [ "$(attempts hang_bulkterm${tag})" = 50 ] && break; sleep 0.05; done
tpid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'awsl_bulk_term'")
terminate_within_200ms "$tpid" "$tjob" "$tmp/t.out" "a backend with 50 calls in flight"
tap_exit
