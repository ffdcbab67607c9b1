/*
 * proc_stat.c — reads a process's state, parent, process group and session
 * from /proc/<pid>/stat (the orphan reaper and the Runtime API peer check).
 * The command name may hold spaces and ')': fields are read after the last
 * ')'.
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>

int proc_stat(const char *pid, proc_stat_t *out) {
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    return p && sscanf(p + 1, " %c %ld %ld %ld", &out->state, &out->ppid, &out->pgrp,
                       &out->session) == 4
               ? 0
               : -1;
}
