"""rapiprobe — test function: makes the Runtime API requests listed in the
event ({"requests": [[method, path, body], ...]}) from inside the worker
(the only place allowed to reach it) and returns [status, body] for each,
plus its request id and AWS_LAMBDA_RUNTIME_API."""
import os
import urllib.error
import urllib.request


def main(event, context):
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
    out = []
    for method, path, body in event.get("requests", []):
        req = urllib.request.Request(api + path, data=None if body is None else body.encode(), method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                out.append([r.status, r.read().decode()])
        except urllib.error.HTTPError as e:
            out.append([e.code, e.read().decode()])
    return {"results": out, "request_id": context.aws_request_id, "api": os.environ["AWS_LAMBDA_RUNTIME_API"]}
