/*
 * client_options.c — the one bridge from the aws_lambda.* settings to
 * core's client options (sqlambda_options): backends (backend_client.c)
 * and the delivery worker (worker_send.c) build their clients here, so a
 * setting reaches both the same way. Core copies every option.
 */
#include "aws_lambda.h"

#include <string.h>

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

sqlambda_client *awsl_client_from_settings(bool with_allowlist, sqlambda_wait_fn wait,
                                           const char *role) {
    char user_agent[96];
    sqlambda_options o;

    snprintf(user_agent, sizeof user_agent, "postgres/%d aws_lambda/%s%s", PG_VERSION_NUM,
             SQLAMBDA_VERSION, role ? role : "");
    memset(&o, 0, sizeof o);
    o.endpoint_url = nonempty(awsl_endpoint_override);
    o.region = nonempty(awsl_region);
    o.profile = nonempty(awsl_profile);
    o.ca_file = nonempty(awsl_ca_bundle);
    o.allowed_functions = with_allowlist ? nonempty(awsl_allowed_functions) : NULL;
    o.connect_timeout_ms = awsl_connect_timeout_ms;
    o.request_timeout_ms = awsl_request_timeout_ms;
    o.max_attempts = awsl_max_attempts;
    o.credential_timeout_ms = awsl_credential_timeout_ms;
    o.credential_timeout_setting = "aws_lambda.credential_timeout_ms";
    o.user_agent_extra = user_agent;
    o.wait = wait;
    o.log = awsl_log_hook;
    return sqlambda_client_new(&o);
}
