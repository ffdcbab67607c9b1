"""bulk_rs_fail — Redshift protocol: the UDF reports failure."""


def lambda_handler(event, context):
    return {"success": False, "error_msg": "cannot score rows: model not loaded",
            "num_records": event["num_records"], "results": []}
