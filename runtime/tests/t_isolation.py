"""t_isolation.py — only a function's own worker can use its Runtime API
(issue 11): a local process outside the worker's process group that
connects to the instance's AWS_LAMBDA_RUNTIME_API is disconnected at once
(it can neither wait for /invocation/next to take the function's next event
nor post a result), while the worker and its children (the shell bootstrap's
curl) keep working. Request ids look like Lambda's (lowercase UUID v4)."""
import json
import re
import socket
import time

from serve_helper import Server, done, is_, ok

s = Server()
st, h, body = s.invoke("echo", "{}")
j = json.loads(body)
api = j["env"]["AWS_LAMBDA_RUNTIME_API"]
host, port = api.rsplit(":", 1)


def raw(req, wait=3.0):
    """Sends req on a fresh connection; returns (seconds until the server
    answered or closed, bytes received) or (None, b'') if it kept waiting."""
    c = socket.create_connection((host, int(port)), timeout=wait)
    t = time.monotonic()
    try:
        c.sendall(req)
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                break
        return time.monotonic() - t, data
    except socket.timeout:
        return None, b""
    except ConnectionResetError:
        return time.monotonic() - t, b""
    finally:
        c.close()


took, data = raw(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
ok(took is not None and took < 2 and data == b"",
   "an outside process's GET /invocation/next is disconnected at once (cannot wait for the next event)", (took, data[:200]))
st, h, body = s.invoke("echo", '{"after": 1}')
is_((st, json.loads(body).get("event")), (200, {"after": 1}), "the function's own worker still gets its event")
rid = h.get("x-amzn-requestid")
took, data = raw(("POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                  % rid).encode())
ok(took is not None and data == b"", "an outside process cannot post a result", (took, data[:200]))
took, data = raw(b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
ok(took is not None and data == b"", "an outside process cannot post an init error", (took, data[:200]))
st, h, body = s.invoke("shell", '{"k": 2}')
ok(st == 200 and json.loads(body).get("event") == {"k": 2}, "a provided bootstrap's child processes (curl) still reach it", body)
ok("refused a Runtime API connection to instance" in s.log(), "the refusal is logged")

ids = set()
for i in range(20):
    st, h, body = s.invoke("lambdaTest", "{}")
    ids.add(h.get("x-amzn-requestid"))
ok(len(ids) == 20 and all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i or "") for i in ids),
   "request ids are distinct lowercase UUID v4s", ids)
is_(s.stop(), 0, "server exits 0")
done()
