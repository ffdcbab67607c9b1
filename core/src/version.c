/*
 * version.c — the library's version at run time, so a program built against
 * one header can tell which libsqlambda.so it was loaded with.
 */
#include "sqlambda.h"

const char *sqlambda_version(void) {
    return SQLAMBDA_VERSION;
}
