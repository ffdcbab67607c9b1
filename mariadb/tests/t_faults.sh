#!/usr/bin/env bash
# t_faults.sh — the plugin against core's fault server, reached through the
# aws_lambda_endpoint_url system variable: function errors, service errors,
# throttling, timeouts, resets, oversize responses reach the SQL client as
# errors naming the function; keep-alive and per-thread client reuse; the
# allowlist; full ARNs (path, region from the ARN, signature vs botocore).
. "$(dirname "$0")/lib.sh"

KEY=AKIDFAULTTEST SECRET=faultSecretKeyNotReal/1234567890abcdefghij
start_fault --verify-secret "$SECRET" || { not_ok "fault server starts"; exit 1; }
start_db db AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }

# --- settings through system variables ------------------------------------------
like "endpoint must be http(s)" "$(q "SET GLOBAL aws_lambda_endpoint_url='ftp://x'")" "ERROR 1231"
like "endpoint with spaces rejected" "$(q "SET GLOBAL aws_lambda_endpoint_url='http://a b'")" "ERROR 1231"
like "bad region rejected" "$(q "SET GLOBAL aws_lambda_region='US EAST 1'")" "ERROR 1231"
like "bad allowlist entry rejected" "$(q "SET GLOBAL aws_lambda_allowed_functions='ok_a,bad name!'")" "ERROR 1231"
like "max_attempts is range-checked: 1000 is refused (t_caps.sh: every cap)" "$(q "SET GLOBAL aws_lambda_max_attempts=1000")" "ERROR 1231"
q "SET GLOBAL aws_lambda_max_attempts=0" >/dev/null
is "endpoint set with SET GLOBAL" "$(q "SET GLOBAL aws_lambda_endpoint_url='$FAULT_URL'; SELECT @@aws_lambda_endpoint_url")" "$FAULT_URL"
is "a call goes to the configured endpoint" "$(q "SELECT awslambda_fn('ok_first','{\"k\":1}')")" '{"k":1}'
is "fault server saw it" "$(fault_count ok_first)" 1

