#!/usr/bin/env bash
# postgres/test/t_exports.sh — aws_lambda.so exports only what PostgreSQL
# looks up by name: Pg_magic_func, _PG_init, the C functions the install
# scripts name (AS 'MODULE_PATHNAME', 'fn' / '$libdir/aws_lambda', 'fn'),
# this version's and every release's kept in releases/,
# with their pg_finfo_ records, and the background worker's entry point.
# Not core's API (sqlambda_*), not the adapter's helpers (awsl_*, awsq_*),
# no generic names. Checked with nm -D on the built library.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
so=$top/postgres/aws_lambda.so
[ -f "$so" ] || { not_ok "aws_lambda.so is built"; exit 1; }

exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
# (today's SQL and every kept release's: their C functions must resolve too)
sql_fns=$(cat "$top"/postgres/sql/*.sql "$top"/postgres/aws_commons.sql "$top"/postgres/releases/*.sql |
  grep -oE "AS '(MODULE_PATHNAME|\\\$libdir/aws_lambda)', *'[A-Za-z0-9_]+'" | sed "s/.*'\([A-Za-z0-9_]*\)'$/\1/" | sort -u)
bgw=$(grep -hoE 'bgw_function_name, *BGW_MAXLEN, *"[A-Za-z0-9_]+"' "$top"/postgres/src/*.c |
  sed 's/.*"\(.*\)"/\1/' | sort -u)
[ -n "$sql_fns" ] || not_ok "found the SQL-callable C functions in the install scripts"
want=$( { echo Pg_magic_func; echo _PG_init; echo "$bgw";
          for f in $sql_fns; do echo "$f"; echo "pg_finfo_$f"; done; } | grep . | sort -u)
is "aws_lambda.so exports exactly the entry points PostgreSQL looks up" "$exported" "$want"
for f in $sql_fns $bgw; do
  if printf '%s\n' "$exported" | grep -qx "$f"; then ok "exported: $f"; else not_ok "exported: $f"; fi
done
leaked=$(printf '%s\n' "$exported" | grep -E '^(sqlambda_|awsl_|awsq_|g$|xmalloc$|now_ms$|curl_|json_)' | grep -vxF "$bgw")
is "no core API, adapter helper or generic name exported" "$leaked" ""
tap_exit
