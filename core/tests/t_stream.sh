#!/usr/bin/env bash
# t_stream.sh — sqlambda_invoke_stream (InvokeWithResponseStream) against
# fault_server.py, which checks every signature with botocore: the path and
# headers sent, chunks delivered in order, InvokeComplete's ErrorCode as a
# function error, Tail, DryRun, Event refused before sending, a stream cut
# short or ended without InvokeComplete (transport error, not retried once
# a chunk went out), a connection dropped after InvokeComplete (OK), a bad CRC (BadResponse), an exception event, a 404,
# throttling and 503 retried before the stream starts, and a caller that
# stops reading (Cancelled).
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
SECRET=s3cr3tValueNeverShown
start_fault_server "$SECRET"

inv() {
  out=$($W "$B" --endpoint "$URL" --region us-east-1 --key AKIDTEST --secret "$SECRET" --stream "$@" 2>"$tmp/err")
  local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_invoke exited $rc: $*"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
count() { curl -s "$URL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get('$1',0))"; }
last() { curl -s "$URL/_last?name=$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$2"; }

inv --tail ok_s '{"hello":"world"}'
is "ok: status" "$(f status)/$(f http)" OK/200
is "ok: two chunks, in order, joined back" "$(f chunks) $(f streamed)" '2 {"hello":"world"}'
is "ok: the payload stays empty (the chunks went to the callback)" "$(f payload_len)" 0
is "ok: LogResult decoded" "$(f log_result)" "START fault END "
is "ok: executed version" "$(f executed_version)" '$LATEST'
is "ok: path is InvokeWithResponseStream's" "$(last ok_s "d['path']")" /2021-11-15/functions/ok_s/response-streaming-invocations
is "ok: invocation type header" "$(last ok_s "d['headers'].get('x-amz-invocation-type')")" RequestResponse
inv --qualifier live 'arn:aws:lambda:us-east-1:123456789012:function:ok_arn' '{}'
is "ARN and qualifier: signed correctly, encoded as for Invoke" \
  "$(f status) $(last 'arn:aws:lambda:us-east-1:123456789012:function:ok_arn' "d['path'] + '?' + d['query']")" \
  "OK /2021-11-15/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aok_arn/response-streaming-invocations?Qualifier=live"

inv esError_a '{}'
is "InvokeComplete with ErrorCode: FunctionError" "$(f status) $(f function_error)" "FunctionError Unhandled"
is "... type and message from ErrorCode / ErrorDetails" "$(f error_type): $(f error_message)" "ValueError: stream broke"
is "... after the chunk before it" "$(f chunks) $(f streamed)" "1 partial"
like "... the message names them" "$(f message)" 'ValueError: stream broke \(HTTP 200, 1 attempt\)$'

inv --retry-unsafe --max-attempts 3 esCut_a '{}'
is "cut short: TransportError" "$(f status)" TransportError
like "... saying so" "$(f error_message)" "cut short"
is "... not retried after a chunk, even with retry_unsafe (one attempt)" "$(f attempts) $(count esCut_a)" "1 1"
inv --retry-unsafe --max-attempts 3 esNoComplete_a '{}'
is "ended without InvokeComplete: TransportError" "$(f status)" TransportError
like "... saying so" "$(f error_message)" "ended without InvokeComplete"
is "... not retried" "$(count esNoComplete_a)" 1

inv esDoneCut_a '{}'
is "InvokeComplete, then the connection drops: OK (the answer was whole)" "$(f status) $(f streamed)" "OK partial"

inv esBadCrc_a '{}'
is "bad message CRC: BadResponse" "$(f status) $(f error_type)" "BadResponse BadResponse"
like "... naming the problem" "$(f error_message)" "message CRC mismatch"
is "... nothing delivered" "$(f chunks)" 0

inv funcerror_s '{}'
is "a 200 that is not an event stream: BadResponse" "$(f status)" BadResponse
like "... saying what came instead" "$(f error_message)" "Content-Type application/json: not an event stream"

inv esException_a '{}'
is "exception event: FunctionError with its type" "$(f status) $(f error_type)" "FunctionError ServiceException"
is "... and its message" "$(f error_message)" "it broke"

inv notfound_s '{}'
is "404: ServiceError ResourceNotFoundException, as for Invoke" "$(f status) $(f error_type)" "ServiceError ResourceNotFoundException"
inv --max-attempts 3 fail503x1_s '{"a":1}'
is "503 before the stream: retried, then OK" "$(f status) $(f attempts) $(f streamed)" 'OK 2 {"a":1}'
inv --max-attempts 2 throttle_s '{}'
is "throttled: retried, then Throttled" "$(f status) $(f attempts)" "Throttled 2"

inv --stop-after 1 ok_stop '{"x":"y"}'
is "the callback stops: Cancelled after one chunk" "$(f status) $(f chunks)" "Cancelled 1"
is "... not retried" "$(count ok_stop)" 1

inv --type DryRun ok_dry '{}'
is "DryRun: 204 is OK, no chunk" "$(f status)/$(f http)/$(f chunks)" OK/204/0
inv --type Event ok_ev '{}'
is "Event: InvalidRequest before sending" "$(f status) $(f attempts) $(count ok_ev)" "InvalidRequest 0 0"
like "... naming the types it takes" "$(f message)" "RequestResponse and DryRun, not Event"
inv 'bad name!' '{}'
is "invalid name: InvalidRequest, nothing sent" "$(f status) $(f attempts)" "InvalidRequest 0"

tap_exit
