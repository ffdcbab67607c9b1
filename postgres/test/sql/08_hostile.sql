-- 08_hostile: hostile values at every SQL entry point are refused with
-- 22023 (invalid_parameter_value), a message naming the argument, and no
-- connection. Every endpoint a request could reach is a loopback listener
-- that counts connections (test/conn_counter.py): the endpoint override,
-- and, with no override, the host a region would steer the URL to
-- (userinfo "x@127.0.0.1:PORT"). The count must stay 0.
\getenv counter_port COUNTER_PORT
\getenv counter_file COUNTER_FILE
SET search_path = "$user", public, aws_lambda;
SELECT format('http://127.0.0.1:%s', :'counter_port') AS counter_url \gset
SET aws_lambda.endpoint_override = :'counter_url';
SET aws_lambda.max_attempts = 1;
SET aws_lambda.connect_timeout_ms = 300;
SET aws_lambda.request_timeout_ms = 600;
CREATE FUNCTION pg_temp.connections() RETURNS int LANGUAGE sql
AS $$ SELECT trim(pg_read_file(current_setting('regress.counter_file')))::int $$;
SELECT set_config('regress.counter_file', :'counter_file', false) IS NOT NULL AS counter_known;
SELECT pg_temp.connections() AS connections_before;

-- Hostile values. {port} becomes the listener's port.
CREATE TEMP TABLE hostile (label text, v text);
INSERT INTO hostile VALUES
  ('userinfo', 'a@evil'),
  ('userinfo to listener', 'x@127.0.0.1:{port}'),
  ('host steer', '127.0.0.1:{port}#'),
  ('slash', 'us-east-1/x'),
  ('dot-dot', 'us-east-1/../x'),
  ('hash', 'us-east-1#x'),
  ('query', 'us-east-1?x=1'),
  ('percent-escape', 'us-east-1%2Fx'),
  ('CR/LF', E'us-east-1\r\nX-Evil: 1'),
  ('LF', E'us-east-1\nx'),
  ('space', 'us east 1'),
  ('tab', E'us-east-1\t'),
  ('over-long', repeat('a', 300) || '-east-1'),
  ('IDN', 'us-eäst-1'),
  ('IDN punycode-like', 'xn--us-east-1'),
  ('uppercase', 'US-EAST-1'),
  ('dot', 'us-east-1.evil'),
  ('colon', 'us-east-1:443'),
  ('backslash', E'us-east-1\\x'),
  ('quote', 'us-east-1"'),
  ('JSON-ish escape', 'us-east-1\u0000');
UPDATE hostile SET v = replace(v, '{port}', :'counter_port');

-- The SQLSTATE of a statement (or ok), its message printed once per value.
CREATE FUNCTION pg_temp.st(q text) RETURNS text LANGUAGE sql
AS $$ SELECT split_part(try(q), ':', 1) $$;

-- region: every entry point that takes one.
SELECT label,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::json, %L)$q$, v)) AS invoke_json,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::jsonb, %L)$q$, v)) AS invoke_jsonb,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(ROW('ok_h', %L)::aws_commons._lambda_function_arn_1, '{}'::json)$q$, v)) AS invoke_arn_json,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(ROW('ok_h', %L)::aws_commons._lambda_function_arn_1, '{}'::jsonb)$q$, v)) AS invoke_arn_jsonb,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_many('ok_h', ARRAY['{}'::jsonb], region => %L)$q$, v)) AS invoke_many,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_batch('ok_h', ARRAY['[1]'::jsonb], region => %L)$q$, v)) AS invoke_batch,
  pg_temp.st(format($q$SELECT aws_lambda.enqueue('ok_h', '{}', region => %L)$q$, v)) AS enqueue,
  pg_temp.st(format($q$SELECT aws_commons.create_lambda_function_arn('ok_h', %L)$q$, v)) AS create_arn
  FROM hostile ORDER BY label;
SELECT label, try(format($q$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::json, %L)$q$, v)) AS message
  FROM hostile WHERE label IN ('userinfo', 'CR/LF', 'over-long', 'IDN') ORDER BY label;
