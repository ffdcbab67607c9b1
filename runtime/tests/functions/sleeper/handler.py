"""sleeper — test function with reserved concurrency 1: sleeps event["sleep"] s."""
import os
import time


def main(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0), "pid": os.getpid()}
