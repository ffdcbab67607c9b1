#!/usr/bin/env bash
# t_version.sh — the extension's version is the top-level file VERSION
# everywhere: the built control files' default_version, the installed
# install scripts' names, extversion after CREATE EXTENSION, and the
# User-Agent a call carries (sqlambda/<VERSION> ... aws_lambda/<VERSION>,
# read back from core's fault server). Runs against test/run's server
# (PGHOST, FAULT_URL).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
source "$top/scripts/lib/tap.sh"
version=$(cat "$top/VERSION")
[ -n "${FAULT_URL:-}" ] || { not_ok "version: run by test/run (FAULT_URL)"; exit 1; }
sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }

like "VERSION is a version number" "$version" '^[0-9]+\.[0-9]+(\.[0-9]+)?$'
for e in aws_lambda aws_commons; do
  is "$e.control: default_version is VERSION" \
    "$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$top/postgres/$e.control")" "$version"
  check "installed: $e--$version.sql" test -f "$(pg_config --sharedir)/extension/$e--$version.sql"
done
sq -d postgres -c "DROP DATABASE IF EXISTS aws_lambda_version" -c "CREATE DATABASE aws_lambda_version" >/dev/null
is "CREATE EXTENSION installs VERSION" \
  "$(sq -d aws_lambda_version -c "CREATE EXTENSION aws_lambda CASCADE" \
        -c "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension WHERE extname LIKE 'aws_%'" | tail -1)" \
  "aws_commons $version, aws_lambda $version"
sq -d aws_lambda_version -c "SET aws_lambda.endpoint_override = '$FAULT_URL'" \
  -c "SELECT aws_lambda.awslambda_fn('ok_version', '{}')" >/dev/null
ua=$(curl -fs "$FAULT_URL/_last?name=ok_version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["headers"]["user-agent"])')
v=$(printf '%s' "$version" | sed 's/\./\\./g')
like "the User-Agent carries VERSION (core's and the extension's)" "$ua" "^sqlambda/$v .*aws_lambda/$v( |\$)"
sq -d postgres -c "DROP DATABASE aws_lambda_version" >/dev/null
tap_exit
