"""noisy — test function: prints event["lines"] numbered log lines."""


def main(event, context):
    for i in range(event.get("lines", 0)):
        print("noisy line %05d" % i)
    return {"printed": event.get("lines", 0)}
