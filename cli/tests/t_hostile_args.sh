#!/usr/bin/env bash
# cli/tests/t_hostile_args.sh — `sqlambda invoke` refuses hostile
# --region, --endpoint-url, --qualifier and FUNCTION values before making a
# client: exit 2, one line naming the option, and a loopback listener that
# each value would otherwise steer the signed request to sees ZERO
# connections (no credential_process run either). A hostile AWS_REGION is a
# configuration error (exit 3) naming AWS_REGION, also without connecting.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d /tmp/sqlambda-cli-hostile.XXXXXX)
LPID=
cleanup() { [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$tmp/config
python3 "$top/core/tests/conn_listener.py" --port-file "$tmp/port" --log "$tmp/conn.log" \
  </dev/null >/dev/null 2>&1 &
LPID=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
P=$(cat "$tmp/port")
: >"$tmp/conn.log"
EP=http://127.0.0.1:$P
STEER="x@127.0.0.1:$P/#"
printf '#!/bin/sh\ntouch "%s/fetched"\necho '"'"'{"Version":1,"AccessKeyId":"AKIDCLIHOSTILE","SecretAccessKey":"cli-hostile-secret"}'"'"'\n' "$tmp" >"$tmp/creds.sh"
chmod +x "$tmp/creds.sh"
printf '[default]\ncredential_process = %s\n' "$tmp/creds.sh" >"$tmp/config"
# (few forks per case: on a loaded machine each one costs)
conns() { local n=0 l; while IFS= read -r l; do n=$((n+1)); done <"$tmp/conn.log"; echo "$n"; }
like_() { if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1"; printf '#   got:  %s\n#   want /%s/\n' "$2" "$3"; fi; }

# refused NAME WANT_RC ERR_REGEX ARGS...
refused() {
  local name=$1 want=$2 re=$3; shift 3
  local before; before=$(conns)
  $WRAP "$CLI" invoke --timeout-ms 3000 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
  local rc=$? err lines=0 l
  err=$(<"$tmp/err")
  while IFS= read -r l; do lines=$((lines+1)); done <"$tmp/err"
  is "$name: exit $want" "$rc" "$want"
  like_ "$name: names it" "$err" "$re"
  is "$name: one line on stderr" "$lines" 1
  is "$name: nothing on stdout" "$(<"$tmp/out")" ""
  is "$name: no connection" "$(conns)" "$before"
}

refused "--region redirecting the default endpoint" 2 "invalid --region: region \"x@127\\.0\\.0\\.1:$P/#\" is not an AWS region name" \
  --region "$STEER" f
refused "--region with CR/LF" 2 'invalid --region: region "us-east-1\\x0D\\x0AHost: x"' --region $'us-east-1\r\nHost: x' f
refused "--region evil.example/#" 2 'invalid --region: region "evil\.example/#"' --region 'evil.example/#' f
refused "--region 127.0.0.1:PORT/x?" 2 'invalid --region' --region "127.0.0.1:$P/x?" f
refused "--region uppercase" 2 'invalid --region: region "US-EAST-1"' --region US-EAST-1 f
refused "--region trailing dot" 2 'invalid --region' --region us-east-1. f
refused "--region IDN" 2 'invalid --region: region "us-east-1\.\\xD0' --region $'us-east-1.\xd0\xb5\xd1\x85' f
refused "--region 1000+ characters" 2 'invalid --region: .*\.\.\.' --region "us-$(printf 'a%.0s' $(seq 1 1100))-1" f
refused "--endpoint-url with userinfo" 2 'invalid --endpoint-url: .*userinfo' --region us-east-1 --endpoint-url "http://u:p@127.0.0.1:$P/" f
refused "--endpoint-url with a fragment" 2 'invalid --endpoint-url: .*fragment' --region us-east-1 --endpoint-url "$EP/#x" f
refused "--endpoint-url with a query" 2 'invalid --endpoint-url: .*query' --region us-east-1 --endpoint-url "$EP/?a=b" f
refused "--endpoint-url with %2F" 2 'invalid --endpoint-url: .*%-escape' --region us-east-1 --endpoint-url "$EP/a%2Fb" f
refused "--endpoint-url with CR/LF" 2 'invalid --endpoint-url: .*line break' --region us-east-1 --endpoint-url "$EP/"$'\r\nX: y' f
refused "--endpoint-url port 0" 2 'invalid --endpoint-url: .*port' --region us-east-1 --endpoint-url "http://127.0.0.1:0" f
refused "--qualifier with '/'" 2 'invalid --qualifier: qualifier "a/b"' --region us-east-1 --endpoint-url "$EP" --qualifier a/b f
refused "--qualifier with CR/LF" 2 'invalid --qualifier: qualifier "a\\x0D\\x0AX: y"' --region us-east-1 --endpoint-url "$EP" --qualifier $'a\r\nX: y' f
refused "--qualifier %2F" 2 'invalid --qualifier' --region us-east-1 --endpoint-url "$EP" --qualifier %2F f
refused "--qualifier with ':'" 2 'invalid --qualifier' --region us-east-1 --endpoint-url "$EP" --qualifier a:b f
refused "FUNCTION ../x" 2 'invalid FUNCTION: function name "\.\./x"' --region us-east-1 --endpoint-url "$EP" ../x
refused "FUNCTION with CR/LF" 2 'invalid FUNCTION: function name "f\\x0D\\x0AX"' --region us-east-1 --endpoint-url "$EP" $'f\r\nX: y'
refused "FUNCTION with %2F" 2 'invalid FUNCTION' --region us-east-1 --endpoint-url "$EP" f%2F
refused "FUNCTION ARN with a hostile region" 2 'invalid FUNCTION: ARN region "x@127' --endpoint-url "$EP" "arn:aws:lambda:x@127.0.0.1:$P/#:123456789012:function:f"
AWS_REGION=$STEER refused "AWS_REGION redirecting the default endpoint (configuration)" 3 'AWS_REGION "x@127' f

is "no credential_process ran for a refused call" "$([ -e "$tmp/fetched" ] && echo ran || echo 'not run')" 'not run'
is "the listener saw zero connections in all" "$(conns)" 0
$WRAP "$CLI" invoke --max-attempts 1 --timeout-ms 2000 --region us-east-1 --endpoint-url "$EP" f >/dev/null 2>&1
like "control: a valid invoke reaches the listener" "$(conns)" '^[1-9]'
tap_exit
