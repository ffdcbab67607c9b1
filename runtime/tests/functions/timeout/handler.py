"""timeout — test function with a 1 s timeout: sleeps event["sleep"] s."""
import os
import time


def main(event, context):
    print("sleeping %s s" % event.get("sleep", 0))
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid()}
