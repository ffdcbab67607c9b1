#!/usr/bin/env bash
# cli/tests/t_config.sh — `sqlambda config`: the table and --json name each
# setting's value and origin (option, variable, config or credentials file
# with the profile, derived endpoint with its partition, FIPS and
# dual-stack, FIPS pseudo-region, credential_process, environment keys);
# secrets never appear (the access key id only by its last 4 characters,
# the secret and session token never), on stdout or stderr; exit 0 when
# everything resolves, 3 with the table still printed and the error on
# stderr (no credentials, a bad AWS_USE_FIPS_ENDPOINT), 2 for bad options.
# What the resolution itself gives is compared with botocore in
# core/tests/t_endpoint_diff.py.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d /tmp/sqlambda-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$tmp AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
export AWS_EC2_METADATA_DISABLED=true

cat >"$tmp/config" <<'EOF'
[default]
region = eu-west-1
use_dualstack_endpoint = true
[profile gov]
region = fips-us-gov-west-1
max_attempts = 7
[profile proc]
region = cn-north-1
credential_process = printf '{"Version":1,"AccessKeyId":"AKIAPROCESSKEY9PRC","SecretAccessKey":"procSECRETvalue","SessionToken":"procTOKENvalue"}'
[profile local]
region = us-east-1
services = here
[services here]
lambda =
  endpoint_url = http://127.0.0.1:9
EOF
cat >"$tmp/credentials" <<'EOF'
[default]
aws_access_key_id = AKIAFILEKEYFILE1234
aws_secret_access_key = fileSECRETvalue
[gov]
aws_access_key_id = AKIAGOVKEYGOVKEY5678
aws_secret_access_key = govSECRETvalue
EOF

# json FIELD... : a value of the last --json output (python3 reads it)
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out.json" "$1"; }
run_json() { $WRAP "$CLI" config --json "$@" >"$tmp/out.json" 2>"$tmp/err"; }

# the default profile: region and dual-stack from the config file, keys from the credentials file
out=$($WRAP "$CLI" config 2>"$tmp/err"); rc=$?
is "default profile: exit 0" "$rc" 0
like "table header" "$out" '^NAME +VALUE +TYPE +LOCATION'
like "region row: value, config-file, the file and profile" "$out" \
  "region +eu-west-1 +config-file +$tmp/config \\(profile \"default\"\\)"
like "endpoint row: derived, dual-stack domain" "$out" \
  'endpoint_url +https://lambda\.eu-west-1\.api\.aws +derived +region eu-west-1, partition aws, dual-stack'
like "access key row: last 4 only, from the credentials file" "$out" \
  "access_key +\\*{16}1234 +profile +$tmp/credentials \\(profile \"default\"\\)"
like "secret row: masked" "$out" 'secret_key +\*{16} +profile'
like "no session token: <not set>" "$out" 'session_token +<not set>'
is "nothing on stderr" "$(cat "$tmp/err")" ""

# the same through --json
run_json; rc=$?
is "--json: exit 0" "$rc" 0
is "--json status" "$(json 'd["status"]')" OK
is "--json region" "$(json 'd["settings"]["region"]["value"]')" eu-west-1
is "--json region type" "$(json 'd["settings"]["region"]["type"]')" config-file
is "--json endpoint" "$(json 'd["settings"]["endpoint_url"]["value"]')" https://lambda.eu-west-1.api.aws
is "--json dual-stack: true from the config file" \
  "$(json 'd["settings"]["use_dualstack_endpoint"]["value"], d["settings"]["use_dualstack_endpoint"]["type"]')" \
  "('true', 'config-file')"
is "--json names in order" "$(json '",".join(d["settings"])')" \
  profile,region,endpoint_url,use_fips_endpoint,use_dualstack_endpoint,retry_mode,max_attempts,ca_bundle,ec2_metadata_endpoint,access_key,secret_key,session_token
is "--json session token null" "$(json 'd["settings"]["session_token"]["value"]')" None

# variables win, and say so
AWS_REGION=cn-northwest-1 AWS_USE_FIPS_ENDPOINT=TRUE AWS_USE_DUALSTACK_ENDPOINT=false run_json
is "AWS_REGION: region and its origin" "$(json 'd["settings"]["region"]["value"], d["settings"]["region"]["location"]')" \
  "('cn-northwest-1', 'AWS_REGION')"
is "FIPS from AWS_USE_FIPS_ENDPOINT in China" "$(json 'd["settings"]["endpoint_url"]["value"]')" \
  https://lambda-fips.cn-northwest-1.amazonaws.com.cn
