/*
 * invoke_many.c — `sqlambda invoke --payloads FILE --concurrency N`: one
 * call per input line through core's multi interface, N in flight, one
 * result per output line in input order. The window is 2N lines: line
 * k+2N is not read into a call before line k's result is written, so a
 * slow line holds at most 2N results in memory, and calls that finish out
 * of order (as they do under any jitter) never leave a slot idle while a
 * line ahead of them is still in flight. The input is read only when the
 * wait hook sees it readable, so calls in flight never wait on it; SIGINT
 * or SIGTERM (a self-pipe in the same wait) cancels the calls in flight,
 * and the results already in order are still written.
 */
#include "cli.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SHOWN_FAILURES 10 /* failed lines also named on stderr, the first ones */
#define FD_HEADROOM 16    /* besides one socket per call: curl's, config files, stdio */
/* Lines admitted per call in flight. With 1 (a window of N), the next line
 * waited for the oldest one's result, so every out-of-order completion
 * idled a slot: 2,000 calls of 20 ms at 50 in flight took 1.15-1.31 s
 * (ideal 0.80 s, plain libcurl 0.85 s); with 2, 0.85-0.89 s. */
#define WINDOW_PER_CALL 2

enum { SLOT_BLANK = 1, SLOT_PENDING, SLOT_DONE };

typedef struct slot {
    int state;
    long lineno;
    sqlambda_result res;
} slot;

typedef struct fanout {
    slot *slots;
    unsigned long window;
    unsigned long next_in, next_out; /* lines admitted / written so far */
    cli_lines in;
    int want_input, input_ready, delivered;
    sqlambda_wait_fd *pfds;
    int cap_pfds;
    long calls, failed, first_failed;
    int out_error;
} fanout;

/* ---- signals: a flag and a self-pipe the waits include ---- */
static volatile sig_atomic_t cli_many_interrupted;
static int cli_many_sigpipe[2] = {-1, -1};

static void on_signal(int sig) {
    int e = errno;
    cli_many_interrupted = sig;
    if (cli_many_sigpipe[1] >= 0 && write(cli_many_sigpipe[1], "x", 1) < 0) {}
    /* the next SIGINT or SIGTERM, whichever comes, ends the process */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    errno = e;
}

