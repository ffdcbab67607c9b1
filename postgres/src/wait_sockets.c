/*
 * wait_sockets.c — the one bridge between core's wait hook arguments
 * (sqlambda_wait_fd) and a PostgreSQL WaitEventSet, used by both wait
 * hooks: the backend's (wait_latch.c) and the delivery worker's
 * (worker_send.c). It waits on the process latch, postmaster death and the
 * sockets core hands over, and fills each fd's revents. PostgreSQL reports
 * a socket's error or hangup as the readiness it waited for, which is what
 * core's own translation (sqlambda_poll_fds) does for poll(); a latch
 * cannot be polled, so the hooks wait here rather than through core's.
 *
 * Core's event loop hands over one fd whatever the number of calls in
 * flight: its client's epoll instance, which lives as long as the client.
 * Its WaitEventSet (latch, postmaster death, that fd) is kept across waits
 * and calls, one per event-loop fd (a backend has two clients): no set is
 * built per wait. Every epoll instance shares one anonymous inode, so a new
 * one that got an old number would look unchanged: the adapter calls
 * awsl_wait_sockets_forget() whenever it frees a client. One socket (a
 * kept-alive connection of a credential source) also reuses one set,
 * rebuilt when the socket behind the descriptor changes (a new connection
 * has a new inode, even if it got the same descriptor number). Other cases
 * (a pipe, several fds) build a set per wait.
 */
#include "aws_lambda.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"

#include <sys/stat.h>

/* The reusable set: latch, postmaster death, one socket at SOCKET_POS. */
#define SOCKET_POS 2
static WaitEventSet *cached_set;
static int cached_fd = -1;
static dev_t cached_dev;
static ino_t cached_ino;
static uint32 cached_events;

/* Kept sets of event-loop (epoll) fds: latch, postmaster death, the fd. */
#define LOOP_SETS 4
static struct {
    WaitEventSet *set;
    int fd;
    uint32 events;
} loop_sets[LOOP_SETS];

void awsl_wait_sockets_forget(void) {
    for (int i = 0; i < LOOP_SETS; i++) {
        if (loop_sets[i].set) FreeWaitEventSet(loop_sets[i].set);
        loop_sets[i].set = NULL;
    }
}

static uint32 wanted_events(const sqlambda_wait_fd *f) {
    uint32 ev = 0;
    if (f->fd < 0) return 0;
    if (f->events & SQLAMBDA_WAIT_READ) ev |= WL_SOCKET_READABLE;
    if (f->events & SQLAMBDA_WAIT_WRITE) ev |= WL_SOCKET_WRITEABLE;
    return ev;
}

static void set_revents(sqlambda_wait_fd *f, uint32 events) {
    if (events & WL_SOCKET_READABLE) f->revents |= SQLAMBDA_WAIT_READ;
    if (events & WL_SOCKET_WRITEABLE) f->revents |= SQLAMBDA_WAIT_WRITE;
}

/* A set of the latch, postmaster death and fd at SOCKET_POS; NULL if the
 * fd cannot be added. */
static WaitEventSet *new_socket_set(int fd, uint32 ev) {
    WaitEventSet *set = CreateWaitEventSet(TopMemoryContext, 3);
    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
    if (AddWaitEventToSet(set, ev, fd, NULL, NULL) != SOCKET_POS) {
        FreeWaitEventSet(set);
        return NULL;
    }
    return set;
}

/* The kept set of an event-loop fd; NULL when all slots are taken. */
static WaitEventSet *set_for_loop(int fd, uint32 ev, bool known_only) {
    int free_slot = -1;
    WaitEventSet *set;
    for (int i = 0; i < LOOP_SETS; i++) {
        if (!loop_sets[i].set) {
            if (free_slot < 0) free_slot = i;
        } else if (loop_sets[i].fd == fd) {
            if (loop_sets[i].events != ev) {
                ModifyWaitEvent(loop_sets[i].set, SOCKET_POS, ev, NULL);
                loop_sets[i].events = ev;
            }
            return loop_sets[i].set;
        }
    }
    if (free_slot < 0 || known_only) return NULL;
    if (!(set = new_socket_set(fd, ev))) return NULL;
    loop_sets[free_slot].set = set;
    loop_sets[free_slot].fd = fd;
    loop_sets[free_slot].events = ev;
    return set;
}

/* The cached set for this one socket (or event-loop fd), rebuilt if the
 * socket is a new one; NULL if it cannot be used. */
static WaitEventSet *set_for_socket(int fd, uint32 ev) {
    struct stat st;
    WaitEventSet *set;
    /* a kept event-loop fd: its number is that epoll's until forgotten */
    if ((set = set_for_loop(fd, ev, true)) != NULL) return set;
    if (fstat(fd, &st) != 0) return NULL;
    /* an anonymous inode (no file type): an event loop's epoll instance */
    if ((st.st_mode & S_IFMT) == 0) return set_for_loop(fd, ev, false);
    if (!S_ISSOCK(st.st_mode)) return NULL;
    if (cached_set && cached_fd == fd && cached_dev == st.st_dev && cached_ino == st.st_ino) {
        if (cached_events != ev) {
            ModifyWaitEvent(cached_set, SOCKET_POS, ev, NULL);
            cached_events = ev;
        }
        return cached_set;
    }
    if (cached_set) FreeWaitEventSet(cached_set);
    cached_set = NULL;
    cached_fd = -1;
    if (!(set = new_socket_set(fd, ev))) return NULL;
    cached_set = set;
    cached_fd = fd;
    cached_dev = st.st_dev;
    cached_ino = st.st_ino;
    cached_events = ev;
    return set;
}

bool awsl_wait_sockets(sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    WaitEvent occurred[64];
    WaitEventSet *set = NULL;
    int *pos_fd = NULL;
    bool cached = false, latch = false;
    uint32 ev;
    int n;

    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (nfds == 1 && (ev = wanted_events(&fds[0])) != 0 &&
        (set = set_for_socket(fds[0].fd, ev)) != NULL) {
        cached = true;
    } else {
        set = CreateWaitEventSet(CurrentMemoryContext, nfds + 2);
        pos_fd = palloc(sizeof(int) * (nfds + 2));
        AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
        AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
        for (int i = 0; i < nfds; i++) {
            if ((ev = wanted_events(&fds[i])) == 0) continue;
            pos_fd[AddWaitEventToSet(set, ev, fds[i].fd, NULL, NULL)] = i;
        }
    }
    n = WaitEventSetWait(set, timeout_ms < 0 ? -1 : timeout_ms, occurred, lengthof(occurred),
                         PG_WAIT_EXTENSION);
    for (int k = 0; k < n; k++) {
        if (occurred[k].events & WL_LATCH_SET) {
            ResetLatch(MyLatch);
            latch = true;
        } else if (occurred[k].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
            set_revents(&fds[cached ? 0 : pos_fd[occurred[k].pos]], occurred[k].events);
        }
    }
    if (!cached) {
        FreeWaitEventSet(set);
        pfree(pos_fd);
    }
    return latch;
}
