/*
 * python_path.c — finds the interpreter for python3 functions once, at
 * startup: asks `<python>` (through PATH, interp_query.c) for
 * sys.executable, so cold starts exec the real interpreter directly instead of going
 * through a wrapper such as pyenv's shim each time (about 50 ms here), and
 * its version: the Runtime GetFunction reports (python3.11, ...).
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>

int python_resolve(const char *python, char *out, size_t outlen, char *rt, size_t rtlen) {
    char v[32];
    int rc = interp_query(python, "-c",
                          "import sys; print(sys.executable); print('python%d.%d' % sys.version_info[:2])",
                          out, outlen, v, sizeof v);
    snprintf(rt, rtlen, "python3");
    /* python3.N, N one or two digits: a name in Lambda's enum form */
    size_t vl = strlen(v);
    if (vl >= 9 && vl <= 10 && strncmp(v, "python3.", 8) == 0 && strspn(v + 8, "0123456789") == vl - 8)
        snprintf(rt, rtlen, "%s", v);
    return rc;
}
