/*
 * kill_check.h — lets KILL QUERY / KILL / max_statement_time stop a call
 * that is waiting for Lambda: a wait hook for core that polls the sockets
 * in short slices and asks the server whether the statement was killed.
 * Needs the plugin installed (the kill-statement service) and the server's
 * exported _current_thd(); without them core's own poll() is used.
 */
#ifndef MDB_KILL_CHECK_H
#define MDB_KILL_CHECK_H

#include "sqlambda.h"

/* The connection (THD) the calling thread serves now, or NULL if unknown. */
void *mdb_current_thd(void);

/* 1 if mdb_wait_hook can tell a killed statement (plugin active etc.). */
int mdb_kill_check_available(void);

/* core wait hook; arg points at a void * holding the THD to watch. */
int mdb_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms);

#endif /* MDB_KILL_CHECK_H */
