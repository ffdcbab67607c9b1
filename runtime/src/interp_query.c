/*
 * interp_query.c — asks one of serve's interpreters about itself, once at
 * startup: runs `<prog> <flag> <code>` through PATH (python3 -c ..., node
 * -p ...) and reads the two lines the code prints: the interpreter's real
 * executable path, then its version. python_path.c and node_path.c judge
 * the version; the path must be absolute and executable.
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int interp_query(const char *prog, const char *flag, const char *code, char *path, size_t pathlen,
                 char *version, size_t versionlen) {
    path[0] = version[0] = 0;
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
        execlp(prog, prog, flag, code, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < pathlen && (r = read(fds[0], path + n, pathlen - 1 - n)) > 0) n += (size_t)r;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    path[n] = 0;
    char *nl = strchr(path, '\n');
    if (nl) {
        *nl = 0;
        size_t vl = strcspn(nl + 1, "\n");
        if (vl < versionlen) snprintf(version, versionlen, "%.*s", (int)vl, nl + 1); /* whole, or none */
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || path[0] != '/' || access(path, X_OK) != 0) return -1;
    return 0;
}
