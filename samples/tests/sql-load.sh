#!/usr/bin/env bash
# samples/tests/sql-load.sh — loads samples/postgres/*.sql and
# samples/mariadb/*.sql into throwaway servers (real PostgreSQL 15 and
# MariaDB) and checks what holds without the Lambda extensions: the files
# parse and create their objects, the triggers fire on INSERT (a missing
# awslambda_fn_async aborts the INSERT), and the transactional trigger's
# file, without the extension, fails naming what it needs. End-to-end runs are in walkthrough.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
dir=$(mktemp -d /tmp/sqlambda-samples-sql.XXXXXX)
chmod 755 "$dir"
cleanup() {
  "$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1
  "$top/scripts/mariadb-stop" "$dir/mariadb" >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT

# ---- PostgreSQL (scripts/pg-start; the extension is NOT created here)
if env_text=$("$top/scripts/pg-start" "$dir/pg" 2>"$dir/pg-start.err"); then
  eval "$env_text"; ok "PostgreSQL 15 throwaway server starts"
else
  not_ok "PostgreSQL 15 throwaway server starts"; sed 's/^/# /' "$dir/pg-start.err"
fi
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# pg_loads NAME FILE: psql runs FILE to the end without an error
pg_loads() {
  local out rc
  out=$(psqlq -f "$2" 2>&1); rc=$?
  if [ "$rc" -eq 0 ] && ! printf '%s' "$out" | grep -q ERROR; then ok "$1"; else not_ok "$1"; printf '%s\n' "$out" | sed 's/^/#   /'; fi
}
for f in temp_reading trigger_direct kinesis_reader; do
  pg_loads "postgres/$f.sql loads (PL/pgSQL bodies compile)" "$top/samples/postgres/$f.sql"
done
PGOPTIONS='-c check_function_bodies=off' pg_loads "postgres/least_privilege.sql loads" "$top/samples/postgres/least_privilege.sql"
is "least privilege: sensor_app may call the fixed-name wrappers, not processSensorReadings" \
   "$(psqlq -At -c "SELECT has_function_privilege('sensor_app','publish_temperature(timestamptz,numeric)','EXECUTE'),
                          has_function_privilege('sensor_app','read_sensor_readings(text)','EXECUTE'),
                          has_function_privilege('sensor_app','processSensorReadings(text,numeric)','EXECUTE'),
                          has_function_privilege('sensor_app','temp_reading_to_lambda()','EXECUTE')")" "t|t|f|f"
is "processSensorReadings(text) callable with the seed's one argument" \
   "$(psqlq -At -c "SELECT count(*) FROM pg_proc WHERE proname = 'processsensorreadings' AND pronargdefaults = 1")" 1
out=$(psqlq -c "INSERT INTO temp_reading (temperature) VALUES (65)" 2>&1)
like "direct trigger fires on INSERT and calls awslambda_fn_async" "$out" 'awslambda_fn_async\(text, text\) does not exist'
is "a failed launch aborts the INSERT" "$(psqlq -At -c 'SELECT count(*) FROM temp_reading')" 0
out=$(psqlq -f "$top/samples/postgres/trigger_transactional.sql" 2>&1)
# no extension in this database: the file must fail naming what it needs,
# and (being one transaction) leave the table's triggers as they were
like "without the extension, the transactional trigger file names aws_lambda.trigger_invoke / its schema" "$out" \
  'schema "aws_lambda" does not exist|aws_lambda\.trigger_invoke\(\) does not exist'
is "failed transactional trigger file leaves the direct trigger in place" \
   "$(psqlq -At -c "SELECT string_agg(tgname, ',') FROM pg_trigger WHERE tgrelid = 'temp_reading'::regclass")" temp_reading_lambda

# ---- MariaDB
if env_text=$("$top/scripts/mariadb-start" "$dir/mariadb" 2>"$dir/mariadb-start.err"); then
  eval "$env_text"
  ok "MariaDB throwaway server starts"
  myq() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot "$@"; }
  myq -e 'CREATE DATABASE sensors'
  for f in temp_reading kinesis_reader; do
    out=$(myq sensors <"$top/samples/mariadb/$f.sql" 2>&1)
    is "mariadb/$f.sql loads" "$out" ""
  done
  is "mariadb: trigger and procedure exist" \
     "$(myq -N sensors -e "SELECT (SELECT count(*) FROM information_schema.triggers WHERE trigger_name='temp_reading_lambda'), (SELECT count(*) FROM information_schema.routines WHERE routine_name='processSensorReadings')")" "1	1"
  out=$(myq sensors -e "INSERT INTO temp_reading (temperature) VALUES (65)" 2>&1)
  like "mariadb trigger fires on INSERT and calls awslambda_fn_async" "$out" 'awslambda_fn_async does not exist'
  is "mariadb: a failed launch aborts the INSERT" "$(myq -N sensors -e 'SELECT count(*) FROM temp_reading')" 0
else
  not_ok "MariaDB throwaway server starts"; sed 's/^/# /' "$dir/mariadb-start.err"
fi
tap_exit
