"""crash — test function: exits the worker mid-invocation when
event["crash"]; otherwise sleeps event["sleep"] seconds (default 0) and
returns its pid."""
import os
import time


def main(event, context):
    if event.get("crash"):
        print("crashing now")
        os._exit(3)
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid()}
