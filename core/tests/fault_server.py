#!/usr/bin/env python3
"""fault_server.py — a loopback Lambda-Invoke-shaped HTTP server that
misbehaves on purpose, for transport tests (core, PostgreSQL, MariaDB).

Start:  python3 fault_server.py --port-file FILE [--port N] [--tls CERT KEY]
        (binds 127.0.0.1, port 0 = any free one; writes the port to FILE once
        listening; --tls serves HTTPS with that PEM certificate and key).
        Stop it with SIGTERM.
        --verify-secret SECRET: every invoke's SigV4 signature is recomputed
        with botocore (the reference signer) for that secret and the
        received date/region; a mismatch answers 403 SignatureDoesNotMatch
        (XML, like moto) and counts in "sig_failures". Unlike moto this
        accepts ':' in the path, so ARNs and name:alias are checked too.
        --blackhole instead listens with a full backlog and never accepts:
        connects to it time out (for connect-timeout tests).

Invoke: POST /2015-03-31/functions/<NAME>/invocations
  NAME is "<scenario>" or "<scenario>_<tag>" (also inside an ARN, a partial
  ARN or with ":qualifier"); counts are kept per full NAME (as sent), so
  give each test its own tag. Scenarios:
    ok           200, echoes the payload; X-Amz-Executed-Version: $LATEST;
                 Tail -> X-Amz-Log-Result (base64 "START fault\\nEND\\n");
                 X-Amz-Invocation-Type Event -> 202 empty, DryRun -> 204
    slow<MS>     like ok after sleeping MS milliseconds (slow100)
    throttle     429 TooManyRequestsException (header + JSON body) always
    throttleRA<S> 429 with Retry-After: S seconds
    rate<R>      a per-NAME rate limit: like ok while fewer than R answers
                 were let through in the last second, else 429
                 TooManyRequestsException (no Retry-After) (rate20)
    fail<C>x<N>  HTTP C (500/502/503/504, JSON ServiceException body) for
                 the first N attempts, then like ok (fail503x2, fail500x5)
    reset        reads the request, then resets the connection (RST)
    hang         reads the request, never answers (closes after 60 s)
    truncated    200 with Content-Length 100 but 10 bytes, then close
    html502      502 with an HTML body (like a proxy)
    xml403       403 SignatureDoesNotMatch as moto sends it (XML)
    big          200 with a 7 MB body
    funcerror    200 + X-Amz-Function-Error: Unhandled + errorType/errorMessage
    notfound     404 ResourceNotFoundException with AWS's headers and body
    badlog       200 with a malformed X-Amz-Log-Result
InvokeWithResponseStream: POST /2021-11-15/functions/<NAME>/response-streaming-invocations
  the same names and scenarios (ok answers with an event stream: the
  payload as two PayloadChunk events, then InvokeComplete, LogResult with
  Tail), plus, sent chunked:
    esError      PayloadChunk "partial", then InvokeComplete with ErrorCode
                 ValueError / ErrorDetails "stream broke"
    esCut        PayloadChunk "partial", then the connection closes mid-body
    esNoComplete PayloadChunk "partial", then the body ends without InvokeComplete
    esDoneCut    PayloadChunk "partial" and InvokeComplete, then the connection
                 closes before the body's last chunk
    esBadCrc     a PayloadChunk whose message CRC is wrong
    esException  an exception message (:exception-type ServiceException)
Control:
  GET  /_counts         {"attempts": {NAME: n}, "requests": n, "connections": n,
                         "sig_checked": n, "sig_failures": n,
                         "connections_by_name": {NAME: connections that carried NAME}}
                        ("connections" includes control requests' own)
  GET  /_last?name=NAME {"path", "query", "headers"} of NAME's last request
  GET  /_times?name=NAME [[t, code], ...]: when each of NAME's requests
                        arrived (monotonic seconds) and what it was answered
                        (kept for rate<R> scenarios only)
  POST /_reset          clears counts
"""
import argparse, base64, json, os, signal, socket, struct, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs, unquote

lock = threading.Lock()
state = {"attempts": {}, "requests": 0, "connections": 0, "connections_by_name": {}, "last": {},
         "sig_failures": 0, "sig_checked": 0, "times": {}}
VERIFY_SECRET = None


