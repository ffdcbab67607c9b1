#!/usr/bin/env bash
# t_transport.sh — core transport against fault_server.py: every failure
# scenario's status and attempt count, retry rules, Retry-After, keep-alive,
# many calls in flight, cancel via the wait hook, threads, and invalid input
# rejected before anything is sent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_invoke
W=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
spid= tpid= bpid=
cleanup() { for p in $spid $tpid $bpid; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
. "$here/lib_fault.sh"
clean_aws_env # no ambient AWS configuration may leak in
SECRET=s3cr3tValueNeverShown

# Every request this server gets has its signature recomputed by botocore.
start_fault_server "$SECRET"
slow=1; [ -n "$W" ] && slow=4 # timing bounds are looser under valgrind

inv() { run_tool "$B" --endpoint "$URL" --region us-east-1 --key AKIDTEST --secret "$SECRET" "$@"; }
# run_tool ARGS...: runs tool_invoke (under $SQLAMBDA_WRAP) into $out; a
# non-zero exit (crash, sanitizer report, valgrind error) is a failed test.
run_tool() {
  out=$($W "$@" 2>"$tmp/err"); local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_invoke exited $rc: ${*:2}"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
count() { curl -s "$URL/_counts" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['attempts'].get('$1',0) if '$1' != 'requests' else d['$1'])"; }
conns() { curl -s "$URL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['connections_by_name'].get('$1',0))"; }
last() { curl -s "$URL/_last?name=$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$2"; }
lt() { [ "$(printf '%.0f' "$1")" -lt "$2" ]; }
ge() { [ "$(printf '%.0f' "$1")" -ge "$2" ]; }

# --- success paths
inv --tail ok_a '{"a":1}'
is "ok: status" "$(f status)" OK
is "ok: payload echoed exactly" "$(f payload)" '{"a":1}'
is "ok: executed version" "$(f executed_version)" '$LATEST'
is "ok: Tail log decoded" "$(f log_result)" "START fault END "
is "ok: one attempt" "$(f attempts)" 1
like "ok: message names function and host" "$(f message)" "^lambda function \"ok_a\" at 127.0.0.1:$PORT: OK \(HTTP 200, 1 attempt\)$"
is "ok: no Content-Type sent (like botocore)" "$(last ok_a "d['headers'].get('content-type','none')")" none
like "ok: User-Agent" "$(last ok_a "d['headers']['user-agent']")" '^sqlambda/[0-9.]+ tool_invoke/1$'
like "ok: signed headers" "$(last ok_a "d['headers']['authorization']")" 'SignedHeaders=host;x-amz-date;x-amz-invocation-type;x-amz-log-type, Signature=[0-9a-f]{64}$'
inv --type Event ok_ev '{}'
is "Event: 202 is success" "$(f status)/$(f http)" OK/202
inv --type DryRun ok_dr '{}'
is "DryRun: 204 is success" "$(f status)/$(f http)" OK/204
inv --qualifier '$LATEST' ok_q '{}'
is "qualifier sent as Qualifier query, encoded" "$(last ok_q "d['query']")" "Qualifier=%24LATEST"
inv --client-context '{"custom":{"k":"v"}}' ok_cc '{}'
is "client context sent base64" "$(last ok_cc "__import__('base64').b64decode(d['headers']['x-amz-client-context']).decode()")" '{"custom":{"k":"v"}}'

# --- identifiers with ':' (moto cannot verify these; botocore in the server does)
inv 'arn:aws:lambda:us-east-1:123456789012:function:ok_arn' '{"arn":1}'
is "full ARN: OK, signature matches botocore" "$(f status)/$(f payload)" 'OK/{"arn":1}'
is "full ARN: ':' percent-encoded in the path" "$(last 'arn:aws:lambda:us-east-1:123456789012:function:ok_arn' "d['path']")" "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aok_arn/invocations"
inv 'arn:aws:lambda:eu-west-1:123456789012:function:ok_arneu' '{}'
is "ARN in another region: OK" "$(f status)" OK
like "ARN in another region: signed for the ARN's region" "$(last 'arn:aws:lambda:eu-west-1:123456789012:function:ok_arneu' "d['headers']['authorization']")" '/eu-west-1/lambda/aws4_request'
inv '123456789012:function:ok_partial:live' '{}'
is "partial ARN with alias: OK" "$(f status)" OK
inv --tail --client-context '{"c":1}' --qualifier 7 'ok_alias:7' '{}'
is "name:qualifier + Qualifier + Tail + client context: OK" "$(f status)" OK
inv --token 'FQoGZXIvYXdzEXAMPLE//token+with/slashes=' ok_tok '{}'
is "session token: OK" "$(f status)" OK
is "session token sent" "$(last ok_tok "d['headers']['x-amz-security-token']")" 'FQoGZXIvYXdzEXAMPLE//token+with/slashes='
like "session token signed" "$(last ok_tok "d['headers']['authorization']")" 'x-amz-security-token'

# --- retries
inv throttle_a
is "429: E_THROTTLED" "$(f status)" Throttled
is "429: 3 attempts" "$(f attempts)/$(f throttles)" 3/3
is "429: server saw 3" "$(count throttle_a)" 3
like "429: message" "$(f message)" 'TooManyRequestsException: Rate Exceeded. \(HTTP 429, 3 attempts\)$'
inv fail503x2_a
is "503 x2 then 200: success" "$(f status)" OK
is "503 x2 then 200: 3 attempts" "$(f attempts)/$(count fail503x2_a)" 3/3
inv fail500x5_a
is "500 x5: E_SERVICE" "$(f status)/$(f error_type)" ServiceError/ServiceException
is "500 x5: 3 attempts" "$(f attempts)/$(count fail500x5_a)" 3/3
inv fail502x1_a
is "502 once: retried" "$(f status)/$(f attempts)" OK/2
inv fail504x1_a
is "504 once: retried" "$(f status)/$(f attempts)" OK/2
inv --max-attempts 5 fail500x4_b
is "max_attempts 5 honoured" "$(f status)/$(f attempts)" OK/5
inv fail501x1_a
is "501 is not retried" "$(f status)/$(f attempts)" ServiceError/1
inv notfound_a
is "404: E_SERVICE, not retried" "$(f status)/$(f attempts)/$(count notfound_a)" ServiceError/1/1
is "404: type from x-amzn-ErrorType (decoration stripped)" "$(f error_type)" ResourceNotFoundException
like "404: one-line message" "$(f message)" "^lambda function \"notfound_a\" at 127.0.0.1:$PORT: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:notfound \(HTTP 404, 1 attempt\)$"
inv funcerror_a
is "function error: E_FUNCTION, not retried" "$(f status)/$(f attempts)/$(count funcerror_a)" FunctionError/1/1
is "function error: errorType/errorMessage" "$(f error_type)|$(f error_message)|$(f function_error)" "ValueError|boom happened|Unhandled"
like "function error: body kept" "$(f payload)" '"stackTrace"'
inv reset_a
is "reset after send: E_TRANSPORT, 1 attempt" "$(f status)/$(f attempts)/$(count reset_a)" TransportError/1/1
like "reset after send: says not retried, and why" "$(f message)" \
     'response lost after the request was sent; not retried, since the function may already have run'
# the message names only options a user can set: no SQL setting or CLI flag
# exposes retry_unsafe (docs/core.md)
is "reset after send: the message names no option nobody can set" \
   "$(f message | grep -c 'retry_unsafe\|set [a-z_]* to')" 0
inv --retry-unsafe reset_b
is "reset with retry_unsafe: retried" "$(f status)/$(f attempts)/$(count reset_b)" TransportError/3/3
inv --timeout 500 hang_a
is "hang: E_TIMEOUT, 1 attempt" "$(f status)/$(f attempts)" Timeout/1
check "hang: after the request timeout (>= 450 ms)" ge "$(f elapsed_ms)" 450
check "hang: not much later (< 3 s)" lt "$(f elapsed_ms)" $((3000 * slow))
like "hang: says not retried" "$(f message)" 'not retried'
inv truncated_a
is "truncated body: E_TRANSPORT, 1 attempt" "$(f status)/$(f attempts)/$(count truncated_a)" TransportError/1/1
inv big_a
is "7 MB response: E_RESPONSE" "$(f status)/$(f attempts)" BadResponse/1
like "7 MB response: message" "$(f message)" "response from 127.0.0.1:$PORT larger than 6356992 bytes"
inv --max-response 3 ok_cap '{"abc":1}'
is "max_response_bytes enforced" "$(f status)" BadResponse
inv --max-attempts 1 html502_a
is "HTML 502: E_SERVICE, type HTTP 502" "$(f status)/$(f error_type)" "ServiceError/HTTP 502"
like "HTML 502: bounded snippet in message" "$(f message)" '502 Bad Gateway'
inv xml403_a
is "XML 403: type from <Code>" "$(f status)/$(f error_type)/$(f attempts)" ServiceError/SignatureDoesNotMatch/1
inv badlog_a
is "malformed X-Amz-Log-Result: E_RESPONSE" "$(f status)" BadResponse
free=$(free_port)
run_tool "$B" --endpoint "http://127.0.0.1:$free" --region us-east-1 --key AKIDTEST --secret "$SECRET" ok_x
is "connection refused: retried then E_TRANSPORT" "$(f status)/$(f attempts)" TransportError/3
like "connection refused: message names host" "$(f message)" "at 127.0.0.1:$free: TransportError: .*\(3 attempts\)"
python3 "$here/fault_server.py" --blackhole --port-file "$tmp/bport" &
bpid=$!
for _ in $(seq 1 100); do [ -s "$tmp/bport" ] && break; sleep 0.05; done
run_tool "$B" --endpoint "http://127.0.0.1:$(cat "$tmp/bport")" --region us-east-1 --key AKIDTEST --secret "$SECRET" --connect-timeout 200 ok_bh
is "connect timeout: E_TIMEOUT, retried (nothing was sent)" "$(f status)/$(f attempts)" Timeout/3
check "connect timeout: each attempt stops at connect_timeout (< 5 s total)" lt "$(f elapsed_ms)" $((5000 * slow))
kill "$bpid" 2>/dev/null
inv --max-attempts 2 throttleRA1_a
is "Retry-After: 2 attempts" "$(f attempts)" 2
check "Retry-After: 1 s honoured (elapsed >= 1000 ms)" ge "$(f elapsed_ms)" 1000

# --- connections, concurrency, cancel, threads
inv --repeat 20 ok_ka '{}'
is "keep-alive: 20 calls ok" "$(f ok_count)" 20
is "keep-alive: 20 calls on 1 connection" "$(conns ok_ka)" 1
inv --many 50 --concurrency 10 slow100_m '{}'
is "50 in flight (10 at a time): all ok" "$(f ok_count)/$(count slow100_m)" 50/50
check "50 x 100 ms with concurrency 10: < 3 s (not 5 s)" lt "$(f total_ms)" $((3000 * slow))
check "concurrency limit respected (>= 450 ms)" ge "$(f total_ms)" 450
inv --cancel-after 100 hang_c
is "cancel: E_CANCELLED" "$(f status)" Cancelled
check "cancel: returns within 200 ms of the hook's cancel" lt "$(f elapsed_ms)" $((300 * slow))
inv --cancel-after 300 throttleRA5_c
is "cancel during a retry backoff: E_CANCELLED after 1 attempt" "$(f status)/$(f attempts)" Cancelled/1
check "cancel during a retry backoff: at once, not after Retry-After (< 1 s)" lt "$(f elapsed_ms)" $((1000 * slow))
inv --many 5 --concurrency 5 --cancel-after 100 hang_d
is "cancel many: every pending one E_CANCELLED" "$(f ok_count)/$(f status)/$(f many_status)" 0/Cancelled/Cancelled
inv --multi-run 50 slow1000_mr --also slow100_mr --also 'bad name!' '{}'
is "multi_run(50 ms) returns with the two calls still pending" "$(f first_pending)" 2
like "multi: the invalid request completes at the first run" "$(f done_2)" '^InvalidRequest [0-9]+$'
is "multi: the fast call is delivered first" "$(printf '%s\n' "$out" | grep -E '^done_' | cut -d= -f1 | tr '\n' ' ')" "done_2 done_1 done_0 "
check "multi: the 100 ms call is delivered as soon as it completes (< 800 ms)" lt "$(f done_1 | cut -d' ' -f2)" $((800 * slow))
check "multi: the 1 s call after >= 950 ms" ge "$(f done_0 | cut -d' ' -f2)" 950
check "multi: several runs were needed" ge "$(f runs)" 5
inv --yield ok_y '{}'
is "yielding wait hook: call still completes" "$(f status)" OK
inv --threads 4 --repeat 10 ok_t '{}'
is "4 threads x 10 calls, own clients: no failures" "$(f thread_failures)/$(count ok_t)" 0/40

# --- debug log and secrets
inv --debug fail503x1_dbg '{}'
like "debug log: a line per attempt" "$(cat "$tmp/err")" 'fail503x1_dbg.*attempt 2: OK, HTTP 200'
check "debug log: no secret, no payload" bash -c "! grep -q -e '$SECRET' -e AKIDTEST '$tmp/err'"
inv xml403_s
check "messages: no secret" bash -c "! printf '%s' \"\$1\" | grep -q '$SECRET'" _ "$out"

# --- invalid input: rejected before sending
before=$(count requests)
bad() { # bad NAME WANTSTATUS ARGS...
  local n=$1 want=$2; shift 2
  inv "$@"
  is "invalid: $n -> $want, 0 attempts" "$(f status)/$(f attempts)" "$want/0"
}
bad "bad name" InvalidRequest 'bad name!' '{}'
bad "empty name" InvalidRequest '' '{}'
bad "bad ARN" InvalidRequest 'arn:aws:lambda:us-east-1:123456789012:function:' '{}'
bad "ARN region vs region argument" InvalidRequest --call-region us-east-1 'arn:aws:lambda:eu-west-1:123456789012:function:f' '{}'
bad "invalid JSON" InvalidRequest ok_j '{bad'
bad "sync payload over 6 MB" RequestTooLarge --payload-size 6291457 ok_big
bad "Event payload over 1 MB" RequestTooLarge --type Event --payload-size 1048577 ok_big
bad "client context not an object" InvalidRequest --client-context '[1]' ok_cc2 '{}'
bad "not in allowlist" NotAllowed --allow 'other,prefix*' ok_na '{}'
like "not allowed: message names the function" "$(f message)" '"ok_na"'
inv --allow 'other,ok_*' ok_al '{}'
is "allowlist glob admits" "$(f status)" OK
before=$((before + 1))
is "invalid input: the server saw no request" "$(count requests)" "$before"
inv --validate ok_v '{}'
is "validate: valid request" "$(f status)/$(f attempts)" OK/0
run_tool "$B" --endpoint "$URL" --key AKIDTEST --secret "$SECRET" ok_nr '{}'
is "no region: E_CONFIG" "$(f status)" ConfigError
like "no region: message" "$(f message)" 'no region'
run_tool "$B" --endpoint "$URL" --region us-east-1 ok_nc '{}'
is "no credentials: E_CREDENTIALS, nothing sent" "$(f status)/$(f attempts)" CredentialsError/0
run_tool "$B" --endpoint "ftp://127.0.0.1:$PORT" --region us-east-1 --key AKIDTEST --secret "$SECRET" ok_ftp '{}'
is "bad endpoint scheme: E_CONFIG" "$(f status)" ConfigError
is "no request reached the server" "$(count requests)" "$before"
sig=$(curl -s "$URL/_counts" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['sig_checked'] == d['requests'], d['sig_failures'])")
is "every request's signature matched botocore's" "$sig" "True 0"

# --- TLS: verified against ca_file, never without it; keep-alive over TLS
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
     -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
  python3 "$here/fault_server.py" --port-file "$tmp/tport" --tls "$tmp/cert.pem" "$tmp/key.pem" &
  tpid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/tport" ] && break; sleep 0.05; done
  TURL=https://127.0.0.1:$(cat "$tmp/tport")
  run_tool "$B" --endpoint "$TURL" --region us-east-1 --key AKIDTEST --secret "$SECRET" --ca-file "$tmp/cert.pem" --repeat 5 ok_tls '{"t":1}'
  is "TLS with ca_file: OK" "$(f status)/$(f ok_count)" OK/5
  is "TLS: 5 calls on 1 connection" "$(curl -s --cacert "$tmp/cert.pem" "$TURL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['connections_by_name'].get('ok_tls',0))")" 1
  run_tool "$B" --endpoint "$TURL" --region us-east-1 --key AKIDTEST --secret "$SECRET" --connect-timeout 20000 ok_tls2 '{}'
  is "TLS with an unknown CA: E_TRANSPORT, not retried" "$(f status)/$(f attempts)" TransportError/1
else
  ok "TLS tests # SKIP openssl could not make a certificate"
fi
tap_exit
