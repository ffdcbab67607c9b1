#!/usr/bin/env bash
# t_flow.sh — flow control of transactional delivery, counted at the
# endpoint (test/queue_sink.py, told per function to answer 500, 404 or
# 429 through its control directory): the circuit breaker opens after
# breaker_failures consecutive failures, sends nothing during its
# cool-down (the waiting entries burn no attempts) while a healthy
# function's entries are all delivered, probes one call at a time with a
# growing cool-down, and closes once the function recovers; pause/resume
# (kept across a worker restart); redeliver by ids and by filter;
# set_concurrency caps the calls in flight; 429 with Retry-After lowers the
# calls in flight (AIMD) instead of hammering.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin flow
qs_sink --control
qs_pg_start flow \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=200 aws_lambda.max_delivery_attempts=1000 \
  aws_lambda.max_attempts=1 aws_lambda.breaker_failures=3 aws_lambda.breaker_cooldown_ms=400 \
  aws_lambda.breaker_max_cooldown_ms=1600
# sink NAME [count|ok|code429|maxconc|probes]
sink() { python3 - "$tmp/sink.log" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
name, what = sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "count")
mine = [r for r in rows if r["name"] == name]
if what == "count": print(len(mine))
elif what == "ok": print(sum(1 for r in mine if r["code"] < 300))
elif what == "code429": print(sum(1 for r in mine if r["code"] == 429))
elif what == "maxconc": print(max([r["conc"] for r in mine] or [0]))
elif what == "maxconc_ok": print(max([r["conc"] for r in mine if r["code"] < 300] or [0]))
elif what == "probe_gaps":  # gaps between calls once they are >= 0.35 s apart
    ts = sorted(r["t"] for r in mine)
    gaps = [round(b - a, 2) for a, b in zip(ts, ts[1:])]
    while gaps and gaps[0] < 0.35: gaps.pop(0)
    print(*gaps)
elif what == "since":  # calls after time argv[4]: "n maxconc gaps..."
    later = sorted((r for r in mine if r["t"] > float(sys.argv[4])), key=lambda r: r["t"])
    gaps = [round(b["t"] - a["t"], 2) for a, b in zip(later, later[1:])]
    print(len(later), max([r["conc"] for r in later] or [0]), *gaps)
PY
}
ok_is() { [ "$(sink "$1" ok)" = "$2" ]; }
status_of() { sq -c "SELECT $2 FROM aws_lambda.queue_status WHERE function_name = '$1'"; }
breaker_is() { [ "$(status_of "$1" breaker)" = "$2" ]; }
now() { python3 -c 'import time; print(time.time())'; }

sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null

# 1. Circuit breaker: 'broken' answers 500 until told otherwise.
echo 500 >"$tmp/ctl/broken"
sq -c "SELECT aws_lambda.enqueue('broken', jsonb_build_object('i', g)) FROM generate_series(1, 20) g" >/dev/null
if wait_until 10 breaker_is broken open; then ok "breaker: opens after consecutive failures"
else not_ok "breaker: opens after consecutive failures ($(status_of broken "breaker || ' ' || coalesce(failures, 0)"))"; fi
like "breaker: queue_status shows since, failures >= 3 and the last error" \
  "$(status_of broken "(breaker_since IS NOT NULL) || ' ' || (failures >= 3) || ' ' || last_error")" \
  '^true true .*(500|ServiceException)'
t_open=$(now)
calls_open=$(sink broken)
# While it is open a healthy function flows at full speed.
t0=$(now)
sq -c "SELECT aws_lambda.enqueue('healthy', jsonb_build_object('i', g)) FROM generate_series(1, 300) g" >/dev/null
if wait_until 10 ok_is healthy 300; then
  ok "breaker open: all 300 entries of a healthy function are delivered ($(python3 -c "print(round($(now) - $t0, 2))") s)"
else not_ok "breaker open: all 300 entries of a healthy function are delivered ($(sink healthy ok))"; fi
is "breaker open: the healthy function went concurrently" "$(test "$(sink healthy maxconc)" -gt 1 && echo yes)" yes
sleep 2
read -r n_after maxc_after gaps <<<"$(sink broken since "$t_open")"
# Without a breaker the 20 entries would be retried every 50-200 ms:
# hundreds of calls in these seconds. With it: one probe per cool-down
# (0.4, 0.8, 1.6, 1.6 ... s).
span=$(python3 -c "print(round($(now) - $t_open, 1))")
short=$(for g in $gaps; do python3 -c "print('x' if $g < 0.35 else '')"; done | tr -d '\n')
if [ "$n_after" -ge 1 ] && [ "$n_after" -le 12 ] && [ -z "$short" ]; then ok "breaker: only probes while open, a cool-down apart ($n_after calls in $span s, gaps $gaps)"
else not_ok "breaker: only probes while open, a cool-down apart ($n_after calls in $span s, gaps $gaps)"; fi
pg=$(sink broken probe_gaps)
grows=$(python3 -c "import sys; g = [float(x) for x in sys.argv[1:4]]; print('yes' if len(g) == 3 and 0.35 <= g[0] < 0.75 <= g[1] < 1.5 <= g[2] else 'no')" $pg)
is "breaker: the cool-down doubles after each failed probe up to its cap (gaps $pg: 0.4, 0.8, 1.6, 1.6 s)" "$grows" yes

