-- 20_seed.sql — the walkthrough's functions (aws_lambda schema; put it on
-- the search_path so the walkthrough's SQL runs unchanged).

-- Synchronous call (RequestResponse): the function's JSON, as text.
CREATE FUNCTION awslambda_fn(fn_name text, fn_args text)
RETURNS text
LANGUAGE c STRICT VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awslambda_fn';

-- Asynchronous call (Event): returns '{"StatusCode": 202}' once Lambda has
-- queued the event.
CREATE FUNCTION awslambda_fn_async(fn_name text, fn_args text)
RETURNS text
LANGUAGE c STRICT VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awslambda_fn_async';

REVOKE ALL ON FUNCTION awslambda_fn(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awslambda_fn_async(text, text) FROM PUBLIC;
