"""t_event_backlog.py — the Event (async) backlog is bounded (issue 11):
with --max-queued-events 3, events beyond the queued ones are answered
429 TooManyRequestsException (Retry-After, Reason
ConcurrentInvocationLimitExceeded, boto3's modelled exception) instead of
growing memory without limit; once the queue drains, events are accepted
again; bad values of the option are refused."""
import json
import subprocess
import time

from serve_helper import SERVE, Server, done, is_, ok

s = Server("--max-queued-events", "3", "--event-threads", "1")
lam = s.boto3()  # made before the queue fills: creating a client takes a while
ev = {"X-Amz-Invocation-Type": "Event"}
st, h, body = s.invoke("sleeper", json.dumps({"sleep": 4}), ev)  # taken by the one event thread
is_(st, 202, "first event accepted")
time.sleep(0.5)
codes = [s.invoke("sleeper", json.dumps({"sleep": 0}), ev)[0] for _ in range(3)]
is_(codes, [202, 202, 202], "three more fill the queue")
st, h, body = s.invoke("sleeper", "{}", ev)
j = json.loads(body) if body else {}
is_((st, h.get("x-amzn-errortype"), j.get("Reason"), h.get("retry-after")),
    (429, "TooManyRequestsException", "ConcurrentInvocationLimitExceeded", "1"), "queue full -> 429 with Lambda's Reason")
try:
    lam.invoke(FunctionName="lambdaTest", InvocationType="Event", Payload=b"{}")
    ok(False, "boto3 raises TooManyRequestsException when the queue is full")
except Exception as e:  # noqa: BLE001
    is_(type(e).__name__, "TooManyRequestsException", "boto3 raises TooManyRequestsException when the queue is full")
st, h, body = s.invoke("lambdaTest", "{}")
is_(st, 200, "synchronous invokes are not affected")
for _ in range(100):
    time.sleep(0.1)
    st, h, body = s.invoke("lambdaTest", "{}", ev)
    if st == 202:
        break
is_(st, 202, "after the queue drains, events are accepted again")
is_(s.stop(), 0, "server exits 0")
r = subprocess.run([SERVE, "--functions", s.functions, "--max-queued-events", "0"], capture_output=True, text=True, timeout=10)
ok(r.returncode == 2 and "--max-queued-events needs a number" in r.stderr, "--max-queued-events 0 refused", r.stderr)
done()
