/*
 * spawner.c — starts worker processes. Every fork happens on one thread that
 * lives as long as the server, because PR_SET_PDEATHSIG fires when the
 * *thread* that forked exits: a worker forked from a short-lived connection
 * thread would be killed with it. Workers get their own process group (so
 * the server can kill a worker with everything it started) and SIGKILL when
 * the server dies.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef struct spawn_req {
    char *const *argv;
    char *const *envp;
    const char *dir;
    int out_fd;
    pid_t pid;
    int done;
    struct spawn_req *next;
} spawn_req;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static spawn_req *queue;
static int stop;
static pthread_t thread;
static int started;

/* live workers: forked, not yet reaped by spawner_reap */
static pthread_mutex_t workers_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t *workers;
static size_t nworkers, capworkers;

static void worker_add(pid_t pid) { /* holds workers_mu */
    if (nworkers == capworkers) {
        size_t cap = capworkers ? capworkers * 2 : 16;
        pid_t *nw = realloc(workers, cap * sizeof *nw);
        if (!nw) abort();
        workers = nw;
        capworkers = cap;
    }
    workers[nworkers++] = pid;
}

static int worker_index(pid_t pid) { /* holds workers_mu */
    for (size_t i = 0; i < nworkers; i++)
        if (workers[i] == pid) return (int)i;
    return -1;
}

pid_t spawner_reap(pid_t pid, int *status, long *peak_rss_kb) {
    pthread_mutex_lock(&workers_mu);
    pid_t r;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while ((r = wait4(pid, status, 0, &ru)) < 0 && errno == EINTR) {
    }
    if (peak_rss_kb) *peak_rss_kb = r == pid ? ru.ru_maxrss : 0;
    int i = worker_index(pid);
    if (i >= 0) workers[i] = workers[--nworkers];
    pthread_mutex_unlock(&workers_mu);
    return r;
}

int spawner_reap_orphan(pid_t pid) {
    pthread_mutex_lock(&workers_mu);
    int reaped = 0;
    if (worker_index(pid) < 0) reaped = waitpid(pid, NULL, WNOHANG) == pid;
    pthread_mutex_unlock(&workers_mu);
    return reaped;
}

static pid_t do_spawn(spawn_req *r) {
    pid_t parent = getpid();
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int sync[2]; /* closed in the child by exec (or exit): the parent reads end of file */
    if (pipe2(sync, O_CLOEXEC) != 0) sync[0] = sync[1] = -1;
    /* fork and record the pid under workers_mu: the orphan reaper must never
     * see a worker's zombie before it is in the set */
    pthread_mutex_lock(&workers_mu);
    pid_t pid = fork();
    if (pid == 0) {
        /* child: only async-signal-safe calls until exec */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (setsid() < 0) _exit(126); /* a new session and process group, led by the worker */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(r->out_fd, 1);
        dup2(r->out_fd, 2);
        if (chdir(r->dir) != 0) {
            static const char m[] = "sqlambda serve: cannot enter the code directory\n";
            (void)!write(2, m, sizeof m - 1);
            _exit(127);
        }
        execve(r->argv[0], r->argv, r->envp);
        static const char m[] = "sqlambda serve: cannot execute the function's runtime: ";
        (void)!write(2, m, sizeof m - 1);
        const char *e = strerror(errno); /* not strictly async-signal-safe; glibc's is */
        (void)!write(2, e, strlen(e));
        (void)!write(2, "\n", 1);
        _exit(127);
    }
    if (pid > 0) worker_add(pid);
    pthread_mutex_unlock(&workers_mu);
    if (devnull >= 0) close(devnull);
    if (sync[1] >= 0) close(sync[1]);
    if (sync[0] >= 0) {
        char c;
        while (pid > 0 && (read(sync[0], &c, 1) < 0 && errno == EINTR)) {
        }
        close(sync[0]);
    }
    return pid;
}

static void *spawner_thread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!queue && !stop) pthread_cond_wait(&cv, &mu);
        if (!queue && stop) break;
        spawn_req *r = queue;
        queue = r->next;
        pthread_mutex_unlock(&mu);
        pid_t pid = do_spawn(r);
        pthread_mutex_lock(&mu);
        r->pid = pid;
        r->done = 1;
        pthread_cond_broadcast(&cv);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int spawner_start(void) {
    stop = 0;
    started = pthread_create(&thread, NULL, spawner_thread, NULL) == 0;
    return started ? 0 : -1;
}

void spawner_stop(void) {
    pthread_mutex_lock(&mu);
    stop = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    if (started) pthread_join(thread, NULL);
    started = 0;
}

pid_t spawner_spawn(char *const argv[], char *const envp[], const char *dir, int out_fd) {
    spawn_req r = {.argv = argv, .envp = envp, .dir = dir, .out_fd = out_fd, .pid = -1};
    pthread_mutex_lock(&mu);
    if (stop) {
        pthread_mutex_unlock(&mu);
        return -1;
    }
    spawn_req **tail = &queue;
    while (*tail) tail = &(*tail)->next;
    *tail = &r;
    pthread_cond_broadcast(&cv);
    while (!r.done) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return r.pid;
}
