/*
 * thread_client.h — one sqlambda_client per server thread, kept across
 * calls (keep-alive connection, cached credentials) and rebuilt only when
 * the plugin's settings change.
 */
#ifndef MDB_THREAD_CLIENT_H
#define MDB_THREAD_CLIENT_H

#include "sqlambda.h"
#include <stddef.h>

/* This thread's client, current with the settings; NULL when out of memory
 * (err then says so). */
sqlambda_client *mdb_thread_client(char *err, size_t errlen);

#endif /* MDB_THREAD_CLIENT_H */
