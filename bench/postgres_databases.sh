#!/usr/bin/env bash
# bench/postgres_databases.sh — one delivery worker per database (issue 12
# §1): delivered/s when three databases each have a full queue at once,
# against one database alone, in the same run on the same throwaway server
# (scripts/pg-start, aws_lambda preloaded) and endpoint (a loopback nginx
# answering at once: scripts/nginx-start). Each round enqueues PGD_N events
# per database, one transaction per database, all at once, and times from
# the start of the enqueues until every queue is empty (unbatched: one
# invocation per event). Target: three databases >= 0.9x the single database's rate.
# Env: PGD_N (20000 events per database), PGD_ROUNDS (2, best kept).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${PGD_N:-20000}; rounds=${PGD_ROUNDS:-2}
dir=$(mktemp -d /tmp/sqlambda-bench-pgd.XXXXXX)
chmod o+x "$dir"
cleanup() {
  "$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1
  "$top/scripts/nginx-stop" "$dir/nginx" >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT

make -s -C "$top/postgres" install >/dev/null
eval "$(NGINX_BODY='{"Status":"OK"}' "$top/scripts/nginx-start" "$dir/nginx")"
source "$top/bench/lib/aws_env.sh"
bench_aws_env
eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=$NGINX_URL" max_connections=50)" >/dev/null
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
dbs=(bench_a bench_b bench_c)
for d in "${dbs[@]}"; do
  q -d postgres -q -c "CREATE DATABASE $d"
  PGOPTIONS="-c client_min_messages=warning" q -d "$d" -q <<'SQL'
CREATE EXTENSION aws_lambda CASCADE;
-- Waits (polling, for the benchmark only) until the queue is empty;
-- returns the epoch time it was.
CREATE FUNCTION wait_drained(max_s float8 DEFAULT 300) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  WHILE EXISTS (SELECT 1 FROM aws_lambda.queue) LOOP
    IF clock_timestamp() - t0 > make_interval(secs => max_s) THEN
      RAISE EXCEPTION 'queue not drained after % s', max_s;
    END IF;
    PERFORM pg_sleep(0.005);
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp());
END $$;
CREATE UNLOGGED TABLE bench_events (payload jsonb);
SQL
  q -d "$d" -q -c "INSERT INTO bench_events SELECT jsonb_build_object('i', g, 'db', current_database()) FROM generate_series(1, $n) g"
done
for d in "${dbs[@]}"; do
  for _ in $(seq 1 100); do
    [ "$(q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND datname = '$d'")" = 1 ] && break
    sleep 0.1
  done
done
echo "# postgres_databases: nginx at $NGINX_URL, $n events per database ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"

round() { # round DB...: commits n events in each, back to back; prints events/s until all drained
  local t0 d pids=() end=0 e
  t0=$(date +%s.%N)
  for d in "$@"; do
    q -d "$d" -q -c "SELECT count(aws_lambda.enqueue('benchDatabases', payload)) FROM bench_events" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for d in "$@"; do q -d "$d" -c "SELECT wait_drained()" >"$dir/end.$d" & done
  wait
  for d in "$@"; do e=$(cat "$dir/end.$d"); end=$(awk -v a="$end" -v b="$e" 'BEGIN { print (b > a) ? b : a }'); done
  awk -v t0="$t0" -v end="$end" -v k="$#" -v n="$n" 'BEGIN { printf "%.0f", k * n / (end - t0) }'
}
best1=0 best3=0
for r in $(seq 1 "$rounds"); do
  one=$(round bench_a)
  three=$(round "${dbs[@]}")
  echo "#   round $r: one database $one events/s; three databases at once $three events/s"
  [ "$one" -gt "$best1" ] && best1=$one
  [ "$three" -gt "$best3" ] && best3=$three
done
ratio=$(awk -v a="$best3" -v b="$best1" 'BEGIN { printf "%.2f", a / b }')
echo "postgres_databases: one database $best1 events/s, three at once $best3 events/s: ${ratio}x (target >= 0.9x)"
