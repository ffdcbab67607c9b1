#!/usr/bin/env bash
# t_sizes.sh — responses of 8 KB, 64 KB and 5 MB come back whole (moto
# echoes the payload; lengths and MD5s compared in SQL), and payloads over
# Lambda's 6 MB limit are refused before anything is sent.
. "$(dirname "$0")/lib.sh"

start_moto || { not_ok "moto_server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }

for size in 8192 65536 5242880; do
  # a JSON document of exactly $size bytes: {"x":"aaa..."}
  out=$(q "SELECT LENGTH(r), MD5(r) = MD5(p), LENGTH(p)
           FROM (SELECT p, awslambda_fn('lambdaTest', p) AS r
                 FROM (SELECT CONCAT('{\"x\":\"', REPEAT('a', $size - 8), '\"}') AS p) s) t")
  is "$size-byte response returned whole (length, md5 equal)" "$out" "$size	1	$size"
done
out=$(q "SELECT LENGTH(lambda_sync('lambdaTest', CONCAT('{\"y\":\"', REPEAT('b', 5242880), '\"}')))")
is "lambda_sync returns 5 MB whole" "$out" $((5242880 + 8))
# Varied bytes, not one repeated letter: every 64 KB block differs.
out=$(q "SET SESSION group_concat_max_len = 4194304; SELECT MD5(awslambda_fn('lambdaTest', p)) = MD5(p) FROM
          (SELECT CONCAT('{\"v\":[', GROUP_CONCAT(CONCAT('\"', SHA2(seq, 256), '\"')), ']}') AS p FROM seq_1_to_20000) s")
is "1.3 MB of varied JSON returned byte for byte" "$out" 1
out=$(q "SELECT awslambda_fn('lambdaTest', CONCAT('{\"x\":\"', REPEAT('a', 6*1024*1024), '\"}'))")
like "payload over 6 MB refused before sending, naming the limit" "$out" "ERROR 1105.*awslambda_fn.*lambdaTest.*(large|limit|MB|bytes)"
server_alive && ok "server still up" || not_ok "server still up"
no_crash
tap_exit
