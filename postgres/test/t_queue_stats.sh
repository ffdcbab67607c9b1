#!/usr/bin/env bash
# t_queue_stats.sh — what keeps a busy queue cheap to claim from: the
# delivery worker sends its table statistics (a background worker must do
# it itself), so pg_stat_user_tables counts the queue's deleted rows and
# autovacuum sees them; and its claims walk the queue's primary key in id
# order (auto_explain shows the worker's plans), never a bitmap scan, which
# reads every dead entry of the range on each sweep (after a burst of
# 500,000 rows, 70 ms a sweep and 35 ms from commit to call, in
# bench/postgres_queue.sh, before this); and a worker holding all the
# entries it may (8,192) while its calls are slow waits for them instead
# of spinning on a timer it cannot act on. A paused function's backlog is
# read once, not at every claim (it was: each commit's claim read all of
# it, twice), and the claims are never compiled by JIT (a small table's
# query planned without its sequential scan cost more than jit_above_cost:
# LLVM ran at every claim).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin stats
qs_sink
qs_pg_start stats shared_preload_libraries=aws_lambda,auto_explain \
  auto_explain.log_min_duration=0 auto_explain.log_nested_statements=on
sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null
sq -c "SELECT count(aws_lambda.enqueue('st', jsonb_build_object('i', g))) FROM generate_series(1, 200) g" >/dev/null
deleted() { [ "$(sq -c "SELECT coalesce(n_tup_del, 0) FROM pg_stat_user_tables WHERE relid = 'aws_lambda.queue'::regclass")" -ge "$1" ]; }
if wait_until 20 bash -c '[ "$(psql -X -At -c "SELECT count(*) FROM aws_lambda.queue")" = 0 ]'; then
  ok "200 entries delivered"
else
  not_ok "200 entries delivered"
fi
if wait_until 10 deleted 200; then
  ok "pg_stat_user_tables counts the worker's 200 deletes from the queue (it sends its statistics)"
else
  not_ok "pg_stat_user_tables counts the worker's 200 deletes from the queue (it sends its statistics)"
  sq -c "SELECT n_tup_ins, n_tup_del, n_dead_tup FROM pg_stat_user_tables WHERE relid = 'aws_lambda.queue'::regclass" | sed 's/^/#   /'
fi
# the idle sweep (once a second) runs the sweep query
sleep 2.5
# the scans of the worker's claim queries, counted by kind
scans=$(grep -a -A8 'Query Text: SELECT .* FROM aws_lambda.queue WHERE id' "$tmp/pg/server.log" |
  grep -ao 'Index Only Scan using queue_pkey on queue\|Index Scan using queue_pkey on queue\|Bitmap Heap Scan on queue\|Seq Scan on queue' |
  sort | uniq -c | awk '{$1=$1; print}' | tr '\n' ';')
like "the sweep's plan was logged, an index scan of queue_pkey in id order" "$scans" 'Index (Only )?Scan using queue_pkey on queue'
like "... never a bitmap or sequential scan of the queue in the worker's claims" "$scans" '^([0-9]+ Index (Only )?Scan using queue_pkey on queue;)+$'
# ---- a paused function's backlog, and 150 commits of another function
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
sq -c "SELECT aws_lambda.pause('parked')" >/dev/null
sq -c "SELECT count(aws_lambda.enqueue('parked', jsonb_build_object('i', g))) FROM generate_series(1, 5000) g" >/dev/null
sleep 2.5 # claimed (passed over), the statistics sent
pkey_read() { sq -c "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelid = 'aws_lambda.queue_pkey'::regclass"; }
read0=$(pkey_read)
for i in $(seq 1 150); do
  printf "SELECT aws_lambda.enqueue('st', '{}');\nSELECT pg_sleep(0.004);\n"
done | sq -q >/dev/null
only_parked() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.queue WHERE function_name <> 'parked'")" = 0 ]; }
if wait_until 20 only_parked; then ok "150 entries delivered past 5,000 of a paused function"; else not_ok "150 entries delivered past 5,000 of a paused function"; fi
sleep 2.5 # the statistics sent
read1=$(pkey_read)
check "the worker's claims read $((read1 - read0)) queue_pkey entries for them (each claim reading the paused backlog again: ~1,500,000)" \
  test $((read1 - read0)) -lt 200000
if [ "$(sq -c "SELECT pg_jit_available()")" = t ]; then
  check "no claim was compiled by JIT (llvmjit not loaded in the worker)" \
    test "$(grep -c llvmjit "/proc/$wpid/maps")" = 0
else
  ok "no claim was compiled by JIT # SKIP JIT is not available in this PostgreSQL"
fi
sq -c "SELECT aws_lambda.resume('parked')" >/dev/null
empty() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.queue")" = 0 ]; }
if wait_until 30 empty; then ok "... and its 5,000 entries delivered once it is resumed"; else not_ok "... and its 5,000 entries delivered once it is resumed"; fi
# ---- holding all it may, calls slow: the worker waits, it does not spin
sq -c "ALTER SYSTEM SET aws_lambda.worker_concurrency = 4" -c "SELECT pg_reload_conf()" >/dev/null
# (4 s a call: past request_timeout_ms, 3 s, so retries come due too)
sq -c "SELECT count(aws_lambda.enqueue('slow4000held', jsonb_build_object('i', g))) FROM generate_series(1, 9000) g" >/dev/null
in_flight() { [ "$(sq -c "SELECT coalesce(sum(in_flight), 0) FROM aws_lambda.queue_status")" -ge 4 ]; }
wait_until 10 in_flight
sleep 1.5   # the claim of 8,192 rows done
cpu0=$(cut -d' ' -f1 "/proc/$wpid/schedstat")
sleep 3     # the first calls time out, their retries come due
cpu1=$(cut -d' ' -f1 "/proc/$wpid/schedstat")
ms=$(( (cpu1 - cpu0) / 1000000 ))
check "holding 8,192 entries with 4 slow calls in flight, the worker used ${ms} ms of CPU in 3 s (a spin: ~3,000)" \
  test "$ms" -lt 500
tap_exit
