"""t_streaming.py — response streaming (issue 17 s1): InvokeWithResponseStream
through boto3 against a function that streams (a generator handler, run by
the Python bootstrap in streaming mode), a buffered function, an error in
the trailers after part of the stream, an error before it, an unknown
function, Qualifier, DryRun and the refused Event type, LogType=Tail; the
event stream's frames read raw (each PayloadChunk carries the function's
Content-Type); plain Invoke of a streaming function (its bytes, or the
trailer error as X-Amz-Function-Error); a stream past 6 MB (allowed) and
past 20 MB (Function.ResponseSizeTooLarge); and `sqlambda invoke --stream`
end to end when the CLI is built."""
import base64
import json
import os
import subprocess
import time
import tempfile

from botocore.eventstream import EventStreamBuffer

from serve_helper import TOP, Server, done, is_, ok

s = Server()
c = s.boto3()
ANY = "application/vnd.amazon.eventstream"


def stream(fn, event, **kw):
    r = c.invoke_with_response_stream(FunctionName=fn, Payload=json.dumps(event), **kw)
    chunks, complete = [], None
    for e in r["EventStream"]:
        if "PayloadChunk" in e:
            chunks.append(e["PayloadChunk"]["Payload"])
        elif "InvokeComplete" in e:
            complete = e["InvokeComplete"]
    return r, b"".join(chunks), complete


r, data, done_ev = stream("streamer", {"mode": "chunks", "n": 5})
is_(r["StatusCode"], 200, "InvokeWithResponseStream -> 200")
is_(r["ResponseStreamContentType"], ANY, "Content-Type is application/vnd.amazon.eventstream")
is_(r["ExecutedVersion"], "$LATEST", "X-Amz-Executed-Version")
is_(data, b"".join(b"chunk %d\n" % i for i in range(5)), "the streamed bytes arrive whole, in order")
is_(done_ev, {}, "InvokeComplete without ErrorCode after a good stream")

# chunk by chunk: the function waits for a file the test creates only once
# it has read the first chunk, so a relay that held the stream back until the
# end would hand over "gate never opened" instead of "second"
gate = os.path.join(tempfile.mkdtemp(prefix="sqlambda-gate."), "open")
r = c.invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps({"mode": "gate", "gate": gate}))
got = []
for e in r["EventStream"]:
    if "PayloadChunk" in e:
        got.append(e["PayloadChunk"]["Payload"])
        if b"first" in b"".join(got) and not os.path.exists(gate):
            open(gate, "w").close()
is_(b"".join(got), b"first\nsecond\n", "the first chunk reaches the client while the function still runs")

r, data, done_ev = stream("echo", {"x": 1}, LogType="Tail")
is_(json.loads(data).get("event"), {"x": 1}, "a buffered function's answer comes as PayloadChunk")
ok(done_ev is not None and "ErrorCode" not in done_ev, "buffered: InvokeComplete without ErrorCode")
log = base64.b64decode(done_ev.get("LogResult", "")).decode()
ok("START RequestId" in log and "REPORT RequestId" in log, "LogType=Tail: InvokeComplete's LogResult is the log", log)

r, data, done_ev = stream("echo", {}, Qualifier="live")
is_(r["ExecutedVersion"], "1", "Qualifier=live runs version 1")
is_(json.loads(data)["env"]["MY_VAR"], "one", "... with version 1's environment")

r, data, done_ev = stream("streamer", {"mode": "midfail"})
is_(data, b"partial", "an error mid-stream: the bytes before it are delivered")
is_((done_ev.get("ErrorCode"), done_ev.get("ErrorDetails")), ("ValueError", "stream broke"),
    "an error in the trailers becomes InvokeComplete's ErrorCode / ErrorDetails")

r, data, done_ev = stream("streamer", {"mode": "earlyfail"})
is_((data, done_ev.get("ErrorCode"), done_ev.get("ErrorDetails")), (b"", "RuntimeError", "failed before streaming"),
    "an error before streaming: no PayloadChunk, InvokeComplete has the error")

try:
    c.invoke_with_response_stream(FunctionName="noSuchFunction", Payload=b"{}")
    ok(False, "unknown function -> ResourceNotFoundException")
