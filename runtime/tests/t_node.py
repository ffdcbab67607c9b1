"""t_node.py — Node.js functions (issue 17 s3): nodejs20.x/nodejs22.x run
through AWS's own Runtime Interface Client (aws-lambda-ric, pinned in
runtime/node/package.json, installed by scripts/setup-node): an async
CommonJS handler with the context fields and environment, a callback
handler (answer and error), an ES module, a thrown error in Lambda's shape,
a timeout, a crash (process.exit), awslambda.streamifyResponse read with
boto3's invoke_with_response_stream (and an error mid-stream); the runtime
refused when node's major differs, when node cannot run, when the RIC is
missing; then the AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, same
package.json) as a client: Invoke (RequestResponse, Event, DryRun, LogType
Tail, a function error, an unknown function) and InvokeWithResponseStream."""
import base64
import json
import os
import re
import subprocess
import tempfile

from serve_helper import HERE, RUNTIME, Server, done, is_, ok

CODE = os.path.join(HERE, "node_functions", "code")
# The RIC and the SDK, pinned: installed here if not yet (idempotent; the
# first time builds the RIC's native client, minutes; make check starts it
# early beside the first parts and waits for it before the runtime's tests)
setup = subprocess.run([os.path.join(RUNTIME, "..", "scripts", "setup-node")], capture_output=True, text=True)
ok(setup.returncode == 0, "scripts/setup-node installed the pinned RIC and SDK",
   (setup.stdout + setup.stderr)[-2000:])
RIC = os.path.join(RUNTIME, "node", "node_modules", "aws-lambda-ric", "bin", "index.mjs")
SDK = os.path.join(RUNTIME, "node", "node_modules", "@aws-sdk", "client-lambda")
if not ok(os.path.exists(RIC) and os.path.isdir(SDK), "aws-lambda-ric and @aws-sdk/client-lambda are installed",
          "missing under runtime/node/node_modules: run scripts/setup-node"):
    done()
NODE_MAJOR = int(subprocess.run(["node", "-p", "process.versions.node"], capture_output=True,
                                text=True).stdout.split(".")[0])
RT = "nodejs%d.x" % NODE_MAJOR
OTHER = "nodejs22.x" if NODE_MAJOR == 20 else "nodejs20.x"


def functions():
    d = tempfile.mkdtemp(prefix="sqlambda-node-fns.")
    def fn(name, **conf):
        os.mkdir(os.path.join(d, name))
        conf.setdefault("runtime", RT)
        conf["code"] = os.path.relpath(CODE, os.path.join(d, name))
        with open(os.path.join(d, name, "function.json"), "w") as f:
            json.dump(conf, f)
    fn("nAsync", timeout=7, memory_size=256)
    fn("nCallback", handler="index.callback")
    fn("nEsm", handler="esm/app.handler")
    fn("nThrow", handler="index.thrower")
    fn("nSleep", handler="index.sleeper", timeout=1)
    fn("nCrash", handler="index.crasher")
    fn("nStream", handler="index.streamer")
    fn("nOther", runtime=OTHER)
    return d


s = Server(functions=functions())

