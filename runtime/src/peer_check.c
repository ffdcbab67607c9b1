/*
 * peer_check.c — who is on the other end of a loopback TCP connection to a
 * Runtime API listener: only processes of the instance's own worker process
 * group, inside the worker's own session, may use it (issue 11). The
 * client's socket (inode and owner uid) is found by its address pair with
 * one exact sock_diag netlink lookup (/proc/net/tcp if that is
 * unavailable), then looked for among the open
 * files of the worker, its descendants, and last of every process in its
 * process group. This keeps AWS_LAMBDA_RUNTIME_API a plain host:port, so
 * any bootstrap written for Lambda works unchanged; see docs/security.md
 * for the limits. Cost of an accepted check: ~0.1 ms.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exact lookup of the TCP socket src:cport -> 127.0.0.1:sport through
 * NETLINK_SOCK_DIAG. 0 and inode/uid if found, 1 if not, -1 if unavailable. */
static int diag_socket(struct in_addr src, unsigned cport, unsigned sport, unsigned long *inode, unsigned *uid) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -1;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST;
    req.r.sdiag_family = AF_INET;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0U;
    req.r.id.idiag_sport = htons((unsigned short)cport);
    req.r.id.idiag_dport = htons((unsigned short)sport);
    req.r.id.idiag_src[0] = src.s_addr;
    req.r.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
    req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    int rc = -1;
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&nl, sizeof nl) == (ssize_t)sizeof req) {
        long buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n > 0 && NLMSG_OK(h, (size_t)n)) {
            if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                const struct inet_diag_msg *m = NLMSG_DATA(h);
                *inode = m->idiag_inode;
                *uid = m->idiag_uid;
                rc = 0;
            } else if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                rc = e->error == -ENOENT ? 1 : -1;
            }
        }
    }
    close(fd);
    return rc;
}

/* inode and uid of the socket local=cport remote=sport on 127.0.0.1 from
 * /proc/net/tcp (when sock_diag is unavailable); 0 if found. */
static int find_socket(unsigned cport, unsigned sport, unsigned long *inode, unsigned *uid) {
    FILE *f = fopen("/proc/net/tcp", "re");
    if (!f) return -1;
    char line[512];
    int rc = -1;
    if (!fgets(line, sizeof line, f)) goto out; /* header */
    while (fgets(line, sizeof line, f)) {
        unsigned la, lp, ra, rp, st, u;
        unsigned long ino;
        if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %*8X:%*8X %*2X:%*8X %*8X %u %*d %lu", &la, &lp, &ra,
                   &rp, &st, &u, &ino) != 7)
            continue;
        if (lp == cport && rp == sport && la == ra && ino != 0) {
            *inode = ino;
            *uid = u;
            rc = 0;
            break;
        }
    }
out:
    fclose(f);
    return rc;
}

/* Process group of pid from /proc/pid/stat if its session is the same
 * number (a worker leads its own session and group, and so do all the
 * processes that are its); -1 if unknown or in another session. A process
 * of another function cannot join the worker's group (setpgid works only
 * within a session), and the session check refuses one whatever its group. */
static long pgrp_of(const char *pid) {
    proc_stat_t st;
    if (proc_stat(pid, &st) != 0 || st.session != st.pgrp) return -1;
    return st.pgrp;
}

static int has_fd_socket(const char *pid, const char *want) {
    char path[300];
    snprintf(path, sizeof path, "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char fp[600], target[64];
        snprintf(fp, sizeof fp, "/proc/%s/fd/%s", pid, e->d_name);
        ssize_t n = readlink(fp, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = 0;
        found = strcmp(target, want) == 0;
    }
    closedir(d);
    return found;
}

static int holds(long pid, long pgid, const char *want) {
    char p[24];
    snprintf(p, sizeof p, "%ld", pid);
    return pgrp_of(p) == pgid && has_fd_socket(p, want);
}

/* Breadth-first over the worker's descendants (/proc/<pid>/task/<pid>/children):
 * where a bootstrap's helpers (curl in a shell loop) are. 1 if one holds it. */
static int in_descendants(long root, long pgid, const char *want) {
    long q[256];
    size_t head = 0, tail = 0;
    q[tail++] = root;
    while (head < tail) {
        long pid = q[head++];
        if (pid != root && holds(pid, pgid, want)) return 1;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
        FILE *f = fopen(path, "re");
        if (!f) continue;
        long child;
        while (tail < sizeof q / sizeof *q && fscanf(f, "%ld", &child) == 1) q[tail++] = child;
        fclose(f);
    }
    return 0;
}

int peer_in_group(const struct sockaddr *addr, unsigned len, int server_port, pid_t pgid) {
    if (!addr || len < sizeof(struct sockaddr_in) || addr->sa_family != AF_INET || pgid <= 0)
        return 0;
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
    unsigned long inode;
    unsigned uid;
    int r = diag_socket(sin->sin_addr, ntohs(sin->sin_port), (unsigned)server_port, &inode, &uid);
    if (r < 0) r = find_socket(ntohs(sin->sin_port), (unsigned)server_port, &inode, &uid) ? 1 : 0;
    if (r != 0) return 0;
    if (uid != (unsigned)geteuid()) return 0; /* another user: never a worker */
    char want[48];
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    /* the worker itself (the usual case), then its descendants, then, for a
     * group member whose parent died (re-parented to serve), every process */
    if (holds((long)pgid, (long)pgid, want) || in_descendants((long)pgid, (long)pgid, want)) return 1;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        if (pgrp_of(e->d_name) != (long)pgid) continue;
        found = has_fd_socket(e->d_name, want);
    }
    closedir(d);
    return found;
}
