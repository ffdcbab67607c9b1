/*
 * status.c — stable names of sqlambda_status values and freeing results.
 */
#include "sqlambda.h"
#include <stdlib.h>
#include <string.h>

const char *sqlambda_status_name(sqlambda_status st) {
    switch (st) {
    case SQLAMBDA_OK: return "OK";
    case SQLAMBDA_E_INVALID: return "InvalidRequest";
    case SQLAMBDA_E_TOO_LARGE: return "RequestTooLarge";
    case SQLAMBDA_E_NOT_ALLOWED: return "NotAllowed";
    case SQLAMBDA_E_CONFIG: return "ConfigError";
    case SQLAMBDA_E_CREDENTIALS: return "CredentialsError";
    case SQLAMBDA_E_FUNCTION: return "FunctionError";
    case SQLAMBDA_E_SERVICE: return "ServiceError";
    case SQLAMBDA_E_THROTTLED: return "Throttled";
    case SQLAMBDA_E_TRANSPORT: return "TransportError";
    case SQLAMBDA_E_TIMEOUT: return "Timeout";
    case SQLAMBDA_E_RESPONSE: return "BadResponse";
    case SQLAMBDA_E_CANCELLED: return "Cancelled";
    case SQLAMBDA_E_NOMEM: return "OutOfMemory";
    }
    return "Unknown";
}

void sqlambda_result_free(sqlambda_result *res) {
    if (!res) return;
    free(res->payload);
    free(res->executed_version);
    free(res->log_result);
    free(res->function_error);
    free(res->error_type);
    free(res->error_message);
    free(res->request_id);
    free(res->function_name);
    free(res->endpoint_host);
    memset(res, 0, sizeof *res);
}
