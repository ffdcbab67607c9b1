/*
 * sqlambda.c — main of the `sqlambda` command: top-level --help/--version
 * and dispatch to the subcommands (`invoke`, `serve`, `help`).
 */
#include "cli.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
    fprintf(out,
            "Usage: sqlambda COMMAND [options] [arguments]\n"
            "\n"
            "Call AWS Lambda (or a Lambda-compatible endpoint) from the command line.\n"
            "\n"
            "Commands:\n"
            "  invoke [options] FUNCTION [PAYLOAD]  invoke a function, print its response\n"
            "  serve [options]                      run the local Lambda-compatible runtime\n"
            "  help [COMMAND]                       show help for a command\n"
            "\n"
            "Options:\n"
            "  -h, --help       show this help and exit\n"
            "  -V, --version    show the version and exit\n"
            "\n"
            "Exit status: 0 success, 1 the function returned an error (its payload is\n"
            "printed), 2 usage error or invalid request, 3 service, transport,\n"
            "credentials or configuration error.\n"
            "\n"
            "Run 'sqlambda invoke --help' or 'sqlambda serve --help' for a command's options.\n"
            "Documentation: docs/cli.md.\n");
}

static int version(void) {
    printf("sqlambda %s (%s)\n", SQLAMBDA_VERSION, curl_version());
    return CLI_EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) return version();
    if (!strcmp(cmd, "invoke")) return cli_invoke_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve")) return cli_serve_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "invoke")) {
            cli_invoke_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "serve")) {
            char *sv[] = {"serve", "--help", NULL};
            return cli_serve_main(2, sv);
        }
        fprintf(stderr, "sqlambda: no help for unknown command '%s' (commands: invoke, serve)\n",
                argv[2]);
        return CLI_EXIT_USAGE;
    }
    if (cmd[0] == '-')
        fprintf(stderr, "sqlambda: unknown option '%s' (see 'sqlambda --help')\n", cmd);
    else
        fprintf(stderr, "sqlambda: unknown command '%s' (commands: invoke, serve; see 'sqlambda --help')\n",
                cmd);
    return CLI_EXIT_USAGE;
}
