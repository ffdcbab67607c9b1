#!/usr/bin/env bash
# samples/tests/scripts-usage.sh — bad invocations of scripts/demo-services
# and scripts/demo-walkthrough fail at once with a message naming the problem
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
tap_exit
