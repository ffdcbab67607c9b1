# lib_bulk_serve.sh — for t_bulk*.sh and bench/postgres_bulk.sh (source it
# after scripts/lib/tap.sh): bulk_serve_start DIR [serve options] starts
# `sqlambda serve` on a free loopback port with postgres/test/bulk_functions,
# checking every request's SigV4 signature against $AWS_ACCESS_KEY_ID /
# $AWS_SECRET_ACCESS_KEY, logging (--verbose) to DIR/serve.err; sets
# BULK_SERVE_URL and BULK_SERVE_PID. bulk_serve_stop stops it.
bulk_serve_bin() {
  local top; top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  for b in "$top/cli/build/sqlambda" "$top/runtime/build/tests/tool_serve"; do
    [ -x "$b" ] && { case $b in *sqlambda) echo "$b serve" ;; *) echo "$b" ;; esac; return 0; }
  done
  make -s -C "$top/cli" >/dev/null 2>&1 && [ -x "$top/cli/build/sqlambda" ] && echo "$top/cli/build/sqlambda serve"
}
bulk_serve_start() {
  local dir=$1; shift
  local here bin; here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  bin=$(bulk_serve_bin) || return 1
  printf '%s %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$dir/serve.creds"
  chmod 600 "$dir/serve.creds"
  : >"$dir/serve.out"
  $bin --functions "$here/bulk_functions" --listen 127.0.0.1:0 --credentials "$dir/serve.creds" \
    --verbose "$@" >"$dir/serve.out" 2>"$dir/serve.err" &
  BULK_SERVE_PID=$!
  for _ in $(seq 1 100); do grep -q '^listening on' "$dir/serve.out" && break; sleep 0.05; done
  BULK_SERVE_URL=$(sed -n 's/^listening on //p' "$dir/serve.out")
  [ -n "$BULK_SERVE_URL" ]
}
bulk_serve_stop() {
  [ -n "${BULK_SERVE_PID:-}" ] || return 0
  kill -TERM "$BULK_SERVE_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$BULK_SERVE_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$BULK_SERVE_PID" 2>/dev/null
  wait "$BULK_SERVE_PID" 2>/dev/null
  BULK_SERVE_PID=
}
