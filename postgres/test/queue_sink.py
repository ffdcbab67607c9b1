#!/usr/bin/env python3
"""queue_sink.py — a loopback Lambda-Invoke endpoint that records every
invocation, for the transactional delivery tests (t_queue*.sh): the tests
count at the endpoint what the worker delivered.

Start:  python3 queue_sink.py --port-file FILE [--port N] --log FILE
        (127.0.0.1; port 0 = any free one; writes the port to FILE once
        listening, so a restart on the same --port is "the endpoint is back").
Invoke: POST /2015-03-31/functions/<NAME>/invocations. Each request appends
        one JSON line to the log: {"name", "type" (X-Amz-Invocation-Type),
        "body" (parsed JSON, or the raw text; "(N bytes)" above 64 KB), "context" (decoded
        X-Amz-Client-Context JSON, or null), "bytes" (body size as received), "t" (arrival, epoch s)}. NAME decides the answer:
          funcerror*  200 + X-Amz-Function-Error: Unhandled (a function error)
          notfound*   404 ResourceNotFoundException
          slow<MS>*   like the default after MS milliseconds (slow*: 300)
          anything else: Event 202 (empty), RequestResponse 200 echoing
          {"echo": <payload>}
"""
import argparse, base64, itertools, json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

lock = threading.Lock()
log = None


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
        if name.startswith("slow"):
            digits = "".join(itertools.takewhile(str.isdigit, name[4:]))
            time.sleep(int(digits) / 1000 if digits else 0.3)
        with lock:
            log.write(json.dumps({"name": name, "type": itype, "body": body, "context": ctx,
                                  "bytes": len(raw), "t": time.time()}) + "\n")
            log.flush()
        if name.startswith("funcerror"):
            b = json.dumps({"errorMessage": "poison event", "errorType": "ValueError"}).encode()
            return self.send(200, b, {"X-Amz-Function-Error": "Unhandled"})
        if name.startswith("notfound"):
            b = json.dumps({"Type": "User", "Message": "Function not found: " + name}).encode()
            return self.send(404, b, {"x-amzn-ErrorType": "ResourceNotFoundException"})
        if itype == "Event":
            return self.send(202)
        return self.send(200, json.dumps({"echo": body}).encode())


def main():
    global log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log = open(a.log, "a")
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128  # many connects at once (worker_concurrency)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
