/*
 * worker_claim.c — the delivery worker's claim step: in one short
 * transaction, reads committed queue entries that are due (a sweep scans
 * from the lowest id and skips entries the worker already holds; the quick
 * form reads only ids above the highest ever claimed), reads the batching
 * table, and files each entry into a delivery: alone, or into its
 * function's open batch {"records":[...]} (closed when max_records or
 * max_bytes would be exceeded, or when linger_ms passes). Functions that
 * flow control holds back (paused, breaker open, enough held for a lowered
 * limit: flow_worker.c) are left out of the claim. Claiming writes
 * nothing: held ids live in the worker's memory, so after a crash every
 * entry is simply claimable again.
 */
#include "queue.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/lsyscache.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include <string.h>

typedef struct batch_conf {
    char function[AWSQ_NAME_LEN];
    int max_records, max_bytes, linger_ms;
} batch_conf;

static SPIPlanPtr conf_plan;
static batch_conf *confs;
static int nconfs;

static bool nullable_same(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

void awsq_held_count(const char *function, int delta) {
    awsq_worker *w = &awsq_w;
    int i;
    awsq_flow_held(function, delta);
    for (i = 0; i < w->nfn; i++)
        if (strncmp(w->fn_names[i], function, AWSQ_NAME_LEN - 1) == 0) break; /* names are kept truncated */
    if (i == w->nfn) { /* not tracked by name: counted under "(other)" */
        for (i = 0; i < w->nfn; i++)
            if (strcmp(w->fn_names[i], "(other)") == 0) break;
        if (i == w->nfn && delta > 0) {
            /* a new name gets a slot; the last slot is kept for "(other)" */
            const char *name = w->nfn < AWSQ_INFLIGHT_SLOTS - 1 ? function : "(other)";
            if (w->nfn == AWSQ_INFLIGHT_SLOTS) return;
            w->nfn++;
            strlcpy(w->fn_names[i], name, AWSQ_NAME_LEN);
            w->fn_counts[i] = 0;
        }
        if (i == w->nfn) return;
    }
    w->fn_counts[i] += delta;
    if (w->fn_counts[i] <= 0) { /* drop the slot: move the last one here */
        w->nfn--;
        if (i != w->nfn) {
            memcpy(w->fn_names[i], w->fn_names[w->nfn], AWSQ_NAME_LEN);
            w->fn_counts[i] = w->fn_counts[w->nfn];
        }
    }
}

void awsq_key_held(uint64 key_hash, int delta) {
    bool found;
    awsq_key_count *k = hash_search(awsq_w.keys, &key_hash, HASH_ENTER, &found);
    if (!found) k->n = 0;
    k->n += delta;
    if (k->n <= 0) hash_search(awsq_w.keys, &key_hash, HASH_REMOVE, NULL);
}

static bool key_is_held(uint64 key_hash) {
    return hash_search(awsq_w.keys, &key_hash, HASH_FIND, NULL) != NULL;
}

static void load_confs(void) {
    if (!conf_plan)
        conf_plan = awsq_keep_plan("SELECT function_name, max_records, max_bytes, linger_ms "
                                   "FROM aws_lambda.batching",
                                   0, NULL);
    if (SPI_execute_plan(conf_plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "aws_lambda worker: reading aws_lambda.batching failed");
    if (confs) pfree(confs);
    nconfs = (int)SPI_processed;
    confs = MemoryContextAllocZero(awsq_w.cxt, sizeof(batch_conf) * (nconfs + 1));
    for (int i = 0; i < nconfs; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        char *fn = SPI_getvalue(t, d, 1);
        strlcpy(confs[i].function, fn ? fn : "", AWSQ_NAME_LEN);
        confs[i].max_records = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
        confs[i].max_bytes = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
        confs[i].linger_ms = DatumGetInt32(SPI_getbinval(t, d, 4, &isnull));
    }
}

static void conf_for(const char *function, bool request_response, int *records, int *bytes,
                     int *linger) {
    *records = awsq_batch_max_records;
    *bytes = awsq_batch_max_bytes;
    *linger = awsq_batch_linger_ms;
    for (int i = 0; i < nconfs; i++)
        if (strcmp(confs[i].function, function) == 0) {
            *records = confs[i].max_records;
            *bytes = confs[i].max_bytes;
            *linger = confs[i].linger_ms;
            break;
        }
    /* A batch must fit Lambda's limit for its invocation type. */
    int limit = request_response ? SQLAMBDA_MAX_SYNC_PAYLOAD : SQLAMBDA_MAX_EVENT_PAYLOAD;
    if (*bytes > limit) *bytes = limit;
}

static void make_ready(awsq_delivery *d) {
    awsq_worker *w = &awsq_w;
    d->next = NULL;
    if (w->ready_tail) w->ready_tail->next = d;
    else w->ready = d;
    w->ready_tail = d;
}

double awsq_flush_batches(double now_ms, bool all) {
    awsq_worker *w = &awsq_w;
    awsq_delivery **pp = &w->open;
    double earliest = 0;
    while (*pp) {
        awsq_delivery *d = *pp;
        if (all || d->send_at_ms <= now_ms) {
            *pp = d->next;
            make_ready(d);
        } else {
            if (earliest == 0 || d->send_at_ms < earliest) earliest = d->send_at_ms;
            pp = &d->next;
        }
    }
    return earliest;
}

static awsq_delivery *new_delivery(const char *fn, const char *q, const char *r, bool rr) {
    awsq_delivery *d = MemoryContextAllocZero(awsq_w.cxt, sizeof *d);
    d->function = MemoryContextStrdup(awsq_w.cxt, fn);
    d->qualifier = q ? MemoryContextStrdup(awsq_w.cxt, q) : NULL;
    d->region = r ? MemoryContextStrdup(awsq_w.cxt, r) : NULL;
    d->request_response = rr;
    return d;
}

static void add_entry(awsq_delivery *d, awsq_entry *e) {
    e->next = NULL;
    if (d->last) d->last->next = e;
    else d->first = e;
    d->last = e;
    d->n++;
    d->bytes += (size_t)e->payload_len + 1;
    if (e->callback) d->callbacks = true;
}

/* Files one claimed entry into a delivery. Returns the batch it went into
 * while that is still open (filling), else NULL. */
static awsq_delivery *file_entry(const char *fn, const char *q, const char *r, bool rr,
                                 awsq_entry *e, double now_ms) {
    awsq_worker *w = &awsq_w;
    int max_records, max_bytes, linger;
    conf_for(fn, rr, &max_records, &max_bytes, &linger);
    if (max_records <= 1) {
        awsq_delivery *d = new_delivery(fn, q, r, rr);
        d->max_records = 1;
        add_entry(d, e);
        d->bytes = (size_t)e->payload_len;
        make_ready(d);
        return NULL;
    }
    /* {"records":[ ... ]} costs 13 bytes around the records, 1 per comma. */
    awsq_delivery *d = NULL, **pp;
    for (pp = &w->open; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->function, fn) == 0 && nullable_same((*pp)->qualifier, q) &&
            nullable_same((*pp)->region, r) && (*pp)->request_response == rr) {
            d = *pp;
            break;
        }
    if (d && 13 + d->bytes + (size_t)e->payload_len > (size_t)max_bytes) {
        *pp = d->next; /* full by bytes: send it, start another */
        make_ready(d);
        d = NULL;
    }
    if (!d) {
        d = new_delivery(fn, q, r, rr);
        d->max_records = max_records;
        d->max_bytes = max_bytes;
        d->send_at_ms = now_ms + linger;
        d->next = w->open;
        w->open = d;
    }
    add_entry(d, e);
    if (d->n >= max_records || 13 + d->bytes >= (size_t)max_bytes) {
        for (pp = &w->open; *pp != d; pp = &(*pp)->next) {}
        *pp = d->next;
        make_ready(d);
        return NULL;
    }
    return d;
}

/* Makes a claimed row (columns as CLAIM_COLUMNS) an entry the worker
 * holds. key: its order_key (NULL: none); callback: it has an on_result. */
static awsq_entry *hold_row(HeapTuple t, TupleDesc d, int64 id, const char *fn, const char *key,
                            bool callback) {
    awsq_worker *w = &awsq_w;
    bool isnull, found;
    char *payload = SPI_getvalue(t, d, 6);
    awsq_entry *e = MemoryContextAllocZero(w->cxt, sizeof *e);
    if (!key && id > w->max_seen) w->max_seen = id; /* keyed entries are found by their key */
    hash_search(w->held, &id, HASH_ENTER, &found);
    w->nheld++;
    e->id = id;
    e->attempts = DatumGetInt32(SPI_getbinval(t, d, 7, &isnull));
    e->callback = callback;
    e->payload_len = (int)strlen(payload);
    e->payload = MemoryContextAlloc(w->cxt, e->payload_len + 1);
    memcpy(e->payload, payload, e->payload_len + 1);
    pfree(payload);
    w->held_bytes += e->payload_len;
    if (key) {
        e->keyed = true;
        e->key_hash = awsq_order_hash(fn, key);
        awsq_key_held(e->key_hash, 1);
    }
    awsq_held_count(fn, 1);
    return e;
}

/* The head of a key went into batch b, still open: its due successors of
 * the same key follow it, in id order, while they fit b (same qualifier,
 * region and type, within max_records and max_bytes). Stops at the first
 * that does not: the rest wait for the key's next claim. Returns how many
 * were added. */
static int take_successors(awsq_delivery *b, const char *fn, const char *key, int64 head_id,
                           int limit) {
    static SPIPlanPtr plan;
    awsq_worker *w = &awsq_w;
    int n = 0;
    if (!plan) {
        Oid types[4] = {TEXTOID, TEXTOID, INT8OID, INT8OID};
        plan = awsq_keep_plan("SELECT id, function_name, qualifier, region, "
                              "invocation_type = 'RequestResponse', payload::text, attempts, "
                              "order_key, next_attempt_at <= now(), on_result IS NOT NULL "
                              "FROM aws_lambda.queue "
                              "WHERE order_key IS NOT NULL AND function_name = $1 AND "
                              "order_key = $2 AND id > $3 ORDER BY id LIMIT $4",
                              4, types);
    }
    int room = Min(b->max_records - b->n, limit);
    if (room <= 0) return 0;
    Datum args[4] = {CStringGetTextDatum(fn), CStringGetTextDatum(key), Int64GetDatum(head_id),
                     Int64GetDatum((int64)room)};
    if (SPI_execute_plan(plan, args, NULL, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "aws_lambda worker: reading aws_lambda.queue failed");
    SPITupleTable *tt = SPI_tuptable;
    uint64 rows = SPI_processed;
    for (uint64 i = 0; i < rows; i++) {
        HeapTuple t = tt->vals[i];
        TupleDesc d = tt->tupdesc;
        bool isnull;
        int64 id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        char *q = SPI_getvalue(t, d, 3);
        char *r = SPI_getvalue(t, d, 4);
        bool rr = DatumGetBool(SPI_getbinval(t, d, 5, &isnull));
        bool due = DatumGetBool(SPI_getbinval(t, d, 9, &isnull));
        size_t len = strlen(SPI_getvalue(t, d, 6)); /* as hold_row measures it */
        if (!due || hash_search(w->held, &id, HASH_FIND, NULL) || !nullable_same(q, b->qualifier) ||
            !nullable_same(r, b->region) || rr != b->request_response ||
            13 + b->bytes + len > (size_t)b->max_bytes || !awsq_flow_claimable(fn) ||
            w->held_bytes >= AWSQ_HOLD_BYTES)
            break;
        bool cb = DatumGetBool(SPI_getbinval(t, d, 10, &isnull));
        add_entry(b, hold_row(t, d, id, fn, key, cb));
        n++;
        if (b->n >= b->max_records || 13 + b->bytes >= (size_t)b->max_bytes) {
            awsq_delivery **pp;
            for (pp = &w->open; *pp != b; pp = &(*pp)->next) {}
            *pp = b->next;
            make_ready(b);
            break;
        }
    }
    SPI_freetuptable(tt);
    return n;
}

/* Files the rows of a claim query (id, function_name, qualifier, region,
 * is RequestResponse, payload text, attempts [, order_key, has on_result]), read through
 * a cursor in small chunks; skips held ids and keys the worker holds
 * entries of; stops at limit entries or when the held payload bytes reach
 * AWSQ_HOLD_BYTES (then more_ready is set). */
static int take_rows(SPIPlanPtr plan, Datum *args, int limit, double now_ms) {
    awsq_worker *w = &awsq_w;
    int claimed = 0;
    Portal portal = SPI_cursor_open(NULL, plan, args, NULL, true);
    while (claimed < limit) {
        if (w->held_bytes >= AWSQ_HOLD_BYTES) {
            w->claim_truncated = true;
            break;
        }
        SPI_cursor_fetch(portal, true, 64);
        SPITupleTable *tt = SPI_tuptable; /* take_successors runs queries of its own */
        uint64 rows = SPI_processed;
        if (rows == 0) break;
        for (uint64 i = 0; i < rows && claimed < limit; i++) {
            HeapTuple t = tt->vals[i];
            TupleDesc d = tt->tupdesc;
            bool isnull;
            int64 id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
            if (hash_search(w->held, &id, HASH_FIND, NULL)) {
                w->claim_skipped = true;
                continue;
            }
            char *fn = SPI_getvalue(t, d, 2);
            if (!awsq_flow_claimable(fn)) { /* held back (filled up during this claim) */
                pfree(fn);
                w->claim_skipped = true;
                continue;
            }
            char *key = d->natts >= 8 ? SPI_getvalue(t, d, 8) : NULL;
            /* one at a time: its next entry is claimed when its delivery
             * is recorded (no sweep owed) */
            if (key && key_is_held(awsq_order_hash(fn, key))) continue;
            if (w->held_bytes >= AWSQ_HOLD_BYTES) {
                w->claim_truncated = true;
                break;
            }
            claimed++;
            char *q = SPI_getvalue(t, d, 3);
            char *r = SPI_getvalue(t, d, 4);
            bool rr = DatumGetBool(SPI_getbinval(t, d, 5, &isnull));
            bool cb = d->natts >= 9 && DatumGetBool(SPI_getbinval(t, d, 9, &isnull));
            awsq_entry *e = hold_row(t, d, id, fn, key, cb);
            awsq_delivery *open = file_entry(fn, q, r, rr, e, now_ms);
            if (key && open) claimed += take_successors(open, fn, key, id, limit - claimed);
        }
        SPI_freetuptable(tt);
        if (w->claim_truncated) break;
    }
    SPI_cursor_close(portal);
    return claimed;
}

/* The claim queries, for a queue with order_key (1.1.0 on) and, while a
 * database is still at 1.0, without. Entries with a key are left to
 * claim_keyed. */
typedef struct claim_plans {
    SPIPlanPtr above, sweep_ids, sweep_rows;
} claim_plans;

#define CLAIM_COLUMNS_10                                                                          \
    "SELECT id, function_name, qualifier, region, invocation_type = 'RequestResponse', "         \
    "payload::text, attempts FROM aws_lambda.queue"
#define CLAIM_COLUMNS                                                                             \
    "SELECT id, function_name, qualifier, region, invocation_type = 'RequestResponse', "         \
    "payload::text, attempts, order_key, on_result IS NOT NULL FROM aws_lambda.queue"
#define CLAIM_COLUMNS_KEYED                                                                       \
    "SELECT q.id, q.function_name, q.qualifier, q.region, q.invocation_type = 'RequestResponse', " \
    "q.payload::text, q.attempts, q.order_key, q.on_result IS NOT NULL "

static claim_plans *plans_for(bool ordered) {
    static claim_plans p10, p11;
    claim_plans *p = ordered ? &p11 : &p10;
    const char *unkeyed = ordered ? "AND order_key IS NULL " : "";
    Oid t3[3] = {INT8OID, INT8OID, TEXTARRAYOID};
    Oid t4[4] = {INT8OID, INT8OID, TEXTARRAYOID, INT8OID};
    Oid t1[1] = {INT8ARRAYOID};
    char sql[512];
    if (!p->above) {
        snprintf(sql, sizeof sql, "%s WHERE id > $2 AND next_attempt_at <= now() "
                 "AND function_name <> ALL ($3) %sORDER BY id LIMIT $1",
                 ordered ? CLAIM_COLUMNS : CLAIM_COLUMNS_10, unkeyed);
        p->above = awsq_keep_plan(sql, 3, t3);
    }
    if (!p->sweep_ids) {
        snprintf(sql, sizeof sql, "SELECT id FROM aws_lambda.queue WHERE id >= $4 AND id <= $2 "
                 "AND next_attempt_at <= now() AND function_name <> ALL ($3) %sORDER BY id "
                 "LIMIT $1",
                 unkeyed);
        p->sweep_ids = awsq_keep_plan(sql, 4, t4);
    }
    if (!p->sweep_rows) {
        snprintf(sql, sizeof sql, "%s WHERE id = ANY ($1) ORDER BY id",
                 ordered ? CLAIM_COLUMNS : CLAIM_COLUMNS_10);
        p->sweep_rows = awsq_keep_plan(sql, 1, t1);
    }
    return p;
}

/* Due ids from low to max_seen that the worker does not hold (entries of
 * transactions that committed after higher ids were claimed, and retries):
 * ids first, so held entries cost no payload conversion. */
static int sweep_below(claim_plans *p, int64 low, int limit, double now_ms, Datum excluded) {
    awsq_worker *w = &awsq_w;
    Datum args[4];
    Datum *ids;
    int n = 0;

    args[0] = Int64GetDatum((int64)limit + w->nheld);
    args[1] = Int64GetDatum(w->max_seen);
    args[2] = excluded;
    args[3] = Int64GetDatum(low);
    if (SPI_execute_plan(p->sweep_ids, args, NULL, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "aws_lambda worker: reading aws_lambda.queue failed");
    ids = palloc(sizeof(Datum) * (SPI_processed + 1));
    for (uint64 i = 0; i < SPI_processed && n < limit; i++) {
        bool isnull;
        int64 id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
                                               &isnull));
        if (!hash_search(w->held, &id, HASH_FIND, NULL)) ids[n++] = Int64GetDatum(id);
    }
    if (n == 0) return 0;
    args[0] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
    return take_rows(p->sweep_rows, args, limit, now_ms);
}

/* The head of every (function, order_key) in the queue that is due and not
 * held back by flow control, oldest first: one index probe per key
 * (queue_order_key_idx, walked key by key), whatever the depth behind each
 * head. take_rows skips the keys the worker holds. */
static int claim_keyed(int limit, double now_ms, Datum excluded) {
    static SPIPlanPtr plan;
    if (!plan) {
        Oid types[1] = {TEXTARRAYOID};
        plan = awsq_keep_plan(
            "WITH RECURSIVE k AS ("
            " (SELECT function_name, order_key FROM aws_lambda.queue WHERE order_key IS NOT NULL"
            "   ORDER BY function_name, order_key LIMIT 1)"
            " UNION ALL"
            " SELECT n.function_name, n.order_key FROM k CROSS JOIN LATERAL"
            "  (SELECT q.function_name, q.order_key FROM aws_lambda.queue q"
            "    WHERE q.order_key IS NOT NULL"
            "      AND (q.function_name, q.order_key) > (k.function_name, k.order_key)"
            "    ORDER BY q.function_name, q.order_key LIMIT 1) n) "
            CLAIM_COLUMNS_KEYED "FROM k CROSS JOIN LATERAL"
            " (SELECT * FROM aws_lambda.queue h WHERE h.order_key IS NOT NULL"
            "   AND h.function_name = k.function_name AND h.order_key = k.order_key"
            "   ORDER BY h.id LIMIT 1) q "
            "WHERE q.next_attempt_at <= now() AND q.function_name <> ALL ($1) ORDER BY q.id",
            1, types);
    }
    Datum args[1] = {excluded};
    return take_rows(plan, args, limit, now_ms);
}

/* Whether this database's queue has order_key (1.1.0 on; 1.0 has not). */
static bool queue_is_ordered(void) {
    Oid nsp = get_namespace_oid("aws_lambda", true);
    Oid rel = OidIsValid(nsp) ? get_relname_relid("queue", nsp) : InvalidOid;
    return OidIsValid(rel) && get_attnum(rel, "order_key") != InvalidAttrNumber;
}

/* The highest id above max_seen this claim's snapshot sees (max_seen if
 * none). */
static int64 newest_id(void) {
    static SPIPlanPtr plan;
    bool isnull;
    Oid t[1] = {INT8OID};
    Datum arg[1] = {Int64GetDatum(awsq_w.max_seen)};
    if (!plan) plan = awsq_keep_plan("SELECT max(id) FROM aws_lambda.queue WHERE id > $1", 1, t);
    if (SPI_execute_plan(plan, arg, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "aws_lambda worker: reading aws_lambda.queue failed");
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    return isnull ? awsq_w.max_seen : DatumGetInt64(d);
}

int awsq_claim(bool sweep, int limit) {
    awsq_worker *w = &awsq_w;
    int claimed = 0;
    double now_ms = awsq_now_ms();
    bool released;

    int64 low = awsq_worker_claiming();
    w->claim_truncated = false;
    w->claim_skipped = false;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    w->claim_ts = GetCurrentTransactionStartTimestamp(); /* the claims' now() */
    /* The claims walk the queue's indexes in id order and stop at their
     * LIMIT. A bitmap scan (the generic plan's choice for "id <= $2", with
     * a few rows expected) reads every index entry and heap page of the
     * range each time, and never marks the dead entries of delivered rows
     * as such: after a burst of 500,000 rows, before autovacuum came,
     * each sweep read 20,000 pages (70 ms) and a commit waited 35 ms for
     * its claim. An index scan pays for the dead entries once, marking
     * them, then skips them. For this transaction only (SET LOCAL). */
    (void)set_config_option("enable_bitmapscan", "off", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
    (void)set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (!OidIsValid(get_extension_oid("aws_lambda", true))) {
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        return -1;
    }
    bool ordered = queue_is_ordered();
    claim_plans *p = plans_for(ordered);
    load_confs();
    awsq_flow_load();
    Datum excluded = awsq_flow_excluded(&released);
    /* A function claimable again (resumed, its breaker half-open, room
     * under its limit) has entries below max_seen: look at every id. */
    if (released) sweep = true;
    /* Else only from the lowest id committers woke us for: a transaction
     * that committed after higher ids were claimed. */
    if (sweep) claimed += sweep_below(p, PG_INT64_MIN, limit, now_ms, excluded);
    else if (low > 0 && low <= w->max_seen) claimed += sweep_below(p, low, limit, now_ms, excluded);
    if (claimed < limit && !w->claim_truncated) {
        Datum args[3];
        int want = limit - claimed;
        bool skipped = w->claim_skipped;
        args[0] = Int64GetDatum((int64)want);
        args[1] = Int64GetDatum(w->max_seen);
        args[2] = excluded;
        w->claim_skipped = false;
        int got = take_rows(p->above, args, want, now_ms);
        claimed += got;
        /* Read to its end, passing over only what its query leaves out
         * (functions paused or held back by flow control: found by the
         * sweep above once claimable again), so no id up to top needs
         * reading again. Otherwise every claim read all of them again: a
         * paused function's backlog cost each claim its whole length. */
        if (got < want && !w->claim_truncated && !w->claim_skipped)
            w->max_seen = newest_id(); /* the same snapshot */
        w->claim_skipped |= skipped;
    }
    if (ordered && claimed < limit && !w->claim_truncated)
        claimed += claim_keyed(limit - claimed, now_ms, excluded);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    if (sweep) w->last_sweep_ms = now_ms;
    w->last_claim_ms = now_ms;
    return claimed;
}
