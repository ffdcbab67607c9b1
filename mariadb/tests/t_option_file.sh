#!/usr/bin/env bash
# t_option_file.sh — startup values: the documented way to keep settings
# across restarts (SET GLOBAL is not persisted) is an option file, and it
# works: the allowlist from my.cnf holds after a restart, a SET GLOBAL does
# not survive one. A bad startup value (option file or command line) is
# checked with the SET GLOBAL rules: the plugin refuses to load, the error
# log names the option and the reason, every UDF refuses to call, and
# nothing reaches the endpoint.
. "$(dirname "$0")/lib.sh"

start_fault || { not_ok "fault server starts"; exit 1; }
start_db db AWS_ACCESS_KEY_ID=AKIDCNF AWS_SECRET_ACCESS_KEY=cnfSecret AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }
cnf=$work/my.cnf
write_cnf() { # write_cnf [extra line]: the option file a server would read
  printf '[mariadbd]\naws-lambda-endpoint-url=%s\naws-lambda-allowed-functions=ok_cnf,ok_cnf2\naws-lambda-region=eu-north-1\n%s\n' \
    "$FAULT_URL" "${1:-}" >"$cnf"
}

write_cnf
restart_db --defaults-file="$cnf" || { not_ok "server restarts with the option file"; exit 1; }
is "option file values are in force after a restart" \
  "$(q "SELECT CONCAT_WS(' ', @@aws_lambda_endpoint_url, @@aws_lambda_allowed_functions, @@aws_lambda_region)")" \
  "$FAULT_URL ok_cnf,ok_cnf2 eu-north-1"
is "an allowed function is called" "$(q "SELECT awslambda_fn('ok_cnf','{\"c\":1}')")" '{"c":1}'
like "the option file's allowlist holds" "$(q "SELECT awslambda_fn('ok_other','{}')")" "ERROR 1105.*ok_other.*allow"
q "SET GLOBAL aws_lambda_allowed_functions='ok_other'" >/dev/null
restart_db --defaults-file="$cnf" || { not_ok "server restarts again"; exit 1; }
is "SET GLOBAL is not persisted: after a restart the option file's allowlist is back" \
  "$(q "SELECT @@aws_lambda_allowed_functions")" "ok_cnf,ok_cnf2"
like "... and enforced" "$(q "SELECT awslambda_fn('ok_other','{}')")" "ERROR 1105.*ok_other.*allow"

refused="ERROR 1123 .*Can't initialize function '%s'; the aws_lambda plugin refused a startup value: see the error log"
# bad_startup DESC VAR [mariadbd options]: after a restart the plugin is not
# loaded, the log says why, every UDF refuses, nothing is sent
bad_startup() {
  local desc=$1 var=$2 udf before; shift 2
  restart_db --defaults-file="$cnf" "$@" || { not_ok "$desc: the server still starts"; return; }
  ok "$desc: the server still starts"
  is "$desc: the plugin is not active" \
    "$(q "SELECT COUNT(*) FROM information_schema.plugins WHERE plugin_name='aws_lambda' AND plugin_status='ACTIVE'")" 0
  like "$desc: the error log names the option and the reason" \
    "$(grep 'aws_lambda: refusing to load' "$DB_DIR/error.log" | tail -1)" \
    "aws_lambda: refusing to load: startup value of aws_lambda_$var: .*; fix the --aws-lambda-\* option or option file entry"
  before=$(fault_connections)
  for udf in awslambda_fn awslambda_fn_async lambda_sync lambda_async; do
    # shellcheck disable=SC2059
    like "$desc: $udf refuses to call" "$(q "SELECT $udf('ok_cnf','{}')")" "$(printf "$refused" "$udf")"
  done
  is "$desc: nothing reached the endpoint" "$(fault_connections)" "$((before + 1))"
}
port=${FAULT_URL##*:}
write_cnf "aws-lambda-region=evil.example/#"
bad_startup "option file region 'evil.example/#'" region
write_cnf "aws-lambda-endpoint-url=http://user:pw@127.0.0.1:$port/"
bad_startup "option file endpoint with userinfo" endpoint_url
if grep -q 'pw@' "$DB_DIR/error.log"; then not_ok "the userinfo's password is not written to the error log"
else ok "the userinfo's password is not written to the error log"; fi
write_cnf "aws-lambda-allowed-functions=ok_cnf,x/../y"
bad_startup "option file allowlist with a path entry" allowed_functions
write_cnf
bad_startup "command-line endpoint with a fragment" endpoint_url --aws-lambda-endpoint-url="http://127.0.0.1:$port/#x"
bad_startup "command-line region 'evil-example'" region --aws-lambda-region=evil-example

write_cnf
restart_db --defaults-file="$cnf" || { not_ok "server restarts with the fixed option file"; exit 1; }
is "fixed option file: the plugin loads and calls work again" "$(q "SELECT awslambda_fn('ok_cnf2','{\"c\":2}')")" '{"c":2}'
no_crash
tap_exit