static int signals_install(struct sigaction *old_int, struct sigaction *old_term) {
    if (pipe2(cli_many_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    /* SA_RESTART: a write to a slow stdout finishes (poll and epoll_wait
     * return on a signal regardless; the self-pipe wakes them too), so the
     * results reported as written are; the handler then restores the
     * default action of both signals, so a second one, e.g. when stdout
     * never drains, ends the process at once */
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
    return 0;
}

static void signals_restore(const struct sigaction *old_int, const struct sigaction *old_term) {
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
    close(cli_many_sigpipe[0]);
    close(cli_many_sigpipe[1]);
    cli_many_sigpipe[0] = cli_many_sigpipe[1] = -1;
}

/* ---- waiting: core's sockets, plus the input when a line is wanted, plus
 * the signal pipe ---- */
static int poll_with_extras(fanout *f, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    int total = nfds + 2;
    if (total > f->cap_pfds) {
        sqlambda_wait_fd *n = realloc(f->pfds, (size_t)total * sizeof *n);
        if (!n) return -1;
        f->pfds = n;
        f->cap_pfds = total;
    }
    if (nfds) memcpy(f->pfds, fds, (size_t)nfds * sizeof *fds);
    int n = nfds;
    f->pfds[n++] = (sqlambda_wait_fd){cli_many_sigpipe[0], SQLAMBDA_WAIT_READ, 0};
    int input_at = f->want_input ? n : -1;
    if (f->want_input) f->pfds[n++] = (sqlambda_wait_fd){f->in.fd, SQLAMBDA_WAIT_READ, 0};
    sqlambda_poll_fds(f->pfds, n, timeout_ms);
    for (int i = 0; i < nfds; i++) fds[i].revents = f->pfds[i].revents;
    if (input_at >= 0 && f->pfds[input_at].revents) f->input_ready = 1;
    return 0;
}

/* Core's wait hook: returns to the driver (YIELD) as soon as a result was
 * delivered or the input is readable, so lines are written and admitted
 * at once; cancels everything on a signal. */
static int wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    fanout *f = arg;
    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (cli_many_interrupted) return SQLAMBDA_WAIT_CANCEL;
    if (f->delivered || f->input_ready) return SQLAMBDA_WAIT_YIELD;
    if (poll_with_extras(f, fds, nfds, timeout_ms) != 0) sqlambda_poll_fds(fds, nfds, timeout_ms);
    if (cli_many_interrupted) return SQLAMBDA_WAIT_CANCEL;
    return f->input_ready ? SQLAMBDA_WAIT_YIELD : SQLAMBDA_WAIT_CONTINUE;
}

static void on_done(void *arg, void *user, sqlambda_result *res) {
    fanout *f = arg;
    slot *s = user;
    s->res = *res; /* takes ownership of the members */
    s->state = SLOT_DONE;
    f->delivered = 1;
}

/* ---- admitting lines and writing results ---- */
static int blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

static void nomem(sqlambda_result *res) {
    memset(res, 0, sizeof *res);
    res->status = SQLAMBDA_E_NOMEM;
    snprintf(res->message, sizeof res->message, "out of memory");
}

/* Admits lines into free window slots. Returns 1 when it stopped for want
 * of a whole buffered line (the input must be read: cli_lines_fill's
 * contract), 0 when the window is full. */
static int admit(fanout *f, sqlambda_multi *m, const sqlambda_request *base) {
    const char *line;
    size_t len;
    for (;;) {
        if (f->next_in - f->next_out >= f->window) return 0;
        if (cli_lines_next(&f->in, &line, &len) != 1) return 1;
        slot *s = &f->slots[f->next_in % f->window];
        memset(s, 0, sizeof *s);
        s->lineno = f->in.lineno;
        f->next_in++;
        /* a cut line (longer than the reader keeps) is never blank: core
         * refuses it as too large, whatever its first bytes are */
        if (len <= f->in.limit && blank(line, len)) {
            s->state = SLOT_BLANK;
            continue;
        }
        sqlambda_request req = *base;
        req.payload = line;
        req.payload_len = len;
        f->calls++;
        s->state = SLOT_PENDING;
        if (sqlambda_multi_add(m, &req, s) != SQLAMBDA_OK) { /* payload is copied */
            nomem(&s->res);
            s->state = SLOT_DONE;
        }
    }
}

static void note_failure(fanout *f, const slot *s) {
    if (f->failed++ == 0) f->first_failed = s->lineno;
    if (f->failed <= SHOWN_FAILURES)
        fprintf(stderr, "sqlambda invoke: line %ld: %s\n", s->lineno, s->res.message);
    if (f->failed == SHOWN_FAILURES + 1)
        fprintf(stderr, "sqlambda invoke: (further failed lines are only on standard output)\n");
}

/* Writes the results that are next in order; stops at a line still in
 * flight, or at a cancelled one (a signal: nothing after it is written). */
static void write_ready(fanout *f) {
    int wrote = 0;
    while (f->next_out < f->next_in) {
        slot *s = &f->slots[f->next_out % f->window];
        if (s->state == SLOT_PENDING) break;
        if (s->state == SLOT_DONE && s->res.status == SQLAMBDA_E_CANCELLED) break;
        if (s->state == SLOT_BLANK) {
            fputc('\n', stdout);
        } else {
            if (cli_write_result_line(stdout, s->lineno, &s->res) != 0) f->out_error = ENOMEM;
            if (s->res.status != SQLAMBDA_OK) note_failure(f, s);
            sqlambda_result_free(&s->res);
        }
        s->state = 0;
        f->next_out++;
        wrote = 1;
    }
    if (wrote && (fflush(stdout) != 0 || ferror(stdout)) && !f->out_error)
        f->out_error = errno ? errno : EIO;
}

/* Nothing in flight, more input wanted: wait for it (or a signal). */
static void wait_input(fanout *f) {
    while (!cli_many_interrupted && !f->input_ready)
        if (poll_with_extras(f, NULL, 0, 1000) != 0) { /* no memory for the fd list */
            f->out_error = ENOMEM;
            return;
        }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the command ---- */
static int run(fanout *f, sqlambda_multi *m, const sqlambda_request *req, const cli_many_opts *mo) {
    int read_errno = 0;
    for (;;) {
        /* write first, so the slots that frees are filled at once */
        write_ready(f);
        int need_input = 0;
        if (!read_errno && !cli_many_interrupted) need_input = admit(f, m, req); /* nothing new once interrupted */
        write_ready(f); /* blank lines and refused ones are done at once */
        if (f->out_error || cli_many_interrupted) break;
        int input_left = !read_errno && !cli_lines_done(&f->in);
        if (!input_left && f->next_in == f->next_out) break;
        /* read only when no whole line is buffered (cli_lines_fill) */
        f->want_input = need_input && input_left && !f->in.eof;
        f->delivered = f->input_ready = 0;
        if (sqlambda_multi_pending(m)) {
            sqlambda_status st = sqlambda_multi_run(m, -1, on_done, f);
            if (st == SQLAMBDA_E_NOMEM) f->out_error = ENOMEM;
        } else if (f->want_input) {
            wait_input(f);
        }
        if (f->input_ready && !cli_many_interrupted && cli_lines_fill(&f->in) < 0) {
            read_errno = errno;
            fprintf(stderr, "sqlambda invoke: cannot read --payloads %s after line %ld: %s\n",
                    strcmp(mo->path, "-") ? mo->path : "(standard input)", f->in.lineno,
                    strerror(read_errno));
        }
    }
    if (cli_many_interrupted) {
        /* the signal may have come outside a run, which would first start
         * the queued lines it has room for: cancel without starting any */
        sqlambda_multi_cancel(m, on_done, f);
        write_ready(f);
        long started = 0, unsent = 0; /* of the lines read: cancelled once started, or before */
        for (unsigned long i = f->next_out; i < f->next_in; i++) {
            const slot *s = &f->slots[i % f->window];
            if (s->state != SLOT_DONE || s->res.status != SQLAMBDA_E_CANCELLED) continue;
            if (s->res.attempts > 0) started++;
            else unsent++;
        }
        if (f->out_error)
            fprintf(stderr,
                    "sqlambda invoke: interrupted; writing the results to standard output failed "
                    "(%s): it may hold fewer than the first %lu\n",
                    strerror(f->out_error), f->next_out);
        else
            fprintf(stderr,
                    "sqlambda invoke: interrupted: the results of the first %lu line%s are "
                    "written (resume at line %lu); %ld started call%s cancelled, %ld read "
                    "line%s never started\n",
                    f->next_out, f->next_out == 1 ? "" : "s", f->next_out + 1, started,
                    started == 1 ? "" : "s", unsent, unsent == 1 ? "" : "s");
        return CLI_EXIT_INTERRUPTED;
    }
    if (f->out_error) {
        fprintf(stderr, "sqlambda invoke: cannot write the results to standard output: %s\n",
                strerror(f->out_error));
        return CLI_EXIT_FAILURE;
    }
    if (f->failed)
        fprintf(stderr, "sqlambda invoke: %ld of %ld line%s failed (first: line %ld)\n", f->failed,
                f->calls, f->calls == 1 ? "" : "s", f->first_failed);
    if (read_errno) return CLI_EXIT_FAILURE;
    return f->failed ? CLI_EXIT_SOME_FAILED : CLI_EXIT_OK;
}

int cli_invoke_many(sqlambda_options *opts, const sqlambda_request *req, const cli_many_opts *mo) {
    char err[512], setting[64];
    snprintf(setting, sizeof setting, "--concurrency %d", mo->concurrency);
    if (cli_reserve_fds(mo->concurrency + FD_HEADROOM, setting, err, sizeof err) != 0) {
        fprintf(stderr, "sqlambda invoke: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    fanout f;
    memset(&f, 0, sizeof f);
    if (cli_lines_open(&f.in, mo->path, SQLAMBDA_MAX_SYNC_PAYLOAD, err, sizeof err) != 0) {
        fprintf(stderr, "sqlambda invoke: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    f.window = (unsigned long)mo->concurrency * WINDOW_PER_CALL;
    f.slots = calloc(f.window, sizeof *f.slots);
    struct sigaction old_int, old_term;
    if (!f.slots || signals_install(&old_int, &old_term) != 0) {
        fprintf(stderr, "sqlambda invoke: %s\n", f.slots ? strerror(errno) : "out of memory");
        free(f.slots);
        cli_lines_close(&f.in);
        return CLI_EXIT_FAILURE;
    }
    opts->wait = wait_hook;
    opts->wait_arg = &f;
    sqlambda_client *client = sqlambda_client_new(opts);
    sqlambda_multi *m = client ? sqlambda_multi_new(client, mo->concurrency) : NULL;
    /* a signal that lands while core is busy with completions: it starts
     * nothing more (the hook only sees the flag when it runs) */
    sqlambda_multi_cancel_on(m, &cli_many_interrupted);
    int rc;
    double t0 = now_s();
    if (!m) {
        fprintf(stderr, "sqlambda invoke: out of memory creating the client\n");
        rc = CLI_EXIT_FAILURE;
    } else {
        rc = run(&f, m, req, mo);
    }
    if (mo->verbose && m) {
        double s = now_s() - t0;
        fprintf(stderr, "sqlambda invoke: %ld line%s, %ld call%s, %ld failed, %.3f s, %.0f calls/s\n",
                f.in.lineno, f.in.lineno == 1 ? "" : "s", f.calls, f.calls == 1 ? "" : "s",
                f.failed, s, s > 0 ? (double)f.calls / s : 0.0);
    }
    for (unsigned long i = 0; i < f.window; i++)
        if (f.slots[i].state == SLOT_DONE) sqlambda_result_free(&f.slots[i].res);
    sqlambda_multi_free(m);
    sqlambda_client_free(client);
    signals_restore(&old_int, &old_term);
    free(f.slots);
    free(f.pfds);
    cli_lines_close(&f.in);
    return rc;
}
