#!/usr/bin/env bash
# t_ca_bundle.sh — the CA bundle (options ca_file, AWS_CA_BUNDLE, the
# profile's ca_bundle) against loopback TLS servers whose certificate a
# private CA made here with openssl signed (and another CA that did not): Invoke (fault_server.py --tls)
# and the SSO portal (sso_portal.py --tls, so STS-style credential
# requests use it too) succeed with the bundle and are refused without it
# with a certificate error naming the endpoint; the precedence; bad paths
# refused naming the path and its source; sqlambda_describe shows it.
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
export HOME=$tmp/home AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME/.aws/sso/cache"

# ---- a private CA and a server certificate it signed -------------------------------
if ! "$here/fixtures/make_ca.sh" "$tmp" >"$tmp/openssl.log" 2>&1; then
  not_ok "openssl made a CA and a server certificate"; sed 's/^/# /' "$tmp/openssl.log"; exit 1
fi
check "the server certificate verifies against the private CA (openssl)" \
  openssl verify -CAfile "$tmp/ca.pem" "$tmp/srv.pem"

SECRET=ca-bundle-secret
python3 "$here/fault_server.py" --port-file "$tmp/port" --tls "$tmp/srv.pem" "$tmp/srv.key" \
  --verify-secret "$SECRET" &
pids+=($!)
python3 "$here/fixtures/sso_portal.py" "$tmp/portal.port" "$tmp/portal.log" --token tok-ca \
  --tls "$tmp/srv.pem" "$tmp/srv.key" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && [ -s "$tmp/portal.port" ] && break; sleep 0.05; done
URL=https://127.0.0.1:$(cat "$tmp/port")
PORTAL=https://127.0.0.1:$(cat "$tmp/portal.port")
check "the TLS server answers with the CA (curl --cacert)" curl -sf --cacert "$tmp/ca.pem" "$URL/_counts"

out=
inv() { out=$($W "$build/tests/tool_invoke" --endpoint "$URL" --region us-east-1 --key AKIDTEST \
                --secret "$SECRET" --connect-timeout 20000 "$@" 2>"$tmp/err"); }
f() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }
attempts() { curl -s --cacert "$tmp/ca.pem" "$URL/_counts" |
  python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get(sys.argv[1],0))" "$1"; }

# ---- Invoke --------------------------------------------------------------------------
inv ok_none '{}'
is "no CA bundle: the private CA is not trusted: TransportError, not retried" "$(f status)/$(f attempts)" TransportError/1
like "the error names the endpoint and the certificate problem" "$(f message)" \
  "at 127\\.0\\.0\\.1:$(cat "$tmp/port"): TransportError: .*(certificate|SSL)"
is "no Invoke reached the server without the CA" "$(attempts ok_none)" 0

AWS_CA_BUNDLE=$tmp/ca.pem inv ok_env '{"a":1}'
is "AWS_CA_BUNDLE: OK" "$(f status)" OK
is "AWS_CA_BUNDLE: payload echoed" "$(f payload)" '{"a":1}'

export AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
: >"$AWS_SHARED_CREDENTIALS_FILE"
cat >"$AWS_CONFIG_FILE" <<EOF
[default]
ca_bundle = $tmp/ca.pem
[profile other]
ca_bundle = $tmp/other.pem
[profile missing]
ca_bundle = $tmp/nowhere.pem
EOF
inv ok_prof '{}'
is "profile ca_bundle: OK" "$(f status)" OK
AWS_PROFILE=other inv ok_other '{}'
is "profile ca_bundle naming another CA: refused" "$(f status)" TransportError
AWS_PROFILE=other AWS_CA_BUNDLE=$tmp/ca.pem inv ok_envwins '{}'
is "AWS_CA_BUNDLE wins over the profile's ca_bundle" "$(f status)" OK
AWS_CA_BUNDLE=$tmp/nowhere.pem inv --ca-file "$tmp/ca.pem" ok_opt '{}'
is "the ca_file option wins over AWS_CA_BUNDLE (a bad one is not read)" "$(f status)" OK