# -- an async CommonJS handler: event, context, environment ------------------
st, h, body = s.invoke("nAsync", {"a": 1})
j = json.loads(body)
is_((st, h.get("x-amz-function-error")), (200, None), "async handler -> 200, no function error")
is_(j["event"], {"a": 1}, "the event reaches the handler")
is_(j["functionName"], "nAsync", "context.functionName")
is_(j["awsRequestId"], h.get("x-amzn-requestid"), "context.awsRequestId is the request id")
is_(j["memoryLimitInMB"], "256", "context.memoryLimitInMB from memory_size")
ok(5000 < j["remaining"] <= 7000, "context.getRemainingTimeInMillis() counts down from the 7 s timeout", j["remaining"])
is_(j["invokedFunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:nAsync", "context.invokedFunctionArn")
is_(j["node"].split(".")[0], "v%d" % NODE_MAJOR, "runs on the machine's node")
is_((j["env"]["AWS_EXECUTION_ENV"], j["env"]["_HANDLER"], j["env"]["LAMBDA_TASK_ROOT"]),
    ("AWS_Lambda_" + RT, "index.handler", CODE), "AWS_EXECUTION_ENV, _HANDLER (default index.handler), LAMBDA_TASK_ROOT")
is_((j["env"]["AWS_LAMBDA_FUNCTION_NAME"], j["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]), ("nAsync", "256"),
    "AWS_LAMBDA_FUNCTION_NAME and _MEMORY_SIZE as for Python functions")
st, h2, body = s.invoke("nAsync", {"b": 2})
is_(json.loads(body)["event"], {"b": 2}, "a second invocation on the warm instance")

# -- callback style ----------------------------------------------------------
st, h, body = s.invoke("nCallback", {"n": 5}, {"X-Amz-Log-Type": "Tail"})
is_((st, json.loads(body)), (200, {"via": "callback", "n": 5}), "callback(null, result) answers")
ok("callback handler ran" in base64.b64decode(h.get("x-amz-log-result", "")).decode(),
   "console.log reaches the Tail log")
st, h, body = s.invoke("nCallback", {"fail": True})
j = json.loads(body)
is_((h.get("x-amz-function-error"), j.get("errorType"), j.get("errorMessage")),
    ("Unhandled", "OrderRejected", "rejected by callback"), "callback(error) -> Unhandled with the error's type")

# -- ES module --------------------------------------------------------------
st, h, body = s.invoke("nEsm", {"x": "y"})
j = json.loads(body)
is_((st, j.get("esm"), j.get("ready")), (200, True, "top-level await ran"), ".mjs handler with top-level await")

# -- thrown error in Lambda's shape ------------------------------------------
st, h, body = s.invoke("nThrow", {})
j = json.loads(body)
is_((st, h.get("x-amz-function-error")), (200, "Unhandled"), "a thrown error -> 200 Unhandled")
is_((j.get("errorType"), j.get("errorMessage")), ("OrderRejected", "order 42 rejected"),
    "errorType is the error's name, errorMessage its message")
ok(isinstance(j.get("trace"), list) and any("index.js" in t for t in j["trace"]), "trace lists the stack", j)

# -- timeout -----------------------------------------------------------------
st, h, body = s.invoke("nSleep", {"seconds": 30}, {"X-Amz-Log-Type": "Tail"})
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Sandbox.Timedout"),
    "a handler past its 1 s timeout -> Unhandled Sandbox.Timedout")
ok(re.search(r"Task timed out after 1\.00 seconds", j.get("errorMessage", "")), "errorMessage names the timeout", j)
ok("Status: timeout" in base64.b64decode(h.get("x-amz-log-result", "")).decode(), "REPORT says Status: timeout")
st, h, body = s.invoke("nSleep", {"seconds": 0}, {"X-Amz-Log-Type": "Tail"})
is_((st, json.loads(body)), (200, "woke"), "the next invocation runs on a new instance")
ok("Init Duration" in base64.b64decode(h.get("x-amz-log-result", "")).decode(), "... a cold start (Init Duration)")

# -- crash -------------------------------------------------------------------
st, h, body = s.invoke("nCrash", {})
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.ExitError"),
    "process.exit(3) mid-invocation -> Unhandled Runtime.ExitError")
ok("exit status 3" in j.get("errorMessage", ""), "errorMessage gives the exit status", j)

# -- streamifyResponse, read with boto3 --------------------------------------
c = s.boto3()
r = c.invoke_with_response_stream(FunctionName="nStream", Payload=json.dumps({"n": 4}))
chunks, complete = [], None
for e in r["EventStream"]:
    if "PayloadChunk" in e:
        chunks.append(e["PayloadChunk"]["Payload"])
    elif "InvokeComplete" in e:
        complete = e["InvokeComplete"]
is_((r["StatusCode"], b"".join(chunks)), (200, b"".join(b"chunk %d\n" % i for i in range(4))),
    "streamifyResponse handler: boto3 reads every chunk in order")
is_(complete, {}, "InvokeComplete without ErrorCode")
r = c.invoke_with_response_stream(FunctionName="nStream", Payload=json.dumps({"n": 2, "fail": True}))
chunks, complete = [], None
for e in r["EventStream"]:
    if "PayloadChunk" in e:
        chunks.append(e["PayloadChunk"]["Payload"])
    elif "InvokeComplete" in e:
        complete = e["InvokeComplete"]
ok(b"".join(chunks).startswith(b"chunk 0\n"), "a stream that throws: the chunks written before arrive", chunks)
is_((complete or {}).get("ErrorCode"), "OrderRejected", "... and InvokeComplete names the error (RIC's trailer)")
ok("failed mid-stream" in (complete or {}).get("ErrorDetails", ""), "ErrorDetails holds the message", complete)
st, h, body = s.invoke("nStream", {"n": 2})
is_((st, h.get("content-type"), body), (200, "text/plain", b"chunk 0\nchunk 1\n"),
    "plain Invoke of a streaming handler: its bytes and Content-Type")

# -- refused: other major, no node, no RIC -----------------------------------
st, h, body = s.invoke("nOther", {})
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.ExitError"),
    "runtime %s on node %d -> Unhandled Runtime.ExitError" % (OTHER, NODE_MAJOR))
