-- bulk_batch: aws_lambda.invoke_batch's argument checks (each an ERROR
-- naming the argument, raised before anything is sent) and a non-Redshift
-- function's answer (moto's echo) rejected with a clear error. The protocol
-- itself is tested against real functions in t_bulk.sh.
SET search_path = "$user", public, aws_lambda;
SELECT count(*) FROM aws_lambda.invoke_batch('lambdaTest', '{}'::jsonb[]);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch(NULL, ARRAY['[1]']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]', NULL]::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]', '{"a": 1}']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['7']::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], max_batch_rows => 0)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], max_batch_rows => NULL)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], max_batch_size => 100)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], max_batch_size => 7000000)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], concurrency => 0)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]']::jsonb[], concurrency => 1001)$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY[['[1]'], ['[2]']]::jsonb[])$$);
SELECT try($$SELECT * FROM aws_lambda.invoke_batch('bad name!', ARRAY['[1]']::jsonb[])$$);
-- One row too large for max_batch_size even alone.
-- (The envelope's size varies with the backend's pid, part of query_id.)
SELECT regexp_replace(try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest',
  ARRAY['[1]', jsonb_build_array(repeat('x', 3000))], max_batch_size => 2048)$$),
  'envelope \([0-9]+ bytes\)', 'envelope (N bytes)') AS too_large;
-- moto's echo function is no Redshift UDF: its answer has no "success".
SELECT regexp_replace(try($$SELECT * FROM aws_lambda.invoke_batch('lambdaTest', ARRAY['[1]', '[2]']::jsonb[])$$),
       E'\nDETAIL: .*', '') AS not_redshift;
