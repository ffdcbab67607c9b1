"""crash — test function: exits the worker mid-invocation when event["crash"]."""
import os


def main(event, context):
    if event.get("crash"):
        print("crashing now")
        os._exit(3)
    return {"pid": os.getpid()}
