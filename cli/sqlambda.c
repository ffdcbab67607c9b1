/*
 * sqlambda.c — main of the `sqlambda` command: top-level --help/--version
 * and dispatch to the subcommands (`invoke`, `serve`, `config`, `help`). Help texts
 * come from sqlambda.help (build/gen/help_text.h), as does sqlambda(1).
 */
#include "cli.h"
#include "help_text.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

/* The text is generated from sqlambda.help, like the man page. */
static void usage(FILE *out) { fputs(CLI_HELP_MAIN, out); }

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
    if (!strcmp(cmd, "config")) return cli_config_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "invoke")) {
            cli_invoke_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "config")) {
            cli_config_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "serve")) {
            char *sv[] = {"serve", "--help", NULL};
            return cli_serve_main(2, sv);
        }
        fprintf(stderr, "sqlambda: no help for unknown command '%s' (commands: invoke, serve, config)\n",
                argv[2]);
        return CLI_EXIT_USAGE;
    }
    if (cmd[0] == '-')
        fprintf(stderr, "sqlambda: unknown option '%s' (see 'sqlambda --help')\n", cmd);
    else
        fprintf(stderr, "sqlambda: unknown command '%s' (commands: invoke, serve, config; see 'sqlambda --help')\n",
                cmd);
    return CLI_EXIT_USAGE;
}
