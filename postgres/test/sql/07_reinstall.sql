-- 07_reinstall: DROP EXTENSION and CREATE again leaves a working, locked
-- down install (the schemas stay, as PostgreSQL keeps auto-created ones).
DROP EXTENSION aws_lambda;
DROP EXTENSION aws_commons;
CREATE EXTENSION aws_lambda CASCADE;
SELECT count(*) AS executable_by_public
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_extension e ON d.refobjid = e.oid AND e.extname IN ('aws_lambda', 'aws_commons')
 WHERE has_function_privilege('public', p.oid, 'EXECUTE');
SELECT aws_lambda.awslambda_fn('lambdaTest', '{"reinstalled": true}') AS reinstalled;
