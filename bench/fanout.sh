#!/usr/bin/env bash
# bench/fanout.sh — fan-out at Lambda's scale (issue 16): 50 to 1,000 calls
# in flight from one PostgreSQL backend (and from the delivery worker and the
# CLI) against ONE loopback nginx whose every answer takes 20 ms
# (scripts/nginx-start NGINX_SLEEP=0.02, one worker, 4096 connections), each
# side by side with wrk -t2 -cN at the same URL in the same run. At each
# in-flight count N (FANOUT_LEVELS):
#  - wrk -t2 -cN, FANOUT_WRK_SECS seconds (the baseline; core_wrk.lua's POST);
#  - aws_lambda.invoke_many over 40xN payloads at concurrency N, every row
#    checked (no error, HTTP 200, its own payload echoed);
#  - aws_lambda.invoke_batch, batches of 10 rows, 40xN requests (400xN rows)
#    at concurrency N; function fixed10 answers a 10-row Redshift reply, every
#    row's result checked (a bad batch is an ERROR, failing the run);
#  - the delivery worker: 40xN entries committed at once (unbatched),
#    aws_lambda.worker_concurrency = N (reloaded), time from commit to an
#    empty queue, nothing in dead_letter;
#  - the CLI: sqlambda invoke --concurrency N --payloads FILE over 40xN lines,
#    output compared to the input line by line (FANOUT_CLI=0 skips it);
#  - plain libcurl (bench/curl_fanout.c): 40xN POSTs of core's request shape
#    through one multi driven as core drives it, every answer checked: the
#    floor libcurl sets on this machine, without core (FANOUT_CURL=0 skips it).
# Reported for each: calls/s (rows/s; requests/s for invoke_batch), the ratio
# to wrk's req/s at that N (target >= 0.8), CPU seconds per 10,000 calls of
# the process making them (backend / worker: /proc/PID/schedstat, ns; CLI:
# user+sys from /usr/bin/time; wrk's and plain libcurl's the same way),
# and the peak RSS (VmHWM) of the backend
# running invoke_many (a fresh backend per query, so the peak is that
# query's) against one that only builds the same payload array.
# The run fails (with the end of the server log) if the open-file limit the
# highest level needs cannot be set, or if the delivery worker's pid changes
# (a crash or exit the postmaster would quietly repair) or it disappears.
# Env: FANOUT_LEVELS ("50 128 256 512 1000"), FANOUT_ROUNDS (1; rates are
# totals over rounds), FANOUT_WRK_SECS (2), FANOUT_PER (40: calls per
# in-flight slot), FANOUT_CLI (1), FANOUT_WORKER (1). Prints "summary:" lines.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
levels=${FANOUT_LEVELS:-"50 128 256 512 1000"}
rounds=${FANOUT_ROUNDS:-1}
wrk_secs=${FANOUT_WRK_SECS:-2}
per=${FANOUT_PER:-40}
do_cli=${FANOUT_CLI:-1}
do_worker=${FANOUT_WORKER:-1}
do_curl=${FANOUT_CURL:-1}
dir=$(mktemp -d /tmp/sqlambda-bench-fanout.XXXXXX)
chmod o+x "$dir"
cleanup() {
  "$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1
  [ -n "${NGINX_PID:-}" ] && kill -TERM "$NGINX_PID" 2>/dev/null
  "$top/scripts/nginx-stop" "$dir/nginx" >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
# The highest level's sockets in the backend, the worker, the CLI and wrk,
# as many more in nginx (its worker_rlimit_nofile is 2 x 4096 + 64): every
# process started here inherits this soft limit. No silent fallback: a limit
# that cannot be raised fails the run (calls would fail with EMFILE, or the
# budget checks would cut the concurrency being measured).
max_level=0; for l in $levels; do [ "$l" -gt "$max_level" ] && max_level=$l; done
need_fds=$((2 * 4096 + 64)); [ $((4 * max_level + 256)) -gt "$need_fds" ] && need_fds=$((4 * max_level + 256))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need_fds" ]; then
  ulimit -Hn "$need_fds" 2>/dev/null ||
    { echo "fanout.sh: the run needs $need_fds open files per process (levels up to $max_level; nginx's worker_rlimit_nofile $((2 * 4096 + 64))), but the hard limit is $hard and cannot be raised here: raise it (ulimit -Hn, LimitNOFILE) or lower FANOUT_LEVELS" >&2; exit 1; }
fi
ulimit -Sn "$need_fds" ||
  { echo "fanout.sh: could not raise the soft open-file limit to $need_fds (hard limit $(ulimit -Hn))" >&2; exit 1; }

make -s -C "$top/postgres" install >/dev/null
make -s -C "$top/cli" >/dev/null
make -s -C "$top/bench" build/curl_fanout >/dev/null
cli=$top/cli/build/sqlambda
# fixed10's answer: Redshift's reply for a batch of 10 rows, results 1..10
eval "$(NGINX_SLEEP=0.02 NGINX_CONNECTIONS=4096 \
  NGINX_BODY='{"success":true,"num_records":10,"results":[1,2,3,4,5,6,7,8,9,10]}' \
  "$top/scripts/nginx-start" "$dir/nginx")" >/dev/null
url=$NGINX_URL
source "$top/bench/lib/aws_env.sh"
bench_aws_env
eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=$url" \
  aws_lambda.request_timeout_ms=30000 max_connections=50)" >/dev/null
export PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
# fail MESSAGE: the message and the end of the server log (the run's
# directory, log included, is removed on exit)
fail() {
  echo "fanout.sh: $*" >&2
  echo "fanout.sh: the server log ends:" >&2
  tail -40 "$dir/pg/server.log" | sed 's/^/  /' >&2
  exit 1
}
# pg-start's runuser may reset the soft limit (pam_limits); the backend and
# the worker raise their own toward the hard one (sqlambda_fd_budget), which
# must leave room for the highest level's sockets and PostgreSQL's own files
pg_hard=$(awk '/^Max open files/ {print $5}' "/proc/$PG_PID/limits")
[ "$pg_hard" = unlimited ] || [ "$pg_hard" -ge $((max_level + 128)) ] ||
  fail "the server's hard open-file limit is $pg_hard, below the $((max_level + 128)) a backend or the worker needs at $max_level in flight"
q -q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION aws_lambda CASCADE;
-- the backend's own CPU time in ns (/proc/self/schedstat: time on CPU)
CREATE FUNCTION backend_cpu_ns() RETURNS bigint LANGUAGE sql AS $$
  SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint $$;
-- the backend's peak RSS so far, kB
CREATE FUNCTION backend_hwm_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::bigint $$;
CREATE FUNCTION time_count(q text, OUT good bigint, OUT secs double precision, OUT cpu_ns bigint, OUT hwm_kb bigint)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); c0 bigint := backend_cpu_ns(); BEGIN
  EXECUTE q INTO good;
  secs := extract(epoch FROM clock_timestamp() - t0);
  cpu_ns := backend_cpu_ns() - c0;
  hwm_kb := backend_hwm_kb();
