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
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/array.h"
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
}

/* Files one claimed entry into a delivery. */
static void file_entry(const char *fn, const char *q, const char *r, bool rr, awsq_entry *e,
                       double now_ms) {
    awsq_worker *w = &awsq_w;
    int max_records, max_bytes, linger;
    conf_for(fn, rr, &max_records, &max_bytes, &linger);
    if (max_records <= 1) {
        awsq_delivery *d = new_delivery(fn, q, r, rr);
        d->max_records = 1;
        add_entry(d, e);
        d->bytes = (size_t)e->payload_len;
        make_ready(d);
        return;
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
    }
}

/* Files the rows of a claim query (id, function_name, qualifier, region,
 * is RequestResponse, payload text, attempts), read through a cursor in
 * small chunks; skips held ids; stops at limit entries or when the held
 * payload bytes reach AWSQ_HOLD_BYTES (then more_ready is set). */
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
        if (SPI_processed == 0) break;
        for (uint64 i = 0; i < SPI_processed && claimed < limit; i++) {
            HeapTuple t = SPI_tuptable->vals[i];
            TupleDesc d = SPI_tuptable->tupdesc;
            bool isnull, found;
            int64 id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
            if (hash_search(w->held, &id, HASH_FIND, NULL)) continue;
            char *fn = SPI_getvalue(t, d, 2);
            if (!awsq_flow_claimable(fn)) { /* held back (filled up during this claim) */
                pfree(fn);
                continue;
            }
            if (w->held_bytes >= AWSQ_HOLD_BYTES) {
                w->claim_truncated = true;
                break;
            }
            if (id > w->max_seen) w->max_seen = id;
            hash_search(w->held, &id, HASH_ENTER, &found);
            w->nheld++;
            claimed++;
            char *q = SPI_getvalue(t, d, 3);
            char *r = SPI_getvalue(t, d, 4);
            bool rr = DatumGetBool(SPI_getbinval(t, d, 5, &isnull));
            char *payload = SPI_getvalue(t, d, 6);
            awsq_entry *e = MemoryContextAllocZero(w->cxt, sizeof *e);
            e->id = id;
            e->attempts = DatumGetInt32(SPI_getbinval(t, d, 7, &isnull));
            e->payload_len = (int)strlen(payload);
            e->payload = MemoryContextAlloc(w->cxt, e->payload_len + 1);
            memcpy(e->payload, payload, e->payload_len + 1);
            w->held_bytes += e->payload_len;
            file_entry(fn, q, r, rr, e, now_ms);
            awsq_held_count(fn, 1);
            pfree(payload);
        }
        SPI_freetuptable(SPI_tuptable);
        if (w->claim_truncated) break;
    }
    SPI_cursor_close(portal);
    return claimed;
}

#define CLAIM_COLUMNS                                                                             \
    "SELECT id, function_name, qualifier, region, invocation_type = 'RequestResponse', "         \
    "payload::text, attempts FROM aws_lambda.queue "

/* Due ids at or below max_seen that the worker does not hold (entries of
 * transactions that committed after higher ids were claimed, and retries):
 * ids first, so held entries cost no payload conversion. */
static int sweep_below(int limit, double now_ms, Datum excluded) {
    static SPIPlanPtr ids_plan, rows_plan;
    awsq_worker *w = &awsq_w;
    Oid t2[3] = {INT8OID, INT8OID, TEXTARRAYOID};
    Oid t1[1] = {INT8ARRAYOID};
    Datum args[3];
    Datum *ids;
    int n = 0;

    if (!ids_plan)
        ids_plan = awsq_keep_plan("SELECT id FROM aws_lambda.queue WHERE id <= $2 AND "
                                  "next_attempt_at <= now() AND function_name <> ALL ($3) "
                                  "ORDER BY id LIMIT $1",
                                  3, t2);
    if (!rows_plan)
        rows_plan = awsq_keep_plan(CLAIM_COLUMNS "WHERE id = ANY ($1) ORDER BY id", 1, t1);
    args[0] = Int64GetDatum((int64)limit + w->nheld);
    args[1] = Int64GetDatum(w->max_seen);
    args[2] = excluded;
    if (SPI_execute_plan(ids_plan, args, NULL, true, 0) != SPI_OK_SELECT)
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
    return take_rows(rows_plan, args, limit, now_ms);
}

int awsq_claim(bool sweep, int limit) {
    static SPIPlanPtr above_plan;
    awsq_worker *w = &awsq_w;
    int claimed = 0;
    double now_ms = awsq_now_ms();

    awsq_worker_claiming();
    w->claim_truncated = false;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (!OidIsValid(get_extension_oid("aws_lambda", true))) {
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        return -1;
    }
    if (!above_plan) {
        Oid types[3] = {INT8OID, INT8OID, TEXTARRAYOID};
        above_plan = awsq_keep_plan(CLAIM_COLUMNS "WHERE id > $2 AND next_attempt_at <= now() "
                                                  "AND function_name <> ALL ($3) "
                                                  "ORDER BY id LIMIT $1",
                                    3, types);
    }
    load_confs();
    awsq_flow_load();
    Datum excluded = awsq_flow_excluded();
    if (sweep) claimed += sweep_below(limit, now_ms, excluded);
    if (claimed < limit && !w->claim_truncated) {
        Datum args[3];
        args[0] = Int64GetDatum((int64)(limit - claimed));
        args[1] = Int64GetDatum(w->max_seen);
        args[2] = excluded;
        claimed += take_rows(above_plan, args, limit - claimed, now_ms);
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    if (sweep) w->last_sweep_ms = now_ms;
    w->last_claim_ms = now_ms;
    return claimed;
}
