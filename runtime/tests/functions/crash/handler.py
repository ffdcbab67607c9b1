"""crash — test function: exits the worker mid-invocation when
event["crash"]; otherwise sleeps event["sleep"] seconds (default 0) and
returns its pid and when the sleep started and ended (wall clock)."""
import os
import time


def main(event, context):
    if event.get("crash"):
        print("crashing now")
        os._exit(3)
    start = time.time()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "start": start, "end": time.time()}
