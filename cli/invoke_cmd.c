/*
 * invoke_cmd.c — `sqlambda invoke [options] FUNCTION [PAYLOAD]`: parses the
 * command line into core options and a request, makes one synchronous call
 * through libsqlambda and hands the result to invoke_output.c; with
 * --payloads, hands them to invoke_many.c (one call per line); with
 * --stream, to invoke_stream.c (InvokeWithResponseStream).
 */
#include "cli.h"
#include "help_text.h"
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Generated from sqlambda.help, like the man page: keep options there. */
void cli_invoke_usage(FILE *out) { fputs(CLI_HELP_INVOKE, out); }

enum {
    OPT_INVOCATION_TYPE = 256,
    OPT_LOG_TYPE,
    OPT_CLIENT_CONTEXT,
    OPT_QUALIFIER,
    OPT_REGION,
    OPT_ENDPOINT_URL,
    OPT_PROFILE,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_MAX_ATTEMPTS,
    OPT_CREDENTIAL_TIMEOUT,
    OPT_DEBUG,
    OPT_PAYLOADS,
    OPT_CONCURRENCY,
    OPT_STREAM
};

static const struct option long_opts[] = {
    {"invocation-type", required_argument, NULL, OPT_INVOCATION_TYPE},
    {"log-type", required_argument, NULL, OPT_LOG_TYPE},
    {"client-context", required_argument, NULL, OPT_CLIENT_CONTEXT},
    {"qualifier", required_argument, NULL, OPT_QUALIFIER},
    {"region", required_argument, NULL, OPT_REGION},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"connect-timeout-ms", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"credential-timeout-ms", required_argument, NULL, OPT_CREDENTIAL_TIMEOUT},
    {"verbose", no_argument, NULL, 'v'},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"payloads", required_argument, NULL, OPT_PAYLOADS},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"stream", no_argument, NULL, OPT_STREAM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sqlambda invoke: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'sqlambda invoke --help')\n");
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* Strict positive integer within [1, max]; -1 when not. */
static long parse_positive(const char *s, long max) {
    if (!s || !*s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > max) return -1;
    return v;
}

static void debug_log(void *arg, int level, const char *message) {
    (void)arg;
    const char *lv = level >= SQLAMBDA_LOG_WARNING ? "warning"
                     : level == SQLAMBDA_LOG_INFO  ? "info"
                                                   : "debug";
    fprintf(stderr, "sqlambda invoke: [%s] %s\n", lv, message);
}

typedef struct invoke_args {
    sqlambda_options opts;
    sqlambda_request req;
    const char *payload_arg;
    const char *payloads; /* --payloads FILE: one call per line */
    int concurrency;      /* 0: not given */
    int verbose, debug;
    int stream;           /* --stream: InvokeWithResponseStream */
} invoke_args;

