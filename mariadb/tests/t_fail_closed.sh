#!/usr/bin/env bash
# t_fail_closed.sh — the UDFs refuse to call whenever the aws_lambda plugin
# is not installed (it holds the allowlist and the endpoint setting; without
# it a call would go to the environment's endpoint with no allowlist):
# UNINSTALL PLUGIN, UNINSTALL during a running statement, a restart where
# mysql.func still registers the UDFs but mysql.plugin no longer loads the
# plugin. Every case is checked at the endpoint: the fault server counts
# the connections it accepts. Also dropping and re-creating everything
# while threads that used it live on.
. "$(dirname "$0")/lib.sh"

start_fault || { not_ok "fault server starts"; exit 1; }
# The environment points at the fault server too: that is where a call
# made without the plugin's settings would go.
start_db db AWS_ENDPOINT_URL="$FAULT_URL" AWS_ACCESS_KEY_ID=AKIDCLOSED AWS_SECRET_ACCESS_KEY=closedSecret \
  AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true || { not_ok "MariaDB starts with the plugin"; exit 1; }
q "SET GLOBAL aws_lambda_allowed_functions='ok_fc,slow300_fc'" >/dev/null
is "with the plugin: an allowed function is called" "$(q "SELECT awslambda_fn('ok_fc','{\"a\":1}')")" '{"a":1}'

missing="ERROR 1123 .*Can't initialize function '%s'; the aws_lambda plugin is not installed: INSTALL SONAME 'aws_lambda_udf.so'"
# every_udf_refuses WHEN: each UDF fails before any row with the message
# naming the plugin and the fix, and the endpoint sees no connection
every_udf_refuses() {
  local before after udf
  before=$(fault_connections)
  for udf in awslambda_fn awslambda_fn_async lambda_sync lambda_async; do
    # shellcheck disable=SC2059
    like "$1: $udf refuses, naming the plugin and the fix" \
      "$(q "SELECT $udf('ok_fc','{}')")" "$(printf "$missing" "$udf")"
    like "$1: $udf refuses a function outside the allowlist the same way" \
      "$(q "SELECT $udf('ok_outside','{}')")" "$(printf "$missing" "$udf")"
  done
  after=$(fault_connections)
  is "$1: no connection reached the endpoint" "$after" "$((before + 1))"
}

q "UNINSTALL PLUGIN aws_lambda" >/dev/null
is "plugin uninstalled, UDFs stay registered" "$(q "SELECT COUNT(*) FROM mysql.func WHERE dl='aws_lambda_udf.so'")" 4
every_udf_refuses "after UNINSTALL PLUGIN"

# Uninstalled while a statement runs: rows 1-6 call slow300_fc (allowed,
# 0.3 s each), rows 7-20 a function outside the allowlist. The plugin goes
# after ~1 s: the rows after that must not call at all (before this fix
# they called ok_outside with the environment's endpoint and no allowlist).
q "INSTALL SONAME 'aws_lambda_udf.so'" >/dev/null
q "SET GLOBAL aws_lambda_allowed_functions='ok_fc,slow300_fc'" >/dev/null
(sleep 1; q "UNINSTALL PLUGIN aws_lambda" >"$work/uninstall.out") &
bg=$!
out=$(q "SELECT IFNULL(awslambda_fn(IF(seq<=6,'slow300_fc','ok_outside'),'{}'),'NULL') FROM seq_1_to_20")
wait "$bg"
is "UNINSTALL PLUGIN during the statement succeeds" "$(cat "$work/uninstall.out")" ""
rows=$(echo "$out" | tr '\n' ' ')
like "mid-statement: rows before the uninstall were called, every later row is NULL" "$rows" '^(\{\} )+(NULL )+$'
is "... all 20 rows returned (no row skipped)" "$(echo "$out" | wc -l)" 20
is "... no row called the function outside the allowlist" "$(fault_count ok_outside)" 0
calls=$(fault_count slow300_fc)
if [ "$calls" -ge 1 ] && [ "$calls" -lt 6 ]; then ok "... and calls stopped at the uninstall ($calls of 6 slow rows called)"
else not_ok "... and calls stopped at the uninstall ($calls of 6 slow rows called)"; fi
like "... the reason is in the error log (no SQL error can be raised once the plugin is gone)" \
  "$(grep 'aws_lambda:' "$DB_DIR/error.log" | tail -1)" \
  "\[ERROR\] aws_lambda: awslambda_fn: the aws_lambda plugin is not installed: INSTALL SONAME"

# A restart with the plugin uninstalled: mysql.func loads the UDFs, no
# plugin is loaded.
restart_db || { not_ok "server restarts"; exit 1; }
is "after a restart: the UDFs are registered, the plugin is not" \
  "$(q "SELECT (SELECT COUNT(*) FROM mysql.func WHERE dl='aws_lambda_udf.so'), (SELECT COUNT(*) FROM information_schema.plugins WHERE plugin_name='aws_lambda')" | tr '\t' ' ')" "4 0"
every_udf_refuses "after a restart without the plugin"

q "INSTALL SONAME 'aws_lambda_udf.so'" >/dev/null
is "reinstalled: calls work again" "$(q "SELECT awslambda_fn('ok_fc','{\"again\":true}')")" '{"again":true}'
like "reinstalled plugin raises row-time errors again" \
  "$(q "SELECT awslambda_fn(IF(RAND()>2,'x','bad name!'),'{}')")" "ERROR 1105.*bad name!"

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
q "SET GLOBAL aws_lambda_allowed_functions='ok_fc'" >/dev/null
is "re-created: calls work again" "$(q "SELECT awslambda_fn('ok_fc','{\"re\":1}')")" '{"re":1}'
no_crash
tap_exit
