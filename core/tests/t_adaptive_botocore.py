#!/usr/bin/env python3
"""t_adaptive_botocore.py — differential test of retry_mode adaptive's rate
limiter: the same seeded random event sequences (attempts wanting to go,
answers throttled or not, at explicit times) are fed to botocore's own
classes (ClientRateLimiter with its RateClocker, TokenBucket and
CubicCalculator, on a fake clock; a send blocks the way botocore blocks,
the fake condition variable moving the clock by each wait) and to core's
src/adaptive.c through tool_adaptive. After every event the fill rate,
measured rate, enabled flag, bucket capacity, maximum capacity and, for a
send, the time it was let go (or the wait it was told) must agree to 1e-6.
One TAP line per sequence; the first disagreement is printed in full.
Seed: $ADAPTIVE_SEED or random; $ADAPTIVE_SEQUENCES sequences."""
import os
import random
import subprocess
import sys

from botocore.exceptions import CapacityNotAvailableError
from botocore.retries import adaptive, bucket, standard, throttling
import botocore.session

SEQS = int(os.environ.get("ADAPTIVE_SEQUENCES", "40"))
seed = int(os.environ.get("ADAPTIVE_SEED", random.SystemRandom().randrange(1 << 31)))
print(f"# seed {seed} (rerun with ADAPTIVE_SEED={seed}), {SEQS} sequences")

build = os.environ.get("SQLAMBDA_BUILD") or os.path.join(os.path.dirname(__file__), "..", "build")
tool = os.path.join(build, "tests", "tool_adaptive")
if not os.access(tool, os.X_OK):
    print(f"1..1\nnot ok 1 - tool_adaptive binary found at {tool}")
    sys.exit(1)
wrap = os.environ.get("SQLAMBDA_WRAP", "").split()

OP = botocore.session.get_session().get_service_model("lambda").operation_model("Invoke")
THROTTLE_CODES = ["TooManyRequestsException", "ThrottlingException", "Throttling",
                  "RequestLimitExceeded", "SlowDown"]


class FakeClock:
    def __init__(self, t):
        self.t = t

    def current_time(self):
        return self.t

    def sleep(self, amount):
        self.t += amount


class FakeCondition:
    """TokenBucket's condition variable: wait(timeout) moves the fake clock,
    by at least 1 ns as a real one does (core's SQLAMBDA_ADAPTIVE_MIN_WAIT:
    a wait shorter than the clock's resolution would loop for ever)."""

    def __init__(self, clock):
        self.clock = clock

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def notify(self):
        pass

    def wait(self, timeout):
        self.clock.t += max(timeout, 1e-9)


def new_limiter(t0):
    """adaptive.register_retry_handler's objects, on a fake clock."""
    clock = FakeClock(t0)
    cubic = throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time())
    tb = bucket.TokenBucket(max_rate=1, clock=clock)
    tb._new_fill_rate_condition = FakeCondition(clock)
    clocker = adaptive.RateClocker(clock)
    detector = standard.ThrottlingErrorDetector(retry_event_adapter=standard.RetryEventAdapter())
    lim = adaptive.ClientRateLimiter(rate_adjustor=cubic, rate_clocker=clocker, token_bucket=tb,
                                     throttling_detector=detector, clock=clock)
    return clock, tb, clocker, lim


