#!/usr/bin/env bash
# samples/tests/walkthrough-mariadb.sh — runs scripts/demo-mariadb end to
# end (moto + sqlambda serve + MariaDB with mariadb/'s aws_lambda_udf.so)
# and asserts its outputs: lambdaTest's answer, the 8 CloudWatch values in
# order and the PNG chart, the 8 Firehose records in S3, the Kinesis
# readings in order and the resume point, the failure step's SQL error and
# its handler, the rolled-back row's one invocation (MariaDB's trigger calls
# inside the INSERT); then that no process, port or work directory is left,
# and that `make demo-mariadb` (build + walkthrough) right after also
# succeeds and leaves nothing. Skipped (with the reason) until the CLI with
# `serve` and the MariaDB plugin are built.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib.sh"
reason=$(stack_skip_reason)
[ -f "$top/mariadb/build/aws_lambda_udf.so" ] || reason=${reason:-"mariadb/build/aws_lambda_udf.so not built"}
[ -z "$reason" ] || { echo "ok - mariadb walkthrough end to end # SKIP $reason"; exit 0; }

outdir=$(mktemp -d /tmp/sqlambda-walk-my-test.XXXXXX)
trap 'rm -rf "$outdir"' EXIT
# leftovers MARK: processes still carrying the run's marker in their environment
leftovers() { grep -la "SQLAMBDA_DEMO_MARK=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | tr '\n' ' '; }
mark1=my1.$$.$RANDOM
SQLAMBDA_DEMO_MARK=$mark1 DEMO_OUT=$outdir timeout 120 "$top/scripts/demo-mariadb" >"$outdir/run1.log" 2>&1
rc=$?
sed 's/^/# /' "$outdir/run1.log"
log=$(cat "$outdir/run1.log")
is "demo-mariadb exits 0" "$rc" 0

# section FROM TO: the log's lines from the first one matching FROM up to the next matching TO
section() { printf '%s\n' "$log" | awk -v a="$1" -v b="$2" 'f && $0 ~ b { exit } f { print } $0 ~ a { f = 1 }'; }
# cells: the values of one-column/two-column mariadb -t rows, last column, space-separated
cells() { awk -F'|' '/^\| / && !/reading_time|lastsequencenumber|lambdatest|handler|sensor_3/ { v = $(NF-1); gsub(/ /, "", v); printf "%s ", v }'; }

like "1: lambdaTest answers Status OK with the name" "$log" '\| \{"Status": "OK", "name": "bob"\} \|'
cw=$(printf '%s\n' "$log" | sed -n '/get-metric-statistics/,/datapoints)/p' | awk -F'|' '/^  20/ {gsub(/ /,"",$2); printf "%s ", $2}')
is "2: CloudWatch holds the 8 readings, in time order" "$cw" "65.0 65.0 63.0 67.0 74.0 82.0 85.0 86.0 "
check "2: chart is a PNG file" sh -c "head -c 4 '$outdir/temperature.png' | od -c | grep -q 'P   N   G'"
is "2: one Event invocation per row reached the endpoint" \
   "$(printf '%s\n' "$log" | sed -n 's/^# invocations of lambdaTempReadingTrigger counted at the endpoint: //p')" 8
fh=$(printf '%s\n' "$log" | grep -E '^  \{"reading_time".*"sensor_id":2' | sed -E 's/.*"temperature":([0-9.]+).*/\1/' | tr '\n' ' ')
is "3: Firehose delivered the 8 rows to S3 (sorted by time)" "$fh" "65.0 65.0 63.0 67.0 74.0 82.0 85.0 86.0 "
puts=$(printf '%s\n' "$log" | awk '/^\$ aws kinesis put-record/ { getline; print $1 }' | tr '\n' ' ')
set -- $puts
like "4: five records put on Kinesis" "$puts" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ $'
is "4: first call reads the three readings in order, returns the third's sequence number" \
   "$(section "SET @seq = ''; CALL processSensorReadings" '^(# |MariaDB)' | cells)" "99 100 110 ${3:-} "
is "4: the resume call passes that sequence number back" \
   "$(printf '%s\n' "$log" | grep -c "SET @seq = '${3:-none}'; CALL processSensorReadings")" 1
is "4: resuming reads only the two new readings, returns the fifth's sequence number" \
   "$(section "SET @seq = '${3:-none}'; CALL processSensorReadings" '^(# |MariaDB|$)' | cells)" "111 112 ${5:-} "
like "5: lambdaFail surfaces as an SQL error (1105) naming the function error" "$log" \
     '^ERROR 1105 \(HY000\).*lambdaFail.*SensorRejected'
like "5: a handler catches it" "$log" '\| caught: awslambda_fn: .*SensorRejected.*\(error 1105\) \|'
is "5: the rolled-back row is gone from the table" "$(section 'ROLLBACK; SELECT count' '^#' | cells)" "0 "
is "5: ... but its Event had been sent inside the INSERT: 1 invocation at the endpoint" \
   "$(printf '%s\n' "$log" | sed -n 's/^# invocations of lambdaTempReadingTrigger for the rolled-back row, counted at the endpoint: //p')" 1

pids=$(printf '%s\n' "$log" | sed -n 's/^# processes: moto \([0-9]*\), sqlambda serve \([0-9]*\), mariadbd \([0-9]*\).*/\1 \2 \3/p')
like "the walkthrough names its three service processes" "$pids" '^[0-9]+ [0-9]+ [0-9]+$'
for p in $pids; do
  check "process $p is gone after exit" sh -c "! kill -0 $p 2>/dev/null"
done
port=$(printf '%s\n' "$log" | sed -n 's/^# processes: .* on port \([0-9]*\) .*/\1/p')
serve_url=$(printf '%s\n' "$log" | sed -n 's/^# local Lambda at //p')
moto_url=$(printf '%s\n' "$log" | sed -n 's/^# moto at \([^:]*:[^:]*:[0-9]*\).*/\1/p')
like "ports printed" "$port $serve_url $moto_url" '^[0-9]+ http://127[^ ]* http://127'
check "no MariaDB left listening on port $port" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "no sqlambda serve left listening after exit" sh -c "! curl -s -m 2 -o /dev/null '$serve_url/2015-03-31/functions/'"
check "no moto left listening after exit" sh -c "! curl -s -m 2 -o /dev/null '$moto_url/moto-api/'"
# the functions' worker processes get the run's AWS_* variables from sqlambda serve
workers=$(grep -la "AWS_ENDPOINT_URL=$moto_url" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | tr '\n' ' ')
is "no function worker of the run left (moto's URL in the environment)" "$workers" ""
work=$(printf '%s\n' "$log" | sed -n 's/^# work directory \([^ ]*\) .*/\1/p')
like "work directory printed" "$work" '^/tmp/sqlambda-walk-my\.'
check "work directory removed" test ! -e "$work"
is "no process of the run left (marker in the environment)" "$(leftovers "$mark1")" ""

mark2=my2.$$.$RANDOM
SQLAMBDA_DEMO_MARK=$mark2 SQLAMBDA_DEMO_NO_SETUP=1 DEMO_OUT=$outdir timeout 150 make -s -C "$top" demo-mariadb \
  >"$outdir/run2.log" 2>&1
rc=$?
is "make demo-mariadb right after also succeeds" "$rc" 0
[ "$rc" -eq 0 ] || tail -40 "$outdir/run2.log" | sed "s/^/# /"
like "make demo-mariadb ran the walkthrough to its end" "$(cat "$outdir/run2.log")" '# walkthrough done'
is "make demo-mariadb left no process behind" "$(leftovers "$mark2")" ""
tap_exit
