#!/usr/bin/env bash
# t_fanout.sh — core's event loop at Lambda's scale (issue 16), driven by
# tool_fanout against a loopback nginx that holds every answer 200 ms and
# echoes the request body (scripts/nginx-start NGINX_SLEEP): 1,000 calls in
# flight all complete with their own payload while the wait hook is given
# one fd; a cancel with 1,000 in flight returns at once, and so does
# sqlambda_multi_cancel outside a run, starting none of the queued calls; a
# file-descriptor limit too low for 1,000 is a clear error (or is raised
# when the hard limit allows), never a crash; idle kept-alive sockets the
# server closes do not make the loop spin; retries fire in Retry-After order
# (fault_server.py).
# About 6 s (more under valgrind/ASan).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_fanout
W=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
spid=
# (nginx-stop's graceful QUIT would wait for the held answers: TERM first)
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  [ -n "${NGINX_PID:-}" ] && kill -TERM "$NGINX_PID" 2>/dev/null
  [ -n "${idle_pid:-}" ] && kill -TERM "$idle_pid" 2>/dev/null
  "$top/scripts/nginx-stop" "$tmp/nginx" 2>/dev/null; "$top/scripts/nginx-stop" "$tmp/nginx_idle" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib_fault.sh"
clean_aws_env
slow=1; [ -n "$W" ] && slow=4; [ -n "${SQLAMBDA_SAN:-}" ] && slow=3

eval "$(NGINX_SLEEP=0.2 NGINX_HANG=30 NGINX_CONNECTIONS=4096 "$top/scripts/nginx-start" "$tmp/nginx")" >/dev/null ||
  { not_ok "nginx with echo_sleep started"; exit 1; }
# run ARGS...: tool_fanout (under $SQLAMBDA_WRAP) into $out; a crash,
# sanitizer report or valgrind error fails.
run() {
  out=$($W "$B" "$@" 2>"$tmp/err"); local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_fanout $* exited $rc"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
num_lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 < b + 0)}'; }

# --- 2,000 calls, 1,000 in flight
run "$NGINX_URL" many 2000 1000
is "1,000 in flight: all 2,000 calls came back with their own payload" "$(f good)/$(f bad)" "2000/0"
[ "$(f bad)" = 0 ] || echo "#   first failure: $(f first_bad)"
is "the wait hook is given one fd (the epoll instance), however many calls are in flight" "$(f max_nfds)" 1
if [ "$(f peak_fds)" -ge 1000 ] 2>/dev/null; then ok "1,000 sockets were open at once ($(f peak_fds) fds at most)"
else not_ok "1,000 sockets were open at once (at most $(f peak_fds) fds)"; fi
# ideal: two rounds of 200 ms; the bound only catches a loop gone quadratic
if num_lt "$(f elapsed_ms)" $((8000 * slow)); then ok "2,000 calls at 1,000 in flight took $(f elapsed_ms) ms (ideal ~400)"
else not_ok "2,000 calls at 1,000 in flight took $(f elapsed_ms) ms (ideal ~400, bound $((8000 * slow)))"; fi
if [ "$(f fds_after_free)" -le 80 ] 2>/dev/null; then
  ok "freeing the multi gives the grown cache back: $(f fds_after_free) fds open after (was $(f peak_fds))"
else not_ok "freeing the multi gives the grown cache back: $(f fds_after_free) fds open after (<= 80 wanted)"; fi
is "the same client then runs 10 more calls" "$(f after_good)/$(f after_bad)" "10/0"
echo "# memory at 1,000 in flight: peak RSS $(f rss_kb) kB, $(f rss_after_kb) kB after the client is freed; $(f waits) waits"
if [ -z "$W" ] && [ -z "${SQLAMBDA_SAN:-}" ]; then
  if [ "$(f rss_kb)" -lt 120000 ] 2>/dev/null; then ok "peak RSS at 1,000 in flight under 120 MB ($(f rss_kb) kB)"
  else not_ok "peak RSS at 1,000 in flight under 120 MB ($(f rss_kb) kB)"; fi
fi

# --- cancel with 1,000 in flight (answers would take 30 s)
run "$NGINX_URL" cancel 1000 $((1500 * slow))
is "cancel: multi_run returns Cancelled, every call completed as cancelled" "$(f run) $(f cancelled)/$(f good)/$(f bad) left $(f left)" "Cancelled 1000/0/0 left 0"
if [ "$(f fds_at_cancel)" -ge 1000 ] 2>/dev/null; then ok "cancel: 1,000 sockets open when cancelled ($(f fds_at_cancel) fds)"
else not_ok "cancel: 1,000 sockets open when cancelled ($(f fds_at_cancel) fds)"; fi
if num_lt "$(f cancel_ms)" $((500 * slow)); then ok "cancel with 1,000 in flight returned in $(f cancel_ms) ms"
else not_ok "cancel with 1,000 in flight returned in $(f cancel_ms) ms (bound $((500 * slow)))"; fi

