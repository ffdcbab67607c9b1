#!/usr/bin/env bash
# t_retry_mode.sh — AWS_RETRY_MODE / retry_mode against fault_server.py:
# legacy makes 5 attempts by default (standard 3), AWS_MAX_ATTEMPTS and
# the profile's max_attempts still win, the profile's retry_mode applies
# when the variable is unset, legacy retries HTTP 509 (standard does not)
# and takes no retry quota (30 calls of 5 attempts against a throttling
# function: standard stops retrying when the quota of 500 tokens is spent,
# after 100 retries; legacy makes all 150 attempts); adaptive makes
# standard's 3 attempts (its rate limiter, which t_adaptive.sh tests, holds
# them back ~2 s each) and describe shows it with its origin; unknown
# values are configuration errors naming the variable or key. Retries are
# answered with Retry-After: 0, so nothing else waits.
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
SECRET=retryModeSecret
start_fault_server "$SECRET"

inv() {
  out=$($W "$B" --endpoint "$URL" --region us-east-1 --key AKIDRETRY --secret "$SECRET" "$@" 2>"$tmp/err"); local rc=$?
  if [ "$rc" -ne 0 ]; then not_ok "tool_invoke exited $rc: $*"; sed 's/^/#   /' "$tmp/err" | head -20; fi
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
count() { curl -s "$URL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get('$1',0))"; }

inv throttleRA0_std
is "standard (default): 3 attempts" "$(f status)/$(f attempts)/$(count throttleRA0_std)" Throttled/3/3
AWS_RETRY_MODE=standard inv throttleRA0_std2
is "AWS_RETRY_MODE=standard: 3 attempts" "$(f attempts)" 3
AWS_RETRY_MODE=legacy inv throttleRA0_leg
is "AWS_RETRY_MODE=legacy: 5 attempts by default" "$(f status)/$(f attempts)/$(count throttleRA0_leg)" Throttled/5/5
AWS_RETRY_MODE=legacy AWS_MAX_ATTEMPTS=2 inv throttleRA0_leg2
is "legacy with AWS_MAX_ATTEMPTS=2: 2 attempts" "$(f attempts)" 2
AWS_RETRY_MODE=legacy inv --max-attempts 4 throttleRA0_leg4
is "legacy with the max_attempts option 4: 4 attempts" "$(f attempts)" 4

printf '[default]\nretry_mode = legacy\n[profile both]\nretry_mode = legacy\nmax_attempts = 6\n' >"$tmp/config"
AWS_CONFIG_FILE=$tmp/config inv throttleRA0_prof
is "profile retry_mode = legacy: 5 attempts" "$(f attempts)" 5
AWS_CONFIG_FILE=$tmp/config AWS_PROFILE=both inv throttleRA0_prof6
is "profile retry_mode legacy + max_attempts 6: 6 attempts" "$(f attempts)" 6
AWS_CONFIG_FILE=$tmp/config AWS_RETRY_MODE=standard inv throttleRA0_profenv
is "AWS_RETRY_MODE=standard wins over the profile's legacy: 3 attempts" "$(f attempts)" 3

inv fail509x1_std
is "standard: 509 is not retried" "$(f status)/$(f attempts)" ServiceError/1
AWS_RETRY_MODE=legacy inv fail509x1_leg
is "legacy: 509 is retried (botocore's limit_exceeded)" "$(f status)/$(f attempts)/$(count fail509x1_leg)" OK/2/2

inv --repeat 30 --max-attempts 5 throttleRA0_quota
is "standard: the retry quota stops retries (30 first attempts + 100 retries)" "$(count throttleRA0_quota)" 130
like "standard: the last call says the quota is spent" "$(f message)" 'retry quota exhausted'
AWS_RETRY_MODE=legacy inv --repeat 30 --max-attempts 5 throttleRA0_noquota
is "legacy: no retry quota (30 x 5 attempts)" "$(count throttleRA0_noquota)" 150

AWS_RETRY_MODE=adaptive inv throttleRA0_adaptive
is "adaptive: standard's 3 attempts" "$(f status)/$(f attempts)/$(count throttleRA0_adaptive)" Throttled/3/3
D=${SQLAMBDA_BUILD:-$here/../build}/tests/tool_describe
mode_of() { python3 -c 'import json,sys; s=json.load(sys.stdin)["settings"]["retry_mode"]; print(s["value"], s["type"], s["location"])'; }
is "describe: AWS_RETRY_MODE=adaptive, from the variable" \
  "$(AWS_RETRY_MODE=adaptive $W "$D" --region us-east-1 --no-credentials | mode_of)" "adaptive env AWS_RETRY_MODE"
printf '[default]\nretry_mode = adaptive\n' >"$tmp/config3"
is "describe: profile retry_mode = adaptive, from the config file" \
  "$(AWS_CONFIG_FILE=$tmp/config3 $W "$D" --region us-east-1 --no-credentials | mode_of)" \
  "adaptive config-file $tmp/config3 (profile \"default\")"
AWS_RETRY_MODE=Legacy inv throttleRA0_case
like "AWS_RETRY_MODE=Legacy (botocore's names are lowercase): refused" "$(f status) $(f message)" \
  '^ConfigError .*invalid AWS_RETRY_MODE "Legacy": must be standard, legacy or adaptive'
printf '[default]\nretry_mode = fast\n' >"$tmp/config2"
AWS_CONFIG_FILE=$tmp/config2 inv throttleRA0_prbad
like "profile retry_mode = fast: refused naming the key, file and profile" "$(f message)" \
  "invalid retry_mode of $tmp/config2 \\(profile \"default\"\\) \"fast\": must be standard, legacy or adaptive"
tap_exit
