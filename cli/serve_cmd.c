/*
 * serve_cmd.c — `sqlambda serve`: hands the command line to the local
 * runtime (runtime/, sqlambda_serve_main). A build made with
 * -DSQLAMBDA_NO_RUNTIME (no runtime library yet) says so and exits 2.
 */
#include "cli.h"
#include <stdio.h>

#ifndef SQLAMBDA_NO_RUNTIME
#include "sqlambda_serve.h"

int cli_serve_main(int argc, char **argv) { return sqlambda_serve_main(argc, argv); }
#else
int cli_serve_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "sqlambda serve: this build has no local runtime (built with "
                    "SQLAMBDA_NO_RUNTIME); rebuild after 'make -C runtime'\n");
    return CLI_EXIT_USAGE;
}
#endif
