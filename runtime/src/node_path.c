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
#include <sys/wait.h>
#include <unistd.h>

int node_resolve(const char *node, char *out, size_t outlen, char *ver, size_t verlen) {
    ver[0] = 0;
    out[0] = 0;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp(node, node, "-p", "process.execPath + '\\n' + process.versions.node", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < outlen && (r = read(fds[0], out + n, outlen - 1 - n)) > 0) n += (size_t)r;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    out[n] = 0;
    char *nl = strchr(out, '\n');
    if (nl) {
        *nl = 0;
        const char *v = nl + 1;
        size_t vl = strcspn(v, "\n");
        if (vl < verlen && vl > 0 && strspn(v, "0123456789.") == vl) snprintf(ver, verlen, "%.*s", (int)vl, v);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out[0] != '/' || !ver[0] || access(out, X_OK) != 0) {
        out[0] = ver[0] = 0;
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
