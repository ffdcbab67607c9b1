#!/usr/bin/env bash
# t_udf_only.sh — the UDFs without the aws_lambda plugin installed (as on a
# server where only CREATE FUNCTION was run): settings come from the
# environment only, a row-time failure gives NULL plus a line in the error
# log (no supported way to raise an error then), bad constants still fail
# in xxx_init. Also dropping and re-creating everything while threads that
# used it live on.
. "$(dirname "$0")/lib.sh"

start_moto || { not_ok "moto_server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }
q "UNINSTALL PLUGIN aws_lambda" >/dev/null
is "plugin uninstalled, UDFs stay" "$(q "SELECT COUNT(*) FROM mysql.func WHERE dl='aws_lambda_udf.so'")" 4
is "UDF alone works from the environment's settings" "$(q "SELECT awslambda_fn('lambdaTest','{\"u\":1}')")" '{"u":1}'
like "system variables are gone with the plugin" "$(q "SELECT @@aws_lambda_endpoint_url")" "ERROR 1193"
out=$(q "SELECT IFNULL(awslambda_fn(IF(seq=2,'bad name!','lambdaTest'),'{}'),'NULL') FROM seq_1_to_3")
is "row-time failure without the plugin: the client sees NULL, for the rest of the statement too" \
  "$(echo "$out" | tr '\n' ' ')" "{} NULL NULL "
like "... and the full message is in the error log" "$(grep 'aws_lambda:' "$DB_DIR/error.log" | tail -1)" \
  "\[ERROR\] aws_lambda: awslambda_fn: .*bad name!"
calls0=$(grep -c 'POST /2015-03-31/functions/lambdaTest' "$work/moto/moto.log")
q "SELECT awslambda_fn(IF(seq=1,'bad name!','lambdaTest'),'{}') FROM seq_1_to_5" >/dev/null
is "... and no Lambda call is made for those rows" "$(grep -c 'POST /2015-03-31/functions/lambdaTest' "$work/moto/moto.log")" "$calls0"
like "a bad constant is still refused in init, with core's message" \
  "$(q "SELECT awslambda_fn('bad name!','{}')")" "ERROR 1123.*awslambda_fn.*bad name!"

q "INSTALL PLUGIN aws_lambda SONAME 'aws_lambda_udf.so'" >/dev/null
calls_before=$(q "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CALLS'")
q_root <"$top/mariadb/sql/uninstall.sql"
is "uninstall.sql removes the UDFs" "$(q "SELECT COUNT(*) FROM mysql.func WHERE dl='aws_lambda_udf.so'")" 0
is "... and the plugin" "$(q "SELECT COUNT(*) FROM information_schema.plugins WHERE plugin_name='aws_lambda'")" 0
# Threads that hold clients end after everything was dropped: the library
# stays mapped (-z nodelete), so their clients are freed without a crash.
for _ in 1 2 3 4 5; do q "SELECT 1" >/dev/null; done
q "SET GLOBAL thread_cache_size = 0; SELECT 1" >/dev/null
for _ in 1 2 3; do q "SELECT 1" >/dev/null; done
server_alive && ok "server survives dropping everything while threads end" || not_ok "server survives dropping everything while threads end"
q_root <"$top/mariadb/sql/install.sql"
is "re-created: the same library image (nodelete: counters kept)" \
  "$(q "SELECT VARIABLE_VALUE >= $calls_before FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CALLS'")" 1
is "reinstalled: calls work again" "$(q "SELECT awslambda_fn('lambdaTest','{\"again\":true}')")" '{"again":true}'
like "reinstalled plugin raises errors again" "$(q "SELECT awslambda_fn(IF(RAND()>2,'x','bad name!'),'{}')")" "ERROR 1105.*bad name!"
no_crash
tap_exit
