"""soak_batch — the soak's Redshift-protocol function for invoke_batch:
each row [x] answers 3*x + 1."""


def lambda_handler(event, context):
    res = [3 * a[0] + 1 for a in event["arguments"]]
    return {"success": True, "num_records": len(res), "results": res}
