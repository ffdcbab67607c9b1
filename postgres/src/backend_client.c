/*
 * backend_client.c — the backend's one libsqlambda client. Built on first
 * use from the aws_lambda.* settings (client_options.c, shared with the
 * delivery worker) and kept for the backend's life, so the
 * HTTP connection stays alive and credentials stay cached across calls.
 * Each call compares the settings with those the client was built from (a
 * few string compares) and rebuilds the client only when one has changed.
 * A second client, built from the same settings but without the session's
 * allowlist, validates queue entries (whose allowlist is the governing
 * role's, queue_allowlist.c); it never sends anything. Inside an on_result
 * callback (worker_callback.c) the first is refused.
 */
#include "aws_lambda.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/memutils.h"

#include <string.h>

typedef struct client_settings {
    int connect_timeout_ms;
    int request_timeout_ms;
    int credential_timeout_ms;
    int max_attempts;
    char *endpoint_override;
    char *region;
    char *profile;
    char *ca_bundle;
    char *allowed_functions;
} client_settings;

static sqlambda_client *client;
static sqlambda_client *unrestricted; /* same settings, no allowlist */

bool awsl_in_callback;
static client_settings built_from;
static bool exit_hook_set;

static bool same_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool settings_unchanged(void) {
    return built_from.connect_timeout_ms == awsl_connect_timeout_ms &&
           built_from.request_timeout_ms == awsl_request_timeout_ms &&
           built_from.credential_timeout_ms == awsl_credential_timeout_ms &&
           built_from.max_attempts == awsl_max_attempts &&
           same_str(built_from.endpoint_override, awsl_endpoint_override) &&
           same_str(built_from.region, awsl_region) && same_str(built_from.profile, awsl_profile) &&
           same_str(built_from.ca_bundle, awsl_ca_bundle) &&
           same_str(built_from.allowed_functions, awsl_allowed_functions);
}

static char *keep(const char *s) { return MemoryContextStrdup(TopMemoryContext, s ? s : ""); }

static void forget_settings(void) {
    char **fields[] = {&built_from.endpoint_override, &built_from.region, &built_from.profile,
                       &built_from.ca_bundle, &built_from.allowed_functions};
    for (size_t i = 0; i < lengthof(fields); i++) {
        if (*fields[i]) pfree(*fields[i]);
        *fields[i] = NULL;
    }
}

static void free_client(int code, Datum arg) {
    if (client) sqlambda_client_free(client);
    if (unrestricted) sqlambda_client_free(unrestricted);
    client = unrestricted = NULL;
    awsl_wait_sockets_forget(); /* their epoll fds' numbers may come back */
}

/* Rebuilds nothing while the settings are unchanged; else frees both
 * clients and records the settings they will be built from. */
static void refresh(void) {
    if ((client || unrestricted) && settings_unchanged()) return;
    free_client(0, (Datum)0);
    forget_settings();
    built_from.connect_timeout_ms = awsl_connect_timeout_ms;
    built_from.request_timeout_ms = awsl_request_timeout_ms;
    built_from.credential_timeout_ms = awsl_credential_timeout_ms;
    built_from.max_attempts = awsl_max_attempts;
    built_from.endpoint_override = keep(awsl_endpoint_override);
    built_from.region = keep(awsl_region);
    built_from.profile = keep(awsl_profile);
    built_from.ca_bundle = keep(awsl_ca_bundle);
    built_from.allowed_functions = keep(awsl_allowed_functions);
    if (!exit_hook_set) {
        on_proc_exit(free_client, (Datum)0);
        exit_hook_set = true;
    }
}

/* Built from the current settings, which refresh() has just recorded. */
static sqlambda_client *build(bool with_allowlist) {
    sqlambda_client *c = awsl_client_from_settings(with_allowlist, awsl_wait_hook, "");
    if (!c)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                        errmsg("out of memory creating the Lambda client")));
    return c;
}

sqlambda_client *awsl_client(void) {
    /* In the delivery worker the session's allowlist is the server's, not
     * the callback role's: a callback may queue calls (checked against its
     * role), never make them. */
    if (awsl_in_callback)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("aws_lambda: Lambda cannot be invoked from an on_result callback"),
                        errhint("Queue the call with aws_lambda.enqueue: it is checked against "
                                "the callback role's allowlist.")));
    refresh();
    if (!client) client = build(true);
    return client;
}

sqlambda_client *awsl_client_unrestricted(void) {
    refresh();
    if (!unrestricted) unrestricted = build(false);
    return unrestricted;
}