is "breaker: a probe is one call at a time" "$maxc_after" 1
# Attempts are read first, then the calls the sink saw: one probe may be
# counted in the queue and still on its way (probes go one at a time).
attempts_now=$(sq -c "SELECT max(attempts) || ' ' || sum(attempts) FROM aws_lambda.queue WHERE function_name = 'broken'")
calls_now=$(sink broken)
read -r max_att sum_att <<<"$attempts_now"
if [ -n "$max_att" ] && [ "$max_att" -le $((calls_now + 1)) ] && [ "$sum_att" -le $((calls_now + 1)) ]; then
  ok "breaker: entries waiting while it is open burn no attempts (max $max_att, sum $sum_att <= $calls_now calls + 1 in flight)"
else not_ok "breaker: entries waiting while it is open burn no attempts (max $max_att, sum $sum_att, calls $calls_now)"; fi
st=$(status_of broken breaker)
like "breaker: open or probing after failed probes" "$st" '^(open|half-open)$'
# Recovery: the next probe succeeds, the breaker closes, everything drains.
rm "$tmp/ctl/broken"
if wait_until 10 ok_is broken 20; then ok "breaker: after recovery all 20 entries are delivered"
else not_ok "breaker: after recovery all 20 entries are delivered ($(sink broken ok))"; fi
wait_until 5 breaker_is broken closed
is "breaker: closed again, failures reset" "$(status_of broken "breaker || ' ' || failures")" "closed 0"
is "breaker: nothing in dead_letter" "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter")" 0

echo "# $(date +%T)"
# 2. pause / resume.
sq -c "SELECT aws_lambda.pause('held')" >/dev/null
sq -c "SELECT aws_lambda.enqueue('held', jsonb_build_object('i', g)) FROM generate_series(1, 5) g" \
   -c "SELECT aws_lambda.enqueue('free', '{}')" >/dev/null
wait_until 5 ok_is free 1 && ok "pause: another function still flows" || not_ok "pause: another function still flows"
sleep 0.5
is "pause: nothing sent for the paused function" "$(sink held)" 0
is "pause: queue_status shows it paused with its depth" "$(status_of held "paused::text || ' ' || depth")" "true 5"
# The pause is a table row: it survives the worker's restart.
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
sq -c "SELECT pg_terminate_backend($wpid)" >/dev/null
back() { [ -n "$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker' AND pid <> $wpid")" ]; }
wait_until 15 back
sq -c "SELECT aws_lambda.enqueue('free', '{}')" >/dev/null
wait_until 5 ok_is free 2
is "pause: kept across a worker restart (still nothing sent)" "$(sink held) $(sink free ok)" "0 2"
sq -c "SELECT aws_lambda.resume('held')" >/dev/null
if wait_until 5 ok_is held 5; then ok "resume: the 5 entries are delivered"; else not_ok "resume: the 5 entries are delivered ($(sink held))"; fi
is "resume: no longer paused, no flow row left" \
  "$(status_of held paused::text) $(sq -c "SELECT count(*) FROM aws_lambda.flow WHERE function_name = 'held'")" "false 0"

echo "# $(date +%T)"
# 3. redeliver: 'redo' answers 404 (not retried: dead letters at once).
echo 404 >"$tmp/ctl/redo"
echo 404 >"$tmp/ctl/redo_other"
sq -c "SELECT aws_lambda.enqueue('redo', jsonb_build_object('i', g)) FROM generate_series(1, 4) g" \
   -c "SELECT aws_lambda.enqueue('redo_other', '{}')" >/dev/null
dead_n() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter")" = "$1" ]; }
wait_until 5 dead_n 5
rm "$tmp/ctl/redo"
first=$(sq -c "SELECT min(id) FROM aws_lambda.dead_letter WHERE function_name = 'redo'")
is "redeliver(ids): moves that dead letter back" "$(sq -c "SELECT aws_lambda.redeliver(ARRAY[$first, -1])")" 1
wait_until 5 ok_is redo 1 && ok "redeliver(ids): it is delivered" || not_ok "redeliver(ids): it is delivered ($(sink redo ok))"
is "redeliver(ids): same id, the others stay dead" \
  "$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter WHERE function_name = 'redo'")/$(sq -c "SELECT count(*) FROM aws_lambda.dead_letter WHERE id = $first")" "3/0"
