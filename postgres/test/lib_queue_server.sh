# postgres/test/lib_queue_server.sh — the set-up the delivery tests share
# (source it after scripts/lib/tap.sh, with $top set): a work directory
# removed on exit, the recording endpoint test/queue_sink.py, a throwaway
# PostgreSQL with the library preloaded and pointed at the sink, and the
# helpers every such test uses.
#   qs_begin NAME              $tmp = mktemp -d /tmp/aws_lambda-NAME.XXXXXX, readable by
#                              the server's user; the server and sink stop, $tmp goes, on exit
#   qs_sink [--control]        starts the sink (log $tmp/sink.log, stderr $tmp/sink.err; with
#                              --control its control directory $tmp/ctl); sets sink_port
#   qs_pg_start WHAT SETTING…  starts PostgreSQL in $tmp/pg (shared_preload_libraries,
#                              endpoint_override = the sink, lc_messages=C, then SETTINGs) and
#                              takes its environment; on failure "not ok - WHAT: server starts"
#                              and exit
#   sq ARGS…                   psql -X -At -v ON_ERROR_STOP=1, its errors on stdout
#   wait_until SECS CMD…       true once CMD succeeds (polled every 50 ms), false after SECS
#   qs_log_tail N              the server log's last N lines as TAP comments
# QS_KEEP=1 keeps $tmp (the server's log and data) for a look.

qs_begin() {
  tmp=$(mktemp -d "/tmp/aws_lambda-$1.XXXXXX")
  sink_pid=
  trap qs_cleanup EXIT
  chmod o+x "$tmp"
}

qs_cleanup() {
  "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  if [ -n "${QS_KEEP:-}" ]; then echo "# kept $tmp (QS_KEEP)"; else rm -rf "$tmp"; fi
}
# qs_log_tail N: the server log's last N lines as TAP comments (after a failure)
qs_log_tail() { tail -n "$1" "$tmp/pg/server.log" 2>/dev/null | sed 's/^/#   log: /'; }

qs_sink() {
  local control=()
  if [ "${1:-}" = --control ]; then
    mkdir -p "$tmp/ctl"
    chmod 777 "$tmp/ctl"
    control=(--control "$tmp/ctl")
  fi
  python3 "$top/postgres/test/queue_sink.py" --port-file "$tmp/sink.port" --log "$tmp/sink.log" \
    "${control[@]}" 2>"$tmp/sink.err" &
  sink_pid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/sink.port" ] && break; sleep 0.05; done
  sink_port=$(cat "$tmp/sink.port")
}

qs_pg_start() {
  local what=$1; shift
  : "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
  "$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
    "aws_lambda.endpoint_override=http://127.0.0.1:$sink_port" lc_messages=C "$@" >/dev/null ||
    { not_ok "$what: server starts"; exit 1; }
  source "$tmp/pg/env"
  export PGDATABASE=postgres
}

sq() { psql -X -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
wait_until() { local t=$1; shift; for _ in $(seq 1 $((t * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