ok(re.search(r"runtime %s needs Node\.js %s, but /\S+ is v%d\." % (re.escape(OTHER), OTHER[6:8], NODE_MAJOR),
             j.get("errorMessage", "")), "the error names the runtime, the major it needs and the node found", j)
s2 = Server("--node", "/nonexistent/node", functions=s.functions)
j = json.loads(s2.invoke("nAsync", {})[2])
is_(j.get("errorMessage"), "runtime %s needs Node.js %d: /nonexistent/node cannot be run (not installed or not "
    "in PATH; see --node)" % (RT, NODE_MAJOR), "node not installed: the error names the runtime and --node")
ok("warning: cannot run /nonexistent/node" in s2.log(), "... and serve warned at startup", s2.log())
is_(s2.stop(), 0, "that server exits 0 (clean under ASan)")
s3 = Server("--node-ric", "/nonexistent/ric.mjs", functions=s.functions)
j = json.loads(s3.invoke("nAsync", {})[2])
ok(j.get("errorMessage", "").startswith("runtime %s needs AWS's Runtime Interface Client (aws-lambda-ric): "
                                        "/nonexistent/ric.mjs: No such file or directory" % RT),
   "RIC missing: the error names it and scripts/setup-node", j)
is_(s3.stop(), 0, "that server exits 0 (clean under ASan)")

# -- the AWS SDK for JavaScript v3 as a client ------------------------------
calls = [
    {"op": "Invoke", "params": {"FunctionName": "nAsync", "Payload": json.dumps({"sdk": 1})}},
    {"op": "Invoke", "params": {"FunctionName": "nAsync", "InvocationType": "Event", "Payload": "{}"}},
    {"op": "Invoke", "params": {"FunctionName": "nAsync", "InvocationType": "DryRun"}},
    {"op": "Invoke", "params": {"FunctionName": "nCallback", "LogType": "Tail", "Payload": "{\"n\":1}"}},
    {"op": "Invoke", "params": {"FunctionName": "nThrow", "Payload": "{}"}},
    {"op": "Invoke", "params": {"FunctionName": "noSuchFunction", "Payload": "{}"}},
    {"op": "InvokeWithResponseStream", "params": {"FunctionName": "nStream", "Payload": "{\"n\":3}"}},
    {"op": "InvokeWithResponseStream", "params": {"FunctionName": "nAsync", "Payload": "{\"s\":1}"}},
]
p = subprocess.run(["node", os.path.join(HERE, "sdk_client.mjs"), s.url], input=json.dumps(calls),
                   capture_output=True, text=True, timeout=120)
if not ok(p.returncode == 0, "the SDK client ran", p.stderr):
    done()
res = json.loads(p.stdout)
is_((res[0]["StatusCode"], res[0]["FunctionError"], res[0]["ExecutedVersion"], json.loads(res[0]["Payload"])["event"]),
    (200, None, "$LATEST", {"sdk": 1}), "SDK Invoke RequestResponse: 200, $LATEST, the answer")
ok(res[1].get("StatusCode") == 202 and not res[1].get("Payload"), "SDK Invoke Event: 202, no payload", res[1])
ok(res[2].get("StatusCode") == 204 and not res[2].get("Payload"), "SDK Invoke DryRun: 204, no payload", res[2])
ok(res[3].get("StatusCode") == 200 and "callback handler ran" in (res[3].get("LogResult") or "")
   and "REPORT RequestId:" in res[3]["LogResult"], "SDK Invoke LogType Tail: LogResult holds the log", res[3])
is_((res[4].get("FunctionError"), json.loads(res[4]["Payload"]).get("errorType")), ("Unhandled", "OrderRejected"),
    "SDK Invoke of a throwing handler: FunctionError Unhandled, the error payload")
is_((res[5].get("error", {}).get("name"), res[5].get("error", {}).get("status")), ("ResourceNotFoundException", 404),
    "SDK Invoke of an unknown function: ResourceNotFoundException (404)")
ok("noSuchFunction" in res[5].get("error", {}).get("message", ""), "... naming the function", res[5])
is_((res[6].get("StatusCode"), "".join(res[6].get("chunks", [])), res[6].get("complete")),
    (200, "chunk 0\nchunk 1\nchunk 2\n", {}), "SDK InvokeWithResponseStream of a streamifyResponse handler")
ok(res[6].get("ContentType") == "application/vnd.amazon.eventstream", "... ResponseStreamContentType", res[6])
is_(json.loads("".join(res[7].get("chunks", [])) or "{}").get("event"), {"s": 1},
    "SDK InvokeWithResponseStream of a buffered handler: its answer as a chunk")
is_(s.stop(), 0, "the server exits 0 after every Node instance (clean under ASan)")
done()
