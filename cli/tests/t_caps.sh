#!/usr/bin/env bash
# t_caps.sh — the CLI's --max-attempts, --connect-timeout-ms and
# --timeout-ms take core's caps (SQLAMBDA_*_MAX in sqlambda.h), the same
# bounds as PostgreSQL's and MariaDB's settings: the cap is accepted (the
# call goes on to a closed loopback port: exit 3, a connection error),
# cap + 1 is a usage error naming the option and the range (exit 2, nothing
# sent). Under a second.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
port=$(free_port) # nothing listens there
export AWS_ACCESS_KEY_ID=AKIDCAPS AWS_SECRET_ACCESS_KEY=capsSecret AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_MAX_ATTEMPTS AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA AWS_PROFILE
for spec in --max-attempts:100 --connect-timeout-ms:900000 --timeout-ms:960000; do
  opt=${spec%%:*} cap=${spec#*:}
  # --max-attempts 100 would retry a refused connect 100 times: checked on a request refused before sending
  if [ "$opt" = --max-attempts ]; then
    err=$($WRAP "$CLI" invoke "$opt" "$cap" --endpoint-url "http://127.0.0.1:$port" --invocation-type DryRun \
          --region us-east-1 'bad name!' 2>&1 >/dev/null); rc=$?
    like "$opt $cap (the cap) passes the option check (the bad name is what is refused)" "$err" \
         "function name"
  else
    err=$($WRAP "$CLI" invoke "$opt" "$cap" --max-attempts 1 --endpoint-url "http://127.0.0.1:$port" \
          lambdaTest '{}' 2>&1 >/dev/null); rc=$?
    is "$opt $cap (the cap) is accepted: the call is made, the connection refused (exit 3)" "$rc" 3
  fi
  err=$($WRAP "$CLI" invoke "$opt" "$((cap + 1))" --endpoint-url "http://127.0.0.1:$port" lambdaTest '{}' \
        2>&1 >/dev/null); rc=$?
  is "$opt $((cap + 1)) is a usage error (exit 2)" "$rc" 2
  like "$opt $((cap + 1)): the message names the option and the range" "$err" \
       "invalid $opt value '$((cap + 1))': expected .*from 1 to $cap"
done
tap_exit
