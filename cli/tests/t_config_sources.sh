#!/usr/bin/env bash
# cli/tests/t_config_sources.sh — `sqlambda config` for the credential
# sources that need a peer: an assumed role (role_arn + source_profile, and
# a chain of two) against moto_server's STS with signature verification,
# and container credentials from core's loopback container fixture. Each
# row names the source and where it came from (the role ARN, the profile,
# its source_profile; the container variable); the keys, secret
# and token are never printed; the region and endpoint rows are the same as
# without the role. moto missing: skipped.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
if ! command -v moto_server >/dev/null; then
  ok "sqlambda config with assumed roles # SKIP moto_server not installed"
  exit 0
fi
tmp=$(mktemp -d /tmp/sqlambda-config-src.XXXXXX)
cpid=
cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  "$top/scripts/moto-stop" "$tmp/moto" >/dev/null 2>&1
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp AWS_EC2_METADATA_DISABLED=true
if ! "$top/scripts/moto-start" "$tmp/moto" >"$tmp/moto-start.log" 2>&1; then
  not_ok "moto_server started"; sed 's/^/# /' "$tmp/moto-start.log"; exit 1
fi
. "$tmp/moto/env"
python3 - "$MOTO_URL" "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" <<'PY'
import sys, json, boto3
url, ak, sk = sys.argv[1:]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
for n in ("reader", "writer"):
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=n, PolicyName="all", PolicyDocument=allow)
PY
check "moto: roles created" test $? -eq 0
A=arn:aws:iam::$MOTO_ACCOUNT:role
export AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config
export AWS_ENDPOINT_URL_STS=$MOTO_URL
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[base]
aws_access_key_id = $MOTO_ACCESS_KEY_ID
aws_secret_access_key = $MOTO_SECRET_ACCESS_KEY
EOF
cat >"$AWS_CONFIG_FILE" <<EOF
[profile reader]
region = us-east-2
use_fips_endpoint = true
role_arn = $A/reader
source_profile = base
[profile writer]
role_arn = $A/writer
source_profile = reader
EOF

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out.json" "$1"; }
$WRAP "$CLI" config --profile reader --json >"$tmp/out.json" 2>"$tmp/err"; rc=$?
is "assumed role: exit 0" "$rc:$(cat "$tmp/err")$(json 'd["error"]')" "0:"
is "assumed role: the source" "$(json 'd["settings"]["access_key"]["type"]')" assume-role
is "assumed role: the role, the file and profile, the source profile" \
  "$(json 'd["settings"]["access_key"]["location"]')" \
  "role $A/reader of $tmp/config (profile \"reader\"), source_profile \"base\""
like "assumed role: the temporary key id by its last 4 only" "$(json 'd["settings"]["access_key"]["value"]')" '^\*{16}[A-Z0-9]{4}$'
is "assumed role: a session token, masked" "$(json 'd["settings"]["session_token"]["value"]')" '****************'
is "assumed role: the profile's FIPS endpoint" "$(json 'd["settings"]["endpoint_url"]["value"]')" \
  https://lambda-fips.us-east-2.amazonaws.com

# the same role through boto3: the keys sqlambda got are never printed
python3 - "$tmp/out.json" <<'PY' >"$tmp/keys"
import boto3, sys
c = boto3.Session(profile_name="reader").get_credentials().get_frozen_credentials()
print(c.access_key, c.secret_key, c.token)
PY
check "boto3 assumed the same role" test -s "$tmp/keys"
$WRAP "$CLI" config --profile reader >"$tmp/table" 2>&1
for k in $MOTO_SECRET_ACCESS_KEY $MOTO_ACCESS_KEY_ID; do
  case $(cat "$tmp/table" "$tmp/out.json") in *"$k"*) not_ok "the source profile's key is never shown" ;; *) ok "the source profile's key is never shown" ;; esac
done
like "table: the assume-role row" "$(cat "$tmp/table")" "access_key +\\*{16}[A-Z0-9]{4} +assume-role +role $A/reader"

# a chain: writer <- reader <- base
AWS_PROFILE=writer $WRAP "$CLI" config --json >"$tmp/out.json" 2>"$tmp/err"; rc=$?
is "chain: exit 0" "$rc:$(cat "$tmp/err")$(json 'd["error"]')" "0:"
is "chain: the last role and its source profile" "$(json 'd["settings"]["access_key"]["location"]')" \
  "role $A/writer of $tmp/config (profile \"writer\"), source_profile \"reader\""
is "chain: the profile came from AWS_PROFILE" "$(json 'd["settings"]["profile"]["location"]')" AWS_PROFILE

# container credentials (core's loopback fixture)
python3 "$top/core/tests/fixtures/container_creds.py" "$tmp/cont.port" &
cpid=$!
for _ in $(seq 1 200); do [ -s "$tmp/cont.port" ] && break; sleep 0.05; done
CONT=http://127.0.0.1:$(cat "$tmp/cont.port")
printf '[default]\nregion = ap-southeast-2\n' >"$tmp/config2"
AWS_CONFIG_FILE=$tmp/config2 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CONT/creds \
  $WRAP "$CLI" config --json >"$tmp/out.json" 2>"$tmp/err"; rc=$?
is "container: exit 0" "$rc" 0
is "container: source and variable" "$(json 'd["settings"]["access_key"]["type"], d["settings"]["access_key"]["location"]')" \
  "('container', 'AWS_CONTAINER_CREDENTIALS_FULL_URI')"
like "container: the key id by its last 4 only" "$(json 'd["settings"]["access_key"]["value"]')" '^\*{16}.{4}$'
case $(cat "$tmp/out.json") in *ASIACONTAINER*) not_ok "container: the key id is not shown whole" ;; *) ok "container: the key id is not shown whole" ;; esac
tap_exit
