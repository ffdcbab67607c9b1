#!/usr/bin/env bash
# t_ca_bundle.sh — aws_lambda.ca_bundle: an https endpoint whose certificate
# a private CA (made here by core/tests/fixtures/make_ca.sh) signed is
# refused without the CA (08006, a certificate error naming the endpoint,
# nothing sent) and answers with aws_lambda.ca_bundle naming it; another
# CA is refused; the check hook refuses a file that cannot be read (22023
# naming the setting and the path); only a superuser may set it.
# Needs PGHOST/PGPORT (test/run exports them).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
tmp=$(mktemp -d /tmp/aws_lambda-ca.XXXXXX)
fs_pid=
trap '[ -n "$fs_pid" ] && kill "$fs_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
if ! "$top/core/tests/fixtures/make_ca.sh" "$tmp" >"$tmp/ca.log" 2>&1; then
  not_ok "a private CA made with openssl"; sed 's/^/# /' "$tmp/ca.log"; exit 1
fi
python3 "$top/core/tests/fault_server.py" --port-file "$tmp/port" --tls "$tmp/srv.pem" "$tmp/srv.key" \
  >"$tmp/fs.log" 2>&1 &
fs_pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
URL=https://127.0.0.1:$port
sent() { curl -s --cacert "$tmp/ca.pem" "$URL/_counts" |
  python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get(sys.argv[1],0))" "$1"; }
call() { # call FUNCTION [CA]: one call with the endpoint (and the bundle) set
  psql -X -At -q 2>&1 <<SQL
SET lc_messages = 'C';
SET aws_lambda.endpoint_override = '$URL';
${2:+SET aws_lambda.ca_bundle = '$2';}
\\set VERBOSITY verbose
SELECT payload FROM aws_lambda.invoke('$1', '{"pg":1}'::json);
SQL
}

out=$(call ok_pgnone)
like "no bundle: the private CA is not trusted: 08006" "$out" 'ERROR:  08006: '
like "... a certificate error naming the endpoint" "$out" "127\\.0\\.0\\.1:$port.*(certificate|SSL)"
is "... nothing sent" "$(sent ok_pgnone)" 0
out=$(call ok_pgca "$tmp/ca.pem")
is "aws_lambda.ca_bundle = the CA: the function's answer" "$out" '{"pg":1}'
out=$(call ok_pgother "$tmp/other.pem")
like "another CA: refused (08006)" "$out" 'ERROR:  08006: '
is "... nothing sent" "$(sent ok_pgother)" 0

out=$(psql -X -At -c "SET lc_messages = 'C'" -c "SET aws_lambda.ca_bundle = '$tmp/nowhere.pem'" 2>&1)
like "a file that cannot be read: 22023 naming the setting, the path and why" "$out" \
  "invalid value for aws_lambda.ca_bundle: CA bundle \"$tmp/nowhere.pem\" cannot be read: No such file or directory"
out=$(psql -X -At -c "SET aws_lambda.ca_bundle = '$tmp'" 2>&1)
like "a directory: not a regular file" "$out" "is not a regular file"
out=$(psql -X -At -c "SET aws_lambda.ca_bundle = '$tmp/ca.log'" 2>&1)
like "a file without a PEM certificate" "$out" "holds no PEM certificate"
out=$(psql -X -At -c "SET aws_lambda.ca_bundle = '$tmp/ca.pem'" -c "SHOW aws_lambda.ca_bundle" 2>&1)
is "SET and SHOW by a superuser" "$out" "SET
$tmp/ca.pem"
out=$(psql -X -At 2>&1 <<SQL
DROP ROLE IF EXISTS ca_bundle_plain;
CREATE ROLE ca_bundle_plain;
SET ROLE ca_bundle_plain;
SET aws_lambda.ca_bundle = '$tmp/ca.pem';
RESET ROLE;
DROP ROLE ca_bundle_plain;
SQL
)
like "a role without superuser cannot set it" "$out" 'permission denied to set parameter "aws_lambda.ca_bundle"'
tap_exit
