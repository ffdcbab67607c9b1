/*
 * queue_trigger.c — aws_lambda.trigger_invoke(function_name [, 'new']
 * [, 'order_key=column'] [, 'on_result=schema.procedure']), an
 * AFTER ... FOR EACH ROW trigger that enqueues the row change in the
 * firing transaction. The JSON is built with PostgreSQL's own jsonb
 * functions (to_jsonb for rows, the jsonb builder for the envelope), never
 * by concatenating text, as the caller (a row's conversion may call casts
 * the table's owner defined); only the row's insert (queue_insert.c) runs
 * as the queue's owner. Default
 * payload {"op","schema","table","new","old","txid","seq"} (new/old absent
 * when the operation has none; seq is the queue id), or with 'new' just the
 * NEW row, as the walkthrough's trigger sent it. With 'order_key=column'
 * the entry's order key is that column's value as text (of NEW; of OLD for
 * DELETE; NULL: no key), its lock taken before the id is drawn
 * (queue_order.c). With 'on_result=schema.procedure' the entry's callback
 * runs as the table's owner, who must be able to run it (queue_callback.c).
 */
#include "queue.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/inval.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_trigger_invoke);

/*
 * to_jsonb(row), called as the caller (a row's conversion may call casts
 * the table's owner defined). to_jsonb learns its argument's type from the
 * call expression: "record" makes it read the row type from the datum.
 */
static Jsonb *row_jsonb(HeapTuple tuple, TupleDesc desc) {
    static FmgrInfo flinfo;
    static bool ready;
    LOCAL_FCINFO(fcinfo, 1);
    if (!ready) {
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        fmgr_info(F_TO_JSONB, &flinfo);
        flinfo.fn_expr = (Node *)makeFuncExpr(F_TO_JSONB, JSONBOID,
                                              list_make1(makeNullConst(RECORDOID, -1, InvalidOid)),
                                              InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
        MemoryContextSwitchTo(old);
        ready = true;
    }
    InitFunctionCallInfoData(*fcinfo, &flinfo, 1, InvalidOid, NULL, NULL);
    fcinfo->args[0].value = heap_copy_tuple_as_datum(tuple, desc);
    fcinfo->args[0].isnull = false;
    Datum d = FunctionCallInvoke(fcinfo);
    if (fcinfo->isnull) elog(ERROR, "aws_lambda.trigger_invoke: to_jsonb returned NULL");
    return DatumGetJsonbP(d);
}

/* The relation's schema name, kept until a schema changes (syscache
 * invalidation) or another schema's table fires. */
static Oid cached_nsp = InvalidOid;
static void forget_schema(Datum arg, int cacheid, uint32 hashvalue) { cached_nsp = InvalidOid; }

static const char *schema_name(Relation rel) {
    static bool callback_set;
    static char name[NAMEDATALEN];
    Oid nsp = cached_nsp;
    if (!callback_set) {
        CacheRegisterSyscacheCallback(NAMESPACEOID, forget_schema, (Datum)0);
        callback_set = true;
    }
    if (RelationGetNamespace(rel) != nsp) {
        char *n = get_namespace_name(RelationGetNamespace(rel));
        strlcpy(name, n ? n : "", sizeof name);
        cached_nsp = RelationGetNamespace(rel);
    }
    return name;
}

static void push_key(JsonbParseState **st, const char *k) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = (char *)k;
    v.val.string.len = (int)strlen(k);
    pushJsonbValue(st, WJB_KEY, &v);
}

static void push_string(JsonbParseState **st, const char *k, const char *s) {
    JsonbValue v;
    push_key(st, k);
    v.type = jbvString;
    v.val.string.val = (char *)s;
    v.val.string.len = (int)strlen(s);
    pushJsonbValue(st, WJB_VALUE, &v);
}

static void push_int(JsonbParseState **st, const char *k, int64 n) {
    JsonbValue v;
    push_key(st, k);
    v.type = jbvNumeric;
    v.val.numeric = int64_to_numeric(n);
    pushJsonbValue(st, WJB_VALUE, &v);
}

static void push_jsonb(JsonbParseState **st, const char *k, Jsonb *j) {
    JsonbValue v;
    push_key(st, k);
    v.type = jbvBinary;
    v.val.binary.data = &j->root;
    v.val.binary.len = VARSIZE(j) - VARHDRSZ;
    pushJsonbValue(st, WJB_VALUE, &v);
}

/* The trigger's options after the function name: 'new',
 * 'order_key=column' and 'on_result=procedure', each at most once. Returns
 * the key column's number (0: none); *on_result: the procedure as written
 * (NULL: none). */
