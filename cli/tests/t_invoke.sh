#!/usr/bin/env bash
# cli/tests/t_invoke.sh — TAP tests of `sqlambda invoke` (and the command's
# help/version/dispatch) against real peers: moto_server with SigV4
# verification (scripts/moto-start) and core's fault_server.py. Checks the
# output bytes, every exit status, the one-line error on stderr, --verbose,
# --log-type Tail, and that no secret ever appears in any output.
# Env: SQLAMBDA_CLI (binary, default cli/build/sqlambda), SQLAMBDA_WRAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib/tap.sh
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
VERSION=$(cat "$top/VERSION")  # the project's one version number
VERSION_RE=$(printf '%s' "$VERSION" | sed 's/\./\\./g')
WRAP=${SQLAMBDA_WRAP:-}
T=$(mktemp -d /tmp/sqlambda-cli-test.XXXXXX)
FAULT_PID=
SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
  "$top/scripts/moto-stop" "$T/moto" >/dev/null 2>&1
  [ -n "$FAULT_PID" ] && kill "$FAULT_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
: >"$T/all"

# run [ARGS...]: runs the CLI (stdin from $STDIN or /dev/null); sets RC, OUT,
# ERR; keeps every byte of output in $T/all for the secret scan.
run() {
  # shellcheck disable=SC2086
  $WRAP "$CLI" "$@" <"${STDIN:-/dev/null}" >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
  cat "$T/out" "$T/err" >>"$T/all"
}
lines() { printf '%s\n' "$1" | grep -c .; }
# usage_case NAME ERR_REGEX ARGS...: exit 2, nothing on stdout, message matches
usage_case() {
  local name=$1 re=$2; shift 2
  run "$@"
  is "usage error exits 2: $name" "$RC" 2
  like "usage error names the problem: $name" "$ERR" "$re"
  is "usage error prints nothing on stdout: $name" "$OUT" ""
}

# ---- the command itself: help, version, dispatch ----------------------------
run --help
is "--help exits 0" "$RC" 0
like "--help lists the commands" "$OUT" "invoke .*FUNCTION.*PAYLOAD"
like "--help documents the exit statuses" "$OUT" "0 success, 1 the function returned an error"
run invoke --help
is "invoke --help exits 0" "$RC" 0
missing=
for o in --invocation-type --log-type --client-context --qualifier --region --endpoint-url \
         --profile --connect-timeout-ms --timeout-ms --max-attempts --verbose --debug --help \
         RequestResponse Event DryRun Tail @FILE 'Exit status'; do
  printf '%s' "$OUT" | grep -qF -- "$o" || missing="$missing $o"
done
is "invoke --help documents every option and value" "$missing" ""
run help invoke
is "help invoke prints the invoke help" "$(printf '%s' "$OUT" | head -1)" "Usage: sqlambda invoke [options] FUNCTION [PAYLOAD]"
run --version
is "--version exits 0" "$RC" 0
like "--version prints the version (the file VERSION)" "$OUT" "^sqlambda $VERSION_RE \(libcurl/"
usage_case "no command" "Usage: sqlambda COMMAND"
usage_case "unknown command" "unknown command 'frobnicate'" frobnicate
usage_case "unknown top-level option" "unknown option '--nope'" --nope
usage_case "help for an unknown command" "no help for unknown command 'frob'" help frob
run serve --help
if nm "$CLI" 2>/dev/null | grep -q ' T sqlambda_serve_main'; then
  is "serve dispatches to the local runtime" "$RC" 0
  like "serve --help is the runtime's" "$OUT$ERR" "sqlambda serve .*--functions"
else
  not_ok "this build includes the local runtime (sqlambda_serve_main)"
fi
if [ -n "${SQLAMBDA_CLI_NO_RUNTIME:-}" ]; then
  CLI_SAVED=$CLI; CLI=$SQLAMBDA_CLI_NO_RUNTIME
  run serve --functions "$T"
  is "NO_RUNTIME build: serve exits 2" "$RC" 2
  like "NO_RUNTIME build: serve says this build has no local runtime" "$ERR" "this build has no local runtime"
  CLI=$CLI_SAVED
