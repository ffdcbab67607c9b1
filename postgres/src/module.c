/*
 * module.c — the extension's entry point: _PG_init defines the aws_lambda.*
 * settings (GUCs) and, when the library is in shared_preload_libraries,
 * reserves shared memory for the statistics. See docs/postgres.md for what
 * each setting does and who may change it.
 */
#include "aws_lambda.h"
#include "queue.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

int awsl_connect_timeout_ms = 1000;
int awsl_request_timeout_ms = 3000;
int awsl_credential_timeout_ms = 0;
int awsl_max_attempts = 0;
char *awsl_endpoint_override = NULL;
char *awsl_region = NULL;
char *awsl_profile = NULL;
char *awsl_ca_bundle = NULL;
char *awsl_allowed_functions = NULL;

void _PG_init(void);

void _PG_init(void) {
    awsl_defining_settings = true; /* values set before loading: settings_check.c */
    /* Amazon RDS's settings, same names, defaults and units. */
    DefineCustomIntVariable("aws_lambda.connect_timeout_ms",
                            "Time allowed to connect to the Lambda endpoint.", NULL,
                            &awsl_connect_timeout_ms, 1000, 1, SQLAMBDA_CONNECT_TIMEOUT_MS_MAX,
                            PGC_USERSET, GUC_UNIT_MS,
                            NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.request_timeout_ms",
                            "Time allowed for one Lambda request attempt, connect included.",
                            NULL, &awsl_request_timeout_ms, 3000, 1,
                            SQLAMBDA_REQUEST_TIMEOUT_MS_MAX, PGC_USERSET,
                            GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomStringVariable("aws_lambda.endpoint_override",
                               "Lambda endpoint URL to use instead of the regional one.",
                               "Empty: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, the profile, "
                               "then https://lambda.<region>.amazonaws.com.",
                               &awsl_endpoint_override, "", PGC_SUSET, GUC_SUPERUSER_ONLY,
                               awsl_check_endpoint_setting, NULL, NULL);
    /* Ours. */
    DefineCustomIntVariable("aws_lambda.credential_timeout_ms",
                            "Time allowed to each credential source (credential_process, STS, "
                            "container endpoint, each EC2 metadata request).",
                            "0: each source's default (60 s, 5 s, 2 s, 1 s). Query cancel and "
                            "statement_timeout stop the wait as well.",
                            &awsl_credential_timeout_ms, 0, 0, SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX,
                            PGC_SUSET, GUC_UNIT_MS,
                            NULL, NULL, NULL);
    DefineCustomStringVariable("aws_lambda.region", "Default AWS Region for Lambda calls.",
                               "Empty: the function ARN, AWS_REGION, AWS_DEFAULT_REGION, the "
                               "profile, then EC2 instance metadata.",
                               &awsl_region, "", PGC_SUSET, GUC_SUPERUSER_ONLY,
                               awsl_check_region_setting, NULL, NULL);
    DefineCustomStringVariable("aws_lambda.profile",
                               "AWS shared config/credentials profile for Lambda calls.",
                               "Empty: AWS_PROFILE, then \"default\".", &awsl_profile, "",
                               PGC_SUSET, GUC_SUPERUSER_ONLY, awsl_check_profile_setting, NULL,
                               NULL);
    DefineCustomStringVariable("aws_lambda.ca_bundle",
                               "PEM file of the CA certificates TLS trusts for Lambda, STS and "
                               "the SSO portal.",
                               "Empty: AWS_CA_BUNDLE, the profile's ca_bundle, then the system "
                               "store. Must be readable by the server's OS user.",
                               &awsl_ca_bundle, "", PGC_SUSET, GUC_SUPERUSER_ONLY,
                               awsl_check_ca_bundle_setting, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.max_attempts",
                            "HTTP attempts per call, retries included (0: AWS_MAX_ATTEMPTS, "
                            "the profile's max_attempts, else 3).",
                            NULL, &awsl_max_attempts, 0, 0, SQLAMBDA_MAX_ATTEMPTS_MAX, PGC_SUSET, 0,
                            NULL, NULL, NULL);
    DefineCustomStringVariable("aws_lambda.allowed_functions",
                               "Comma-separated Lambda functions this session may invoke.",
                               "Names, name:qualifier or ARNs; '*' globs. Empty: any function. "
                               "Set per role with ALTER ROLE ... SET.",
                               &awsl_allowed_functions, "", PGC_SUSET, 0,
                               awsl_check_allowlist_setting, NULL, NULL);
    awsq_init(); /* transactional delivery: settings, worker (queue_settings.c) */
    MarkGUCPrefixReserved("aws_lambda");
    awsl_defining_settings = false;

    awsl_stats_init();
}
