/*
 * python_path.c — finds the interpreter for python3 functions once, at
 * startup: runs `<python> -c 'import sys; print(sys.executable)'` through
 * PATH, so cold starts exec the real interpreter directly instead of going
 * through a wrapper such as pyenv's shim each time (about 50 ms here).
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int python_resolve(const char *python, char *out, size_t outlen) {
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
        execlp(python, python, "-c", "import sys; print(sys.executable)", (char *)NULL);
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
    out[strcspn(out, "\n")] = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out[0] != '/' || access(out, X_OK) != 0) return -1;
    return 0;
}
