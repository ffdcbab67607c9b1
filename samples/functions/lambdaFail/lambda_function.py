"""lambdaFail — a function that always fails, for the walkthrough's failure
step: Lambda reports it as a function error (X-Amz-Function-Error: Unhandled,
errorType "SensorRejected"), which the database turns into an SQL error.
"""
import json


class SensorRejected(Exception):
    pass


def lambda_handler(event, context):
    print("lambdaFail called with %s" % json.dumps(event))
    raise SensorRejected("lambdaFail always fails (event: %s)" % json.dumps(event))
