/*
 * worker_callback.c — the delivery worker's side of callbacks (on_result,
 * docs/postgres.md "Callbacks"). When an entry with an on_result succeeds or
 * is dead-lettered, awsq_callbacks_queue writes the call to make into
 * aws_lambda.callbacks in the transaction that records the outcome, so a
 * crash loses none. awsq_callbacks_run then makes the waiting calls between
 * delivery rounds, each in its own transaction: as the entry's role
 * (on_result_role, which must own the procedure), as a security-restricted
 * operation (no SET ROLE or SESSION AUTHORIZATION, no temporary tables;
 * settings it changes are undone and session advisory locks it took are
 * released after it), with no Lambda calls of its own (awsl_in_callback).
 * A call that returns deletes its row in that same transaction (its
 * effects and its deletion commit together). Each call is marked begun in
 * a committed transaction first, so it is made at most once: one that
 * fails is logged and kept with failed_at and callback_error; one that did
 * not end (the worker died during it) is found begun at the next start and
 * kept as failed the same way. At aws_lambda.callback_timeout_ms the call
 * is cancelled (statement timeout: it fails, the worker goes on); a
 * callback that catches the cancel is ended a second later with the worker
 * itself (FATAL, as die() does, which no handler can catch; the launcher
 * starts it again), and so is one still running a second after a SIGTERM
 * (a fast shutdown, pg_terminate_backend, DROP DATABASE). Calls in flight
 * when the worker ends that way are sent again by the next (at least
 * once).
 */
#include "queue.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

#include <string.h>

#define FETCH 4 /* calls read per transaction */
/* after the timeout's cancel, how long a callback that catches it has
 * before the worker is ended */
#define DEADLINE_GRACE_MS 1000
#define SHUTDOWN_GRACE_TICKS 10 /* x 100 ms */
#define UNFINISHED                                                                               \
    "did not finish: it ran past aws_lambda.callback_timeout_ms, or the delivery worker ended "  \
    "during it"

typedef struct cb_call {
    int64 id, queue_id;
    char *function, *status, *payload, *error, *procedure, *role; /* payload/error may be NULL */
} cb_call;

static TimeoutId deadline_timeout, shutdown_watch;
static bool deadline_registered;
static volatile sig_atomic_t shutdown_ticks;

/* The callback's time is up: end the worker the way die() does (FATAL at
 * the next interrupt check), which no handler in the callback can catch. */
static void deadline_passed(void) {
    ProcDiePending = true;
    InterruptPending = true;
    SetLatch(MyLatch);
}

/* Every 100 ms while a callback runs: once a shutdown (SIGTERM: a fast
 * shutdown, pg_terminate_backend, DROP DATABASE) has been asked for, the
 * callback has a second to end, then the worker ends as at the deadline. */
static void watch_shutdown(void) {
    if (ShutdownRequestPending && ++shutdown_ticks >= SHUTDOWN_GRACE_TICKS) deadline_passed();
}

