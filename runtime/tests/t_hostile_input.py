"""t_hostile_input.py — malformed or hostile input never crashes or wedges
serve (issue 11): bytes that are not UTF-8 in a function's error report
(body and error-type header), in payloads, headers and function names get
well-formed JSON answers; a Content-Length over the limit is answered 413
RequestTooLargeException before the body is read (also with --credentials),
a chunked body past the limit is cut off, a Content-Length shorter or
longer than the body neither hangs nor confuses other requests; chunked
bodies under the limit work. After each, a normal invoke still works and
the server exits 0 (ASan build: no leaks or errors)."""
import json
import os
import socket
import tempfile
import time
import urllib.parse

from serve_helper import Server, done, is_, ok

s = Server("--idle-timeout", "2")
host, port = urllib.parse.urlparse(s.url).netloc.split(":")
INV = "/2015-03-31/functions/%s/invocations"


def raw(data, wait=5.0, send_all=True):
    """Sends data on a new connection; returns (status or None, seconds, all bytes read until close/timeout)."""
    c = socket.create_connection((host, int(port)), timeout=wait)
    t = time.monotonic()
    out = b""
    try:
        try:
            c.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        c.close()
    st = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.") else None
    return st, time.monotonic() - t, out


def body_of(resp):
    return resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else b""


def still_works(name):
    st, h, body = s.invoke("lambdaTest", '{"name":"ok"}')
    is_((st, body), (200, b'{"Status": "OK", "name": "ok"}'), "a normal invoke still works " + name)


# --- not UTF-8 ---
st, h, body = s.invoke("badutf8", "{}")
try:
    j = json.loads(body.decode("utf-8"))
except Exception:  # noqa: BLE001
    j = None
ok(st == 200 and h.get("x-amz-function-error") == "Unhandled" and j is not None and "\ufffd" in j.get("errorType", "")
   and j.get("errorMessage", "").startswith("boom \ufffd"), "a function's /error with non-UTF-8 body and type -> valid JSON, U+FFFD", (st, body))
st, h, body = s.invoke("badutf8", '{"mode":"json"}')
ok(st == 200 and h.get("x-amz-function-error") == "Unhandled", "a non-UTF-8 JSON error object -> Unhandled", (st, body))
still_works("after non-UTF-8 error reports")
st, h, body = s.invoke("lambdaTest", b'{"name":"\xff\xfe"}')
ok(st == 400 and json.loads(body).get("message", "").startswith("Could not parse request body into json"),
   "a payload that is not UTF-8 -> 400 InvalidRequestContentException", (st, body))
st, h, body = s.request("POST", INV % "lambda%FFTest", b"{}")
ok(st in (400, 404) and isinstance(json.loads(body.decode("utf-8")), dict), "a function name that is not UTF-8 -> 4xx with a JSON body", (st, body))
st, _, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nX-Amz-Invocation-Type: \xff\xc3\r\n"
                  b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
try:
    m = json.loads(body_of(resp).decode("utf-8")).get("message", "")
except Exception:  # noqa: BLE001
    m = ""
ok(st == 400 and "invocationType" in m, "an invocation type that is not UTF-8 -> 400 with a readable message", resp[:400])
st, _, resp = raw(b"POST " + (INV % "echo").encode() + b" HTTP/1.1\r\nHost: x\r\nX-Amzn-Trace-Id: \xff\xfe\r\n"
                  b"X-Amz-Client-Context: eyJjdXN0b20iOiB7ImsiOiAiXHUwMGU5In0sCiAiZW52IjogbnVsbH0=\r\n"
                  b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
ok(st == 200 and b'"custom": {"k": "\\u00e9"}' in body_of(resp), "odd trace id bytes and a multi-line client context are passed on", resp[-300:])
still_works("after non-UTF-8 requests")

# --- sizes ---
big_cl = b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 107374182400\r\n\r\n"
st, took, resp = raw(big_cl + b"x" * 1000)
j = json.loads(body_of(resp) or b"{}")
ok(st == 413 and b"RequestTooLargeException" in resp and j.get("message") ==
   "Request must be smaller than 6291456 bytes for the InvokeFunction operation" and took < 2,
   "Content-Length 100 GB -> 413 RequestTooLargeException at once, body not read", (st, took, resp[:300]))
st, took, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     b"Content-Length: 7000000\r\n\r\n")
ok(st == 413 and b"100 Continue" not in resp, "Expect: 100-continue with 7 MB -> 413 instead of 100 Continue", resp[:300])
st, took, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nX-Amz-Invocation-Type: Event\r\n"
                     b"Content-Length: 2000000\r\n\r\n" + b" " * 2000000)
ok(st == 413 and b"smaller than 1048576 bytes" in resp, "Event with a 2 MB body -> 413 (read, discarded)", resp[:300])
chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
c = socket.create_connection((host, int(port)), timeout=10)
c.sendall(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
sent, closed = 0, False
try:
    for _ in range(64):  # 64 MB offered
        c.sendall(chunk)
        sent += 1
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    closed = True
c.close()
ok(closed and sent < 48, "a chunked body growing past the 32 MB read cap is cut off (%d MB offered)" % sent, sent)
st, took, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Connection: close\r\n\r\n7\r\n{\"name\"\r\n6\r\n:\"ch\"}\r\n0\r\n\r\n")
ok(st == 200 and body_of(resp) == b'{"Status": "OK", "name": "ch"}', "a small chunked body works", resp[-200:])
still_works("after oversize bodies")

# --- lying Content-Length ---
st, took, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n"
                     b"{}GARBAGE NOT HTTP\r\n\r\n", wait=5)
ok(resp.count(b"HTTP/1.1 ") >= 1 and resp.startswith(b"HTTP/1.1 200") and took < 4,
   "Content-Length shorter than the body: the request is answered, the rest is not taken for a request that hangs", resp[:200])
t0 = time.monotonic()
st, took, resp = raw(b"POST " + (INV % "lambdaTest").encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}", wait=10)
ok(took < 6 and st is None, "Content-Length longer than the body: the connection is closed after the idle timeout (%.1fs)" % took, (took, resp[:200]))
still_works("after lying Content-Lengths")
is_(s.stop(), 0, "server exits 0")

# --- with --credentials: oversize is 413 too, body not read ---
d = tempfile.mkdtemp(prefix="sqlambda-rt-hostile.")
creds = os.path.join(d, "creds")
with open(creds, "w") as f:
    f.write("AKIDHOSTILE hostileSecret\n")
os.chmod(creds, 0o600)
s = Server("--credentials", creds)
host, port = urllib.parse.urlparse(s.url).netloc.split(":")
st, took, resp = raw(big_cl)
ok(st == 413 and took < 2, "with --credentials: Content-Length 100 GB -> 413 at once", (st, took, resp[:200]))
st, h, body = s.invoke("lambdaTest", b" " * (7 << 20))
is_((st, h.get("x-amzn-errortype")), (413, "RequestTooLargeException"), "with --credentials: a 7 MB body -> 413 (not 403)")
is_(s.stop(), 0, "server exits 0")
done()
