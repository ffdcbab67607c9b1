/*
 * queue_enqueue.c — aws_lambda.enqueue(): checks the target in the caller's
 * transaction (a bad name, qualifier, region, invocation type or a
 * function outside aws_lambda.allowed_functions errors at once, through
 * core's own validation), inserts one row into aws_lambda.queue
 * (queue_insert.c), and wakes the delivery worker when the transaction
 * commits (only transactions that enqueued signal it). The insert runs as the queue's
 * owner, so callers need EXECUTE on enqueue (or a trigger that uses
 * trigger_invoke) but no rights on the table. With an order_key, the
 * key's lock is taken first (queue_order.c), so the id drawn by the insert
 * orders the key's entries in commit order. Called with the five arguments
 * of the 1.0 SQL (no order_key), it inserts what 1.0's queue has.
 * With an on_result, the procedure is checked (queue_callback.c) and
 * stored with the current user's name, the role it will run as. Shared
 * with queue_trigger.c; awsq_keep_plan keeps the worker's SPI plans.
 */
#include "queue.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/sequence.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_enqueue);

static bool wake_at_commit;
static int64 xact_low_id; /* the lowest id this transaction wrote */
static bool callbacks_set;
static Oid queue_relid = InvalidOid;
static Oid queue_seq = InvalidOid;

/* The last target that passed the checks. */
static char *ok_function, *ok_qualifier, *ok_region, *ok_type;

static void at_xact_event(XactEvent event, void *arg) {
    switch (event) {
    case XACT_EVENT_COMMIT:
        if (wake_at_commit) awsq_wake_worker(xact_low_id);
        wake_at_commit = false;
        xact_low_id = 0;
        break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PREPARE:
        /* A prepared transaction's entries are found by the worker's idle
         * sweep (at least once a second), or at a later wake below them. */
        wake_at_commit = false;
        xact_low_id = 0;
        break;
    default: break;
    }
}

static void forget_queue(Datum arg, Oid relid) {
    if (relid == InvalidOid || relid == queue_relid) queue_relid = InvalidOid;
}

static void set_callbacks(void) {
    if (callbacks_set) return;
    RegisterXactCallback(at_xact_event, NULL);
    CacheRegisterRelcacheCallback(forget_queue, (Datum)0);
    callbacks_set = true;
}

/* aws_lambda.queue and its sequence, kept until the table's relcache entry
 * is invalidated (a DROP EXTENSION, say). */
static void find_queue(void) {
    set_callbacks();
    if (OidIsValid(queue_relid)) return;
    Oid nsp = get_namespace_oid("aws_lambda", false);
    Oid relid = get_relname_relid("queue", nsp);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("table aws_lambda.queue does not exist"),
                        errhint("Update the extension: ALTER EXTENSION aws_lambda UPDATE.")));
    queue_seq = get_relname_relid("queue_id_seq", nsp);
    if (!OidIsValid(queue_seq))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("sequence aws_lambda.queue_id_seq does not exist")));
    queue_relid = relid;
}

int64 awsq_next_id(void) {
    find_queue();
    return nextval_internal(queue_seq, false); /* the queue's own sequence */
}

SPIPlanPtr awsq_keep_plan(const char *sql, int nargs, Oid *types) {
    SPIPlanPtr p = SPI_prepare(sql, nargs, types);
    if (!p) elog(ERROR, "aws_lambda: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(p) != 0) elog(ERROR, "aws_lambda: SPI_keepplan failed");
    return p;
}

void awsq_enqueue_entry(const awsq_new_entry *e) {
    find_queue();
    awsq_insert_entry(queue_relid, e);
    wake_at_commit = true;
    if (xact_low_id == 0 || e->id < xact_low_id) xact_low_id = e->id;
}

static bool same(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static char *keep(const char *s) { return s ? MemoryContextStrdup(TopMemoryContext, s) : NULL; }

static void remember(const char *f, const char *q, const char *r, const char *t) {
    char **slots[] = {&ok_function, &ok_qualifier, &ok_region, &ok_type};
    for (size_t i = 0; i < lengthof(slots); i++) {
        if (*slots[i]) pfree(*slots[i]);
        *slots[i] = NULL;
    }
    ok_function = keep(f);
    ok_qualifier = keep(q);
    ok_region = keep(r);
    ok_type = keep(t);
}

static void check_database(void) {
    if (!awsq_preloaded())
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("aws_lambda's delivery worker is not running: the library is not "
                               "in shared_preload_libraries"),
                        errhint("Add aws_lambda to shared_preload_libraries and restart the "
                                "server; nothing would deliver this queue entry.")));
}

