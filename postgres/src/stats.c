/*
 * stats.c — per-function call statistics behind the aws_lambda.stats view:
 * calls, errors by class (function / service / transport / other), retries,
 * throttles, total / max latency. With the library in
 * shared_preload_libraries they live in shared memory (one hash table for
 * every backend, under one LWLock); otherwise each backend keeps its own
 * (the view then shows only the current backend's calls).
 * At most AWSL_STATS_MAX functions are tracked; further ones are counted
 * under the name "(other)".
 */
#include "aws_lambda.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include <string.h>

#define AWSL_STATS_MAX 1000
#define AWSL_NAME_LEN 65 /* Lambda names are at most 64 characters */

typedef struct stats_entry {
    char function[AWSL_NAME_LEN]; /* hash key */
    int64 calls;
    int64 errors;
    int64 function_errors;
    int64 service_errors;
    int64 transport_errors;
    int64 retries;
    int64 throttles;
    double total_ms;
    double max_ms;
} stats_entry;

static HTAB *stats_hash;         /* shared or backend-local */
static LWLock *stats_lock;       /* NULL when backend-local */
static bool stats_in_shmem;
static shmem_request_hook_type prev_shmem_request;
static shmem_startup_hook_type prev_shmem_startup;

PG_FUNCTION_INFO_V1(aws_lambda_stats);
PG_FUNCTION_INFO_V1(aws_lambda_stats_reset);

static Size stats_shmem_size(void) {
    return hash_estimate_size(AWSL_STATS_MAX, sizeof(stats_entry));
}

static void stats_shmem_request(void) {
    if (prev_shmem_request) prev_shmem_request();
    RequestAddinShmemSpace(stats_shmem_size());
    RequestNamedLWLockTranche("aws_lambda", 1);
}

static void stats_shmem_startup(void) {
    HASHCTL info;
    if (prev_shmem_startup) prev_shmem_startup();
    memset(&info, 0, sizeof info);
    info.keysize = AWSL_NAME_LEN;
    info.entrysize = sizeof(stats_entry);
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    stats_hash = ShmemInitHash("aws_lambda stats", AWSL_STATS_MAX, AWSL_STATS_MAX, &info,
                               HASH_ELEM | HASH_STRINGS);
    LWLockRelease(AddinShmemInitLock);
    stats_lock = &(GetNamedLWLockTranche("aws_lambda"))->lock;
}

void awsl_stats_init(void) {
    if (process_shared_preload_libraries_in_progress) {
        stats_in_shmem = true;
        prev_shmem_request = shmem_request_hook;
        shmem_request_hook = stats_shmem_request;
        prev_shmem_startup = shmem_startup_hook;
        shmem_startup_hook = stats_shmem_startup;
    }
}

bool awsl_stats_shared(void) { return stats_in_shmem; }

static HTAB *local_hash(void) {
    if (!stats_hash) {
        HASHCTL info;
        memset(&info, 0, sizeof info);
        info.keysize = AWSL_NAME_LEN;
        info.entrysize = sizeof(stats_entry);
        info.hcxt = TopMemoryContext;
        stats_hash = hash_create("aws_lambda stats (backend)", 64, &info,
                                 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    }
    return stats_hash;
}

static stats_entry *entry_for(const char *function) {
    char key[AWSL_NAME_LEN];
    bool found;
    stats_entry *e;

    memset(key, 0, sizeof key);
    strlcpy(key, function && *function ? function : "(none)", sizeof key);
    e = hash_search(stats_hash, key, HASH_FIND, NULL);
    if (e) return e;
    if (hash_get_num_entries(stats_hash) >= AWSL_STATS_MAX - 1) strlcpy(key, "(other)", sizeof key);
    e = hash_search(stats_hash, key, HASH_ENTER_NULL, &found);
    if (e && !found) memset((char *)e + AWSL_NAME_LEN, 0, sizeof *e - AWSL_NAME_LEN);
    return e;
}

void awsl_stats_record(const char *function, sqlambda_status status, int attempts, int throttles,
                       double elapsed_ms) {
    stats_entry *e;
    if (stats_in_shmem && !stats_hash) return; /* not attached (should not happen) */
    if (!stats_in_shmem) local_hash();
    if (stats_lock) LWLockAcquire(stats_lock, LW_EXCLUSIVE);
    e = entry_for(function);
    if (e) {
        e->calls++;
        if (status != SQLAMBDA_OK) e->errors++;
        switch (status) {
        case SQLAMBDA_E_FUNCTION: e->function_errors++; break;
        case SQLAMBDA_E_SERVICE:
        case SQLAMBDA_E_THROTTLED:
        case SQLAMBDA_E_CREDENTIALS:
        case SQLAMBDA_E_RESPONSE: e->service_errors++; break;
        case SQLAMBDA_E_TRANSPORT:
        case SQLAMBDA_E_TIMEOUT: e->transport_errors++; break;
        default: break;
        }
        if (attempts > 1) e->retries += attempts - 1;
        e->throttles += throttles;
        e->total_ms += elapsed_ms;
        if (elapsed_ms > e->max_ms) e->max_ms = elapsed_ms;
    }
    if (stats_lock) LWLockRelease(stats_lock);
}

/* aws_lambda.stats(): one row per function (the view's source). */
Datum aws_lambda_stats(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    HASH_SEQ_STATUS seq;
    stats_entry *e;

    InitMaterializedSRF(fcinfo, 0);
    if (stats_in_shmem && !stats_hash) PG_RETURN_VOID();
    if (!stats_in_shmem) local_hash();
    if (stats_lock) LWLockAcquire(stats_lock, LW_SHARED);
    hash_seq_init(&seq, stats_hash);
    while ((e = hash_seq_search(&seq)) != NULL) {
        Datum v[11];
        bool n[11] = {false};
        v[0] = CStringGetTextDatum(e->function);
        v[1] = Int64GetDatum(e->calls);
        v[2] = Int64GetDatum(e->errors);
        v[3] = Int64GetDatum(e->function_errors);
        v[4] = Int64GetDatum(e->service_errors);
        v[5] = Int64GetDatum(e->transport_errors);
        v[6] = Int64GetDatum(e->retries);
        v[7] = Int64GetDatum(e->throttles);
        v[8] = Float8GetDatum(e->total_ms);
        v[9] = Float8GetDatum(e->calls ? e->total_ms / (double)e->calls : 0.0);
        v[10] = Float8GetDatum(e->max_ms);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
    }
    if (stats_lock) LWLockRelease(stats_lock);
    PG_RETURN_VOID();
}

/* aws_lambda.stats_reset(): forgets every function's counters. */
Datum aws_lambda_stats_reset(PG_FUNCTION_ARGS) {
    HASH_SEQ_STATUS seq;
    stats_entry *e;
    if (stats_in_shmem && !stats_hash) PG_RETURN_VOID();
    if (!stats_in_shmem) local_hash();
    if (stats_lock) LWLockAcquire(stats_lock, LW_EXCLUSIVE);
    hash_seq_init(&seq, stats_hash);
    while ((e = hash_seq_search(&seq)) != NULL) hash_search(stats_hash, e->function, HASH_REMOVE, NULL);
    if (stats_lock) LWLockRelease(stats_lock);
    PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(aws_lambda_stats_shared);
/* aws_lambda.stats_shared(): true when statistics cover every backend. */
Datum aws_lambda_stats_shared(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(stats_in_shmem); }
