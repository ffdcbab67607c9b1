#!/usr/bin/env python3
"""soak/proxy.py — the chaos soak's fault proxy: an HTTP/1.1 proxy on
loopback in front of `sqlambda serve` that the schedule drives.

Usage: proxy.py --port N --upstream PORT --control FILE --log FILE [--seed S]

FILE holds one JSON object, re-read when it changes:
  {"mode": M, "p": P}   M applies to a fraction P of requests (default 1)
    pass          forward everything
    down          the listener is closed (connection refused) and open
                  connections are dropped
    reset_before  reset the connection (RST) without forwarding
    reset_after   forward, then reset instead of answering (the function ran)
    stall         hold the request past the client's timeout, then close
    throttle      429 TooManyRequestsException, Retry-After: 1
    5xx           500/502/503, half with a JSON body, half with an HTML page
    trunc         forward, answer the status line and headers with the whole
                  Content-Length but only half the body, then close
  "break_drop": N    (deliberately broken, for the test that the checker can
                     fail) every Nth Event request is answered 202 without
                     forwarding and is not logged: a delivery that never was
  "break_corrupt": N every Nth RequestResponse answer of soak_echo/soak_batch
                     comes back with one number changed (valid JSON)
A request whose upstream cannot be reached (serve killed) gets 502 with an
HTML body, as a gateway would.

Every request appends one JSON line to the log: {"t" (when it was done),
"ta" (when the request had arrived), "fn", "type", "eids" (event ids found
in the body), "act" (what was done), "st" (status sent, or null)}.
"""
import argparse, json, os, random, re, socket, struct, threading, time

EID = re.compile(rb'"eid": ?"([A-Za-z0-9_.-]+)"')
FN = re.compile(r'/functions/([^/]+)/invocations')

