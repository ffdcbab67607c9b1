"""lambdaTest — the seed's test function: returns the event with
"Status": "OK" added first, e.g. {"Status": "OK", "name": "bob"} for
{"name": "bob"}."""


def lambda_handler(event, context):
    result = {"Status": "OK"}
    if isinstance(event, dict):
        result.update(event)
    return result
