# samples/demo/stack.sh — what both walkthroughs (scripts/demo-walkthrough
# for PostgreSQL, scripts/demo-mariadb) share, sourced with $top, $cli and
# $work set and DEMO_NAME naming the script in messages:
#   say/step/die/fail   output and failure helpers (fail sets $failed=1)
#   stack_up            starts moto as CloudWatch/S3/Firehose/Kinesis
#                       (scripts/demo-services, env exported) and `sqlambda
#                       serve --functions samples/functions --verbose` with
#                       SigV4 checked against moto's key; sets lambda_url,
#                       serve_pid
#   stack_down          stops both (call from the EXIT trap)
#   invocations FN      Invoke requests for function FN (name or ARN) that
#                       reached the endpoint so far (counted in serve's log)
#   kinesis_put JSON    the AWS CLI put-record on MySensorReadings, shown
#   values              the post's eight readings, for NOW-80min .. NOW-10min
failed=0
serve_pid=
lambda_url=
values=(65 65 63 67 74 82 85 86)
say()  { printf '# %s\n' "$*"; }
step() { printf '\n==== Step %s\n' "$*"; }
die()  { echo "$DEMO_NAME: $*" >&2; exit 1; }
fail() { echo "$DEMO_NAME: FAILED: $*" >&2; failed=1; }

stack_up() {
  local env_text
  say "starting moto_server as CloudWatch, S3, Firehose and Kinesis (scripts/demo-services)..."
  env_text=$("$top/scripts/demo-services" "$work/moto") || die "scripts/demo-services failed"
  eval "$env_text"
  say "moto at $MOTO_URL: bucket $DEMO_BUCKET, Firehose FirehoseTempReading, Kinesis MySensorReadings"
  say "starting sqlambda serve --functions samples/functions --credentials FILE (SigV4 checked as on AWS;"
  say "  the functions reach moto through AWS_ENDPOINT_URL)..."
  # the key pair the database signs with (moto's IAM user, from the environment)
  (umask 077; printf '%s %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$work/serve.credentials")
  "$cli" serve --functions "$top/samples/functions" --listen 127.0.0.1:0 \
    --credentials "$work/serve.credentials" --pass-aws-credentials --verbose >"$work/serve.log" 2>&1 &
  serve_pid=$!
  local _
  for _ in $(seq 1 200); do
    lambda_url=$(sed -n 's/^listening on //p' "$work/serve.log" 2>/dev/null)
    [ -n "$lambda_url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; die "sqlambda serve exited"; }
    sleep 0.05
  done
  [ -n "$lambda_url" ] || die "sqlambda serve did not start; see $work/serve.log"
  say "local Lambda at $lambda_url"
}

stack_down() {
  [ -n "$serve_pid" ] && { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; }
  "$top/scripts/moto-stop" "$work/moto" >/dev/null 2>&1
}

invocations() {
  grep -cE "POST /2015-03-31/functions/([^ /]*(:|%3A))?$1(/|(:|%3A)[^ /]*/)invocations" "$work/serve.log"
}

kinesis_put() {
  printf "\$ aws kinesis put-record --stream-name MySensorReadings --partition-key Sensor1 --data '%s'\n" "$1"
  aws kinesis put-record --stream-name MySensorReadings --partition-key Sensor1 --data "$1" --output text |
    sed 's/^/  /'
}
