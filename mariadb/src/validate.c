/*
 * validate.c — the setting checks of validate.h: core's validators (the
 * one rule for each value in every adapter), with "unset" allowed. Shared
 * by SET GLOBAL (plugin.c's sysvar check functions) and startup values
 * (plugin_init), so a value refused by one is refused by the other.
 */
#include "validate.h"

#include "sqlambda.h"

static int unset(const char *v) { return !v || !*v; }

int mdb_check_endpoint_url(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    return sqlambda_check_endpoint_url(v, err, errlen) == SQLAMBDA_OK ? 0 : -1;
}

int mdb_check_region(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    return sqlambda_check_region(v, err, errlen) == SQLAMBDA_OK ? 0 : -1;
}

int mdb_check_allowlist(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    return sqlambda_check_allowlist(v, err, errlen) == SQLAMBDA_OK ? 0 : -1;
}

int mdb_check_ca_bundle(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    return sqlambda_check_ca_file(v, err, errlen) == SQLAMBDA_OK ? 0 : -1;
}
