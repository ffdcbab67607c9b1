#!/usr/bin/env bash
# t_proxy.sh — HTTP(S) proxies as libcurl honours them, through real local
# proxies (Debian's tinyproxy, one open and one with Basic auth): an http
# endpoint goes through http_proxy (lowercase only: curl ignores
# HTTP_PROXY), an https one through HTTPS_PROXY as a CONNECT tunnel (TLS
# still verified end to end, with the CA bundle), NO_PROXY sends it
# direct; a proxy that wants credentials gets them from the proxy URL, and
# the password never appears in an error or the log hook's lines.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
build=${SQLAMBDA_BUILD:-$here/../build}
W=${SQLAMBDA_WRAP:-}
for v in $(env | grep -o '^AWS_[A-Z0-9_]*'); do unset "$v"; done
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
if ! command -v tinyproxy >/dev/null; then
  not_ok "tinyproxy is installed (scripts/setup installs it)"; exit 1
fi
if ! "$here/fixtures/make_ca.sh" "$tmp" >"$tmp/ca.log" 2>&1; then
  not_ok "a private CA made with openssl"; sed 's/^/# /' "$tmp/ca.log"; exit 1
fi

# proxy NAME [conf lines]: a foreground tinyproxy on a free loopback port;
# sets <NAME>_PORT, logs to $tmp/NAME.log
proxy() {
  local name=$1 port; shift
  port=$(free_port)
  { printf 'Port %s\nListen 127.0.0.1\nTimeout 30\nLogFile "%s"\nLogLevel Info\nMaxClients 50\nAllow 127.0.0.1\nDisableViaHeader Yes\n' \
      "$port" "$tmp/$name.log"; printf '%s\n' "$@"; } >"$tmp/$name.conf"
  tinyproxy -d -c "$tmp/$name.conf" >"$tmp/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  printf -v "${name}_PORT" %s "$port"
}
proxy open
PW=pr0xyS3cretPW
proxy auth "BasicAuth alice $PW"

SECRET=proxy-test-secret
python3 "$here/fault_server.py" --port-file "$tmp/hport" --verify-secret "$SECRET" &
pids+=($!)
python3 "$here/fault_server.py" --port-file "$tmp/sport" --tls "$tmp/srv.pem" "$tmp/srv.key" \
  --verify-secret "$SECRET" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$tmp/hport" ] && [ -s "$tmp/sport" ] && break; sleep 0.05; done
HURL=http://127.0.0.1:$(cat "$tmp/hport")
SURL=https://127.0.0.1:$(cat "$tmp/sport")
OPEN=http://127.0.0.1:$open_PORT
AUTH=http://127.0.0.1:$auth_PORT

out=
inv() { # inv URL FUNCTION [flags]
  local url=$1 fn=$2; shift 2
  out=$($W "$build/tests/tool_invoke" --endpoint "$url" --region us-east-1 --key AKIDTEST \
          --secret "$SECRET" --ca-file "$tmp/ca.pem" --connect-timeout 5000 "$@" "$fn" '{"p":1}' 2>"$tmp/err")
}
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
seen() { grep -c -- "$2" "$tmp/$1.log"; } # seen PROXY PATTERN: log lines

# ---- http endpoint: http_proxy ------------------------------------------------------
http_proxy=$OPEN inv "$HURL" ok_px_http
is "http endpoint through http_proxy: OK" "$(f status)/$(f payload)" 'OK/{"p":1}'
is "... the proxy forwarded the POST" "$(seen open "POST $HURL/2015-03-31/functions/ok_px_http/invocations")" 1
HTTP_PROXY=$OPEN inv "$HURL" ok_px_upper
is "HTTP_PROXY (upper case) is not used for http, as curl" "$(f status)/$(seen open ok_px_upper)" OK/0
ALL_PROXY=$OPEN inv "$HURL" ok_px_all
is "ALL_PROXY is used" "$(f status)/$(seen open ok_px_all)" OK/1

