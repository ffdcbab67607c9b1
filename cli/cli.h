/*
 * cli.h — declarations shared by the `sqlambda` command's source files:
 * the exit statuses, each subcommand's entry point and the small helpers
 * they use (payload input, result output).
 */
#ifndef SQLAMBDA_CLI_H
#define SQLAMBDA_CLI_H

#include "sqlambda.h"
#include <stddef.h>
#include <stdio.h>

/* Exit statuses of every subcommand (documented in docs/cli.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FUNCTION_ERROR 1 /* the function ran and failed */
#define CLI_EXIT_USAGE 2          /* bad command line or invalid request */
#define CLI_EXIT_FAILURE 3        /* service, transport, credentials, configuration */

/* Subcommands: argv[0] is the subcommand's name. */
int cli_invoke_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);
void cli_invoke_usage(FILE *out);

/* payload_input.c: PAYLOAD argument -> bytes. "-" reads stdin, "@path" reads
 * a file, anything else is the JSON text itself. At most `limit` bytes are
 * read (one more than that makes core report the size). Returns 0, or -1
 * with a message naming the problem in err. *out is malloc'd, NUL-terminated. */
int cli_read_payload(const char *arg, size_t limit, char **out, size_t *outlen, char *err,
                     size_t errlen);

/* invoke_output.c: writes the result (payload to stdout, diagnostics to
 * stderr) and returns the exit status for it. */
typedef struct cli_output_opts {
    int verbose;      /* status, version, request id, timing on stderr */
    int stdout_isatty; /* add a final newline on a terminal only */
} cli_output_opts;
int cli_report_result(const sqlambda_request *req, const sqlambda_result *res,
                      const cli_output_opts *o);
/* The exit status for a core status. */
int cli_exit_status(sqlambda_status st);

#endif
