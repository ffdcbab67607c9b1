#!/usr/bin/env bash
# packaging/tests/t_deb.sh — the Debian packages end to end: make deb
# (packaging/build-deb) builds them with lintian clean of errors, their
# versions agree with VERSION; they install on this machine (dpkg -i);
# a fresh cluster started from the packaged files creates the extension
# and runs the seed's SELECT awslambda_fn(...), a MariaDB server loads the
# packaged plugin and runs its awslambda_fn, both against the packaged
# `sqlambda serve` running samples/functions with signatures checked; then
# the packages are purged and nothing they installed is left. Files the
# packages overwrite (e.g. the extension installed from the tree by `make
# -C postgres install`, which the other tests use) are saved first and put
# back at the end, whatever happens. Takes about 1.5 minutes (the build).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
work=$(mktemp -d /tmp/sqlambda-deb-test.XXXXXX)
chmod 755 "$work"
version=$(cat "$top/VERSION")
out=$work/deb
serve_pid=
installed=()

restore() { # put back what the packages overwrote (saved before dpkg -i)
  [ -f "$work/saved.list" ] || return 0
  while IFS= read -r f; do
    mkdir -p "$(dirname "$f")"; cp -a "$work/saved$f" "$f"
  done <"$work/saved.list"
  rm -f "$work/saved.list"
}
cleanup() {
  "$top/scripts/pg-stop" "$work/pg" >/dev/null 2>&1
  "$top/scripts/mariadb-stop" "$work/maria" >/dev/null 2>&1
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
  for p in "${installed[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed && dpkg --purge "$p" >/dev/null 2>&1
  done
  restore
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
  ok "t_deb # SKIP installs packages with dpkg -i: needs root (CI runs as root)"
  exit 0
fi

# --- one version everywhere
is "debian/changelog's version is VERSION's" \
  "$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)" "$version"
check "debian/control is up to date with debian/control.in (pg_buildext checkcontrol)" \
  bash -c "cd '$top' && pg_buildext checkcontrol"

# --- a release is built from commits only: a clone with a stray file is refused
git clone -q "$top" "$work/clone" && echo stray >"$work/clone/stray.c"
msg=$(env -u SQLAMBDA_DEB_DIRTY "$work/clone/packaging/build-deb" "$work/dirty-out" 2>&1) && rc=0 || rc=$?
like "make deb refuses a tree with untracked files, naming them (exit $rc)" "$rc $(printf "%s" "$msg" | tr "\n" " ")" \
  '^1 build-deb: the tree has uncommitted or untracked files.*stray\.c'
rm -rf "$work/clone" "$work/dirty-out"

# --- build + lintian (of this tree as it is, committed or not)
start=$SECONDS
if SQLAMBDA_DEB_DIRTY=1 "$top/packaging/build-deb" "$out" >"$work/build.log" 2>&1; then
  ok "make deb: dpkg-buildpackage and lintian without errors ($((SECONDS - start)) s)"
else
  not_ok "make deb: dpkg-buildpackage and lintian without errors"; sed 's/^/#   /' "$work/build.log" | tail -30
  exit 1
fi
if grep -q '^E: ' "$out/lintian.txt"; then
  not_ok "lintian: no E: tags"; grep '^E: ' "$out/lintian.txt" | sed 's/^/#   /'
else ok "lintian: no E: tags"; fi
grep '^W: ' "$out/lintian.txt" | sed 's/^/# lintian /'
pg_pkg=$(cd "$out" && ls postgresql-*-aws-lambda_*.deb 2>/dev/null | sed 's/_.*//' | head -1)
pgver=$(echo "$pg_pkg" | sed 's/^postgresql-\([0-9]*\)-.*/\1/')
pkgs=(libsqlambda0 libsqlambda-dev sqlambda "$pg_pkg" mariadb-plugin-aws-lambda)
for p in "${pkgs[@]}"; do
  f=$(ls "$out/${p}_"*.deb 2>/dev/null | head -1)
  is "package $p built, version $version" "$(dpkg-deb -f "$f" Package Version 2>&1 | tr '\n' ' ')" \
    "Package: $p Version: $version "
done

# --- install (saving what they overwrite first)
for p in "${pkgs[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed'; then
    not_ok "$p is not installed before the test (purge it: dpkg --purge $p)"; exit 1
  fi
done
mkdir -p "$work/saved"
for f in "$out"/*.deb; do dpkg-deb --fsys-tarfile "$f" | tar -tf - ; done | sed 's|^\.||' | sort -u |
  while IFS= read -r f; do
    [ -n "$f" ] && [ -e "$f" ] && [ ! -d "$f" ] || continue
    mkdir -p "$work/saved$(dirname "$f")"; cp -a "$f" "$work/saved$f"; echo "$f"
  done >"$work/saved.list"
installed=("${pkgs[@]}")
if dpkg -i "$out"/*.deb >"$work/dpkg.log" 2>&1; then ok "dpkg -i of the five packages"
else not_ok "dpkg -i of the five packages"; sed 's/^/#   /' "$work/dpkg.log"; exit 1; fi
for p in "${pkgs[@]}"; do
  check "$p: installed files match the package (dpkg --verify)" test -z "$(dpkg --verify "$p" 2>&1)"
done
is "/usr/bin/sqlambda --version" "$(/usr/bin/sqlambda --version 2>&1 | awk 'NR == 1 {print $1, $2}')" "sqlambda $version"
check "man finds sqlambda(1)" bash -c "man -w sqlambda | grep -q '^/usr/share/man/man1/sqlambda.1'"
check "the sqlambda-serve unit is installed" test -f /lib/systemd/system/sqlambda-serve.service
unit=/lib/systemd/system/sqlambda-serve.service
check "the sqlambda-serve unit parses with no unknown or invalid keys" bash -c \
  "! systemd-analyze verify $unit 2>&1 | grep -iE 'unknown|invalid|failed to parse'"
check "the sqlambda-serve unit denies instance metadata, ECS and EKS credential endpoints (IPv4 and IPv6)" \
  grep -qx 'IPAddressDeny=link-local fd00:ec2::/64' "$unit"
exposure=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
check "the sqlambda-serve unit's exposure level is at most 2.5 (systemd-analyze security: $exposure)" \
  awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.5) }'
check "the sqlambda-serve unit is not enabled" bash -c \
  "! ls /etc/systemd/system/*.wants/sqlambda-serve.service 2>/dev/null | grep -q ."
check "pkg-config finds the installed libsqlambda at $version" \
  bash -c "[ \"\$(pkg-config --modversion sqlambda)\" = '$version' ]"

# --- the packaged serve, PostgreSQL extension and MariaDB plugin
# Started by the unit's own ExecStart line (systemd's $$ is the shell's $),
# with the environment systemd gives it: the keys as a LoadCredential= file
# and options from /etc/default that do not mention --credentials.
mkdir -p "$work/creds"
printf 'AKIDDEBTEST debtest-secret\n' >"$work/creds/serve-keys"; chmod 600 "$work/creds/serve-keys"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed 's/\$\$/$/g')
env SQLAMBDA_FUNCTIONS="$top/samples/functions" SQLAMBDA_LISTEN=127.0.0.1:0 SQLAMBDA_SERVE_OPTS=--verbose \
  CREDENTIALS_DIRECTORY="$work/creds" bash -c "exec $exec_start" >"$work/serve.log" 2>&1 &
serve_pid=$!
url=
for _ in $(seq 1 100); do url=$(sed -n 's/^listening on //p' "$work/serve.log"); [ -n "$url" ] && break; sleep 0.05; done
like "packaged sqlambda serve listens (started by the unit's ExecStart)" "$url" '^http://127\.0\.0\.1:[0-9]+$'
is "the unit's serve checks signatures with the LoadCredential keys, SQLAMBDA_SERVE_OPTS set (unsigned: 403)" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$url/2015-03-31/functions/")" 403
export AWS_ACCESS_KEY_ID=AKIDDEBTEST AWS_SECRET_ACCESS_KEY=debtest-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA AWS_DEFAULT_REGION

if out_pg=$("$top/scripts/pg-start" "$work/pg" shared_preload_libraries=aws_lambda \
     "aws_lambda.endpoint_override=$url" lc_messages=C 2>&1); then
  eval "$out_pg" >/dev/null
  ok "a fresh cluster starts with shared_preload_libraries=aws_lambda from $pg_pkg"
  psqlq() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@" 2>&1; }
  is "CREATE EXTENSION aws_lambda CASCADE (version $version)" \
    "$(psqlq -c 'CREATE EXTENSION aws_lambda CASCADE' -c "SELECT extversion FROM pg_extension WHERE extname = 'aws_lambda'")" "$version"
  check "the server loaded $(pg_config --pkglibdir)/aws_lambda.so of the package" \
    bash -c "grep -q ' /usr/lib/postgresql/$pgver/lib/aws_lambda.so' /proc/$PG_PID/maps"
  is "the seed's SELECT awslambda_fn('lambdaTest', ...)" \
    "$(psqlq -c 'SET search_path = aws_lambda, public' -c "SELECT awslambda_fn('lambdaTest', '{\"name\":\"bob\"}')")" \
    '{"Status": "OK", "name": "bob"}'
else
  not_ok "a fresh cluster starts with shared_preload_libraries=aws_lambda from $pg_pkg"; echo "$out_pg" | sed 's/^/#   /'
fi
"$top/scripts/pg-stop" "$work/pg" >/dev/null 2>&1

if out_m=$(AWS_ENDPOINT_URL=$url "$top/scripts/mariadb-start" "$work/maria" /usr/lib/mysql/plugin 2>&1); then
  eval "$out_m" >/dev/null
  mq() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot -N -B "$@" 2>&1; }
  check "MariaDB: the packaged install.sql registers the plugin and UDFs" \
    bash -c "mariadb --no-defaults --socket='$MARIADB_SOCKET' -uroot </usr/share/mariadb-plugin-aws-lambda/install.sql"
  is "MariaDB: SELECT awslambda_fn('lambdaTest', ...)" \
    "$(mq -e "SELECT awslambda_fn('lambdaTest', '{\"name\":\"bob\"}')")" '{"Status": "OK", "name": "bob"}'
  check "MariaDB loaded /usr/lib/mysql/plugin/aws_lambda_udf.so of the package" \
    bash -c "grep -q ' /usr/lib/mysql/plugin/aws_lambda_udf.so' /proc/$MARIADB_PID/maps"
else
  not_ok "MariaDB starts with the packaged plugin dir"; echo "$out_m" | sed 's/^/#   /'
fi
"$top/scripts/mariadb-stop" "$work/maria" >/dev/null 2>&1
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; serve_pid=
like "serve checked every signature (one 403 in its log: the unsigned probe)" "$(grep -c ' 403 ' "$work/serve.log")" '^1$'

# --- purge: nothing left
for p in "${pkgs[@]}"; do dpkg -L "$p"; done 2>/dev/null | sort -u >"$work/files.list"
dpkg-query -W -f='${Conffiles}\n' "${pkgs[@]}" 2>/dev/null | awk 'NF {print $1}' >>"$work/files.list"
if dpkg --purge "${pkgs[@]}" >"$work/purge.log" 2>&1; then ok "dpkg --purge of the five packages"
else not_ok "dpkg --purge of the five packages"; sed 's/^/#   /' "$work/purge.log"; fi
left=$(dpkg -l "${pkgs[@]}" 2>/dev/null | awk '/^[a-z][a-z] /{print $1, $2}' | grep -v '^un ')
is "dpkg -l shows none of the packages after the purge" "$left" ""
stale=$(while IFS= read -r f; do
  if [ -d "$f" ]; then
    # a directory may stay only if another package owns it or it holds other files
    dpkg -S "$f" >/dev/null 2>&1 || [ -n "$(ls -A "$f")" ] || echo "$f"
  elif [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi
done <"$work/files.list")
is "no file or directory of the packages is left after the purge ($(wc -l <"$work/files.list") paths)" "$stale" ""
check "the serve unit's state is gone" bash -c "! ls /var/lib/systemd/deb-systemd-helper-*/sqlambda-serve.service* 2>/dev/null | grep -q ."
installed=()
nsaved=$(wc -l <"$work/saved.list")
restore
ok "restored the $nsaved files the packages had replaced"
tap_exit
