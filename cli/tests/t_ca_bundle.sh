#!/usr/bin/env bash
# cli/tests/t_ca_bundle.sh — `sqlambda invoke` against an https endpoint
# whose certificate a private CA (made here, core/tests/fixtures/make_ca.sh)
# signed: refused without the CA (exit 3, a certificate error naming the
# endpoint, nothing sent), answered with AWS_CA_BUNDLE or the profile's
# ca_bundle; a CA bundle that cannot be read is refused naming it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
WRAP=${SQLAMBDA_WRAP:-}
T=$(mktemp -d /tmp/sqlambda-ca.XXXXXX)
FS_PID=
trap '[ -n "$FS_PID" ] && kill "$FS_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
export HOME=$T AWS_CONFIG_FILE=$T/config AWS_SHARED_CREDENTIALS_FILE=$T/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=ca-cli-secret
: >"$T/credentials"
if ! "$top/core/tests/fixtures/make_ca.sh" "$T" >"$T/ca.log" 2>&1; then
  not_ok "a private CA made with openssl"; sed 's/^/# /' "$T/ca.log"; exit 1
fi
python3 "$top/core/tests/fault_server.py" --port-file "$T/port" --tls "$T/srv.pem" "$T/srv.key" \
  --verify-secret ca-cli-secret >"$T/fs.log" 2>&1 &
FS_PID=$!
for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.05; done
export AWS_ENDPOINT_URL_LAMBDA=https://127.0.0.1:$(cat "$T/port")
run() { $WRAP "$CLI" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
sent() { curl -s --cacert "$T/ca.pem" "$AWS_ENDPOINT_URL_LAMBDA/_counts" |
  python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get(sys.argv[1],0))" "$1"; }

run invoke ok_noca '{"a":1}'
is "without the CA: exit 3" "$RC" 3
like "... a certificate error naming the endpoint" "$ERR" \
  "^sqlambda invoke: lambda function \"ok_noca\" at 127\\.0\\.0\\.1:$(cat "$T/port"): TransportError: .*(certificate|SSL)"
is "... nothing sent" "$(sent ok_noca)" 0
AWS_CA_BUNDLE=$T/ca.pem run invoke ok_env '{"a":1}'
is "AWS_CA_BUNDLE: exit 0" "$RC" 0
is "AWS_CA_BUNDLE: the answer" "$OUT" '{"a":1}'
printf '[default]\nca_bundle = %s\n' "$T/ca.pem" >"$T/config"
run invoke ok_prof '{"b":2}'
is "profile ca_bundle: the answer" "$RC/$OUT" '0/{"b":2}'
AWS_CA_BUNDLE=$T/other.pem run invoke ok_other '{}'
is "AWS_CA_BUNDLE naming another CA wins over the profile's and is refused" "$RC/$(sent ok_other)" 3/0
AWS_CA_BUNDLE=$T/nowhere.pem run invoke ok_bad '{}'
like "a CA bundle that cannot be read: named with its source" "$ERR" \
  "CA bundle \"$T/nowhere.pem\" \\(from AWS_CA_BUNDLE\\) cannot be read: No such file or directory"
isnt0() { [ "$1" != 0 ]; }
check "... and a failure exit" isnt0 "$RC"
tap_exit
