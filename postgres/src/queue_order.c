/*
 * queue_order.c — what ordered delivery (order_key) needs on the writing
 * side, shared by enqueue and trigger_invoke: the key's check (1 to
 * AWSQ_ORDER_KEY_MAX bytes), its 64-bit hash (the same in every process:
 * the worker tracks keys in flight by it) and the transaction-level lock
 * that serializes writers of one key. The lock is an advisory lock in the
 * extension's own lock space (pg_locks: locktype advisory, objsubid
 * AWSQ_ORDER_LOCK_SPACE; pg_advisory_lock's keys use 1 and 2), taken before
 * the entry's id is drawn and held until the transaction ends, so within a
 * key id order is commit order: a second writer of the key waits until the
 * first commits or aborts, then draws a higher id. docs/postgres.md,
 * "Ordered delivery".
 */
#include "queue.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include <string.h>

void awsq_order_key_check(const char *who, const char *key) {
    size_t n = strlen(key);
    if (n == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: order_key must not be empty", who),
                        errhint("Use NULL for an entry without ordering.")));
    if (n > AWSQ_ORDER_KEY_MAX)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: order_key must be at most %d bytes (got %zu)", who,
                               AWSQ_ORDER_KEY_MAX, n)));
}

uint64 awsq_order_hash(const char *function, const char *key) {
    size_t fl = strlen(function), kl = strlen(key);
    char *buf = palloc(fl + kl + 1);
    memcpy(buf, function, fl);
    buf[fl] = '\0'; /* a name never contains NUL: ("ab","c") and ("a","bc") differ */
    memcpy(buf + fl + 1, key, kl);
    uint64 h = hash_bytes_extended((const unsigned char *)buf, (int)(fl + kl + 1), 0x5157);
    pfree(buf);
    return h;
}

void awsq_order_lock(const char *function, const char *key) {
    LOCKTAG tag;
    uint64 h = awsq_order_hash(function, key);
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32)(h >> 32), (uint32)h, AWSQ_ORDER_LOCK_SPACE);
    (void)LockAcquire(&tag, ExclusiveLock, false, false);
}
