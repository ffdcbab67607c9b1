/*
 * queue_shmem.c — what the delivery workers share with backends and with
 * their launcher: one slot per database being served (at most
 * aws_lambda.max_workers), each holding its worker's latch (a backend that
 * enqueued sets it at commit, so delivery starts at once without polling),
 * the per-function count of queue entries it holds (the in_flight column
 * of aws_lambda.queue_status, read through aws_lambda.worker_in_flight())
 * and each function's flow control state (aws_lambda.worker_flow(),
 * flow_sql.c). A slot's life: FREE -> WANTED (a backend of that database
 * or the launcher's scan asked for a worker) -> STARTED (the launcher
 * registered it) -> FREE when the worker exits for good; STOP asks the
 * launcher to end it (DROP DATABASE and friends: worker_launcher.c).
 */
#include "queue.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "port/atomics.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include <string.h>

typedef struct db_slot {
    slock_t mutex;                 /* guards everything below but the atomic */
    awsq_slot_state state;
    Oid dboid;
    uint64 generation;             /* of the registration serving it */
    bool want_again;               /* asked for while STOP/HELD: WANTED, not FREE, after */
    bool hold;                     /* STOP: to HELD, not FREE, once stopped */
    pid_t pid;                     /* the worker's, while it runs */
    Latch *worker_latch;
    pg_atomic_uint32 wake_pending; /* set by committers, cleared by the worker */
    pg_atomic_uint64 low_id;       /* lowest id woken for since the last claim (or NO_LOW) */
    int n;
    char names[AWSQ_INFLIGHT_SLOTS][AWSQ_NAME_LEN];
    int counts[AWSQ_INFLIGHT_SLOTS];
    int nflow;
    awsq_flow_pub flow[AWSQ_FLOW_SLOTS];
} db_slot;

typedef struct queue_shared {
    slock_t mutex; /* slot states and database oids, the launcher's latch */
    TimestampTz epoch; /* when this memory was set up (a crash restart resets it) */
    /* databases whose request found every slot taken: the launcher asks
     * again when a slot frees (unserved_all: more than fit here) */
    int nunserved;
    Oid unserved[AWSQ_UNSERVED_MAX];
    bool unserved_all;
    /* databases whose backends were told every slot is taken, so it is
     * logged once per database until a slot frees (then cleared) */
    int nwarned;
    Oid warned[AWSQ_UNSERVED_MAX];
    Latch *launcher_latch;
    int nslots;
    db_slot slots[FLEXIBLE_ARRAY_MEMBER];
} queue_shared;

#define NO_LOW PG_UINT64_MAX

static queue_shared *shared;
static int my_slot = -1; /* this backend's database's slot, a hint checked on use */

PG_FUNCTION_INFO_V1(aws_lambda_worker_in_flight);

Size awsq_shmem_size(void) {
    return MAXALIGN(add_size(offsetof(queue_shared, slots),
                             mul_size(sizeof(db_slot), (Size)awsq_max_workers)));
}