/* Returns -1 when parsing succeeded, else the exit status to return now. */
static int parse_args(int argc, char **argv, invoke_args *a) {
    optind = 1;
    opterr = 0;
    int c;
    long v;
    char err[512]; /* core's validators name the value, shown safely */
    while ((c = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
        const char *arg = optarg;
        switch (c) {
        case OPT_INVOCATION_TYPE:
            if (!strcasecmp(arg, "RequestResponse"))
                a->req.invocation_type = SQLAMBDA_REQUEST_RESPONSE;
            else if (!strcasecmp(arg, "Event"))
                a->req.invocation_type = SQLAMBDA_EVENT;
            else if (!strcasecmp(arg, "DryRun"))
                a->req.invocation_type = SQLAMBDA_DRY_RUN;
            else
                return usage_error("invalid --invocation-type '%s': expected RequestResponse, "
                                   "Event or DryRun", arg);
            break;
        case OPT_LOG_TYPE:
            if (!strcasecmp(arg, "None"))
                a->req.log_type = SQLAMBDA_LOG_NONE;
            else if (!strcasecmp(arg, "Tail"))
                a->req.log_type = SQLAMBDA_LOG_TAIL;
            else
                return usage_error("invalid --log-type '%s': expected None or Tail", arg);
            break;
        case OPT_CLIENT_CONTEXT: a->req.client_context = arg; break;
        case OPT_QUALIFIER:
            if (sqlambda_check_qualifier(arg, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --qualifier: %s", err);
            a->req.qualifier = arg;
            break;
        case OPT_REGION: /* also per call, so an ARN in another region is rejected */
            if (sqlambda_check_region(arg, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --region: %s", err);
            a->opts.region = a->req.region = arg;
            break;
        case OPT_ENDPOINT_URL:
            if (sqlambda_check_endpoint_url(arg, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --endpoint-url: %s", err);
            a->opts.endpoint_url = arg;
            break;
        case OPT_PROFILE: a->opts.profile = arg; break;
        case OPT_CONNECT_TIMEOUT:
        case OPT_TIMEOUT: { /* core's caps, the same as the databases' settings */
            long cap = c == OPT_TIMEOUT ? SQLAMBDA_REQUEST_TIMEOUT_MS_MAX
                                        : SQLAMBDA_CONNECT_TIMEOUT_MS_MAX;
            if ((v = parse_positive(arg, cap)) < 0)
                return usage_error("invalid %s value '%s': expected milliseconds from 1 to %ld",
                                   c == OPT_TIMEOUT ? "--timeout-ms" : "--connect-timeout-ms", arg,
                                   cap);
            if (c == OPT_TIMEOUT)
                a->opts.request_timeout_ms = v;
            else
                a->opts.connect_timeout_ms = v;
            break;
        }
        case OPT_CREDENTIAL_TIMEOUT:
            if ((v = parse_positive(arg, SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX)) < 0)
                return usage_error("invalid --credential-timeout-ms value '%s': expected milliseconds "
                                   "from 1 to %ld", arg, SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX);
            a->opts.credential_timeout_ms = v;
            break;
        case OPT_MAX_ATTEMPTS:
            if ((v = parse_positive(arg, SQLAMBDA_MAX_ATTEMPTS_MAX)) < 0)
                return usage_error("invalid --max-attempts value '%s': expected an integer from 1 to %d",
                                   arg, SQLAMBDA_MAX_ATTEMPTS_MAX);
            a->opts.max_attempts = (int)v;
            break;
        case OPT_PAYLOADS:
            if (!*arg) return usage_error("--payloads is empty (a file, or - for standard input)");
            a->payloads = arg;
            break;
        case OPT_CONCURRENCY:
            if ((v = parse_positive(arg, CLI_MAX_CONCURRENCY)) < 0)
                return usage_error("invalid --concurrency value '%s': expected an integer from 1 to %d",
                                   arg, CLI_MAX_CONCURRENCY);
            a->concurrency = (int)v;
            break;
        case OPT_STREAM: a->stream = 1; break;
        case 'v': a->verbose = 1; break;
        case OPT_DEBUG: a->debug = 1; break;
        case 'h': cli_invoke_usage(stdout); return CLI_EXIT_OK;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    if (rest < 1) return usage_error("missing FUNCTION");
    if (rest > 2)
        return usage_error("too many arguments: '%s' (quote the payload as one argument)",
                           argv[optind + 2]);
    a->req.function = argv[optind];
    if (!*a->req.function) return usage_error("FUNCTION is empty");
    if (sqlambda_parse_function(a->req.function, NULL, err, sizeof err) != SQLAMBDA_OK)
        return usage_error("invalid FUNCTION: %s", err);
    a->payload_arg = rest == 2 ? argv[optind + 1] : NULL;
    if (a->payloads && a->payload_arg)
        return usage_error("a PAYLOAD argument and --payloads cannot be used together");
    if (a->concurrency && !a->payloads) return usage_error("--concurrency needs --payloads");
    if (a->payloads && a->req.log_type == SQLAMBDA_LOG_TAIL)
        return usage_error("--log-type Tail cannot be used with --payloads");
    if (a->stream && a->payloads) return usage_error("--stream cannot be used with --payloads");
    if (a->stream && a->req.invocation_type == SQLAMBDA_EVENT)
        return usage_error("--stream takes --invocation-type RequestResponse or DryRun, not Event");
    return -1;
}

int cli_invoke_main(int argc, char **argv) {
    invoke_args a;
    memset(&a, 0, sizeof a);
    /* credential timeouts name the flag that sets them */
    a.opts.credential_timeout_setting = "--credential-timeout-ms";
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    if (a.payloads) {
        a.opts.user_agent_extra = "cli";
        if (a.debug) a.opts.log = debug_log;
        cli_many_opts mo = {.path = a.payloads,
                            .concurrency = a.concurrency ? a.concurrency : CLI_DEFAULT_CONCURRENCY,
                            .verbose = a.verbose};
        return cli_invoke_many(&a.opts, &a.req, &mo);
    }

    char *payload = NULL;
    size_t payload_len = 0;
    if (a.payload_arg) {
        char err[512];
        if (cli_read_payload(a.payload_arg, SQLAMBDA_MAX_SYNC_PAYLOAD, &payload, &payload_len, err,
                             sizeof err) != 0) {
            fprintf(stderr, "sqlambda invoke: %s\n", err);
            return CLI_EXIT_USAGE;
        }
        a.req.payload = payload;
        a.req.payload_len = payload_len;
    }

    a.opts.user_agent_extra = "cli";
    if (a.debug) a.opts.log = debug_log;
    sqlambda_client *client = sqlambda_client_new(&a.opts);
    if (!client) {
        fprintf(stderr, "sqlambda invoke: out of memory creating the client\n");
        free(payload);
        return CLI_EXIT_FAILURE;
    }
    cli_output_opts out = {.verbose = a.verbose, .stdout_isatty = isatty(STDOUT_FILENO)};
    if (a.stream) {
        rc = cli_invoke_stream(client, &a.req, &out);
    } else {
        sqlambda_result res;
        memset(&res, 0, sizeof res);
        sqlambda_invoke(client, &a.req, &res);
        rc = cli_report_result(&a.req, &res, &out);
        sqlambda_result_free(&res);
    }
    sqlambda_client_free(client);
    free(payload);
    return rc;
}
