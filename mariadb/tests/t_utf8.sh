#!/usr/bin/env bash
# t_utf8.sh — builds and runs utf8_test.c against src/utf8.c (the check
# behind "not valid UTF-8" errors for arguments and responses).
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/sqlambda-mariadb-utf8.XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! cc -std=c11 -Wall -Wextra -Werror -I"$top/mariadb/src" -o "$dir/utf8_test" \
  "$top/mariadb/tests/utf8_test.c" "$top/mariadb/src/utf8.c" 2>"$dir/cc.err"; then
  echo "not ok - utf8_test.c builds"; sed 's/^/# /' "$dir/cc.err"; exit 1
fi
"$dir/utf8_test"