# ---- https endpoint: HTTPS_PROXY, a CONNECT tunnel ----------------------------------------
HTTPS_PROXY=$OPEN inv "$SURL" ok_px_tls
is "https endpoint through HTTPS_PROXY: OK (TLS verified with the CA bundle)" "$(f status)" OK
is "... through a CONNECT tunnel" "$(seen open "CONNECT 127.0.0.1:$(cat "$tmp/sport")")" 1
c0=$(seen open "): CONNECT ")
https_proxy=$OPEN inv "$SURL" ok_px_lower
is "https_proxy (lower case) too" "$(f status)/$(( $(seen open "): CONNECT ") - c0 ))" OK/1
c0=$(seen open "): CONNECT ")
HTTPS_PROXY=$OPEN $W "$build/tests/tool_invoke" --endpoint "$SURL" --region us-east-1 --key AKIDTEST \
  --secret "$SECRET" --connect-timeout 5000 ok_px_noca '{}' >"$tmp/o" 2>&1
out=$(cat "$tmp/o")
is "through the proxy TLS is still verified: no CA bundle, refused" "$(f status)" TransportError
like "... naming the endpoint" "$(f message)" "at 127\\.0\\.0\\.1:$(cat "$tmp/sport"): TransportError: .*(certificate|SSL)"

# ---- NO_PROXY ------------------------------------------------------------------------------
c0=$(seen open "): CONNECT ")
HTTPS_PROXY=$OPEN NO_PROXY=127.0.0.1 inv "$SURL" ok_px_no
is "NO_PROXY=127.0.0.1: direct (the proxy saw nothing)" "$(f status)/$(( $(seen open "): CONNECT ") - c0 ))" OK/0
http_proxy=$OPEN no_proxy=localhost,127.0.0.0/8 inv "$HURL" ok_px_cidr
is "no_proxy with a CIDR range: direct" "$(f status)/$(seen open ok_px_cidr)" OK/0
http_proxy=$OPEN NO_PROXY='*' inv "$HURL" ok_px_star
is "NO_PROXY='*': direct" "$(f status)/$(seen open ok_px_star)" OK/0
http_proxy=$OPEN NO_PROXY=example.com inv "$HURL" ok_px_other
is "NO_PROXY naming another host: through the proxy" "$(f status)/$(seen open ok_px_other)" OK/1

# ---- a proxy with credentials ----------------------------------------------------------------
HTTPS_PROXY=http://alice:$PW@127.0.0.1:$auth_PORT inv "$SURL" ok_px_auth --debug
is "credentials in HTTPS_PROXY's URL: OK" "$(f status)" OK
is "... the proxy saw the CONNECT" "$(seen auth "CONNECT 127.0.0.1:$(cat "$tmp/sport")")" 1
http_proxy=http://alice:$PW@127.0.0.1:$auth_PORT inv "$HURL" ok_px_auth2 --debug
is "credentials in http_proxy's URL: OK" "$(f status)/$(seen auth ok_px_auth2)" OK/1
all="$out $(cat "$tmp/err")"
HTTPS_PROXY=http://alice:wrong$PW@127.0.0.1:$auth_PORT inv "$SURL" ok_px_bad --debug
is "a wrong proxy password: TransportError" "$(f status)" TransportError
like "... naming the endpoint" "$(f message)" "at 127\\.0\\.0\\.1:$(cat "$tmp/sport"): TransportError"
all="$all $out $(cat "$tmp/err")"
HTTPS_PROXY=$AUTH inv "$SURL" ok_px_none
is "no credentials for a proxy that wants them: TransportError" "$(f status)" TransportError
dead=$(free_port)
HTTPS_PROXY=http://alice:$PW@127.0.0.1:$dead inv "$SURL" ok_px_dead --debug
is "a proxy that is not there: TransportError, retried" "$(f status)/$(f attempts)" TransportError/3
all="$all $out $(cat "$tmp/err")"
case "$all" in
  *"$PW"*) not_ok "the proxy password is in no result, error or log-hook line" ;;
  *) ok "the proxy password is in no result, error or log-hook line" ;;
esac
check "the log hook did run (--debug lines were checked)" test -s "$tmp/err"
tap_exit
