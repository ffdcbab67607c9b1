-- 01_install: RDS's install SQL works unchanged, nothing is executable by
-- PUBLIC afterwards, and a helper that shows an error's SQLSTATE and
-- message with endpoint ports masked (so the expected output is stable).
CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE;
-- (at the default version, the top-level file VERSION: t_version.sh)
SELECT extname, extversion = default_version AS at_default_version, extnamespace::regnamespace
  FROM pg_extension JOIN pg_available_extensions ON name = extname
 WHERE extname IN ('aws_lambda', 'aws_commons') ORDER BY 1;
-- Functions of both extensions that PUBLIC may execute: none.
SELECT p.oid::regprocedure AS executable_by_public
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_extension e ON d.refobjid = e.oid AND e.extname IN ('aws_lambda', 'aws_commons')
 WHERE has_function_privilege('public', p.oid, 'EXECUTE');
SELECT count(*) AS functions_in_extensions
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_extension e ON d.refobjid = e.oid AND e.extname IN ('aws_lambda', 'aws_commons');
-- Settings and their defaults (RDS's names and defaults, then ours).
-- (the test server sets endpoint_override to its moto_server)
SELECT name, CASE WHEN name = 'aws_lambda.endpoint_override' THEN '(moto)' ELSE setting END AS setting,
       unit, context, boot_val FROM pg_settings WHERE name LIKE 'aws\_lambda.%' ORDER BY 1;

CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  msg := regexp_replace(msg, '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g');
  msg := regexp_replace(msg, 'after [0-9]+ milliseconds', 'after N milliseconds', 'g');
  msg := regexp_replace(msg, '/tmp/aws_lambda-check\.[A-Za-z0-9]+', '/tmp/CHECKDIR', 'g');
  RETURN st || ': ' || msg
         || coalesce(E'\nDETAIL: ' || nullif(det, ''), '');
END $$;
GRANT EXECUTE ON FUNCTION try(text) TO PUBLIC;
