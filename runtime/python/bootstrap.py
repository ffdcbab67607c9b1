"""bootstrap.py — the Python runtime of `sqlambda serve`: loads the handler
named by _HANDLER ("module.function") from LAMBDA_TASK_ROOT and serves
invocations over the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API), as AWS's
Python runtime does, with a Lambda-like context object. Standard library
only; one keep-alive HTTP connection to the runtime API.

Response streaming: a handler that returns a generator (e.g. one that uses
`yield`) streams its response. Each item (bytes, or str sent as UTF-8) is
sent at once as a chunk of a Runtime API response in streaming mode; the
Content-Type is context.response_content_type (default
"application/octet-stream"), which the generator may set before its first
yield. An exception raised after the first item is reported in the HTTP
trailers (Lambda-Runtime-Function-Error-Type / -Error-Body), as Lambda's
own runtimes do; one raised before it is an ordinary function error."""
import base64
import importlib
import inspect
import json
import os
import socket
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"
TRAILER_MAX = 64 * 1024  # a streamed response's error, as JSON, before base64


class Conn:
    """One keep-alive HTTP/1.1 connection to the Runtime API (a few lines of
    socket code: http.client's header parsing costs more than a small
    handler), reopened once if it drops."""

    def __init__(self):
        host, _, port = API.rpartition(":")
        self.addr = (host, int(port))
        self.sock = None
        self.buf = b""

    def request(self, method, path, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        head = "%s %s%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, PREFIX, path, API, len(body))
        for k, v in (headers or {}).items():
            head += "%s: %s\r\n" % (k, v)
        data = head.encode("utf-8", "surrogateescape") + b"\r\n" + body
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(self.addr)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.buf = b""
                self.sock.sendall(data)
                return self.response()
            except (OSError, ValueError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise

    def stream(self, path, first, rest, headers):
        """POSTs a chunked body: first, then each item of the iterator rest;
        an exception from rest ends the body with the error trailers."""
        head = "POST %s%s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n" % (PREFIX, path, API)
        head += "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
        for k, v in headers.items():
            head += "%s: %s\r\n" % (k, v)
        if self.sock is None:
            self.sock = socket.create_connection(self.addr)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buf = b""
        self.sock.sendall(head.encode("utf-8", "surrogateescape") + b"\r\n")
        trailers = b""
        item = first
        while True:
            data = item.encode() if isinstance(item, str) else bytes(item)
            if data:
                self.sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            try:
                item = next(rest)
            except StopIteration:
                break
            except Exception as e:  # noqa: BLE001 - reported in the trailers
                err = error_body(e)
                err["requestId"] = path.split("/")[2]
                print("[ERROR] %s: %s" % (err["errorType"], err["errorMessage"]), flush=True)
                if len(json.dumps(err)) > TRAILER_MAX:  # trailers are headers: keep them small
                    err["stackTrace"] = err["stackTrace"][-8:]
                    if len(json.dumps(err)) > TRAILER_MAX:
                        err["errorMessage"] = err["errorMessage"][:TRAILER_MAX // 2] + "... (truncated)"
                        err["stackTrace"] = []
                trailers = ("Lambda-Runtime-Function-Error-Type: %s\r\nLambda-Runtime-Function-Error-Body: %s\r\n" % (
                    err["errorType"], base64.b64encode(json.dumps(err).encode()).decode())).encode()
                break
        self.sock.sendall(b"0\r\n" + trailers + b"\r\n")
        return self.response()

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the Runtime API closed the connection")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().title()] = v.strip()
        n = int(headers.get("Content-Length", "0"))
        if len(rest) < n:  # large events: fill a buffer, no repeated concatenation
            buf = bytearray(rest)
            while len(buf) < n:
                chunk = self.sock.recv(min(1 << 20, n - len(buf)))
                if not chunk:
                    raise ConnectionError("the Runtime API closed the connection")
                buf += chunk
            rest = bytes(buf)
        body, self.buf = rest[:n], rest[n:]
        if headers.get("Connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        return status, headers, body


class ClientContext:
    """context.client_context as Lambda builds it from X-Amz-Client-Context."""

    def __init__(self, d):
        self.client = d.get("client")
        self.custom = d.get("custom")
        self.env = d.get("env")

    def __repr__(self):
        return "ClientContext(client=%r, custom=%r, env=%r)" % (self.client, self.custom, self.env)


class Context:
    # fixed for the life of the worker: read once
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
    identity = None

    def __init__(self, headers):
        self.response_content_type = "application/octet-stream"
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
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
        status, headers, body = conn.request("GET", "/invocation/next")
        if status != 200:
            time.sleep(0.01)
            continue
        rid = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            ctx = Context(headers)
            event = json.loads(body) if body else {}
            result = handler(event, ctx)
            streamed = inspect.isgenerator(result)
            if streamed:
                first = next(result, b"")
        except Exception as e:  # noqa: BLE001 - reported to Lambda as a function error
            err = error_body(e)
            err["requestId"] = rid
            print("[ERROR] %s: %s" % (err["errorType"], err["errorMessage"]), flush=True)
            conn.request("POST", "/invocation/%s/error" % rid, json.dumps(err),
                         {"Lambda-Runtime-Function-Error-Type": "Unhandled",
                          "Content-Type": "application/json"})
            continue
        if streamed:
            conn.stream("/invocation/%s/response" % rid, first, result,
                        {"Lambda-Runtime-Function-Response-Mode": "streaming",
                         "Content-Type": ctx.response_content_type})
            continue
        try:
            out = json.dumps(result)
        except (TypeError, ValueError) as e:
            err = {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError",
                   "requestId": rid, "stackTrace": []}
            print("[ERROR] Runtime.MarshalError: %s" % err["errorMessage"], flush=True)
            conn.request("POST", "/invocation/%s/error" % rid, json.dumps(err),
                         {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError"})
            continue
        conn.request("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