void awsq_callbacks_queue(const awsq_delivery *d, bool succeeded, Datum ids) {
    static SPIPlanPtr plan;
    Oid t[5] = {INT8ARRAYOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID};
    Datum v[5];
    char nulls[5] = {' ', ' ', ' ', ' ', ' '};
    /* The function's answer: a RequestResponse success's, or a function
     * error's document; text that is not JSON is passed as a JSON string. */
    /* A batch's answer holds every entry's result, possibly of other
     * roles: it goes to no callback. */
    bool answer = d->n == 1 && d->request_response && d->response &&
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

/* Reads up to FETCH waiting calls, oldest first. Calls begun before and
 * never ended (the worker died during them, or was ended at their
 * deadline) are marked failed first and logged. Returns how many calls it
 * read (-1: this database has no callbacks table). */
static int fetch(cb_call *out, MemoryContext cxt) {
    static SPIPlanPtr unfinished_plan, plan;
    int n = 0;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    Oid nsp = get_namespace_oid("aws_lambda", true);
    if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("callbacks", nsp))) {
        n = -1; /* a database still at 1.0, or the extension is gone */
    } else {
        if (!unfinished_plan)
            unfinished_plan = awsq_keep_plan(
                "UPDATE aws_lambda.callbacks SET failed_at = pg_catalog.now(), callback_error = '"
                UNFINISHED "' WHERE failed_at IS NULL AND attempts > 0 "
                "RETURNING id, queue_id, procedure, function_name",
                0, NULL);
        if (SPI_execute_plan(unfinished_plan, NULL, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
            elog(ERROR, "aws_lambda worker: reading aws_lambda.callbacks failed");
        for (uint64 i = 0; i < SPI_processed; i++) {
            HeapTuple t = SPI_tuptable->vals[i];
            TupleDesc d = SPI_tuptable->tupdesc;
            ereport(LOG, (errmsg("aws_lambda: callback %s for queue entry %s (function \"%s\") "
                                 "failed: " UNFINISHED,
                                 SPI_getvalue(t, d, 3), SPI_getvalue(t, d, 2),
                                 SPI_getvalue(t, d, 4)),
                          errdetail("It is kept in aws_lambda.callbacks (id %s) and not called "
                                    "again.",
                                    SPI_getvalue(t, d, 1))));
        }
        if (!plan) {
            char sql[512];
            snprintf(sql, sizeof sql,
                     "SELECT id, queue_id, function_name, status, payload::text, error, "
                     "procedure, role FROM aws_lambda.callbacks WHERE failed_at IS NULL "
                     "AND attempts = 0 ORDER BY id LIMIT %d",
                     FETCH);
            plan = awsq_keep_plan(sql, 0, NULL);
        }
        /* (not read-only: it must see the UPDATE above) */
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
        }
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    return n;
}

/* Marks a call begun, committed before it is made: if the worker dies
 * during it, the next fetch finds it begun and gives it up. False when the
 * row was deleted or failed since it was read (nothing to call). */
static bool mark_begun(const cb_call *c) {
    static SPIPlanPtr plan;
    bool marked;
    Oid t[1] = {INT8OID};
    Datum v[1] = {Int64GetDatum(c->id)};
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (!plan)
        plan = awsq_keep_plan("UPDATE aws_lambda.callbacks SET attempts = attempts + 1 "
                              "WHERE id = $1 AND attempts = 0 AND failed_at IS NULL",
                              1, t);
    if (SPI_execute_plan(plan, v, NULL, false, 0) < 0)
        elog(ERROR, "aws_lambda worker: marking a callback begun failed");
    marked = SPI_processed == 1;
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    return marked;
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
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for function %u", fn);
    Form_pg_proc proc = (Form_pg_proc)GETSTRUCT(tup);
    Oid owner = proc->proowner; /* the role's own code only */
    char kind = proc->prokind;
    /* The name spliced below is the found object's, quoted, never the
     * stored text (a queue row the extension's owner edited). */
    char *name = quote_qualified_identifier(get_namespace_name(proc->pronamespace),
                                            NameStr(proc->proname));
    ReleaseSysCache(tup);
    if (owner != role && !has_privs_of_role(owner, role))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("%s is not owned by role \"%s\", which it runs as", c->procedure,
                               c->role)));
    char *sql = psprintf("%s %s($1, $2, $3, $4, $5)", kind == PROKIND_PROCEDURE ? "CALL" : "SELECT",
                         name);
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
    awsl_in_callback = true;
    /* At the timeout a cancel (the call fails, the worker goes on); if the
     * callback catches it, FATAL a second later. */
    enable_timeout_after(STATEMENT_TIMEOUT, awsq_callback_timeout_ms);
    enable_timeout_after(deadline_timeout, awsq_callback_timeout_ms + DEADLINE_GRACE_MS);
    shutdown_ticks = 0;
    enable_timeout_every(shutdown_watch, TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 100),
                         100);
    /* (one row at most is kept of what a function returns) */
    int rc = SPI_execute_with_args(sql, AWSQ_CALLBACK_NARGS, (Oid *)awsq_callback_argtypes, v,
                                   nulls, false, 1);
    disable_timeout(STATEMENT_TIMEOUT, false);
    disable_timeout(deadline_timeout, false);
    disable_timeout(shutdown_watch, false);
    awsl_in_callback = false;
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
    if (!mark_begun(c)) return; /* deleted or failed meanwhile */
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
        disable_timeout(deadline_timeout, false);
        disable_timeout(shutdown_watch, false);
        QueryCancelPending = false; /* a cancel that came after the error */
        awsl_in_callback = false;
        MemoryContextSwitchTo(cxt);
        ErrorData *e = CopyErrorData();
        FlushErrorState();
        AbortCurrentTransaction(); /* also restores the worker's user and settings */
        MemoryContextSwitchTo(cxt);
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
    if (!deadline_registered) {
        deadline_timeout = RegisterTimeout(USER_TIMEOUT, deadline_passed);
        shutdown_watch = RegisterTimeout(USER_TIMEOUT, watch_shutdown);
        deadline_registered = true;
    }
    if (!cxt)
        cxt = AllocSetContextCreate(TopMemoryContext, "aws_lambda callbacks",
                                    ALLOCSET_SMALL_SIZES);
    double until = awsq_now_ms() + budget_ms;
    do {
        cb_call calls[FETCH];
        MemoryContextReset(cxt);
        int n = fetch(calls, cxt);
        for (int i = 0; i < n && !ShutdownRequestPending; i++) run_one(&calls[i], cxt);
        if (n < FETCH) {
            awsq_w.callbacks_pending = false;
            break;
        }
    } while (awsq_now_ms() < until && !ShutdownRequestPending);
}
