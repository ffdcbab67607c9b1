#!/usr/bin/env bash
# t_moto.sh — core against moto_server with SigV4 verification on: a signed
# call succeeds, a wrong secret gives a clear SignatureDoesNotMatch error
# without the secret in it, session-token credentials from STS work, an
# unknown access key is reported clearly.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_invoke
W=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
trap '"$top/scripts/moto-stop" "$tmp/moto"; rm -rf "$tmp"' EXIT
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_CONFIG_FILE=$tmp/none AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_EC2_METADATA_DISABLED=true

if ! command -v moto_server >/dev/null; then
  ok "moto tests # SKIP moto_server not installed"
  exit 0
fi
if ! "$top/scripts/moto-start" "$tmp/moto" >"$tmp/moto-start.log" 2>&1; then
  not_ok "moto_server started"; cat "$tmp/moto-start.log" | sed 's/^/# /'; exit 1
fi
. "$tmp/moto/env"
# run_tool ARGS...: runs tool_invoke (under $SQLAMBDA_WRAP) into $out; a
# non-zero exit (crash, sanitizer report, valgrind error) is a failed test.
run_tool() {
  out=$($W "$@" 2>"$tmp/err"); local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_invoke exited $rc: ${*:2}"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
host=${MOTO_URL#http://}
inv() { run_tool "$B" --endpoint "$MOTO_URL" --region us-east-1 "$@"; }

inv --key "$MOTO_ACCESS_KEY_ID" --secret "$MOTO_SECRET_ACCESS_KEY" lambdaTest '{"hello":"moto"}'
is "signed call: OK" "$(f status)/$(f http)" OK/200
like "signed call: payload echoed" "$(f payload)" '"hello": ?"moto"'

wrong=WrongSecretValue1234567890abcdefWXYZ
inv --key "$MOTO_ACCESS_KEY_ID" --secret "$wrong" lambdaTest '{}'
is "wrong secret: E_SERVICE" "$(f status)" ServiceError
is "wrong secret: SignatureDoesNotMatch" "$(f error_type)" SignatureDoesNotMatch
is "wrong secret: not retried" "$(f attempts)" 1
like "wrong secret: message names function and host" "$(f message)" "^lambda function \"lambdaTest\" at $host: SignatureDoesNotMatch"
check "wrong secret: secret not in the message" bash -c "! printf '%s' \"\$1\" | grep -q '$wrong'" _ "$out"
check "right secret not in the output either" bash -c "! printf '%s' \"\$1\" | grep -q '$MOTO_SECRET_ACCESS_KEY'" _ "$out"

# Session credentials from STS AssumeRole of a role that trusts our user
# (moto verifies those; it rejects its own GetSessionToken credentials).
python3 - "$MOTO_URL" "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$MOTO_ACCOUNT" >"$tmp/sts" <<'PY'
import json, sys, boto3
url, key, secret, acct = sys.argv[1:5]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)
iam = boto3.client("iam", **kw)
iam.create_role(RoleName="sqlambda-caller", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/sqlambda-test"},
                   "Action": "sts:AssumeRole"}]}))
iam.put_role_policy(RoleName="sqlambda-caller", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
c = boto3.client("sts", **kw).assume_role(RoleArn=f"arn:aws:iam::{acct}:role/sqlambda-caller",
                                          RoleSessionName="sqlambda-test")["Credentials"]
print(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
PY
read -r sk ss st <"$tmp/sts"
inv --key "$sk" --secret "$ss" --token "$st" lambdaTest '{"via":"session"}'
is "session token credentials: OK" "$(f status)" OK
like "session token credentials: payload" "$(f payload)" '"via": ?"session"'
inv --key "$sk" --secret "$ss" --token "${st}tampered" lambdaTest '{}'
is "tampered session token: rejected" "$(f status)" ServiceError
check "tampered session token: token not in the message" bash -c "! printf '%s' \"\$1\" | grep -qF -- '$st'" _ "$(f message)"

inv --key AKIAUNKNOWNKEY000000 --secret whatever lambdaTest '{}'
is "unknown key: E_SERVICE" "$(f status)" ServiceError
like "unknown key: clear type" "$(f error_type)" 'InvalidClientTokenId|UnrecognizedClient|InvalidAccessKeyId'
like "unknown key: message names function and host" "$(f message)" "lambda function \"lambdaTest\" at $host: "

inv --key "$MOTO_ACCESS_KEY_ID" --secret "$MOTO_SECRET_ACCESS_KEY" --many 20 --concurrency 5 lambdaTest '{"n":1}'
is "20 signed calls in flight: all OK" "$(f ok_count)" 20
tap_exit