fi

# ---- usage errors (no server needed: rejected before anything is sent) ------
export AWS_ACCESS_KEY_ID=AKIDCLITEST AWS_SECRET_ACCESS_KEY=cli-test-secret-never-printed AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$T/none AWS_SHARED_CREDENTIALS_FILE=$T/none AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
dead="http://127.0.0.1:$(free_port)"   # nothing listens: a request sent would fail with 3, not 2
usage_case "missing FUNCTION" "missing FUNCTION" invoke
usage_case "empty FUNCTION" "FUNCTION is empty" invoke ''
usage_case "unknown option" "unknown option '--frobnicate'" invoke --frobnicate lambdaTest
usage_case "unknown short option" "unknown option '-x'" invoke -x lambdaTest
usage_case "option without its value" "option '--region' needs a value" invoke lambdaTest --region
usage_case "bad --invocation-type" "invalid --invocation-type 'Sometimes'" invoke --invocation-type Sometimes lambdaTest
usage_case "bad --log-type" "invalid --log-type 'Head'" invoke --log-type Head lambdaTest
usage_case "bad --timeout-ms" "invalid --timeout-ms value '10s'" invoke --timeout-ms 10s lambdaTest
usage_case "bad --connect-timeout-ms" "invalid --connect-timeout-ms value '0'" invoke --connect-timeout-ms 0 lambdaTest
usage_case "bad --max-attempts" "invalid --max-attempts value '-1'" invoke --max-attempts=-1 lambdaTest
usage_case "--max-attempts over 100" "invalid --max-attempts value '101'" invoke --max-attempts 101 lambdaTest
usage_case "--timeout-ms over a day" "invalid --timeout-ms value '99999999999'" invoke --timeout-ms 99999999999 lambdaTest
$WRAP "$CLI" invoke lambdaTest - <&- >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err"); cat "$T/out" "$T/err" >>"$T/all"
is "usage error exits 2: unreadable stdin" "$RC" 2
like "usage error names the problem: unreadable stdin" "$ERR" "cannot read the payload from standard input: Bad file descriptor"
usage_case "too many arguments" "too many arguments: 'extra'" invoke lambdaTest '{}' extra
usage_case "--stream with --invocation-type Event" "--stream takes --invocation-type RequestResponse or DryRun, not Event" \
  invoke --stream --invocation-type Event lambdaTest
usage_case "--stream with --payloads" "--stream cannot be used with --payloads" \
  invoke --stream --payloads "$T/missing" lambdaTest
usage_case "unreadable @file" "cannot read payload file '$T/missing.json': No such file or directory" \
  invoke --endpoint-url "$dead" lambdaTest "@$T/missing.json"
usage_case "@file that is a directory" "cannot read payload file '$T': Is a directory" \
  invoke --endpoint-url "$dead" lambdaTest "@$T"
usage_case "@ without a file" "names no file" invoke lambdaTest @
usage_case "invalid JSON payload" 'lambdaTest.*payload is not valid JSON' \
  invoke --endpoint-url "$dead" lambdaTest '{"name":'
usage_case "invalid function name" 'function name "bad name" has character' \
  invoke --endpoint-url "$dead" 'bad name' '{}'
usage_case "invalid client context" 'client context is not valid JSON' \
  invoke --endpoint-url "$dead" --client-context '{oops' lambdaTest
usage_case "ARN in another region than --region" "function ARN is in region us-east-1 but the region argument is us-west-2" \
  invoke --endpoint-url "$dead" --region us-west-2 arn:aws:lambda:us-east-1:123456789012:function:f
