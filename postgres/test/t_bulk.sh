#!/usr/bin/env bash
# t_bulk.sh — invoke_many and invoke_batch against `sqlambda serve` running
# real functions (test/bulk_functions; every request's signature checked):
# rows in order, function errors in their rows, never more calls in flight
# than asked; Redshift-protocol batches within both limits (counted at the
# endpoint), the request envelope's fields, results in order, and clear
# errors for wrong num_records, too few results, success=false, no results
# and malformed JSON. Needs PGHOST/PGPORT and the AWS keys test/run exports.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib/tap.sh"
source "$here/lib_bulk_serve.sh"
export PGDATABASE=aws_lambda_regress
tmp=$(mktemp -d); trap 'bulk_serve_stop; rm -rf "$tmp"' EXIT

if bulk_serve_start "$tmp"; then ok "sqlambda serve starts with the bulk test functions"
else not_ok "sqlambda serve starts with the bulk test functions"; cat "$tmp/serve.err" | sed 's/^/# /'; exit 1; fi
setup="SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$BULK_SERVE_URL';
SET lc_messages = 'C'; SET aws_lambda.max_attempts = 1;
SET aws_lambda.request_timeout_ms = 30000; -- cold starts on a loaded machine"
q() { psql -X -q -At -v ON_ERROR_STOP=0 2>&1 <<SQL
$setup
$1
SQL
}
posts() { grep -c "POST /2015-03-31/functions/$1/invocations" "$tmp/serve.err"; }
instances() { grep -c "started instance [0-9]* of $1:" "$tmp/serve.err"; }

# 1. invoke_many: 60 payloads, 8 in flight, each answer is its own payload.
out=$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
         || ' ' || count(error) || ' ' || min(status_code)
  FROM aws_lambda.invoke_many('bulk_echo20',
    (SELECT array_agg(jsonb_build_object('i', i) ORDER BY i) FROM generate_series(1, 60) i), 8);")
is "invoke_many: 60 rows, each its own payload back, no errors, HTTP 200" "$out" "60 60 0 200"
is "invoke_many: 60 requests reached the endpoint" "$(posts bulk_echo20)" 60
n=$(instances bulk_echo20)
if [ "$n" -ge 2 ] && [ "$n" -le 8 ]; then ok "invoke_many: calls overlapped, never more than concurrency (8): $n instances"
else not_ok "invoke_many: calls overlapped, never more than concurrency (8): $n instances"; fi
is "invoke_many: no request failed its signature check" "$(grep -c 'signature check failed' "$tmp/serve.err")" 0

# 2. concurrency 1: strictly one at a time (one instance serves them all).
q "SELECT count(*) FROM aws_lambda.invoke_many('bulk_rs_nores', ARRAY['{\"num_records\": 1}', '{\"num_records\": 2}', '{\"num_records\": 3}']::jsonb[], 1);" >/dev/null
is "invoke_many: concurrency 1 never overlaps (1 instance)" "$(instances bulk_rs_nores)" 1

out=$(q "SELECT string_agg(payload::text, ' ' ORDER BY ordinal) FROM aws_lambda.invoke_many('bulk_echo20', ARRAY['[1, \"two\"]', '\"s\"', '3.25', 'null']::jsonb[]);")
is "invoke_many: arrays and scalars are payloads too" "$out" '[1, "two"] "s" 3.25 null'

