#!/usr/bin/env bash
# samples/tests/functions.sh — runs every sample function's handler directly
# against a fresh moto (scripts/demo-services), one Python process per
# function; prints TAP. Stops moto on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
dir=$(mktemp -d /tmp/sqlambda-samples.XXXXXX)
trap '"$top/scripts/moto-stop" "$dir"; rm -rf "$dir"' EXIT
if ! env_text=$("$top/scripts/demo-services" "$dir"); then
  not_ok "scripts/demo-services starts moto with the demo resources"
  exit 1
fi
ok "scripts/demo-services starts moto with the demo resources"
eval "$env_text"
export PYTHONDONTWRITEBYTECODE=1
rc=0
for t in "$here"/test_*_function.py; do
  echo "# $(basename "$t")"
  (cd "$here" && python3 "$t") || rc=1
done
exit $rc
