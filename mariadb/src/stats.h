/*
 * stats.h — process-wide counters shown as status variables
 * (SHOW GLOBAL STATUS LIKE 'aws_lambda%'). Plain longs updated atomically,
 * so the server can read them as SHOW_LONG on either MariaDB or MySQL.
 */
#ifndef MDB_STATS_H
#define MDB_STATS_H

extern long mdb_stat_calls;         /* invocations attempted (sent or rejected) */
extern long mdb_stat_errors;        /* invocations that ended in an error */
extern long mdb_stat_clients_built; /* sqlambda clients created (per thread, per settings change) */

#define mdb_stat_add(counter) __atomic_fetch_add(&(counter), 1, __ATOMIC_RELAXED)

#endif /* MDB_STATS_H */
