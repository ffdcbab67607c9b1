#!/usr/bin/env bash
# t_hostile.sh — hostile values through MariaDB never reach the network:
# function names (path, '#', '?', '%'-escapes, CR/LF, spaces, NUL, IDN,
# over-long, bad ARN parts and qualifiers) given to every UDF are a client
# error naming the argument; endpoint, region and allowlist values with
# userinfo, fragments, paths and controls are refused by SET GLOBAL with
# core's reason as a warning, and the old value stays. The endpoint is the
# fault server, which counts every connection it accepts: none may arrive.
. "$(dirname "$0")/lib.sh"

start_fault || { not_ok "fault server starts"; exit 1; }
start_db db AWS_ACCESS_KEY_ID=AKIDHOSTILE AWS_SECRET_ACCESS_KEY=hostileSecret AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }
q "SET GLOBAL aws_lambda_endpoint_url='$FAULT_URL'" >/dev/null
q "SET GLOBAL aws_lambda_region='us-east-1'" >/dev/null
is "a plain call reaches the endpoint" "$(q "SELECT awslambda_fn('ok_hostile','{\"h\":1}')")" '{"h":1}'

before=$(fault_connections)
# SQL expressions, not literals, so CR/LF and NUL reach the UDF as bytes
names=(
  "'x/../y'" "'a#b'" "'a?b=c'" "'a%2Fb'" "'a b'" "CONCAT('a',CHAR(13),CHAR(10),'Host: evil')"
  "CONCAT('a',CHAR(0),'b')" "REPEAT('a',600)" "REPEAT('a',65)" "'fünf'" "'user:pw@host'"
  "'arn:aws:lambda:evil.example/#:123456789012:function:f'"
  "'arn:aws:lambda:us-east-1:123456789012:function:f:../x'"
  "'arn:aws-evil/x:lambda:us-east-1:123456789012:function:f'"
  "'arn:aws:lambda:us-east-1:12345678901/:function:f'" "'f:a#b'" "'f:'" "'123456789012:function:f/..'"
  "''")
for udf in awslambda_fn awslambda_fn_async lambda_sync lambda_async; do
  case $udf in awslambda_*) arg=fn_name ;; *) arg=lambda_function_ARN ;; esac
  bad=
  for n in "${names[@]}"; do
    out=$(q "SELECT $udf($n,'{}')")
    echo "$out" | grep -q "ERROR 1105.*$udf: argument 1 ($arg): " || bad="$bad
#   $n -> $out"
  done
  if [ -z "$bad" ]; then ok "$udf: ${#names[@]} hostile function names are each an error naming argument 1 ($arg)"
  else not_ok "$udf: ${#names[@]} hostile function names are each an error naming argument 1 ($arg)"; echo "$bad"; fi
done
is "... and not one connection reached the endpoint" "$(fault_connections)" "$((before + 1))"

# set_refused VAR VALUE_SQL: SET GLOBAL fails with ER_WRONG_VALUE_FOR_VAR,
# the warning carries core's reason, the old value stays
set_refused() {
  local var=$1 val=$2 old out
  old=$(q "SELECT @@aws_lambda_$var")
  out=$(mariadb --no-defaults --socket="$SOCK" -uroot -N -B --show-warnings -e "SET GLOBAL aws_lambda_$var = $val" 2>&1)
  like "SET GLOBAL aws_lambda_$var = $val is refused" "$out" "ERROR 1231"
  like "... with the reason as a warning" "$out" "Warning \\(Code 1105\\): aws_lambda_$var: [a-z]"
  is "... and the old value stays" "$(q "SELECT @@aws_lambda_$var")" "$old"
}
port=${FAULT_URL##*:}
set_refused endpoint_url "'http://user:pw@127.0.0.1:$port'"
set_refused endpoint_url "'http://127.0.0.1:$port/#frag'"
set_refused endpoint_url "'http://127.0.0.1:$port/?a=b'"
set_refused endpoint_url "'http://127.0.0.1:$port/%2e%2e/'"
set_refused endpoint_url "'file:///etc/passwd'"
set_refused endpoint_url "CONCAT('http://127.0.0.1:$port/',CHAR(13),CHAR(10),'X: y')"
set_refused region "'evil.example/#'"
set_refused region "'us-east-1/../x'"
set_refused region "'evil-example'"
set_refused region "CONCAT('us-east-1',CHAR(10))"
set_refused region "CONCAT('us-east-1',CHAR(0),'x')"
set_refused region "REPEAT('a',40)"
set_refused allowed_functions "'ok_hostile,a#b'"
set_refused allowed_functions "'x/../y'"
set_refused allowed_functions "'ok_hostile,,other'"
is "after all that, calls still go to the configured endpoint only" \
  "$(q "SELECT awslambda_fn('ok_hostile','{\"h\":2}')")" '{"h":2}'
no_crash
tap_exit
