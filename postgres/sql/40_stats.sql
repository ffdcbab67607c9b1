-- 40_stats.sql — per-function statistics: shared by all backends when
-- aws_lambda is in shared_preload_libraries, else per backend
-- (stats_shared() says which).

CREATE FUNCTION stats(
    OUT function_name text,
    OUT calls bigint,
    OUT errors bigint,
    OUT function_errors bigint,
    OUT service_errors bigint,
    OUT transport_errors bigint,
    OUT retries bigint,
    OUT throttles bigint,
    OUT total_ms double precision,
    OUT mean_ms double precision,
    OUT max_ms double precision)
RETURNS SETOF record
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_stats';

CREATE VIEW stats AS SELECT * FROM stats();

CREATE FUNCTION stats_reset() RETURNS void
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'aws_lambda_stats_reset';

CREATE FUNCTION stats_shared() RETURNS boolean
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'aws_lambda_stats_shared';

REVOKE ALL ON FUNCTION stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION stats_reset() FROM PUBLIC;
REVOKE ALL ON FUNCTION stats_shared() FROM PUBLIC;
REVOKE ALL ON stats FROM PUBLIC;