def signature_ok(handler, body):
    """Recomputes the request's signature with botocore; True if it matches."""
    import re
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    auth = handler.headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        return False
    key, region, service, signed, sig = m.groups()
    names = signed.split(";")
    headers = {n: handler.headers.get(n, "") for n in names if n != "host"}
    req = AWSRequest(method=handler.command, url="http://" + handler.headers.get("Host", "") + handler.path,
                     data=body, headers=headers)
    req.context["timestamp"] = handler.headers.get("X-Amz-Date", "")
    signer = SigV4Auth(Credentials(key, VERIFY_SECRET, handler.headers.get("X-Amz-Security-Token")),
                       service, region)
    if sorted(signer.headers_to_sign(req).keys()) != sorted(names):
        return False
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    return want == sig

PREFIX = "/2015-03-31/functions/"
STREAM_PREFIX, STREAM_SUFFIX = "/2021-11-15/functions/", "/response-streaming-invocations"


def es_message(headers, payload):
    """One message of AWS's event stream framing (string headers)."""
    import zlib
    hb = b""
    for k, v in headers:
        hb += bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
    prelude = struct.pack(">II", 16 + len(hb) + len(payload), len(hb))
    m = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return m + struct.pack(">I", zlib.crc32(m))


def es_event(kind, payload, ctype="application/octet-stream"):
    return es_message([(":event-type", kind), (":content-type", ctype), (":message-type", "event")], payload)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        self.names_seen = set()
        with lock:
            state["connections"] += 1

    def send(self, code, body=b"", headers=None, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "00000000-fault-server")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        u = urlsplit(self.path)
        with lock:
            if u.path == "/_counts":
                out = {k: state[k] for k in ("attempts", "requests", "connections", "connections_by_name",
                                             "sig_failures", "sig_checked")}
            elif u.path == "/_last":
                out = state["last"].get(parse_qs(u.query).get("name", [""])[0], {})
            elif u.path == "/_times":
                out = state["times"].get(parse_qs(u.query).get("name", [""])[0], [])
            else:
                return self.send(404, b'{"message":"no such control endpoint"}')
            body = json.dumps(out).encode()
        self.send(200, body)

    def do_POST(self):
        u = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if u.path == "/_reset":
            with lock:
                state.update(attempts={}, requests=0, connections=0, connections_by_name={}, last={},
                             sig_failures=0, sig_checked=0, times={})
            return self.send(200, b"{}")
        self.stream = u.path.startswith(STREAM_PREFIX) and u.path.endswith(STREAM_SUFFIX)
        if self.stream:
            name = unquote(u.path[len(STREAM_PREFIX):-len(STREAM_SUFFIX)])
        elif u.path.startswith(PREFIX) and u.path.endswith("/invocations"):
            name = unquote(u.path[len(PREFIX):-len("/invocations")])
        else:
            return self.send(404, b'{"message":"unknown path"}')
        with lock:
            n = state["attempts"].get(name, 0) + 1
            state["attempts"][name] = n
            state["requests"] += 1
            if name not in self.names_seen:
                self.names_seen.add(name)
                cb = state["connections_by_name"]
                cb[name] = cb.get(name, 0) + 1
            state["last"][name] = {"path": u.path, "query": u.query,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}}
        if VERIFY_SECRET is not None:
            good = signature_ok(self, body)
            with lock:
                state["sig_checked"] += 1
                state["sig_failures"] += 0 if good else 1
            if not good:
                return self.scenario("xml403", n, body)
        parts = name.split(":")
        base = parts[parts.index("function") + 1] if "function" in parts[:-1] else parts[0]
        self.fault_name = name
        self.scenario(base.split("_")[0], n, body)

    def ok(self, body):
        t = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if t == "Event":
            return self.send(202)
        if t == "DryRun":
            return self.send(204)
        h = {"X-Amz-Executed-Version": "$LATEST"}
        log = base64.b64encode(b"START fault\nEND\n").decode()
        if self.stream:
            done = {"LogResult": log} if self.headers.get("X-Amz-Log-Type") == "Tail" else {}
            half = len(body) // 2
            return self.send_stream([es_event("PayloadChunk", body[:half]), es_event("PayloadChunk", body[half:]),
                                     es_event("InvokeComplete", json.dumps(done).encode(), "application/json")])
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            h["X-Amz-Log-Result"] = log
        self.send(200, body, h)

    def send_stream(self, messages, end=True):
        """200 with an event stream body, one HTTP chunk per message; end=False
        closes the connection without the last chunk."""
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-amzn-RequestId", "00000000-fault-server")
        self.send_header("X-Amz-Executed-Version", "$LATEST")
        self.end_headers()
        for m in messages:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(m), m))
            self.wfile.flush()
        if end:
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.close_connection = True

    def error(self, code, etype, message):
        body = json.dumps({"Type": "Service", "message": message}).encode()
        self.send(code, body, {"x-amzn-ErrorType": etype})

    def rate_limited(self, limit):
        """rate<R>: True (and logged) when R answers went through in the last second."""
        now = time.monotonic()
        with lock:
            log = state["times"].setdefault(self.fault_name, [])
            passed = sum(1 for t, c in log if c == 200 and t > now - 1.0)
            limited = passed >= limit
            log.append([now, 429 if limited else 200])
        return limited

    def scenario(self, s, n, body):
        if s == "ok":
            return self.ok(body)
        if s.startswith("rate") and s[4:].isdigit():
            if self.rate_limited(int(s[4:])):
                return self.error(429, "TooManyRequestsException", "Rate exceeded")
            return self.ok(body)
        if s.startswith("slow"):
            time.sleep(int(s[4:] or 100) / 1000.0)
            return self.ok(body)
        if s.startswith("throttle"):
            h = {"x-amzn-ErrorType": "TooManyRequestsException"}
            if s.startswith("throttleRA"):
                h["Retry-After"] = s[len("throttleRA"):]
            b = json.dumps({"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                            "Type": "User", "message": "Rate Exceeded."}).encode()
            return self.send(429, b, h)
        if s.startswith("fail"):
            code, times = s[4:].split("x")
            if n <= int(times):
                return self.error(int(code), "ServiceException", f"transient failure {n}")
            return self.ok(body)
        if s == "reset":
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if s == "hang":
            for _ in range(600):
                time.sleep(0.1)
            self.close_connection = True
            return
        if s == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"partial":')
            self.wfile.flush()
            self.close_connection = True
            return
        if s == "html502":
            return self.send(502, b"<html><body><h1>502 Bad Gateway</h1>\n</body></html>\n", ctype="text/html")
        if s == "xml403":
            b = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>'
                 b'<Message>The request signature we calculated does not match the signature you provided.</Message>'
                 b'</Error><RequestId>x</RequestId></ErrorResponse>')
            return self.send(403, b, ctype="text/xml")
        if s == "big":
            return self.send(200, b'"' + b"a" * (7 * 1024 * 1024) + b'"')
        if s == "funcerror":
            b = json.dumps({"errorMessage": "boom happened", "errorType": "ValueError",
                            "stackTrace": ["  File x"]}).encode()
            return self.send(200, b, {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"})
        if s == "notfound":
            b = json.dumps({"Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:notfound"}).encode()
            return self.send(404, b, {"x-amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda.core/"})
        if s == "esError":
            return self.send_stream([es_event("PayloadChunk", b"partial"), es_event(
                "InvokeComplete", b'{"ErrorCode":"ValueError","ErrorDetails":"stream broke"}', "application/json")])
        if s == "esCut":
            return self.send_stream([es_event("PayloadChunk", b"partial")], end=False)
        if s == "esDoneCut":
            return self.send_stream([es_event("PayloadChunk", b"partial"),
                                     es_event("InvokeComplete", b"{}", "application/json")], end=False)
        if s == "esNoComplete":
            return self.send_stream([es_event("PayloadChunk", b"partial")])
        if s == "esBadCrc":
            m = bytearray(es_event("PayloadChunk", b"partial"))
            m[-1] ^= 1
            return self.send_stream([bytes(m)])
        if s == "esException":
            return self.send_stream([es_message([(":exception-type", "ServiceException"), (":content-type", "application/json"),
                                                 (":message-type", "exception")], b'{"message":"it broke"}')])
        if s == "badlog":
            return self.send(200, b"{}", {"X-Amz-Log-Result": "!!not*base64!!"})
        return self.error(400, "InvalidParameterValueException", f"fault_server: unknown scenario {s}")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    allow_reuse_address = True
    request_queue_size = 128


def write_port(a, port):
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(a.port_file + ".tmp", a.port_file)
    else:
        print(port, flush=True)


def blackhole(a):
    s = socket.socket()
    s.bind(("127.0.0.1", a.port))
    s.listen(0)
    port = s.getsockname()[1]
    fill = []
    for _ in range(4):  # fill the accept queue; later SYNs are dropped
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    write_port(a, port)
    while True:
        time.sleep(60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--blackhole", action="store_true")
    ap.add_argument("--verify-secret")
    a = ap.parse_args()
    global VERIFY_SECRET
    VERIFY_SECRET = a.verify_secret
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if a.blackhole:
        return blackhole(a)
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*a.tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    write_port(a, srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