void awsq_shmem_attach(void) {
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = ShmemInitStruct("aws_lambda queue", awsq_shmem_size(), &found);
    if (!found) {
        memset(shared, 0, awsq_shmem_size());
        SpinLockInit(&shared->mutex);
        shared->epoch = GetCurrentTimestamp();
        shared->nslots = awsq_max_workers;
        for (int i = 0; i < shared->nslots; i++) {
            SpinLockInit(&shared->slots[i].mutex);
            pg_atomic_init_u32(&shared->slots[i].wake_pending, 0);
            pg_atomic_init_u64(&shared->slots[i].low_id, NO_LOW);
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

int awsq_slot_count(void) { return shared ? shared->nslots : 0; }

/* The slot serving database db (any state but FREE), or -1. Caller holds
 * shared->mutex. */
static int find_locked(Oid db) {
    for (int i = 0; i < shared->nslots; i++)
        if (shared->slots[i].state != AWSQ_SLOT_FREE && shared->slots[i].dboid == db) return i;
    return -1;
}

/* This backend's database's slot if a worker is registered for it, else -1. */
static int mine(void) {
    int s = my_slot;
    if (!shared) return -1;
    if (s >= 0 && s < shared->nslots && shared->slots[s].dboid == MyDatabaseId &&
        shared->slots[s].state == AWSQ_SLOT_STARTED)
        return s;
    SpinLockAcquire(&shared->mutex);
    s = find_locked(MyDatabaseId);
    SpinLockRelease(&shared->mutex);
    my_slot = s;
    return s;
}

void awsq_set_launcher_latch(Latch *latch) {
    if (!shared) return;
    SpinLockAcquire(&shared->mutex);
    shared->launcher_latch = latch;
    SpinLockRelease(&shared->mutex);
}

static void wake_launcher(void) {
    Latch *l;
    SpinLockAcquire(&shared->mutex);
    l = shared->launcher_latch;
    SpinLockRelease(&shared->mutex);
    if (l) SetLatch(l);
}

int awsq_request_worker(Oid db) {
    int s, free_slot = -1;
    if (!shared) return AWSQ_REQ_NONE;
    SpinLockAcquire(&shared->mutex);
    s = find_locked(db);
    if (s >= 0 && (shared->slots[s].state == AWSQ_SLOT_STOP || shared->slots[s].state == AWSQ_SLOT_HELD))
        shared->slots[s].want_again = true;
    if (s < 0) {
        for (int i = 0; i < shared->nslots && free_slot < 0; i++)
            if (shared->slots[i].state == AWSQ_SLOT_FREE) free_slot = i;
        if (free_slot >= 0) {
            shared->slots[free_slot].state = AWSQ_SLOT_WANTED;
            shared->slots[free_slot].dboid = db;
            shared->slots[free_slot].want_again = false;
        } else {
            bool known = false;
            for (int i = 0; i < shared->nunserved; i++) known |= shared->unserved[i] == db;
            if (!known && shared->nunserved < AWSQ_UNSERVED_MAX)
                shared->unserved[shared->nunserved++] = db;
            else if (!known)
                shared->unserved_all = true;
        }
    }
    SpinLockRelease(&shared->mutex);
    if (s >= 0) return AWSQ_REQ_EXISTS;
    if (free_slot < 0) return AWSQ_REQ_FULL;
    wake_launcher();
    return AWSQ_REQ_ASKED;
}

bool awsq_stop_worker(Oid db, bool hold) {
    int s;
    Latch *l = NULL;
    if (!shared) return false;
    SpinLockAcquire(&shared->mutex);
    s = find_locked(db);
    if (s >= 0) {
        db_slot *d = &shared->slots[s];
        d->want_again = false;
        d->hold = hold;
        if (d->state == AWSQ_SLOT_WANTED) { /* not registered: nothing runs */
            d->state = hold ? AWSQ_SLOT_HELD : AWSQ_SLOT_FREE;
            if (!hold) d->dboid = InvalidOid;
        } else if (d->state != AWSQ_SLOT_HELD) {
            d->state = AWSQ_SLOT_STOP;
        }
    }
    SpinLockRelease(&shared->mutex);
    if (s < 0) return false;
    /* The worker sees STOP at its next wake even if the launcher is down. */
    SpinLockAcquire(&shared->slots[s].mutex);
    l = shared->slots[s].worker_latch;
    SpinLockRelease(&shared->slots[s].mutex);
    if (l) SetLatch(l);
    wake_launcher();
    return true;
}

bool awsq_worker_gone(Oid db) {
    bool gone;
    int s;
    if (!shared) return true;
    SpinLockAcquire(&shared->mutex);
    s = find_locked(db);
    gone = s < 0 || shared->slots[s].state == AWSQ_SLOT_HELD;
    SpinLockRelease(&shared->mutex);
    return gone;
}

void awsq_release_worker(Oid db, bool again) {
    int s;
    if (!shared) return;
    SpinLockAcquire(&shared->mutex);
    s = find_locked(db);
    if (s >= 0) {
        db_slot *d = &shared->slots[s];
        again = again || d->want_again;
        if (d->state == AWSQ_SLOT_HELD) {
            d->state = again ? AWSQ_SLOT_WANTED : AWSQ_SLOT_FREE;
            if (!again) d->dboid = InvalidOid;
            d->want_again = d->hold = false;
        } else if (d->state == AWSQ_SLOT_STOP) { /* still stopping: decided then */
            d->hold = false;
            d->want_again = again;
        }
    }
    SpinLockRelease(&shared->mutex);
    if (s >= 0) wake_launcher();
}

awsq_slot_state awsq_slot_get(int slot, Oid *db, uint64 *generation, pid_t *pid) {
    awsq_slot_state st;
    SpinLockAcquire(&shared->mutex);
    st = shared->slots[slot].state;
    *db = shared->slots[slot].dboid;
    *generation = shared->slots[slot].generation;
    SpinLockRelease(&shared->mutex);
    SpinLockAcquire(&shared->slots[slot].mutex);
    *pid = shared->slots[slot].pid;
    SpinLockRelease(&shared->slots[slot].mutex);
    return st;
}

bool awsq_slot_move(int slot, uint64 generation, int from, awsq_slot_state to,
                    awsq_slot_ticket *ticket) {
    bool moved = false;
    SpinLockAcquire(&shared->mutex);
    db_slot *d = &shared->slots[slot];
    if (d->generation == generation && (from & (1 << d->state))) {
        moved = true;
        if (to == AWSQ_SLOT_FREE && d->state == AWSQ_SLOT_STOP && d->hold) {
            to = AWSQ_SLOT_HELD; /* its database's until the statement is done */
        } else if (to == AWSQ_SLOT_FREE && d->state == AWSQ_SLOT_STOP && d->want_again) {
            to = AWSQ_SLOT_WANTED; /* asked for again while it stopped */
            d->want_again = false;
        }
        d->state = to;
        if (to == AWSQ_SLOT_FREE) d->dboid = InvalidOid;
        if (to != AWSQ_SLOT_HELD) d->hold = false;
        if (to == AWSQ_SLOT_STARTED) {
            d->generation++;
            if (ticket) {
                ticket->epoch = shared->epoch;
                ticket->generation = d->generation;
            }
        }
    }
    SpinLockRelease(&shared->mutex);
    return moved;
}

int awsq_take_unserved(Oid *dbs, bool *all) {
    int n = 0;
    SpinLockAcquire(&shared->mutex);
    for (int i = 0; i < shared->nslots; i++) n += shared->slots[i].state == AWSQ_SLOT_FREE;
    if (n == 0) { /* nothing to give them yet */
        SpinLockRelease(&shared->mutex);
        *all = false;
        return 0;
    }
    n = shared->nunserved;
    memcpy(dbs, shared->unserved, sizeof(Oid) * (size_t)n);
    *all = shared->unserved_all;
    shared->nunserved = 0;
    shared->unserved_all = false;
    shared->nwarned = 0;
    SpinLockRelease(&shared->mutex);
    return n;
}

Oid awsq_slot_claim(int slot, awsq_slot_ticket t) {
    Oid db = InvalidOid;
    if (!shared || slot < 0 || slot >= shared->nslots) return InvalidOid;
    SpinLockAcquire(&shared->mutex);
    db_slot *d = &shared->slots[slot];
    if (shared->epoch == t.epoch && d->generation == t.generation && d->state == AWSQ_SLOT_STARTED)
        db = d->dboid;
    SpinLockRelease(&shared->mutex);
    return db;
}

void awsq_worker_attach(int slot, Latch *latch) {
    db_slot *d;
    if (!shared || slot < 0 || slot >= shared->nslots) return;
    my_slot = slot;
    d = &shared->slots[slot];
    SpinLockAcquire(&d->mutex);
    d->worker_latch = latch;
    d->pid = latch ? MyProcPid : 0;
    if (!latch) d->n = d->nflow = 0;
    SpinLockRelease(&d->mutex);
}

/* True the first time db is refused a worker since slots last freed (and
 * when the list of such databases is full: better a repeated line than a
 * silent one). */
static bool first_refusal(Oid db) {
    bool first = true;
    SpinLockAcquire(&shared->mutex);
    for (int i = 0; i < shared->nwarned && first; i++) first = shared->warned[i] != db;
    if (first && shared->nwarned < AWSQ_UNSERVED_MAX) shared->warned[shared->nwarned++] = db;
    SpinLockRelease(&shared->mutex);
    return first;
}

void awsq_wake_worker(int64 low_id) {
    Latch *l;
    db_slot *d;
    int s = mine();
    if (s < 0) {
        /* No worker for this database yet (the extension was just created,
         * or the launcher has not found it): ask for one. Every slot taken
         * is logged once per database until a slot frees, not at every
         * commit. */
        if (awsq_request_worker(MyDatabaseId) == AWSQ_REQ_FULL && first_refusal(MyDatabaseId))
            ereport(LOG, (errmsg("aws_lambda: no delivery worker for database %u: all "
                                 "aws_lambda.max_workers (%d) are serving other databases",
                                 MyDatabaseId, awsq_max_workers),
                          errhint("Raise aws_lambda.max_workers (and max_worker_processes) and "
                                  "restart the server.")));
        return;
    }
    d = &shared->slots[s];
    /* The lowest id first, then the wake: a claim that cleared wake_pending
     * before this exchange takes the id after it (awsq_worker_claiming), or
     * this exchange sets the latch for the next claim. */
    if (low_id > 0) {
        uint64 cur = pg_atomic_read_u64(&d->low_id);
        while ((uint64)low_id < cur &&
               !pg_atomic_compare_exchange_u64(&d->low_id, &cur, (uint64)low_id)) {
        }
    }
    pg_memory_barrier();
    /* Already woken and not yet claimed: that claim will see this commit. */
    if (pg_atomic_exchange_u32(&d->wake_pending, 1) != 0) return;
    SpinLockAcquire(&d->mutex);
    l = d->worker_latch;
    SpinLockRelease(&d->mutex);
    if (l) SetLatch(l);
}

int64 awsq_worker_claiming(void) {
    uint64 low;
    if (!shared || my_slot < 0) return 0;
    pg_atomic_write_u32(&shared->slots[my_slot].wake_pending, 0);
    pg_memory_barrier();
    low = pg_atomic_exchange_u64(&shared->slots[my_slot].low_id, NO_LOW);
    return low == NO_LOW ? 0 : (int64)low;
}

bool awsq_worker_stop_requested(void) {
    bool stop;
    if (!shared || my_slot < 0) return false;
    SpinLockAcquire(&shared->mutex);
    stop = shared->slots[my_slot].state == AWSQ_SLOT_STOP ||
           shared->slots[my_slot].dboid != MyDatabaseId;
    SpinLockRelease(&shared->mutex);
    return stop;
}

void awsq_publish_in_flight(int n, const char (*names)[AWSQ_NAME_LEN], const int *counts) {
    db_slot *d;
    if (!shared || my_slot < 0) return;
    d = &shared->slots[my_slot];
    if (n > AWSQ_INFLIGHT_SLOTS) n = AWSQ_INFLIGHT_SLOTS;
    SpinLockAcquire(&d->mutex);
    d->n = n;
    memcpy(d->names, names, (size_t)n * AWSQ_NAME_LEN);
    memcpy(d->counts, counts, (size_t)n * sizeof(int));
    SpinLockRelease(&d->mutex);
}

void awsq_publish_flow(int n, const awsq_flow_pub *slots) {
    db_slot *d;
    if (!shared || my_slot < 0) return;
    d = &shared->slots[my_slot];
    if (n > AWSQ_FLOW_SLOTS) n = AWSQ_FLOW_SLOTS;
    SpinLockAcquire(&d->mutex);
    d->nflow = n;
    memcpy(d->flow, slots, (size_t)n * sizeof(awsq_flow_pub));
    SpinLockRelease(&d->mutex);
}

int awsq_read_flow(awsq_flow_pub *slots) {
    int n = 0, s = mine();
    db_slot *d;
    if (s < 0) return 0;
    d = &shared->slots[s];
    SpinLockAcquire(&d->mutex);
    n = d->nflow;
    memcpy(slots, d->flow, (size_t)n * sizeof(awsq_flow_pub));
    SpinLockRelease(&d->mutex);
    return n;
}

/* aws_lambda.worker_in_flight(): (function_name, in_flight) per function,
 * as this database's worker published them. */
Datum aws_lambda_worker_in_flight(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    char (*names)[AWSQ_NAME_LEN] = palloc(sizeof(char[AWSQ_INFLIGHT_SLOTS][AWSQ_NAME_LEN]));
    int counts[AWSQ_INFLIGHT_SLOTS];
    int n = 0, s = mine();

    InitMaterializedSRF(fcinfo, 0);
    if (s >= 0) {
        db_slot *d = &shared->slots[s];
        SpinLockAcquire(&d->mutex);
        n = d->n;
        memcpy(names, d->names, (size_t)n * AWSQ_NAME_LEN);
        memcpy(counts, d->counts, (size_t)n * sizeof(int));
        SpinLockRelease(&d->mutex);
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
