#!/usr/bin/env bash
# t_caps.sh — the numeric system variables are bounded by core's caps
# (SQLAMBDA_*_MAX in sqlambda.h, the same in PostgreSQL and the CLI): SET
# GLOBAL of each cap is accepted, of cap + 1 refused with ERROR 1231 and
# the range as a warning, the old value kept (the server alone would adjust
# the value to its bound with a warning). A few seconds (one server).
. "$(dirname "$0")/lib.sh"

start_db db AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }
val() { q "SELECT @@GLOBAL.aws_lambda_$1"; }
for spec in max_attempts:0:100 connect_timeout_ms:1:900000 request_timeout_ms:1:960000 \
            credential_timeout_ms:0:3600000; do
  IFS=: read -r var min cap <<<"$spec"
  q "SET GLOBAL aws_lambda_$var = $cap" >/dev/null
  is "aws_lambda_$var: the cap $cap is accepted" "$(val "$var")" "$cap"
  q "SET GLOBAL aws_lambda_$var = $min" >/dev/null
  out=$(q "SET GLOBAL aws_lambda_$var = $((cap + 1)); SHOW WARNINGS")
  like "aws_lambda_$var: $((cap + 1)) is refused (ERROR 1231), naming the range" "$out" \
       "ERROR 1231 .*aws_lambda_$var"
  is "aws_lambda_$var: the old value stays after the refused SET" "$(val "$var")" "$min"
  out=$(mariadb --no-defaults --socket="$SOCK" -uroot -N -B --show-warnings \
        -e "SET GLOBAL aws_lambda_$var = $((cap + 1))" 2>&1)
  like "aws_lambda_$var: the warning gives the range $min..$cap" "$out" \
       "Warning \\(Code 1105\\): aws_lambda_$var: $((cap + 1)) is outside $min\\.\\.$cap"
done
out=$(q "SET GLOBAL aws_lambda_max_attempts = -1")
like "aws_lambda_max_attempts: -1 is refused" "$out" "ERROR 1231"
tap_exit
