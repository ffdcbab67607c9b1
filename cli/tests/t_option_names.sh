#!/usr/bin/env bash
# t_option_names.sh — the CLI's error messages name only options its user
# can set: a credential source's timeout names --credential-timeout-ms
# (core's default name, credential_timeout_ms, is no flag of the command),
# and that flag bounds the wait, up to core's cap. A hung credential_process
# (sleep) stands in for a slow credential source. About a second.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
T=$(mktemp -d /tmp/sqlambda-cli-optnames.XXXXXX)
trap 'rm -rf "$T"' EXIT
printf '[default]\ncredential_process = sleep 30\n' >"$T/config"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA
export AWS_CONFIG_FILE=$T/config AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
port=$(free_port) # nothing listens: credentials come first, so nothing is sent
start=$(date +%s%N)
err=$($WRAP "$CLI" invoke --credential-timeout-ms 300 --region us-east-1 \
      --endpoint-url "http://127.0.0.1:$port" lambdaTest '{}' 2>&1 >/dev/null); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "a hung credential_process under --credential-timeout-ms 300: exit 3" "$rc" 3
like "the timeout names the flag that sets it" "$err" \
     'credential_process of profile "default" timed out after 300 ms \(--credential-timeout-ms\)'
is "the message names no option the command does not have" "$(printf '%s' "$err" | grep -c '(credential_timeout_ms)\|retry_unsafe')" 0
if [ "$ms" -lt 5000 ]; then ok "the flag bounds the wait (${ms} ms)"; else not_ok "the flag bounds the wait (${ms} ms)"; fi
err=$($WRAP "$CLI" invoke --credential-timeout-ms 3600001 lambdaTest 2>&1 >/dev/null); rc=$?
is "--credential-timeout-ms 3600001 (cap + 1) is a usage error (exit 2)" "$rc" 2
like "... naming the range" "$err" "invalid --credential-timeout-ms value '3600001': expected milliseconds from 1 to 3600000"
tap_exit
