#!/usr/bin/env bash
# t_charsets.sh — character data through the UDFs against a real
# `sqlambda serve`: a function's response that is not UTF-8 is an error
# (as in PostgreSQL), not bytes that JSON_VALID accepts; arguments that are
# not UTF-8 (a latin1 connection or column: MariaDB passes UDF arguments in
# their own character set and does not say which) are an error naming the
# argument and the fix, CONVERT(... USING utf8mb4), which then works.
. "$(dirname "$0")/lib.sh"

serve_bin=$top/cli/build/sqlambda
[ -x "$serve_bin" ] || make -s -C "$top/cli" >/dev/null 2>&1
if ! [ -x "$serve_bin" ] || ! "$serve_bin" serve --help >/dev/null 2>&1; then
  ok "charset tests # SKIP cli/build/sqlambda with serve is not built"
  exit 0
fi
mkdir -p "$work/functions"
ln -s "$top/samples/functions/lambdaTest" "$work/functions/lambdaTest"
ln -s "$top/mariadb/tests/functions/badutf8" "$work/functions/badutf8"
"$serve_bin" serve --functions "$work/functions" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -q '^listening on' "$work/serve.out" && break; sleep 0.05; done
SERVE_URL=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$SERVE_URL" ] || { not_ok "sqlambda serve starts"; sed 's/^/# /' "$work/serve.err"; exit 1; }
start_db db AWS_ENDPOINT_URL="$SERVE_URL" AWS_ACCESS_KEY_ID=AKIDCHARSET AWS_SECRET_ACCESS_KEY=charsetSecret \
  AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true || { not_ok "MariaDB starts with the plugin"; exit 1; }

# Response bytes that are not UTF-8
is "the function really answers with bytes that are not UTF-8" \
  "$(curl -s -X POST -d '{}' "$SERVE_URL/2015-03-31/functions/badutf8/invocations" | od -An -tx1 | tr -d ' \n')" \
  7b2273223a22fffe20636166e9227d
for udf in awslambda_fn lambda_sync; do
  like "$udf: a response that is not UTF-8 is an error naming the function and the byte" \
    "$(q "SELECT JSON_VALID($udf('badutf8','{}'))")" \
    "ERROR 1105.*$udf: the response of badutf8 is not valid UTF-8 \(byte 0xFF at offset 6 of 15\)"
done

# UTF-8 in and out works
# (the result is a binary string: CONVERT gives it its character set,
# which is now always right)
is "UTF-8 text goes through (utf8mb4 connection)" \
  "$(q "SELECT JSON_VALUE(CONVERT(awslambda_fn('lambdaTest','{\"name\":\"café ☕\"}') USING utf8mb4),'\$.name')")" "café ☕"

# A latin1 connection: the client sends é as the byte 0xE9
latin1_q() { mariadb --no-defaults --socket="$SOCK" -uroot -D t -N -B --default-character-set=latin1 -e "$1" 2>&1; }
for udf in awslambda_fn awslambda_fn_async lambda_sync lambda_async; do
  case $udf in awslambda_*) arg=fn_argsJson ;; *) arg=JSON_payload ;; esac
  like "$udf: a latin1 connection's payload is an error naming the argument, the byte and CONVERT" \
    "$(latin1_q "$(printf "SELECT %s('lambdaTest','{\"name\":\"caf\351\"}')" "$udf")")" \
    "ERROR 1105.*$udf: argument 2 \($arg\) is not valid UTF-8 \(byte 0xE9 at offset 12\).*CONVERT\($arg USING utf8mb4\)"
done

# A latin1 column (the value is stored as 0xE9)
q "CREATE TABLE l1 (p VARCHAR(100) CHARACTER SET latin1); INSERT INTO l1 VALUES ('{\"name\":\"café\"}')" >/dev/null
is "the latin1 column holds é as one byte" "$(q "SELECT HEX(p) FROM l1")" 7B226E616D65223A22636166E9227D
like "a latin1 column as payload: the error names the fix" "$(q "SELECT awslambda_fn('lambdaTest', p) FROM l1")" \
  "ERROR 1105.*argument 2 \(fn_argsJson\) is not valid UTF-8.*CONVERT\(fn_argsJson USING utf8mb4\)"
is "... and the fix works: CONVERT(p USING utf8mb4)" \
  "$(q "SELECT JSON_VALUE(CONVERT(awslambda_fn('lambdaTest', CONVERT(p USING utf8mb4)) USING utf8mb4),'\$.name') FROM l1")" "café"
like "a latin1 function name is an error naming argument 1" \
  "$(q "SELECT lambda_sync(CONVERT('lambdaTést' USING latin1),'{}')")" \
  "ERROR 1105.*lambda_sync: argument 1 \(lambda_function_ARN\) is not valid UTF-8 \(byte 0xE9 at offset 7\)"
no_crash
tap_exit