class Proxy:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.lock = threading.Lock()
        self.ctl = {"mode": "pass"}
        self.ctl_mtime = None
        self.logf = open(a.log, "a", buffering=1)
        self.counter = 0
        self.conns = set()
        self.lsock = None

    def control(self):
        try:
            m = os.stat(self.a.control).st_mtime_ns
        except FileNotFoundError:
            return self.ctl
        if m != self.ctl_mtime:
            try:
                with open(self.a.control) as f:
                    self.ctl = json.load(f)
                self.ctl_mtime = m
            except (ValueError, OSError):
                pass  # written half-way: keep the last one
        return self.ctl

    def log(self, **kw):
        kw["t"] = time.time()
        with self.lock:
            self.logf.write(json.dumps(kw) + "\n")

    # ---- listener: closed while the mode is "down"
    def serve(self):
        while True:
            down = self.control().get("mode") == "down"
            if down and self.lsock:
                self.lsock.close(); self.lsock = None
                with self.lock:
                    for c in list(self.conns):
                        rst(c)
            if not down and not self.lsock:
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", self.a.port))
                except OSError:
                    s.close(); time.sleep(0.05); continue
                s.listen(512); s.settimeout(0.05)
                self.lsock = s
            if not self.lsock:
                time.sleep(0.05); continue
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                continue
            c.settimeout(None)
            with self.lock:
                self.conns.add(c)
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()

    def conn(self, c):
        try:
            buf = b""
            while True:
                req, buf = read_request(c, buf)
                if req is None:
                    return
                if not self.handle(c, *req):
                    return
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(c)
            try: c.close()
            except OSError: pass

    def handle(self, c, line, headers, body):
        ta = time.time()
        log = lambda **kw: self.log(ta=ta, **kw)
        path = line.split(" ")[1] if " " in line else ""
        m = FN.search(path)
        fn = m.group(1) if m else None
        typ = headers.get("x-amz-invocation-type", "RequestResponse")
        eids = [e.decode() for e in EID.findall(body)]
        ctl = self.control()
        mode, p = ctl.get("mode", "pass"), ctl.get("p", 1.0)
        with self.lock:
            self.counter += 1
            n = self.counter
            hit = mode != "pass" and self.rng.random() < p
            kind5 = self.rng.choice([500, 502, 503]); html = self.rng.random() < 0.5
        bd = ctl.get("break_drop")
        if bd and typ == "Event" and n % bd == 0:
            send(c, 202, {}, b"")
            return True
        act = mode if hit else "fwd"
        if act == "down":
            rst(c); log(fn=fn, type=typ, eids=eids, act="down", st=None); return False
        if act == "reset_before":
            rst(c); log(fn=fn, type=typ, eids=eids, act=act, st=None); return False
        if act == "stall":
            log(fn=fn, type=typ, eids=eids, act=act, st=None)
            time.sleep(ctl.get("stall_s", 4.0)); c.close(); return False
        if act == "throttle":
            log(fn=fn, type=typ, eids=eids, act=act, st=429)
            send(c, 429, {"x-amzn-ErrorType": "TooManyRequestsException", "Retry-After": "1",
                          "Content-Type": "application/json"},
                 b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}')
            return True
        if act == "5xx":
            log(fn=fn, type=typ, eids=eids, act=act, st=kind5)
            send(c, kind5, *error_body(kind5, html)); return True
        # forward
        st, hdrs, rbody = forward(self.a.upstream, line, headers, body)
        if st is None:
            log(fn=fn, type=typ, eids=eids, act="upstream_down", st=502)
            send(c, 502, *error_body(502, True)); return True
        bc = ctl.get("break_corrupt")
        if bc and typ == "RequestResponse" and fn in ("soak_echo", "soak_batch") and st == 200 and n % bc == 0:
            rbody = re.sub(rb'(\d)(?=[,}\]])', lambda mm: str((int(mm.group(1)) + 1) % 10).encode(), rbody, count=1)
            hdrs = [(k, v) for k, v in hdrs if k.lower() != "content-length"]
        if act == "reset_after":
            rst(c); log(fn=fn, type=typ, eids=eids, act=act, st=None, up=st); return False
        if act == "trunc":  # an empty body (Event's 202) is promised 16 bytes and gets none
            log(fn=fn, type=typ, eids=eids, act=act, st=st, up=st)
            head = status_line(st) + "".join(f"{k}: {v}\r\n" for k, v in hdrs
                                             if k.lower() not in ("content-length", "connection", "transfer-encoding"))
            head += f"Content-Length: {len(rbody) or 16}\r\nConnection: close\r\n\r\n"
            c.sendall(head.encode() + rbody[: len(rbody) // 2]); c.close(); return False
        log(fn=fn, type=typ, eids=eids, act="fwd", st=st)
        send(c, st, dict((k, v) for k, v in hdrs if k.lower() not in
                         ("content-length", "connection", "transfer-encoding")), rbody)
        return True

def status_line(st):
    return f"HTTP/1.1 {st} X\r\n"

def send(c, st, hdrs, body):
    h = status_line(st) + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    h += f"Content-Length: {len(body)}\r\n\r\n"
    c.sendall(h.encode() + body)

def error_body(st, html):
    if html:
        return ({"Content-Type": "text/html"},
                f"<html><head><title>{st} Bad Gateway</title></head><body>upstream error</body></html>".encode())
    return ({"Content-Type": "application/json", "x-amzn-ErrorType": "ServiceException"},
            b'{"Type":"Service","message":"soak proxy: injected service error"}')

def rst(c):
    try:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    except OSError:
        pass

def read_request(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(buf) < n:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    return (lines[0], headers, buf[:n]), buf[n:]

def forward(port, line, headers, body):
    """One request to serve on a fresh connection: (status, headers, body),
    or (None, ...) when serve cannot be reached or drops the connection."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return None, [], b""
    try:
        h = line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()
                                    if k not in ("connection", "content-length"))
        h += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        s.sendall(h.encode("latin-1") + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        return None, [], b""
    finally:
        s.close()
    if b"\r\n\r\n" not in data:
        return None, [], b""
    head, rbody = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    try:
        st = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return None, [], b""
    hdrs = [(k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in lines[1:])]
    cl = [v for k, v in hdrs if k.lower() == "content-length"]
    if cl and len(rbody) < int(cl[0]):
        return None, [], b""  # serve died mid-answer
    return st, hdrs, rbody

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--seed", type=int, default=1)
    Proxy(ap.parse_args()).serve()

if __name__ == "__main__":
    main()
