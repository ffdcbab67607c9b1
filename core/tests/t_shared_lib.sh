#!/usr/bin/env bash
# core/tests/t_shared_lib.sh — libsqlambda as a library others link:
# `make install` into a temporary prefix (and a DESTDIR staging tree) puts
# the headers, libsqlambda.so.<version> with its soname and dev symlinks,
# libsqlambda.a and sqlambda.pc in place; a program outside the tree
# (fixtures/pc_consumer.c) builds with `pkg-config --cflags --libs sqlambda`
# and runs against the shared library, and again statically with
# `pkg-config --static`; the shared library exports exactly the SQLAMBDA_API
# functions of the public headers (nm -D), every function those headers
# declare is marked SQLAMBDA_API, and internal helpers are unreachable.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$top/core/build}
CC=${CC:-cc}
tmp=$(mktemp -d /tmp/sqlambda-shlib.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ver=$(cat "$top/VERSION")  # the project's one version number

P=$tmp/prefix
make -s -C "$top/core" install BUILD="$B" SAN="${SQLAMBDA_SAN:-}" PREFIX="$P" >"$tmp/install.log" 2>&1
mk_rc=$?
check "make install PREFIX=... succeeds" test $mk_rc -eq 0
[ $mk_rc -eq 0 ] || sed 's/^/# /' "$tmp/install.log"
for f in include/sqlambda.h include/sqlambda_redshift.h lib/libsqlambda.so.$ver lib/libsqlambda.a \
         lib/pkgconfig/sqlambda.pc; do
  check "installed $f" test -f "$P/$f"
done
is "libsqlambda.so.0 -> libsqlambda.so.$ver" "$(readlink "$P/lib/libsqlambda.so.0")" "libsqlambda.so.$ver"
is "libsqlambda.so -> libsqlambda.so.0" "$(readlink "$P/lib/libsqlambda.so")" "libsqlambda.so.0"
soname=$(readelf -d "$P/lib/libsqlambda.so.$ver" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
is "soname is libsqlambda.so.0" "$soname" "libsqlambda.so.0"

export PKG_CONFIG_PATH=$P/lib/pkgconfig
is "pkg-config --modversion sqlambda" "$(pkg-config --modversion sqlambda 2>&1)" "$ver"
like "pkg-config --static names curl, jansson, libcrypto" "$(pkg-config --static --libs sqlambda 2>&1)" \
  '-lcurl.*-ljansson.*-lcrypto'

# a consumer linked against the shared library
# shellcheck disable=SC2046,SC2086
$CC ${SQLAMBDA_SAN:-} -std=c11 -Wall -Werror -o "$tmp/consumer" "$top/core/tests/fixtures/pc_consumer.c" \
  $(pkg-config --cflags --libs sqlambda) >"$tmp/cc.log" 2>&1
cc_rc=$?
check "consumer builds with pkg-config --cflags --libs sqlambda" test $cc_rc -eq 0
[ $cc_rc -eq 0 ] || sed 's/^/# /' "$tmp/cc.log"
like "consumer needs libsqlambda.so.0" "$(readelf -d "$tmp/consumer" 2>&1)" 'NEEDED.*\[libsqlambda\.so\.0\]'
out=$(LD_LIBRARY_PATH=$P/lib ${SQLAMBDA_WRAP:-} "$tmp/consumer" 2>&1)
check "consumer runs" test $? -eq 0
like "consumer loaded the installed library" "$(LD_LIBRARY_PATH=$P/lib LD_DEBUG=libs "$tmp/consumer" 2>&1)" \
  "calling init: $P/lib/libsqlambda.so.0"
like "sqlambda_version() is the header's" "$out" "version $ver header $ver"
like "sqlambda_status_name" "$out" 'status Throttled'
like "sqlambda_parse_function on an ARN" "$out" 'parse OK my-fn prod eu-west-1 123456789012'
like "sqlambda_check_region names the bad value" "$out" 'check_region InvalidRequest: .*us-east-1@evil'
like "sqlambda_validate applies the allowlist" "$out" 'validate NotAllowed'
like "sqlambda_redshift_reply_check" "$out" 'redshift 0'
like "sqlambda_fmt is not reachable" "$out" 'internal sqlambda_fmt hidden'
like "sqlambda_buf_append is not reachable" "$out" 'internal sqlambda_buf_append hidden'

# the same program with libsqlambda.a linked in (as the adapters do) and the
# libraries sqlambda.pc says it requires (their shared versions: the static
# closure of libcurl is not installed here)
static_libs="$(pkg-config --libs sqlambda | sed "s|-lsqlambda|$P/lib/libsqlambda.a|") \
  $(pkg-config --libs $(pkg-config --print-requires-private sqlambda)) -lpthread"
# shellcheck disable=SC2046,SC2086
$CC ${SQLAMBDA_SAN:-} -std=c11 -o "$tmp/consumer_static" "$top/core/tests/fixtures/pc_consumer.c" \
  $(pkg-config --cflags sqlambda) $static_libs >"$tmp/cc2.log" 2>&1
cc_rc=$?
check "consumer links libsqlambda.a and sqlambda.pc's Requires.private" test $cc_rc -eq 0
[ $cc_rc -eq 0 ] || sed 's/^/# /' "$tmp/cc2.log"
like "static consumer runs without libsqlambda.so" "$(${SQLAMBDA_WRAP:-} "$tmp/consumer_static" 2>&1)" \
  'validate NotAllowed'

# exports: exactly the SQLAMBDA_API functions of the public headers
hdrs="$top/core/include/sqlambda.h $top/core/include/sqlambda_redshift.h"
# shellcheck disable=SC2086
unmarked=$(grep -hE '^[A-Za-z_].*\bsqlambda_[a-z0-9_]+\(' $hdrs | grep -vE '^(typedef|SQLAMBDA_API|#)')
is "every function in the public headers is marked SQLAMBDA_API" "$unmarked" ""
# shellcheck disable=SC2086
declared=$(grep -hoE '^SQLAMBDA_API .*\bsqlambda_[a-z0-9_]+\(' $hdrs | grep -oE 'sqlambda_[a-z0-9_]+\($' |
           tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$P/lib/libsqlambda.so.$ver" | awk '{print $3}' | sort -u)
is "libsqlambda.so exports exactly the declared API" "$exported" "$declared"
other=$(printf '%s\n' "$exported" | grep -v '^sqlambda_')
is "libsqlambda.so exports nothing without the sqlambda_ prefix" "$other" ""
for internal in sqlambda_fmt sqlambda_buf_append sqlambda_now_ms; do
  if printf '%s\n' "$exported" | grep -qx "$internal"; then not_ok "$internal is hidden"; else ok "$internal is hidden"; fi
done
globals=$(nm "$B/libsqlambda.a" 2>/dev/null | awk 'NF==3 && $2 ~ /^[A-TV-Z]$/ {print $3}' | grep -v '^sqlambda_' | sort -u)
is "libsqlambda.a defines no global without the sqlambda_ prefix" "$globals" ""

# DESTDIR staging (what a package build does): files under DESTDIR, paths in
# the .pc file without it
D=$tmp/dest
make -s -C "$top/core" install BUILD="$B" SAN="${SQLAMBDA_SAN:-}" DESTDIR="$D" PREFIX=/usr \
  LIBDIR=/usr/lib/x86_64-linux-gnu >"$tmp/install2.log" 2>&1
mk_rc=$?
check "make install DESTDIR=... PREFIX=/usr succeeds" test $mk_rc -eq 0
[ $mk_rc -eq 0 ] || sed 's/^/# /' "$tmp/install2.log"
check "DESTDIR: the library is staged" test -f "$D/usr/lib/x86_64-linux-gnu/libsqlambda.so.$ver"
check "DESTDIR: the header is staged" test -f "$D/usr/include/sqlambda.h"
pc=$D/usr/lib/x86_64-linux-gnu/pkgconfig/sqlambda.pc
like "DESTDIR: sqlambda.pc names the final prefix" "$(grep '^prefix=' "$pc" 2>&1)" '^prefix=/usr$'
like "DESTDIR: sqlambda.pc names the final libdir" "$(grep '^libdir=' "$pc" 2>&1)" '^libdir=/usr/lib/x86_64-linux-gnu$'
if grep -q "$D" "$pc" 2>/dev/null; then not_ok "DESTDIR: sqlambda.pc does not mention DESTDIR"; else ok "DESTDIR: sqlambda.pc does not mention DESTDIR"; fi
tap_exit