SELECT try($$SELECT aws_commons.create_lambda_function_arn('ok_h', 'a@evil')$$) AS create_arn_message;

-- With no endpoint override the region is part of the host: a region that
-- would steer the request to the listener is refused, nothing connects.
SET aws_lambda.endpoint_override = '';
SELECT label, pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::json, %L)$q$, v)) AS no_override
  FROM hostile WHERE label IN ('userinfo to listener', 'host steer') ORDER BY label;
SET aws_lambda.endpoint_override = :'counter_url';

-- Function names (every entry point), qualifiers and ARNs ('f' or 'q' and
-- the value; values that make a valid name or qualifier are left out).
SELECT label,
  pg_temp.st(format($q$SELECT aws_lambda.awslambda_fn(%L, '{}')$q$, 'f' || v)) AS seed,
  pg_temp.st(format($q$SELECT aws_lambda.awslambda_fn_async(%L, '{}')$q$, 'f' || v)) AS seed_async,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(%L, '{}'::json)$q$, 'f' || v)) AS invoke,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(ROW(%L, NULL)::aws_commons._lambda_function_arn_1, '{}'::jsonb)$q$, 'f' || v)) AS invoke_arn,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_many(%L, ARRAY['{}'::jsonb])$q$, 'f' || v)) AS invoke_many,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_batch(%L, ARRAY['[1]'::jsonb])$q$, 'f' || v)) AS invoke_batch,
  pg_temp.st(format($q$SELECT aws_lambda.enqueue(%L, '{}')$q$, 'f' || v)) AS enqueue,
  pg_temp.st(format($q$SELECT aws_commons.create_lambda_function_arn(%L)$q$, 'f' || v)) AS create_arn
  FROM hostile WHERE label NOT IN ('uppercase', 'IDN punycode-like', 'colon') ORDER BY label;
SELECT label,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::json, qualifier => %L)$q$, 'q' || v)) AS invoke_qualifier,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(%L, '{}'::json)$q$, 'ok_h:q' || v)) AS inline_qualifier,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_many('ok_h', ARRAY['{}'::jsonb], qualifier => %L)$q$, 'q' || v)) AS many_qualifier,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke_batch('ok_h', ARRAY['[1]'::jsonb], qualifier => %L)$q$, 'q' || v)) AS batch_qualifier,
  pg_temp.st(format($q$SELECT aws_lambda.enqueue('ok_h', '{}', qualifier => %L)$q$, 'q' || v)) AS enqueue_qualifier,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(%L, '{}'::json)$q$,
                    'arn:aws:lambda:' || v || ':123456789012:function:ok_h')) AS arn_region,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(%L, '{}'::json)$q$,
                    'arn:' || v || ':lambda:us-east-1:123456789012:function:ok_h')) AS arn_partition,
  pg_temp.st(format($q$SELECT * FROM aws_lambda.invoke(%L, '{}'::json)$q$,
                    'arn:aws:lambda:us-east-1:1234' || v || ':function:ok_h')) AS arn_account
  FROM hostile WHERE label NOT IN ('uppercase', 'IDN punycode-like') ORDER BY label;
SELECT try($$SELECT * FROM aws_lambda.invoke('ok_h', '{}'::json, qualifier => 'q/../x')$$) AS qualifier_message;
SELECT try($$SELECT aws_lambda.awslambda_fn('f@evil', '{}')$$) AS name_message;

-- trigger_invoke: a hostile function name in the trigger's arguments.
CREATE TABLE hostile_t (id int);
CREATE TRIGGER h AFTER INSERT ON hostile_t FOR EACH ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('f@127.0.0.1/x');
SELECT try($$INSERT INTO hostile_t VALUES (1)$$) AS trigger_name;
DROP TABLE hostile_t;

-- Nothing connected.
SELECT pg_temp.connections() AS connections_after;
RESET aws_lambda.endpoint_override;
RESET aws_lambda.max_attempts;
RESET aws_lambda.connect_timeout_ms;
RESET aws_lambda.request_timeout_ms;
