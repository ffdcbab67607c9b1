#!/usr/bin/env bash
# samples/tests/scripts-usage.sh — bad invocations of scripts/demo,
# scripts/demo-services, scripts/demo-walkthrough, scripts/demo-mariadb and
# the samples/demo helpers fail at once with a message naming the problem
# and leave nothing running.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
out=$("$top/scripts/demo-services" 2>&1); rc=$?
is "demo-services without DIR exits non-zero" "$([ $rc -ne 0 ] && echo yes)" yes
like "demo-services without DIR prints its usage" "$out" 'usage: demo-services DIR'
out=$(SQLAMBDA_CLI=/nonexistent/sqlambda "$top/scripts/demo-walkthrough" 2>&1); rc=$?
is "demo-walkthrough with no CLI built exits 1" "$rc" 1
like "demo-walkthrough names the missing CLI" "$out" '/nonexistent/sqlambda is not built'
out=$(SQLAMBDA_CLI=/nonexistent/sqlambda "$top/scripts/demo-mariadb" 2>&1); rc=$?
is "demo-mariadb with no CLI built exits 1" "$rc" 1
like "demo-mariadb names the missing CLI" "$out" '/nonexistent/sqlambda is not built'
if [ -x "$top/cli/build/sqlambda" ]; then
  out=$(MARIADB_PLUGIN_DIR=/nonexistent "$top/scripts/demo-mariadb" 2>&1); rc=$?
  is "demo-mariadb without the plugin exits 1" "$rc" 1
  like "demo-mariadb names the missing plugin" "$out" '/nonexistent/aws_lambda_udf.so is not built'
fi
out=$("$top/scripts/demo" oracle 2>&1); rc=$?
is "scripts/demo with an unknown database exits 2" "$rc" 2
like "scripts/demo names the unknown database and the choices" "$out" 'usage: scripts/demo \[postgres\|mariadb\] \(unknown database: oracle\)'
out=$(python3 "$top/samples/demo/cloudwatch_readings.py" 90 2>&1); rc=$?
is "cloudwatch_readings.py with a missing argument exits 2" "$rc" 2
like "cloudwatch_readings.py prints its usage" "$out" '^usage: cloudwatch_readings.py MINUTES WANT DATFILE'
out=$(python3 "$top/samples/demo/firehose_records.py" eight 2 2>&1); rc=$?
is "firehose_records.py with a non-number exits 2" "$rc" 2
like "firehose_records.py prints its usage" "$out" '^usage: firehose_records.py WANT SENSOR_ID'
out=$(env -u DEMO_BUCKET python3 "$top/samples/demo/firehose_records.py" 8 2 2>&1); rc=$?
is "firehose_records.py without DEMO_BUCKET exits 2" "$rc" 2
like "firehose_records.py names DEMO_BUCKET" "$out" 'DEMO_BUCKET is not set'
out=$("$top/samples/demo/chart.sh" 2>&1); rc=$?
is "chart.sh without arguments exits non-zero" "$([ $rc -ne 0 ] && echo yes)" yes
like "chart.sh prints its usage" "$out" 'usage: chart.sh DATFILE PNGFILE'
tap_exit
