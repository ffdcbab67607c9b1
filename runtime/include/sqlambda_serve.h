/*
 * sqlambda_serve.h — entry point of the local Lambda-compatible runtime
 * (runtime/), called by the CLI as `sqlambda serve ...`.
 */
#ifndef SQLAMBDA_SERVE_H
#define SQLAMBDA_SERVE_H

/* argv[0] is "serve"; returns the process exit status. */
int sqlambda_serve_main(int argc, char **argv);

#endif