# --- sqlambda_multi_cancel outside a run: 150 in flight, 100 more queued
# with room for 50 of them (a cancel that started them first would count 200)
run "$NGINX_URL" cancelapi 150 200 100
is "multi_cancel: every call completed as cancelled, nothing left" "$(f run) $(f cancelled)/$(f good)/$(f bad) left $(f left)" "OK 250/0/0 left 0"
is "multi_cancel: only the 150 in flight had been started; it started none of the 100 queued" "$(f cancelled_sent)" 150
if num_lt "$(f cancel_ms)" $((500 * slow)); then ok "multi_cancel with 150 in flight returned in $(f cancel_ms) ms"
else not_ok "multi_cancel with 150 in flight returned in $(f cancel_ms) ms (bound $((500 * slow)))"; fi
if [ "$(f fds_after)" -le "$(($(f fds_before) + 3))" ] 2>/dev/null; then ok "multi_cancel closed the cancelled calls' sockets ($(f fds_before) fds before, $(f fds_after) after)"
else not_ok "multi_cancel closed the cancelled calls' sockets ($(f fds_before) fds before, $(f fds_after) after)"; fi
is "multi_cancel: the same multi then runs 10 more calls" "$(f again_good)" 10

# --- sqlambda_multi_cancel_on: the flag is raised in the done callback of
# the one call that answers, while 11 wait queued behind a slot it frees: the
# run must start none of them (without the check it starts one, then cancels)
run "$NGINX_URL" cancelflag 12 2
is "cancel_on: the run returns Cancelled; 1 answered, 12 cancelled, nothing left" "$(f run) $(f good)/$(f cancelled) left $(f left)" "Cancelled 1/12 left 0"
is "cancel_on: only the hang call already in flight had been started" "$(f cancelled_sent)" 1

# --- file-descriptor limit
run "$NGINX_URL" fdlimit 1000 128 128
is "fd limit 128 (hard 128), 1,000 wanted: sqlambda_fd_budget refuses" "$(f budget)" ConfigError
like "fd limit: the error says what is needed and the limits" "$(f budget_msg)" \
  '^1000 calls in flight need [0-9]+ file descriptors \([0-9]+ open \+ one socket per call \+ 32 spare\), over this process.s limit \(RLIMIT_NOFILE 128, hard limit 128\)$'
is "fd limit: invoke_many at 1,000 fails every call with Config, sends nothing, no crash" "$(f many_status) $(f many_config)" "ConfigError 1000"
like "fd limit: invoke_many's message is the budget's" "$(f many_msg)" 'need [0-9]+ file descriptors.*RLIMIT_NOFILE 128, hard limit 128'
run "$NGINX_URL" fdlimit 1000 64 4096
if [ "$(f budget)" = OK ] && [ "$(f soft)" -ge 1032 ] 2>/dev/null && [ "$(f soft)" -le 4096 ]; then
  ok "fd limit 64 (hard 4096): the soft limit is raised to what 1,000 calls need ($(f soft))"
else not_ok "fd limit 64 (hard 4096): raised (budget $(f budget), soft $(f soft))"; fi
# (invoke_many then really runs 1,000 calls under the raised limit)
is "fd limit raised: invoke_many at 1,000 runs" "$(f many_status) $(f many_config)" "OK 0"

# --- idle kept-alive connections stay in the epoll set (no epoll_ctl per
# call); the server closing them while a call is in flight must not make the
# loop spin (each would be readable on every wait), and they are replaced
# (a second nginx that closes connections idle for 400 ms)
main_url=$NGINX_URL main_pid=$NGINX_PID
eval "$(NGINX_SLEEP=0.01 NGINX_HANG=1.5 NGINX_KEEPALIVE=400ms NGINX_CONNECTIONS=1024 \
  "$top/scripts/nginx-start" "$tmp/nginx_idle")" >/dev/null ||
  { not_ok "nginx with keepalive_timeout 400ms started"; exit 1; }
idle_pid=$NGINX_PID idle_url=$NGINX_URL NGINX_URL=$main_url NGINX_PID=$main_pid
run "$idle_url" idle 200
kill -TERM "$idle_pid" 2>/dev/null
is "idle: 200 calls leave 200 kept-alive connections" "$(f first_good)" 200
is "idle: the call in flight while the server closes them completes" "$(f hang_good)/$(f hang_bad)" "1/0"
# a spinning loop makes tens of thousands of waits in those 1.5 s (61,000
# measured), a quiet one a few (curl's timers; 4 idle, 84 under load)
if num_lt "$(f idle_waits)" 500; then ok "idle sockets closed by the server do not make the loop spin ($(f idle_waits) waits in 1.5 s)"
else not_ok "idle sockets closed by the server make the loop spin: $(f idle_waits) waits in 1.5 s (< 500 wanted)"; fi
is "idle: 200 calls after the server closed them all succeed (new connections)" "$(f again_good)/$(f again_bad)" "200/0"

# --- retries fire in Retry-After order (backoff heap)
start_fault_server fanoutSecretNotReal
run "$URL" order 0 throttleRA2_a throttleRA1_b
like "retry after 1 s completes first" "$(f done_0)" '^throttleRA1_b Throttled [0-9]+$'
like "retry after 2 s completes second" "$(f done_1)" '^throttleRA2_a Throttled [0-9]+$'
t0=$(f done_0); t0=${t0##* }; t1=$(f done_1); t1=${t1##* }
if [ "${t0:-0}" -ge 1000 ] && [ "${t1:-0}" -ge 2000 ] && num_lt "$t1" $((2000 + 1000 * slow)); then
  ok "each retry waited its Retry-After (${t0} ms, ${t1} ms)"
else not_ok "each retry waited its Retry-After (${t0} ms, ${t1} ms)"; fi
tap_exit
