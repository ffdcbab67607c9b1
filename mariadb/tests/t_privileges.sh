#!/usr/bin/env bash
# t_privileges.sh — the security model as it is: settings need SUPER and are
# global only; any account can call the UDFs (MariaDB has no EXECUTE
# privilege on UDFs); the allowlist narrows what anyone can call; SQL
# SECURITY DEFINER wrappers give per-user grants; secrets never show.
. "$(dirname "$0")/lib.sh"

start_moto || { not_ok "moto_server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }
q "CREATE USER app@localhost; GRANT SELECT, INSERT ON t.* TO app@localhost;
   CREATE USER other@localhost; GRANT SELECT ON t.* TO other@localhost;" >/dev/null

for v in endpoint_url allowed_functions region request_timeout_ms max_attempts; do
  val="'x'"; case $v in *_ms|max_*) val=5 ;; esac
  like "non-SUPER user cannot SET GLOBAL aws_lambda_$v" "$(qu app "SET GLOBAL aws_lambda_$v=$val")" "ERROR 1227.*SUPER"
done
like "settings are global only (no per-session override)" \
  "$(qu app "SET SESSION aws_lambda_endpoint_url='http://127.0.0.1:1'")" "ERROR 1229"
like "non-SUPER user cannot create a UDF" \
  "$(qu app "CREATE FUNCTION awslambda_x RETURNS STRING SONAME 'aws_lambda_udf.so'")" "ERROR 1142|ERROR 1044|denied"
like "non-SUPER user cannot drop a UDF" "$(qu app "DROP FUNCTION awslambda_fn")" "ERROR 1142|ERROR 1044|denied"
like "non-SUPER user cannot uninstall the plugin" "$(qu app "UNINSTALL PLUGIN aws_lambda")" "ERROR 1142|ERROR 1044|denied"
is "any account can call a UDF once it exists (no EXECUTE privilege on UDFs)" \
  "$(qu other "SELECT awslambda_fn('lambdaTest','{\"who\":\"other\"}')")" '{"who":"other"}'

q "SET GLOBAL aws_lambda_allowed_functions='lambdaTest'" >/dev/null
is "SUPER sets the allowlist" "$(q "SELECT @@aws_lambda_allowed_functions")" lambdaTest
like "allowlist narrows every account's calls" "$(qu app "SELECT awslambda_fn('lambdaOther','{}')")" "ERROR 1105.*lambdaOther.*allowed"
like "... root's too" "$(q "SELECT lambda_sync('lambdaOther','{}')")" "ERROR 1105.*lambdaOther.*allowed"
is "allowlisted function still callable" "$(qu app "SELECT awslambda_fn('lambdaTest','{}')")" '{}'

q "CREATE FUNCTION t.lambda_test(p LONGTEXT) RETURNS LONGTEXT SQL SECURITY DEFINER
     RETURN awslambda_fn('lambdaTest', p);
   GRANT EXECUTE ON FUNCTION t.lambda_test TO app@localhost;" >/dev/null
is "SQL SECURITY DEFINER wrapper: granted user calls it" "$(qu app "SELECT t.lambda_test('{\"w\":1}')")" '{"w":1}'
like "... a user without EXECUTE on it is refused" "$(qu other "SELECT t.lambda_test('{}')")" "ERROR 1370"

out=$(qu app "SHOW VARIABLES LIKE 'aws%'; SHOW GLOBAL STATUS LIKE 'aws%'")
like "settings are visible to all (so they hold no secrets)" "$out" "aws_lambda_endpoint_url"
case "$out" in *"$MOTO_SECRET_ACCESS_KEY"*) not_ok "no secret in SHOW VARIABLES/STATUS" ;; *) ok "no secret in SHOW VARIABLES/STATUS" ;; esac
grep -qF "$MOTO_SECRET_ACCESS_KEY" "$DB_DIR/error.log" && not_ok "no secret in the error log" || ok "no secret in the error log"
no_crash
tap_exit
