/*
 * error_map.c — turns a failed Lambda call into a PostgreSQL ERROR with a
 * fitting SQLSTATE (the table is in docs/postgres.md). Messages come from
 * core: they name the function and the endpoint host, never credentials.
 * Function errors carry errorType/errorMessage in the message and the
 * (bounded) error payload in DETAIL.
 */
#include "aws_lambda.h"

#include "mb/pg_wchar.h"
#include "utils/elog.h"

#include <jansson.h>
#include <string.h>

/*
 * An invalid request (core says E_INVALID for all of them): 22P02 when the
 * payload is not JSON, else 22023 (invalid_parameter_value) — a malformed or
 * hostile function name, ARN, qualifier, region or client context. Core's
 * message names the argument; nothing was sent.
 */
static int invalid_request_state(const sqlambda_request *req) {
    if (req->payload) {
        json_error_t jerr;
        size_t len = req->payload_len ? req->payload_len : strlen(req->payload);
        json_t *j = json_loadb(req->payload, len, JSON_DECODE_ANY, &jerr);
        if (!j) return ERRCODE_INVALID_TEXT_REPRESENTATION; /* 22P02 */
        json_decref(j);
    }
    return ERRCODE_INVALID_PARAMETER_VALUE; /* 22023 */
}

/* Lambda's error codes that have a closer SQLSTATE than "service error". */
static int service_state(const sqlambda_result *res) {
    const char *t = res->error_type ? res->error_type : "";
    if (strcmp(t, "ResourceNotFoundException") == 0) return ERRCODE_UNDEFINED_FUNCTION; /* 42883 */
    if (strcmp(t, "AccessDeniedException") == 0) return ERRCODE_INSUFFICIENT_PRIVILEGE; /* 42501 */
    if (strcmp(t, "UnrecognizedClientException") == 0 ||
        strcmp(t, "InvalidSignatureException") == 0 || strcmp(t, "ExpiredTokenException") == 0 ||
        strcmp(t, "IncompleteSignature") == 0 || strcmp(t, "MissingAuthenticationToken") == 0 ||
        strcmp(t, "InvalidClientTokenId") == 0 || strcmp(t, "SignatureDoesNotMatch") == 0 ||
        res->http_status == 401)
        return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION; /* 28000 */
    if (res->http_status == 403) return ERRCODE_INSUFFICIENT_PRIVILEGE;
    if (strcmp(t, "RequestTooLargeException") == 0 || res->http_status == 413)
        return ERRCODE_PROGRAM_LIMIT_EXCEEDED; /* 54000 */
    if (strcmp(t, "InvalidParameterValueException") == 0 ||
        strcmp(t, "InvalidRequestContentException") == 0)
        return ERRCODE_INVALID_PARAMETER_VALUE; /* 22023 */
    return ERRCODE_SYSTEM_ERROR; /* 58000 */
}

int awsl_sqlstate(const sqlambda_request *req, const sqlambda_result *res) {
    switch (res->status) {
    case SQLAMBDA_OK: return 0;
    case SQLAMBDA_E_INVALID: return invalid_request_state(req);
    case SQLAMBDA_E_TOO_LARGE: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;       /* 54000 */
    case SQLAMBDA_E_NOT_ALLOWED: return ERRCODE_INSUFFICIENT_PRIVILEGE;     /* 42501 */
    case SQLAMBDA_E_CONFIG: return ERRCODE_INVALID_PARAMETER_VALUE;          /* 22023 */
    case SQLAMBDA_E_CREDENTIALS: return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION; /* 28000 */
    case SQLAMBDA_E_FUNCTION: return ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;     /* 38000 */
    case SQLAMBDA_E_SERVICE: return service_state(res);
    case SQLAMBDA_E_THROTTLED: return ERRCODE_INSUFFICIENT_RESOURCES;        /* 53000 */
    case SQLAMBDA_E_TRANSPORT: return ERRCODE_CONNECTION_FAILURE;            /* 08006 */
    case SQLAMBDA_E_TIMEOUT: return ERRCODE_IO_ERROR;                        /* 58030 */
    case SQLAMBDA_E_RESPONSE: return ERRCODE_PROTOCOL_VIOLATION;             /* 08P01 */
    case SQLAMBDA_E_CANCELLED: return ERRCODE_QUERY_CANCELED;                /* 57014 */
    case SQLAMBDA_E_NOMEM: return ERRCODE_OUT_OF_MEMORY;                     /* 53200 */
    }
    return ERRCODE_INTERNAL_ERROR;
}

void awsl_raise(const awsl_failure *f) {
    if (f->status == SQLAMBDA_E_FUNCTION) {
        ereport(ERROR,
                (errcode(f->sqlstate),
                 errmsg("Lambda function \"%s\" failed: %s: %s", f->function,
                        f->error_type ? f->error_type : "Unhandled",
                        f->error_message ? f->error_message : "(no errorMessage)"),
                 f->payload ? errdetail("Error payload: %s", f->payload) : 0));
    }
    ereport(ERROR, (errcode(f->sqlstate), errmsg("%s", f->message),
                    f->payload && *f->payload ? errdetail("Response body: %s", f->payload) : 0,
                    f->status == SQLAMBDA_E_NOT_ALLOWED
                        ? errhint("The function is not listed in aws_lambda.allowed_functions.")
                        : 0));
    pg_unreachable();
}
