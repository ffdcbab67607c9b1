/*
 * worker_callback.c — the delivery worker's side of callbacks (on_result,
 * docs/postgres.md "Callbacks"). When an entry with an on_result succeeds or
 * is dead-lettered, awsq_callbacks_queue writes the call to make into
 * aws_lambda.callbacks in the transaction that records the outcome, so a
 * crash loses none. awsq_callbacks_run then makes the waiting calls between
 * delivery rounds, each in its own transaction: as the entry's role
 * (on_result_role), as a security-restricted operation (no SET ROLE or
 * SESSION AUTHORIZATION, no temporary tables; settings it changes are undone
 * and session advisory locks it took are released after it), bounded by
 * aws_lambda.callback_timeout_ms. A call that returns deletes its row in
 * that same transaction (so its effects and its deletion commit together);
 * one that fails is logged and its row kept with failed_at and
 * callback_error, never retried. A row whose calls ended the worker itself
 * three times is given up the same way.
 */
#include "queue.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"

#include <string.h>

#define FETCH 4          /* calls read per transaction */
#define GIVE_UP_STARTS 3 /* calls begun that never ended (the worker died) */

typedef struct cb_call {
    int64 id, queue_id;
    char *function, *status, *payload, *error, *procedure, *role; /* payload/error may be NULL */
    bool given_up;
} cb_call;

void awsq_callbacks_queue(const awsq_delivery *d, bool succeeded, Datum ids) {
    static SPIPlanPtr plan;
    Oid t[5] = {INT8ARRAYOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID};
    Datum v[5];
    char nulls[5] = {' ', ' ', ' ', ' ', ' '};
    /* The function's answer: a RequestResponse success's, or a function
     * error's document; text that is not JSON is passed as a JSON string. */
    bool answer = d->request_response && d->response &&
                  (succeeded || d->status == SQLAMBDA_E_FUNCTION) &&
                  !memchr(d->response, '\0', d->response_len) &&
                  pg_verifymbstr(d->response, (int)d->response_len, true);
    v[0] = ids;
    v[1] = CStringGetTextDatum(succeeded ? "succeeded" : "dead_lettered");
    if (answer)
        v[2] = PointerGetDatum(cstring_to_text_with_len(d->response, (int)d->response_len));
    else
        v[2] = (Datum)0, nulls[2] = 'n';
    v[3] = BoolGetDatum(answer && awsq_is_json(d->response, d->response_len));
    if (!succeeded)
        v[4] = CStringGetTextDatum(d->error ? d->error : "");
    else
        v[4] = (Datum)0, nulls[4] = 'n';
    if (!plan)
        plan = awsq_keep_plan(
            "INSERT INTO aws_lambda.callbacks (queue_id, function_name, status, payload, error, "
            "procedure, role) SELECT id, function_name, $2, CASE WHEN $4 THEN $3::jsonb ELSE "
            "pg_catalog.to_jsonb($3) END, $5, on_result, on_result_role FROM aws_lambda.queue "
            "WHERE id = ANY ($1) AND on_result IS NOT NULL ORDER BY id",
            5, t);
    if (SPI_execute_plan(plan, v, nulls, false, 0) < 0)
        elog(ERROR, "aws_lambda worker: queuing callbacks failed");
    awsq_w.callbacks_pending = true;
}

static char *copy(HeapTuple t, TupleDesc d, int col, MemoryContext cxt) {
    char *s = SPI_getvalue(t, d, col);
    return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/* Reads up to FETCH waiting calls, oldest first, counting each as begun
 * (in a committed transaction: a call that kills the worker is counted);
 * a row begun GIVE_UP_STARTS times before is marked failed instead.
 * Returns how many rows it read (-1: this database has no callbacks table). */
static int fetch(cb_call *out, MemoryContext cxt) {
    static SPIPlanPtr plan;
    int n = 0;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    Oid nsp = get_namespace_oid("aws_lambda", true);
    if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("callbacks", nsp))) {
        n = -1; /* a database still at 1.0, or the extension is gone */
    } else {
        if (!plan) {
            char sql[1024];
            snprintf(sql, sizeof sql,
                     "WITH c AS (UPDATE aws_lambda.callbacks SET attempts = attempts + 1, "
                     "failed_at = CASE WHEN attempts >= %d THEN pg_catalog.now() END, "
                     "callback_error = CASE WHEN attempts >= %d THEN 'the delivery worker ended "
                     "during each of its %d calls' END "
                     "WHERE id IN (SELECT id FROM aws_lambda.callbacks WHERE failed_at IS NULL "
                     "ORDER BY id LIMIT %d) "
                     "RETURNING id, queue_id, function_name, status, payload::text, error, "
                     "procedure, role, failed_at IS NOT NULL) SELECT * FROM c ORDER BY id",
                     GIVE_UP_STARTS, GIVE_UP_STARTS, GIVE_UP_STARTS, FETCH);
            plan = awsq_keep_plan(sql, 0, NULL);
        }
        if (SPI_execute_plan(plan, NULL, NULL, false, 0) != SPI_OK_SELECT)
            elog(ERROR, "aws_lambda worker: reading aws_lambda.callbacks failed");
        for (uint64 i = 0; i < SPI_processed && n < FETCH; i++, n++) {
            HeapTuple t = SPI_tuptable->vals[i];
            TupleDesc d = SPI_tuptable->tupdesc;
            bool isnull;
            cb_call *c = &out[n];
            c->id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
            c->queue_id = DatumGetInt64(SPI_getbinval(t, d, 2, &isnull));
            c->function = copy(t, d, 3, cxt);
            c->status = copy(t, d, 4, cxt);
            c->payload = copy(t, d, 5, cxt);
            c->error = copy(t, d, 6, cxt);
            c->procedure = copy(t, d, 7, cxt);
            c->role = copy(t, d, 8, cxt);
            c->given_up = DatumGetBool(SPI_getbinval(t, d, 9, &isnull));
        }
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    return n;
}

