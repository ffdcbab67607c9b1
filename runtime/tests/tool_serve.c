/* tool_serve.c — test driver: runs the runtime as `sqlambda serve` would
 * (argv[1..] are serve's options), for runtime/tests before/without the CLI. */
#include "sqlambda_serve.h"

int main(int argc, char **argv) {
    argv[0] = "serve";
    return sqlambda_serve_main(argc, argv);
}
