-- 80_worker.sql — last in the install script: when CREATE EXTENSION
-- commits, this database gets its delivery worker from the launcher at once
-- (aws_lambda.max_workers databases at most; docs/postgres.md). Without
-- shared_preload_libraries it does nothing.
SELECT aws_lambda.worker_wake();