def needs_retry_kwargs(rng, throttled):
    """What botocore's needs-retry event carries for one attempt's outcome."""
    kw = {"attempts": 1, "caught_exception": None, "request_dict": {"context": {}}, "operation": OP}
    if throttled:
        code = rng.choice(THROTTLE_CODES)
        kw["response"] = (None, {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": 429}})
        return kw
    kind = rng.randrange(6)
    if kind == 0:  # a transport failure: no answer
        kw["response"] = None
        kw["caught_exception"] = ConnectionError("reset")
    elif kind == 1:
        kw["response"] = (None, {"Error": {"Code": "ServiceException"}, "ResponseMetadata": {"HTTPStatusCode": 500}})
    else:
        kw["response"] = (None, {"ResponseMetadata": {"HTTPStatusCode": 200}})
    return kw


def run_sequence(k, rng):
    """Builds one sequence on botocore's classes: returns (lines fed to C,
    botocore's expected output lines as number lists)."""
    t = rng.uniform(0, 5000)
    clock, tb, clocker, lim = new_limiter(t)
    feed, want = [f"init {t!r}"], [("init",)]
    n = rng.randint(150, 500)
    mean_gap = rng.choice([0.0005, 0.003, 0.02, 0.1, 0.4])
    server_rate = rng.choice([2.0, 5.0, 20.0, 100.0, 1e9])  # answers throttled above this rate
    recent = []
    for _ in range(n):
        gap = rng.expovariate(1 / mean_gap)
        if rng.random() < 0.03:
            gap += rng.uniform(0.5, 6)  # an idle stretch
        clock.t += gap
        r = rng.random()
        if r < 0.15:  # a send told to wait, not blocked (what core's event loop asks)
            t = clock.t
            feed.append(f"send {t!r}")
            try:
                if lim._enabled:
                    tb.acquire(block=False)
                wait = 0.0
            except CapacityNotAvailableError:
                wait = tb._sleep_amount(1)
            want.append(("send", wait, tb.available_capacity))
        elif r < 0.5:  # a send that waits for its token, as botocore's does
            t = clock.t
            feed.append(f"sendblock {t!r}")
            lim.on_sending_request(request=None)
            want.append(("sendblock", clock.t, tb.available_capacity))
        else:
            t = clock.t
            recent = [x for x in recent if x > t - 1.0] + [t]
            throttled = len(recent) > server_rate or rng.random() < 0.02
            kw = needs_retry_kwargs(rng, throttled)
            if lim._throttling_detector.is_throttling_error(**kw) != throttled:
                raise SystemExit(f"botocore disagrees that {kw['response']} is throttled={throttled}")
            lim.on_receiving_response(**kw)
            feed.append(f"resp {t!r} {int(throttled)}")
            want.append(("resp", tb.max_rate, clocker.measured_rate, int(lim._enabled),
                         tb.available_capacity, tb.max_capacity))
    return feed, want


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


print(f"1..{SEQS}")
failed = 0
total_events = total_throttles = total_waits = 0
for k in range(SEQS):
    rng = random.Random(seed * 1000 + k)
    feed, want = run_sequence(k, rng)
    try:
        p = subprocess.run(wrap + [tool], input="\n".join(feed) + "\n", capture_output=True,
                           text=True, timeout=30)
    except subprocess.TimeoutExpired:  # a limiter whose waits never end: stop here
        print(f"not ok {k + 1} - sequence {k}: tool_adaptive still running after 30 s")
        for j in range(k + 1, SEQS):
            print(f"not ok {j + 1} - sequence {j}: not run (an earlier sequence hung)")
        failed += 1
        break
    got = p.stdout.splitlines()
    bad = None
    if p.returncode != 0:
        bad = f"tool_adaptive exited {p.returncode}: {p.stderr.strip()}"
    elif len(got) != len(want):
        bad = f"{len(got)} lines for {len(want)} events"
    else:
        for i, (g, w) in enumerate(zip(got, want)):
            f = g.split()
            if f[0] != w[0] or len(f) != len(w) or not all(close(float(x), y) for x, y in zip(f[1:], w[1:])):
                bad = f"event {i} ({feed[i]}): C says {g!r}, botocore {' '.join(map(repr, w))}"
                break
    throttles = sum(1 for x in feed if x.startswith("resp") and x.endswith(" 1"))
    waits = sum(1 for w in want if (w[0] == "send" and w[1] > 0))
    waits += sum(1 for i, w in enumerate(want) if w[0] == "sendblock" and w[1] != float(feed[i].split()[1]))
    total_events += len(feed) - 1
    total_throttles += throttles
    total_waits += waits
    desc = f"sequence {k}: {len(feed) - 1} events, {throttles} throttled, {waits} sends waited"
    if bad:
        failed += 1
        print(f"not ok {k + 1} - {desc}\n#   {bad}")
    else:
        print(f"ok {k + 1} - {desc}: core agrees with botocore")
print(f"# {total_events} events, {total_throttles} throttling answers, {total_waits} sends that waited")
sys.exit(1 if failed else 0)