# --- one client per thread, kept alive --------------------------------------------
st() { q "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CLIENTS_BUILT'"; }
out=$(q "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CLIENTS_BUILT';
  SELECT COUNT(awslambda_fn('ok_ka', JSON_OBJECT('i', seq))) FROM seq_1_to_20;
  SELECT awslambda_fn('ok_ka','{}'); SELECT lambda_sync('ok_ka','{}'); SELECT awslambda_fn_async('ok_ka','{}');
  SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CLIENTS_BUILT';")
b0=$(echo "$out" | sed -n 1p) b1=$(echo "$out" | sed -n 6p)
is "23 calls in one session: all answered" "$(echo "$out" | sed -n 2p)" 20
is "23 calls in one session reuse one TCP connection" \
  "$(curl -fs "$FAULT_URL/_counts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections_by_name"].get("ok_ka"))')" 1
ok_if() { if [ "$2" -le "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1"; echo "#   got $2, want <= $3"; fi; }
ok_if "no client rebuilt per call (clients built during the session: $((b1 - b0)))" $((b1 - b0)) 1
out=$(q "SELECT awslambda_fn('ok_gen','{}'); SET GLOBAL aws_lambda_request_timeout_ms=30000;
  SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CLIENTS_BUILT';
  SELECT awslambda_fn('ok_gen','{}');
  SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_CLIENTS_BUILT';")
is "a settings change rebuilds the thread's client once" "$(( $(echo "$out" | sed -n 4p) - $(echo "$out" | sed -n 2p) ))" 1
q "SET GLOBAL aws_lambda_request_timeout_ms=DEFAULT" >/dev/null

# --- errors reach the client --------------------------------------------------------
out=$(q "SELECT awslambda_fn('funcerror_t','{}')")
like "function error is an SQL error naming the function" "$out" "ERROR 1105.*awslambda_fn.*funcerror_t"
like "... with errorType and errorMessage" "$out" "ValueError.*boom happened|boom happened.*ValueError"
like "unknown function: ResourceNotFoundException" "$(q "SELECT lambda_sync('notfound_t','{}')")" "ERROR 1105.*lambda_sync.*notfound_t.*ResourceNotFound"
q "SET GLOBAL aws_lambda_max_attempts=2" >/dev/null
out=$(q "SELECT awslambda_fn('throttle_t','{}')")
like "throttling after retries is an error naming the function" "$out" "ERROR 1105.*throttle_t.*(Throttl|TooManyRequests)"
is "throttled call was tried max_attempts=2 times" "$(fault_count throttle_t)" 2
is "a transient 503 is retried and succeeds" "$(q "SELECT awslambda_fn('fail503x1_t','{\"r\":1}')")" '{"r":1}'
like "a 502 HTML page is a service error" "$(q "SELECT awslambda_fn('html502_t','{}')")" "ERROR 1105.*html502_t.*502"
q "SET GLOBAL aws_lambda_max_attempts=1; SET GLOBAL aws_lambda_request_timeout_ms=700" >/dev/null
t0=$(date +%s%N)
out=$(q "SELECT awslambda_fn('hang_t','{}')")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "a hung function times out with an error naming it" "$out" "ERROR 1105.*hang_t.*([Tt]ime.?out|timed out)"
ok_if "... after about aws_lambda_request_timeout_ms (${ms} ms)" "$ms" 5000
q "SET GLOBAL aws_lambda_request_timeout_ms=DEFAULT" >/dev/null

# --- KILL QUERY and max_statement_time stop a waiting call ---------------------------------
t0=$(date +%s%N)
q "SELECT awslambda_fn('hang_kill','{}')" >"$work/kill.out" 2>&1 &
kpid=$!
for _ in $(seq 1 50); do
  id=$(q "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%hang_kill%' AND ID <> CONNECTION_ID()")
  [ -n "$id" ] && break; sleep 0.1
done
sleep 0.5
q "KILL QUERY $id" >/dev/null
wait "$kpid"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "KILL QUERY stops a waiting call with ER_QUERY_INTERRUPTED naming it" "$(cat "$work/kill.out")" "ERROR 1317.*awslambda_fn.*hang_kill.*interrupted"
ok_if "... at once, not after the 60 s request timeout (${ms} ms)" "$ms" 4000
t0=$(date +%s%N)
out=$(q "SET STATEMENT max_statement_time=0.5 FOR SELECT lambda_sync('hang_mst','{}')")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "max_statement_time stops a waiting call" "$out" "ERROR 1317.*lambda_sync.*hang_mst"
ok_if "... after about 0.5 s (${ms} ms)" "$ms" 3000
is "the thread's next call works" "$(q "SELECT awslambda_fn('ok_afterkill','{}')")" '{}'

like "connection reset is a transport error" "$(q "SELECT awslambda_fn('reset_t','{}')")" "ERROR 1105.*reset_t"
like "truncated body is an error" "$(q "SELECT awslambda_fn('truncated_t','{}')")" "ERROR 1105.*truncated_t"
like "7 MB response is refused, not truncated" "$(q "SELECT awslambda_fn('big_t','{}')")" "ERROR 1105.*big_t"
like "async call errors are raised too" "$(q "SELECT awslambda_fn_async('notfound_as','{}')")" "ERROR 1105.*awslambda_fn_async.*notfound_as"
like "lambda_async errors are raised too" "$(q "SELECT lambda_async('notfound_la','{}')")" "ERROR 1105.*lambda_async.*notfound_la"
is "Event calls send X-Amz-Invocation-Type: Event" \
  "$(q "SELECT lambda_async('ok_ev','{}')" >/dev/null; curl -fs "$FAULT_URL/_last?name=ok_ev" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("x-amz-invocation-type"))')" Event
q "SET GLOBAL aws_lambda_max_attempts=DEFAULT" >/dev/null
is "the session still works after errors" "$(q "SELECT awslambda_fn('ok_after','{}')")" '{}'

# --- full ARNs (Aurora style) ---------------------------------------------------------
arn=arn:aws:lambda:eu-west-1:123456789012:function:ok_arn
payload='{"operation": "ping"}'
out=$(q "SELECT lambda_sync('$arn','$payload')")
is "lambda_sync with a full ARN returns the response" "$out" "$payload"
last=$(curl -fs "$FAULT_URL/_last?name=$arn")
is "ARN is percent-encoded in the path" "$(echo "$last" | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')" \
  "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aok_arn/invocations"
like "the region comes from the ARN (credential scope)" \
  "$(echo "$last" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"]["authorization"])')" \
  "Credential=$KEY/[0-9]{8}/eu-west-1/lambda/aws4_request"
sig=$(echo "$last" | python3 -c '
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
last = json.load(sys.stdin)
h = last["headers"]; auth = h["authorization"]
signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
url = "http://" + h["host"] + last["path"] + ("?" + last["query"] if last["query"] else "")
req = AWSRequest(method="POST", url=url, data=sys.argv[1].encode(), headers={k: h[k] for k in signed})
signer = SigV4Auth(Credentials(sys.argv[2], sys.argv[3]), "lambda", "eu-west-1")
req.context["timestamp"] = h["x-amz-date"]
cr = signer.canonical_request(req)
sts = signer.string_to_sign(req, cr)
print("ok" if auth.endswith("Signature=" + signer.signature(sts, req)) else "mismatch\n" + cr)
' "$payload" "$KEY" "$SECRET")
is "the ARN request's signature matches botocore's" "$sig" ok
scope() { curl -fs "$FAULT_URL/_last?name=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"]["authorization"].split("/")[2])'; }
q "SET GLOBAL aws_lambda_region='us-west-2'" >/dev/null
q "SELECT awslambda_fn('ok_region','{}')" >/dev/null
is "aws_lambda_region sets the region of calls by name" "$(scope ok_region)" us-west-2
q "SELECT lambda_sync('arn:aws:lambda:ap-south-1:123456789012:function:ok_arn2','{}')" >/dev/null
is "an ARN's region wins over aws_lambda_region" "$(scope arn:aws:lambda:ap-south-1:123456789012:function:ok_arn2)" ap-south-1
q "SET GLOBAL aws_lambda_region=''" >/dev/null
is "a partial ARN works too" "$(q "SELECT awslambda_fn('123456789012:function:ok_part','{}')")" '{}'
is "name:qualifier works, the qualifier kept in the path" \
  "$(q "SELECT awslambda_fn('ok_alias:live','{}')" >/dev/null; curl -fs "$FAULT_URL/_last?name=ok_alias:live" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["path"], d["query"])')" \
  "/2015-03-31/functions/ok_alias%3Alive/invocations "

# --- allowlist --------------------------------------------------------------------------
q "SET GLOBAL aws_lambda_allowed_functions='ok_allowed, ok_glob*'" >/dev/null
is "allowlisted function runs" "$(q "SELECT awslambda_fn('ok_allowed','{}')")" '{}'
is "glob in allowlist matches" "$(q "SELECT awslambda_fn('ok_globbed','{}')")" '{}'
like "a function not in the allowlist is refused, naming it" "$(q "SELECT awslambda_fn('ok_other','{}')")" "ERROR 1105.*ok_other.*(allow|not permitted|NotAllowed)"
is "... and nothing was sent" "$(fault_count ok_other)" 0
q "SET GLOBAL aws_lambda_allowed_functions=''" >/dev/null
is "emptied allowlist allows any function again" "$(q "SELECT awslambda_fn('ok_other','{}')")" '{}'

checked=$(fault_stat sig_checked)
if [ "${checked:-0}" -gt 20 ] 2>/dev/null; then ok "fault server checked $checked signatures with botocore"; else not_ok "fault server checked signatures ($checked)"; fi
is "every signature (names, ARNs, aliases) matched botocore's" "$(fault_stat sig_failures)" 0
server_alive && ok "server still up" || not_ok "server still up"
no_crash
tap_exit
