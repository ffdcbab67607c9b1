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
#define CLI_EXIT_SOME_FAILED 4    /* --payloads: at least one line failed */
#define CLI_EXIT_INTERRUPTED 130  /* --payloads: stopped by SIGINT or SIGTERM */

/* Subcommands: argv[0] is the subcommand's name. */
int cli_invoke_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);
int cli_config_main(int argc, char **argv); /* config_cmd.c: `sqlambda config` */
void cli_invoke_usage(FILE *out);
void cli_config_usage(FILE *out);

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

/* invoke_stream.c: `sqlambda invoke --stream`: one InvokeWithResponseStream
 * call, each chunk written to stdout as it arrives; returns the exit status. */
int cli_invoke_stream(sqlambda_client *client, const sqlambda_request *req, const cli_output_opts *o);

/* payload_lines.c: --payloads input, one line at a time (see the file). */
typedef struct cli_lines {
    int fd, owned;           /* owned: opened here, closed by cli_lines_close */
    char *buf;               /* data in buf[start, len) */
    size_t cap, start, len;
    size_t scanned;          /* buf[.., scanned) holds no newline after start */
    size_t limit;            /* longer lines are cut at limit+2 bytes */
    int eof, skipping;       /* skipping: dropping the rest of a cut line */
    long lineno;             /* lines returned so far */
} cli_lines;
/* path "-" is standard input. Returns 0, or -1 with a message in err. */
int cli_lines_open(cli_lines *r, const char *path, size_t limit, char *err, size_t errlen);
/* One read(); call it only when cli_lines_next returned 0. Returns 1 (data),
 * 0 (end of input) or -1 (errno set). */
int cli_lines_fill(cli_lines *r);
/* The next whole line (without its newline or a final CR), or the last
 * unterminated one at end of input: 1 with *line valid until the next
 * fill; 0 when none is buffered. */
int cli_lines_next(cli_lines *r, const char **line, size_t *len);
int cli_lines_done(const cli_lines *r); /* end of input, every line returned */
void cli_lines_close(cli_lines *r);

/* fd_limit.c: makes room for `need` more descriptors than are open now,
 * raising the soft RLIMIT_NOFILE up to the hard limit if needed. Returns 0,
 * or -1 with a message naming `setting` (e.g. "--concurrency 500") and the
 * limits in err. */
int cli_reserve_fds(long need, const char *setting, char *err, size_t errlen);

/* result_line.c: one result as one output line (no newline inside): the
 * payload with line breaks turned into spaces ({"StatusCode":N} when it is
 * empty), or {"error":{"line":K,"status":..,"type":..,"message":..}} when
 * the call failed. Returns 0, or -1 when out of memory. */
int cli_write_result_line(FILE *out, long lineno, const sqlambda_result *res);

/* invoke_many.c: `sqlambda invoke --payloads FILE`: every line of FILE is
 * a request like req (payload replaced), concurrency in flight. */
#define CLI_DEFAULT_CONCURRENCY 10
#define CLI_MAX_CONCURRENCY 1000
typedef struct cli_many_opts {
    const char *path;
    int concurrency;
    int verbose;
} cli_many_opts;
int cli_invoke_many(sqlambda_options *opts, const sqlambda_request *req, const cli_many_opts *mo);

#endif
