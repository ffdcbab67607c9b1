"""bulk_rs_nores — Redshift protocol: success but no "results"."""


def lambda_handler(event, context):
    return {"success": True, "num_records": event["num_records"]}