END $$;
CREATE FUNCTION wait_drained(t0 timestamptz, max_s float8 DEFAULT 300) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
  WHILE EXISTS (SELECT 1 FROM aws_lambda.queue) LOOP
    IF clock_timestamp() - t0 > make_interval(secs => max_s) THEN
      RAISE EXCEPTION 'queue not drained after % s (% left)', max_s, (SELECT count(*) FROM aws_lambda.queue);
    END IF;
    PERFORM pg_sleep(0.005);
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0);
END $$;
CREATE UNLOGGED TABLE bench_t0 (t0 timestamptz);
CREATE PROCEDURE enqueue_burst(fn text, n int) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM aws_lambda.enqueue(fn, jsonb_build_object('i', g, 'reading', 20.5)) FROM generate_series(1, n) g;
  COMMIT;
  TRUNCATE bench_t0; INSERT INTO bench_t0 VALUES (clock_timestamp());
  COMMIT;
END $$;
SQL
hz_ns=1000000000
payloads() { echo "(SELECT array_agg(jsonb_build_object('i', i, 'reading', 20.5)) FROM generate_series(1, $1) i)"; }
many_q() { # many_q ROWS CONC
  echo "SELECT count(*) FROM aws_lambda.invoke_many('echo', $(payloads "$1"), $2) WHERE error IS NULL AND function_error IS NULL AND status_code = 200 AND payload = jsonb_build_object('i', ordinal, 'reading', 20.5)"
}
batch_q() { # batch_q ROWS CONC: fixed10 answers results 1..10 for each batch of 10
  echo "SELECT count(*) FROM aws_lambda.invoke_batch('fixed10', (SELECT array_agg(jsonb_build_array(i)) FROM generate_series(1, $1) i), max_batch_rows => 10, concurrency => $2) WHERE result = to_jsonb((ordinal - 1) % 10 + 1)"
}
# timed COUNT QUERY -> "SECS CPU_NS HWM_KB"; exits unless COUNT rows were good
timed() {
  local res; res=$(q -F' ' -c "SELECT good, secs, cpu_ns, hwm_kb FROM time_count(\$q\$$2\$q\$)")
  set -- "$1" $res
  [ "$2" = "$1" ] || { echo "fanout.sh: a timed query counted $2 good rows of $1" >&2; exit 1; }
  echo "$3 $4 $5"
}
wrk_rate() { # wrk_rate CONN -> "REQ/S CPU_NS_PER_REQUEST"
  local out u s; out=$(/usr/bin/time -o "$dir/wrk.time" -f '%U %S' wrk -t2 -c"$1" -d"${wrk_secs}s" -s "$top/bench/core_wrk.lua" "$url")
  if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then echo "fanout.sh: wrk -c$1 got errors: $out" >&2; exit 1; fi
  read -r u s <"$dir/wrk.time"
  echo "$out" | awk -v u="$u" -v s="$s" '/^[ \t]*[0-9]+ requests in/ {n = $1} /^Requests\/sec:/ {r = $2} END {printf "%.0f %.0f", r, (u + s) * 1e9 / n}'
}
# curl_run N COUNT -> "SECS CPU_NS" (plain libcurl, every answer checked)
curl_run() {
  local out
  out=$(/usr/bin/time -o "$dir/time" -f '%U %S' "$top/bench/build/curl_fanout" "$url" "$2" "$1") ||
    { echo "fanout.sh: curl_fanout at N=$1 failed" >&2; exit 1; }
  echo "$out" | awk -v n="$2" '/^calls / && $2 != n {bad = 1} /^seconds / {s = $2} END {if (bad) exit 1; printf "%s", s}' ||
    { echo "fanout.sh: curl_fanout at N=$1 did not complete $2 calls" >&2; exit 1; }
  awk '{printf " %.0f", ($1 + $2) * 1e9}' "$dir/time"
}
worker_pid() { q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'"; }
sched_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }
# the worker's pid, which must stay the first one seen for the whole run: a
# new pid (or none) means the worker crashed or exited, and the postmaster
# restarted it; its drained queue would then hide the failure
# (set below, in this shell: the runs are in command substitutions)
check_worker() { # check_worker WHEN
  local wp; wp=$(worker_pid)
  [ -n "$wp" ] || fail "no delivery worker $1 (its first pid was $worker_pid0): it exited"
  [ "$wp" = "$worker_pid0" ] || fail "the delivery worker's pid changed from $worker_pid0 to $wp $1: it crashed or exited and was restarted"
  echo "$wp"
}
# worker N COUNT -> "SECS CPU_NS"
worker_run() {
  local wp c0 c1 s
  q -q -c "ALTER SYSTEM SET aws_lambda.worker_concurrency = $1" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  wp=$(check_worker "before the worker run at N=$1") || exit 1 # (errexit does not reach into $(...))
  ! grep -q "aws_lambda worker: aws_lambda.worker_concurrency = $1: " "$dir/pg/server.log" ||
    fail "the worker cannot keep $1 calls in flight (its file-descriptor limit; WARNING in the log)"
  c0=$(sched_ns "$wp")
  q -q -c "CALL enqueue_burst('echoq', $2)"
  s=$(q -c "SELECT wait_drained((SELECT t0 FROM bench_t0))") || fail "the queue did not drain at N=$1"
  check_worker "during the worker run at N=$1" >/dev/null
  c1=$(sched_ns "$wp")
  echo "$s $((c1 - c0))"
}
# cli N COUNT -> "SECS CPU_NS"; every output line must equal its input line
cli_run() {
  local t u s
  [ -s "$dir/pay.$2" ] || awk -v n="$2" 'BEGIN {for (i = 1; i <= n; i++) printf "{\"i\":%d,\"reading\":20.5}\n", i}' >"$dir/pay.$2"
  /usr/bin/time -o "$dir/time" -f '%e %U %S' "$cli" invoke --endpoint-url "$url" --concurrency "$1" \
    --payloads "$dir/pay.$2" echo >"$dir/cli.out" 2>"$dir/cli.err" ||
    { echo "fanout.sh: sqlambda invoke --concurrency $1 failed:" >&2; head -5 "$dir/cli.err" >&2; exit 1; }
  cmp -s "$dir/cli.out" "$dir/pay.$2" ||
    { echo "fanout.sh: CLI output differs from its input at N=$1: $(cmp "$dir/cli.out" "$dir/pay.$2" 2>&1 | head -1)" >&2; exit 1; }
  read -r t u s <"$dir/time"
  awk -v t="$t" -v u="$u" -v s="$s" 'BEGIN {printf "%s %.0f", t, (u + s) * 1e9}'
}