static int trigger_options(Trigger *tg, TupleDesc desc, bool *only_new, const char **on_result) {
    int key_col = 0;
    *only_new = false;
    *on_result = NULL;
    for (int i = 1; i < tg->tgnargs; i++) {
        const char *a = tg->tgargs[i];
        if (strcmp(a, "new") == 0 && !*only_new) {
            *only_new = true;
        } else if (strncmp(a, "order_key=", 10) == 0 && key_col == 0) {
            const char *col = a + 10;
            key_col = SPI_fnumber(desc, col);
            if (key_col <= 0 || TupleDescAttr(desc, key_col - 1)->attisdropped)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                errmsg("trigger \"%s\": order_key column \"%s\" is not a column "
                                       "of the table",
                                       tg->tgname, col),
                                errhint("Name a column: 'order_key=sensor_id' (as written, "
                                        "case-sensitive, no quotes).")));
        } else if (strncmp(a, "on_result=", 10) == 0 && !*on_result) {
            *on_result = a + 10;
        } else {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("aws_lambda.trigger_invoke: unknown or repeated option \"%s\" in "
                                   "trigger \"%s\"",
                                   a, tg->tgname),
                            errhint("The options are 'new' (send just the new row), "
                                    "'order_key=column' (deliver rows with the same value in "
                                    "commit order) and 'on_result=schema.procedure' (call it "
                                    "with the outcome), each at most once.")));
        }
    }
    return key_col;
}

Datum aws_lambda_trigger_invoke(PG_FUNCTION_ARGS) {
    TriggerData *td = (TriggerData *)fcinfo->context;
    bool only_new = false, has_new, has_old;
    const char *op;

    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("aws_lambda.trigger_invoke must be called as a trigger")));
    if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("aws_lambda.trigger_invoke must be fired AFTER ... FOR EACH ROW"),
                        errhint("CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON t FOR EACH "
                                "ROW EXECUTE FUNCTION aws_lambda.trigger_invoke('fn').")));
    Trigger *tg = td->tg_trigger;
    if (tg->tgnargs < 1 || tg->tgnargs > 4)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("aws_lambda.trigger_invoke takes a function name and optionally "
                               "'new', 'order_key=column' and 'on_result=schema.procedure' "
                               "(trigger \"%s\" has %d arguments)",
                               tg->tgname, tg->tgnargs)));
    TupleDesc desc = RelationGetDescr(td->tg_relation);
    const char *on_result;
    int key_col = trigger_options(tg, desc, &only_new, &on_result);
    if (TRIGGER_FIRED_BY_INSERT(td->tg_event)) {
        op = "INSERT";
        has_new = true, has_old = false;
    } else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event)) {
        op = "UPDATE";
        has_new = true, has_old = true;
    } else if (TRIGGER_FIRED_BY_DELETE(td->tg_event)) {
        op = "DELETE";
        has_new = false, has_old = true;
    } else {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("aws_lambda.trigger_invoke fires on INSERT, UPDATE or DELETE")));
    }
    if (only_new && !has_new)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("trigger \"%s\": option 'new' sends the NEW row, and DELETE has none",
                               tg->tgname),
                        errhint("Use trigger_invoke('%s') without 'new' for DELETE: the payload "
                                "then carries the old row.",
                                tg->tgargs[0])));

    HeapTuple newt = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
    HeapTuple oldt = td->tg_trigtuple;
    char *key = NULL;
    if (key_col > 0) {
        key = SPI_getvalue(has_new ? newt : oldt, desc, key_col); /* NULL: no key */
        if (key) {
            char who[NAMEDATALEN + 32];
            snprintf(who, sizeof who, "trigger \"%s\"", tg->tgname);
            awsq_order_key_check(who, key);
        }
    }

    /* The trigger's allowlist is its table owner's, whoever writes the row;
     * so is its callback's role. */
    Oid owner = td->tg_relation->rd_rel->relowner;
    awsq_check_target(owner, tg->tgargs[0], NULL, NULL, "Event");
    char *callback = NULL;
    if (on_result) {
        char who[NAMEDATALEN + 32];
        snprintf(who, sizeof who, "trigger \"%s\"", tg->tgname);
        callback = awsq_callback_check(who, on_result, owner);
    }
    if (key) awsq_order_lock(tg->tgargs[0], key); /* before the id is drawn */
    int64 id = awsq_next_id();
    Jsonb *payload;
    if (only_new) {
        payload = row_jsonb(newt, desc);
    } else {
        JsonbParseState *st = NULL;
        pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
        push_string(&st, "op", op);
        push_string(&st, "schema", schema_name(td->tg_relation));
        push_string(&st, "table", RelationGetRelationName(td->tg_relation));
        if (has_new) push_jsonb(&st, "new", row_jsonb(newt, desc));
        if (has_old) push_jsonb(&st, "old", row_jsonb(oldt, desc));
        push_int(&st, "txid", (int64)U64FromFullTransactionId(GetTopFullTransactionId()));
        push_int(&st, "seq", id);
        payload = JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
    }

    awsq_new_entry e = {.id = id,
                        .function = tg->tgargs[0],
                        .invocation_type = "Event",
                        .order_key = key,
                        .on_result = callback,
                        .on_result_role = callback ? GetUserNameFromId(owner, false) : NULL,
                        .payload = payload};
    awsq_enqueue_entry(&e);
    return PointerGetDatum(NULL);
}
