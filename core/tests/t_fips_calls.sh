#!/usr/bin/env bash
# t_fips_calls.sh — a call's endpoint follows AWS_USE_FIPS_ENDPOINT /
# AWS_USE_DUALSTACK_ENDPOINT (and the profile's keys) for the region the
# call is made in — the client's, a per-call region, a full ARN's — in every
# partition, and a configured endpoint is left alone. Nothing is sent: with
# no credentials anywhere a call stops before connecting, and its result
# still names the host it would have gone to (endpoint_host, message).
# Which URL is right is compared with botocore in t_endpoint_diff.py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_invoke
W=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib_fault.sh"
clean_aws_env # no keys, no files, no metadata: nothing can be sent

host() { # ARGS...: the endpoint_host of one call (tool_invoke exiting 0 or 1)
  local out rc
  out=$($W "$B" "$@" 2>"$tmp/err"); rc=$?
  [ "$rc" -gt 1 ] && { echo "tool_invoke exited $rc"; head -5 "$tmp/err"; }
  printf '%s\n' "$out" | sed -n 's/^endpoint_host=//p'
}

is "no flags: the regional endpoint" "$(host --region us-east-1 f)" lambda.us-east-1.amazonaws.com
export AWS_USE_FIPS_ENDPOINT=true
is "FIPS: the client's region" "$(host --region us-east-1 f)" lambda-fips.us-east-1.amazonaws.com
is "FIPS: a per-call region" "$(host --region us-east-1 --call-region eu-central-1 f)" \
  lambda-fips.eu-central-1.amazonaws.com
is "FIPS: a GovCloud ARN's region" \
  "$(host --region us-gov-west-1 arn:aws-us-gov:lambda:us-gov-east-1:123456789012:function:f)" \
  lambda-fips.us-gov-east-1.amazonaws.com
export AWS_USE_DUALSTACK_ENDPOINT=true
is "FIPS + dual-stack: China" "$(host --region cn-north-1 f)" lambda-fips.cn-north-1.api.amazonwebservices.com.cn
is "FIPS + dual-stack: aws-iso-b, per call" "$(host --region us-east-1 --call-region us-isob-east-1 f)" \
  lambda-fips.us-isob-east-1.api.aws.scloud
unset AWS_USE_FIPS_ENDPOINT
is "dual-stack: aws" "$(host --region ap-southeast-2 f)" lambda.ap-southeast-2.api.aws
is "a configured endpoint is left alone" "$(host --endpoint http://127.0.0.1:9 --region us-east-1 f)" 127.0.0.1:9
unset AWS_USE_DUALSTACK_ENDPOINT
printf '[default]\nregion = us-west-2\nuse_dualstack_endpoint = true\nuse_fips_endpoint = true\n' >"$tmp/config"
is "the profile's keys" "$(AWS_CONFIG_FILE=$tmp/config host f)" lambda-fips.us-west-2.api.aws
like "the message names the host too" "$(AWS_USE_FIPS_ENDPOINT=true $W "$B" --region us-east-1 f 2>/dev/null | sed -n 's/^message=//p')" \
  '^lambda function "f" at lambda-fips\.us-east-1\.amazonaws\.com: no credentials found'
tap_exit