echo "# fanout: nginx (1 worker, echo_sleep 0.02) at $url ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); levels $levels; $rounds round(s); $per calls per in-flight slot; wrk -t2 ${wrk_secs}s"
# warm-up: connections, credentials, the worker's first claim
q -c "$(many_q 100 50)" >/dev/null
if [ "$do_worker" != 0 ]; then
  worker_pid0=$(worker_pid)
  [ -n "$worker_pid0" ] || fail "no delivery worker after start"
  worker_run 16 100 >/dev/null
fi
declare -A W WC M MC B BC K KC C CC U UC HWM ARR
for l in $levels; do W[$l]=0; WC[$l]=0; M[$l]=0; MC[$l]=0; B[$l]=0; BC[$l]=0; K[$l]=0; KC[$l]=0; C[$l]=0; CC[$l]=0; U[$l]=0; UC[$l]=0; done
add() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.6f", a + b}'; }
for r in $(seq 1 "$rounds"); do
  for l in $levels; do
    n=$((per * l))
    res=$(wrk_rate "$l"); set -- $res; w=$1; [ -n "$w" ]; W[$l]=$((W[$l] + w)); WC[$l]=$((WC[$l] + $2))
    res=$(timed "$n" "$(many_q "$n" "$l")"); set -- $res; M[$l]=$(add "${M[$l]}" "$1"); MC[$l]=$((MC[$l] + $2)); HWM[$l]=$3
    ms=$1
    res=$(timed "$((10 * n))" "$(batch_q "$((10 * n))" "$l")"); set -- $res; B[$l]=$(add "${B[$l]}" "$1"); BC[$l]=$((BC[$l] + $2))
    bs=$1
    line="#   round $r, N=$l: wrk $w req/s; invoke_many $n rows in ${ms}s; invoke_batch $n requests ($((10 * n)) rows) in ${bs}s"
    if [ "$do_worker" != 0 ]; then
      res=$(worker_run "$l" "$n"); set -- $res; K[$l]=$(add "${K[$l]}" "$1"); KC[$l]=$((KC[$l] + $2)); line+="; worker ${1}s"
    fi
    if [ "$do_cli" != 0 ]; then
      res=$(cli_run "$l" "$n"); set -- $res; C[$l]=$(add "${C[$l]}" "$1"); CC[$l]=$((CC[$l] + $2)); line+="; CLI ${1}s"
    fi
    if [ "$do_curl" != 0 ]; then
      res=$(curl_run "$l" "$n"); set -- $res; U[$l]=$(add "${U[$l]}" "$1"); UC[$l]=$((UC[$l] + $2)); line+="; plain libcurl ${1}s"
    fi
    echo "$line"
  done
