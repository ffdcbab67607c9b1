#!/usr/bin/env bash
# bench/mariadb.sh — the MariaDB UDF's call rate against the fastest
# possible Lambda: a loopback nginx returning fixed JSON
# (scripts/nginx-start). In one run, alternating in rounds so machine load
# hits both alike:
#   baseline: wrk -t1 -c1 -d1s POSTing the same Invoke request to nginx;
#   ours:     SELECT COUNT(awslambda_fn('lambdaTest','{"name":"bob"}'))
#             FROM seq_1_to_<rows/rounds>   (the Sequence engine)
# so the rounds together run the 100000 rows of the issue's query; then the
# exact query over seq_1_to_100000 once, between two wrk runs. Target: the
# UDF at >= 30% of wrk's rate. Env: MARIADB_BENCH_ROWS (100000),
# MARIADB_BENCH_ROUNDS (10). Prints "summary: ..." lines (bench/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${MARIADB_BENCH_ROWS:-100000}
rounds=${MARIADB_BENCH_ROUNDS:-10}
make -s -C "$top/mariadb" >/dev/null
dir=$(mktemp -d /tmp/sqlambda-bench-mariadb.XXXXXX)
cleanup() {
  "$top/scripts/mariadb-stop" "$dir/db" >/dev/null 2>&1 || true
  "$top/scripts/nginx-stop" "$dir/nginx" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
eval "$("$top/scripts/nginx-start" "$dir/nginx")" >/dev/null
# nginx does not check signatures; any well-formed credentials do.
eval "$(env AWS_ENDPOINT_URL="$NGINX_URL" AWS_ACCESS_KEY_ID=AKIDBENCHEXAMPLE \
  AWS_SECRET_ACCESS_KEY=benchSecretNotReal AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$top/scripts/mariadb-start" "$dir/db" "$top/mariadb/build")" >/dev/null
my() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot -N -B "$@"; }
my <"$top/mariadb/sql/install.sql"
cat >"$dir/req.lua" <<'LUA'
-- the Invoke request awslambda_fn sends, for wrk
wrk.method = "POST"
wrk.body = '{"name":"bob"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Amz-Date"] = "20261126T230000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20261126/us-east-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
wrk.path = "/2015-03-31/functions/lambdaTest/invocations"
LUA
wrk_rate() {
  local out
  out=$(wrk -t1 -c1 -d"$1" -s "$dir/req.lua" "$NGINX_URL")
  if echo "$out" | grep -q 'Non-2xx'; then echo "mariadb.sh: wrk got errors from nginx" >&2; exit 1; fi
  echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}'
}
# udf_rate N: calls/s of the query over seq_1_to_N (checks every row answered)
udf_rate() {
  local t0 t1 n
  t0=$(date +%s%N)
  n=$(my -e "SELECT COUNT(awslambda_fn('lambdaTest','{\"name\":\"bob\"}')) FROM seq_1_to_$1" mysql)
  t1=$(date +%s%N)
  [ "$n" = "$1" ] || { echo "mariadb.sh: query answered $n of $1 rows" >&2; exit 1; }
  awk -v n="$1" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", 100 * a / b}'; }

udf_rate 1000 >/dev/null # warm up: thread client, connection
per=$((rows / rounds))
echo "# mariadb: nginx at $NGINX_URL ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); $rounds rounds: wrk -t1 -c1 -d1s, then the query over seq_1_to_$per"
wsum=0 usum=0 ratios=()
for r in $(seq 1 "$rounds"); do
  w=$(wrk_rate 1s)
  u=$(udf_rate "$per")
  echo "#   round $r: wrk $w req/s, awslambda_fn $u calls/s ($(pct "$u" "$w")%)"
  wsum=$((wsum + w)); usum=$((usum + u)); ratios+=("$(pct "$u" "$w")")
done
wavg=$((wsum / rounds)) uavg=$((usum / rounds))
ratio=$(pct "$uavg" "$wavg")
spread="$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)..$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)%"
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}')

echo "# the issue's query once: SELECT COUNT(awslambda_fn('lambdaTest','{\"name\":\"bob\"}')) FROM seq_1_to_$rows, between two 2 s wrk runs"
w1=$(wrk_rate 2s); u1=$(udf_rate "$rows"); w2=$(wrk_rate 2s)
wone=$(((w1 + w2) / 2))
echo "#   wrk $w1 and $w2 req/s; query $u1 calls/s"
verdict() { if [ "$1" -ge 30 ]; then echo met; else echo MISSED; fi; }
echo "summary: awslambda_fn over seq_1_to_$per x $rounds rounds: $uavg calls/s; wrk -t1 -c1: $wavg req/s; ratio ${ratio}% (median round ${median}%, rounds $spread; target >= 30%: $(verdict "$ratio"))"
echo "summary: seq_1_to_$rows in one query: $u1 calls/s vs wrk $wone req/s: $(pct "$u1" "$wone")%"