# 3. A function error stays in its row; the others succeed.
out=$(q "SELECT ordinal || '|' || coalesce(payload::text, '-') || '|' || coalesce(function_error, '-') || '|' || coalesce(error, '-')
  FROM aws_lambda.invoke_many('bulk_echo20', ARRAY['{\"a\": 1}', '{\"fail\": \"third\"}', '{\"a\": 3}']::jsonb[]) ORDER BY ordinal;")
like "invoke_many: row 1 succeeded" "$out" '^1\|\{"a": 1\}\|-\|-'
like "invoke_many: row 2 carries the function error (Unhandled, errorType, errorMessage)" "$out" '2\|\{.*"errorMessage": "asked to fail: third".*\|Unhandled\|lambda function "bulk_echo20" at 127\.0\.0\.1:[0-9]+: ValueError: asked to fail: third'
like "invoke_many: row 3 succeeded after the failed one" "$out" '3\|\{"a": 3\}\|-\|-'

out=$(q "SELECT ordinal || '|' || status_code || '|' || coalesce(payload::text, 'NULL') || '|' || error
  FROM aws_lambda.invoke_many('bulk_rs_malformed', ARRAY['{}']::jsonb[]);")
like "invoke_many: a response that is not JSON is an error in its row" "$out" '^1\|200\|NULL\|response is not valid JSON: The input string ended unexpectedly\.'

# 4. invoke_batch: 250 rows, at most 40 per batch -> 7 batches, results in order.
before=$(posts bulk_rs)
out=$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE result = to_jsonb(ordinal * 2))
  FROM aws_lambda.invoke_batch('bulk_rs',
    (SELECT array_agg(jsonb_build_array(i, 'x') ORDER BY i) FROM generate_series(1, 250) i),
    max_batch_rows => 40, concurrency => 3);")
is "invoke_batch: 250 results, each row's own (ordinal * 2)" "$out" "250 250"
is "invoke_batch: 250 rows / 40 per batch = 7 requests" "$(( $(posts bulk_rs) - before ))" 7
rows=$(grep -o 'BATCH {[^}]*}' "$tmp/serve.err" | sed 's/^BATCH //' | python3 -c '
import json, sys
b = [json.loads(l) for l in sys.stdin]
print(" ".join(str(x["rows"]) for x in sorted(b, key=lambda x: -x["rows"])),
      all(x["rows"] == x["num_records"] for x in b))')
is "invoke_batch: batch sizes 40 x6 + 10, num_records = rows sent" "$rows" "40 40 40 40 40 40 10 True"

# 5. max_batch_size: every request body within 2048 bytes, rows cut to fit.
before=$(posts bulk_rs); : >"$tmp/mark"; start_line=$(wc -l <"$tmp/serve.err")
out=$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE result = to_jsonb(upper(repeat(chr(97 + ordinal % 26), 100))))
  FROM aws_lambda.invoke_batch('bulk_rs',
    (SELECT array_agg(jsonb_build_array(repeat(chr(97 + i % 26), 100)) ORDER BY i) FROM generate_series(1, 100) i),
    max_batch_size => 2048);")
is "invoke_batch (size-limited): 100 results, each its own row's" "$out" "100 100"
sizes=$(tail -n +"$((start_line + 1))" "$tmp/serve.err" | sed -n 's/.*POST \/2015-03-31\/functions\/bulk_rs\/invocations (\([0-9]*\) bytes).*/\1/p')
nreq=$(echo "$sizes" | grep -c .); max=$(echo "$sizes" | sort -n | tail -1)
if [ "$nreq" -ge 6 ] && [ "${max:-99999}" -le 2048 ]; then ok "invoke_batch: $nreq requests, largest $max bytes <= max_batch_size 2048"
else not_ok "invoke_batch: requests within max_batch_size 2048 (n=$nreq, largest=$max)"; fi
if [ "${max:-0}" -ge 1800 ]; then ok "invoke_batch: batches are filled close to the limit (largest $max bytes)"
else not_ok "invoke_batch: batches are filled close to the limit (largest $max bytes)"; fi

# 6. The envelope: user, database, cluster (system identifier), query_id
#    shared by one call's batches, a distinct request_id per batch.
: >"$tmp/serve.err.mark"; start_line=$(wc -l <"$tmp/serve.err")
out=$(q "SELECT current_user || ' ' || current_database() || ' ' || (SELECT system_identifier FROM pg_control_system());
SELECT count(*) FROM aws_lambda.invoke_batch('bulk_rs', ARRAY['[1]', '[2]', '[3]']::jsonb[], max_batch_rows => 1);")
want=$(echo "$out" | head -1)
env=$(tail -n +"$((start_line + 1))" "$tmp/serve.err" | grep -o 'BATCH {[^}]*}' | sed 's/^BATCH //' | python3 -c '
import json, sys
b = [json.loads(l) for l in sys.stdin]
print(b[0]["user"], b[0]["database"], b[0]["cluster"], len(b), len({x["query_id"] for x in b}),
      len({x["request_id"] for x in b}), {x["external_function"] for x in b} == {"bulk_rs"},
      all(isinstance(x["query_id"], int) for x in b))')
is "invoke_batch envelope: user, database, cluster; 3 batches; one query_id; 3 request_ids" "$env" "$want 3 1 3 True True"

# 7. Protocol violations: clear errors naming function and batch.
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_count', ARRAY['[1]', '[2]']::jsonb[]);")
like "wrong num_records: error names function, batch and counts" "$out" 'ERROR:  Lambda function "bulk_rs_count", batch 1 of 1 \(rows 1 to 2\): response has num_records 3 for a batch of 2 rows'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_short', ARRAY['[1]', '[2]', '[3]']::jsonb[], max_batch_rows => 2);")
like "too few results: error names the failing batch" "$out" 'ERROR:  Lambda function "bulk_rs_short", batch 1 of 2 \(rows 1 to 2\): response has 1 results for a batch of 2 rows'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_fail', ARRAY['[1]']::jsonb[]);")
like "success=false: ERROR with the function's error_msg" "$out" 'ERROR:  Lambda function "bulk_rs_fail" reported failure for batch 1 of 1 \(rows 1 to 1\): cannot score rows: model not loaded'
out=$(q "\\set VERBOSITY verbose
SELECT * FROM aws_lambda.invoke_batch('bulk_rs_fail', ARRAY['[1]']::jsonb[]);")
like "success=false: SQLSTATE 38000 (external routine exception)" "$out" 'ERROR:  38000'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_nores', ARRAY['[1]']::jsonb[]);")
like "missing results: clear error" "$out" 'ERROR:  Lambda function "bulk_rs_nores", batch 1 of 1 \(rows 1 to 1\): response has no "results" array'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_malformed', ARRAY['[1]', '[2]']::jsonb[]);")
like "malformed JSON: clear error" "$out" 'ERROR:  Lambda function "bulk_rs_malformed", batch 1 of 1 \(rows 1 to 2\): response is not valid JSON'
like "malformed JSON: the body in DETAIL" "$out" 'DETAIL:  Response body: \{"success": true, "num_records": 2, "results": \[1,'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_echo20', ARRAY['[1]']::jsonb[]);")
like "a non-Redshift function: no boolean success" "$out" 'response has no boolean "success"'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('no_such_function', ARRAY['[1]']::jsonb[]);")
like "unknown function: Lambda's error with the batch" "$out" 'ERROR:  .*ResourceNotFoundException.*in batch 1 of 1'
out=$(q "SELECT coalesce(result::text, 'NULL') FROM aws_lambda.invoke_batch('bulk_rs', ARRAY['[null]', '[\"abc\"]', '[]']::jsonb[]) ORDER BY ordinal;")
is "invoke_batch: JSON null results are SQL NULL; strings stay jsonb" "$(echo "$out" | tr '\n' '|')" 'NULL|"ABC"|NULL|'
# 8. A Lambda written as AWS's Redshift examples are (returns json.dumps(ret),
#    no num_records, results json.dumps'd) works unchanged.
out=$(q "SELECT string_agg(ordinal || '=' || (result #>> '{}'), ' ' ORDER BY ordinal)
  FROM aws_lambda.invoke_batch('bulk_rs_aws', ARRAY['[30, 136]', '[50, 55]', '[22, 75]']::jsonb[], max_batch_rows => 2);")
is "AWS-example Redshift UDF (JSON-string body, no num_records) reused as is" "$out" "1=4080 2=2750 3=1650"
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs_aws', ARRAY['[1, 2]', '[\"x\", {}]']::jsonb[]);")
like "AWS-example UDF reporting success=false: its error_msg" "$out" 'reported failure for batch 1 of 1 \(rows 1 to 2\): .*(unsupported operand|can.t multiply)'
out=$(q "SELECT * FROM aws_lambda.invoke_batch('bulk_rs', ARRAY['[1]', '[{\"a\": 1}]']::jsonb[]);")
like "a function error in a batch: ERROR names function, batch, errorType" "$out" 'ERROR:  Lambda function "bulk_rs" failed for batch 1 of 1 \(rows 1 to 2\): TypeError'
out=$(q "SELECT 'after=' || count(*) FROM aws_lambda.invoke_batch('bulk_rs', ARRAY['[1]']::jsonb[]);")
like "backend usable after protocol errors" "$out" 'after=1'
# 9. A response that is not valid in the database's encoding is an error
# naming the function, in every entry point (never bytes passed through).
for call in "SELECT awslambda_fn('bulk_badutf8', '{}');" \
            "SELECT payload FROM aws_lambda.invoke('bulk_badutf8', '{}'::json);" ; do
  out=$(q "$call")
  like "not UTF-8: $call" "$out" 'ERROR: .*(UTF8|encoding|UTF-8)'
done
out=$(q "SELECT coalesce(payload::text, 'NULL') || '|' || error FROM aws_lambda.invoke_many('bulk_badutf8', ARRAY['{}']::jsonb[]);")
like "not UTF-8: invoke_many's row carries the error" "$out" '^NULL\|.*(UTF8|encoding|UTF-8)'

tap_exit
