"""bulk_echo20 — invoke_many's test and benchmark function: sleeps 20 ms
and returns the event; an event {"fail": ...} raises (a function error)."""
import time


def lambda_handler(event, context):
    time.sleep(0.02)
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("asked to fail: %s" % event["fail"])
    return event
