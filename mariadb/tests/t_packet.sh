#!/usr/bin/env bash
# t_packet.sh — which max_allowed_packet limits a UDF's response: the
# *client's*. A 3 MB response reaches a client whose max_allowed_packet is
# 4 MB while the server's is 1 MB (the server checks its own only when a
# string function builds a value, e.g. CAST(... AS CHAR)); a client with
# 1 MB loses the connection (ERROR 2013) although the server's is 64 MB.
# docs/mariadb.md states this. A few seconds (one server).
. "$(dirname "$0")/lib.sh"
serve_bin=$top/cli/build/sqlambda
if ! [ -x "$serve_bin" ] || ! "$serve_bin" serve --help >/dev/null 2>&1; then
  ok "max_allowed_packet tests # SKIP cli/build/sqlambda with serve is not built"; exit 0
fi
mkdir -p "$work/functions"
ln -s "$top/mariadb/tests/functions/bigresponse" "$work/functions/bigresponse"
"$serve_bin" serve --functions "$work/functions" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -q '^listening on' "$work/serve.out" && break; sleep 0.05; done
SERVE_URL=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$SERVE_URL" ] || { not_ok "sqlambda serve starts"; exit 1; }
start_db db AWS_ENDPOINT_URL="$SERVE_URL" AWS_ACCESS_KEY_ID=AKIDPACKET AWS_SECRET_ACCESS_KEY=packetSecret \
  AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true || { not_ok "MariaDB starts with the plugin"; exit 1; }
big="SELECT awslambda_fn('bigresponse','{\"n\":3000000}')"
client() { mariadb --no-defaults --socket="$SOCK" -uroot -N -B --max-allowed-packet="$1" -e "$2" 2>&1; }

q "SET GLOBAL max_allowed_packet = 1048576" >/dev/null # the server's: 1 MB (new connections)
is "server 1 MB, client 4 MB: the 3 MB response arrives whole" "$(client 4M "$big" | wc -c)" 3000003
like "server 1 MB: a string function over the response is cut to NULL with the server's warning" \
  "$(client 4M "SELECT CAST(awslambda_fn('bigresponse','{\"n\":3000000}') AS CHAR) IS NULL; SHOW WARNINGS")" \
  "larger than max_allowed_packet \\(1048576\\)"
q "SET GLOBAL max_allowed_packet = 67108864" >/dev/null # the server's: 64 MB
like "server 64 MB, client 1 MB: the client cannot take the 3 MB row (ERROR 2013)" "$(client 1M "$big")" \
  "ERROR 2013"
is "server 64 MB, client 4 MB: it arrives" "$(client 4M "$big" | wc -c)" 3000003
tap_exit
