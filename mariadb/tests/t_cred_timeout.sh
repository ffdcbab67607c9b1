#!/usr/bin/env bash
# t_cred_timeout.sh — the server's credential_process never ends: KILL
# QUERY stops a call waiting for it within 200 ms (ER_QUERY_INTERRUPTED),
# the process is killed and the server reaps it; a second connection whose
# call waits for the same fetch is killed on its own, without stopping the
# first, and other connections are not held up; aws_lambda_credential_
# timeout_ms bounds the wait with an error naming the source, the bound and
# the setting.
. "$(dirname "$0")/lib.sh"

mkdir -p "$work/home" "$work/run"
# Core runs it with /bin/sh -c: that shell (the server's child) records
# itself as hang.pid, the script as script.pid; then it sleeps (30 s: past
# every bound here, short enough that a tree without them fails, not hangs).
cat >"$work/hang" <<PROC
#!/bin/sh
echo run >>"$work/run/runs"
echo \$PPID >"$work/run/hang.pid"
echo \$\$ >"$work/run/script.pid"
exec sleep 30
PROC
chmod 755 "$work/hang"
printf '[default]\ncredential_process = %s\n' "$work/hang" >"$work/config"
start_db cred -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI HOME="$work/home" AWS_ENDPOINT_URL=http://127.0.0.1:9 \
  AWS_REGION=us-east-1 AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE="$work/home/none" \
  AWS_EC2_METADATA_DISABLED=true || { not_ok "MariaDB starts (hung credential_process)"; exit 1; }

# call NAME OUT: a call in the background; "after=<server time>" once it ends
call() {
  printf "SELECT awslambda_fn('%s','{}');\nSELECT CONCAT('after=', UNIX_TIMESTAMP(SYSDATE(6)));\n" "$1" |
    mariadb --no-defaults --socket="$SOCK" -uroot -D t -N -B --force >"$2" 2>&1 &
}
conn_id() { # conn_id NAME: the connection running NAME's call, once it is
  local id
  for _ in $(seq 1 100); do
    id=$(q "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%awslambda_fn(''$1''%' AND ID <> CONNECTION_ID()")
    [ -n "$id" ] && { echo "$id"; return; }
    sleep 0.05
  done
}
# kill_within_200ms ID JOB OUT WHAT: KILL QUERY, then the call's end in server time
kill_within_200ms() {
  local t0 t1 ms
  t0=$(q "SELECT UNIX_TIMESTAMP(SYSDATE(6)); KILL QUERY $1" | head -1)
  wait "$2"
  t1=$(sed -n 's/^after=//p' "$3")
  ms=$(python3 -c "print(int((float('${t1:-0}') - float('${t0:-0}')) * 1000))" 2>/dev/null || echo 99999)
  like "KILL QUERY: ER_QUERY_INTERRUPTED naming the call ($4)" "$(cat "$3")" "ERROR 1317.*awslambda_fn.*interrupted"
  if [ -n "$t0" ] && [ -n "$t1" ] && [ "$ms" -ge 0 ] && [ "$ms" -lt 200 ]; then ok "KILL QUERY stops $4 within 200 ms ($ms ms)"
  else not_ok "KILL QUERY stops $4 within 200 ms (t0=$t0 t1=$t1)"; sed 's/^/# /' "$3"; fi
}
state() { # state PIDFILE: gone, or the process's state letter
  local p; p=$(cat "$1" 2>/dev/null) || { echo nopid; return; }
  [ -r "/proc/$p/stat" ] && sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1 || echo gone
}

call cred_a "$work/a.out"; ajob=$!
ida=$(conn_id cred_a)
for _ in $(seq 1 100); do [ -s "$work/run/script.pid" ] && break; sleep 0.05; done
call cred_b "$work/b.out"; bjob=$!
idb=$(conn_id cred_b)
sleep 0.3
t0=$(date +%s%N)
one=$(q "SELECT 1")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$one" = 1 ] && [ "$ms" -lt 1000 ]; then ok "another connection is not held up by the hung source (${ms} ms)"
else not_ok "another connection is not held up by the hung source ($one, ${ms} ms)"; fi
kill_within_200ms "$idb" "$bjob" "$work/b.out" "a second call waiting for the same fetch"
like "... and the first call is still waiting" "$(q "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = $ida AND INFO LIKE '%cred_a%'")" '^1$'
is "... on the one process both shared" "$(wc -l <"$work/run/runs")" 1
kill_within_200ms "$ida" "$ajob" "$work/a.out" "a call waiting for a hung credential_process"
is "KILL QUERY: the server reaped its credential_process (no zombie)" "$(state "$work/run/hang.pid")" gone
like "KILL QUERY: the process was killed (gone, or a zombie of init)" "$(state "$work/run/script.pid")" '^(gone|Z)$'

q "SET GLOBAL aws_lambda_credential_timeout_ms = 500" >/dev/null
t0=$(date +%s%N)
out=$(q "SELECT awslambda_fn('cred_t','{}')")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "aws_lambda_credential_timeout_ms: the error names the source, the bound and the setting" "$out" \
  'credential_process of profile "default" timed out after 500 ms \(aws_lambda_credential_timeout_ms\)'
if [ "$ms" -ge 500 ] && [ "$ms" -lt 1500 ]; then ok "aws_lambda_credential_timeout_ms = 500 ends the call at 500 ms (${ms} ms)"
else not_ok "aws_lambda_credential_timeout_ms = 500 ends the call at 500 ms (${ms} ms)"; fi
q "CREATE USER IF NOT EXISTS 'credtmo'@'localhost'" >/dev/null
like "aws_lambda_credential_timeout_ms needs SUPER" \
  "$(mariadb --no-defaults --socket="$SOCK" -ucredtmo -e "SET GLOBAL aws_lambda_credential_timeout_ms = 1" 2>&1)" \
  "ERROR 1227"
no_crash
tap_exit
