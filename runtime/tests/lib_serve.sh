# lib_serve.sh — shell helpers for runtime/tests/t_*.sh (source it after
# scripts/lib/tap.sh): start_serve ARGS... starts the tool_serve driver on a
# free port (sets SERVE_URL, SERVE_PID, SERVE_DIR); stop_serve stops it.
# An EXIT trap stops the server and removes the temp dir.
SERVE_BIN=${SQLAMBDA_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}/tests/tool_serve
SERVE_DIR=$(mktemp -d /tmp/sqlambda-rt-sh.XXXXXX)
SERVE_PID=
stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$SERVE_PID" 2>/dev/null
  wait "$SERVE_PID" 2>/dev/null
  SERVE_PID=
}
trap 'stop_serve; rm -rf "$SERVE_DIR"' EXIT
# functions dir: runtime/tests/functions plus the seed's lambdaTest
serve_functions() {
  local d=$SERVE_DIR/functions here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$d"
  for f in "$here"/functions/*; do ln -sfn "$f" "$d/$(basename "$f")"; done
  ln -sfn "$here/../../samples/functions/lambdaTest" "$d/lambdaTest"
  echo "$d"
}
start_serve() {
  : >"$SERVE_DIR/out"
  "$SERVE_BIN" --listen 127.0.0.1:0 "$@" >"$SERVE_DIR/out" 2>"$SERVE_DIR/err" &
  SERVE_PID=$!
  for _ in $(seq 1 100); do grep -q '^listening on' "$SERVE_DIR/out" && break; sleep 0.05; done
  SERVE_URL=$(sed -n 's/^listening on //p' "$SERVE_DIR/out")
  [ -n "$SERVE_URL" ]
}
