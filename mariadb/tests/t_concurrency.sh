#!/usr/bin/env bash
# t_concurrency.sh — 16 client connections calling the UDFs at once for 10
# seconds against moto (every answer checked), while another session keeps
# changing a setting (clients rebuilt under load): no error, no wrong
# answer, no crash, and the server still up.
. "$(dirname "$0")/lib.sh"

CLIENTS=${CLIENTS:-16} SECS=${SECS:-10}
start_moto || { not_ok "moto_server starts"; exit 1; }
# shellcheck disable=SC2046
start_db db $(moto_env) || { not_ok "MariaDB starts with the plugin"; exit 1; }
q_root -D t <<'SQL'
DELIMITER //
CREATE PROCEDURE hammer(IN client INT, IN secs INT)
BEGIN
  DECLARE t0 DOUBLE DEFAULT UNIX_TIMESTAMP(NOW(6));
  DECLARE calls, bad INT DEFAULT 0;
  DECLARE p, r LONGTEXT;
  WHILE UNIX_TIMESTAMP(NOW(6)) - t0 < secs DO
    SET p = JSON_OBJECT('client', client, 'call', calls);
    CASE calls % 4
      WHEN 0 THEN SET r = awslambda_fn('lambdaTest', p);
      WHEN 1 THEN SET r = lambda_sync('lambdaTest', p);
      WHEN 2 THEN SET r = IF(awslambda_fn_async('lambdaTest', p) = '202', p, 'bad status');
      ELSE SET r = IFNULL(lambda_async('lambdaTest', p), p);
    END CASE;
    IF r IS NULL OR r <> p THEN SET bad = bad + 1; END IF;
    SET calls = calls + 1;
  END WHILE;
  SELECT calls, bad;
END //
DELIMITER ;
SQL

for i in $(seq 1 "$CLIENTS"); do
  q "CALL hammer($i, $SECS)" >"$work/client.$i" 2>&1 &
done
# Meanwhile: settings change every 0.25 s, so threads rebuild their clients.
end=$((SECONDS + SECS))
toggles=0
while [ $SECONDS -lt $end ]; do
  q "SET GLOBAL aws_lambda_request_timeout_ms = $((20000 + toggles % 2))" >/dev/null
  toggles=$((toggles + 1)); sleep 0.25
done
wait

total=0 bad=0 errors=0
for i in $(seq 1 "$CLIENTS"); do
  read -r c b <"$work/client.$i" 2>/dev/null || true
  if [[ "$c" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]]; then total=$((total + c)); bad=$((bad + b))
  else errors=$((errors + 1)); sed 's/^/#   client '"$i"': /' "$work/client.$i" | head -3; fi
done
echo "# $CLIENTS clients x ${SECS}s: $total calls, $bad wrong answers, $errors clients failed, $toggles setting changes"
is "every one of the $CLIENTS clients finished without an SQL error" "$errors" 0
is "no wrong answers among $total calls" "$bad" 0
if [ "$total" -ge $((CLIENTS * 4)) ]; then ok "calls made from every client ($total)"; else not_ok "calls made from every client ($total)"; fi
server_alive && ok "server still up" || not_ok "server still up"
is "server process is the same one (no restart)" "$(q "SELECT VARIABLE_VALUE >= $SECS FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='UPTIME'")" 1
no_crash
st=$(q "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='AWS_LAMBDA_ERRORS'")
is "status: no errors counted" "$st" 0
tap_exit
