#!/usr/bin/env bash
# samples/tests/e2e-mariadb.sh — the MariaDB samples against the real stack
# (moto + sqlambda serve + MariaDB with mariadb/'s aws_lambda_udf.so): the
# trigger's readings reach CloudWatch in order, and the Kinesis stored
# procedure reads the stream in order and resumes after its last record.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib.sh"
plugin=$top/mariadb/build
reason=$(stack_skip_reason)
[ -f "$plugin/aws_lambda_udf.so" ] || reason=${reason:-"mariadb/build/aws_lambda_udf.so not built"}
[ -z "$reason" ] || { echo "ok - mariadb samples end to end # SKIP $reason"; exit 0; }

dir=$(mktemp -d /tmp/sqlambda-samples-my.XXXXXX)
trap '"$top/scripts/mariadb-stop" "$dir/db" >/dev/null 2>&1; stack_stop "$dir"; rm -rf "$dir"' EXIT
stack_start "$dir" || { not_ok "moto + sqlambda serve start"; exit 1; }
env_text=$(AWS_ENDPOINT_URL_LAMBDA=$LAMBDA_URL AWS_EC2_METADATA_DISABLED=true \
  "$top/scripts/mariadb-start" "$dir/db" "$plugin" 2>"$dir/start.err") ||
  { not_ok "MariaDB starts"; sed 's/^/# /' "$dir/start.err"; exit 1; }
eval "$env_text"
q() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot -N "$@" 2>&1; }
q <"$top/mariadb/sql/install.sql"
q -e "CREATE DATABASE sensors"
out=$(q sensors <"$top/samples/mariadb/temp_reading.sql"; q sensors <"$top/samples/mariadb/kinesis_reader.sql")
is "plugin installed, samples loaded" "$out" ""

ins=""
for m in 30 20 10; do
  ins+="INSERT INTO temp_reading (reading_time, temperature) VALUES (UTC_TIMESTAMP(6) - INTERVAL $m MINUTE, $((90 - m)));"
done
is "three INSERTs through the awslambda_fn_async trigger" "$(q sensors -e "$ins SELECT count(*) FROM temp_reading")" 3
is "the readings reached CloudWatch, in time order" "$(cw_values 40 3)" "60 70 80"

s1=$(kinesis_put '{"time":"2016-02-16 12:00:00","temp":"99"}')
kinesis_put '{"time":"2016-02-16 12:30:00","temp":"100"}' >/dev/null
s3=$(kinesis_put '{"time":"2016-02-16 13:00:00","temp":"110"}')
is "processSensorReadings(''): all three, @seq = the third's sequence number" \
   "$(q sensors -e "SET @seq = ''; CALL processSensorReadings(@seq); SELECT @seq; SELECT GROUP_CONCAT(temperature ORDER BY reading_time) FROM sensor_reading")" \
   "$s3
99,100,110"
kinesis_put '{"time":"2016-02-16 13:30:00","temp":"111"}' >/dev/null
s5=$(kinesis_put '{"time":"2016-02-16 14:00:00","temp":"112"}')
is "resuming after @seq reads only the two new records" \
   "$(q sensors -e "SET @seq = '$s3'; DELETE FROM sensor_reading; CALL processSensorReadings(@seq); SELECT @seq; SELECT GROUP_CONCAT(temperature ORDER BY reading_time) FROM sensor_reading")" \
   "$s5
111,112"
is "nothing new: @seq stays, no rows" \
   "$(q sensors -e "SET @seq = '$s5'; DELETE FROM sensor_reading; CALL processSensorReadings(@seq); SELECT @seq, count(*) FROM sensor_reading")" \
   "$s5	0"
[ -n "$s1" ] || not_ok "kinesis put-record returned a sequence number"
tap_exit
