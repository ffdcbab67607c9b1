/*
 * validate.h — the checks every value of the string settings
 * (aws_lambda_endpoint_url, _region, _allowed_functions, _ca_bundle) passes, whether it
 * comes from SET GLOBAL (the sysvar check functions) or from the command
 * line / an option file (plugin_init). Core's rules; nothing of our own.
 */
#ifndef MDB_VALIDATE_H
#define MDB_VALIDATE_H

#include <stddef.h>

/* Each returns 0 when value is acceptable (NULL or "" means "unset" and is
 * always acceptable), else -1 with a message naming the problem in err. */
int mdb_check_endpoint_url(const char *value, char *err, size_t errlen);
int mdb_check_region(const char *value, char *err, size_t errlen);
int mdb_check_allowlist(const char *value, char *err, size_t errlen);
int mdb_check_ca_bundle(const char *value, char *err, size_t errlen);

#endif /* MDB_VALIDATE_H */