is "FIPS row names the variable" "$(json 'd["settings"]["use_fips_endpoint"]["location"]')" AWS_USE_FIPS_ENDPOINT

# a profile by AWS_PROFILE: a FIPS pseudo-region and max_attempts from the config file
AWS_PROFILE=gov run_json
is "AWS_PROFILE: the profile row" "$(json 'd["settings"]["profile"]["value"], d["settings"]["profile"]["type"], d["settings"]["profile"]["location"]')" \
  "('gov', 'env', 'AWS_PROFILE')"
is "pseudo-region: region without fips-" "$(json 'd["settings"]["region"]["value"]')" us-gov-west-1
is "pseudo-region: FIPS endpoint" "$(json 'd["settings"]["endpoint_url"]["value"]')" https://lambda-fips.us-gov-west-1.amazonaws.com
like "pseudo-region: the FIPS row says why" "$(json 'd["settings"]["use_fips_endpoint"]["location"]')" \
  'FIPS pseudo-region "fips-us-gov-west-1"'
is "max_attempts from the profile" "$(json 'd["settings"]["max_attempts"]["value"], d["settings"]["max_attempts"]["type"]')" \
  "('7', 'config-file')"
is "the profile's own keys" "$(json 'd["settings"]["access_key"]["value"]')" '****************5678'

# options win; a configured endpoint makes FIPS moot, and the row says so
AWS_USE_FIPS_ENDPOINT=true run_json --profile local --region ap-south-2 --endpoint-url http://127.0.0.1:7/x
is "--endpoint-url: value and type" "$(json 'd["settings"]["endpoint_url"]["value"], d["settings"]["endpoint_url"]["type"]')" \
  "('http://127.0.0.1:7/x', 'option')"
is "--region: option" "$(json 'd["settings"]["region"]["value"], d["settings"]["region"]["type"]')" "('ap-south-2', 'option')"
like "FIPS row: not used with a configured endpoint" "$(json 'd["settings"]["use_fips_endpoint"]["location"]')" \
  'not used: a configured endpoint_url wins'
run_json --profile local
like "services section: named in the endpoint's location" "$(json 'd["settings"]["endpoint_url"]["location"]')" \
  '\(profile "local", \[services here\] lambda\)$'

# credential_process: the source, and never the secret or token
$WRAP "$CLI" config --profile proc >"$tmp/out" 2>"$tmp/err"; rc=$?
is "credential_process: exit 0" "$rc" 0
like "credential_process: the source and the profile" "$(cat "$tmp/out")" \
  "access_key +\\*{16}9PRC +process +credential_process of $tmp/config \\(profile \"proc\"\\)"
like "credential_process: a session token is there, masked" "$(cat "$tmp/out")" 'session_token +\*{16} +process'
run_json --profile proc
all=$(cat "$tmp/out" "$tmp/err" "$tmp/out.json")
for secret in AKIAPROCESSKEY9PRC procSECRETvalue procTOKENvalue; do
  case $all in *"$secret"*) not_ok "credential_process: $secret never shown" ;; *) ok "credential_process: $secret never shown" ;; esac
done

# environment keys
AWS_ACCESS_KEY_ID=AKIAENVKEYENVKEY4321 AWS_SECRET_ACCESS_KEY=envSECRETvalue AWS_SESSION_TOKEN=envTOKEN \
  $WRAP "$CLI" config >"$tmp/out" 2>&1
like "environment keys: source and variable" "$(cat "$tmp/out")" 'access_key +\*{16}4321 +environment +AWS_ACCESS_KEY_ID'
all=$(cat "$tmp/out")
for secret in AKIAENVKEYENVKEY4321 envSECRETvalue envTOKEN AKIAFILEKEYFILE1234 fileSECRETvalue; do
  case $all in *"$secret"*) not_ok "environment keys: $secret never shown" ;; *) ok "environment keys: $secret never shown" ;; esac
done

# --no-credentials: nothing fetched
run_json --profile proc --no-credentials; rc=$?
is "--no-credentials: exit 0, credential rows null" "$rc:$(json 'd["settings"]["access_key"]["value"]')" "0:None"

