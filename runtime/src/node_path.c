/*
 * node_path.c — Node.js for nodejs20.x / nodejs22.x functions: finds the
 * node executable once at startup (its real path and version), and before
 * each cold start checks that the function's runtime can run here: node
 * found, its major version the one the runtime names, and AWS's Runtime
 * Interface Client (aws-lambda-ric, installed by scripts/setup-node) present.
 */
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int node_resolve(const char *node, char *out, size_t outlen, char *ver, size_t verlen) {
    char v[32];
    ver[0] = 0;
    if (interp_query(node, "-p", "process.execPath + '\\n' + process.versions.node", out, outlen, v,
                     sizeof v) == 0) {
        size_t vl = strlen(v);
        if (vl < verlen && vl > 0 && strspn(v, "0123456789.") == vl) snprintf(ver, verlen, "%s", v);
    }
    if (!ver[0]) {
        out[0] = 0;
        return -1;
    }
    return 0;
}

int node_check(const fn_version *fv, char *err, size_t errlen) {
    /* runtime_name is nodejs<major>.x (registry.c accepts only those) */
    int want = atoi(fv->runtime_name + 6);
    if (!g.node_version[0]) {
        snprintf(err, errlen,
                 "runtime %s needs Node.js %d: %s cannot be run (not installed or not in PATH; see --node)",
                 fv->runtime_name, want, g.node);
        return -1;
    }
    if (atoi(g.node_version) != want) {
        snprintf(err, errlen, "runtime %s needs Node.js %d, but %s is v%s", fv->runtime_name, want,
                 g.node_path, g.node_version);
        return -1;
    }
    if (access(g.node_ric, R_OK) != 0) {
        snprintf(err, errlen,
                 "runtime %s needs AWS's Runtime Interface Client (aws-lambda-ric): %s: %s "
                 "(install it with scripts/setup-node, or name it with --node-ric)",
                 fv->runtime_name, g.node_ric, strerror(errno));
        return -1;
    }
    return 0;
}
