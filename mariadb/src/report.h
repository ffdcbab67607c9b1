/*
 * report.h — turns a failed call into what the SQL client sees: an SQL
 * error (ER_UNKNOWN_ERROR 1105, SQLSTATE HY000) whose text names the UDF,
 * the function and the error, when the plugin is installed; otherwise the
 * UDF's NULL result plus a line in the server's error log.
 */
#ifndef MDB_REPORT_H
#define MDB_REPORT_H

#include "sqlambda.h"
#include <stddef.h>

/* One line for humans from a failed result; never payloads beyond the
 * function's errorMessage, never secrets. */
void mdb_describe_failure(const char *udf, const char *function, const sqlambda_result *res,
                          char *out, size_t outlen);

/* Raises msg as an SQL error for this statement (plugin installed), or
 * writes it to the error log (UDFs only). */
void mdb_report_error(const char *msg);
/* The same with another error code, e.g. MDB_ERROR_INTERRUPTED. */
void mdb_report_error_code(unsigned code, const char *msg);

#endif /* MDB_REPORT_H */
