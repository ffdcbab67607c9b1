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
# of spinning on a timer it cannot act on.
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
# ---- holding all it may, calls slow: the worker waits, it does not spin
sq -c "ALTER SYSTEM SET aws_lambda.worker_concurrency = 4" -c "SELECT pg_reload_conf()" >/dev/null
# (4 s a call: past request_timeout_ms, 3 s, so retries come due too)
sq -c "SELECT count(aws_lambda.enqueue('slow4000held', jsonb_build_object('i', g))) FROM generate_series(1, 9000) g" >/dev/null
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
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
