/*
 * invoke_output.c — what `sqlambda invoke` prints for a result: the
 * response payload on stdout exactly as returned (a final newline is added
 * only on a terminal), the decoded log tail and --verbose details on stderr,
 * core's one-line message on errors; and the exit status for it.
 */
#include "cli.h"
#include <errno.h>
#include <string.h>

int cli_exit_status(sqlambda_status st) {
    switch (st) {
    case SQLAMBDA_OK: return CLI_EXIT_OK;
    case SQLAMBDA_E_FUNCTION: return CLI_EXIT_FUNCTION_ERROR;
    case SQLAMBDA_E_INVALID:
    case SQLAMBDA_E_TOO_LARGE: return CLI_EXIT_USAGE;
    default: return CLI_EXIT_FAILURE;
    }
}

static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

static void print_verbose(const sqlambda_request *req, const sqlambda_result *res) {
    fprintf(stderr, "sqlambda invoke: status %s (HTTP %ld), executed version %s, request id %s\n",
            sqlambda_status_name(res->status), res->http_status, or_dash(res->executed_version),
            or_dash(res->request_id));
    fprintf(stderr, "sqlambda invoke: function %s at %s, %d attempt%s, %d throttled, %.1f ms\n",
            res->function_name && *res->function_name ? res->function_name : req->function,
            or_dash(res->endpoint_host), res->attempts, res->attempts == 1 ? "" : "s",
            res->throttles, res->elapsed_ms);
    if (res->function_error)
        fprintf(stderr, "sqlambda invoke: function error %s: %s: %s\n", res->function_error,
                or_dash(res->error_type), or_dash(res->error_message));
}

static int write_payload(const sqlambda_result *res, int isatty_out) {
    if (res->payload_len > 0 && fwrite(res->payload, 1, res->payload_len, stdout) != res->payload_len)
        return -1;
    if (isatty_out && res->payload_len > 0 && res->payload[res->payload_len - 1] != '\n' &&
        fputc('\n', stdout) == EOF)
        return -1;
    return fflush(stdout) == 0 ? 0 : -1;
}

int cli_report_result(const sqlambda_request *req, const sqlambda_result *res,
                      const cli_output_opts *o) {
    int code = cli_exit_status(res->status);
    if (res->status == SQLAMBDA_OK || res->status == SQLAMBDA_E_FUNCTION) {
        if (write_payload(res, o->stdout_isatty) != 0) {
            fprintf(stderr, "sqlambda invoke: cannot write the response to standard output: %s\n",
                    strerror(errno));
            return CLI_EXIT_FAILURE;
        }
    }
    if (res->log_result && *res->log_result) {
        if (o->verbose) fprintf(stderr, "sqlambda invoke: log tail:\n");
        size_t n = strlen(res->log_result);
        fputs(res->log_result, stderr);
        if (res->log_result[n - 1] != '\n') fputc('\n', stderr);
    }
    if (o->verbose) print_verbose(req, res);
    if (res->status != SQLAMBDA_OK) {
        if (res->message[0])
            fprintf(stderr, "sqlambda invoke: %s\n", res->message);
        else
            fprintf(stderr, "sqlambda invoke: lambda function \"%s\": %s\n", req->function,
                    sqlambda_status_name(res->status));
    }
    return code;
}
