#!/usr/bin/env bash
# bench/postgres.sh — aws_lambda's awslambda_fn against the walkthrough's
# PL/Python version (boto3 client built on every call, exactly as the seed
# does; Debian's python3-boto3 under plpython3u) and against wrk -t1 -c1,
# all hitting the same loopback nginx that returns fixed JSON
# (scripts/nginx-start), in one run on one throwaway server
# (scripts/pg-start, aws_lambda preloaded). Then the backend's RSS after N1
# and N2 calls in one session (in batches of N1 calls). Targets: ours >= 100x PL/Python, >= 30% of
# wrk's rate; RSS growth < 10 MB.
# Env: PG_BENCH_ROUNDS (5 alternating rounds of wrk 1 s / PG_BENCH_N calls),
# PG_BENCH_N (10000), PG_BENCH_PY_N (300 PL/Python calls, after one warm-up call), PG_BENCH_RSS_N1
# (10000), PG_BENCH_RSS_N2 (1000000). Prints "summary: ..." lines.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${PG_BENCH_ROUNDS:-5}
n=${PG_BENCH_N:-10000}
py_n=${PG_BENCH_PY_N:-300}
n1=${PG_BENCH_RSS_N1:-10000}
n2=${PG_BENCH_RSS_N2:-1000000}
dir=$(mktemp -d /tmp/sqlambda-bench-pg.XXXXXX)
chmod o+x "$dir"
trap '"$top/scripts/pg-stop" "$dir/pg" >/dev/null 2>&1; "$top/scripts/nginx-stop" "$dir/nginx" >/dev/null 2>&1; rm -rf "$dir"' EXIT

make -s -C "$top/postgres" install >/dev/null
eval "$(NGINX_BODY='{"name":"bob"}' "$top/scripts/nginx-start" "$dir/nginx")"
url=$NGINX_URL
source "$top/bench/lib/aws_env.sh"
bench_aws_env
eval "$("$top/scripts/pg-start" "$dir/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=$url")" >/dev/null
export PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }

q -q <<SQL
CREATE EXTENSION aws_lambda CASCADE;
CREATE EXTENSION plpython3u;
-- The walkthrough's function, as written there (Python 3; the region and
-- the endpoint fixed instead of read from EC2 metadata).
CREATE FUNCTION seed_awslambda_fn(fn_name text, fn_args text)
    RETURNS text
    AS \$\$
     import boto3
     region='us-east-1'
     client=boto3.client('lambda',region,endpoint_url='$url')
     response=client.invoke(FunctionName=fn_name,
                            InvocationType='RequestResponse',
                            Payload=fn_args,
                           )
     r = response['Payload'].read()
     if ( 'FunctionError' in response ):
         raise Exception(r)
     return r.decode()
   \$\$ language plpython3u;
CREATE FUNCTION time_query(q text) RETURNS double precision LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp(); BEGIN
  EXECUTE q;
  RETURN extract(epoch FROM clock_timestamp() - t0);
END \$\$;
SQL
ours_q="SELECT count(aws_lambda.awslambda_fn('lambdaTest','{\"name\":\"bob\"}')) FROM generate_series(1, $n)"
py_q="SELECT count(seed_awslambda_fn('lambdaTest','{\"name\":\"bob\"}')) FROM generate_series(1, $py_n)"
check=$(q -c "SELECT aws_lambda.awslambda_fn('lambdaTest','{\"name\":\"bob\"}') = seed_awslambda_fn('lambdaTest','{\"name\":\"bob\"}')")
[ "$check" = t ] || { echo "postgres.sh: the two functions disagree" >&2; exit 1; }

echo "# postgres: nginx at $url ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); $rounds rounds: wrk -t1 -c1 -d1s, then $n calls of awslambda_fn in one backend"
wrk_total=0; ours_total=0; ratios=()
for r in $(seq 1 "$rounds"); do
  wrk_out=$(wrk -t1 -c1 -d1s -s "$top/bench/core_wrk.lua" "$url")
  if echo "$wrk_out" | grep -q 'Non-2xx'; then echo "postgres.sh: wrk got errors from nginx" >&2; exit 1; fi
  w=$(echo "$wrk_out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
  secs=$(q -c "SELECT time_query(\$q\$$ours_q\$q\$)")
  o=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
  echo "#   round $r: wrk $w req/s, awslambda_fn $o calls/s"
  wrk_total=$((wrk_total + w)); ours_total=$((ours_total + o))
  ratios+=("$(awk -v a="$o" -v b="$w" 'BEGIN {printf "%.0f", 100 * a / b}')")
done
wrk_rate=$((wrk_total / rounds)); ours_rate=$((ours_total / rounds))
spread="$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)..$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)%"
# One warm-up call in the same backend first: its `import boto3` (about
# 0.3 s, once per backend) is not part of the per-call cost.
py_secs=$(q -c "SELECT seed_awslambda_fn('lambdaTest','{}') IS NOT NULL" \
  -c "SELECT time_query(\$q\$$py_q\$q\$)" | tail -n 1)
py_rate=$(awk -v n="$py_n" -v s="$py_secs" 'BEGIN {printf "%.1f", n / s}')
echo "#   PL/Python seed function: $py_n calls in ${py_secs} s = $py_rate calls/s"

echo "# RSS of one backend over $n2 calls (PG_BENCH_RSS_N2 to change)"
rss_q="SELECT substring(s FROM 'VmRSS:\\s*([0-9]+)') || ' ' || substring(s FROM 'RssAnon:\\s*([0-9]+)') FROM pg_read_file('/proc/self/status') s"
# Batches of N1 calls, so every query's generate_series tuplestore is the
# same size and only per-call growth shows.
batch="SELECT count(aws_lambda.awslambda_fn('lambdaTest','{\"name\":\"bob\"}')) FROM generate_series(1, $n1);"
rss_out=$({
  echo "$batch"; echo "$rss_q;"
  for _ in $(seq 2 $((n2 / n1))); do echo "$batch"; done
  echo "$rss_q;"
} | q)
rss1=$(echo "$rss_out" | grep ' ' | sed -n 1p); rss2=$(echo "$rss_out" | grep ' ' | sed -n 2p)
echo "#   after $n1: VmRSS/RssAnon ${rss1// / / } kB; after $n2: ${rss2// / / } kB"
ratio=$(awk -v a="$ours_rate" -v b="$wrk_rate" 'BEGIN {printf "%.0f", 100 * a / b}')
speedup=$(awk -v a="$ours_rate" -v b="$py_rate" 'BEGIN {printf "%.0f", a / b}')
growth=$(awk -v a="${rss1%% *}" -v b="${rss2%% *}" 'BEGIN {printf "%.2f", (b - a) / 1024}')
anon_growth=$(awk -v a="${rss1##* }" -v b="${rss2##* }" 'BEGIN {printf "%.2f", (b - a) / 1024}')
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "summary: awslambda_fn: $ours_rate calls/s; PL/Python seed (boto3 client per call): $py_rate calls/s; speedup ${speedup}x (target >= 100x: $(verdict "$speedup" 'v >= t' 100))"
echo "summary: wrk -t1 -c1 baseline: $wrk_rate req/s; awslambda_fn at ${ratio}% of it (per round $spread; target >= 30%: $(verdict "$ratio" 'v >= t' 30))"
echo "summary: backend RSS ${rss1%% *} kB after $n1 calls, ${rss2%% *} kB after $n2; growth ${growth} MB (private ${anon_growth} MB) (target < 10 MB: $(verdict "$growth" 'v < t' 10))"
