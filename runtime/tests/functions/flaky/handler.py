"""flaky — test function for Event retries: appends a line to
event["counter"] on every call and fails while the call number is at most
event["fail_times"]."""


def main(event, context):
    with open(event["counter"], "a") as f:
        f.write(context.aws_request_id + "\n")
    with open(event["counter"]) as f:
        calls = len(f.readlines())
    if calls <= event.get("fail_times", 0):
        raise RuntimeError("flaky: call %d fails" % calls)
    return {"calls": calls}