head -c $((6 * 1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' >"$T/big.json"
usage_case "payload over 6 MB" 'lambdaTest.*(too large|larger|exceeds|limit)' \
  invoke --endpoint-url "$dead" lambdaTest "@$T/big.json"

# ---- configuration and transport errors: exit 3 ----------------------------
run invoke --profile nosuch --endpoint-url "$dead" lambdaTest
is "unknown profile exits 3" "$RC" 3
like "unknown profile is named" "$ERR" 'lambdaTest.*profile "nosuch"'
AWS_REGION= run invoke --endpoint-url "$dead" lambdaTest
is "no region exits 3" "$RC" 3
like "no region says so" "$ERR" 'lambdaTest.*no region'
usage_case "bad --endpoint-url (checked by core's rule before any client)" \
  'invalid --endpoint-url: invalid endpoint URL "ftp://example.com": scheme must be http or https' \
  invoke --endpoint-url 'ftp://example.com' lambdaTest
AWS_ENDPOINT_URL='ftp://example.com' run invoke lambdaTest
is "bad AWS_ENDPOINT_URL (configuration) exits 3" "$RC" 3
like "bad AWS_ENDPOINT_URL is named" "$ERR" 'invalid endpoint URL "ftp://example.com" \(from AWS_ENDPOINT_URL\)'
AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= run invoke --endpoint-url "$dead" lambdaTest
is "no credentials exits 3" "$RC" 3
like "no credentials says so" "$ERR" 'lambdaTest.*no credentials'
run invoke --max-attempts 2 --endpoint-url "$dead" lambdaTest
is "connection refused exits 3" "$RC" 3
is "transport error is one line" "$(lines "$ERR")" 1
like "transport error names function, host and type" "$ERR" \
  "^sqlambda invoke: lambda function \"lambdaTest\" at ${dead#http://}: TransportError: .*2 attempts"

# ---- moto: signature-verified calls -----------------------------------------
if ! "$top/scripts/moto-start" "$T/moto" >/dev/null 2>"$T/moto.err"; then
  not_ok "moto_server starts"; cat "$T/moto.err" | sed 's/^/# /'
else
  # shellcheck disable=SC1091
  . "$T/moto/env"
  host=${MOTO_URL#http://}
  SECRET=$MOTO_SECRET_ACCESS_KEY
  export AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY
  export AWS_ENDPOINT_URL_LAMBDA=$MOTO_URL
  run invoke lambdaTest '{"name":"bob"}'
  is "smoke: invoke lambdaTest exits 0" "$RC" 0
  is "smoke: prints moto's echo of the payload" "$OUT" '{"name":"bob"}'
  is "stdout is exactly the payload (no newline added when not a terminal)" \
    "$(od -An -c "$T/out" | tr -s ' ')" "$(printf '{"name":"bob"}' | od -An -c | tr -s ' ')"
  is "nothing on stderr on success" "$ERR" ""
  printf '{"from":"file","n":[1,2,3]}\n' >"$T/p.json"
  run invoke lambdaTest "@$T/p.json"
  is "payload from @file" "$OUT" '{"from":"file","n":[1,2,3]}'
  printf '{"from":"stdin"}' >"$T/stdin.json"
  STDIN=$T/stdin.json run invoke lambdaTest -
  is "payload from stdin (-)" "$OUT" '{"from":"stdin"}'
  run invoke lambdaTest
  is "default payload is {}" "$OUT" '{}'
  run invoke --verbose lambdaTest '{"v":1}'
  is "--verbose keeps stdout the payload" "$OUT" '{"v":1}'
  like "--verbose shows status and HTTP code" "$ERR" 'status OK \(HTTP 200\)'
  like "--verbose shows host, attempts and timing" "$ERR" "function lambdaTest at $host, 1 attempt, 0 throttled, [0-9.]+ ms"
  like "--verbose shows the request id" "$ERR" 'request id [A-Za-z0-9-]+'
  run invoke --invocation-type Event -v lambdaTest '{"e":1}'
  is "Event invoke exits 0" "$RC" 0
  like "Event invoke is HTTP 202" "$ERR" 'HTTP 202'
  run invoke --invocation-type DryRun -v lambdaTest
  is "DryRun invoke exits 0" "$RC" 0
  like "DryRun invoke is HTTP 204" "$ERR" 'HTTP 204'
  run invoke --endpoint-url "$MOTO_URL" --region us-east-1 --timeout-ms 5000 --connect-timeout-ms 500 \
    --max-attempts 1 --client-context '{"custom":{"k":"v"}}' lambdaTest '{"all":"options"}'
  is "every option together" "$RC/$OUT" '0/{"all":"options"}'
  run invoke --debug lambdaTest '{"dbg":"payload-not-logged"}'
  like "--debug traces each attempt" "$ERR" "\[debug\].*lambdaTest.*$host"
  if printf '%s' "$ERR" | grep -q payload-not-logged; then not_ok "--debug never logs the payload"; else ok "--debug never logs the payload"; fi
  AWS_SECRET_ACCESS_KEY=wrong-secret-never-printed run invoke lambdaTest '{}'
  is "wrong secret exits 3" "$RC" 3
  is "wrong secret prints nothing on stdout" "$OUT" ""
  is "service error is one line on stderr" "$(lines "$ERR")" 1
  like "service error names function, host and AWS error type" "$ERR" \
    "^sqlambda invoke: lambda function \"lambdaTest\" at $host: SignatureDoesNotMatch: .*HTTP 403"
  "$top/scripts/moto-stop" "$T/moto"
  unset AWS_ENDPOINT_URL_LAMBDA
fi

# ---- fault_server: function errors, service errors, logs, timeouts ----------
fs=$top/core/tests/fault_server.py
if [ ! -f "$fs" ]; then
  ok "fault_server scenarios # SKIP core/tests/fault_server.py not there"
else
  python3 "$fs" --port-file "$T/fault.port" >"$T/fault.log" 2>&1 &
  FAULT_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/fault.port" ] && break; sleep 0.05; done
  F="http://127.0.0.1:$(cat "$T/fault.port" 2>/dev/null)"
  fhost=${F#http://}
  export AWS_ENDPOINT_URL_LAMBDA=$F
  run invoke funcerror_cli '{"x":1}'
  is "function error exits 1" "$RC" 1
  like "function error payload is still printed" "$OUT" '"errorType": "ValueError"'
  like "function error line names function, host and error type" "$ERR" \
    "^sqlambda invoke: lambda function \"funcerror_cli\" at $fhost: .*ValueError"
  is "function error is one line on stderr" "$(lines "$ERR")" 1
  run invoke -v funcerror_v
  like "--verbose shows the function error" "$ERR" 'function error Unhandled: ValueError: boom happened'
  like "--verbose shows the executed version" "$ERR" 'executed version \$LATEST'
  run invoke --log-type Tail ok_tail '{"t":1}'
  is "--log-type Tail: payload on stdout" "$OUT" '{"t":1}'
  is "--log-type Tail: decoded log on stderr" "$ERR" "$(printf 'START fault\nEND')"
  run invoke -v --log-type Tail ok_tailv
  like "--verbose labels the log tail" "$ERR" 'log tail:'
  run invoke ok_nolog
  is "no log output without Tail" "$ERR" ""
  run invoke notfound_cli
  is "ResourceNotFoundException exits 3" "$RC" 3
  like "not found names function, host and AWS type" "$ERR" \
    "^sqlambda invoke: lambda function \"notfound_cli\" at $fhost: ResourceNotFoundException: .*HTTP 404"
  is "service error payload is not printed" "$OUT" ""
  run invoke --max-attempts 2 throttle_cli
  is "throttled exits 3" "$RC" 3
  like "throttled line names the type and attempts" "$ERR" 'TooManyRequestsException.*2 attempts'
  run invoke html502_cli
  is "non-JSON 502 exits 3" "$RC" 3
  like "non-JSON 502 still has a type" "$ERR" "html502_cli\" at $fhost: .*HTTP 502"
  start=$(date +%s%N)
  run invoke --timeout-ms 300 hang_cli
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  is "request timeout exits 3" "$RC" 3
  like "request timeout names function, host and type" "$ERR" "hang_cli\" at $fhost: Timeout"
  if [ "$ms" -lt 5000 ]; then ok "--timeout-ms is honoured (${ms} ms)"; else not_ok "--timeout-ms is honoured (${ms} ms)"; fi
  run invoke big_cli
  is "oversize response exits 3" "$RC" 3
  like "oversize response is named" "$ERR" "big_cli\" at $fhost: .*(larger|too large|BadResponse)"
  # stdout on a terminal: one newline is added after a payload without one
  # shellcheck disable=SC2086
  tty_out=$(python3 - $WRAP "$CLI" invoke ok_tty '{"t":1}' <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
print(repr(out))
PY
)
  is "on a terminal a final newline is added" "$tty_out" "b'{\"t\":1}\\r\\n'"
  run invoke ok_dash -- '-1'
  is "payload after -- may start with '-'" "$RC/$OUT" '0/-1'
  run invoke --qualifier prod ok_q '{}'
  q=$(curl -s "$F/_last?name=ok_q")
  like "--qualifier is sent" "$q" '"query": "Qualifier=prod"'
  run invoke --client-context '{"custom":{"a":"b"}}' ok_cc
  cc=$(curl -s "$F/_last?name=ok_cc" | python3 -c 'import sys,json,base64; print(base64.b64decode(json.load(sys.stdin)["headers"]["x-amz-client-context"]).decode())')
  is "--client-context is sent base64" "$cc" '{"custom":{"a":"b"}}'
  ua=$(curl -s "$F/_last?name=ok_cc" | python3 -c 'import sys,json; print(json.load(sys.stdin)["headers"]["user-agent"])')
  like "User-Agent names the CLI and the version (the file VERSION)" "$ua" "^sqlambda/$VERSION_RE .*cli"
  AWS_SESSION_TOKEN=session-token-never-printed run invoke -v --debug ok_token '{}'
  is "session-token credentials work" "$RC" 0
  tok=$(curl -s "$F/_last?name=ok_token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["headers"].get("x-amz-security-token",""))')
  is "the session token is sent as X-Amz-Security-Token" "$tok" session-token-never-printed
  AWS_SESSION_TOKEN=session-token-never-printed run invoke -v --debug notfound_token '{}'
  is "session-token error run exits 3" "$RC" 3
  kill "$FAULT_PID" 2>/dev/null; FAULT_PID=
fi

# ---- end to end with the local runtime: `sqlambda serve` + `sqlambda invoke` ---
if ! nm "$CLI" 2>/dev/null | grep -q ' T sqlambda_serve_main'; then
  ok "invoke through sqlambda serve # SKIP this build has no local runtime"
else
  port=$(free_port)
  $WRAP "$CLI" serve --functions "$top/samples/functions" --listen "127.0.0.1:$port" >"$T/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  export AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$port
  run invoke lambdaTest '{"name":"bob"}'
  is "serve: the seed's lambdaTest answers through sqlambda invoke" "$RC/$OUT" '0/{"Status": "OK", "name": "bob"}'
  run invoke --log-type Tail lambdaTest '{"name":"bob"}'
  like "serve: --log-type Tail shows the function's log" "$ERR" '^START RequestId: '
  run invoke lambdaFail '{"name":"bob"}'
  is "serve: a failing function exits 1" "$RC" 1
  like "serve: the failing function's error payload is printed" "$OUT" '"errorType": "SensorRejected"'
  like "serve: the error line names function, host and error type" "$ERR" \
    "^sqlambda invoke: lambda function \"lambdaFail\" at 127.0.0.1:$port: SensorRejected: "
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=
  cat "$T/serve.log" >>"$T/all"
fi

# every byte any run printed (stdout, stderr, --verbose, --debug, serve's log)
secret_absent() { # secret_absent LABEL SECRET
  if [ -z "$2" ]; then ok "no secret in any output: $1 # SKIP not used in this run"
  elif grep -qF -- "$2" "$T/all"; then not_ok "no secret in any output: $1"
  else ok "no secret in any output: $1"; fi
}
secret_absent "moto's secret key" "${SECRET:-}"
secret_absent "a wrong secret key" wrong-secret-never-printed
secret_absent "the static test secret key" cli-test-secret-never-printed
secret_absent "a session token" session-token-never-printed
if grep -Eq 'Sanitizer|runtime error:|LeakSanitizer' "$T/all"; then
  not_ok "no sanitizer reports in any run"; grep -E 'Sanitizer|runtime error:' "$T/all" | head -5 | sed 's/^/# /'
else
  ok "no sanitizer reports in any run"
fi
tap_exit
