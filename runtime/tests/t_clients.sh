#!/usr/bin/env bash
# t_clients.sh — the reference clients against `sqlambda serve`: the AWS CLI
# (invoke, list-functions, get-function, errors) and core's own client
# (tool_invoke, linked with libsqlambda), plus the CLI's `sqlambda invoke`
# and `sqlambda serve` when cli/build/sqlambda exists.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib_serve.sh"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA
fns=$(serve_functions)
start_serve --functions "$fns" || { not_ok "server starts"; exit 1; }
ok "server starts on a free port ($SERVE_URL)"

out=$SERVE_DIR/out.json
meta=$(aws lambda invoke --endpoint-url "$SERVE_URL" --function-name lambdaTest --payload '{"name":"bob"}' "$out" 2>&1)
is "aws lambda invoke lambdaTest (seed)" "$(cat "$out")" '{"Status": "OK", "name": "bob"}'
like "aws lambda invoke reports StatusCode 200" "$meta" '"StatusCode": 200'
like "aws lambda invoke reports ExecutedVersion" "$meta" '"ExecutedVersion": "\$LATEST"'
meta=$(aws lambda invoke --endpoint-url "$SERVE_URL" --function-name echo:live --log-type Tail --payload '{}' "$out" 2>&1)
like "aws lambda invoke name:alias" "$meta" '"ExecutedVersion": "1"'
log=$(printf '%s' "$meta" | python3 -c 'import sys,json,base64; print(base64.b64decode(json.load(sys.stdin)["LogResult"]).decode())')
like "aws lambda invoke --log-type Tail gives the REPORT line" "$log" 'REPORT RequestId: .*Duration: '
meta=$(aws lambda invoke --endpoint-url "$SERVE_URL" --function-name flaky --payload '{"counter":"'"$SERVE_DIR"'/c","fail_times":9}' "$out" 2>&1)
like "aws lambda invoke of a failing function shows FunctionError" "$meta" '"FunctionError": "Unhandled"'
err=$(aws lambda invoke --endpoint-url "$SERVE_URL" --function-name ghost --payload '{}' "$out" 2>&1)
like "aws lambda invoke of an unknown function -> ResourceNotFoundException" "$err" 'ResourceNotFoundException.*Function not found'
meta=$(aws lambda invoke --endpoint-url "$SERVE_URL" --function-name lambdaTest --invocation-type Event --payload '{}' "$out" 2>&1)
like "aws lambda invoke --invocation-type Event -> 202" "$meta" '"StatusCode": 202'
list=$(aws lambda list-functions --endpoint-url "$SERVE_URL" --query 'Functions[].FunctionName' --output text 2>&1)
like "aws lambda list-functions" "$list" 'lambdaTest'
get=$(aws lambda get-function --endpoint-url "$SERVE_URL" --function-name lambdaTest --query 'Configuration.[FunctionName,Runtime,Timeout]' --output text 2>&1)
pyrt=$(python3 -c "import sys; print('python%d.%d' % sys.version_info[:2])")
is "aws lambda get-function" "$(echo $get)" "lambdaTest $pyrt 3"

# core's client
ti=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_invoke
r=$("$ti" "$SERVE_URL" lambdaTest '{"name":"bob"}' 2>&1)
is "core client: lambdaTest" "$r" 'status=200 error= type= version=$LATEST
{"Status": "OK", "name": "bob"}'
r=$("$ti" "$SERVE_URL" "arn:aws:lambda:us-east-1:123456789012:function:echo:beta" '{}' 2>&1)
like "core client: full ARN with alias" "$r" 'status=200 error= type= version=2'
r=$("$ti" "$SERVE_URL" crash '{"crash":true}' 2>&1)
like "core client: crashed worker -> Unhandled Runtime.ExitError" "$r" 'status=200 error=Unhandled type=Runtime.ExitError'
r=$("$ti" "$SERVE_URL" lambdaTest '{}' RequestResponse Tail 2>&1)
like "core client: Tail log decoded" "$r" 'END RequestId'
r=$("$ti" "$SERVE_URL" lambdaTest '{}' Event 2>&1)
like "core client: Event -> 202" "$r" 'status=202'
r=$("$ti" "$SERVE_URL" lambdaTest '{}' DryRun 2>&1)
like "core client: DryRun -> 204" "$r" 'status=204'
r=$("$ti" "$SERVE_URL" ghost '{}' 2>&1)
like "core client: unknown function -> 404 ResourceNotFoundException" "$r" 'status=404 .*type=ResourceNotFoundException'
stop_serve

# the CLI, when it has been built
cli=$top/cli/build/sqlambda
if [ -x "$cli" ]; then
  port=$(free_port)
  "$cli" serve --listen "127.0.0.1:$port" --functions "$fns" >"$SERVE_DIR/cli.out" 2>"$SERVE_DIR/cli.err" &
  SERVE_PID=$!
  for _ in $(seq 1 100); do grep -q "^listening on" "$SERVE_DIR/cli.out" 2>/dev/null && break; sleep 0.05; done
  like "sqlambda serve prints its address" "$(cat "$SERVE_DIR/cli.out")" "listening on http://127.0.0.1:$port"
  r=$("$cli" invoke --endpoint-url "http://127.0.0.1:$port" lambdaTest '{"name":"bob"}' 2>&1)
  is "sqlambda invoke against sqlambda serve" "$r" '{"Status": "OK", "name": "bob"}'
  stop_serve
else
  ok "sqlambda serve via the CLI # SKIP cli/build/sqlambda not built"
fi
tap_exit
