#!/usr/bin/env bash
# packaging/tests/t_install.sh — the top-level `make install` installs every
# part, the PostgreSQL extension included (it used to skip postgres/, whose
# install target comes from PGXS, so CREATE EXTENSION failed after `make &&
# make install`), and honours DESTDIR and PREFIX: staged into a temporary
# DESTDIR with PREFIX=/opt/sqlambda, every expected file is there and
# nothing lands outside DESTDIR. A few seconds once the tree is built.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
tmp=$(mktemp -d /tmp/sqlambda-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
version=$(cat "$top/VERSION")
D=$tmp/dest P=/opt/sqlambda

make -s -C "$top" install DESTDIR="$D" PREFIX="$P" >"$tmp/install.log" 2>&1
rc=$?
is "make install DESTDIR=... PREFIX=$P exits 0" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$tmp/install.log" | tail -20

pkglib=$(pg_config --pkglibdir) share=$(pg_config --sharedir)/extension
plugin=$(mariadbd --verbose --help 2>/dev/null | awk '$1=="plugin-dir"{print $2}')
plugin=${plugin%/}
for f in \
  "$pkglib/aws_lambda.so" \
  "$share/aws_lambda.control" "$share/aws_commons.control" \
  "$share/aws_lambda--$version.sql" "$share/aws_commons--$version.sql" \
  "$share/aws_lambda--1.0.sql" "$share/aws_lambda--1.0--$version.sql" \
  "$plugin/aws_lambda_udf.so" \
  "$P/bin/sqlambda" "$P/share/man/man1/sqlambda.1" \
  "$P/lib/libsqlambda.so.0" "$P/lib/libsqlambda.so" "$P/lib/libsqlambda.a" \
  "$P/include/sqlambda.h" "$P/lib/pkgconfig/sqlambda.pc"; do
  check "installed $f" test -e "$D$f"
done
like "aws_lambda.control's default_version is VERSION's" \
  "$(grep default_version "$D$share/aws_lambda.control" 2>&1)" "'$version'"
like "sqlambda.pc names PREFIX" "$(grep '^prefix=' "$D$P/lib/pkgconfig/sqlambda.pc" 2>&1)" "^prefix=$P\$"
is "the installed sqlambda runs: --version" \
  "$("$D$P/bin/sqlambda" --version 2>&1 | awk 'NR == 1 {print $1, $2}')" "sqlambda $version"
# every file went under DESTDIR: the staging tree holds only these roots
is "nothing outside PREFIX, pg_config's and the plugin dirs" \
  "$(cd "$D" && find . -type f | grep -v -e "^\.$P/" -e "^\.$pkglib/" -e "^\.$share/" -e "^\.$plugin/" | head -5)" ""
tap_exit
