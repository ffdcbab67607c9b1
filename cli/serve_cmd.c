/*
 * serve_cmd.c — `sqlambda serve`: hands the command line to the local
 * runtime (runtime/, sqlambda_serve_main); -h/--help prints the text
 * generated from sqlambda.help (as the man page is). A build made with
 * -DSQLAMBDA_NO_RUNTIME (no runtime library yet) says so and exits 2.
 */
#include "cli.h"
#include <stdio.h>

#ifndef SQLAMBDA_NO_RUNTIME
#include "help_text.h"
#include "sqlambda_serve.h"
#include <string.h>

int cli_serve_main(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(CLI_HELP_SERVE, stdout);
            return CLI_EXIT_OK;
        }
    return sqlambda_serve_main(argc, argv);
}
#else
int cli_serve_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "sqlambda serve: this build has no local runtime (built with "
                    "SQLAMBDA_NO_RUNTIME); rebuild after 'make -C runtime'\n");
    return CLI_EXIT_USAGE;
}
#endif