# ---- bad bundles: refused before anything is sent, naming path and source ------------
: >"$tmp/empty.pem"
AWS_CA_BUNDLE=$tmp/nowhere.pem inv ok_bad1 '{}'
is "missing AWS_CA_BUNDLE file: ConfigError, nothing sent" "$(f status)/$(attempts ok_bad1)" ConfigError/0
like "... naming the path, the variable and why" "$(f message)" \
  "CA bundle \"$tmp/nowhere.pem\" \\(from AWS_CA_BUNDLE\\) cannot be read: No such file or directory"
AWS_CA_BUNDLE=$tmp inv ok_bad2 '{}'
like "a directory: not a regular file" "$(f message)" "\\(from AWS_CA_BUNDLE\\) is not a regular file"
AWS_CA_BUNDLE=$tmp/empty.pem inv ok_bad3 '{}'
like "a file without a PEM certificate" "$(f message)" "\\(from AWS_CA_BUNDLE\\) holds no PEM certificate"
AWS_PROFILE=missing inv ok_bad4 '{}'
like "profile ca_bundle that cannot be read names the profile key" "$(f message)" \
  "CA bundle \"$tmp/nowhere.pem\" \\(from the profile's ca_bundle\\) cannot be read"
inv --ca-file "$tmp/nowhere.pem" ok_bad5 '{}'
like "ca_file option that cannot be read names the setting" "$(f message)" \
  "\\(from the CA bundle setting\\) cannot be read"
chmod 000 "$tmp/srv.key"
if [ "$(id -u)" != 0 ]; then
  AWS_CA_BUNDLE=$tmp/srv.key inv ok_bad6 '{}'
  like "unreadable file: permission denied" "$(f message)" "cannot be read: Permission denied"
else
  ok "unreadable file # SKIP running as root (every file is readable)"
fi
chmod 600 "$tmp/srv.key"

# ---- credentials over TLS use the same bundle (the SSO portal) -----------------------
sha=$(printf corp | sha1sum | cut -d' ' -f1)
printf '{"accessToken": "tok-ca", "expiresAt": "%s"}' "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)" \
  >"$HOME/.aws/sso/cache/$sha.json"
cat >>"$AWS_CONFIG_FILE" <<EOF
[sso-session corp]
sso_start_url = https://d-1.awsapps.com/start
sso_region = us-east-1
[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
EOF
out=$(AWS_ENDPOINT_URL_SSO=$PORTAL AWS_CA_BUNDLE=$tmp/ca.pem "$build/tests/tool_creds" get --profile sso 2>&1)
like "SSO portal over TLS with AWS_CA_BUNDLE" "$out" '^source=sso akid=ASIA123456789012ADMI'
out=$(AWS_ENDPOINT_URL_SSO=$PORTAL AWS_CA_BUNDLE=$tmp/other.pem "$build/tests/tool_creds" get --profile sso 2>&1)
like "SSO portal over TLS with another CA: refused naming the portal" "$out" \
  "GetRoleCredentials at $PORTAL: .*(certificate|SSL)"

# ---- describe --------------------------------------------------------------------------
out=$(AWS_CA_BUNDLE=$tmp/ca.pem $W "$build/tests/tool_describe" --no-credentials 2>&1)
like "describe: ca_bundle from AWS_CA_BUNDLE" "$out" \
  "\"ca_bundle\": \\{\"location\": \"AWS_CA_BUNDLE\", \"type\": \"env\", \"value\": \"$tmp/ca.pem\"\\}"
out=$($W "$build/tests/tool_describe" --no-credentials 2>&1)
like "describe: ca_bundle from the profile" "$out" \
  "\"ca_bundle\": \\{\"location\": \"$tmp/config \\(profile \\\\\"default\\\\\"\\)\", \"type\": \"config-file\", \"value\": \"$tmp/ca.pem\"\\}"
tap_exit
