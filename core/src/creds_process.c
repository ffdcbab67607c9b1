/*
 * creds_process.c — the profile's credential_process: runs the command
 * through /bin/sh -c, reads its stdout (at most 1 MB) and parses the
 * documented JSON (Version 1, AccessKeyId, SecretAccessKey, optional
 * SessionToken and Expiration). Errors name the profile and the problem;
 * the command's output is never echoed (it holds secrets).
 */
#include "creds_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCESS_MAX_OUTPUT (1024 * 1024)

extern char **environ;

/* Runs cmd; fills *outbuf with stdout. Returns the wait status, or -1 with
 * err set when the command could not run. */
static int run(const char *cmd, sqlambda_buf *outbuf, int *overflow, char *err, size_t errlen) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        sqlambda_fmt(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGCHLD);
    posix_spawnattr_setsigdefault(&at, &def);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        sqlambda_fmt(err, errlen, "could not start /bin/sh: %s", strerror(rc));
        return -1;
    }
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (outbuf->len + (size_t)n > PROCESS_MAX_OUTPUT) {
            *overflow = 1;
            continue; /* drain so the child can finish */
        }
        if (sqlambda_buf_append(outbuf, chunk, (size_t)n) != 0) *overflow = 1;
    }
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno == ECHILD) { /* host ignores SIGCHLD: already reaped, status unknown */
            st = 0;
            break;
        }
        if (errno != EINTR) {
            sqlambda_fmt(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    return st;
}

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

int sqlambda_creds_process(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    const char *cmd = sqlambda_profile_get(ctx->files, ctx->profile, "credential_process");
    if (!cmd || !*cmd) return CREDS_ABSENT;
    char why[200] = "";
    sqlambda_buf b = {0};
    int overflow = 0, ret = CREDS_ERROR;
    int st = run(cmd, &b, &overflow, why, sizeof why);
    json_t *j = NULL;
    if (st == -1) {
        /* why set */
    } else if (WIFSIGNALED(st)) {
        sqlambda_fmt(why, sizeof why, "killed by signal %d", WTERMSIG(st));
    } else if (WEXITSTATUS(st) != 0) {
        sqlambda_fmt(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
    } else if (overflow) {
        sqlambda_fmt(why, sizeof why, "output over %d bytes", PROCESS_MAX_OUTPUT);
    } else if (!(j = json_loadb(b.data ? b.data : "", b.len, 0, NULL)) || !json_is_object(j)) {
        sqlambda_fmt(why, sizeof why, "output is not a JSON object");
    } else {
        json_t *ver = json_object_get(j, "Version");
        const char *id = jstr(j, "AccessKeyId"), *secret = jstr(j, "SecretAccessKey");
        const char *token = jstr(j, "SessionToken"), *exp = jstr(j, "Expiration");
        time_t t = 0;
        if (!json_is_integer(ver) || json_integer_value(ver) != 1)
            sqlambda_fmt(why, sizeof why, "output has no \"Version\": 1");
        else if (!id)
            sqlambda_fmt(why, sizeof why, "output has no AccessKeyId");
        else if (!secret)
            sqlambda_fmt(why, sizeof why, "output has no SecretAccessKey");
        else if (exp && sqlambda_parse_rfc3339(exp, &t) != 0)
            sqlambda_fmt(why, sizeof why, "output's Expiration is not an RFC 3339 time");
        else if (sqlambda_creds_set(out, id, secret, token, t, "process") != 0)
            sqlambda_fmt(why, sizeof why, "out of memory");
        else
            ret = CREDS_FOUND;
    }
    if (ret != CREDS_FOUND)
        sqlambda_fmt(err, errlen, "credential_process of profile \"%.64s\" failed: %s",
                     ctx->profile, why);
    json_decref(j);
    if (b.data) memset(b.data, 0, b.len);
    sqlambda_buf_free(&b);
    return ret;
}
