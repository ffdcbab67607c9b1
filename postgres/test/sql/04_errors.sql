-- 04_errors: every error class and its SQLSTATE, against core's fault
-- server (its port comes from the environment; try() masks ports).
\getenv fault_url FAULT_URL
SET search_path = "$user", public, aws_lambda;
SET aws_lambda.endpoint_override = :'fault_url';
SET aws_lambda.max_attempts = 2;
-- Success through the fault server: version and decoded Tail log.
SELECT status_code, payload, executed_version, log_result
  FROM aws_lambda.invoke('ok_errors', '{"a": 1}'::json, log_type => 'Tail');
-- The qualifier travels in the query string, encoded.
SELECT status_code, executed_version
  FROM aws_lambda.invoke('ok_qualifier', '{}'::jsonb, qualifier => '$LATEST');
\set last_cmd 'curl -s ' :fault_url '/_last?name=ok_qualifier'
CREATE TEMP TABLE fault_last (j json);
COPY fault_last FROM PROGRAM :'last_cmd';
SELECT j->>'path' AS path, j->>'query' AS query FROM fault_last;
-- Event: Lambda's 202 and no payload.
SELECT status_code, payload FROM aws_lambda.invoke('ok_event', '{"a": 1}'::json, invocation_type => 'Event');
-- Function error: class 38, names function, errorType, errorMessage; payload in DETAIL.
SELECT try($$SELECT awslambda_fn('funcerror_errors', '{}')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('funcerror_errors', '{}'::jsonb)$$);
-- ... and catchable in PL/pgSQL by its condition name.
DO $$
BEGIN
  PERFORM awslambda_fn('funcerror_plpgsql', '{}');
EXCEPTION WHEN external_routine_exception THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
-- Service errors.
SELECT try($$SELECT awslambda_fn('notfound_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('throttle_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('fail503x5_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('html502_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('xml403_errors', '{}')$$);
-- Retried transient failures succeed.
SELECT awslambda_fn('fail503x1_errors', '{"retried": true}') AS retried;
-- Transport, response and timeout errors.
SELECT try($$SELECT awslambda_fn('reset_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('truncated_errors', '{}')$$);
SELECT try($$SELECT awslambda_fn('big_errors', '{}')$$);
SET aws_lambda.request_timeout_ms = 300;
SELECT try($$SELECT awslambda_fn('hang_errors', '{}')$$);
RESET aws_lambda.request_timeout_ms;
SET aws_lambda.endpoint_override = 'http://127.0.0.1:1';
SELECT try($$SELECT awslambda_fn('ok_refused', '{}')$$);
-- Configuration errors: a bad endpoint is refused when it is set (22023,
-- test 10_settings), an unknown profile when a call needs it.
SELECT try($$SET aws_lambda.endpoint_override = 'not a url'$$);
SET aws_lambda.endpoint_override = :'fault_url';
SET aws_lambda.profile = 'nosuchprofile';
SELECT try($$SELECT awslambda_fn('ok_config', '{}')$$);
RESET aws_lambda.profile;
-- The backend is still usable and the client re-created with the settings.
SELECT awslambda_fn('ok_after', '{"still": "fine"}') AS after_errors;
-- The allowlist: a denied call errors before any request is sent.
SET aws_lambda.allowed_functions = 'lambdaTest, ok_allowed*';
SELECT awslambda_fn('ok_allowed_1', '{}') AS allowed;
SELECT try($$SELECT awslambda_fn('ok_denied', '{}')$$);
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_denied', '{}'::json)$$);
RESET aws_lambda.allowed_functions;
-- Qualifiers follow IAM (core's rules): 'name' allows the unqualified
-- function only, 'name:q' that qualifier, 'name:*' any; a qualifier =>
-- argument is checked exactly like one written inline, at every entry
-- point; a plain name does not allow an ARN (which names an account).
SET aws_lambda.allowed_functions = 'ok_qplain, ok_qalias:prod, ok_qany:*';
SELECT status_code AS plain_unqualified FROM aws_lambda.invoke('ok_qplain', '{}'::json);
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_qplain', '{}'::json, qualifier => 'prod')$$) AS plain_qualifier_arg;
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_qplain:prod', '{}'::json)$$) AS plain_inline_qualifier;
SELECT try($$SELECT * FROM aws_lambda.invoke_many('ok_qplain', ARRAY['{}'::jsonb], qualifier => 'prod')$$) AS many_qualifier_arg;
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('ok_qplain', ARRAY['[1]'::jsonb], qualifier => 'prod')$$) AS batch_qualifier_arg;
SELECT status_code AS alias_arg FROM aws_lambda.invoke('ok_qalias', '{}'::json, qualifier => 'prod');
SELECT status_code AS alias_inline FROM aws_lambda.invoke('ok_qalias:prod', '{}'::json);
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_qalias', '{}'::json, qualifier => 'dev')$$) AS other_alias;
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_qalias', '{}'::json)$$) AS alias_unqualified;
SELECT status_code AS any_qualifier FROM aws_lambda.invoke('ok_qany', '{}'::json, qualifier => '7');
SELECT try($$SELECT * FROM aws_lambda.invoke('arn:aws:lambda:us-east-1:123456789012:function:ok_qplain', '{}'::json)$$) AS plain_entry_vs_arn;
RESET aws_lambda.allowed_functions;
-- Proof that the denied calls sent nothing: the fault server never saw them.
\set counts_cmd 'curl -s ' :fault_url '/_counts'
CREATE TEMP TABLE fault_counts (j json);
COPY fault_counts FROM PROGRAM :'counts_cmd';
SELECT j->'attempts'->'ok_allowed_1' AS allowed_attempts, j->'attempts'->'ok_denied' AS denied_attempts
  FROM fault_counts;
SELECT j->'attempts'->'ok_qplain' AS qplain, j->'attempts'->'ok_qplain:prod' AS qplain_prod,
       j->'attempts'->'ok_qalias' AS qalias, j->'attempts'->'ok_qalias:prod' AS qalias_prod,
       j->'attempts'->'arn:aws:lambda:us-east-1:123456789012:function:ok_qplain' AS qplain_arn
  FROM fault_counts;
