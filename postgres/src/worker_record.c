/*
 * worker_record.c — records the outcomes of completed deliveries, all that
 * completed together in one short transaction: success deletes the entries
 * (and stores RequestResponse responses in aws_lambda.results); a
 * retryable failure bumps attempts and sets next_attempt_at with capped
 * exponential backoff; a final failure (non-retryable error, function
 * error beyond aws_lambda.retry_function_errors, or the last of
 * aws_lambda.max_delivery_attempts) moves the entries to
 * aws_lambda.dead_letter with the last error. Counts go to
 * aws_lambda.delivery_counts. A delivery of entries with an order_key,
 * whatever its outcome, frees its key: the worker claims again at once so
 * the key's next entry (the same head again after a retry is due) follows
 * without waiting for a sweep. Entries with an on_result get their callback
 * queued in the same transaction (worker_callback.c). Also purges expired results and publishes
 * the held counts to shared memory.
 */
#include "queue.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonfuncs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include <math.h>
#include <string.h>

static SPIPlanPtr delete_plan, results_plan, retry_plan, dead_plan, dead_plan_10, counts_plan,
    purge_plan, first_retry_plan;

typedef enum { OUT_SUCCESS, OUT_RETRY, OUT_DEAD, OUT_RELEASE } outcome;

/* Whether dead_letter has order_key and on_result (1.1.0 on; a database
 * still at 1.0 has neither). */
static bool ordered(void) {
    Oid nsp = get_namespace_oid("aws_lambda", true);
    Oid rel = OidIsValid(nsp) ? get_relname_relid("dead_letter", nsp) : InvalidOid;
    return OidIsValid(rel) && get_attnum(rel, "order_key") != InvalidAttrNumber;
}

static bool retryable(const awsq_delivery *d) {
    switch (d->status) {
    case SQLAMBDA_E_TRANSPORT:
    case SQLAMBDA_E_TIMEOUT:
    case SQLAMBDA_E_THROTTLED:
    case SQLAMBDA_E_RESPONSE:
    case SQLAMBDA_E_CREDENTIALS:
    case SQLAMBDA_E_CONFIG:
    case SQLAMBDA_E_NOMEM: return true;
    case SQLAMBDA_E_SERVICE: return d->http_status == 0 || d->http_status >= 500 ||
                                    d->http_status == 429;
    default: return false;
    }
}

static int max_attempts_of(const awsq_delivery *d) {
    int m = 0;
    for (awsq_entry *e = d->first; e; e = e->next)
        if (e->attempts > m) m = e->attempts;
    return m;
}

static outcome classify(const awsq_delivery *d) {
    int attempts = max_attempts_of(d) + 1; /* this one included */
    if (d->status == SQLAMBDA_OK) return OUT_SUCCESS;
    if (d->status == SQLAMBDA_E_CANCELLED) return OUT_RELEASE;
    if (d->status == SQLAMBDA_E_FUNCTION)
        return attempts <= awsq_retry_function_errors && attempts < awsq_max_delivery_attempts
                   ? OUT_RETRY
                   : OUT_DEAD;
    if (retryable(d) && attempts < awsq_max_delivery_attempts) return OUT_RETRY;
    return OUT_DEAD;
}

static double backoff_ms(int attempts_before) {
    double ms = (double)awsq_retry_base_ms * pow(2.0, Min(attempts_before, 30));
    return Min(ms, (double)awsq_retry_max_ms);
}

