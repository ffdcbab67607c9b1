#!/usr/bin/env bash
# mariadb/tests/t_exports.sh — aws_lambda_udf.so exports only what the
# server looks up by name (src/exports.map): the UDF entry points of
# sql/install.sql (fn, fn_init, fn_deinit), the plugin declaration symbols
# (_maria_*) and the plugin service pointers (*_service). Not core's API
# (sqlambda_*), not the plugin's helpers (mdb_*), no generic names.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
so=${SQLAMBDA_MARIADB_BUILD:-$top/mariadb/build}/aws_lambda_udf.so
[ -f "$so" ] || { not_ok "aws_lambda_udf.so is built"; exit 1; }
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
udfs=$(grep -ioE 'CREATE +(AGGREGATE +)?FUNCTION +(IF NOT EXISTS +)?[a-z0-9_]+' "$top/mariadb/sql/install.sql" |
       awk '{print $NF}' | tr 'A-Z' 'a-z' | sort -u)
[ -n "$udfs" ] || not_ok "found the UDFs in sql/install.sql"
for u in $udfs; do
  for s in "$u" "${u}_init" "${u}_deinit"; do
    if printf '%s\n' "$exported" | grep -qx "$s"; then ok "exported: $s"; else not_ok "exported: $s"; fi
  done
done
check "exported: the plugin declaration" grep -qx _maria_plugin_declarations_ <<<"$exported"
other=$(printf '%s\n' "$exported" | grep -vE '^(_maria_|_mysql_)|_service$' |
        grep -vxF "$(for u in $udfs; do printf '%s\n%s_init\n%s_deinit\n' "$u" "$u" "$u"; done)")
is "nothing exported but UDF entry points, plugin declarations and services" "$other" ""
leaked=$(printf '%s\n' "$exported" | grep -E '^(sqlambda_|mdb_|g$|xmalloc$|now_ms$|curl_|json_)')
is "no core API, plugin helper or generic name exported" "$leaked" ""
tap_exit
