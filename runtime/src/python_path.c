/*
 * python_path.c — finds the interpreter for python3 functions once, at
 * startup: runs `<python> -c 'import sys; print(sys.executable)'` through
 * PATH, so cold starts exec the real interpreter directly instead of going
 * through a wrapper such as pyenv's shim each time (about 50 ms here), and
 * its version: the Runtime GetFunction reports (python3.11, ...).
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int python_resolve(const char *python, char *out, size_t outlen, char *rt, size_t rtlen) {
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
        execlp(python, python, "-c",
               "import sys; print(sys.executable); print('python%d.%d' % sys.version_info[:2])",
               (char *)NULL);
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
    snprintf(rt, rtlen, "python3");
    if (nl) {
        *nl = 0;
        const char *v = nl + 1;
        size_t vl = strcspn(v, "\n");
        /* python3.N, N one or two digits: a name in Lambda's enum form */
        if (vl >= 9 && vl <= 10 && strncmp(v, "python3.", 8) == 0 && strspn(v + 8, "0123456789") == vl - 8)
            snprintf(rt, rtlen, "%.*s", (int)vl, v);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out[0] != '/' || access(out, X_OK) != 0) return -1;
    return 0;
}
