#!/usr/bin/env bash
# t_credentials.sh — a second throwaway server, with no AWS keys in its
# environment and aws_lambda NOT preloaded: no credentials is 28000; keys
# from a profile chosen with aws_lambda.profile sign requests moto accepts;
# a failing credential_process is 28000 without leaking anything; and
# statistics fall back to per-backend. Needs MOTO_URL and moto's keys.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
tmp=$(mktemp -d /tmp/aws_lambda-creds.XXXXXX)
trap '"$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
chmod o+x "$tmp"
printf '[regress]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" >"$tmp/credentials"
# A credential_process that counts its runs (it runs as the postgres user).
mkdir -m 777 "$tmp/count"
cat >"$tmp/creds-process" <<PROC
#!/bin/sh
echo run >>"$tmp/count/runs"
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY"
PROC
chmod 755 "$tmp/creds-process"
printf '[profile regress]\nregion = us-east-1\n[profile broken]\ncredential_process = /bin/false\n[profile counted]\ncredential_process = %s\n' \
  "$tmp/creds-process" >"$tmp/config"
chmod 644 "$tmp/credentials" "$tmp/config"
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
  unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
  export AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config
  export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
  "$top/scripts/pg-start" "$tmp/pg" "aws_lambda.endpoint_override=$MOTO_URL" lc_messages=C >/dev/null
) || { not_ok "second server starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres

out=$(psql -X -At 2>&1 <<'SQL'
CREATE EXTENSION aws_lambda CASCADE;
SET search_path = public, aws_lambda;
SELECT 'shared=' || aws_lambda.stats_shared();
SELECT awslambda_fn('lambdaTest', '{"no": "credentials"}');
\set VERBOSITY verbose
SELECT awslambda_fn('lambdaTest', '{"no": "credentials"}');
\set VERBOSITY default
SET aws_lambda.profile = 'regress';
SELECT awslambda_fn('lambdaTest', '{"from": "profile"}');
SET aws_lambda.profile = 'broken';
\set VERBOSITY verbose
SELECT awslambda_fn('lambdaTest', '{"broken": "process"}');
\set VERBOSITY default
SET aws_lambda.profile = 'counted';
SELECT 'counted=' || count(awslambda_fn('lambdaTest', '{"cached": true}')) FROM generate_series(1, 5);
SELECT 'counted=' || count(awslambda_fn('lambdaTest', '{"cached": true}')) FROM generate_series(1, 5);
RESET aws_lambda.profile;
SELECT 'rows_here=' || count(*) FROM aws_lambda.stats;
\c -
SELECT 'rows_new_backend=' || count(*) FROM aws_lambda.stats;
SQL
)
like "not preloaded: statistics are per backend" "$out" '^shared=false$'
like "no credentials anywhere: an error naming the problem" "$out" 'ERROR:  lambda function "lambdaTest".*credential'
like "no credentials: SQLSTATE 28000" "$out" 'ERROR:  28000: '
like "aws_lambda.profile: the profile's keys sign a request moto accepts" "$out" '^\{"from": "profile"\}$'
like "failing credential_process: SQLSTATE 28000" "$out" 'ERROR:  28000: .*(process|/bin/false)'
is "credential_process keys: ten calls in two statements succeed" "$(echo "$out" | grep -c '^counted=5$')" 2
is "credentials are cached: the process ran once for ten calls" "$(wc -l <"$tmp/count/runs" 2>/dev/null | tr -d ' ')" 1
like "per-backend statistics count this backend's calls" "$out" '^rows_here=1$'
like "a new backend starts with empty per-backend statistics" "$out" '^rows_new_backend=0$'
is "no secret in any message" "$(echo "$out" | grep -c -F "$MOTO_SECRET_ACCESS_KEY")" 0
is "no secret in the server log" "$(grep -c -F "$MOTO_SECRET_ACCESS_KEY" "$tmp/pg/server.log")" 0
echo "$out" | grep ERROR | sed 's/^/# /'
tap_exit
