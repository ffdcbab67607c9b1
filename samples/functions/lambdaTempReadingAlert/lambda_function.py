"""lambdaTempReadingAlert — a Lambda written for Amazon Redshift's Lambda
UDFs (CREATE EXTERNAL FUNCTION ... LAMBDA), as PostgreSQL's
aws_lambda.invoke_batch calls it: each row of "arguments" is [temperature],
each result "alert" at the post's 80 degree alarm threshold or above, else
"ok" (null for a null temperature). A row that is not a number fails the
whole batch with "success": false, as Redshift's protocol has it."""
import json


def lambda_handler(event, context):
    results = []
    for i, row in enumerate(event["arguments"]):
        t = row[0] if row else None
        if t is None:
            results.append(None)
        elif isinstance(t, (int, float)) and not isinstance(t, bool):
            results.append("alert" if t >= 80 else "ok")
        else:
            return {"success": False, "error_msg": "row %d: temperature %s is not a number" % (i + 1, json.dumps(t))}
    return {"success": True, "num_records": len(results), "results": results}
