#!/usr/bin/env bash
# t_allowlist.sh — aws_lambda_allowed_functions means exactly what it says
# (core's rules, docs/security.md "allowlist"): a plain name allows only
# unqualified plain-name calls in the configured region — never an ARN in
# another region or account, never a qualifier; "name:*" allows any
# qualifier; an ARN entry allows only that ARN. Each refused call must not
# reach the endpoint (the fault server counts connections).
. "$(dirname "$0")/lib.sh"

start_fault || { not_ok "fault server starts"; exit 1; }
start_db db AWS_ACCESS_KEY_ID=AKIDALLOW AWS_SECRET_ACCESS_KEY=allowSecret AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }
q "SET GLOBAL aws_lambda_endpoint_url='$FAULT_URL'" >/dev/null
q "SET GLOBAL aws_lambda_region='us-east-1'" >/dev/null

allowed() { is "$1 allows $2" "$(q "SELECT lambda_sync('$2','{\"a\":1}')")" '{"a":1}'; }
refused() {
  local before
  before=$(fault_connections)
  like "$1 refuses $2" "$(q "SELECT lambda_sync('$2','{}')")" "ERROR 1105.*lambda_sync: .*not (in the )?allow"
  is "... and sends nothing" "$(fault_connections)" "$((before + 1))"
}

q "SET GLOBAL aws_lambda_allowed_functions='ok_al'" >/dev/null
allowed "plain name" ok_al
refused "plain name" ok_al:prod
refused "plain name" arn:aws:lambda:us-west-2:123456789012:function:ok_al
refused "plain name" 111122223333:function:ok_al
refused "plain name" arn:aws:lambda:us-east-1:111122223333:function:ok_al

q "SET GLOBAL aws_lambda_allowed_functions='ok_al:*'" >/dev/null
allowed "name:*" ok_al:prod
refused "name:* (qualified only)" ok_al

q "SET GLOBAL aws_lambda_allowed_functions='arn:aws:lambda:us-west-2:123456789012:function:ok_arn'" >/dev/null
allowed "an ARN entry" arn:aws:lambda:us-west-2:123456789012:function:ok_arn
refused "an ARN entry" arn:aws:lambda:us-east-1:123456789012:function:ok_arn
refused "an ARN entry" arn:aws:lambda:us-west-2:210987654321:function:ok_arn
refused "an ARN entry" ok_arn
no_crash
tap_exit
