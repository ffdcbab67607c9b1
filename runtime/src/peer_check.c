/*
 * peer_check.c — who is on the other end of a loopback TCP connection to a
 * Runtime API listener: only processes of the instance's own worker process
 * group may use it (issue 11). The client's socket is found in
 * /proc/net/tcp by its 4-tuple (its inode and owner uid), then the socket
 * is looked for among the open files of the processes in that group. This
 * keeps AWS_LAMBDA_RUNTIME_API a plain host:port, so any bootstrap written
 * for Lambda works unchanged; see docs/security.md for the limits.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* inode and uid of the socket local=cport remote=sport on 127.0.0.1; 0 if found. */
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

/* Process group of pid from /proc/pid/stat; -1 if unknown. */
static long pgrp_of(const char *pid) {
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    long pg;
    if (!p || sscanf(p + 1, " %*c %*d %ld", &pg) != 1) return -1;
    return pg;
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

int peer_in_group(const struct sockaddr *addr, unsigned len, int server_port, pid_t pgid) {
    if (!addr || len < sizeof(struct sockaddr_in) || addr->sa_family != AF_INET || pgid <= 0)
        return 0;
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
    unsigned long inode;
    unsigned uid;
    if (find_socket(ntohs(sin->sin_port), (unsigned)server_port, &inode, &uid) != 0) return 0;
    if (uid != (unsigned)geteuid()) return 0; /* another user: never a worker */
    char want[48];
    snprintf(want, sizeof want, "socket:[%lu]", inode);
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
