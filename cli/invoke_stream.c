/*
 * invoke_stream.c — `sqlambda invoke --stream`: one InvokeWithResponseStream
 * call through libsqlambda (sqlambda_invoke_stream); every PayloadChunk is
 * written to standard output and flushed as it arrives, so a reader sees
 * the response while the function still runs. The result (an error in
 * InvokeComplete included) is then reported like any invoke's: log tail and
 * errors on standard error, the exit status from invoke_output.c.
 */
#include "cli.h"
#include <errno.h>
#include <string.h>

typedef struct sink {
    int failed; /* errno of a failed write, 0 */
    size_t bytes;
    char last;  /* last byte written */
} sink;

static int write_chunk(void *arg, const char *data, size_t len) {
    sink *s = arg;
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
        s->failed = errno ? errno : EIO;
        return -1; /* stops the call: nobody reads the rest */
    }
    s->bytes += len;
    s->last = data[len - 1];
    return 0;
}

int cli_invoke_stream(sqlambda_client *client, const sqlambda_request *req, const cli_output_opts *o) {
    sink s = {0};
    sqlambda_result res;
    sqlambda_invoke_stream(client, req, write_chunk, &s, &res);
    if (s.failed) {
        fprintf(stderr, "sqlambda invoke: cannot write the response to standard output: %s\n",
                strerror(s.failed));
        sqlambda_result_free(&res);
        return CLI_EXIT_FAILURE;
    }
    if (o->stdout_isatty && s.bytes && s.last != '\n') fputc('\n', stdout);
    fflush(stdout);
    int rc = cli_report_result(req, &res, o); /* its payload is empty: the chunks went out */
    sqlambda_result_free(&res);
    return rc;
}
