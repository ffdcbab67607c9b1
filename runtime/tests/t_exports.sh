#!/usr/bin/env bash
# runtime/tests/t_exports.sh — libsqlambda_runtime.a defines one global
# symbol, its public entry point sqlambda_serve_main: the runtime's helpers
# (xmalloc, now_ms, g, sbuf_*, ...) are local, so they cannot clash with
# core's, the CLI's or a host program's names when linked together. And the
# runtime has no buffer, base64 or clock of its own: it defines none (not
# even locally) and takes core's (sqlambda_buf_*, sqlambda_b64_*, ...).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$top/runtime/build}
lib=$B/libsqlambda_runtime.a
[ -f "$lib" ] || { not_ok "libsqlambda_runtime.a is built"; exit 1; }
globals=$(nm "$lib" | awk 'NF==3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | sort -u)
is "the runtime archive's only global definition is sqlambda_serve_main" "$globals" "sqlambda_serve_main"
for name in g xmalloc now_ms sbuf_append b64_encode registry_load; do
  if printf '%s\n' "$globals" | grep -qx "$name"; then not_ok "'$name' is not global"; else ok "'$name' is not global"; fi
done
# one implementation: core's helpers, none of the runtime's own
defined=$(nm "$lib" | awk 'NF==3 {print $3}' | sort -u)
undefined=$(nm "$lib" | awk '$1=="U" {print $2}' | sort -u)
for name in sbuf_append sbuf_printf sbuf_free b64_encode b64_decode now_ms fmt_amz_date hexval; do
  if printf '%s\n' "$defined" | grep -qx "$name"; then not_ok "the runtime defines no $name of its own"
  else ok "the runtime defines no $name of its own"; fi
done
for name in sqlambda_buf_append sqlambda_buf_vprintf sqlambda_buf_free sqlambda_b64_encode sqlambda_b64_decode \
            sqlambda_now_ms sqlambda_amz_date sqlambda_hexval; do
  if printf '%s\n' "$undefined" | grep -qx "$name"; then ok "the runtime uses core's $name"
  else not_ok "the runtime uses core's $name"; fi
done
api=$(grep -oE '\bsqlambda_[a-z0-9_]+\(' "$top/runtime/include/sqlambda_serve.h" | tr -d '(' | sort -u)
is "every function of sqlambda_serve.h is defined" "$api" "$globals"
tap_exit
