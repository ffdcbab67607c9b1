/*
 * log_capture.c — the function's log: a thread per instance reads the
 * worker's stdout+stderr pipe into the instance's log buffer (echoing it to
 * stderr with --verbose) and reaps the worker when it exits (a pidfd, not
 * end of file: background children may hold the pipe open forever). The
 * worker's process group is killed when it exits, as Lambda drops the
 * whole sandbox; what escaped the group is left to the shutdown sweep
 * (serve_main.c). Frames each
 * invocation's log with START / END / REPORT lines as Lambda writes them and
 * cuts the last 4 KB for X-Amz-Log-Result.
 */
#include "serve.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#define LOG_KEEP (256 * 1024) /* per-invocation log kept in memory (the tail) */

static void log_append(instance *in, const char *p, size_t n) {
    xbuf_append(&in->log, p, n);
    if (in->log.len > 2 * LOG_KEEP) {
        memmove(in->log.data, in->log.data + in->log.len - LOG_KEEP, LOG_KEEP);
        in->log.len = LOG_KEEP;
        in->log.data[in->log.len] = 0;
    }
    if (g.verbose) (void)!write(2, p, n);
}

/* Reads what is available; returns 1 at end of file. Holds g.mu. */
static int read_available(instance *in) {
    char buf[16384];
    for (;;) {
        ssize_t n = read(in->log_fd, buf, sizeof buf);
        if (n > 0) {
            log_append(in, buf, (size_t)n);
            continue;
        }
        if (n == 0) return 1;
        if (errno == EINTR) continue;
        return 0; /* EAGAIN */
    }
}

void log_drain(instance *in) {
    if (in->log_fd >= 0) read_available(in);
}

/* 1 once the worker has exited (still a zombie: its pid and group stay ours). */
static int worker_exited(pid_t pid) {
    siginfo_t si = {0};
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

void *log_capture_thread(void *arg) {
    instance *in = arg;
    int pfd = (int)syscall(SYS_pidfd_open, in->pid, 0); /* -1: poll for the exit instead */
    int eof = 0;
    for (;;) { /* until the worker exits (its closing stdout is not the end) */
        struct pollfd p[2] = {{.fd = eof ? -1 : in->log_fd, .events = POLLIN},
                              {.fd = pfd, .events = POLLIN}};
        int r = poll(p, 2, pfd >= 0 ? -1 : 100);
        if (r < 0 && errno != EINTR) break;
        if (!eof) {
            pthread_mutex_lock(&g.mu);
            eof = read_available(in);
            pthread_mutex_unlock(&g.mu);
        }
        if (pfd >= 0 ? (r > 0 && (p[1].revents & POLLIN)) : worker_exited(in->pid)) break;
    }
    /* the worker is gone: take its group with it,
     * then read what is left for a moment; a child that escaped the group
     * may keep the pipe open, so end of file is not waited for */
    kill(-in->pid, SIGKILL);
    double until = sqlambda_now_ms() + 200;
    while (!eof && sqlambda_now_ms() < until) {
        struct pollfd p = {.fd = in->log_fd, .events = POLLIN};
        if (poll(&p, 1, 20) < 0 && errno != EINTR) break;
        pthread_mutex_lock(&g.mu);
        eof = read_available(in);
        pthread_mutex_unlock(&g.mu);
    }
    if (pfd >= 0) close(pfd);
    int st = 0;
    long peak_kb = 0;
    spawner_reap(in->pid, &st, &peak_kb);
    pthread_mutex_lock(&g.mu);
    in->exited = 1;
    in->exit_status = st;
    /* the kernel's peak for the exited worker: after a crash /proc has
     * nothing left to read (Max Memory Used was 0) */
    if ((peak_kb + 1023) / 1024 > in->max_rss_mb) in->max_rss_mb = (peak_kb + 1023) / 1024;
    in->state = INST_DEAD;
    pthread_cond_broadcast(&in->cv);
    pthread_cond_broadcast(&in->fv->fn->freed);
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

void log_line(instance *in, const char *line) {
    log_append(in, line, strlen(line));
    log_append(in, "\n", 1);
}

void log_begin(instance *in, const invocation *inv) {
    if (!in->cold) in->log.len = 0; /* a cold start's log begins with its init output */
    if (in->log.data) in->log.data[in->log.len] = 0;
    char line[160];
    snprintf(line, sizeof line, "START RequestId: %s Version: %s", inv->request_id, in->fv->version);
    log_line(in, line);
}

/* The errorType of an error body ({"errorType": ...}), printable ASCII
 * only (it goes into a log line); Runtime.ExitError when it has none. */
static void error_type_of(const sqlambda_buf *body, char *out, size_t outlen) {
    json_t *j = body->data ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(j, "errorType"));
    size_t n = 0;
    for (; t && t[n] && n + 1 < outlen; n++) {
        if (t[n] < 0x21 || t[n] > 0x7e) break;
        out[n] = t[n];
    }
    if (n == 0 || (t && t[n] && n + 1 < outlen)) snprintf(out, outlen, "Runtime.ExitError");
    else out[n] = 0;
    json_decref(j);
}

void log_end(instance *in, invocation *inv) {
    sqlambda_buf line = {0};
    xbuf_printf(&line, "END RequestId: %s\n", inv->request_id);
    xbuf_printf(&line,
                "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %ld ms\tMemory Size: %d MB\tMax Memory Used: %ld MB\t",
                inv->request_id, inv->duration_ms, (long)ceil(inv->duration_ms), in->fv->memory_mb,
                in->max_rss_mb);
    if (in->cold) xbuf_printf(&line, "Init Duration: %.2f ms\t", in->init_ms);
    /* How it ended, as Lambda's REPORT says it (nothing on success or a
     * handler's own error). */
    if (inv->outcome == OUT_TIMEOUT) {
        xbuf_printf(&line, "Status: timeout\t");
    } else if (inv->outcome == OUT_EXIT || inv->outcome == OUT_INIT_ERROR) {
        char type[96];
        error_type_of(&inv->body, type, sizeof type);
        xbuf_printf(&line, "Status: error\tError Type: %s\t", type);
    }
    xbuf_append(&line, "\n", 1);
    log_append(in, line.data, line.len);
    sqlambda_buf_free(&line);
    if (inv->want_tail) {
        size_t n = in->log.len > 4096 ? 4096 : in->log.len;
        inv->log_tail_b64 = sqlambda_b64_encode(in->log.data + in->log.len - n, n);
        if (!inv->log_tail_b64) oom();
    }
}
