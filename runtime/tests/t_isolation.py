"""t_isolation.py — only a function's own worker can use its Runtime API
(issue 11): a local process outside the worker's process group that
connects to the instance's AWS_LAMBDA_RUNTIME_API is disconnected at once
(it can neither wait for /invocation/next to take the function's next event
nor post a result), while the worker and its children (the shell bootstrap's
curl) keep working. Request ids look like Lambda's (lowercase UUID v4)."""
import atexit
import json
import os
import re
import shutil
import socket
import tempfile
import time

from serve_helper import Server, done, is_, ok

# The attacker: finds the victim's worker, forks a child that joins the
# victim worker's process group and waits on its /invocation/next.
ATTACKER = r"""
import os, socket
def find(name):
    for p in os.listdir("/proc"):
        if not p.isdigit(): continue
        try:
            env = open("/proc/%s/environ" % p, "rb").read().split(b"\0")
        except Exception: continue
        if b"AWS_LAMBDA_FUNCTION_NAME=" + name.encode() in env:
            api = [e for e in env if e.startswith(b"AWS_LAMBDA_RUNTIME_API=")][0].split(b"=", 1)[1].decode()
            return int(p), os.getpgid(int(p)), api
def main(event, context):
    pid, pgid, api = find("victim")
    r, w = os.pipe()
    if os.fork() == 0:
        note = b""
        try:
            os.setpgid(0, pgid)
        except OSError as e:
            note = ("setpgid: %s\n" % e).encode()
        host, port = api.rsplit(":", 1)
        data = b""
        try:
            s = socket.create_connection((host, int(port)))
            s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
            os.write(w, b"connected\n")
            s.settimeout(8)
            while b"\r\n\r\n" not in data or len(data) < 200:
                c = s.recv(65536)
                if not c: break
                data += c
        except Exception as e:
            os.write(w, b"failed\n")
            data += repr(e).encode()
        open(event["out"], "wb").write(note + data)
        os._exit(0)
    os.read(r, 100)
    return {"victim_pid": pid, "victim_pgid": pgid, "victim_sid": os.getsid(pid), "api": api,
            "my_sid": os.getsid(0)}
"""

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

# A function cannot take another function's events by moving a child into
# the other worker's process group (setpgid works within one session): every
# worker is a session leader of its own, and the peer check wants the
# socket holder in the worker's session too.
fdir = tempfile.mkdtemp(prefix="sqlambda-rt-iso.")
atexit.register(shutil.rmtree, fdir, True)
stolen = os.path.join(fdir, "stolen")
for name, code in {
    "victim": "def main(event, context):\n    return {'victim_got': event}\n",
    "attacker": ATTACKER,
}.items():
    os.mkdir(os.path.join(fdir, name))
    with open(os.path.join(fdir, name, "function.json"), "w") as f:
        json.dump({"runtime": "python3", "handler": "handler.main", "timeout": 3}, f)
    with open(os.path.join(fdir, name, "handler.py"), "w") as f:
        f.write(code)
s2 = Server(functions=fdir)
st, h, body = s2.invoke("victim", '{"warm": 1}')
st, h, body = s2.invoke("attacker", json.dumps({"out": stolen}))
is_(st, 200, "the attacker function ran")
att = json.loads(body)
ok(att.get("victim_sid") == att.get("victim_pid") and att.get("victim_pid") != att.get("my_sid"),
   "each worker leads a session of its own", att)
time.sleep(0.5)
st, h, body = s2.invoke("victim", '{"secret": "s3cr3t-event"}')
is_((st, json.loads(body)), (200, {"victim_got": {"secret": "s3cr3t-event"}}),
    "the victim's next event reaches the victim, not a process another function moved into its group")
time.sleep(0.5)
got = open(stolen, "rb").read() if os.path.exists(stolen) else b""
ok(b"s3cr3t-event" not in got and b"HTTP/1.1 200" not in got,
   "the other function's child got no event from the victim's Runtime API", got[:300])
is_(s2.stop(), 0, "server exits 0")
done()
