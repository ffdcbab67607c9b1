#!/usr/bin/env bash
# t_startup.sh — the plugin loaded at server start (--plugin-load-add) with
# its settings as server options, as a my.cnf would give them: they are in
# force for the first call. Its version (PLUGINS, User-Agent) is the file VERSION.
. "$(dirname "$0")/lib.sh"

start_fault || { not_ok "fault server starts"; exit 1; }
start_db db AWS_ACCESS_KEY_ID=AKIDSTART AWS_SECRET_ACCESS_KEY=startSecret AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  -- --plugin-load-add=aws_lambda_udf.so --aws-lambda-endpoint-url="$FAULT_URL" \
  --aws-lambda-allowed-functions='ok_start,ok_s*,throttle_st' --aws-lambda-region=eu-north-1 \
  --aws-lambda-max-attempts=1 || { not_ok "MariaDB starts with the plugin and its options"; exit 1; }
is "options show as system variables" \
  "$(q "SELECT CONCAT_WS(' ', @@aws_lambda_endpoint_url, @@aws_lambda_allowed_functions, @@aws_lambda_region, @@aws_lambda_max_attempts)")" \
  "$FAULT_URL ok_start,ok_s*,throttle_st eu-north-1 1"
is "startup endpoint is used by the first call" "$(q "SELECT awslambda_fn('ok_start','{\"s\":1}')")" '{"s":1}'
is "startup region is used" \
  "$(curl -fs "$FAULT_URL/_last?name=ok_start" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"]["authorization"].split("/")[2])')" eu-north-1
like "startup allowlist is enforced" "$(q "SELECT awslambda_fn('ok_nope','{}')")" "ERROR 1105.*ok_nope.*allowed"
ver=$(cat "$(dirname "$0")/../../VERSION")
is "the plugin's version in information_schema.PLUGINS is the file VERSION" \
  "$(q "SELECT PLUGIN_AUTH_VERSION FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'aws_lambda'")" "$ver"
is "the User-Agent carries the file VERSION" \
  "$(curl -fs "$FAULT_URL/_last?name=ok_start" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"]["user-agent"].split()[0])')" "sqlambda/$ver"
like "startup max_attempts is used" "$(q "SELECT awslambda_fn('throttle_st','{}')")" "ERROR 1105.*throttle_st.*1 attempt"
no_crash
tap_exit
