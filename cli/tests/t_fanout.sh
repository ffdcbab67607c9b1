#!/usr/bin/env bash
# cli/tests/t_fanout.sh — TAP tests of `sqlambda invoke --payloads FILE
# --concurrency N` against a real loopback server (fanout_server.py: asyncio,
# answers chosen by each payload: delays, function and service errors,
# multi-line answers; counts calls in flight): input order kept under
# varying latency, 1000 lines at 200 in flight with the soft fd limit
# raised, the 2N-line window, failed/invalid/blank lines in place, stdin,
# empty input, an oversize line with bounded memory, the fd limit error,
# SIGINT (prompt, in-order results kept, a credential_process child killed).
# Env: SQLAMBDA_CLI (binary, default cli/build/sqlambda), SQLAMBDA_WRAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib/tap.sh
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
T=$(mktemp -d /tmp/sqlambda-fanout.XXXXXX)
SRV_PID=
cleanup() {
  [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
  [ -s "$T/cred.pid" ] && kill -9 "$(cat "$T/cred.pid")" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=AKIDFANOUT AWS_SECRET_ACCESS_KEY=fanout-secret-never-printed AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$T/none AWS_SHARED_CREDENTIALS_FILE=$T/none AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION

# run ARGS...: the CLI with stdin from $STDIN (default /dev/null); RC, OUT, ERR
run() {
  # shellcheck disable=SC2086
  $WRAP "$CLI" "$@" <"${STDIN:-/dev/null}" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
  cat "$T/out" "$T/err" >>"$T/all"
}
usage_case() { # NAME ERR_REGEX ARGS...: exit 2, stdout empty, message
  local name=$1 re=$2; shift 2
  run "$@"
  is "usage error exits 2: $name" "$RC" 2
  like "usage error names the problem: $name" "$ERR" "$re"
  is "usage error prints nothing: $name" "$OUT" ""
}
# ids FILE: the "echo"."id" of each line (quotes dropped), "-" for others
ids() { sed -E 's/^\{ *"echo": *\{ *"id": *"?([^,"}]*)"?[,} ].*/\1/; t; s/.*/-/' "$1" | tr '\n' ' ' | sed 's/ $//'; echo; }
# gen FIRST LAST EXPR: lines {"id":k,"sleep_ms":EXPR} (EXPR in awk, of k)
gen() { awk -v a="$1" -v b="$2" "BEGIN { for (k = a; k <= b; k++) printf \"{\\\"id\\\":%d,\\\"sleep_ms\\\":%d}\\n\", k, $3 }"; }
: >"$T/all"
: >"$T/empty"

# ---- usage errors: nothing sent ---------------------------------------------
dead="http://127.0.0.1:$(free_port)"
usage_case "--concurrency 0" "invalid --concurrency value '0': expected an integer from 1 to 1000" \
  invoke --endpoint-url "$dead" --payloads "$T/empty" --concurrency 0 f
usage_case "--concurrency 1001" "invalid --concurrency value '1001'" \
  invoke --endpoint-url "$dead" --payloads "$T/empty" --concurrency 1001 f
usage_case "--concurrency abc" "invalid --concurrency value 'abc'" \
  invoke --endpoint-url "$dead" --payloads "$T/empty" --concurrency abc f
usage_case "--concurrency without --payloads" "--concurrency needs --payloads" \
  invoke --endpoint-url "$dead" --concurrency 5 f
usage_case "PAYLOAD with --payloads" "a PAYLOAD argument and --payloads cannot be used together" \
  invoke --endpoint-url "$dead" --payloads "$T/empty" f '{}'
usage_case "--log-type Tail with --payloads" "--log-type Tail cannot be used with --payloads" \
  invoke --endpoint-url "$dead" --payloads "$T/empty" --log-type Tail f
usage_case "missing --payloads file" "cannot read --payloads file '$T/missing': No such file or directory" \
  invoke --endpoint-url "$dead" --payloads "$T/missing" f
usage_case "--payloads directory" "cannot read --payloads file '$T': Is a directory" \
  invoke --endpoint-url "$dead" --payloads "$T" f
$WRAP "$CLI" invoke --endpoint-url "$dead" --payloads - f <&- >"$T/out" 2>"$T/err"; RC=$?
is "closed stdin with --payloads - exits 2" "$RC" 2
like "closed stdin is named" "$(cat "$T/err")" "cannot read --payloads from standard input: Bad file descriptor"

# ---- against the loopback server ---------------------------------------------
python3 "$top/cli/tests/fanout_server.py" --port-file "$T/port" >"$T/srv.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
U="http://127.0.0.1:$(cat "$T/port")"
export AWS_ENDPOINT_URL_LAMBDA=$U
stat() { curl -s "$U/_stats" | sed -E "s/.*\"$1\": ([0-9]+).*/\1/"; }
reset() { curl -s -X POST "$U/_reset" >/dev/null; }

# order under varying latency: later lines often answer first
gen 1 200 '(k * 37) % 60' >"$T/p200"
reset
run invoke --payloads "$T/p200" --concurrency 50 f
is "200 lines at 50 in flight: exit 0" "$RC" 0
is "200 lines at 50 in flight: one answer per line, in input order" "$(ids "$T/out")" "$(seq -s ' ' 1 200)"
mx=$(stat max_in_flight)
if [ "$mx" -le 50 ] && [ "$mx" -ge 25 ]; then ok "at most --concurrency 50 in flight, and many at once ($mx)"
else not_ok "at most --concurrency 50 in flight, and many at once ($mx)"; fi
is "nothing on stderr when every line succeeds" "$(cat "$T/err")" ""

# 1000 lines at 200 in flight, with the soft fd limit at 64 (hard unchanged):
# more than 64 sockets at once means the limit was raised
gen 1 1000 '(k * 7919) % 20' >"$T/p1000"
reset
start=$(date +%s%N)
# shellcheck disable=SC2086
( ulimit -S -n 64 && exec $WRAP "$CLI" invoke --payloads "$T/p1000" --concurrency 200 -v f ) >"$T/out" 2>"$T/err"
RC=$?; ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "1000 lines at 200 in flight: exit 0" "$RC" 0
is "1000 lines at 200 in flight: all answered in input order" "$(ids "$T/out")" "$(seq -s ' ' 1 1000)"
mx=$(stat max_in_flight)
if [ "$mx" -le 200 ] && [ "$mx" -gt 64 ]; then ok "soft limit 64 raised: $mx in flight (at most 200), in $ms ms"
else not_ok "soft limit 64 raised: $mx in flight (at most 200), in $ms ms"; sed 's/^/# /' "$T/err" | head -5; fi
like "--verbose sums the run up" "$(cat "$T/err")" "1000 lines, 1000 calls, 0 failed, [0-9.]+ s, [0-9]+ calls/s"

# the window: while line 1 is in flight, lines 2..2N start (N at a time,
# the fast ones finishing meanwhile), line 2N+1 does not
{ echo '{"id":1,"mark":true,"sleep_ms":700}'; gen 2 60 0; } >"$T/pmark"
reset
run invoke --payloads "$T/pmark" --concurrency 10 f
dm=$(stat during_mark)
# (19 when the server reads line 1 first; the ten first lines leave on ten
# fresh connections at once, so one may arrive before it: 10 is the floor
# a window of 2N allows, 9 the ceiling of a window of N)
if [ "$dm" -ge 10 ] && [ "$dm" -le 19 ]; then ok "a slow line 1 holds back line 21, not line 11 (started meanwhile: $dm, lines 2..20)"
else not_ok "a slow line 1 holds back line 21, not line 11 (started meanwhile: $dm, want 10..19: lines 2..20)"; fi
is "the window run still answers every line in order" "$RC/$(ids "$T/out")" "0/$(seq -s ' ' 1 60)"

# failures, an invalid line and blank lines stay in place
printf '%s\n' '{"id":1}' '{"id":2,"pretty":true}' '' '{"id":4,"fail":"func"}' \
  '{"id":5,"fail":"service"}' '{"id":6,' '{"id":7}' '   ' >"$T/pmix"
printf '%s' '{"id":9}' >>"$T/pmix" # the last line has no newline
reset
run invoke --payloads "$T/pmix" f
is "a failed line: exit 4" "$RC" 4
is "one output line per input line" "$(wc -l <"$T/out")" 9
is "answers and blank lines in place" "$(ids "$T/out")" "1 2 - - - - 7 - 9"
is "blank input lines give blank output lines" "$(sed -n '3p;8p' "$T/out" | tr '\n' '|')" "||"
is "a multi-line answer is written on one line" "$(sed -n 2p "$T/out")" '{  "echo": {   "id": 2,   "pretty": true  } }'
line() { sed -n "${1}p" "$T/out"; }
like "function error in place: line, status, error type, message" "$(line 4)" \
  '^\{"error":\{"line":4,"status":"FunctionError","type":"ValueError","message":"lambda function \\"f\\" at 127\.0\.0\.1:[0-9]+: ValueError: failed for id 4 \(HTTP 200, 1 attempt\)","http_status":200\}\}$'
like "service error in place" "$(line 5)" \
  '^\{"error":\{"line":5,"status":"ServiceError","type":"InvalidRequestContentException","message":".*rejected id 5 \(HTTP 400'
like "invalid JSON line refused in place, naming it" "$(line 6)" \
  '^\{"error":\{"line":6,"status":"InvalidRequest","type":"InvalidRequest","message":"lambda function \\"f\\": payload is not valid JSON'

is "the invalid line was never sent (6 of the 7 calls reached the server)" "$(stat requests)" 6
like "stderr names the invalid line" "$(cat "$T/err")" 'sqlambda invoke: line 6: lambda function "f": payload is not valid JSON'
like "stderr counts the failed lines" "$(cat "$T/err")" '3 of 7 lines failed \(first: line 4\)'

# standard input, and empty inputs
printf '{"id":"a"}\n{"id":"b"}\n' >"$T/pstdin"
STDIN=$T/pstdin run invoke --payloads - --concurrency 1 f
is "--payloads - reads standard input" "$RC/$(ids "$T/out")" "0/a b"
run invoke --payloads "$T/empty" f
is "an empty file: exit 0, no output" "$RC/$OUT/$ERR" "0//"
STDIN=$T/empty run invoke --payloads - f
is "empty standard input: exit 0, no output" "$RC/$OUT/$ERR" "0//"
printf '{"id":1}\n{"id":2}\n' >"$T/pev"
run invoke --invocation-type Event --payloads "$T/pev" f
is "Event: {\"StatusCode\":202} per line" "$RC/$(tr '\n' '|' <"$T/out")" '0/{"StatusCode":202}|{"StatusCode":202}|'

# a 64 MB line (never sent: too large) streamed from stdin, memory bounded
{ head -c $((64 << 20)) /dev/zero | tr '\0' 1; printf '\n{"id":2}\n'; } >"$T/pbig"
reset
# shellcheck disable=SC2086
/usr/bin/time -f %M -o "$T/rss" $WRAP "$CLI" invoke --payloads - f <"$T/pbig" >"$T/out" 2>/dev/null
rss="$? $(( $(tail -1 "$T/rss") / 1024 ))"
is "a 64 MB line: exit 4, the next line still answered" "${rss% *}/$(ids "$T/out")" "4/- 2"
like "the 64 MB line is refused as too large" "$(line 1)" '^\{"error":\{"line":1,"status":"RequestTooLarge",.*payload is 6291458 bytes, over Lambda.s limit'
is "the 64 MB line was never sent" "$(stat requests)" 1
if [ -n "$WRAP" ]; then ok "memory bounded for a 64 MB line # SKIP RSS under a sanitizer"
elif [ "${rss#* }" -lt 40 ]; then ok "memory bounded for a 64 MB line (max RSS ${rss#* } MB)"
else not_ok "memory bounded for a 64 MB line (max RSS ${rss#* } MB)"; fi

# lines far smaller than the input: 2,000 lines of 4 KB (8 MB, past the
# reader's 6 MB + 64 KB bound), from a file at 1 in flight and from a pipe at
# 10: every output line answers its own input line (the reader used to read
# on while whole lines were buffered: its buffer grew to the bound, then it
# read past its end, and lines were cut and merged)
awk 'BEGIN { pad = sprintf("%4000s", ""); gsub(/ /, "x", pad); for (k = 1; k <= 2000; k++) printf "{\"id\":%d,\"pad\":\"%s\"}\n", k, pad }' >"$T/p4k"
reset
run invoke --payloads "$T/p4k" --concurrency 1 f
want4k=$(seq -s ' ' 1 2000 | md5sum | cut -c1-8)
is "2,000 lines of 4 KB from a file at 1 in flight: exit 0, each answered in place" "$RC/$(wc -l <"$T/out")/$(ids "$T/out" | md5sum | cut -c1-8)" "0/2000/$want4k"
reset
# shellcheck disable=SC2086
cat "$T/p4k" | $WRAP "$CLI" invoke --payloads - --concurrency 10 f >"$T/out" 2>"$T/err"
RC=$?
is "2,000 lines of 4 KB from a pipe at 10 in flight: exit 0, each answered in place" "$RC/$(wc -l <"$T/out")/$(ids "$T/out" | md5sum | cut -c1-8)" "0/2000/$want4k"
is "... and 2,000 calls reached the server" "$(stat requests)" 2000

# a line of Lambda's limit plus a CR and more: too large, never sent cut (the
# reader used to cut it at limit + 1 bytes, the CR, which was then dropped
# as a line end: the first 6 MB, a valid JSON object, went out alone)
python3 -c "import sys; n = 6291456; sys.stdout.write('{\"a\":\"' + 'x' * (n - 8) + '\"}' + '\r' + 'more' * 10 + '\n{\"id\":2}\n')" >"$T/pcr"
reset
run invoke --payloads "$T/pcr" f
is "a 6 MB JSON line followed by CR and more: exit 4, the next line still answered" "$RC/$(ids "$T/out")" "4/- 2"
like "... refused as too large" "$(line 1 | cut -c1-200)" '^\{"error":\{"line":1,"status":"RequestTooLarge"'
is "... and never sent" "$(stat requests)" 1

# the fd limit cannot hold the sockets: a clear error, nothing sent
reset
start=$(date +%s%N)
# shellcheck disable=SC2086
( ulimit -n 64 && exec $WRAP "$CLI" invoke --payloads "$T/p1000" --concurrency 500 f ) >"$T/out" 2>"$T/err"
RC=$?; ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "ulimit -n 64 with --concurrency 500: exit 2" "$RC" 2
like "the error names --concurrency and the limit" "$(cat "$T/err")" \
  '^sqlambda invoke: --concurrency 500 needs [0-9]+ open files but the limit is 64 \(ulimit -n; hard limit 64\)'
is "the fd limit error sends nothing and prints nothing on stdout" "$(stat requests)/$(cat "$T/out")" "0/"

# SIGINT: prompt, the results in order so far are written, nothing else
{ gen 1 3 0; gen 4 40 20000; } >"$T/pint"
# shellcheck disable=SC2086
$WRAP "$CLI" invoke --payloads "$T/pint" --concurrency 10 f >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do [ "$(wc -l <"$T/out")" -ge 3 ] && break; sleep 0.05; done
sleep 0.2
sent_before=$(stat requests)
start=$(date +%s%N)
kill -INT "$pid"
wait "$pid"; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 0.2
is "SIGINT: no line is sent after it (requests before and after)" "$(stat requests)" "$sent_before"
is "SIGINT: exit 130" "$RC" 130
if [ "$ms" -lt 1500 ]; then ok "SIGINT stops promptly (${ms} ms)"; else not_ok "SIGINT stops promptly (${ms} ms)"; fi
is "SIGINT: the results before the first unanswered line are written" "$(ids "$T/out")" "1 2 3"
like "SIGINT: stderr says where to resume" "$(cat "$T/err")" \
  'interrupted: the results of the first 3 lines are written \(resume at line 4\); 10 started calls cancelled, 10 read lines never started'

# SIGINT while the CLI is blocked writing to a stdout nobody reads yet: the
# write finishes (it used to fail with EINTR, dropping buffered lines the
# message then counted as written), and every line it reports written is
# there, whole and in order. The signal is sent once the CLI is seen blocked
# in the pipe write (/proc/PID/wchan), the reader started after it.
head -100 "$T/p4k" >"$T/p4k100"
# blocked_cli: starts the CLI on p4k100 with stdout to a pipe whose reader
# waits for $T/go, then waits (10 s at most) until it blocks writing; its
# pid in $cli_pid (empty if it never blocked)
blocked_cli() {
  rm -f "$T/go" "$T/cli.pid"
  # shellcheck disable=SC2086
  ( $WRAP "$CLI" invoke --payloads "$T/p4k100" --concurrency 10 f 2>"$T/err" & echo $! >"$T/cli.pid"; wait ) |
    (while [ ! -e "$T/go" ]; do sleep 0.02; done; cat >"$T/out") &
  pipe_pid=$!
  cli_pid=
  for _ in $(seq 1 500); do
    if [ -s "$T/cli.pid" ] && grep -q pipe_write "/proc/$(cat "$T/cli.pid")/wchan" 2>/dev/null; then
      cli_pid=$(cat "$T/cli.pid"); break
    fi
    sleep 0.02
  done
}
reset
blocked_cli
if [ -z "$cli_pid" ]; then
  not_ok "SIGINT during a blocked write: the CLI was never seen blocked writing"; touch "$T/go"; wait "$pipe_pid"
else
  kill -INT "$cli_pid"
  sleep 0.2
  touch "$T/go"
  wait "$pipe_pid"
  written=$(sed -n 's/.*the results of the first \([0-9]*\) lines\{0,1\} are written.*/\1/p' "$T/err")
  if [ -n "$written" ] && [ "$written" -gt 0 ]; then
    is "SIGINT during a blocked write: the $written lines reported written are all there, whole, in order" "$(ids "$T/out")" "$(seq -s ' ' 1 "$written")"
  else
    not_ok "SIGINT during a blocked write: stderr reports how many lines are written"; sed 's/^/# /' "$T/err" | cut -c1-200 | head -3
  fi
fi
# a second signal, even another one, ends it while stdout stays blocked
reset
blocked_cli
if [ -z "$cli_pid" ]; then
  not_ok "SIGINT then SIGTERM during a blocked write: the CLI was never seen blocked writing"
else
  kill -INT "$cli_pid"; sleep 0.2
  start=$(date +%s%N)
  kill -TERM "$cli_pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$cli_pid" 2>/dev/null || break; sleep 0.02; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if kill -0 "$cli_pid" 2>/dev/null; then not_ok "SIGINT then SIGTERM during a blocked write: still running ${ms} ms after SIGTERM"; kill -9 "$cli_pid"
  else ok "SIGINT then SIGTERM during a blocked write: the second signal ends it (${ms} ms)"; fi
fi
touch "$T/go"; wait "$pipe_pid" 2>/dev/null

# a line over the limit is refused as too large even when all it shows is
# blanks (a blank line is not sent; a cut one is not known to be blank)
{ head -c $((7 << 20)) /dev/zero | tr '\0' ' '; printf '\n{"id":2}\n'; } >"$T/pblank"
reset
run invoke --payloads "$T/pblank" f
is "7 MB of spaces on a line: exit 4, refused in place, the next line answered" "$RC/$(line 1 | cut -c1-60)/$(ids "$T/out" | cut -d' ' -f2)" '4/{"error":{"line":1,"status":"RequestTooLarge","type":"Reques/2'
is "... and never sent" "$(stat requests)" 1

# SIGINT while core waits for a credential_process: the child is killed too
cat >"$T/slowcred" <<EOF
#!/bin/sh
echo \$\$ >"$T/cred.pid"
exec sleep 30
EOF
chmod +x "$T/slowcred"
printf '[profile slow]\ncredential_process = %s\n' "$T/slowcred" >"$T/config"
: >"$T/cred.pid"
# shellcheck disable=SC2086
AWS_CONFIG_FILE=$T/config AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
  $WRAP "$CLI" invoke --profile slow --payloads "$T/pint" f >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do [ -s "$T/cred.pid" ] && break; sleep 0.05; done
start=$(date +%s%N)
kill -INT "$pid"
wait "$pid"; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "SIGINT during credential_process: exit 130" "$RC" 130
if [ "$ms" -lt 1500 ]; then ok "SIGINT during credential_process is prompt (${ms} ms)"
else not_ok "SIGINT during credential_process is prompt (${ms} ms)"; fi
cpid=$(cat "$T/cred.pid")
# gone, or a zombie of a container's init that does not reap: killed either way
if [ -n "$cpid" ] && ! ps -o stat= -p "$cpid" | grep -qv Z; then ok "no credential_process child is left"
else not_ok "no credential_process child is left (pid '$cpid')"; fi
is "SIGINT during credentials: nothing written" "$(cat "$T/out")" ""

if grep -qF fanout-secret-never-printed "$T/all" "$T/err"; then not_ok "no secret in any output"; else ok "no secret in any output"; fi
if grep -Eq 'Sanitizer|runtime error:' "$T/all" "$T/err"; then not_ok "no sanitizer reports"; else ok "no sanitizer reports"; fi
tap_exit
