#!/usr/bin/env bash
# t_messages.sh — core's one-line error message, kind by kind: it names the
# function, the endpoint host whenever it is known (also for configuration
# and credential problems) and the error type (the function's errorType,
# AWS's error code, or core's own kind for transport and response
# failures) with its message; configuration errors say what is missing or
# wrong. Secrets and session tokens never appear. Runs against
# fault_server.py (signatures checked with botocore).
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
export HOME=$tmp
SECRET=s3cr3tMessageValue
TOKEN=T0kenMessageValue

start_fault_server "$SECRET"
H="127\\.0\\.0\\.1:$PORT"

run_tool() {
  out=$($W "$B" "$@" 2>"$tmp/err"); local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_invoke exited $rc: $*"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
inv() { run_tool --endpoint "$URL" --region us-east-1 --key AKIDTEST --secret "$SECRET" "$@"; }
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
no_secrets() {
  if printf '%s' "$out" | grep -qF -e "$SECRET" -e "$TOKEN"; then not_ok "$1: no secret or token in the result"
  else ok "$1: no secret or token in the result"; fi
}

# --- failures with an answer from the endpoint: host, type, message
inv funcerror_m '{}'
is "function error: host, errorType and errorMessage" "$(f message)" \
  "lambda function \"funcerror_m\" at 127.0.0.1:$PORT: ValueError: boom happened (HTTP 200, 1 attempt)"
inv notfound_m '{}'
like "service error: host and AWS error code" "$(f message)" \
  "^lambda function \"notfound_m\" at $H: ResourceNotFoundException: Function not found: .*\\(HTTP 404, 1 attempt\\)$"
inv --max-attempts 1 throttle_m '{}'
like "throttled: host and AWS error code" "$(f message)" \
  "^lambda function \"throttle_m\" at $H: TooManyRequestsException: Rate Exceeded\\. \\(HTTP 429, 1 attempt\\)$"
run_tool --endpoint "$URL" --region us-east-1 --key AKIDTEST --secret wrong-secret-value --token "$TOKEN" ok_sig '{}'
like "bad signature: host and AWS error code" "$(f message)" "^lambda function \"ok_sig\" at $H: SignatureDoesNotMatch: "
if printf '%s' "$out" | grep -qF -e wrong-secret-value -e "$TOKEN"; then not_ok "bad signature: secret and token not in the result"
else ok "bad signature: secret and token not in the result"; fi
inv badlog_m '{}'
is "bad response header: host and BadResponse" "$(f message)" \
  "lambda function \"badlog_m\" at 127.0.0.1:$PORT: BadResponse: malformed X-Amz-Log-Result header (not base64) (HTTP 200, 1 attempt)"
is "bad response header: error_type/error_message" "$(f error_type)|$(f error_message)" \
  "BadResponse|malformed X-Amz-Log-Result header (not base64)"
inv --timeout 300 hang_m '{}'
like "timeout: host and Timeout" "$(f message)" "^lambda function \"hang_m\" at $H: Timeout: .*timed out"
dead=$(free_port)
run_tool --endpoint "http://127.0.0.1:$dead" --region us-east-1 --key AKIDTEST --secret "$SECRET" --max-attempts 1 ok_dead '{}'
like "connection refused: host and TransportError" "$(f message)" \
  "^lambda function \"ok_dead\" at 127\\.0\\.0\\.1:$dead: TransportError: .*\\(1 attempt\\)$"

# --- configuration: what is missing or wrong, the host when known
run_tool --endpoint "$URL" --key AKIDTEST --secret "$SECRET" ok_nr '{}'
like "no region, endpoint set: function, host, what is missing" "$(f message)" \
  "^lambda function \"ok_nr\" at $H: no region: set the region option, AWS_REGION"
run_tool --key AKIDTEST --secret "$SECRET" ok_nr2 '{}'
like "no region, no endpoint: function and what is missing (no host to name)" "$(f message)" \
  "^lambda function \"ok_nr2\": no region: "
run_tool --endpoint 'http://[::1' --region us-east-1 --key AKIDTEST --secret "$SECRET" ok_url '{}'
is "bad endpoint URL: status" "$(f status)" ConfigError
like "bad endpoint URL: function and the URL" "$(f message)" \
  "^lambda function \"ok_url\": invalid endpoint URL \"http://\\[::1\" \\(from the endpoint setting\\)"
AWS_ENDPOINT_URL_LAMBDA="ftp://127.0.0.1:$PORT" run_tool --region us-east-1 --key AKIDTEST --secret "$SECRET" ok_ftp '{}'
like "endpoint from the environment with another scheme: names URL and variable" "$(f message)" \
  "^lambda function \"ok_ftp\": invalid endpoint URL \"ftp://127\\.0\\.0\\.1:$PORT\" \\(from AWS_ENDPOINT_URL_LAMBDA\\)"
AWS_PROFILE=nosuch run_tool --endpoint "$URL" --region us-east-1 ok_prof '{}'
like "missing profile, endpoint set: function, host, profile" "$(f message)" \
  "^lambda function \"ok_prof\" at $H: profile \"nosuch\" not found in "
AWS_PROFILE=nosuch run_tool --region eu-west-1 ok_prof2 '{}'
like "missing profile, region set: the region's endpoint host" "$(f message)" \
  "^lambda function \"ok_prof2\" at lambda\\.eu-west-1\\.amazonaws\\.com: profile \"nosuch\" not found"
AWS_MAX_ATTEMPTS=lots run_tool --endpoint "$URL" --region us-east-1 --key AKIDTEST --secret "$SECRET" ok_att '{}'
like "bad AWS_MAX_ATTEMPTS: function, host, the variable and value" "$(f message)" \
  "^lambda function \"ok_att\" at $H: invalid max_attempts \"lots\" \\(from AWS_MAX_ATTEMPTS\\)"

# --- credentials: the host, and which source failed or what is missing
run_tool --endpoint "$URL" --region us-east-1 ok_nc '{}'
is "no credentials: status" "$(f status)/$(f attempts)" CredentialsError/0
like "no credentials: function, host, sources tried" "$(f message)" \
  "^lambda function \"ok_nc\" at $H: no credentials found for profile \"default\" \\(tried .*environment"
run_tool --endpoint "$URL" --region us-east-1 --key AKIDTEST ok_nosecret '{}'
like "key without secret: function, host, what is missing" "$(f message)" \
  "^lambda function \"ok_nosecret\" at $H: static credentials: access_key_id is set but secret_access_key is missing"
AWS_ACCESS_KEY_ID=AKIDENV run_tool --endpoint "$URL" --region us-east-1 ok_envhalf '{}'
like "half the environment keys: function, host, the missing variable" "$(f message)" \
  "^lambda function \"ok_envhalf\" at $H: .*AWS_SECRET_ACCESS_KEY"
printf '[profile failing]\ncredential_process = sh -c "echo %s >&2; exit 3"\n' "$SECRET" >"$tmp/config"
AWS_CONFIG_FILE=$tmp/config AWS_PROFILE=failing run_tool --endpoint "$URL" --region us-east-1 ok_proc '{}'
like "failing credential_process: function, host, the source" "$(f message)" \
  "^lambda function \"ok_proc\" at $H: .*credential_process"
no_secrets "failing credential_process"

# --- every message above, and the results with a session token
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN \
  run_tool --endpoint "$URL" --region us-east-1 notfound_tok '{}'
like "session token call: host and AWS error code" "$(f message)" "at $H: ResourceNotFoundException"
no_secrets "session token call"
tap_exit
