"""t_orphan_reaper.py — processes a function orphans (double forks) are
reaped as they exit, not only at shutdown (issue 11): serve is their
subreaper, and a function that keeps running `sh -c '(sleep 0.05 &)'` left
one zombie per call until serve stopped. After 60 such orphans, no zombie
whose parent is serve remains a moment later; workers are still reaped by
their instance (a crashing worker is still Runtime.ExitError with its exit
code in the log), and warm instances keep working."""
import atexit
import json
import os
import shutil
import subprocess
import tempfile
import time

from serve_helper import HERE, Server, done, is_, ok

fdir = tempfile.mkdtemp(prefix="sqlambda-rt-reaper.")
atexit.register(shutil.rmtree, fdir, True)
os.mkdir(os.path.join(fdir, "orphaner"))
with open(os.path.join(fdir, "orphaner", "function.json"), "w") as f:
    json.dump({"runtime": "python3", "handler": "handler.main", "timeout": 30}, f)
with open(os.path.join(fdir, "orphaner", "handler.py"), "w") as f:
    f.write("import os, subprocess\n"
            "def main(event, context):\n"
            "    for i in range(event.get('n', 1)):\n"
            "        subprocess.run(['sh', '-c', '(sleep 0.05 &)'])\n"
            "    return {'pid': os.getpid()}\n")
os.symlink(os.path.join(HERE, "functions", "crash"), os.path.join(fdir, "crash"))


def zombies_of(pid):
    out = subprocess.run(["ps", "-eo", "ppid=,stat="], capture_output=True, text=True).stdout
    return sum(1 for l in out.splitlines() if int(l.split()[0]) == pid and l.split()[1].startswith("Z"))


s = Server(functions=fdir)
st, h, body = s.invoke("orphaner", '{"n": 60}')
is_(st, 200, "the function orphaned 60 short-lived processes")
worker = json.loads(body).get("pid")
deadline = time.monotonic() + 3
while zombies_of(s.proc.pid) and time.monotonic() < deadline:
    time.sleep(0.1)
time.sleep(0.3)
is_(zombies_of(s.proc.pid), 0, "no zombie left under serve a moment later")
st, h, body = s.invoke("orphaner", '{"n": 1}')
is_((st, json.loads(body).get("pid")), (200, worker), "the warm worker was not reaped from under its instance")
st, h, body = s.invoke("crash", '{"crash": true}', {"X-Amz-Log-Type": "Tail"})
ok(st == 200 and h.get("x-amz-function-error") == "Unhandled" and b"Runtime.ExitError" in body and b"status 3" in body,
   "a crashing worker is still reaped by its instance (Runtime.ExitError, its exit status)", (st, h, body))
is_(s.stop(), 0, "server exits 0")
done()
