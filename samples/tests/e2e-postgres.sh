#!/usr/bin/env bash
# samples/tests/e2e-postgres.sh — the PostgreSQL samples against the real
# stack (moto + sqlambda serve + PostgreSQL with aws_lambda), beyond the
# walkthrough: least privilege (least_privilege.sql, the SECURITY DEFINER
# trigger) seen from the application role, and what an unknown function
# name does to an INSERT under the direct trigger.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib.sh"
reason=$(stack_skip_reason)
[ -f "$(pg_config --sharedir)/extension/aws_lambda.control" ] || reason=${reason:-"aws_lambda extension not installed"}
[ -z "$reason" ] || { echo "ok - postgres samples end to end # SKIP $reason"; exit 0; }

dir=$(mktemp -d /tmp/sqlambda-samples-pg.XXXXXX)
chmod 755 "$dir"
trap '"$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1; stack_stop "$dir"; rm -rf "$dir"' EXIT
stack_start "$dir" || { not_ok "moto + sqlambda serve start"; exit 1; }
env_text=$(AWS_ENDPOINT_URL_LAMBDA=$LAMBDA_URL AWS_EC2_METADATA_DISABLED=true "$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda) ||
  { not_ok "PostgreSQL starts"; exit 1; }
eval "$env_text"
q()  { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
app() { q -q -c "SET ROLE sensor_app" -c "SET client_min_messages = warning" -c "$1"; }  # as the app role
q -c "CREATE EXTENSION aws_lambda CASCADE" \
  -c "DO \$\$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = \"\$user\", public, aws_lambda', current_database()); END \$\$" >/dev/null
out=""
for f in temp_reading trigger_direct kinesis_reader least_privilege; do
  out+=$(q -q -f "$top/samples/postgres/$f.sql")
done
is "samples load with the extension present (function bodies checked)" "$(printf '%s' "$out" | grep -c ERROR)" 0

like "sensor_app may not call awslambda_fn" "$(app "SELECT aws_lambda.awslambda_fn('lambdaTest', '{}')")" \
     'permission denied for (schema aws_lambda|function awslambda_fn)'
like "sensor_app may not call aws_lambda.invoke" \
     "$(app "SELECT payload FROM aws_lambda.invoke('lambdaTest', '{}'::json)")" 'permission denied'
like "sensor_app may not call processSensorReadings directly" "$(app "SELECT processSensorReadings('')")" \
     'permission denied for function processsensorreadings'
is "sensor_app calls the fixed-name wrapper publish_temperature" \
   "$(app "SELECT publish_temperature(now() - interval '3 minutes', 55)")" '{"Status": "OK", "Readings": 1}'
is "sensor_app INSERTs; the SECURITY DEFINER trigger makes the Lambda call" \
   "$(app "INSERT INTO temp_reading (temperature) VALUES (56)")$(q -c "SELECT count(*) FROM temp_reading")" "1"
is "both readings reached CloudWatch, in time order" "$(cw_values 10 2)" "55 56"
seq=$(kinesis_put '{"time":"2016-02-16 12:00:00","temp":"99"}')
is "sensor_app reads Kinesis through read_sensor_readings" "$(app "SELECT read_sensor_readings('')" | tail -1)" "$seq"
q -c "CREATE SCHEMA app AUTHORIZATION sensor_app" >/dev/null
like "sensor_app cannot attach the trigger function to its own table with another function name" \
     "$(app "CREATE TABLE app.t (x int); CREATE TRIGGER t AFTER INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION temp_reading_to_lambda('lambdaFail')")" \
     'permission denied for function temp_reading_to_lambda'

q -c "CREATE OR REPLACE TRIGGER temp_reading_lambda AFTER INSERT ON temp_reading FOR EACH ROW EXECUTE FUNCTION temp_reading_to_lambda('noSuchFunction')" >/dev/null
before=$(q -c "SELECT count(*) FROM temp_reading")
like "direct trigger: an unknown function fails the INSERT, naming it" \
     "$(q -c "INSERT INTO temp_reading (temperature) VALUES (1)")" 'ERROR: .*noSuchFunction'
is "direct trigger: the failed INSERT left no row" "$(q -c "SELECT count(*) FROM temp_reading")" "$before"
tap_exit
