"""bulk_rs_short — Redshift protocol: right num_records, one result short."""


def lambda_handler(event, context):
    n = len(event["arguments"])
    return {"success": True, "num_records": n, "results": [1] * (n - 1)}
