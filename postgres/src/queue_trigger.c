/*
 * queue_trigger.c — aws_lambda.trigger_invoke(function_name [, 'new']), an
 * AFTER ... FOR EACH ROW trigger that enqueues the row change in the
 * firing transaction. The JSON is built by PostgreSQL (jsonb_build_object,
 * to_jsonb) by a kept plan shared by every table, run as the caller (a
 * row's conversion may call casts the table's owner defined); only the
 * plain INSERT runs as the queue's owner. Default
 * payload {"op","schema","table","new","old","txid","seq"} (new/old absent
 * when the operation has none; seq is the queue id), or with 'new' just the
 * NEW row, as the walkthrough's trigger sent it.
 */
#include "queue.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include <string.h>

PG_FUNCTION_INFO_V1(aws_lambda_trigger_invoke);

/* Built as the caller (a row's to_jsonb may run casts its owner defined). */
#define PAYLOAD_SQL                                                                              \
    "SELECT CASE WHEN $7 THEN pg_catalog.to_jsonb($5) ELSE "                                     \
    "pg_catalog.jsonb_build_object('op', $2, 'schema', $3, 'table', $4, "                        \
    "'txid', pg_catalog.txid_current(), 'seq', $1) "                                             \
    "OPERATOR(pg_catalog.||) CASE WHEN $8 THEN pg_catalog.jsonb_build_object('new', "            \
    "pg_catalog.to_jsonb($5)) ELSE '{}'::pg_catalog.jsonb END "                                  \
    "OPERATOR(pg_catalog.||) CASE WHEN $9 THEN pg_catalog.jsonb_build_object('old', "            \
    "pg_catalog.to_jsonb($6)) ELSE '{}'::pg_catalog.jsonb END END"
/* Run as the queue's owner: plain values only. */
#define INSERT_SQL "INSERT INTO aws_lambda.queue (id, function_name, payload) VALUES ($1, $2, $3)"

static Datum row_datum(HeapTuple tuple, TupleDesc desc) { return heap_copy_tuple_as_datum(tuple, desc); }

Datum aws_lambda_trigger_invoke(PG_FUNCTION_ARGS) {
    static SPIPlanPtr payload_plan, insert_plan;
    TriggerData *td = (TriggerData *)fcinfo->context;
    Datum values[9];
    char nulls[9];
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
    if (tg->tgnargs < 1 || tg->tgnargs > 2)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("aws_lambda.trigger_invoke takes a function name and optionally "
                               "'new' (trigger \"%s\" has %d arguments)",
                               tg->tgname, tg->tgnargs)));
    if (tg->tgnargs == 2) {
        if (strcmp(tg->tgargs[1], "new") != 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("aws_lambda.trigger_invoke: unknown option \"%s\" in trigger "
                                   "\"%s\"",
                                   tg->tgargs[1], tg->tgname),
                            errhint("The only option is 'new' (send just the new row).")));
        only_new = true;
    }
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

    awsq_check_target(tg->tgargs[0], NULL, NULL, "Event");

    TupleDesc desc = RelationGetDescr(td->tg_relation);
    HeapTuple newt = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
    HeapTuple oldt = td->tg_trigtuple;
    memset(nulls, ' ', sizeof nulls);
    int64 id = awsq_next_id();
    values[0] = Int64GetDatum(id);
    values[1] = CStringGetTextDatum(op);
    values[2] = CStringGetTextDatum(get_namespace_name(RelationGetNamespace(td->tg_relation)));
    values[3] = CStringGetTextDatum(RelationGetRelationName(td->tg_relation));
    values[4] = has_new ? row_datum(newt, desc) : (Datum)0;
    values[5] = has_old && !only_new ? row_datum(oldt, desc) : (Datum)0;
    if (!has_new) nulls[4] = 'n';
    if (!has_old || only_new) nulls[5] = 'n';
    values[6] = BoolGetDatum(only_new);
    values[7] = BoolGetDatum(has_new);
    values[8] = BoolGetDatum(has_old && !only_new);

    SPI_connect();
    if (!payload_plan) {
        Oid types[9] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, RECORDOID, RECORDOID,
                        BOOLOID, BOOLOID, BOOLOID};
        payload_plan = awsq_keep_plan(PAYLOAD_SQL, 9, types);
    }
    if (!insert_plan) {
        Oid types[3] = {INT8OID, TEXTOID, JSONBOID};
        insert_plan = awsq_keep_plan(INSERT_SQL, 3, types);
    }
    if (SPI_execute_plan(payload_plan, values, nulls, false, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "aws_lambda.trigger_invoke: building the payload failed");
    bool isnull;
    Datum payload = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    Datum ivalues[3] = {Int64GetDatum(id), CStringGetTextDatum(tg->tgargs[0]), payload};
    awsq_insert(insert_plan, ivalues, NULL);
    SPI_finish();
    return PointerGetDatum(NULL);
}
