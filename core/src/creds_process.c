/*
 * creds_process.c — the profile's credential_process: runs the command
 * through /bin/sh -c in its own process group, reads its stdout (at most
 * 1 MB) through the host's wait hook and parses the documented JSON
 * (Version 1, AccessKeyId, SecretAccessKey, optional SessionToken and
 * Expiration). The run is bounded (60 s by default, like aws-sdk-go-v2's
 * processcreds; credential_timeout_ms overrides it): on timeout or cancel
 * the whole process group is killed and the child reaped, and after a
 * normal exit members left in the group (background children) are killed
 * too. Errors name the profile and the problem; the command's output is
 * never echoed (it holds secrets).
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCESS_MAX_OUTPUT (1024 * 1024)
#define RUN_FAILED (-1)
#define RUN_TIMEOUT (-2)
#define RUN_CANCELLED (-3)
#define EXIT_POLL_MS 5L /* after EOF: how often to look for the exit */

extern char **environ;

/* Kills the child's process group and reaps the child. */
static void kill_and_reap(pid_t pid, int *st) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, st, 0) < 0) {
        if (errno != EINTR) { /* ECHILD: the host reaps children itself */
            *st = 0;
            break;
        }
    }
}

/* 1 once pid has exited (not reaped: WNOWAIT), 0 if still running. */
static int exited(pid_t pid) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno != EINTR; /* ECHILD: reaped by the host already */
    return si.si_pid == pid;
}

/* Runs cmd; fills *outbuf with stdout. Returns the wait status, RUN_TIMEOUT,
 * RUN_CANCELLED, or RUN_FAILED with err set when the command could not run. */
static int run(const char *cmd, const sqlambda_waiter *w, long timeout_ms, sqlambda_buf *outbuf,
               int *overflow, char *err, size_t errlen) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        sqlambda_fmt(err, errlen, "pipe: %s", strerror(errno));
        return RUN_FAILED;
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
    posix_spawnattr_setpgroup(&at, 0); /* its own group: killed as one */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETPGROUP);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        sqlambda_fmt(err, errlen, "could not start /bin/sh: %s", strerror(rc));
        return RUN_FAILED;
    }
    int rfd = fds[0];
    fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
    double deadline = sqlambda_now_ms() + (double)timeout_ms;
    int result = 0, eof = 0, st = 0;
    char chunk[8192];
    while (!result) {
        /* stdout first, to its end; then the exit */
        while (!eof) {
            ssize_t n = read(rfd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) break; /* EAGAIN: wait below */
            if (n == 0) {
                eof = 1;
                break;
            }
            if (outbuf->len + (size_t)n > PROCESS_MAX_OUTPUT)
                *overflow = 1; /* drain so the child can finish */
            else if (sqlambda_buf_append(outbuf, chunk, (size_t)n) != 0)
                *overflow = 1;
        }
        if (eof && exited(pid)) break;
        double left = deadline - sqlambda_now_ms();
        if (left <= 0) {
            result = RUN_TIMEOUT;
            break;
        }
        /* stdout still open: wait for it; closed: look for the exit every
         * few ms (a pidfd would do, but valgrind 3.19 lacks pidfd_open) */
        sqlambda_wait_fd wf = {rfd, SQLAMBDA_WAIT_READ, 0};
        int nfds = eof ? 0 : 1;
        long slice = (long)(left + 0.999);
        if (eof && slice > EXIT_POLL_MS) slice = EXIT_POLL_MS;
        if (sqlambda_waiter_wait(w, &wf, nfds, slice) == SQLAMBDA_WAIT_CANCEL)
            result = RUN_CANCELLED;
    }
    close(rfd);
    kill_and_reap(pid, &st); /* after an exit: only leftovers in its group die */
    return result ? result : st;
}

int sqlambda_creds_process(const creds_ctx *ctx, sqlambda_creds *out, char *err, size_t errlen) {
    const char *cmd = sqlambda_profile_get(ctx->files, ctx->profile, "credential_process");
    if (!cmd || !*cmd) return CREDS_ABSENT;
    char why[200] = "";
    sqlambda_buf b = {0};
    int overflow = 0, ret = CREDS_ERROR;
    long tmo = sqlambda_creds_timeout(ctx, CREDS_PROCESS_TIMEOUT_MS);
    int st = run(cmd, ctx->w, tmo, &b, &overflow, why, sizeof why);
    if (st == RUN_FAILED) {
        /* why set */
    } else if (st == RUN_TIMEOUT) {
        sqlambda_fmt(err, errlen, "credential_process of profile \"%.64s\" timed out after %ld "
                     "ms (%s); the process was killed", ctx->profile, tmo, ctx->setting);
        ret = CREDS_TIMEOUT;
    } else if (st == RUN_CANCELLED) {
        sqlambda_fmt(err, errlen, "credential_process of profile \"%.64s\" cancelled; the "
                     "process was killed", ctx->profile);
        ret = CREDS_CANCELLED;
    } else if (WIFSIGNALED(st)) {
        sqlambda_fmt(why, sizeof why, "killed by signal %d", WTERMSIG(st));
    } else if (WEXITSTATUS(st) != 0) {
        sqlambda_fmt(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
    } else if (overflow) {
        sqlambda_fmt(why, sizeof why, "output over %d bytes", PROCESS_MAX_OUTPUT);
    } else if (sqlambda_creds_parse_json(CREDS_JSON_PROCESS, b.data, b.len, out, why,
                                         sizeof why) == 0) {
        ret = CREDS_FOUND;
    }
    if (ret == CREDS_ERROR)
        sqlambda_fmt(err, errlen, "credential_process of profile \"%.64s\" failed: %s",
                     ctx->profile, why);
    if (b.data) explicit_bzero(b.data, b.len);
    sqlambda_buf_free(&b);
    return ret;
}