except c.exceptions.ResourceNotFoundException as e:
    is_(e.response["ResponseMetadata"]["HTTPStatusCode"], 404, "unknown function -> ResourceNotFoundException (404)")

SPATH = "/2021-11-15/functions/%s/response-streaming-invocations"
st, h, body = s.request("POST", SPATH % "echo", b"{}", {"X-Amz-Invocation-Type": "Event"})
is_((st, h.get("x-amzn-errortype")), (400, "InvalidParameterValueException"), "InvocationType Event is refused (400)")
ok("[RequestResponse, DryRun]" in json.loads(body)["message"], "... naming the values it accepts")
st, h, body = s.request("POST", SPATH % "echo", b"{}", {"X-Amz-Invocation-Type": "DryRun"})
is_((st, body), (204, b""), "DryRun -> 204, nothing run")
st, h, body = s.request("POST", SPATH % "echo", b"{nope", {})
is_((st, h.get("x-amzn-errortype")), (400, "InvalidRequestContentException"), "a payload that is not JSON -> 400")

big = b'{"x":"' + b"a" * (6 * 1024 * 1024) + b'"}'
st, h, body = s.request("POST", SPATH % "echo", big, {})
is_((st, h.get("x-amzn-errortype")), (413, "RequestTooLargeException"), "a payload over 6 MB -> 413")
ok("6291456 bytes for the InvokeWithResponseStream operation" in json.loads(body)["message"], "... naming the operation", body)
import socket  # noqa: E402
host, port = s.url.split("//")[1].split(":")
k = socket.create_connection((host, int(port)))
k.sendall(b"POST " + (SPATH % "echo").encode() + b" HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          b"Content-Length: %d\r\n\r\n" % len(big))
answer = b""
while b"}" not in answer:
    part = k.recv(65536)
    if not part:
        break
    answer += part
k.close()
ok(answer.startswith(b"HTTP/1.1 413") and b"for the InvokeWithResponseStream operation" in answer,
   "... also when refused before the body is read (Expect: 100-continue)", answer)

# the frames themselves: every PayloadChunk of a streaming function carries its Content-Type
st, h, body = s.request("POST", SPATH % "streamer", json.dumps({"mode": "chunks"}).encode(), {})
buf = EventStreamBuffer()
buf.add_data(body)
frames = [(m.headers, m.payload) for m in buf]
kinds = [hd.get(":event-type") for hd, _ in frames]
ok(kinds[-1] == "InvokeComplete" and set(kinds[:-1]) == {"PayloadChunk"}, "PayloadChunk events, then one InvokeComplete", kinds)
ok(all(hd.get(":content-type") == "text/plain" for hd, _ in frames[:-1]), "each PayloadChunk has the function's Content-Type",
   [hd for hd, _ in frames])
ok(all(hd.get(":message-type") == "event" for hd, _ in frames), ":message-type event on every frame")
is_(frames[-1][0].get(":content-type"), "application/json", "InvokeComplete's payload is JSON")

# plain Invoke of a streaming function
st, h, body = s.invoke("streamer", {"mode": "chunks", "n": 2})
is_((st, h.get("content-type"), body), (200, "text/plain", b"chunk 0\nchunk 1\n"),
    "Invoke of a streaming function: its bytes with its Content-Type")
st, h, body = s.invoke("streamer", {"mode": "midfail"})
is_((st, h.get("x-amz-function-error")), (200, "Unhandled"), "Invoke: an error mid-stream is X-Amz-Function-Error, not 200 with the part")
is_(json.loads(body).get("errorType"), "ValueError", "... with the function's error as the body")

# sizes: 7 MiB streams (past the 6 MB buffered limit), not through Invoke; 21 MiB does not
r, data, done_ev = stream("streamer", {"mode": "size", "mb": 7})
is_((len(data), done_ev), (7 << 20, {}), "a 7 MiB streamed response is delivered whole")
st, h, body = s.invoke("streamer", {"mode": "size", "mb": 7})
is_((h.get("x-amz-function-error"), json.loads(body).get("errorType")), ("Unhandled", "Function.ResponseSizeTooLarge"),
    "Invoke of a 7 MiB stream: Function.ResponseSizeTooLarge (6 MB limit)")
r, data, done_ev = stream("streamer", {"mode": "size", "mb": 21})
is_(done_ev.get("ErrorCode"), "Function.ResponseSizeTooLarge", "a stream past 20 MiB ends with Function.ResponseSizeTooLarge")
ok(len(data) <= 20 << 20, "... having delivered at most 20 MiB", len(data))

# a stream that outlives the function's timeout
r, data, done_ev = stream("streamtimeout", {"mode": "stall"})
is_((data, done_ev.get("ErrorCode")), (b"started\n", "Sandbox.Timedout"),
    "a timeout mid-stream: the bytes before it, then InvokeComplete's Sandbox.Timedout")
ok("Task timed out after 1.00 seconds" in done_ev.get("ErrorDetails", ""), "... with Lambda's message", done_ev)

# reserved concurrency 0: throttled before any stream starts
try:
    c.invoke_with_response_stream(FunctionName="disabled", Payload=b"{}")
    ok(False, "reserved concurrency 0 -> TooManyRequestsException")
except c.exceptions.TooManyRequestsException as e:
    is_(e.response["ResponseMetadata"]["HTTPStatusCode"], 429, "reserved concurrency 0 -> TooManyRequestsException (429)")

# a client that goes away mid-stream: the function runs to its end, serve goes on
gate3 = gate + "3"
body = json.dumps({"mode": "gate", "gate": gate3}).encode()
k = socket.create_connection((host, int(port)))
k.sendall(b"POST " + (SPATH % "streamer").encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
seen = b""
while b"first" not in seen:
    part = k.recv(65536)
    if not part:
        break
    seen += part
k.close()
open(gate3, "w").close()
ok(b"first" in seen, "a raw client sees the first chunk, then hangs up")

# long errors in the trailers: 20 KiB whole; 200 KiB cut by the bootstrap
r, data, done_ev = stream("streamer", {"mode": "bigfail", "kb": 20})
is_((done_ev.get("ErrorCode"), len(done_ev.get("ErrorDetails", ""))), ("ValueError", 20480),
    "a 20 KiB error message in the trailers arrives whole")
r, data, done_ev = stream("streamer", {"mode": "bigfail", "kb": 200})
ok(done_ev.get("ErrorCode") == "ValueError" and done_ev.get("ErrorDetails", "").endswith("... (truncated)"),
   "a 200 KiB one is cut by the Python bootstrap, still the function's error", str(done_ev)[:200])

# a runtime whose streamed response cannot be read to its end fails then,
# not at its timeout
for mode, what in (("bigtrailer", "an error trailer over 256 KiB"), ("drop", "a connection dropped mid-stream")):
    r, data, done_ev = stream("rawstream", {"mode": mode})
    is_((data, done_ev.get("ErrorCode")), (b"partial", "Runtime.StreamError"),
        "%s: the bytes before it, then Runtime.StreamError (not Sandbox.Timedout)" % what)

# the instance is still good afterwards
r, data, done_ev = stream("streamer", {"mode": "chunks", "n": 1})
is_((data, done_ev), (b"chunk 0\n", {}), "the function streams again after those errors")

# sqlambda invoke --stream, end to end
cli = os.path.join(TOP, "cli", "build", "sqlambda")
if os.path.exists(cli):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret", AWS_REGION="us-east-1",
               AWS_ENDPOINT_URL_LAMBDA=s.url)
    p = subprocess.run([cli, "invoke", "--stream", "streamer", json.dumps({"mode": "chunks", "n": 3})],
                       capture_output=True, env=env, timeout=60)
    is_((p.returncode, p.stdout), (0, b"chunk 0\nchunk 1\nchunk 2\n"), "sqlambda invoke --stream writes the chunks")
    p = subprocess.run([cli, "invoke", "--stream", "streamer", '{"mode":"midfail"}'], capture_output=True, env=env, timeout=60)
    ok(p.returncode != 0 and p.stdout == b"partial" and b"ValueError" in p.stderr and b"stream broke" in p.stderr,
       "sqlambda invoke --stream: an error in InvokeComplete is an error exit naming it, after the partial output",
       (p.returncode, p.stdout, p.stderr))
    p = subprocess.run([cli, "invoke", "--stream", "noSuchFunction", "{}"], capture_output=True, env=env, timeout=60)
    ok(p.returncode != 0 and b"ResourceNotFoundException" in p.stderr, "sqlambda invoke --stream: unknown function",
       (p.returncode, p.stderr))
    gate2 = gate + "2"
    proc = subprocess.Popen([cli, "invoke", "--stream", "streamer", json.dumps({"mode": "gate", "gate": gate2})],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    open(gate2, "w").close()
    rest, err = proc.communicate(timeout=60)
    is_((first, rest, proc.returncode), (b"first\n", b"second\n", 0), "sqlambda invoke --stream writes each chunk as it arrives")
else:
    ok(False, "cli/build/sqlambda is built (make -C cli) for the --stream tests")

is_(s.stop(), 0, "server exits 0")

# a function quiet between chunks for longer than --idle-timeout: the
# stream waits for it (the client holds the gate 3 s, the idle limit is 1 s)
s2 = Server("--idle-timeout", "1", "--event-retry-delay-ms", "100")
gate4 = gate + "4"
r = s2.boto3().invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps({"mode": "gate", "gate": gate4}))
got = []
for e in r["EventStream"]:
    if "PayloadChunk" in e:
        got.append(e["PayloadChunk"]["Payload"])
        if not os.path.exists(gate4):
            time.sleep(3)
            open(gate4, "w").close()
is_(b"".join(got), b"first\nsecond\n", "a pause past --idle-timeout between chunks does not cut the stream")

# Event invocations of a streaming function: its error in the trailers is a
# failed attempt (retried twice, then discarded); a good stream is not
st, h, _ = s2.invoke("streamer", {"mode": "midfail"}, {"X-Amz-Invocation-Type": "Event"})
st2, _, _ = s2.invoke("streamer", {"mode": "chunks"}, {"X-Amz-Invocation-Type": "Event"})
is_((st, st2), (202, 202), "Event invocations of a streaming function -> 202")
rid = h.get("x-amzn-requestid")
for _ in range(300):
    if "event %s for streamer failed after 3 attempts" % rid in s2.log():
        break
    time.sleep(0.05)
ok("event %s for streamer failed after 3 attempts" % rid in s2.log(), "an Event whose stream ends in an error is retried, then discarded")
is_(s2.log().count("failed after 3 attempts"), 1, "... and the good streamed Event is not")
is_(s2.stop(), 0, "second server exits 0 (under ASan: nothing the streams held leaked)")

# Clients that never read: serve stops reading each function's stream past
# 1 MiB untaken (backpressure), so six unread 19 MB streams hold a few MB
# each, not 114 MB in all; once they hang up the functions finish and the
# next stream is whole.
s3 = Server()
h3, p3 = s3.url.split("//")[1].split(":")


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


s3.invoke("echo", {})  # warm: allocations of a first call are not the streams'
rss0 = rss_kb(s3.proc.pid)
body = json.dumps({"mode": "size", "mb": 19}).encode()
stalled = []
for _ in range(6):
    k = socket.socket()
    k.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    k.connect((h3, int(p3)))
    k.sendall(b"POST " + (SPATH % "streamer").encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    stalled.append(k)
time.sleep(4)
grown_mb = (rss_kb(s3.proc.pid) - rss0) / 1024
if os.path.basename(os.path.normpath(os.environ.get("SQLAMBDA_BUILD", ""))) == "build-asan":
    # ASan's redzones and its quarantine of freed memory make RSS no measure
    ok(True, "six unread 19 MB streams: serve grew %.1f MB # SKIP RSS under a sanitizer" % grown_mb)
else:
    ok(grown_mb < 40, "six unread 19 MB streams: serve grew %.1f MB (< 40; 114+ without backpressure)" % grown_mb)
for k in stalled:
    k.close()
r3 = s3.boto3().invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps({"mode": "size", "mb": 3}))
got = sum(len(e["PayloadChunk"]["Payload"]) for e in r3["EventStream"] if "PayloadChunk" in e)
is_(got, 3 * 1024 * 1024, "after the stalled clients hang up, a 3 MB stream is whole")
is_(s3.stop(), 0, "third server exits 0")
done()
