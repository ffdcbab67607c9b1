"""soak_echo — the soak's synchronous function: its exact answer is
computable by the caller ({"eid", "x", "sq": x*x}), so the checker can tell
a right answer from a wrong one."""


def lambda_handler(event, context):
    return {"eid": event["eid"], "x": event["x"], "sq": event["x"] * event["x"]}
