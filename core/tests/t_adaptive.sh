#!/usr/bin/env bash
# t_adaptive.sh — retry_mode adaptive end to end, against fault_server.py's
# rate20 scenario (a per-name limit of 20 answers per second, 429
# TooManyRequestsException above it, no Retry-After): 80 calls, 10 in
# flight, through one client (sqlambda_invoke_many). With adaptive the
# client sends in a burst until the first 429, then its rate limiter holds
# the sends back (the second after the first throttle sees at most a few
# attempts, far below the burst) and every call still completes; the same
# load in standard mode keeps sending and collects more 429s, and logs no
# rate limiter. The server's arrival times are the evidence (/_times).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_invoke
W=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
spid=
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$here/lib_fault.sh"
clean_aws_env
SECRET=adaptiveSecret
start_fault_server "$SECRET"

# run MODE NAME: 80 calls to NAME in retry_mode MODE; key=value lines in $tmp/NAME.out
run() {
  AWS_RETRY_MODE=$1 $W "$B" --endpoint "$URL" --region us-east-1 --key AKIDADAPT --secret "$SECRET" \
    --many 80 --concurrency 10 --max-attempts 10 --debug "$2" >"$tmp/$2.out" 2>"$tmp/$2.err" ||
    { not_ok "tool_invoke exited $? ($1)"; sed 's/^/#   /' "$tmp/$2.err" | tail -5; }
}
f() { sed -n "s/^$2=//p" "$tmp/$1.out" | head -1; }
# stats NAME: "attempts throttled burst_rate after" from the server's log:
# burst_rate = attempts per second up to the first 429; after = attempts
# that arrived from 0.2 s to 1.2 s after it (those already sent when the
# first 429 came back arrive within the first 0.2 s)
stats() {
  curl -s "$URL/_times?name=$1" | python3 -c '
import json, sys
ts = json.load(sys.stdin)
thr = [t for t, c in ts if c == 429]
if not thr:
    print(len(ts), 0, 0, 0); sys.exit()
t0, T = ts[0][0], thr[0]
before = sum(1 for t, c in ts if t <= T)
after = sum(1 for t, c in ts if T + 0.2 <= t < T + 1.2)
print(len(ts), len(thr), int(before / max(T - t0, 1e-3)), after)'
}

run adaptive rate20_adaptive
read -r a_att a_thr a_burst a_after <<<"$(stats rate20_adaptive)"
echo "# adaptive: $(f rate20_adaptive ok_count) of 80 OK in $(f rate20_adaptive total_ms) ms;" \
  "$a_att attempts, $a_thr throttled; burst ${a_burst}/s; $a_after attempts in the second after the first 429"
grep 'sending at most' "$tmp/rate20_adaptive.err" | sed 's/^/#   /'
is "adaptive: all 80 calls complete" "$(f rate20_adaptive many_status)/$(f rate20_adaptive ok_count)" OK/80
check "adaptive: the server's limit was reached (429s: $a_thr)" test "$a_thr" -ge 1
check "adaptive: the send rate drops after the first 429 ($a_burst/s before, $a_after in the second after)" \
  test "$a_after" -le 5 -a "$a_burst" -gt $((a_after * 4))
like "adaptive: the limiter cut the rate below the measured one" \
  "$(grep -m1 'sending at most' "$tmp/rate20_adaptive.err")" \
  'retry_mode adaptive: throttled; sending at most [0-9.]+ calls/s \(measured [0-9.]+/s\)'

run standard rate20_standard
read -r s_att s_thr s_burst s_after <<<"$(stats rate20_standard)"
echo "# standard: $(f rate20_standard ok_count) of 80 OK in $(f rate20_standard total_ms) ms;" \
  "$s_att attempts, $s_thr throttled; burst ${s_burst}/s; $s_after attempts in the second after the first 429"
is "standard: no rate limiter in the log" "$(grep -c 'sending at most' "$tmp/rate20_standard.err")" 0
check "standard keeps sending after the first 429 ($s_after attempts in the second after; adaptive $a_after)" \
  test "$s_after" -gt "$a_after"
check "standard gets more 429s than adaptive for the same load ($s_thr vs $a_thr)" \
  test "$s_thr" -gt "$a_thr"
tap_exit
