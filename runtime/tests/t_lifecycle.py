"""t_lifecycle.py — how instances live and die: timeouts (worker killed and
replaced), crashing workers (Runtime.ExitError, then a fresh worker),
concurrency (parallel instances; waiting for a free one without blocking
other functions; reserved concurrency -> 429 with Retry-After), Event
retries (2 retries on error, same request id), and graceful shutdown
(SIGTERM while a call runs: it completes, then no worker is left)."""
import json
import os
import re
import threading
import time

from serve_helper import Server, children_of, done, group_alive, is_, ok


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def parallel(fn, payloads, server, stagger=0.05):
    out = [None] * len(payloads)

    def run(i):
        out[i] = server.invoke(fn, json.dumps(payloads[i]))
    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for t in ts:
        t.start()
        time.sleep(stagger)
    for t in ts:
        t.join()
    return out


s = Server("--event-retry-delay-ms", "200")

# timeout: killed and replaced
st, h, body = s.invoke("timeout", '{"sleep": 0}')
old = json.loads(body)["pid"]
t0 = time.monotonic()
st, h, body = s.invoke("timeout", '{"sleep": 5}', {"X-Amz-Log-Type": "Tail"})
took = time.monotonic() - t0
j = json.loads(body)
is_((st, h.get("x-amz-function-error")), (200, "Unhandled"), "timeout -> 200 Unhandled")
ok(re.search(r"Task timed out after 1\.00 seconds$", j.get("errorMessage", "")), "errorMessage: Task timed out after 1.00 seconds", j)
is_((j.get("errorType"), j.get("errorMessage")),
    ("Sandbox.Timedout", "RequestId: %s Error: Task timed out after 1.00 seconds" % h.get("x-amzn-requestid")),
    "timeout payload as Lambda's today: Sandbox.Timedout, 'RequestId: ... Error: Task timed out after 1.00 seconds'")
import base64  # noqa: E402
tail = base64.b64decode(h.get("x-amz-log-result", "")).decode()
ok(re.search(r"\n\S+Z %s Task timed out after 1\.00 seconds\n" % h.get("x-amzn-requestid"), tail),
   "the log keeps the timestamped 'Task timed out' line", tail)
ok(re.search(r"REPORT RequestId: \S+\t.*\tStatus: timeout\t\n$", tail), "REPORT ends with Status: timeout", tail)
ok(0.9 < took < 2.5, "the call ends at the 1 s timeout", took)
ok(not alive(old), "the timed-out worker was killed")
st, h, body = s.invoke("timeout", '{"sleep": 0}')
new = json.loads(body).get("pid") if st == 200 else None
ok(st == 200 and new and new != old, "the next call runs on a fresh worker", (st, body))

# crash: Runtime.ExitError and a fresh worker
st, h, body = s.invoke("crash", "{}")
old = json.loads(body)["pid"]
st, h, body = s.invoke("crash", '{"crash": true}', {"X-Amz-Log-Type": "Tail"})
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.ExitError"),
    "worker exiting mid-invocation -> Unhandled Runtime.ExitError")
ok("exit status 3" in j.get("errorMessage", ""), "errorMessage gives the exit status", j)
import base64  # noqa: E402
ok("crashing now" in base64.b64decode(h.get("x-amz-log-result", "")).decode(), "the crashed worker's output is in the Tail log")
st, h, body = s.invoke("crash", "{}")
ok(st == 200 and json.loads(body).get("pid") not in (None, old), "the next call works on a fresh worker", body)

# a crash on a cold start: REPORT gives the peak memory the kernel measured
# for the exited worker (/proc has nothing left: it said 0 MB) and the init
# it took, with Lambda's Status/Error Type fields
s.invoke("crash", '{"crash": true}')  # the warm instance is gone: the next is cold
st, h, body = s.invoke("crash", '{"crash": true}', {"X-Amz-Log-Type": "Tail"})
tail = base64.b64decode(h.get("x-amz-log-result", "")).decode()
m = re.search(r"REPORT RequestId: \S+\t.*Max Memory Used: (\d+) MB\tInit Duration: ([\d.]+) ms\t"
              r"Status: error\tError Type: Runtime.ExitError\t\n$", tail)
