/*
 * report.c — error text and delivery for row-time failures (see report.h).
 * MariaDB lets a plugin raise an error through its my_print_error service;
 * the service pointer is only valid once the server has loaded this library
 * as a plugin (INSTALL SONAME) and until it is uninstalled, which
 * mdb_services_enter() tells (see plugin_active.h).
 */
#include "udf_abi.h"

#include "plugin_active.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void mdb_describe_failure(const char *udf, const char *function, const sqlambda_result *res,
                          char *out, size_t outlen) {
    const char *status = sqlambda_status_name(res->status);
    int n;
    if (res->message[0])
        n = snprintf(out, outlen, "%s: %s", udf, res->message);
    else
        n = snprintf(out, outlen, "%s: %s failed: %s", udf, function, status);
    if (n < 0 || (size_t)n >= outlen) return;
    /* Make sure the function's own errorType / errorMessage (or the AWS
     * error code and message) are in the text, whatever core's line says. */
    if (res->error_type && res->error_type[0] && !strstr(out, res->error_type))
        n += snprintf(out + n, outlen - (size_t)n, " [%s]", res->error_type);
    if (n < 0 || (size_t)n >= outlen) return;
    if (res->error_message && res->error_message[0] && !strstr(out, res->error_message))
        snprintf(out + n, outlen - (size_t)n, ": %s", res->error_message);
}

void mdb_report_error(const char *msg) { mdb_report_error_code(MDB_ERROR_CODE, msg); }

void mdb_report_error_code(unsigned code, const char *msg) {
#if MDB_MARIADB
    if (mdb_services_enter()) {
        my_printf_error(code, "%s", 0, msg);
        mdb_services_leave();
        return;
    }
#else
    (void)code;
#endif
    /* No supported way to raise an error from a bare UDF: the client gets
     * NULL; the full text goes to the error log (the server's stderr). */
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(stderr, "%s 0 [ERROR] aws_lambda: %s\n", stamp, msg);
    fflush(stderr);
}
