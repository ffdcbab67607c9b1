#!/usr/bin/env bash
# t_trigger.sh — the seed's trigger: samples/mariadb/temp_reading.sql (an
# AFTER INSERT trigger on temp_reading calling awslambda_fn_async) against
# moto, then triggers against the fault server to count Event deliveries
# and to show that a failed launch fails (and rolls back) the INSERT.
. "$(dirname "$0")/lib.sh"

start_moto || { not_ok "moto_server starts"; exit 1; }
start_fault || { not_ok "fault server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }

is "samples/mariadb/temp_reading.sql loads" "$(q_root -D t <"$top/samples/mariadb/temp_reading.sql" 2>&1)" ""
out=$(q "INSERT INTO temp_reading (reading_time, temperature) VALUES (UTC_TIMESTAMP(6), 65);
         INSERT INTO temp_reading (temperature) VALUES (70.5), (71.25);
         SELECT @temp_reading_lambda_result; SELECT COUNT(*) FROM temp_reading;")
is "seed trigger: 3 rows inserted, the trigger's Event call answered 202" "$(echo "$out" | tr '\n' ' ')" "202 3 "

q "SET GLOBAL aws_lambda_endpoint_url='$FAULT_URL'" >/dev/null
q "CREATE TABLE reading (id INT PRIMARY KEY, temp DECIMAL(5,2)) ENGINE=InnoDB;
   CREATE TRIGGER reading_ai AFTER INSERT ON reading FOR EACH ROW
     SET @r = awslambda_fn_async('ok_trig', JSON_OBJECT('id', NEW.id, 'temp', NEW.temp));" >/dev/null
q "INSERT INTO reading VALUES (1, 20.5), (2, 21.5), (3, 22.5)" >/dev/null
is "trigger sent one Event per row" "$(fault_count ok_trig)" 3
is "... as Event invocations" \
  "$(curl -fs "$FAULT_URL/_last?name=ok_trig" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("x-amz-invocation-type"))')" Event

q "CREATE TABLE bad_reading (id INT PRIMARY KEY) ENGINE=InnoDB;
   CREATE TRIGGER bad_reading_ai AFTER INSERT ON bad_reading FOR EACH ROW
     SET @r = awslambda_fn_async('notfound_trig', JSON_OBJECT('id', NEW.id));" >/dev/null
like "a failed launch fails the INSERT with an error naming the function" \
  "$(q "INSERT INTO bad_reading VALUES (1)")" "ERROR 1105.*awslambda_fn_async.*notfound_trig.*ResourceNotFound"
is "... and the row is not there" "$(q "SELECT COUNT(*) FROM bad_reading")" 0
like "a failed launch inside a transaction fails the statement" \
  "$(q "START TRANSACTION; INSERT INTO reading VALUES (10, 1); INSERT INTO bad_reading VALUES (2); COMMIT")" "ERROR 1105.*notfound_trig"
is "... and the statement's row is gone (the client's session ended: rolled back)" \
  "$(q "SELECT COUNT(*) FROM reading WHERE id = 10")" 0
server_alive && ok "server still up" || not_ok "server still up"
no_crash
tap_exit
