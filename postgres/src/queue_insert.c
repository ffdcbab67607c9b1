/*
 * queue_insert.c — writes one aws_lambda.queue row for enqueue and
 * trigger_invoke without the executor: the tuple is formed here, inserted
 * with table_tuple_insert and indexed with ExecInsertIndexTuples (unique
 * and partial indexes as an INSERT would). A planned INSERT through SPI
 * cost an enqueue most of its time (the executor's set-up and tear-down,
 * and ExecConstraints re-reading the CHECK constraint's expression for
 * every row: bench/RESULTS.md, issue 12 section 5). The defaults the table
 * declares (now(), 0, 'Event') are the values written here; columns 1.1
 * added (order_key, on_result, on_result_role) may be absent while the SQL
 * is still 1.0's, and a value for one of them is then refused with the
 * hint to update. What an INSERT would add to a table changed by hand (a
 * trigger, a rule, a constraint beyond the shipped CHECK, forced row
 * security, a column) is refused with an error naming it, never skipped
 * silently: the table is the extension's. Runs as the queue's owner as
 * read under the table's lock, as the insert it replaces did (an index a
 * superuser added on an expression runs as the owner, never as the writer
 * of the row).
 */
#include "queue.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

#include <string.h>

enum {
    C_ID, C_FUNCTION, C_QUALIFIER, C_REGION, C_TYPE, C_PAYLOAD, C_ENQUEUED, C_ATTEMPTS,
    C_NEXT, C_LAST_ERROR, C_ORDER_KEY, C_ON_RESULT, C_ON_RESULT_ROLE, C_COUNT
};

static const struct {
    const char *name;
    Oid type;
    bool since_1_1; /* absent from 1.0's table */
} columns[C_COUNT] = {
    [C_ID] = {"id", INT8OID, false},
    [C_FUNCTION] = {"function_name", TEXTOID, false},
    [C_QUALIFIER] = {"qualifier", TEXTOID, false},
    [C_REGION] = {"region", TEXTOID, false},
    [C_TYPE] = {"invocation_type", TEXTOID, false},
    [C_PAYLOAD] = {"payload", JSONBOID, false},
    [C_ENQUEUED] = {"enqueued_at", TIMESTAMPTZOID, false},
    [C_ATTEMPTS] = {"attempts", INT4OID, false},
    [C_NEXT] = {"next_attempt_at", TIMESTAMPTZOID, false},
    [C_LAST_ERROR] = {"last_error", TEXTOID, false},
    [C_ORDER_KEY] = {"order_key", TEXTOID, true},
    [C_ON_RESULT] = {"on_result", TEXTOID, true},
    [C_ON_RESULT_ROLE] = {"on_result_role", TEXTOID, true},
};

/* Where each column is (attribute number - 1; -1: absent), for the
 * relation map_relid; rebuilt after a relcache invalidation of it. */
static Oid map_relid = InvalidOid;
static int map[C_COUNT];

static void forget_map(Datum arg, Oid relid) {
    if (relid == InvalidOid || relid == map_relid) map_relid = InvalidOid;
}

static void build_map(Relation rel) {
    static bool callback_set;
    TupleDesc desc = RelationGetDescr(rel);
    if (!callback_set) {
        CacheRegisterRelcacheCallback(forget_map, (Datum)0);
        callback_set = true;
    }
    for (int c = 0; c < C_COUNT; c++) map[c] = -1;
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        int c;
        if (a->attisdropped) continue;
        for (c = 0; c < C_COUNT; c++)
            if (strcmp(NameStr(a->attname), columns[c].name) == 0) break;
        if (c == C_COUNT || a->atttypid != columns[c].type)
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                     errmsg("aws_lambda.queue column \"%s\" is not one this version of aws_lambda "
                            "writes",
                            NameStr(a->attname)),
                     errhint("The queue table is the extension's own: restore it with "
                             "ALTER EXTENSION aws_lambda UPDATE, or a fresh CREATE EXTENSION.")));
        map[c] = i;
    }
    for (int c = 0; c < C_COUNT; c++)
        if (map[c] < 0 && !columns[c].since_1_1)
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("aws_lambda.queue has no column \"%s\"", columns[c].name),
                            errhint("ALTER EXTENSION aws_lambda UPDATE.")));
    /* What an INSERT would run beside the row, and this path does not. */
    const char *added = NULL;
    if (rel->trigdesc && rel->trigdesc->numtriggers > 0) added = "a trigger";
    else if (rel->rd_rules) added = "a rule";
    else if (rel->rd_rel->relforcerowsecurity) added = "forced row level security";
    else if (desc->constr && desc->constr->num_check != 1) added = "a CHECK constraint beyond the extension's";
    else if (RelationGetFKeyList(rel) != NIL) added = "a foreign key";
    if (added)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("aws_lambda.queue has %s, which the extension's queue writes "
                               "would not run",
                               added),
                        errhint("The queue table is the extension's own: drop what was added "
                                "to it (watch deliveries through aws_lambda.queue_status and "
                                "aws_lambda.delivery_counts).")));
    map_relid = RelationGetRelid(rel);
}

