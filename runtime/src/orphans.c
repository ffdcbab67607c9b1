/*
 * orphans.c — processes a function left behind outside its worker's
 * process group (setsid, double fork). serve makes itself their subreaper
 * (PR_SET_CHILD_SUBREAPER), so when their parent dies they become serve's
 * children instead of init's, and at shutdown, once every worker is gone,
 * it kills and reaps them: serve leaves no orphans. Meanwhile a reaper
 * thread reaps those that exit (woken by SIGCHLD, which every serve thread
 * blocks, and once a second), so a function that keeps double-forking
 * short-lived processes leaves no zombies (issue 11); workers are not its
 * business (their instance reaps them: spawner_reap_orphan skips them).
 * Children in serve's own process group (a host program's own) are left
 * alone.
 */
#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int was_subreaper = -1;
static pthread_t reaper;
static int reaper_started, reaper_stop;

/* Reaps every exited child outside our process group that is not a worker. */
static void reap_exited(void) {
    long me = (long)getpid(), mygrp = (long)getpgrp();
    DIR *d = opendir("/proc");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        proc_stat_t st;
        if (proc_stat(e->d_name, &st) || st.ppid != me || st.pgrp == mygrp || st.state != 'Z') continue;
        spawner_reap_orphan((pid_t)atol(e->d_name));
    }
    closedir(d);
}

static void *reaper_thread(void *arg) {
    (void)arg;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    struct timespec second = {1, 0};
    while (!__atomic_load_n(&reaper_stop, __ATOMIC_ACQUIRE)) {
        sigtimedwait(&chld, NULL, &second);
        reap_exited();
    }
    return NULL;
}

void orphans_adopt(void) {
    int cur = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &cur) == 0) was_subreaper = cur;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* SIGCHLD blocked here is blocked in every thread started after: the
     * reaper takes it with sigtimedwait (serve_main restores the mask) */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, NULL);
    reaper_stop = 0;
    reaper_started = pthread_create(&reaper, NULL, reaper_thread, NULL) == 0;
}

/* Kills and reaps our children outside our process group; returns how many. */
static int sweep_once(void) {
    long me = (long)getpid(), mygrp = (long)getpgrp();
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        proc_stat_t st;
        if (proc_stat(e->d_name, &st) || st.ppid != me || st.pgrp == mygrp) continue;
        pid_t pid = (pid_t)atol(e->d_name);
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        n++;
    }
    closedir(d);
    return n;
}

void orphans_sweep(void) {
    if (reaper_started) {
        __atomic_store_n(&reaper_stop, 1, __ATOMIC_RELEASE);
        pthread_kill(reaper, SIGCHLD);
        pthread_join(reaper, NULL);
        reaper_started = 0;
    }
    int total = 0;
    for (int round = 0; round < 20; round++) { /* killing one may hand us its children */
        int n = sweep_once();
        if (!n) break;
        total += n;
    }
    if (total) serve_log("killed %d process(es) that functions left running outside their workers", total);
    if (was_subreaper == 0) prctl(PR_SET_CHILD_SUBREAPER, 0);
    was_subreaper = -1;
}
