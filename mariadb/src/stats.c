/* stats.c — storage for the counters declared in stats.h. */
#include "stats.h"

long mdb_stat_calls;
long mdb_stat_errors;
long mdb_stat_clients_built;
