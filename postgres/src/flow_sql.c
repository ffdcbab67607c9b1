/*
 * flow_sql.c — the SQL side of flow control that needs C:
 * aws_lambda.worker_wake() (sets the delivery worker's latch when the
 * calling transaction commits: pause, resume, set_concurrency and
 * redeliver call it so the worker acts at once) and aws_lambda.worker_flow()
 * (each function's circuit breaker and limit of calls in flight as the
 * worker published them; read by the queue_status view).
 */
#include "queue.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

static bool wake_at_commit, callback_registered;

static void at_xact_event(XactEvent event, void *arg) {
    /* Every id again: redeliver brings back ids below those claimed, and a
     * function resumed has entries there. */
    if (event == XACT_EVENT_COMMIT && wake_at_commit) awsq_wake_worker(1);
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
        event == XACT_EVENT_PREPARE)
        wake_at_commit = false;
}

PG_FUNCTION_INFO_V1(aws_lambda_worker_wake);
Datum aws_lambda_worker_wake(PG_FUNCTION_ARGS) {
    if (!callback_registered) {
        RegisterXactCallback(at_xact_event, NULL);
        callback_registered = true;
    }
    wake_at_commit = true;
    PG_RETURN_VOID();
}

static const char *breaker_name(awsq_breaker b) {
    switch (b) {
    case AWSQ_OPEN: return "open";
    case AWSQ_HALF_OPEN: return "half-open";
    default: return "closed";
    }
}

PG_FUNCTION_INFO_V1(aws_lambda_worker_flow);
Datum aws_lambda_worker_flow(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    awsq_flow_pub *slots = palloc(sizeof(awsq_flow_pub) * AWSQ_FLOW_SLOTS);
    int n;
    InitMaterializedSRF(fcinfo, 0);
    n = awsq_read_flow(slots);
    for (int i = 0; i < n; i++) {
        Datum v[7];
        bool nulls[7] = {false, false, false, false, false, false, false};
        v[0] = CStringGetTextDatum(slots[i].function);
        v[1] = CStringGetTextDatum(breaker_name(slots[i].breaker));
        v[2] = TimestampTzGetDatum(slots[i].since);
        nulls[2] = slots[i].since == 0;
        v[3] = Int32GetDatum(slots[i].failures);
        v[4] = CStringGetTextDatum(slots[i].last_error);
        nulls[4] = slots[i].last_error[0] == '\0';
        v[5] = Int32GetDatum(slots[i].limit);
        v[6] = Int32GetDatum(slots[i].calls);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
    }
    return (Datum)0;
}
