#!/usr/bin/env bash
# t_cred_timeout.sh — a credential_process that never ends, configured for
# a throwaway server (no AWS keys in its environment): statement_timeout and
# pg_cancel_backend stop the call within 200 ms with PostgreSQL's own
# errors, the process is killed and the backend reaps it (no zombie), the
# backend stays usable, another backend meanwhile gets its credentials at
# once, and aws_lambda.credential_timeout_ms (superuser-only) bounds the
# wait with an error naming the source, the bound and the setting.
# Needs MOTO_URL and moto's keys (test/run exports them).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$(dirname "$0")/lib_stop_call.sh"
tmp=$(mktemp -d /tmp/aws_lambda-credtmo.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
chmod o+x "$tmp"
mkdir -m 777 "$tmp/run"
# Core runs it with /bin/sh -c: that shell (the backend's child) records
# itself as hang.pid, the script as script.pid; then it sleeps (30 s: long
# past every bound here, short enough that a tree without them fails, not hangs).
cat >"$tmp/hang" <<PROC
#!/bin/sh
echo \$PPID >"$tmp/run/hang.pid"
echo \$\$ >"$tmp/run/script.pid"
exec sleep 30
PROC
chmod 755 "$tmp/hang"
printf '[keys]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" >"$tmp/credentials"
printf '[profile hang]\ncredential_process = %s\n[profile keys]\nregion = us-east-1\n' "$tmp/hang" >"$tmp/config"
chmod 644 "$tmp/credentials" "$tmp/config"
(
  for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
  export AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config
  export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
  "$top/scripts/pg-start" "$tmp/pg" "aws_lambda.endpoint_override=$MOTO_URL" lc_messages=C >/dev/null
) || { not_ok "server with a hung credential_process starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
psql -X -q -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null 2>&1
# In the calling session, after the call: its process, the script's state.
children="SELECT 'child=' || CASE WHEN pg_stat_file('/proc/' || trim(pg_read_file('$tmp/run/hang.pid')) || '/stat', true) IS NULL THEN 'reaped' ELSE split_part(split_part(pg_read_file('/proc/' || trim(pg_read_file('$tmp/run/hang.pid')) || '/stat'), ') ', 2), ' ', 1) END;
SELECT 'script=' || coalesce(split_part(split_part(pg_read_file('/proc/' || trim(pg_read_file('$tmp/run/script.pid')) || '/stat', 0, 200, true), ') ', 2), ' ', 1), 'gone');"

# 1. statement_timeout
rm -f "$tmp"/run/*.pid
out=$(psql -X -At 2>&1 <<SQL
SET search_path = public, aws_lambda;
SET aws_lambda.profile = 'hang';
SET statement_timeout = 300;
SELECT awslambda_fn('f', '{}');
DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
  PERFORM awslambda_fn('f', '{}');
EXCEPTION WHEN query_canceled THEN
  RAISE NOTICE 'overshoot_ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000) - 300;
END \$\$;
RESET statement_timeout;
$children
SELECT 'usable=' || 1;
SQL
)
like "statement_timeout: PostgreSQL's own error (57014)" "$out" "ERROR:  canceling statement due to statement timeout"
overshoot=$(echo "$out" | sed -n 's/.*overshoot_ms=\(-\?[0-9]*\).*/\1/p')
if [ -n "$overshoot" ] && [ "$overshoot" -lt 200 ]; then ok "statement_timeout stops a hung credential_process within 200 ms (overshoot ${overshoot} ms)"
else not_ok "statement_timeout stops a hung credential_process within 200 ms (overshoot '${overshoot}' ms)"; echo "$out" | sed 's/^/# /'; fi
like "statement_timeout: the backend reaped its credential_process (no zombie)" "$out" '^child=reaped$'
like "statement_timeout: the process was killed (gone, or a zombie of init)" "$out" '^script=(gone|Z)$'
like "statement_timeout: the backend is usable afterwards" "$out" '^usable=1$'

# 2. pg_cancel_backend, while a second backend makes a call of its own
rm -f "$tmp"/run/*.pid
PGAPPNAME=awsl_credcancel psql -X -At >"$tmp/a.out" 2>&1 <<SQL &
SET search_path = public, aws_lambda;
SET aws_lambda.profile = 'hang';
SELECT awslambda_fn('f_cancel', '{}');
SELECT 'after=' || extract(epoch FROM clock_timestamp());
$children
SQL
apid=$!
waiting=
for _ in $(seq 1 200); do
  waiting=$(psql -X -At -c "SELECT pid || ' ' || coalesce(wait_event_type, '-') || ' ' || coalesce(wait_event, '-') FROM pg_stat_activity WHERE application_name = 'awsl_credcancel' AND state = 'active' AND query LIKE '%f_cancel%'")
  case "$waiting" in *" Extension Extension") [ -s "$tmp/run/script.pid" ] && break ;; esac
  sleep 0.05
done
like "a call waiting for credential_process waits on the latch (wait event Extension)" "$waiting" '^[0-9]+ Extension Extension$'
other=$(psql -X -At 2>&1 <<'SQL'
SET search_path = public, aws_lambda;
SET aws_lambda.profile = 'keys';
\timing on
SELECT awslambda_fn('no_such_function_here', '{}');
SQL
)
ms=$(echo "$other" | sed -n 's/^Time: \([0-9]*\).*/\1/p' | head -1)
is "another backend meanwhile: its call gets credentials and an answer (no error)" \
  "$(echo "$other" | grep -c ERROR)" 0
if [ -n "$ms" ] && [ "$ms" -lt 2000 ]; then ok "another backend is not stuck behind the hung one (${ms} ms)"
else not_ok "another backend is not stuck behind the hung one ('${ms}' ms)"; echo "$other" | sed 's/^/# /'; fi
bpid=${waiting%% *}
cancel_within_200ms "$bpid" "$apid" "$tmp/a.out" "a call waiting for a hung credential_process"
like "pg_cancel_backend: the backend reaped its credential_process" "$aout" '^child=reaped$'
like "pg_cancel_backend: the process was killed" "$aout" '^script=(gone|Z)$'

# 3. aws_lambda.credential_timeout_ms: the bound and the message
out=$(psql -X -At 2>&1 <<'SQL'
SET search_path = public, aws_lambda;
SET aws_lambda.profile = 'hang';
SET aws_lambda.credential_timeout_ms = 500;
\set VERBOSITY verbose
\timing on
SELECT awslambda_fn('f_timeout', '{}');
\timing off
\set VERBOSITY default
LOAD 'aws_lambda';
CREATE ROLE awsl_credtmo_user;
SET ROLE awsl_credtmo_user;
SET aws_lambda.credential_timeout_ms = 1;
SQL
)
like "credential_timeout_ms: the error names the source, the bound and the setting" "$out" \
  'credential_process of profile "hang" timed out after 500 ms \(aws_lambda.credential_timeout_ms\)'
like "credential_timeout_ms: SQLSTATE 58030 (a timeout, as for Lambda requests)" "$out" 'ERROR:  58030: '
ms=$(echo "$out" | sed -n 's/^Time: \([0-9]*\).*/\1/p' | head -1)
if [ -n "$ms" ] && [ "$ms" -ge 500 ] && [ "$ms" -lt 800 ]; then ok "credential_timeout_ms = 500 ends the call at 500 ms (${ms} ms)"
else not_ok "credential_timeout_ms = 500 ends the call at 500 ms ('${ms}' ms)"; echo "$out" | sed 's/^/# /'; fi
like "credential_timeout_ms is superuser-only" "$out" 'permission denied to set parameter "aws_lambda.credential_timeout_ms"'
tap_exit
