"""noisy — test function: prints event["lines"] numbered log lines; returns
a string of event["return_bytes"] bytes, or (event["unserializable"]) a
value json cannot encode."""


def main(event, context):
    for i in range(event.get("lines", 0)):
        print("noisy line %05d" % i)
    if event.get("unserializable"):
        return {"when": object()}
    if event.get("return_bytes"):
        return "x" * event["return_bytes"]
    return {"printed": event.get("lines", 0)}
