#!/usr/bin/env bash
# t_credentials.sh — credentials come from the server's environment (core's
# default chain): a wrong secret is refused by moto's SigV4 check and no
# credentials at all is reported by core; both reach the client as errors
# naming the function, without the secret.
. "$(dirname "$0")/lib.sh"

start_moto || { not_ok "moto_server starts"; exit 1; }
BAD_SECRET=wrongSecretKeyForTests0123456789abcdefgh
start_db bad AWS_ENDPOINT_URL="$MOTO_URL" AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" \
  AWS_SECRET_ACCESS_KEY="$BAD_SECRET" AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts (wrong secret)"; exit 1; }
out=$(q "SELECT awslambda_fn('lambdaTest','{}')")
like "wrong secret: moto refuses the signature, the error names the function" "$out" \
  "ERROR 1105.*awslambda_fn.*lambdaTest.*(Signature|signature|InvalidSignature|UnrecognizedClient|403)"
case "$out" in *"$BAD_SECRET"*) not_ok "the secret is not in the error" ;; *) ok "the secret is not in the error" ;; esac
grep -qF "$BAD_SECRET" "$DB_DIR/error.log" && not_ok "the secret is not in the error log" || ok "the secret is not in the error log"

mkdir -p "$work/home"
start_db none -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI HOME="$work/home" AWS_ENDPOINT_URL="$MOTO_URL" \
  AWS_REGION=us-east-1 AWS_CONFIG_FILE="$work/home/none" AWS_SHARED_CREDENTIALS_FILE="$work/home/none" \
  AWS_EC2_METADATA_DISABLED=true || { not_ok "MariaDB starts (no credentials)"; exit 1; }
posts() { grep -c 'POST /2015-03-31/functions/lambdaTest' "$work/moto/moto.log"; }
before=$(posts)
like "no credentials anywhere: an error naming the function and the credential problem" \
  "$(q "SELECT lambda_sync('lambdaTest','{}')")" "ERROR 1105.*lambda_sync.*lambdaTest.*([Cc]redential)"
is "... and nothing was sent unsigned" "$(posts)" "$before"
no_crash
tap_exit