is "redeliver(failed_since in the future): none" "$(sq -c "SELECT aws_lambda.redeliver(failed_since => now() + interval '1 hour')")" 0
is "redeliver(function_name): moves that function's 3" "$(sq -c "SELECT aws_lambda.redeliver(function_name => 'redo')")" 3
wait_until 5 ok_is redo 4 && ok "redeliver(function_name): all delivered" || not_ok "redeliver(function_name): all delivered ($(sink redo ok))"
is "redeliver: the other function's dead letter stays" "$(sq -c "SELECT string_agg(function_name, ',') FROM aws_lambda.dead_letter")" redo_other

echo "# $(date +%T)"
# 4. set_concurrency caps calls in flight (slow300_*: 300 ms each).
sq -c "SELECT aws_lambda.set_concurrency('slow300_capped', 2)" >/dev/null
sq -c "SELECT aws_lambda.enqueue('slow300_capped', jsonb_build_object('i', g)) FROM generate_series(1, 10) g" \
   -c "SELECT aws_lambda.enqueue('slow300_free', jsonb_build_object('i', g)) FROM generate_series(1, 10) g" >/dev/null
wait_until 15 ok_is slow300_capped 10
is "set_concurrency 2: at most 2 calls in flight, all 10 delivered" "$(sink slow300_capped maxconc) $(sink slow300_capped ok)" "2 10"
wait_until 5 ok_is slow300_free 10
is "without a cap the other function had more in flight" "$(test "$(sink slow300_free maxconc)" -gt 2 && echo yes)" yes
is "queue_status shows the cap" "$(status_of slow300_capped max_concurrency)" 2
sq -c "SELECT aws_lambda.set_concurrency('slow300_capped', NULL)" >/dev/null
is "set_concurrency NULL removes the cap" "$(sq -c "SELECT count(*) FROM aws_lambda.flow")" 0

echo "# $(date +%T)"
# 5. Throttling: throttle3_* answers 429 (Retry-After: 1) above 3 in flight.
sq -c "SELECT aws_lambda.enqueue('throttle3_fn', jsonb_build_object('i', g)) FROM generate_series(1, 60) g" >/dev/null
low=16
for _ in $(seq 1 300); do
  l=$(status_of throttle3_fn "coalesce(concurrency_limit, 16)")
  [ -n "$l" ] && [ "$l" -lt "$low" ] && low=$l
  [ "$(sink throttle3_fn ok)" = 60 ] && break
  sleep 0.05
done
is "429: all 60 entries delivered" "$(sink throttle3_fn ok)" 60
if [ "$low" -lt 16 ]; then ok "429: the function's limit of calls in flight was lowered (to $low)"
else not_ok "429: the function's limit of calls in flight was lowered"; fi
n429=$(sink throttle3_fn code429)
# Sixteen at once get 13 refusals; halving per window (16, 8, 4, 2) and
# waiting Retry-After keeps the rest few. Without it: a 429 storm.
if [ "$n429" -le 40 ]; then ok "429: few refusals ($n429 for 60 entries)"; else not_ok "429: few refusals ($n429 for 60 entries)"; fi
# Once the limit is learned, the worker stays just below it: 90 more
# entries (about 30 windows of 3 calls) probe the throttled limit at most
# once (every 50 windows), where plain AIMD probed every few windows.
sq -c "SELECT aws_lambda.enqueue('throttle3_fn', jsonb_build_object('i', g)) FROM generate_series(61, 150) g" >/dev/null
for _ in $(seq 1 600); do [ "$(sink throttle3_fn ok)" = 150 ] && break; sleep 0.05; done
is "429: the next 90 entries delivered" "$(sink throttle3_fn ok)" 150
more=$(( $(sink throttle3_fn code429) - n429 ))
if [ "$more" -le 1 ]; then ok "429: below the learned limit, at most one probe refused ($more)"
else not_ok "429: below the learned limit, at most one probe refused ($more)"; fi

echo "# $(date +%T)"
# 6. No error in the server log from the worker.
if grep -E 'aws_lambda worker|delivery worker.*(terminated by signal|exit code [^01])' "$tmp/pg/server.log" >/dev/null; then
  not_ok "the worker logged no error"; grep -E 'aws_lambda|worker|ERROR' "$tmp/pg/server.log" | tail -5 | sed 's/^/# /'
else ok "the worker logged no error"; fi
tap_exit