ok(m, "cold crash: REPORT with Init Duration, Status: error, Error Type: Runtime.ExitError", tail)
ok(m and int(m.group(1)) > 0, "cold crash: Max Memory Used is measured (not 0 MB)", tail)
ok(m and float(m.group(2)) > 0, "cold crash: Init Duration is measured", tail)

# an init failure: the init time it took (not 0.00 ms) and its error type
st, h, body = s.invoke("initfail", "{}", {"X-Amz-Log-Type": "Tail"})
tail = base64.b64decode(h.get("x-amz-log-result", "")).decode()
m = re.search(r"\tInit Duration: ([\d.]+) ms\tStatus: error\tError Type: Runtime.ImportModuleError\t\n$", tail)
ok(m and float(m.group(1)) > 0, "init failure: REPORT Init Duration measured, Error Type Runtime.ImportModuleError", tail)

# concurrency: parallel instances of a function without reserved concurrency
t0 = time.monotonic()
res = parallel("crash", [{"sleep": 0.9}] * 3, s)
took = time.monotonic() - t0
is_([r[0] for r in res], [200, 200, 200], "three concurrent calls succeed")
is_(len({json.loads(r[2])["pid"] for r in res}), 3, "on three instances")
spans = [(json.loads(r[2])["start"], json.loads(r[2])["end"]) for r in res if r[0] == 200]
# the warm instance may finish before the two cold ones start; those two run
# at once (one after the other, no two sleeps would overlap)
ok(len(spans) == 3 and any(max(x[0], y[0]) < min(x[1], y[1]) for i, x in enumerate(spans) for y in spans[i + 1:]),
   "in parallel: handlers' sleeps overlap (%.2f s in all)" % took, spans)

# reserved concurrency 1: the second concurrent call is throttled
res = parallel("sleeper", [{"sleep": 1.5}, {"sleep": 0}], s, stagger=0.3)
is_(sorted(r[0] for r in res), [200, 429], "reserved concurrency 1 + two concurrent calls -> one 429")
thr = [r for r in res if r[0] == 429]
if thr:
    st, h, body = thr[0]
    is_(h.get("x-amzn-errortype"), "TooManyRequestsException", "429 is TooManyRequestsException")
    ok(h.get("retry-after", "").isdigit(), "429 has Retry-After", h)
    j = json.loads(body)
    is_((j.get("Reason"), j.get("Type"), j.get("message")),
        ("ReservedFunctionConcurrentInvocationLimitExceeded", "User", "Rate Exceeded."), "429 body like AWS's")
st, h, body = s.invoke("sleeper", '{"sleep": 0}')
is_(st, 200, "once the slot is free the function runs again")
lam = s.boto3()
res = [None]
t = threading.Thread(target=lambda: res.__setitem__(0, s.invoke("sleeper", '{"sleep": 1}')))
t.start()
time.sleep(0.3)
try:
    lam.invoke(FunctionName="sleeper", Payload=b'{"sleep": 0}')
    ok(False, "boto3 sees TooManyRequestsException")
except lam.exceptions.TooManyRequestsException as e:
    ok(True, "boto3 sees TooManyRequestsException")
    is_(e.response.get("retryAfterSeconds"), "1", "boto3 parses retryAfterSeconds")
t.join()

# Event: two retries on error, same request id
c1, c2, c3 = (os.path.join(s.dir, n) for n in ("twice", "always", "once"))
for counter, fails in ((c1, 2), (c2, 99), (c3, 0)):
    st, h, body = s.invoke("flaky", json.dumps({"counter": counter, "fail_times": fails}), {"X-Amz-Invocation-Type": "Event"})
    is_(st, 202, "Event accepted (fail_times %d)" % fails)


def lines(p):
    try:
        with open(p) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


deadline = time.monotonic() + 5
while time.monotonic() < deadline and (len(lines(c1)) < 3 or len(lines(c2)) < 3):
    time.sleep(0.05)