# problems: exit 3, the table still printed, the error on stderr
AWS_SHARED_CREDENTIALS_FILE=/dev/null $WRAP "$CLI" config --profile local >"$tmp/out" 2>"$tmp/err"; rc=$?
is "no credentials: exit 3" "$rc" 3
like "no credentials: the table is printed" "$(cat "$tmp/out")" 'region +us-east-1 +config-file'
like "no credentials: stderr says so" "$(cat "$tmp/err")" '^sqlambda config: no credentials found for profile "local"'
# a profile name with a terminal escape sequence is shown escaped, never raw
AWS_PROFILE=$'s\e[31mX' $WRAP "$CLI" config >"$tmp/out" 2>"$tmp/err"; rc=$?
like "escape sequence in AWS_PROFILE: the table shows it as \\x1B" "$(cat "$tmp/out")" '^profile +s\\x1B\[31mX +env +AWS_PROFILE'
is "... and no raw ESC byte reaches stdout or stderr" "$(cat "$tmp/out" "$tmp/err" | tr -cd '\033' | wc -c)" 0
AWS_USE_FIPS_ENDPOINT=yes $WRAP "$CLI" config >"$tmp/out" 2>"$tmp/err"; rc=$?
is "AWS_USE_FIPS_ENDPOINT=yes: exit 3" "$rc" 3
is "AWS_USE_FIPS_ENDPOINT=yes: the error names the variable" "$(cat "$tmp/err")" \
  'sqlambda config: invalid AWS_USE_FIPS_ENDPOINT "yes": must be true or false'
AWS_USE_DUALSTACK_ENDPOINT=1 run_json; rc=$?
is "--json AWS_USE_DUALSTACK_ENDPOINT=1: exit 3, status and error" \
  "$rc:$(json 'd["status"]'):$(json 'd["error"]')" \
  '3:ConfigError:invalid AWS_USE_DUALSTACK_ENDPOINT "1": must be true or false'
$WRAP "$CLI" config --profile nosuch >/dev/null 2>"$tmp/err"; rc=$?
is "unknown profile: exit 3" "$rc" 3
like "unknown profile: named" "$(cat "$tmp/err")" 'profile "nosuch" not found'

# bad options: exit 2, nothing resolved
for args in "--bogus" "extra" "--region" "--region us_east_1" "--endpoint-url ftp://x/" \
            "--profile a]b" "--credential-timeout-ms 0" "--credential-timeout-ms 3600001"; do
  # shellcheck disable=SC2086
  $WRAP "$CLI" config $args >"$tmp/out" 2>"$tmp/err"; rc=$?
  is "config $args: exit 2" "$rc" 2
  like "config $args: one line naming the problem" "$(cat "$tmp/err")" "^sqlambda config: .*\\(see 'sqlambda config --help'\\)$"
  is "config $args: nothing on stdout" "$(cat "$tmp/out")" ""
done
like "--region us_east_1: core's region message" "$($WRAP "$CLI" config --region us_east_1 2>&1)" \
  'invalid --region: region "us_east_1" is not an AWS region name'
$WRAP "$CLI" config --credential-timeout-ms 3600000 --no-credentials >/dev/null 2>&1
is "--credential-timeout-ms 3600000 (the cap) accepted" "$?" 0

# the CA bundle: shown with its origin; one that cannot be read is exit 3 naming it
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$tmp/ca.pem"
AWS_CA_BUNDLE=$tmp/ca.pem run_json --no-credentials
is "ca_bundle from AWS_CA_BUNDLE" "$(json 'd["settings"]["ca_bundle"]["value"], d["settings"]["ca_bundle"]["type"], d["settings"]["ca_bundle"]["location"]')" \
  "('$tmp/ca.pem', 'env', 'AWS_CA_BUNDLE')"
like "ec2_metadata_endpoint: not set with AWS_EC2_METADATA_DISABLED=true" \
  "$($WRAP "$CLI" config --no-credentials 2>&1)" 'ec2_metadata_endpoint +<not set> +- +-'
like "ec2_metadata_endpoint: IPv6 from AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE" \
  "$(AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 $WRAP "$CLI" config --no-credentials 2>&1)" \
  'ec2_metadata_endpoint +http://\[fd00:ec2::254\] +env +AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: IPv6'
out=$(AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=v6 $WRAP "$CLI" config --no-credentials 2>&1); rc=$?
like "a bad endpoint mode: exit 3 (configuration), the message names the variable" "$rc $out" \
  '^3 .*invalid AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE "v6": must be IPv4 or IPv6'
like "ca_bundle row in the table" "$(AWS_CA_BUNDLE=$tmp/ca.pem $WRAP "$CLI" config --no-credentials 2>&1)" \
  "ca_bundle +$tmp/ca.pem +env +AWS_CA_BUNDLE"
out=$(AWS_CA_BUNDLE=$tmp/nowhere.pem $WRAP "$CLI" config --no-credentials 2>&1); rc=$?
is "a missing CA bundle: exit 3" "$rc" 3
like "... naming it and its source" "$out" "CA bundle \"$tmp/nowhere.pem\" \(from AWS_CA_BUNDLE\) cannot be read: No such file or directory"
tap_exit