/* Runs as the worker again: sets the row failed with its reason. */
static void record_failure(const cb_call *c, const char *why) {
    static SPIPlanPtr plan;
    Oid t[2] = {INT8OID, TEXTOID};
    Datum v[2] = {Int64GetDatum(c->id), CStringGetTextDatum(why)};
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (!plan)
        plan = awsq_keep_plan("UPDATE aws_lambda.callbacks SET failed_at = pg_catalog.now(), "
                              "callback_error = $2 WHERE id = $1",
                              2, t);
    if (SPI_execute_plan(plan, v, NULL, false, 0) < 0)
        elog(ERROR, "aws_lambda worker: recording a failed callback failed");
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
}

/* The call itself, inside the caller's transaction; ERROR on any failure. */
static void call(const cb_call *c) {
    static SPIPlanPtr done_plan;
    Oid role = get_role_oid(c->role, true);
    if (!OidIsValid(role))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("role \"%s\" does not exist", c->role)));
    Oid fn = awsq_callback_lookup(c->procedure, true);
    if (!OidIsValid(fn))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("procedure %s(bigint, text, text, jsonb, text) does not exist",
                               c->procedure)));
    char *sql = psprintf("%s %s($1, $2, $3, $4, $5)",
                         get_func_prokind(fn) == PROKIND_PROCEDURE ? "CALL" : "SELECT",
                         c->procedure);
    Datum v[AWSQ_CALLBACK_NARGS] = {
        Int64GetDatum(c->queue_id), CStringGetTextDatum(c->function),
        CStringGetTextDatum(c->status),
        c->payload ? DirectFunctionCall1(jsonb_in, CStringGetDatum(c->payload)) : (Datum)0,
        c->error ? CStringGetTextDatum(c->error) : (Datum)0};
    char nulls[AWSQ_CALLBACK_NARGS] = {' ', ' ', ' ', c->payload ? ' ' : 'n',
                                       c->error ? ' ' : 'n'};
    Oid save_user;
    int save_sec;
    GetUserIdAndSecContext(&save_user, &save_sec);
    int nest = NewGUCNestLevel();
    SetUserIdAndSecContext(role, save_sec | SECURITY_LOCAL_USERID_CHANGE |
                                     SECURITY_RESTRICTED_OPERATION);
    enable_timeout_after(STATEMENT_TIMEOUT, awsq_callback_timeout_ms);
    int rc = SPI_execute_with_args(sql, AWSQ_CALLBACK_NARGS, (Oid *)awsq_callback_argtypes, v,
                                   nulls, false, 0);
    disable_timeout(STATEMENT_TIMEOUT, false);
    AtEOXact_GUC(false, nest); /* whatever it SET, the worker's settings stay */
    SetUserIdAndSecContext(save_user, save_sec);
    if (rc < 0) elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
    if (!done_plan) {
        Oid t[1] = {INT8OID};
        done_plan = awsq_keep_plan("DELETE FROM aws_lambda.callbacks WHERE id = $1", 1, t);
    }
    Datum id = Int64GetDatum(c->id);
    if (SPI_execute_plan(done_plan, &id, NULL, false, 0) < 0)
        elog(ERROR, "aws_lambda worker: deleting a done callback failed");
}

static void run_one(const cb_call *c, MemoryContext cxt) {
    char *failed = NULL;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PG_TRY();
    {
        SPI_connect();
        PushActiveSnapshot(GetTransactionSnapshot());
        call(c);
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        disable_timeout(STATEMENT_TIMEOUT, false);
        MemoryContextSwitchTo(cxt);
        ErrorData *e = CopyErrorData();
        FlushErrorState();
        AbortCurrentTransaction(); /* also restores the worker's user and settings */
        failed = psprintf("%s: %s", unpack_sql_state(e->sqlerrcode), e->message);
        FreeErrorData(e);
    }
    PG_END_TRY();
    LockReleaseSession(USER_LOCKMETHOD); /* session advisory locks it took */
    if (failed) {
        ereport(LOG, (errmsg("aws_lambda: callback %s for queue entry " INT64_FORMAT
                             " (function \"%s\", %s) failed: %s",
                             c->procedure, c->queue_id, c->function, c->status, failed),
                      errdetail("It is kept in aws_lambda.callbacks (id " INT64_FORMAT
                                ") and not called again.",
                                c->id)));
        record_failure(c, failed);
    }
}

void awsq_callbacks_run(double budget_ms) {
    static MemoryContext cxt;
    if (!awsq_w.callbacks_pending) return;
    if (!cxt)
        cxt = AllocSetContextCreate(TopMemoryContext, "aws_lambda callbacks",
                                    ALLOCSET_SMALL_SIZES);
    double until = awsq_now_ms() + budget_ms;
    do {
        cb_call calls[FETCH];
        MemoryContextReset(cxt);
        int n = fetch(calls, cxt);
        for (int i = 0; i < n; i++) {
            if (calls[i].given_up)
                ereport(LOG, (errmsg("aws_lambda: callback %s for queue entry " INT64_FORMAT
                                     " given up: the delivery worker ended during each of its "
                                     "%d calls",
                                     calls[i].procedure, calls[i].queue_id, GIVE_UP_STARTS)));
            else
                run_one(&calls[i], cxt);
        }
        if (n < FETCH) {
            awsq_w.callbacks_pending = false;
            break;
        }
    } while (awsq_now_ms() < until && !ShutdownRequestPending);
}
