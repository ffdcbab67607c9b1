#!/usr/bin/env bash
# t_ca_bundle.sh — aws_lambda_ca_bundle: an https endpoint whose certificate
# a private CA (made here, core/tests/fixtures/make_ca.sh) signed is refused
# without the CA (an error naming the endpoint and the certificate problem,
# nothing sent) and answers with aws_lambda_ca_bundle naming it; another CA
# is refused; SET GLOBAL of a file that cannot be read is ERROR 1231 with
# a warning naming it; a user without SUPER cannot set it; a bad startup
# value makes the plugin refuse to load.
. "$(dirname "$0")/lib.sh"

chmod 755 "$work"
mkdir -m 755 "$work/ca"
if ! "$top/core/tests/fixtures/make_ca.sh" "$work/ca" >"$work/ca.log" 2>&1; then
  not_ok "a private CA made with openssl"; sed 's/^/# /' "$work/ca.log"; exit 1
fi
start_fault --tls "$work/ca/srv.pem" "$work/ca/srv.key" || { not_ok "TLS fault server starts"; exit 1; }
URL=https://127.0.0.1:$(cat "$work/fault.port")
sent() { curl -s --cacert "$work/ca/ca.pem" "$URL/_counts" |
  python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get(sys.argv[1],0))" "$1"; }
start_db db AWS_ACCESS_KEY_ID=AKIDCATEST AWS_SECRET_ACCESS_KEY=caSecret AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true ||
  { not_ok "MariaDB starts with the plugin"; exit 1; }
q "SET GLOBAL aws_lambda_endpoint_url='$URL'; SET GLOBAL aws_lambda_max_attempts=1" >/dev/null

out=$(q "SELECT awslambda_fn('ok_mnone','{\"m\":1}')")
like "no bundle: the private CA is not trusted: an error naming the endpoint" "$out" \
  "ERROR 1105.*ok_mnone.*127\\.0\\.0\\.1:$(cat "$work/fault.port").*(certificate|SSL)"
is "... nothing sent" "$(sent ok_mnone)" 0
is "SET GLOBAL aws_lambda_ca_bundle to the CA" \
  "$(q "SET GLOBAL aws_lambda_ca_bundle='$work/ca/ca.pem'; SELECT @@aws_lambda_ca_bundle")" "$work/ca/ca.pem"
is "with the CA: the function's answer" "$(q "SELECT awslambda_fn('ok_mca','{\"m\":1}')")" '{"m":1}'
q "SET GLOBAL aws_lambda_ca_bundle='$work/ca/other.pem'" >/dev/null
like "another CA: refused" "$(q "SELECT awslambda_fn('ok_mother','{}')")" "ERROR 1105.*ok_mother.*(certificate|SSL)"
is "... nothing sent" "$(sent ok_mother)" 0

out=$(mariadb --no-defaults --socket="$SOCK" -uroot -N -B \
  -e "SET GLOBAL aws_lambda_ca_bundle='$work/ca/nowhere.pem'; SHOW WARNINGS" 2>&1)
like "a file that cannot be read: ERROR 1231" "$out" "ERROR 1231"
out=$(mariadb --no-defaults --socket="$SOCK" -uroot -N -B --show-warnings \
  -e "SET GLOBAL aws_lambda_ca_bundle='$work/ca/nowhere.pem'" 2>&1)
like "... the warning names the variable, the path and why" "$out" \
  "Warning \\(Code 1105\\): aws_lambda_ca_bundle: CA bundle \"$work/ca/nowhere.pem\" cannot be read: No such file or directory"
like "a file without a PEM certificate: ERROR 1231" \
  "$(q "SET GLOBAL aws_lambda_ca_bundle='$work/ca/ext'")" "ERROR 1231"
is "the refused values left the bundle as it was" "$(q "SELECT @@aws_lambda_ca_bundle")" "$work/ca/other.pem"
q "CREATE USER plain@localhost; GRANT SELECT ON *.* TO plain@localhost" >/dev/null
like "a user without SUPER cannot set it" "$(qu plain "SET GLOBAL aws_lambda_ca_bundle=''")" \
  "ERROR 1227"
q "SET GLOBAL aws_lambda_ca_bundle=''" >/dev/null
like "set back to empty: refused again (system store)" "$(q "SELECT awslambda_fn('ok_mempty','{}')")" \
  "ERROR 1105.*(certificate|SSL)"

# a bad startup value: the plugin refuses to load, the error log names it
restart_db "--aws-lambda-ca-bundle=$work/ca/nowhere.pem" || { not_ok "the server restarts"; exit 1; }
is "startup value that cannot be read: the plugin is not active" \
  "$(q "SELECT COUNT(*) FROM information_schema.plugins WHERE plugin_name='aws_lambda' AND plugin_status='ACTIVE'")" 0
like "... the error log names the variable, the path and why" \
  "$(grep 'aws_lambda: refusing to load' "$DB_DIR/error.log" | tail -1)" \
  "startup value of aws_lambda_ca_bundle: CA bundle \"$work/ca/nowhere.pem\" cannot be read: No such file or directory"
restart_db "--aws-lambda-ca-bundle=$work/ca/ca.pem" "--aws-lambda-endpoint-url=$URL" ||
  { not_ok "the server restarts"; exit 1; }
is "a startup value naming the CA: in force for the first call" \
  "$(q "SELECT awslambda_fn('ok_mstart','{\"s\":1}')")" '{"s":1}'
no_crash
tap_exit
