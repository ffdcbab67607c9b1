"""bootstrap.py — the Python runtime of `sqlambda serve`: loads the handler
named by _HANDLER ("module.function") from LAMBDA_TASK_ROOT and serves
invocations over the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API), as AWS's
Python runtime does, with a Lambda-like context object. Standard library
only; one keep-alive HTTP connection to the runtime API."""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"


class Conn:
    """A persistent connection to the Runtime API, reopened if it drops."""

    def __init__(self):
        self.c = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(API)
            try:
                self.c.request(method, PREFIX + path, body=body, headers=headers or {})
                r = self.c.getresponse()
                return r, r.read()
            except (ConnectionError, http.client.HTTPException):
                self.c.close()
                self.c = None
                if attempt:
                    raise


class ClientContext:
    """context.client_context as Lambda builds it from X-Amz-Client-Context."""

    def __init__(self, d):
        self.client = d.get("client")
        self.custom = d.get("custom")
        self.env = d.get("env")

    def __repr__(self):
        return "ClientContext(client=%r, custom=%r, env=%r)" % (self.client, self.custom, self.env)


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = ClientContext(json.loads(cc)) if cc else None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_body(exc, tb=None):
    frames = [f for f in traceback.extract_tb(tb or exc.__traceback__) if f.filename != __file__]
    stack = traceback.format_list(frames)
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": "",
        "stackTrace": stack,
    }


def load_handler(conn):
    handler = os.environ.get("_HANDLER", "lambda_function.lambda_handler")
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, root)
    mod_name, _, fn_name = handler.rpartition(".")
    try:
        if not mod_name:
            raise ValueError("Bad handler '%s': not enough values to unpack" % handler)
        mod = importlib.import_module(mod_name.replace("/", "."))
    except Exception as e:  # noqa: BLE001 - reported to Lambda as an init error
        body = error_body(e)
        if isinstance(e, ImportError):
            body["errorType"] = "Runtime.ImportModuleError"
            body["errorMessage"] = "Unable to import module '%s': %s" % (mod_name, e)
        elif isinstance(e, ValueError):
            body["errorType"] = "Runtime.MalformedHandlerName"
        else:
            body["errorType"] = "Runtime.UserCodeSyntaxError" if isinstance(e, SyntaxError) else body["errorType"]
        print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
        conn.request("POST", "/init/error", json.dumps(body),
                     {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
        sys.exit(1)
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        body = {"errorMessage": "Handler '%s' missing on module '%s'" % (fn_name, mod_name),
                "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
        print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
        conn.request("POST", "/init/error", json.dumps(body),
                     {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
        sys.exit(1)
    return fn


def main():
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    conn = Conn()
    handler = load_handler(conn)
    while True:
        r, body = conn.request("GET", "/invocation/next")
        if r.status != 200:
            time.sleep(0.01)
            continue
        headers = {k.title(): v for k, v in r.getheaders()}  # case-insensitive names
        rid = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            ctx = Context(headers)
            event = json.loads(body) if body else {}
            result = handler(event, ctx)
            out = json.dumps(result)
        except Exception as e:  # noqa: BLE001 - reported to Lambda as a function error
            err = error_body(e)
            err["requestId"] = rid
            print("[ERROR] %s: %s" % (err["errorType"], err["errorMessage"]), flush=True)
            conn.request("POST", "/invocation/%s/error" % rid, json.dumps(err),
                         {"Lambda-Runtime-Function-Error-Type": "Unhandled",
                          "Content-Type": "application/json"})
            continue
        conn.request("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