static void set_text(Datum *values, bool *nulls, int c, const char *s) {
    if (!s) return;
    if (map[c] < 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("aws_lambda.queue has no column \"%s\": the extension's SQL is "
                               "older than its library",
                               columns[c].name),
                        errhint("ALTER EXTENSION aws_lambda UPDATE.")));
    values[map[c]] = CStringGetTextDatum(s);
    nulls[map[c]] = false;
}

void awsq_insert_entry(Oid relid, const awsq_new_entry *e) {
    Oid saved_user;
    int saved_sec;
    /* What the executor would refuse an INSERT (a read-only transaction, a
     * hot standby, parallel mode), refused the same way. */
    PreventCommandIfReadOnly("INSERT");
    PreventCommandIfParallelMode("INSERT");
    Relation rel = table_open(relid, RowExclusiveLock);
    if (rel->rd_rel->relkind != RELKIND_RELATION)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("aws_lambda.queue is not a table")));
    if (map_relid != relid) build_map(rel);
    /* The table's NOT NULL and CHECK constraints, which the executor
     * would evaluate: callers pass checked values, and this says so. */
    if (!e->function || !e->payload || !e->invocation_type ||
        (strcmp(e->invocation_type, "Event") != 0 &&
         strcmp(e->invocation_type, "RequestResponse") != 0))
        elog(ERROR, "aws_lambda: a queue entry without its function, payload or invocation type");

    Oid owner = rel->rd_rel->relowner; /* under the lock: an ALTER ... OWNER is done */
    EState *estate = CreateExecutorState();
    MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);
    TupleDesc desc = RelationGetDescr(rel);
    Datum *values = palloc0(sizeof(Datum) * desc->natts);
    bool *nulls = palloc(sizeof(bool) * desc->natts);
    Datum now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()); /* now() */
    memset(nulls, true, sizeof(bool) * desc->natts);
    values[map[C_ID]] = Int64GetDatum(e->id);
    values[map[C_PAYLOAD]] = JsonbPGetDatum(e->payload);
    values[map[C_ENQUEUED]] = now;
    values[map[C_ATTEMPTS]] = Int32GetDatum(0);
    values[map[C_NEXT]] = now;
    nulls[map[C_ID]] = nulls[map[C_PAYLOAD]] = nulls[map[C_ENQUEUED]] = false;
    nulls[map[C_ATTEMPTS]] = nulls[map[C_NEXT]] = false;
    set_text(values, nulls, C_FUNCTION, e->function);
    set_text(values, nulls, C_TYPE, e->invocation_type);
    set_text(values, nulls, C_QUALIFIER, e->qualifier);
    set_text(values, nulls, C_REGION, e->region);
    set_text(values, nulls, C_ORDER_KEY, e->order_key);
    set_text(values, nulls, C_ON_RESULT, e->on_result);
    set_text(values, nulls, C_ON_RESULT_ROLE, e->on_result_role);

    GetUserIdAndSecContext(&saved_user, &saved_sec);
    SetUserIdAndSecContext(owner, saved_sec | SECURITY_LOCAL_USERID_CHANGE);
    ResultRelInfo *rri = makeNode(ResultRelInfo);
    InitResultRelInfo(rri, rel, 1, NULL, 0);
    ExecOpenIndices(rri, false);
    TupleTableSlot *slot = table_slot_create(rel, &estate->es_tupleTable);
    ExecStoreVirtualTuple(ExecClearTuple(slot));
    memcpy(slot->tts_values, values, sizeof(Datum) * desc->natts);
    memcpy(slot->tts_isnull, nulls, sizeof(bool) * desc->natts);
    table_tuple_insert(rel, slot, GetCurrentCommandId(true), 0, NULL);
    List *recheck = ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
    if (recheck != NIL) /* a deferred unique constraint: nothing here would check it */
        elog(ERROR, "aws_lambda.queue has a deferred constraint the queue's writes do not check");
    ExecCloseIndices(rri);
    ExecResetTupleTable(estate->es_tupleTable, false);
    SetUserIdAndSecContext(saved_user, saved_sec); /* on error, abort restores it */
    MemoryContextSwitchTo(old);
    FreeExecutorState(estate);
    table_close(rel, NoLock);
}
