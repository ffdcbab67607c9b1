/*
 * queue_shmem.c — the little the delivery worker shares with backends:
 * its latch (a backend that enqueued sets it at commit, so delivery starts
 * at once without polling) and the per-function count of queue entries it
 * holds (the in_flight column of aws_lambda.queue_status, read through
 * aws_lambda.worker_in_flight()), and each function's flow control state
 * (circuit breaker, limit of calls in flight: aws_lambda.worker_flow(),
 * flow_sql.c).
 */
#include "queue.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "port/atomics.h"
#include "storage/spin.h"
#include "utils/builtins.h"

#include <string.h>

typedef struct queue_shared {
    slock_t mutex;
    Latch *worker_latch;
    pg_atomic_uint32 wake_pending; /* set by committers, cleared by the worker */
    int n;
    char names[AWSQ_INFLIGHT_SLOTS][AWSQ_NAME_LEN];
    int counts[AWSQ_INFLIGHT_SLOTS];
    int nflow;
    awsq_flow_pub flow[AWSQ_FLOW_SLOTS];
} queue_shared;

static queue_shared *shared;

PG_FUNCTION_INFO_V1(aws_lambda_worker_in_flight);

Size awsq_shmem_size(void) { return MAXALIGN(sizeof(queue_shared)); }

void awsq_shmem_attach(void) {
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = ShmemInitStruct("aws_lambda queue", sizeof(queue_shared), &found);
    if (!found) {
        memset(shared, 0, sizeof *shared);
        SpinLockInit(&shared->mutex);
        pg_atomic_init_u32(&shared->wake_pending, 0);
    }
    LWLockRelease(AddinShmemInitLock);
}

void awsq_set_worker_latch(Latch *latch) {
    if (!shared) return;
    SpinLockAcquire(&shared->mutex);
    shared->worker_latch = latch;
    if (!latch) shared->n = shared->nflow = 0;
    SpinLockRelease(&shared->mutex);
}

void awsq_wake_worker(void) {
    Latch *l;
    if (!shared) return;
    /* Already woken and not yet claimed: that claim will see this commit. */
    if (pg_atomic_exchange_u32(&shared->wake_pending, 1) != 0) return;
    SpinLockAcquire(&shared->mutex);
    l = shared->worker_latch;
    SpinLockRelease(&shared->mutex);
    if (l) SetLatch(l);
}

void awsq_worker_claiming(void) {
    if (shared) pg_atomic_write_u32(&shared->wake_pending, 0);
    pg_memory_barrier();
}

void awsq_publish_in_flight(int n, const char (*names)[AWSQ_NAME_LEN], const int *counts) {
    if (!shared) return;
    if (n > AWSQ_INFLIGHT_SLOTS) n = AWSQ_INFLIGHT_SLOTS;
    SpinLockAcquire(&shared->mutex);
    shared->n = n;
    memcpy(shared->names, names, (size_t)n * AWSQ_NAME_LEN);
    memcpy(shared->counts, counts, (size_t)n * sizeof(int));
    SpinLockRelease(&shared->mutex);
}

void awsq_publish_flow(int n, const awsq_flow_pub *slots) {
    if (!shared) return;
    if (n > AWSQ_FLOW_SLOTS) n = AWSQ_FLOW_SLOTS;
    SpinLockAcquire(&shared->mutex);
    shared->nflow = n;
    memcpy(shared->flow, slots, (size_t)n * sizeof(awsq_flow_pub));
    SpinLockRelease(&shared->mutex);
}

int awsq_read_flow(awsq_flow_pub *slots) {
    int n = 0;
    if (!shared) return 0;
    SpinLockAcquire(&shared->mutex);
    n = shared->nflow;
    memcpy(slots, shared->flow, (size_t)n * sizeof(awsq_flow_pub));
    SpinLockRelease(&shared->mutex);
    return n;
}

/* aws_lambda.worker_in_flight(): (function_name, in_flight) per function. */
Datum aws_lambda_worker_in_flight(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    char (*names)[AWSQ_NAME_LEN] = palloc(sizeof(char[AWSQ_INFLIGHT_SLOTS][AWSQ_NAME_LEN]));
    int counts[AWSQ_INFLIGHT_SLOTS];
    int n = 0;

    InitMaterializedSRF(fcinfo, 0);
    if (shared) {
        SpinLockAcquire(&shared->mutex);
        n = shared->n;
        memcpy(names, shared->names, (size_t)n * AWSQ_NAME_LEN);
        memcpy(counts, shared->counts, (size_t)n * sizeof(int));
        SpinLockRelease(&shared->mutex);
    }
    for (int i = 0; i < n; i++) {
        Datum values[2];
        bool nulls[2] = {false, false};
        values[0] = CStringGetTextDatum(names[i]);
        values[1] = Int32GetDatum(counts[i]);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}
