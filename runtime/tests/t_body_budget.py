"""t_body_budget.py — request bodies cannot exhaust serve's memory (issue
11). With --credentials, a request the headers already condemn (no
Authorization, unknown key, X-Amz-Date off) is answered 403 before its body
is read: 20 clients sending unsigned 6 MB bodies leave serve's peak RSS
where it was, while a correctly signed invoke still works. Without
--credentials, the bodies all connections hold are capped (128 MiB,
declared Content-Length reserved up front): past it a request gets 429
TooManyRequestsException at once, and the budget is returned when the
holders go away; payloads waiting in the Event queue count against it."""
import datetime
import hashlib
import hmac
import json
import os
import socket
import tempfile
import threading
import time
import urllib.parse

from serve_helper import Server, done, is_, ok

AKID, SECRET = "AKIDBUDGET", "budget/secret"
BIG = 6 * 1000 * 1000
PATH = "/2015-03-31/functions/lambdaTest/invocations"


def peak_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def connect(s):
    u = urllib.parse.urlparse(s.url)
    return socket.create_connection((u.hostname, u.port), timeout=5)


def head(s, length, extra=""):
    u = urllib.parse.urlparse(s.url)
    return ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (PATH, u.netloc, length, extra)).encode()


def answer_before_body(s, extra=""):
    """Sends only the headers of a 6 MB request; the status line the server
    answers with before any body byte, or None if it waits for the body."""
    c = connect(s)
    try:
        c.sendall(head(s, BIG, extra))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode() if data else "closed"
    except socket.timeout:
        return None
    finally:
        c.close()


def sign(host, body, when=None):
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz = when.strftime("%Y%m%dT%H%M%SZ")
    names = ["host", "x-amz-date"]
    vals = {"host": host, "x-amz-date": amz}
    canon = "\n".join(["POST", PATH, "", "".join("%s:%s\n" % (n, vals[n]) for n in names), ";".join(names),
                       hashlib.sha256(body).hexdigest()])
    scope = "%s/us-east-1/lambda/aws4_request" % amz[:8]
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + SECRET).encode()
    for part in (amz[:8], "us-east-1", "lambda", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return {"X-Amz-Date": amz, "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
            % (AKID, scope, ";".join(names), sig)}


d = tempfile.mkdtemp(prefix="sqlambda-rt-budget.")
creds = os.path.join(d, "credentials")
with open(creds, "w") as f:
    f.write("%s %s\n" % (AKID, SECRET))
os.chmod(creds, 0o600)
s = Server("--credentials", creds, "--region", "us-east-1")
host = urllib.parse.urlparse(s.url).netloc

st = answer_before_body(s)
ok(st is not None and " 403 " in st, "no Authorization: 403 before the body is read", st)
old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
st = answer_before_body(s, "X-Amz-Date: %s\r\nAuthorization: AWS4-HMAC-SHA256 Credential=NOSUCHKEY/%s/us-east-1/lambda/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature=%s\r\n" % (old, old[:8], "0" * 64))
ok(st is not None and " 403 " in st, "unknown access key: 403 before the body is read", st)
st = answer_before_body(s, "X-Amz-Date: %s\r\nAuthorization: AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/lambda/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature=%s\r\n" % (old, AKID, old[:8], "0" * 64))
ok(st is not None and " 403 " in st, "known key, X-Amz-Date 20 minutes old: 403 before the body is read", st)

before = peak_kb(s.proc.pid)
body = b'{"x": "' + b"a" * (BIG - 10) + b'"}'


def flood():
    try:
        c = connect(s)
        c.settimeout(20)
        c.sendall(head(s, len(body)) + body)
        c.recv(4096)
        c.close()
    except OSError:
        pass


ts = [threading.Thread(target=flood) for _ in range(20)]
for t in ts:
    t.start()
for t in ts:
    t.join()
after = peak_kb(s.proc.pid)
ok(after - before < 40 * 1024, "20 unsigned 6 MB requests: serve's peak RSS grew by %d KB (< 40 MB)"
   % (after - before), (before, after))
payload = b'{"hello": 1}'
hdrs = sign(host, payload)
hdrs["Content-Type"] = "application/json"
st, h, b = s.request("POST", PATH, payload, hdrs)
is_(st, 200, "a correctly signed invoke still works")
is_(s.stop(), 0, "server exits 0")

# The budget, without --credentials: 22 requests declaring 6 MB each and one
# declaring the rest fill 128 MiB; the next is refused at once; closing the
# holders frees it.
s = Server()
held = []
for n in [BIG] * 22 + [128 * 1024 * 1024 - 22 * BIG]:
    c = connect(s)
    c.sendall(head(s, n) + b"{")
    held.append(c)
time.sleep(0.5)
st = answer_before_body(s)
ok(st is not None and " 429 " in st, "past the body budget: 429 at once", st)
c = connect(s)
c.sendall(head(s, 2, "") + b"{}")
resp = c.recv(65536)
c.close()
ok(b" 429 " in resp.split(b"\r\n", 1)[0] and b"TooManyRequestsException" in resp,
   "even a small body is 429 TooManyRequestsException while the budget is full", resp[:300])
for c in held:
    c.close()
time.sleep(0.5)
st, h, b = s.invoke("lambdaTest", "{}")
is_(st, 200, "the budget is returned when the holders go away")

# Queued Event payloads count too (--max-queued-events alone let 10000 x
# 1 MB wait in memory): events for a busy function (reserved concurrency 1,
# each sleeping 3 s) pile up until 128 MiB, then 429.
pad = b'{"sleep": 3, "pad": "' + b"p" * (1000 * 1000 - 40) + b'"}'
codes = []


def send_event(s, fn, body):
    """One Event request on a raw socket: (status, x-amzn-ErrorType). A
    refusal may come before the body is read, and serve then closes: the
    rest of the body hits a closed socket (EPIPE/ECONNRESET, which urllib
    raised in a loaded CI run); the answer is read all the same."""
    u = urllib.parse.urlparse(s.url)
    c = connect(s)
    try:
        c.sendall(("POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: %s\r\n"
                   "Content-Type: application/json\r\nX-Amz-Invocation-Type: Event\r\n"
                   "Content-Length: %d\r\n\r\n" % (fn, u.netloc, len(body))).encode())
        try:
            c.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = c.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        c.close()
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else None
    hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return status, hdrs.get("x-amzn-errortype")


for i in range(145):
    codes.append(send_event(s, "sleeper", pad))
accepted = sum(1 for c in codes if c[0] == 202)
# 134 fit at once; an event that finishes meanwhile (3 s, a slow run) frees
# its megabyte for one more, so a 202 may follow a 429 (CI saw 429, 429,
# 202 at the end); without the budget all 145 would be accepted and none
# refused. Every answer is one of the two.
first_429 = next((i for i, c in enumerate(codes) if c[0] == 429), None)
ok(110 <= accepted <= 140 and first_429 is not None and first_429 >= 110
   and all(c in ((202, None), (429, "TooManyRequestsException")) for c in codes),
   "1 MB Events queued until the budget is full (%d accepted, first refusal at %s), "
   "then 429 TooManyRequestsException" % (accepted, first_429), codes[-3:])
is_(s.stop(), 0, "server exits 0")
done()
