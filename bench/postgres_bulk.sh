#!/usr/bin/env bash
# bench/postgres_bulk.sh — aws_lambda.invoke_many against a function that
# takes 20 ms, concurrency 50, over PG_BULK_N payloads per round, against
# serial awslambda_fn over the same function in the same run (one call after
# another in one backend). The endpoint is `sqlambda serve` (signatures
# checked) with bench/functions/echo20_c: a `provided` runtime in C that
# sleeps 20 ms (nanosleep, no CPU) and echoes the event, reserved
# concurrency 64; so the 2 cores go to the backend and serve, not to 50
# Python interpreters. Also measured in the same rounds (PG_BULK_PYTHON=0
# skips it): invoke_many against postgres/test/bulk_functions/bulk_echo20
# (Python, sleeps 20 ms), the endpoint of the earlier runs. One throwaway
# server (scripts/pg-start, aws_lambda preloaded, request timeout 30 s so
# cold starts on a loaded machine do not time out). Every row is checked:
# no error, HTTP 200, its own payload echoed. Target: invoke_many >= 2,000
# rows/s. Env: PG_BULK_N (3000), PG_BULK_ROUNDS (3), PG_BULK_SERIAL_N (200),
# PG_BULK_CONCURRENCY (50), PG_BULK_PYTHON (1), PG_BULK_SERVE (the serve
# command, default this tree's `sqlambda serve`; for A/B runs of a patched
# copy). Prints "summary:" lines.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${PG_BULK_N:-3000}
rounds=${PG_BULK_ROUNDS:-3}
serial_n=${PG_BULK_SERIAL_N:-200}
conc=${PG_BULK_CONCURRENCY:-50}
python=${PG_BULK_PYTHON:-1}
fn=echo20_c
dir=$(mktemp -d /tmp/sqlambda-bench-pgbulk.XXXXXX)
chmod o+x "$dir"
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_bulk_serve.sh"
# (bulk_serve_stop's last kill fails once serve is gone: under set -e that
# would end the trap early, leaving $dir behind and the exit status 1.)
trap 'rc=$?; "$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1; bulk_serve_stop || true; rm -rf "$dir"; exit $rc' EXIT

make -s -C "$top/postgres" install >/dev/null
make -s -C "$top/bench" functions >/dev/null
source "$top/bench/lib/aws_env.sh"
bench_aws_env

# The endpoint: `sqlambda serve` over a directory holding the two functions
# (links), started like lib_bulk_serve.sh's bulk_serve_start (which serves
# postgres/test/bulk_functions only) but without --verbose (a log line per
# request is endpoint CPU; a bad signature fails its row, which fails the
# run); bulk_serve_stop stops it.
mkdir "$dir/functions"
ln -s "$top/bench/functions/$fn" "$dir/functions/$fn"
ln -s "$top/postgres/test/bulk_functions/bulk_echo20" "$dir/functions/bulk_echo20"
serve=${PG_BULK_SERVE:-$(bulk_serve_bin)} || { echo "postgres_bulk.sh: no sqlambda serve binary (make -C cli)" >&2; exit 1; }
printf '%s %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$dir/serve.creds"
chmod 600 "$dir/serve.creds"
$serve --functions "$dir/functions" --listen 127.0.0.1:0 --credentials "$dir/serve.creds" \
  --max-concurrency 64 >"$dir/serve.out" 2>"$dir/serve.err" &
BULK_SERVE_PID=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$dir/serve.out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/serve.out")
[ -n "$url" ] || { echo "postgres_bulk.sh: sqlambda serve did not start:" >&2; cat "$dir/serve.err" >&2; exit 1; }

eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=$url" aws_lambda.request_timeout_ms=30000)" >/dev/null
export PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
q -q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION aws_lambda CASCADE;
-- the backend's own CPU time (utime + stime, clock ticks) from /proc/self/stat
CREATE FUNCTION backend_ticks() RETURNS bigint LANGUAGE sql AS $$
  SELECT f[14]::bigint + f[15]::bigint
  FROM string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') s(a),
       LATERAL (SELECT ARRAY['', ''] || a) x(f)
$$;
CREATE FUNCTION time_count(q text, OUT good bigint, OUT secs double precision, OUT cpu_ticks bigint)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); c0 bigint := backend_ticks(); BEGIN
  EXECUTE q INTO good;
  secs := extract(epoch FROM clock_timestamp() - t0);
  cpu_ticks := backend_ticks() - c0;
END $$;
SQL
payloads="(SELECT array_agg(jsonb_build_object('i', i, 'reading', 20.5)) FROM generate_series(1, $n) i)"
# Counts the rows that came back right: no error, HTTP 200, their own payload.
many_q() {
  echo "SELECT count(*) FROM aws_lambda.invoke_many('$1', $payloads, $conc) WHERE error IS NULL AND function_error IS NULL AND status_code = 200 AND payload = jsonb_build_object('i', ordinal, 'reading', 20.5)"
}
serial_q="SELECT count(*) FROM generate_series(1, $serial_n) i WHERE aws_lambda.awslambda_fn('$fn', json_build_object('i', i, 'reading', 20.5)::text)::jsonb = jsonb_build_object('i', i, 'reading', 20.5)"
fns=("$fn"); [ "$python" = 0 ] || fns+=(bulk_echo20)

