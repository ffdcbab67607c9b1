#!/usr/bin/env bash
# t_basic.sh — the four UDFs against moto_server (SigV4 verified, echo mode):
# the seed's call, Aurora's names, NULLs, arity/type/JSON/name errors at
# init and at row time, result type, exported symbols, install idempotence.
. "$(dirname "$0")/lib.sh"

syms=$(nm -D --defined-only "$build/aws_lambda_udf.so" | awk '{print $3}' | grep -v '^_maria_' | sort | tr '\n' ' ')
is "the .so exports only the UDFs and plugin service pointers" "$syms" \
  "awslambda_fn awslambda_fn_async awslambda_fn_async_deinit awslambda_fn_async_init awslambda_fn_deinit awslambda_fn_init lambda_async lambda_async_deinit lambda_async_init lambda_sync lambda_sync_deinit lambda_sync_init my_print_error_service thd_alloc_service thd_kill_statement_service "

start_moto || { not_ok "moto_server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }
ok "MariaDB starts and sql/install.sql registers the plugin and UDFs"
is "install.sql is idempotent" "$(q_root <"$top/mariadb/sql/install.sql" 2>&1)" ""
is "four UDFs registered" "$(q "SELECT GROUP_CONCAT(name ORDER BY name) FROM mysql.func WHERE dl='aws_lambda_udf.so'")" \
  "awslambda_fn,awslambda_fn_async,lambda_async,lambda_sync"
is "plugin is ACTIVE" "$(q "SELECT plugin_status FROM information_schema.plugins WHERE plugin_name='aws_lambda'")" ACTIVE

# --- the seed ---------------------------------------------------------------
is "seed: awslambda_fn('lambdaTest','{\"name\":\"bob\"}')" \
  "$(q "SELECT awslambda_fn('lambdaTest','{\"name\":\"bob\"}')")" '{"name":"bob"}'
is "awslambda_fn_async returns Lambda's status 202 at once" \
  "$(q "SELECT awslambda_fn_async('lambdaTest','{\"name\":\"bob\"}')")" 202
is "awslambda_fn over many rows, each its own payload" \
  "$(q "SELECT GROUP_CONCAT(awslambda_fn('lambdaTest', JSON_OBJECT('n', seq)) ORDER BY seq SEPARATOR ' ') FROM seq_1_to_3")" \
  '{"n": 1} {"n": 2} {"n": 3}'
is "response returned exactly (spacing, key order, unicode kept)" \
  "$(q "SELECT HEX(awslambda_fn('lambdaTest','{ \"b\" : [1, 2.50],  \"a\":\"\\\\u00e9 é\" }'))")" \
  "$(printf '%s' '{ "b" : [1, 2.50],  "a":"\u00e9 é" }' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"

# --- Aurora MySQL names --------------------------------------------------------
is "lambda_sync returns the payload" "$(q "SELECT lambda_sync('lambdaTest','{\"operation\": \"ping\"}')")" '{"operation": "ping"}'
is "lambda_async returns NULL" "$(q "SELECT lambda_async('lambdaTest','{\"operation\": \"ping\"}')")" NULL
is "lambda_sync usable in a WHERE clause (Aurora doc style)" \
  "$(q "SELECT COUNT(*) FROM seq_1_to_5 WHERE JSON_VALUE(lambda_sync('lambdaTest', JSON_OBJECT('v', seq)), '$.v') > 2")" 3

# --- NULLs ---------------------------------------------------------------------
is "NULL function name gives NULL" "$(q "SELECT awslambda_fn(NULL,'{}')")" NULL
is "NULL payload gives NULL" "$(q "SELECT awslambda_fn('lambdaTest',NULL)")" NULL
is "NULL arguments give NULL for all four" \
  "$(q "SELECT CONCAT_WS(',', IFNULL(awslambda_fn_async(NULL,NULL),'N'), IFNULL(lambda_sync(NULL,'{}'),'N'), IFNULL(lambda_async('x',NULL),'N'))")" "N,N,N"
is "NULL from a column on some rows only" \
  "$(q "SELECT GROUP_CONCAT(IFNULL(awslambda_fn('lambdaTest', IF(seq=2, NULL, JSON_OBJECT('n',seq))),'null') ORDER BY seq) FROM seq_1_to_3")" \
  '{"n": 1},null,{"n": 3}'

# --- arity and types (rejected in xxx_init) -----------------------------------------
like "no arguments rejected" "$(q "SELECT awslambda_fn()")" "ERROR 1123.*awslambda_fn.*takes 2 arguments \(fn_name, fn_argsJson\), got 0"
like "one argument rejected" "$(q "SELECT awslambda_fn('lambdaTest')")" "takes 2 arguments \(fn_name, fn_argsJson\), got 1"
like "three arguments rejected" "$(q "SELECT lambda_sync('a','{}','x')")" "lambda_sync.*takes 2 arguments \(lambda_function_ARN, JSON_payload\), got 3"
like "integer function name rejected" "$(q "SELECT awslambda_fn(1,'{}')")" "argument 1 \(fn_name\) must be a string, not an integer"
like "real payload rejected" "$(q "SELECT awslambda_fn_async('lambdaTest',1.5e0)")" "argument 2 \(fn_argsJson\) must be a string, not a real number"
like "decimal payload rejected" "$(q "SELECT lambda_async('lambdaTest',1.5)")" "argument 2 \(JSON_payload\) must be a string, not a decimal"

# --- bad values (rejected by core before sending; full text at row time) ------------
like "invalid JSON names the problem" "$(q "SELECT awslambda_fn('lambdaTest','{\"name\":')")" "ERROR 1105.*awslambda_fn.*lambdaTest.*(JSON|json)"
like "invalid JSON from a column is an error too" \
  "$(q "SELECT awslambda_fn('lambdaTest', IF(seq=2,'{oops', '{}')) FROM seq_1_to_3")" "ERROR 1105.*(JSON|json)"
like "empty payload is rejected" "$(q "SELECT awslambda_fn('lambdaTest','')")" "ERROR 1105.*awslambda_fn.*(JSON|json|empty)"
like "invalid function name names it" "$(q "SELECT awslambda_fn('bad name!','{}')")" "ERROR 1105.*awslambda_fn.*bad name!"
like "empty function name rejected" "$(q "SELECT lambda_sync('','{}')")" "ERROR 1105.*lambda_sync.*empty"
like "over-long function name rejected" "$(q "SELECT awslambda_fn(REPEAT('a',600),'{}')")" "ERROR 1105.*too long"
like "Event payload over 1 MB rejected before sending" \
  "$(q "SELECT awslambda_fn_async('lambdaTest', CONCAT('{\"x\":\"', REPEAT('a', 1100000), '\"}'))")" "ERROR 1105.*awslambda_fn_async.*(large|limit|MB|bytes)"

# --- result type --------------------------------------------------------------------------
q "CREATE TABLE t.r AS SELECT awslambda_fn('lambdaTest','{}') AS a, lambda_sync('lambdaTest','{}') AS b" >/dev/null
is "result columns are (MEDIUM)BLOB-sized, room for 6 MB" \
  "$(q "SELECT GROUP_CONCAT(DATA_TYPE ORDER BY COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='t' AND TABLE_NAME='r'")" "mediumblob,mediumblob"

is "status: calls counted" "$(q "SELECT VARIABLE_VALUE > 10 FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CALLS'")" 1
server_alive && ok "server still up" || not_ok "server still up"
no_crash
tap_exit
