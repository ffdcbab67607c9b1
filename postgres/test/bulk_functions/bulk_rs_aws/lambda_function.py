"""bulk_rs_aws — a Redshift Lambda UDF written the way AWS's examples are:
the handler returns json.dumps(ret) (a JSON string holding the object), no
num_records, each result itself json.dumps'd (quantity * price)."""
import json


def lambda_handler(event, context):
    ret = dict()
    try:
        res = []
        for argument in event["arguments"]:
            res.append(json.dumps(argument[0] * argument[1]))
        ret["success"] = True
        ret["results"] = res
    except Exception as e:
        ret["success"] = False
        ret["error_msg"] = str(e)
    return json.dumps(ret)