# Warm-up: every instance started (cold starts are not what we measure), and
# a check that every row comes back right.
for f in "${fns[@]}"; do
  good=$(q -c "$(many_q "$f")")
  [ "$good" = "$n" ] || { echo "postgres_bulk.sh: invoke_many('$f') returned $good good rows of $n" >&2; exit 1; }
done
good=$(q -c "$serial_q")
[ "$good" = "$serial_n" ] || { echo "postgres_bulk.sh: serial awslambda_fn returned $good good results of $serial_n" >&2; exit 1; }

# endpoint_ticks: CPU ticks (utime + stime) so far of `sqlambda serve` (all
# its threads) and of its live workers by kind: "SERVE C_WORKERS PY_WORKERS".
endpoint_ticks() {
  local st srv=0 c=0 py=0 f
  for st in /proc/[0-9]*/stat; do
    f=$(cat "$st" 2>/dev/null) || continue
    local comm=${f#*(}; comm=${comm%%)*}
    set -- ${f##*) }
    if [ "${st#/proc/}" = "$BULK_SERVE_PID/stat" ]; then srv=$((${12} + ${13}))
    elif [ "$2" = "$BULK_SERVE_PID" ]; then
      case $comm in bootstrap) c=$((c + ${12} + ${13})) ;; python*) py=$((py + ${12} + ${13})) ;; esac
    fi
  done
  echo "$srv $c $py"
}
# timed COUNT QUERY: runs QUERY in the server, prints "ROWS/S CPU" where CPU
# is "backend B s, serve S s, workers W s" over the query; exits if the
# query did not count COUNT good rows.
timed() {
  local res e0 e1 hz; hz=$(getconf CLK_TCK)
  e0=$(endpoint_ticks)
  res=$(q -F' ' -c "SELECT good, secs, cpu_ticks FROM time_count(\$q\$$2\$q\$)")
  e1=$(endpoint_ticks)
  set -- "$1" $res $e0 $e1
  [ "$2" = "$1" ] || { echo "postgres_bulk.sh: a timed query counted $2 good rows of $1" >&2; exit 1; }
  awk -v n="$1" -v s="$3" -v b="$4" -v hz="$hz" -v s0="$5" -v c0="$6" -v p0="$7" -v s1="$8" -v c1="$9" -v p1="${10}" \
    'BEGIN {printf "%.0f rows/s (CPU: backend %.2f s, serve %.2f s, workers %.2f s, in %.2f s)", n / s, b / hz, (s1 - s0) / hz, (c1 - c0 + p1 - p0) / hz, s}'
}

echo "# postgres bulk: ${serve#"$top"/} at $url, $fn (C, sleeps 20 ms)${fns[1]:+ and bulk_echo20 (Python, sleeps 20 ms)} ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); $rounds rounds: $serial_n serial awslambda_fn calls, then invoke_many of $n payloads at concurrency $conc"
serial_total=0; many_total=0; py_total=0; rates=(); py_rates=()
for r in $(seq 1 "$rounds"); do
  sr=$(timed "$serial_n" "$serial_q"); sr=${sr%% *}
  mt=$(timed "$n" "$(many_q "$fn")"); mr=${mt%% *}
  echo "#   round $r: serial awslambda_fn $sr rows/s; invoke_many $mt ($fn)"
  serial_total=$((serial_total + sr)); many_total=$((many_total + mr)); rates+=("$mr")
  if [ "${#fns[@]}" -gt 1 ]; then
    pt=$(timed "$n" "$(many_q bulk_echo20)"); pr=${pt%% *}
    echo "#   round $r: invoke_many $pt (bulk_echo20, Python)"
    py_total=$((py_total + pr)); py_rates+=("$pr")
  fi
done
spread() { echo "$(printf '%s\n' "$@" | sort -n | head -1)..$(printf '%s\n' "$@" | sort -n | tail -1)"; }
serial_rate=$((serial_total / rounds)); many_rate=$((many_total / rounds))
speedup=$(awk -v a="$many_rate" -v b="$serial_rate" 'BEGIN {printf "%.1f", a / b}')
ceiling=$(awk -v c="$conc" 'BEGIN {printf "%.0f", c * 1000 / 20}')
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "summary: invoke_many (sqlambda serve, $fn: C bootstrap sleeping 20 ms; concurrency $conc, $n rows): $many_rate rows/s (rounds $(spread "${rates[@]}"); ideal $ceiling; target >= 2000: $(verdict "$many_rate" 'v >= t' 2000))"
echo "summary: serial awslambda_fn over the same function: $serial_rate rows/s; invoke_many ${speedup}x serial; every row checked (HTTP 200, its payload echoed, SigV4 verified by serve)"
if [ "${#fns[@]}" -gt 1 ]; then
  echo "summary: invoke_many (sqlambda serve, bulk_echo20: Python sleeping 20 ms; same rounds): $((py_total / rounds)) rows/s (rounds $(spread "${py_rates[@]}"))"
fi
