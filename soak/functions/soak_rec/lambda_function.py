"""soak_rec — the soak's recording function: appends one ledger line per
invocation (the event ids it carries, its client context's idempotency key,
the time) to $SOAK_LEDGER, which the checker reads. A trigger_invoke
payload is the row ({"eid": ...}) or the envelope ({"new": {"eid": ...}});
a micro-batch is {"records": [...]}."""
import json, os, time


def eid_of(r):
    if isinstance(r, dict):
        if "eid" in r:
            return r["eid"]
        if isinstance(r.get("new"), dict):
            return r["new"].get("eid")
    return None


def lambda_handler(event, context):
    recs = event["records"] if isinstance(event, dict) and "records" in event else [event]
    custom = context.client_context.custom if context.client_context else None
    line = json.dumps({"t": time.time(), "fn": context.function_name, "rid": context.aws_request_id,
                       "key": (custom or {}).get("idempotency_key"), "eids": [eid_of(r) for r in recs]})
    fd = os.open(os.environ["SOAK_LEDGER"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())  # one write: lines never interleave
    finally:
        os.close(fd)
    return {"recorded": len(recs)}
