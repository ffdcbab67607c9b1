#!/usr/bin/env bash
# core/tests/t_hostile_inputs.sh — nothing that becomes part of a URL can
# steer core's signed, credential-bearing request: hostile regions (per call,
# options, AWS_REGION, AWS_DEFAULT_REGION, profile, EC2 instance metadata),
# endpoint overrides (options, AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL),
# function names, ARNs and qualifiers, through sqlambda_invoke, invoke_many
# and the multi API (tool_invoke). Each value is one that, unchecked, sends
# the request to a loopback listener (e.g. region "x@127.0.0.1:PORT/#" turns
# https://lambda.<region>.amazonaws.com into userinfo + 127.0.0.1:PORT).
# Asserts: the right status, an error naming the argument, the listener saw
# ZERO connections and the credential_process was never run.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
B=${SQLAMBDA_BUILD:-$top/core/build}
TOOL="${SQLAMBDA_WRAP:-} $B/tests/tool_invoke"
tmp=$(mktemp -d /tmp/sqlambda-hostile.XXXXXX)
. "$top/core/tests/lib_fault.sh"
LPID= IPID=
cleanup() { [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; [ -n "$IPID" ] && kill "$IPID" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
clean_aws_env

start_listener() { # FILE-PREFIX [--imds-region R]: sets the port in $tmp/<prefix>.port
  local p=$1; shift
  # (no inherited stdout: the caller's $(...) must not wait for the listener)
  python3 "$top/core/tests/conn_listener.py" --port-file "$tmp/$p.port" --log "$tmp/$p.log" "$@" \
    </dev/null >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/$p.port" ] && break; sleep 0.05; done
  echo "$pid"
}
LPID=$(start_listener conn)
P=$(cat "$tmp/conn.port")
: >"$tmp/conn.log"
EP=http://127.0.0.1:$P
STEER="x@127.0.0.1:$P/#"   # a region that redirects the default endpoint to the listener
# (few forks per case: on a loaded machine each one costs)
conns() { local n=0 l; while IFS= read -r l; do n=$((n+1)); done <"$tmp/conn.log"; echo "$n"; }
like_() { if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1"; printf '#   got:  %s\n#   want /%s/\n' "$2" "$3"; fi; }

# credentials only through a credential_process that leaves a mark
cat >"$tmp/creds.sh" <<EOS
#!/bin/sh
touch "$tmp/fetched"
echo '{"Version":1,"AccessKeyId":"AKIDHOSTILETEST","SecretAccessKey":"hostile-secret"}'
EOS
chmod +x "$tmp/creds.sh"
printf '[default]\ncredential_process = %s\n[profile evil]\nregion = %s\ncredential_process = %s\n' \
  "$tmp/creds.sh" "$STEER" "$tmp/creds.sh" >"$tmp/config"
export AWS_CONFIG_FILE=$tmp/config

# case NAME WANT_STATUS MESSAGE_REGEX TOOL-ARGS...: one refused call
case_() {
  local name=$1 want=$2 re=$3; shift 3
  local before line st= msg= att=; before=$(conns)
  out=$($TOOL --timeout 3000 --connect-timeout 1000 "$@" 2>&1)
  while IFS= read -r line; do
    case $line in
    status=*) st=${line#status=} ;;
    message=*) msg=${line#message=} ;;
    attempts=*) att=${line#attempts=} ;;
    esac
  done <<<"$out"
  is "$name: status" "$st" "$want"
  like_ "$name: message names it" "$msg" "$re"
  is "$name: no connection" "$(conns)" "$before"
  is "$name: attempts=0" "$att" 0
}

# ---- regions ---------------------------------------------------------------
case_ "per-call region redirecting the default endpoint" InvalidRequest 'region argument "x@127\.0\.0\.1:[0-9]+/#" is not an AWS region' \
  --region us-east-1 --call-region "$STEER" f
case_ "per-call region with CR/LF" InvalidRequest 'region argument "us-east-1\\x0D\\x0AHost: x"' \
  --region us-east-1 --call-region $'us-east-1\r\nHost: x' f
case_ "per-call region '127.0.0.1:PORT/x?'" InvalidRequest 'region argument' \
  --region us-east-1 --call-region "127.0.0.1:$P/x?" f
case_ "per-call region, invoke_many" InvalidRequest 'region argument "x@127' \
  --region us-east-1 --call-region "$STEER" --many 3 --concurrency 3 f
case_ "options region" ConfigError 'the region setting "x@127' --region "$STEER" f
AWS_REGION=$STEER case_ "AWS_REGION" ConfigError 'AWS_REGION "x@127' f
AWS_DEFAULT_REGION="us-east-1.evil.example" case_ "AWS_DEFAULT_REGION" ConfigError 'AWS_DEFAULT_REGION "us-east-1\.evil\.example"' f
AWS_PROFILE=evil case_ "profile region" ConfigError "the profile's region \"x@127" f
case_ "full ARN with a hostile region" InvalidRequest 'ARN region "x@127' "arn:aws:lambda:x@127.0.0.1:$P/#:123456789012:function:f"

# the multi API (sqlambda_multi_add): each request is refused on its own
before=$(conns)
out=$($TOOL --region us-east-1 --call-region "$STEER" --multi-run 1000 --also g f 2>&1)
like "per-call region, multi API: both requests refused" "$(printf '%s\n' "$out" | grep -c '^done_[01]=InvalidRequest')" '^2$'
is "per-call region, multi API: no connection" "$(conns)" "$before"

# the region EC2 instance metadata returns is an untrusted network answer
IPID=$(start_listener imds --imds-region "$STEER")
AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$(cat "$tmp/imds.port") \
  case_ "region from instance metadata" ConfigError 'the region EC2 instance metadata returned "x@127\.0\.0\.1:[0-9]+/#"' f

# ---- endpoint overrides ------------------------------------------------------
case_ "endpoint with userinfo (hidden in the message)" ConfigError 'invalid endpoint URL "http://\*\*\*@127\.0\.0\.1:[0-9]+/" \(from the endpoint setting\): has userinfo' \
  --region us-east-1 --endpoint "http://u:p@127.0.0.1:$P/" f
case_ "endpoint with a fragment" ConfigError 'fragment' --region us-east-1 --endpoint "$EP/#x" f
case_ "endpoint with a query" ConfigError 'query' --region us-east-1 --endpoint "$EP/?X-Amz-Invocation-Type=Event" f
case_ "endpoint with %2F" ConfigError '%-escape' --region us-east-1 --endpoint "$EP/a%2Fb" f
case_ "endpoint with CR/LF" ConfigError 'line break' --region us-east-1 --endpoint "$EP/"$'\r\nX: y' f
case_ "endpoint with a tab" ConfigError 'whitespace' --region us-east-1 --endpoint "$EP/"$'\t' f
case_ "endpoint with an IDN host" ConfigError 'non-ASCII' --region us-east-1 --endpoint $'http://us-east-1.\xd0\xb5\xd1\x85\xd0\xb0mple/' f
case_ "endpoint with '..'" ConfigError 'segments' --region us-east-1 --endpoint "$EP/a/../b" f
AWS_ENDPOINT_URL_LAMBDA="http://u@127.0.0.1:$P" case_ "AWS_ENDPOINT_URL_LAMBDA with userinfo" ConfigError '\(from AWS_ENDPOINT_URL_LAMBDA\): has userinfo' --region us-east-1 f
AWS_ENDPOINT_URL="$EP/#" case_ "AWS_ENDPOINT_URL with a fragment" ConfigError '\(from AWS_ENDPOINT_URL\): has a fragment' --region us-east-1 f

# ---- function names, ARNs, qualifiers (the endpoint is the listener) --------
for fn in '../x' 'f/../../x' 'f%2F' 'f#' 'f?x=1' $'f\r\nX: y' 'f x' $'f\tx' 'f.' $'\xd0\xb5f'; do
  case_ "function $(printf '%q' "$fn")" InvalidRequest 'function name' --region us-east-1 --endpoint "$EP" "$fn"
done
case_ "function of 1000+ characters" InvalidRequest 'characters long' --region us-east-1 --endpoint "$EP" "$(printf 'f%.0s' $(seq 1 1200))"
case_ "ARN with a hostile account" InvalidRequest 'account id' --region us-east-1 --endpoint "$EP" "arn:aws:lambda:us-east-1:1234@x:function:f"
case_ "ARN with a hostile partition" InvalidRequest 'partition' --region us-east-1 --endpoint "$EP" "arn:aws/x:lambda:us-east-1:123456789012:function:f"
for q in 'a/b' '%2F' '..' $'a\r\nX: y' 'a:b' 'a#' 'a?b' 'a b' '%00'; do
  case_ "qualifier $(printf '%q' "$q")" InvalidRequest 'qualifier' --region us-east-1 --endpoint "$EP" --qualifier "$q" f
done
case_ "qualifier, invoke_many" InvalidRequest 'qualifier' --region us-east-1 --endpoint "$EP" --qualifier 'a/b' --many 2 f

# credentials become headers: a session token with a line break is refused
cat >"$tmp/crlf.sh" <<'EOS'
#!/bin/sh
cat <<'J'
{"Version":1,"AccessKeyId":"AKIDX","SecretAccessKey":"s","SessionToken":"tok\r\nX-Amz-Invocation-Type: Event"}
J
EOS
chmod +x "$tmp/crlf.sh"
printf '[default]\ncredential_process = %s\n' "$tmp/crlf.sh" >"$tmp/config.crlf"
AWS_CONFIG_FILE=$tmp/config.crlf case_ "session token with CR/LF (header injection)" CredentialsError 'line break' \
  --region us-east-1 --endpoint "$EP" f

is "the credential_process was never run for a refused request" "$([ -e "$tmp/fetched" ] && echo ran || echo 'not run')" 'not run'
is "the listener saw zero connections in all" "$(conns)" 0

# the listener does see a call that is allowed through (so zero means zero)
$TOOL --timeout 2000 --max-attempts 1 --region us-east-1 --endpoint "$EP" f >/dev/null 2>&1
like "control: a valid call reaches the listener" "$(conns)" '^[1-9]'
tap_exit
