#!/usr/bin/env python3
"""queue_sink.py — a loopback Lambda-Invoke endpoint that records every
invocation, for the transactional delivery tests (t_queue*.sh): the tests
count at the endpoint what the worker delivered.

Start:  python3 queue_sink.py --port-file FILE [--port N] --log FILE [--control DIR]
        (127.0.0.1; port 0 = any free one; writes the port to FILE once
        listening, so a restart on the same --port is "the endpoint is back").
Invoke: POST /2015-03-31/functions/<NAME>/invocations. Each request appends
        one JSON line to the log: {"name", "type" (X-Amz-Invocation-Type),
        "body" (parsed JSON, or the raw text; "(N bytes)" above 64 KB), "context" (decoded
        X-Amz-Client-Context JSON, or null), "bytes" (body size as received), "t" (arrival, epoch s),
        "conc" (requests for NAME in progress at arrival, this one included),
        "code" (the HTTP status answered)}.
        With --control DIR, a file DIR/<NAME> overrides the answer while it
        exists: "500" answers 500 ServiceException, "404" 404
        ResourceNotFoundException, "429 S" answers 429
        TooManyRequestsException with Retry-After: S; "500 tag=T" / "404 tag=T"
        answer so only a request whose payload (or a record of its batch)
        has "tag": T, the others as if the file did not exist. Otherwise
        NAME decides:
          funcerror*  200 + X-Amz-Function-Error: Unhandled (a function error)
          notfound*   404 ResourceNotFoundException
          slow<MS>*   like the default after MS milliseconds (slow*: 300)
          throttle<K>_* 429 TooManyRequestsException with Retry-After: 1 when
                      more than K requests for NAME are in progress, else
                      like the default after 100 ms
          anything else: Event 202 (empty), RequestResponse 200 echoing
          {"echo": <payload>}
"""
import argparse, base64, itertools, json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

lock = threading.Lock()
log = None
control = None
in_progress = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "00000000-queue-sink")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        parts = self.path.split("/")
        name = unquote(parts[3]) if len(parts) > 4 else "?"
        itype = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        try:
            body = json.loads(raw) if len(raw) <= 65536 else "(%d bytes)" % len(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        ctx = self.headers.get("X-Amz-Client-Context")
        try:
            ctx = json.loads(base64.b64decode(ctx)) if ctx else None
        except ValueError:
            ctx = "(undecodable)"
        with lock:
            conc = in_progress[name] = in_progress.get(name, 0) + 1
        try:
            code, answer, headers = self.answer(name, itype, body, conc)
        finally:
            with lock:
                in_progress[name] -= 1
        with lock:
            log.write(json.dumps({"name": name, "type": itype, "body": body, "context": ctx,
                                  "bytes": len(raw), "t": time.time(), "conc": conc,
                                  "code": code}) + "\n")
            log.flush()
        return self.send(code, answer, headers)

    def answer(self, name, itype, payload, conc):
        """(status, body bytes, headers)"""
        rule = None
        if control:
            try:
                with open(os.path.join(control, name)) as f:
                    rule = f.read().split()
            except OSError:
                pass
        if rule and len(rule) > 1 and rule[1].startswith("tag="):
            records = payload.get("records") if isinstance(payload, dict) else None
            tags = [r.get("tag") for r in (records if isinstance(records, list) else [payload])
                    if isinstance(r, dict)]
            if rule[1][4:] not in tags:
                rule = None
        if rule and rule[0] == "500":
            b = json.dumps({"Type": "Service", "Message": "sink told to fail"}).encode()
            return 500, b, {"x-amzn-ErrorType": "ServiceException"}
        if rule and rule[0] == "404":
            b = json.dumps({"Type": "User", "Message": "Function not found: " + name}).encode()
            return 404, b, {"x-amzn-ErrorType": "ResourceNotFoundException"}
        if rule and rule[0] == "429":
            b = json.dumps({"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                            "Type": "User", "message": "Rate Exceeded."}).encode()
            return 429, b, {"x-amzn-ErrorType": "TooManyRequestsException",
                            "Retry-After": rule[1] if len(rule) > 1 else "1"}
        if name.startswith("throttle"):
            digits = "".join(itertools.takewhile(str.isdigit, name[8:]))
            if conc > int(digits or "1"):
                b = json.dumps({"Reason": "ConcurrentInvocationLimitExceeded", "Type": "User",
                                "message": "Rate Exceeded."}).encode()
                return 429, b, {"x-amzn-ErrorType": "TooManyRequestsException", "Retry-After": "1"}
            time.sleep(0.1)
        if name.startswith("slow"):
            digits = "".join(itertools.takewhile(str.isdigit, name[4:]))
            time.sleep(int(digits) / 1000 if digits else 0.3)
        if name.startswith("funcerror"):
            b = json.dumps({"errorMessage": "poison event", "errorType": "ValueError"}).encode()
            return 200, b, {"X-Amz-Function-Error": "Unhandled"}
        if name.startswith("notfound"):
            b = json.dumps({"Type": "User", "Message": "Function not found: " + name}).encode()
            return 404, b, {"x-amzn-ErrorType": "ResourceNotFoundException"}
        if itype == "Event":
            return 202, b"", None
        return 200, json.dumps({"echo": payload}).encode(), None

def main():
    global log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--control")
    a = ap.parse_args()
    global control
    control = a.control
    log = open(a.log, "a")
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128  # many connects at once (worker_concurrency)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