void awsq_check_target(Oid role, const char *function, const char *qualifier,
                       const char *region, const char *invocation_type) {
    sqlambda_request req;
    sqlambda_result res;

    if (!(ok_function && same(function, ok_function) && same(qualifier, ok_qualifier) &&
          same(region, ok_region) && same(invocation_type, ok_type))) {
        memset(&req, 0, sizeof req);
        req.function = function;
        req.payload = "{}";
        req.qualifier = qualifier;
        req.region = region;
        if (strcmp(invocation_type, "Event") == 0)
            req.invocation_type = SQLAMBDA_EVENT;
        else if (strcmp(invocation_type, "RequestResponse") == 0)
            req.invocation_type = SQLAMBDA_REQUEST_RESPONSE;
        else
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("invalid invocation_type \"%s\" for the queue", invocation_type),
                            errhint("Use 'Event' or 'RequestResponse'.")));

        /* Core's validation (names, qualifier, region, endpoint), without the
         * session's allowlist: the governing allowlists are checked below. */
        memset(&res, 0, sizeof res);
        sqlambda_status st = sqlambda_validate(awsl_client_unrestricted(), &req, &res);
        if (st != SQLAMBDA_OK) {
            int code = awsl_sqlstate(&req, &res);
            char *msg = pstrdup(res.message[0] ? res.message : sqlambda_status_name(st));
            sqlambda_result_free(&res);
            ereport(ERROR, (errcode(code), errmsg("cannot enqueue: %s", msg)));
        }
        sqlambda_result_free(&res);
        remember(function, qualifier, region, invocation_type);
    }
    awsq_check_role_allowlist(role, function, qualifier, region);
    check_database();
    awsq_check_worker_allowlist(function, qualifier, region);
}

static char *text_arg(FunctionCallInfo fcinfo, int i, const char *name, bool required) {
    if (PG_ARGISNULL(i)) {
        if (!required) return NULL;
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("aws_lambda.enqueue: %s must not be NULL", name)));
    }
    return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

/* enqueue(function_name, payload jsonb, invocation_type, qualifier, region
 * [, order_key [, on_result]]) */
Datum aws_lambda_enqueue(PG_FUNCTION_ARGS) {
    awsq_new_entry e = {0};
    char *key = PG_NARGS() > 5 ? text_arg(fcinfo, 5, "order_key", false) : NULL;
    char *on_result = PG_NARGS() > 6 ? text_arg(fcinfo, 6, "on_result", false) : NULL;

    e.function = text_arg(fcinfo, 0, "function_name", true);
    e.invocation_type = text_arg(fcinfo, 2, "invocation_type", true);
    e.qualifier = text_arg(fcinfo, 3, "qualifier", false);
    e.region = text_arg(fcinfo, 4, "region", false);
    if (PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("aws_lambda.enqueue: payload must not be NULL")));
    e.payload = PG_GETARG_JSONB_P(1);
    if (key) awsq_order_key_check("aws_lambda.enqueue", key);
    /* The current user: the caller, or a SECURITY DEFINER function's owner. */
    awsq_check_target(GetUserId(), e.function, e.qualifier, e.region, e.invocation_type);
    if (on_result) {
        /* Runs as the current user, who must be able to run it. */
        e.on_result = awsq_callback_check("aws_lambda.enqueue", on_result, GetUserId());
        e.on_result_role = GetUserNameFromId(GetUserId(), false);
    }
    e.order_key = key;
    if (key) awsq_order_lock(e.function, key); /* before the id is drawn */
    e.id = awsq_next_id();
    awsq_enqueue_entry(&e);
    PG_RETURN_INT64(e.id);
}

PG_FUNCTION_INFO_V1(aws_lambda_function_name_check);

/* function_name_check(text): ERROR naming the problem unless a valid
 * Lambda function identifier (core's parser). */
Datum aws_lambda_function_name_check(PG_FUNCTION_ARGS) {
    char *function = text_to_cstring(PG_GETARG_TEXT_PP(0));
    sqlambda_function_ref ref;
    char err[256];
    if (sqlambda_parse_function(function, &ref, err, sizeof err) != SQLAMBDA_OK)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", err)));
    PG_RETURN_VOID();
}
