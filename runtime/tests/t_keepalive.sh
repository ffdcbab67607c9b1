#!/usr/bin/env bash
# t_keepalive.sh — a warm worker keeps its Runtime API connection from one
# event to the next (Lambda's runtimes do; a connection per event costs a
# connect, a close and a server thread). Checked from /proc: the worker's
# socket inodes do not change across invocations.
source "$(dirname "$0")/../../scripts/lib/tap.sh"
source "$(dirname "$0")/lib_serve.sh"

start_serve --functions "$(serve_functions)" || { not_ok "serve starts"; tap_exit; }
invoke() { curl -fs -X POST -d '{"name":"bob"}' "$SERVE_URL/2015-03-31/functions/lambdaTest/invocations"; }
sockets() { # the socket inodes a process holds, sorted
  for f in /proc/"$1"/fd/*; do readlink "$f" 2>/dev/null; done | grep '^socket:' | sort | tr '\n' ' '
}
is "first invocation answers" "$(invoke)" '{"Status": "OK", "name": "bob"}'
worker=$(pgrep -P "$SERVE_PID" | head -1)
[ -n "$worker" ] && ok "a warm worker process exists ($worker)" || not_ok "a warm worker process exists"
s1=$(sockets "$worker")
for _ in $(seq 1 10); do invoke >/dev/null; done
s2=$(sockets "$worker")
is "the same worker served 10 more events" "$(pgrep -P "$SERVE_PID" | head -1)" "$worker"
if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then ok "the worker's Runtime API connection is kept alive across events"
else not_ok "the worker's Runtime API connection is kept alive across events (sockets before: '$s1', after: '$s2')"; fi
tap_exit
