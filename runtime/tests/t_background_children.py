"""t_background_children.py — functions that leave background children
holding their stdout/stderr never wedge serve (issue 11): an invoke that
leaves one returns at once; a worker that exits mid-invocation while its
child holds the log pipe is reported (Runtime.ExitError) at once, not at
the timeout, also when the child escaped the worker's process group with
setsid; the next invoke starts a fresh instance; shutdown completes and
leaves no orphan (the group is killed when the worker exits; serve is the
subreaper of what escaped it and kills those at shutdown)."""
import json
import subprocess
import time

from serve_helper import Server, done, is_, ok


def leftovers():
    out = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "sleep 317.417" in l and " Z" not in l]


before = len(leftovers())
s = Server()


def timed(event):
    t = time.monotonic()
    try:
        st, h, body = s.invoke("bgchild", json.dumps(event))
    except OSError as e:  # a wedged server: the client times out
        st, h, body = None, {}, str(e).encode()
    return st, h, body, time.monotonic() - t


st, h, body, took = timed({"m": "bg"})
ok(st == 200 and body == b'{"ok":true}' and took < 3, "an invoke that leaves a background child returns (%.2fs)" % took, (st, body))
st, h, body, took = timed({"m": "bg"})
ok(st == 200 and took < 2, "the warm instance serves again (%.2fs)" % took, (st, body))
for mode in ("exit", "escape"):
    st, h, body, took = timed({"m": mode})
    j = json.loads(body) if st == 200 else {}
    ok(st == 200 and j.get("errorType") == "Runtime.ExitError" and took < 2.5,
       "worker exits mid-invocation, child (%s) holds its output -> Runtime.ExitError at once (%.2fs)" % (mode, took), (st, body))
    st, h, body, took = timed({"m": "bg"})
    ok(st == 200 and body == b'{"ok":true}', "then a fresh instance serves (%s)" % mode, (st, body))
time.sleep(0.3)
ok(len(leftovers()) - before <= 2, "children of a worker that exited were killed with its group", leftovers())
t = time.monotonic()
rc = s.stop(timeout=20)
took = time.monotonic() - t
ok(rc == 0 and took < 5, "shutdown completes (%.2fs, exit %s)" % (took, rc))
time.sleep(0.3)
is_(len(leftovers()) - before, 0, "no orphan left behind (escaped ones included)")
done()
