#!/usr/bin/env bash
# cli/tests/t_exports.sh — the sqlambda command exports no dynamic symbols
# (nothing loads plugins into it), and its own symbol table has no generic
# global names: everything linked in is the CLI's (cli_*), core's or the
# runtime's public API (sqlambda_*), main, or the C runtime's start-up
# symbols (_start, _init, __bss_start, ...). Before the runtime archive was
# localized, xmalloc, now_ms, g, sbuf_* ... were global here.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
for bin in "$CLI" ${SQLAMBDA_CLI_NO_RUNTIME:+"$SQLAMBDA_CLI_NO_RUNTIME"}; do
  n=${bin#"$top"/}
  dyn=$(nm -D --defined-only "$bin" 2>&1 | awk '{print $3}' | grep -v '^_IO_stdin_used$')
  is "$n: no dynamic exports" "$dyn" ""
  bad=$(nm "$bin" | awk 'NF==3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | sort -u |
        grep -vE '^(sqlambda_|cli_|_|main$|data_start$)')
  is "$n: no global symbol outside sqlambda_/cli_/start-up names" "$bad" ""
  for name in g xmalloc now_ms sbuf_append; do
    if nm "$bin" | awk 'NF==3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | grep -qx "$name"; then
      not_ok "$n: '$name' is not a global symbol"; else ok "$n: '$name' is not a global symbol"; fi
  done
done
tap_exit