static Datum ids_array(const awsq_delivery *d) {
    Datum *ids = palloc(sizeof(Datum) * d->n);
    int i = 0;
    for (awsq_entry *e = d->first; e; e = e->next) ids[i++] = Int64GetDatum(e->id);
    return PointerGetDatum(construct_array(ids, d->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

static SPIPlanPtr plan(SPIPlanPtr *slot, const char *sql, int n, Oid *types) {
    if (!*slot) *slot = awsq_keep_plan(sql, n, types);
    return *slot;
}

static void exec(SPIPlanPtr p, Datum *v, const char *nulls) {
    int rc = SPI_execute_plan(p, v, nulls, false, 0);
    if (rc < 0) elog(ERROR, "aws_lambda worker: recording an outcome failed: %s",
                     SPI_result_code_string(rc));
}

/* Whether a response body is valid JSON text (else it is stored as a string). */
bool awsq_is_json(const char *s, size_t len) {
    if (memchr(s, '\0', len) || !pg_verifymbstr(s, (int)len, true)) return false;
    JsonLexContext *lex = makeJsonLexContextCstringLen((char *)s, (int)len, GetDatabaseEncoding(),
                                                       false);
    return pg_parse_json(lex, &nullSemAction) == JSON_SUCCESS;
}

static void store_result(const awsq_delivery *d, Datum ids) {
    Oid types[6] = {INT8ARRAYOID, TEXTOID, INT4OID, TEXTOID, BOOLOID, TEXTOID};
    Datum v[6];
    char nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
    bool valid = d->response && awsq_is_json(d->response, d->response_len);
    v[0] = ids;
    v[1] = CStringGetTextDatum(d->function);
    v[2] = Int32GetDatum((int32)d->http_status);
    if (d->response && (valid || (!memchr(d->response, '\0', d->response_len) &&
                                  pg_verifymbstr(d->response, (int)d->response_len, true))))
        v[3] = PointerGetDatum(cstring_to_text_with_len(d->response, (int)d->response_len));
    else {
        v[3] = (Datum)0;
        nulls[3] = 'n';
    }
    v[4] = BoolGetDatum(valid);
    if (d->function_error) v[5] = CStringGetTextDatum(d->function_error);
    else {
        v[5] = (Datum)0;
        nulls[5] = 'n';
    }
    exec(plan(&results_plan,
              "INSERT INTO aws_lambda.results (id, function_name, status_code, payload, "
              "function_error) SELECT i, $2, $3, CASE WHEN $5 THEN $4::jsonb ELSE "
              "pg_catalog.to_jsonb($4) END, $6 FROM pg_catalog.unnest($1) i "
              "ON CONFLICT (id) DO UPDATE SET status_code = EXCLUDED.status_code, payload = "
              "EXCLUDED.payload, function_error = EXCLUDED.function_error, completed_at = "
              "EXCLUDED.completed_at",
              6, types),
         v, nulls);
    awsq_w.results_written = true;
}

typedef struct fn_count {
    char *function;
    int64 delivered, failed;
} fn_count;

static void count(fn_count *counts, int *n, const char *fn, int delivered, int failed) {
    int i;
    for (i = 0; i < *n; i++)
        if (strcmp(counts[i].function, fn) == 0) break;
    if (i == *n) {
        counts[i].function = pstrdup(fn);
        counts[i].delivered = counts[i].failed = 0;
        (*n)++;
    }
    counts[i].delivered += delivered;
    counts[i].failed += failed;
}

void awsq_release(awsq_delivery *d) {
    awsq_worker *w = &awsq_w;
    awsq_entry *e = d->first;
    while (e) {
        awsq_entry *next = e->next;
        hash_search(w->held, &e->id, HASH_REMOVE, NULL);
        if (e->keyed) awsq_key_held(e->key_hash, -1);
        w->nheld--;
        w->held_bytes -= e->payload_len;
        pfree(e->payload);
        pfree(e);
        e = next;
    }
    awsq_held_count(d->function, -d->n);
    if (d->qualifier) pfree(d->qualifier);
    if (d->region) pfree(d->region);
    if (d->response) pfree(d->response);
    if (d->function_error) pfree(d->function_error);
    if (d->error) pfree(d->error);
    pfree(d->function);
    pfree(d);
}

void awsq_record_done(void) {
    awsq_worker *w = &awsq_w;
    awsq_delivery *list = w->done;
    int ndone = 0, nfn = 0;
    bool keys_freed = false;
    if (!list) return;
    for (awsq_delivery *d = list; d; d = d->next) ndone++;
    w->done = NULL;

    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    fn_count *counts = palloc(sizeof(fn_count) * ndone);
    int nentries = 0, ndone_ids = 0;
    for (awsq_delivery *d = list; d; d = d->next) nentries += d->n;
    Datum *done_ids = palloc(sizeof(Datum) * (nentries + 1));
    double now = awsq_now_ms();
    for (awsq_delivery *d = list; d; d = d->next) {
        outcome o = classify(d);
        Datum ids = ids_array(d);
        if (o == OUT_RELEASE) w->owe_sweep = true; /* cancelled: still queued, due */
        for (awsq_entry *e = d->first; e; e = e->next)
            if (e->keyed) keys_freed = true;
        if (o == OUT_SUCCESS) {
            for (awsq_entry *e = d->first; e; e = e->next) done_ids[ndone_ids++] = Int64GetDatum(e->id);
            if (d->request_response) store_result(d, ids);
            if (d->callbacks) awsq_callbacks_queue(d, true, ids); /* before the delete below */
            count(counts, &nfn, d->function, d->n, 0);
        } else if (o == OUT_RETRY) {
            Oid t[3] = {INT8ARRAYOID, FLOAT8OID, TEXTOID};
            double delay = backoff_ms(max_attempts_of(d));
            Datum v[3] = {ids, Float8GetDatum(delay), CStringGetTextDatum(d->error ? d->error : "")};
            exec(plan(&retry_plan,
                      "UPDATE aws_lambda.queue SET attempts = attempts + 1, next_attempt_at = "
                      "pg_catalog.clock_timestamp() + $2 * interval '1 millisecond', "
                      "last_error = $3 WHERE id = ANY ($1)",
                      3, t),
                 v, NULL);
            if (w->next_retry_ms == 0 || now + delay < w->next_retry_ms)
                w->next_retry_ms = now + delay;
        } else if (o == OUT_DEAD) {
            Oid t[2] = {INT8ARRAYOID, TEXTOID};
            Datum v[2] = {ids, CStringGetTextDatum(d->error ? d->error : "")};
            if (d->callbacks) awsq_callbacks_queue(d, false, ids); /* while still queued */
            /* order_key goes with the entry (a 1.0 database has none) */
            if (ordered())
                exec(plan(&dead_plan,
                          "WITH d AS (DELETE FROM aws_lambda.queue WHERE id = ANY ($1) RETURNING *) "
                          "INSERT INTO aws_lambda.dead_letter (id, function_name, qualifier, "
                          "region, invocation_type, payload, enqueued_at, attempts, last_error, "
                          "order_key, on_result, on_result_role) SELECT id, function_name, "
                          "qualifier, region, invocation_type, payload, enqueued_at, attempts + 1, "
                          "$2, order_key, on_result, on_result_role "
                          "FROM d ON CONFLICT (id) DO NOTHING",
                          2, t),
                     v, NULL);
            else
                exec(plan(&dead_plan_10,
                          "WITH d AS (DELETE FROM aws_lambda.queue WHERE id = ANY ($1) RETURNING *) "
                          "INSERT INTO aws_lambda.dead_letter (id, function_name, qualifier, "
                          "region, invocation_type, payload, enqueued_at, attempts, last_error) "
                          "SELECT id, function_name, qualifier, region, invocation_type, payload, "
                          "enqueued_at, attempts + 1, $2 FROM d ON CONFLICT (id) DO NOTHING",
                          2, t),
                     v, NULL);
            if (d->request_response && d->status == SQLAMBDA_E_FUNCTION) store_result(d, ids);
            count(counts, &nfn, d->function, 0, d->n);
        }
    }
    if (ndone_ids > 0) { /* every success of this round in one statement */
        Oid t1[1] = {INT8ARRAYOID};
        Datum ids = PointerGetDatum(construct_array(done_ids, ndone_ids, INT8OID, 8,
                                                    FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
        exec(plan(&delete_plan, "DELETE FROM aws_lambda.queue WHERE id = ANY ($1)", 1, t1), &ids,
             NULL);
    }
    for (int i = 0; i < nfn; i++) {
        Oid t[3] = {TEXTOID, INT8OID, INT8OID};
        Datum v[3] = {CStringGetTextDatum(counts[i].function), Int64GetDatum(counts[i].delivered),
                      Int64GetDatum(counts[i].failed)};
        exec(plan(&counts_plan,
                  "INSERT INTO aws_lambda.delivery_counts AS c VALUES ($1, $2, $3) "
                  "ON CONFLICT (function_name) DO UPDATE SET delivered = c.delivered + "
                  "EXCLUDED.delivered, failed = c.failed + EXCLUDED.failed",
                  3, t),
             v, NULL);
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();

    awsq_delivery *d = list;
    while (d) {
        awsq_delivery *next = d->next;
        awsq_release(d);
        d = next;
    }
    if (keys_freed) w->wake = true; /* claim the keys' next entries */
}

void awsq_purge_results(void) {
    static SPIPlanPtr left_plan;
    Oid t[1] = {INT4OID};
    Datum v[1] = {Int32GetDatum(awsq_result_ttl_s)};
    bool left = false, isnull;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    exec(plan(&purge_plan,
              "DELETE FROM aws_lambda.results WHERE completed_at < "
              "pg_catalog.now() - $1 * interval '1 second'",
              1, t),
         v, NULL);
    /* Rows not yet expired need another purge later. */
    if (SPI_execute_plan(plan(&left_plan, "SELECT EXISTS (SELECT FROM aws_lambda.results)", 0,
                              NULL),
                         NULL, NULL, true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1)
        left = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    awsq_w.results_written = left;
    awsq_w.last_purge_ms = awsq_now_ms();
}

double awsq_first_retry_ms(void) {
    double at = 0;
    bool isnull;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    /* After the last claim's now(), not this transaction's: an entry that
     * became due between the two was not claimed and must be scheduled
     * (at once) too, or nothing would claim it while the queue is idle. */
    Oid t[1] = {TIMESTAMPTZOID};
    Datum since[1] = {TimestampTzGetDatum(awsq_w.claim_ts ? awsq_w.claim_ts
                                                          : GetCurrentTransactionStartTimestamp())};
    if (SPI_execute_plan(plan(&first_retry_plan,
                              "SELECT extract(epoch FROM min(next_attempt_at) - "
                              "pg_catalog.clock_timestamp()) * 1000 FROM aws_lambda.queue "
                              "WHERE next_attempt_at > $1",
                              1, t),
                         since, NULL, true, 0) == SPI_OK_SELECT &&
        SPI_processed == 1) {
        Datum v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull) {
            char *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
            double ms = strtod(s, NULL);
            at = awsq_now_ms() + Max(ms, 0.0) + 1;
            (void)v;
        }
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    return at;
}

void awsq_publish(void) {
    awsq_publish_in_flight(awsq_w.nfn, (const char(*)[AWSQ_NAME_LEN])awsq_w.fn_names,
                           awsq_w.fn_counts);
    awsq_flow_publish();
}