time.sleep(1.0)  # a 4th call would come 600 ms after the 3rd
is_(len(lines(c1)), 3, "failing twice then succeeding: called 3 times")
is_(len(lines(c2)), 3, "always failing: called exactly 3 times")
is_(len(lines(c3)), 1, "succeeding at once: called once")
is_(len(set(lines(c2))), 1, "retries keep the request id")
ok("failed after 3 attempts" in s.log(), "an exhausted Event is logged")

# reserved concurrency 0: every sync call throttled; queued Events wait
# without holding the Event threads (4 by default)
st, h, body = s.invoke("disabled", json.dumps({"counter": c3}))
is_((st, h.get("x-amzn-errortype")), (429, "TooManyRequestsException"), "reserved concurrency 0 -> 429")
c4 = os.path.join(s.dir, "after")
for _ in range(6):
    s.invoke("disabled", json.dumps({"counter": c4}), {"X-Amz-Invocation-Type": "Event"})
st, h, body = s.invoke("flaky", json.dumps({"counter": c4, "fail_times": 0}), {"X-Amz-Invocation-Type": "Event"})
deadline = time.monotonic() + 5
while time.monotonic() < deadline and not lines(c4):
    time.sleep(0.05)
is_(len(lines(c4)), 1, "throttled Events do not block other Events (and never run)")
is_(s.stop(), 0, "server stops")

# a function waiting for a free instance does not block other functions
s = Server("--max-concurrency", "1")
s.invoke("timeout", '{"sleep": 0}')
s.invoke("lambdaTest", "{}")
res = [None, None]
ts = [threading.Thread(target=lambda i=i: res.__setitem__(i, s.invoke("timeout", '{"sleep": 0.7}'))) for i in range(2)]
t0 = time.monotonic()
for t in ts:
    t.start()
time.sleep(0.2)
st, h, body = s.invoke("lambdaTest", "{}")
other = time.monotonic() - t0
for t in ts:
    t.join()
took = time.monotonic() - t0
is_([r[0] for r in res], [200, 200], "without reserved concurrency, a call waits for a free instance (no 429)")
ok(took > 1.3, "the two calls ran one after the other (max 1 instance)", took)
ok(st == 200 and other < 0.6, "meanwhile another function answers at once", other)
s.stop()

# graceful shutdown
s = Server()
s.invoke("crash", "{}")
res = [None]
t = threading.Thread(target=lambda: res.__setitem__(0, s.invoke("sleeper", '{"sleep": 1.5}')))
t.start()
time.sleep(0.6)
workers = children_of(s.proc.pid)
ok(len(workers) >= 2, "two workers running before SIGTERM", workers)
rc = s.stop()
t.join()
is_(res[0][0] if res[0] else None, 200, "SIGTERM while a call is in flight: the call completes")
ok(res[0] and json.loads(res[0][2]).get("slept") == 1.5, "with its result")
is_(rc, 0, "server exits 0 after draining")
ok(not any(group_alive(pid) for pid in workers), "no worker process group is left", workers)
ok(not any(alive(p) for p in workers), "no worker process is left")

# SIGINT drains the same way
import signal  # noqa: E402
s = Server()
s.invoke("lambdaTest", "{}")
workers = children_of(s.proc.pid)
s.proc.send_signal(signal.SIGINT)
is_(s.proc.wait(15), 0, "SIGINT: server exits 0")
ok("SIGINT: draining" in s.log(), "SIGINT is logged as a drain")
ok(workers and not any(group_alive(pid) for pid in workers), "SIGINT: no worker left", workers)

# killed outright: PR_SET_PDEATHSIG takes the workers down with the server,
# even one busy in its handler (not reading the Runtime API socket)
s = Server()
s.invoke("crash", "{}")


def doomed_call():
    try:
        s.invoke("crash", '{"sleep": 30}')
    except OSError:
        pass  # the server is killed under it


t = threading.Thread(target=doomed_call)
t.daemon = True
t.start()
time.sleep(0.5)
workers = children_of(s.proc.pid)
s.proc.kill()
s.proc.wait()
deadline = time.monotonic() + 3
while time.monotonic() < deadline and any(alive(p) for p in workers):
    time.sleep(0.05)
ok(len(workers) == 1 and not any(alive(p) for p in workers), "SIGKILL on the server: a busy worker dies too", workers)
done()

