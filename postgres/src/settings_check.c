/*
 * settings_check.c — check hooks of every aws_lambda.* string setting:
 * those core reads (endpoint_override, region, profile, ca_bundle,
 * allowed_functions)
 * are validated by core's own rules (sqlambda_check_*), database_name by
 * PostgreSQL's (a database name is shorter than NAMEDATALEN), so
 * a bad SET, ALTER ROLE/DATABASE ... SET or ALTER SYSTEM fails at once with
 * 22023 and core's message. Values PostgreSQL applies without a statement
 * to fail (postgresql.conf at start or reload, role/database settings at
 * login, placeholders when the library loads) are kept with a WARNING
 * that names the setting only (core's message, which quotes the value,
 * goes to the server log alone): rejecting them would silently fall back to the default, and an
 * empty allowlist allows every function. Kept invalid values fail closed
 * in core (an invalid allowlist entry matches nothing; an invalid endpoint
 * or region refuses every call with a configuration error).
 */
#include "aws_lambda.h"
#include "queue.h"

#include "access/xact.h"
#include "utils/guc.h"

bool awsl_defining_settings = false;

/* true when a failed check makes the statement that set the value fail */
static bool statement_fails(GucSource source) {
    if (awsl_defining_settings) return false;
    if (source >= PGC_S_INTERACTIVE) return true; /* SET, ALTER ROLE/DATABASE SET (test) */
    /* ALTER SYSTEM validates as PGC_S_FILE inside its transaction; the
     * configuration file itself is read outside any transaction. */
    return source == PGC_S_FILE && IsTransactionState();
}

static bool judge(const char *name, sqlambda_status st, const char *err, GucSource source) {
    if (st == SQLAMBDA_OK) return true;
    if (statement_fails(source)) {
        GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
        GUC_check_errmsg("invalid value for %s: %s", name, err);
        return false;
    }
    /* Every session re-reads the file on reload, so a WARNING goes to every
     * client, superuser or not: the value (superuser-only) and core's words
     * about it stay in the server log. */
    ereport(LOG_SERVER_ONLY, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                              errmsg("invalid value for %s: %s", name, err)));
    ereport(WARNING, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("invalid value for %s: kept, the server log says why", name),
                      errdetail("The value fails closed: %s",
                                strcmp(name, "aws_lambda.allowed_functions") == 0
                                    ? "its invalid entries allow nothing."
                                : strcmp(name, "aws_lambda.database_name") == 0
                                    ? "the delivery worker cannot connect until it is fixed."
                                    : "every Lambda call is refused until it is fixed.")));
    return true;
}

bool awsl_check_region_setting(char **newval, void **extra, GucSource source) {
    char err[256] = "";
    if (!*newval || !**newval) return true; /* unset: resolved from the environment */
    return judge("aws_lambda.region", sqlambda_check_region(*newval, err, sizeof err), err, source);
}

bool awsl_check_endpoint_setting(char **newval, void **extra, GucSource source) {
    char err[256] = "";
    if (!*newval || !**newval) return true;
    return judge("aws_lambda.endpoint_override",
                 sqlambda_check_endpoint_url(*newval, err, sizeof err), err, source);
}

bool awsl_check_profile_setting(char **newval, void **extra, GucSource source) {
    char err[256] = "";
    if (!*newval || !**newval) return true; /* unset: AWS_PROFILE, then default */
    return judge("aws_lambda.profile", sqlambda_check_profile(*newval, err, sizeof err), err,
                 source);
}

bool awsl_check_ca_bundle_setting(char **newval, void **extra, GucSource source) {
    char err[4400] = "";
    if (!*newval || !**newval) return true; /* unset: AWS_CA_BUNDLE, profile, system store */
    return judge("aws_lambda.ca_bundle", sqlambda_check_ca_file(*newval, err, sizeof err), err,
                 source);
}

bool awsl_check_database_name_setting(char **newval, void **extra, GucSource source) {
    char err[256] = "";
    sqlambda_status st = SQLAMBDA_OK;
    if (!*newval || !**newval) {
        snprintf(err, sizeof err, "the delivery worker needs a database name");
        st = SQLAMBDA_E_INVALID;
    } else if (strlen(*newval) >= NAMEDATALEN) {
        snprintf(err, sizeof err, "a database name has at most %d bytes, this one %zu",
                 NAMEDATALEN - 1, strlen(*newval));
        st = SQLAMBDA_E_INVALID;
    }
    return judge("aws_lambda.database_name", st, err, source);
}

bool awsl_check_allowlist_setting(char **newval, void **extra, GucSource source) {
    char err[256] = "";
    if (!judge("aws_lambda.allowed_functions",
               sqlambda_check_allowlist(*newval ? *newval : "", err, sizeof err), err, source))
        return false;
    awsq_note_server_allowlist(*newval, source); /* the queue's fallback */
    return true;
}