done
[ "$do_worker" = 0 ] || check_worker "at the end of the run" >/dev/null
dead=$(q -c "SELECT count(*) FROM aws_lambda.dead_letter")
[ "$dead" = 0 ] || { echo "fanout.sh: $dead entries in dead_letter" >&2; exit 1; }
last=${levels##* }; first=${levels%% *}
res=$(timed 1 "SELECT count(*) FROM (SELECT cardinality($(payloads "$((per * last))"))) x"); set -- $res
arr_hwm=$3
wp=${worker_pid0:-$(worker_pid)}
worker_hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$wp/status")

# per-level figures: rate (calls/s over all rounds), ratio to wrk, CPU s / 10k calls
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cpu10k() { awk -v c="$1" -v n="$2" 'BEGIN {printf "%.3f", c / 1e9 / n * 10000}'; }
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "# | in flight | wrk req/s CPU s/10k | invoke_many rows/s (x wrk) CPU s/10k | invoke_batch req/s (x wrk) [rows/s] CPU s/10k | worker calls/s (x wrk) CPU s/10k | CLI calls/s (x wrk) CPU s/10k | plain libcurl calls/s (x wrk) CPU s/10k | ideal |"
declare -A RM RB RK RC RU PM PB PK PC PU PW
min_m=9; min_b=9; min_k=9; min_c=9
for l in $levels; do
  n=$((per * l * rounds)); wr=$((W[$l] / rounds))
  RM[$l]=$(rate "$n" "${M[$l]}"); RB[$l]=$(rate "$n" "${B[$l]}")
  PM[$l]=$(cpu10k "${MC[$l]}" "$n"); PB[$l]=$(cpu10k "${BC[$l]}" "$n")
  xm=$(ratio "${RM[$l]}" "$wr"); xb=$(ratio "${RB[$l]}" "$wr")
  min_m=$(awk -v a="$min_m" -v b="$xm" 'BEGIN {print (b < a) ? b : a}'); min_b=$(awk -v a="$min_b" -v b="$xb" 'BEGIN {print (b < a) ? b : a}')
  kcol="-"; ccol="-"; ucol="-"
  PW[$l]=$(awk -v c="${WC[$l]}" -v r="$rounds" 'BEGIN {printf "%.3f", c / r / 1e9 * 10000}') # wrk: CPU s per 10k requests
  if [ "$do_curl" != 0 ]; then
    RU[$l]=$(rate "$n" "${U[$l]}"); PU[$l]=$(cpu10k "${UC[$l]}" "$n"); ucol="${RU[$l]} ($(ratio "${RU[$l]}" "$wr")x) ${PU[$l]}"
  fi
  if [ "$do_worker" != 0 ]; then
    RK[$l]=$(rate "$n" "${K[$l]}"); PK[$l]=$(cpu10k "${KC[$l]}" "$n"); xk=$(ratio "${RK[$l]}" "$wr")
    min_k=$(awk -v a="$min_k" -v b="$xk" 'BEGIN {print (b < a) ? b : a}'); kcol="${RK[$l]} (${xk}x) ${PK[$l]}"
  fi
  if [ "$do_cli" != 0 ]; then
    RC[$l]=$(rate "$n" "${C[$l]}"); PC[$l]=$(cpu10k "${CC[$l]}" "$n"); xc=$(ratio "${RC[$l]}" "$wr")
    min_c=$(awk -v a="$min_c" -v b="$xc" 'BEGIN {print (b < a) ? b : a}'); ccol="${RC[$l]} (${xc}x) ${PC[$l]}"
  fi
  echo "summary: | $l | $wr ${PW[$l]} | ${RM[$l]} (${xm}x) ${PM[$l]} | ${RB[$l]} (${xb}x) [$((RB[$l] * 10))] ${PB[$l]} | $kcol | $ccol | $ucol | $((l * 50)) |"
done
cpu_v() { verdict "$(awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}')" 'v <= t' 1.0; }
echo "summary: invoke_many: lowest ratio to wrk ${min_m}x (target >= 0.8 at every N: $(verdict "$min_m" 'v >= t' 0.8)); CPU s/10k calls ${PM[$first]} at $first, ${PM[$last]} at $last (target no higher: $(cpu_v "${PM[$last]}" "${PM[$first]}"))"
echo "summary: invoke_batch (10 rows per request): lowest ratio of requests/s to wrk ${min_b}x (target >= 0.8: $(verdict "$min_b" 'v >= t' 0.8)); CPU s/10k requests ${PB[$first]} at $first, ${PB[$last]} at $last (target no higher: $(cpu_v "${PB[$last]}" "${PB[$first]}"))"
[ "$do_worker" = 0 ] || echo "summary: delivery worker (unbatched): lowest ratio to wrk ${min_k}x (target >= 0.8: $(verdict "$min_k" 'v >= t' 0.8)); CPU s/10k calls ${PK[$first]} at $first, ${PK[$last]} at $last (target no higher: $(cpu_v "${PK[$last]}" "${PK[$first]}")); worker peak RSS ${worker_hwm} kB"
[ "$do_curl" = 0 ] || echo "summary: plain libcurl (the floor under core): $(for l in $levels; do printf '%s: %sx wrk, %s CPU s/10k (wrk %s); ' "$l" "$(ratio "${RU[$l]}" "$((W[$l] / rounds))")" "${PU[$l]}" "${PW[$l]}"; done)"
[ "$do_cli" = 0 ] || echo "summary: CLI --payloads: lowest ratio to wrk ${min_c}x (target >= 0.8: $(verdict "$min_c" 'v >= t' 0.8)); CPU s/10k calls ${PC[$first]} at $first, ${PC[$last]} at $last"
echo "summary: backend peak RSS running invoke_many at $last in flight ($((per * last)) rows): ${HWM[$last]} kB; a backend that only builds the same payload array: ${arr_hwm} kB"
