#!/usr/bin/env bash
# t_tls.sh — TLS is always verified: an https endpoint whose certificate no
# trusted CA signed (a loopback nginx with a fresh self-signed certificate)
# is refused with a transport error (08006) before any request is made.
# Needs PGHOST/PGPORT (test/run exports them).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
tmp=$(mktemp -d /tmp/aws_lambda-tls.XXXXXX)
trap '[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -days 1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
port=$(free_port)
cat >"$tmp/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 64; }
http {
  access_log $tmp/access.log;
  client_body_temp_path $tmp/tmp;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    location / { default_type application/json; return 200 '{"tls":"unverified"}'; }
  }
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" || { not_ok "nginx with TLS starts"; exit 1; }
for _ in $(seq 1 50); do curl -ks "https://127.0.0.1:$port/" -o /dev/null && break; sleep 0.05; done
check "the TLS peer answers when verification is off (curl -k)" curl -ksf "https://127.0.0.1:$port/x"
out=$(psql -X -At 2>&1 <<SQL
SET aws_lambda.endpoint_override = 'https://127.0.0.1:$port';
SET lc_messages = 'C';
\set VERBOSITY verbose
SELECT aws_lambda.awslambda_fn('lambdaTest', '{}');
SQL
)
like "self-signed endpoint refused: 08006" "$out" 'ERROR:  08006: '
like "the error names the certificate problem" "$out" '(certificate|SSL)'
is "no Invoke request reached the endpoint" "$(grep -c 'POST /2015-03-31' "$tmp/access.log")" 0
tap_exit
