#!/usr/bin/env bash
# bench/postgres_bulk.sh — aws_lambda.invoke_many against a function that
# takes 20 ms (postgres/test/bulk_functions/bulk_echo20 under `sqlambda
# serve`, signatures checked, up to 64 instances), concurrency 50, over
# PG_BULK_N payloads per round, against serial awslambda_fn over the same
# function in the same run (one call after another in one backend), on one
# throwaway server (scripts/pg-start, aws_lambda preloaded, request timeout
# 30 s so cold starts on a loaded machine do not time out). Target:
# invoke_many >= 2,000 rows/s. Env: PG_BULK_N (3000), PG_BULK_ROUNDS (3),
# PG_BULK_SERIAL_N (200), PG_BULK_CONCURRENCY (50). Prints "summary:" lines.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${PG_BULK_N:-3000}
rounds=${PG_BULK_ROUNDS:-3}
serial_n=${PG_BULK_SERIAL_N:-200}
conc=${PG_BULK_CONCURRENCY:-50}
dir=$(mktemp -d /tmp/sqlambda-bench-pgbulk.XXXXXX)
chmod o+x "$dir"
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_bulk_serve.sh"
trap '"$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1; bulk_serve_stop; rm -rf "$dir"' EXIT

make -s -C "$top/postgres" install >/dev/null
export AWS_ACCESS_KEY_ID=AKIDBENCHEXAMPLE AWS_SECRET_ACCESS_KEY=benchSecretNotReal AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA
bulk_serve_start "$dir" --max-concurrency 64 || { echo "postgres_bulk.sh: sqlambda serve did not start" >&2; exit 1; }
url=$BULK_SERVE_URL
eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=$url" aws_lambda.request_timeout_ms=30000)" >/dev/null
export PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
q -q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION aws_lambda CASCADE;
CREATE FUNCTION time_query(q text) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); BEGIN
  EXECUTE q;
  RETURN extract(epoch FROM clock_timestamp() - t0);
END $$;
SQL
payloads="(SELECT array_agg(jsonb_build_object('i', i, 'reading', 20.5)) FROM generate_series(1, $n) i)"
many_q="SELECT count(*) FROM aws_lambda.invoke_many('bulk_echo20', $payloads, $conc) WHERE error IS NULL AND (payload->>'i')::int = ordinal"
serial_q="SELECT count(aws_lambda.awslambda_fn('bulk_echo20', json_build_object('i', i, 'reading', 20.5)::text)) FROM generate_series(1, $serial_n) i"

# Warm-up: every instance started (cold starts are not what we measure), and
# a check that every row comes back right.
good=$(q -c "$many_q")
[ "$good" = "$n" ] || { echo "postgres_bulk.sh: invoke_many returned $good good rows of $n" >&2; exit 1; }
q -c "$serial_q" >/dev/null

echo "# postgres bulk: sqlambda serve at $url, bulk_echo20 sleeps 20 ms ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); $rounds rounds: $serial_n serial awslambda_fn calls, then invoke_many of $n payloads at concurrency $conc"
serial_total=0; many_total=0; rates=()
for r in $(seq 1 "$rounds"); do
  s=$(q -c "SELECT time_query(\$q\$$serial_q\$q\$)")
  sr=$(awk -v n="$serial_n" -v s="$s" 'BEGIN {printf "%.0f", n / s}')
  m=$(q -c "SELECT time_query(\$q\$$many_q\$q\$)")
  mr=$(awk -v n="$n" -v s="$m" 'BEGIN {printf "%.0f", n / s}')
  echo "#   round $r: serial awslambda_fn $sr rows/s; invoke_many $mr rows/s"
  serial_total=$((serial_total + sr)); many_total=$((many_total + mr)); rates+=("$mr")
done
serial_rate=$((serial_total / rounds)); many_rate=$((many_total / rounds))
spread="$(printf '%s\n' "${rates[@]}" | sort -n | head -1)..$(printf '%s\n' "${rates[@]}" | sort -n | tail -1)"
speedup=$(awk -v a="$many_rate" -v b="$serial_rate" 'BEGIN {printf "%.1f", a / b}')
ceiling=$(awk -v c="$conc" 'BEGIN {printf "%.0f", c * 1000 / 20}')
sig=$(grep -c 'signature check failed' "$dir/serve.err" || true)
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "summary: invoke_many (20 ms function, concurrency $conc, $n rows): $many_rate rows/s (rounds $spread; ideal $ceiling; target >= 2000: $(verdict "$many_rate" 'v >= t' 2000))"
echo "summary: serial awslambda_fn over the same function: $serial_rate rows/s; invoke_many ${speedup}x serial; signature failures at the endpoint: $sig"
