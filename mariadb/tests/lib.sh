# mariadb/tests/lib.sh — shared setup for the plugin's TAP tests (source it):
# a scratch dir removed on exit, moto_server, core's fault server, throwaway
# MariaDB servers loading the freshly built plugin, and query helpers.
# Every process started here is stopped by the EXIT trap.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
build=${SQLAMBDA_MARIADB_BUILD:-$top/mariadb/build}
work=$(mktemp -d /tmp/sqlambda-mariadb-test.XXXXXX)
FAULT_PID=
DBS=()

cleanup() {
  [ -n "$FAULT_PID" ] && kill "$FAULT_PID" 2>/dev/null
  for d in "${DBS[@]}"; do "$top/scripts/mariadb-stop" "$d" >/dev/null 2>&1; done
  [ -d "$work/moto" ] && "$top/scripts/moto-stop" "$work/moto" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# start_moto: exports MOTO_URL, MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, ...
start_moto() {
  local out
  out=$("$top/scripts/moto-start" "$work/moto" 2>"$work/moto.err") || { cat "$work/moto.err" >&2; return 1; }
  eval "$out"
}

# start_fault [fault_server options]: core's misbehaving Lambda endpoint
# (e.g. --verify-secret S: check every signature with botocore); exports FAULT_URL.
start_fault() {
  python3 "$top/core/tests/fault_server.py" --port-file "$work/fault.port" "$@" >"$work/fault.log" 2>&1 &
  FAULT_PID=$!
  for _ in $(seq 1 100); do [ -s "$work/fault.port" ] && break; sleep 0.05; done
  [ -s "$work/fault.port" ] || return 1
  FAULT_URL=http://127.0.0.1:$(cat "$work/fault.port")
}
fault_count() { # fault_count NAME: attempts the fault server saw for NAME
  curl -fs "$FAULT_URL/_counts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attempts"].get(sys.argv[1], 0))' "$1"
}
fault_stat() { # fault_stat KEY: a top-level number of /_counts (e.g. sig_failures)
  curl -fs "$FAULT_URL/_counts" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$1"
}

# start_db NAME [VAR=value ...] [-- mariadbd options]: a server whose
# environment is this shell's plus the assignments, with the plugin installed (sql/install.sql). Sets
# SOCK (and DB_DIR) for q/qu; creates database t, which q/qu use.
start_db() {
  local name=$1; shift
  local out envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift # the rest: mariadbd options
  # SQLAMBDA_MARIADB_SERVER_ENV: extra VAR=value words for the server only
  # (make check-asan preloads the sanitizer runtime this way).
  # shellcheck disable=SC2086
  out=$(env "${envs[@]}" ${SQLAMBDA_MARIADB_SERVER_ENV:-} "$top/scripts/mariadb-start" "$work/$name" "$build" -- "$@" 2>"$work/$name.err") ||
    { cat "$work/$name.err" >&2; return 1; }
  DBS+=("$work/$name")
  DB_ENVS=("${envs[@]}")
  eval "$out"
  SOCK=$MARIADB_SOCKET DB_DIR=$work/$name
  q_root <"$top/mariadb/sql/install.sql" && q_root -e 'CREATE DATABASE t'
}
# restart_db [--defaults-file=FILE] [mariadbd options]: stops the server
# of the last start_db (data kept) and starts it again on the same data
# dir, socket, port and environment, loading what mysql.plugin and
# mysql.func register. With --defaults-file it reads that option file (as
# a my.cnf would be read) instead of none. Returns 1 if it does not come up.
restart_db() {
  local defaults=--no-defaults run_as=()
  case "${1:-}" in --defaults-file=*) defaults=$1; shift ;; esac
  local old_pid
  old_pid=$(cat "$DB_DIR/server.pid" 2>/dev/null)
  KEEP_MARIADB_DIR=1 "$top/scripts/mariadb-stop" "$DB_DIR" >/dev/null 2>&1
  # mariadb-stop may have had to KILL it: wait until it is gone (port free)
  for _ in $(seq 1 100); do [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
  [ "$(id -u)" -eq 0 ] && run_as=(--user=root)
  # shellcheck disable=SC1091
  . "$DB_DIR/env"
  # shellcheck disable=SC2086
  env "${DB_ENVS[@]}" ${SQLAMBDA_MARIADB_SERVER_ENV:-} mariadbd "$defaults" "${run_as[@]}" \
    --datadir="$DB_DIR/data" --tmpdir="$DB_DIR/tmp" --socket="$SOCK" --port="$MARIADB_PORT" --bind-address=127.0.0.1 \
    --pid-file="$DB_DIR/mysqld.pid" --log-error="$DB_DIR/error.log" --plugin-dir="$build" \
    --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
    --max-connections=200 --max-allowed-packet=64M "$@" >>"$DB_DIR/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$DB_DIR/server.pid"
  for _ in $(seq 1 600); do
    q_root -e 'SELECT 1' >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "# the server did not come up; end of its error log:"
  tail -15 "$DB_DIR/error.log" | sed 's/^/#   /'
  return 1
}
# fault_connections: connections the fault server has accepted so far,
# this query's own included (so an idle server adds 1 per look)
fault_connections() { fault_stat connections; }

# moto's credentials and endpoint, as the server's environment
moto_env() {
  echo AWS_ENDPOINT_URL="$MOTO_URL" AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" \
    AWS_SECRET_ACCESS_KEY="$MOTO_SECRET_ACCESS_KEY" AWS_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
}

q_root() { mariadb --no-defaults --socket="$SOCK" -uroot "$@"; }
# q SQL: one statement's result rows (tab-separated), or the error text;
# stderr folded in so tests can match error messages.
q() { mariadb --no-defaults --socket="$SOCK" -uroot -D t -N -B -e "$1" 2>&1; }
# qu USER SQL: the same as another user (no password, database t)
qu() { mariadb --no-defaults --socket="$SOCK" -u"$1" -D t -N -B -e "$2" 2>&1; }
server_alive() { q 'SELECT 1' | grep -qx 1; }
# no_crash: TAP line: the server's error log has no crash, assertion or
# sanitizer report
no_crash() {
  if grep -q 'got signal\|Assertion\|AddressSanitizer\|runtime error:\|LeakSanitizer' "$DB_DIR/error.log"; then
    not_ok "no crash or sanitizer report in the error log"; grep -m5 -A5 'signal\|Assertion\|Sanitizer\|runtime error' "$DB_DIR/error.log" | sed 's/^/#   /'
  else ok "no crash or sanitizer report in the error log"; fi
}
