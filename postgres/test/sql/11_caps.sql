-- 11_caps: the numeric client settings are bounded by core's caps
-- (SQLAMBDA_*_MAX in sqlambda.h), the same in MariaDB's system variables
-- and the CLI's flags (docs/configuration.md "Caps"): each cap is
-- accepted, cap + 1 refused naming the range.
SET aws_lambda.max_attempts = 100;
SHOW aws_lambda.max_attempts;
SET aws_lambda.max_attempts = 101;
SET aws_lambda.connect_timeout_ms = 900000;
SHOW aws_lambda.connect_timeout_ms;
SET aws_lambda.connect_timeout_ms = 900001;
SET aws_lambda.request_timeout_ms = 960000;
SHOW aws_lambda.request_timeout_ms;
SET aws_lambda.request_timeout_ms = 960001;
SET aws_lambda.credential_timeout_ms = 3600000;
SHOW aws_lambda.credential_timeout_ms;
SET aws_lambda.credential_timeout_ms = 3600001;
RESET ALL;
