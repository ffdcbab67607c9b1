"""t_runtime.py — what functions see and log: the Lambda context object,
the standard environment (plus the function's own and the server's AWS_*
passthrough), client context, warm reuse of instances, Tail logs (base64,
at most 4 KB, START/END/REPORT), and a `provided` shell bootstrap."""
import base64
import json
import os
import re

from serve_helper import Server, done, is_, ok

os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/passed-through"
s = Server()

st, h, body = s.invoke("echo", '{"k": [1, 2]}')
j = json.loads(body)
is_(j["event"], {"k": [1, 2]}, "handler gets the event")
is_(j["request_id"], h.get("x-amzn-requestid"), "context.aws_request_id is the x-amzn-RequestId")
is_((j["function_name"], j["function_version"], j["memory_limit_in_mb"], j["log_group_name"]),
    ("echo", "$LATEST", "256", "/aws/lambda/echo"), "context fields")
ok(3000 < j["remaining_ms"] <= 5000, "get_remaining_time_in_millis() counts down from the 5 s timeout", j["remaining_ms"])
e = j["env"]
is_((e["AWS_LAMBDA_FUNCTION_NAME"], e["AWS_LAMBDA_FUNCTION_VERSION"], e["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
    ("echo", "$LATEST", "256"), "AWS_LAMBDA_FUNCTION_* environment")
is_((e["AWS_REGION"], e["AWS_DEFAULT_REGION"], e["AWS_LAMBDA_LOG_GROUP_NAME"]),
    ("us-east-1", "us-east-1", "/aws/lambda/echo"), "region and log group environment")
is_(e["_HANDLER"], "handler.main", "_HANDLER")
ok(e["LAMBDA_TASK_ROOT"] and e["LAMBDA_TASK_ROOT"].endswith("/functions/echo"), "LAMBDA_TASK_ROOT is the code directory", e["LAMBDA_TASK_ROOT"])
ok(re.fullmatch(r"127\.0\.0\.1:\d+", e["AWS_LAMBDA_RUNTIME_API"] or ""), "AWS_LAMBDA_RUNTIME_API is host:port")
is_(e["MY_VAR"], "latest", "the function's configured environment")
is_(e["AWS_ENDPOINT_URL"], "http://127.0.0.1:1/passed-through", "server's AWS_ENDPOINT_URL is passed through")
ok((e["_X_AMZN_TRACE_ID"] or "").startswith("Root=1-"), "_X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id")

pid = j["pid"]
st, h, body = s.invoke("echo", "{}")
is_(json.loads(body)["pid"], pid, "the warm instance is reused")

cc = {"custom": {"tenant": "t1"}, "env": {"locale": "en"}, "client": {"app_title": "sql"}}
st, h, body = s.invoke("echo", "{}", {"X-Amz-Client-Context": base64.b64encode(json.dumps(cc).encode()).decode()})
is_(json.loads(body)["client_context"], cc, "client context reaches the handler (custom, env, client)")
lam = s.boto3()
r = lam.invoke(FunctionName="echo", ClientContext=base64.b64encode(b'{"custom":{"via":"boto3"}}').decode(), Payload=b"{}")
is_(json.loads(r["Payload"].read())["client_context"]["custom"], {"via": "boto3"}, "boto3 ClientContext reaches the handler")
st, h, body = s.invoke("echo", "{}")
is_(json.loads(body)["client_context"], None, "no client context -> None")
cc = {"custom": {"name": "Zo\u00eb \u2603"}}
st, h, body = s.invoke("echo", '{"event": "\u00e9t\u00e9"}', {"X-Amz-Client-Context": base64.b64encode(json.dumps(cc, ensure_ascii=False).encode()).decode()})
j = json.loads(body)
is_((j["client_context"]["custom"], j["event"]), (cc["custom"], {"event": "\u00e9t\u00e9"}), "UTF-8 client context and event arrive intact")

# Tail logs
st, h, body = s.invoke("echo", "{}", {"X-Amz-Log-Type": "Tail"})
log = base64.b64decode(h.get("x-amz-log-result", "")).decode()
rid = h.get("x-amzn-requestid")
ok(log.startswith("START RequestId: %s Version: $LATEST\n" % rid), "Tail log starts with START", log)
ok("echo handler called\n" in log, "Tail log holds the handler's output")
ok("\nEND RequestId: %s\n" % rid in log, "Tail log has END")
m = re.search(r"REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: 256 MB\tMax Memory Used: (\d+) MB\t\n$", log)
ok(m and m.group(1) == rid, "Tail log ends with REPORT (duration, billed, memory size, max memory used)", log)
ok(m and int(m.group(4)) > 0, "Max Memory Used is measured")
ok("Init Duration" not in log, "no Init Duration on a warm call")
st, h, body = s.invoke("noisy", '{"lines": 3}', {"X-Amz-Log-Type": "Tail"})
log = base64.b64decode(h.get("x-amz-log-result", "")).decode()
ok(re.search(r"Init Duration: [\d.]+ ms", log), "Init Duration on a cold start", log)
st, h, body = s.invoke("noisy", '{"lines": 5000}', {"X-Amz-Log-Type": "Tail"})
raw = base64.b64decode(h.get("x-amz-log-result", ""))
is_(len(raw), 4096, "Tail log of a noisy call is the last 4 KB")
ok(b"noisy line 04999\nEND RequestId" in raw and raw.endswith(b"\t\n"), "and ends with the last lines and REPORT")
st, h, body = s.invoke("noisy", '{"lines": 2}')
ok("x-amz-log-result" not in h, "no X-Amz-Log-Result without Tail")
r = lam.invoke(FunctionName="lambdaTest", LogType="Tail", Payload=b"{}")
ok("REPORT RequestId" in base64.b64decode(r["LogResult"]).decode(), "boto3 LogResult decodes to the log")

# provided runtime: a shell bootstrap using curl, unchanged
st, h, body = s.invoke("shell", '{"x": 1}')
is_((st, json.loads(body) if st == 200 else body), (200, {"greeting": "hi", "handler": "unused.handler", "event": {"x": 1}}),
    "a provided shell bootstrap runs unchanged")
st, h, body = s.invoke("shell", '{"fail": true}', {"X-Amz-Log-Type": "Tail"})
is_((st, h.get("x-amz-function-error"), json.loads(body).get("errorType")), (200, "Unhandled", "Shell.Failure"),
    "a provided runtime's /error -> Unhandled")
ok("shell bootstrap got" in base64.b64decode(h.get("x-amz-log-result", "")).decode(), "provided runtime's output is its log")

st, h, body = s.invoke("nobootstrap", "{}", {"X-Amz-Log-Type": "Tail"})
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.ExitError"),
    "a provided function without a bootstrap -> Unhandled Runtime.ExitError")
ok("cannot execute the function's runtime" in base64.b64decode(h.get("x-amz-log-result", "")).decode(),
   "and its log says the bootstrap could not be executed")
ok("nobootstrap" in s.log() and "is not an executable bootstrap" in s.log(), "the server warned at startup")

# results the runtime refuses
st, h, body = s.invoke("noisy", json.dumps({"return_bytes": 6 * 1024 * 1024 + 10}))
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Function.ResponseSizeTooLarge"),
    "a response over 6 MB -> Unhandled Function.ResponseSizeTooLarge")
st, h, body = s.invoke("noisy", json.dumps({"unserializable": True}))
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.MarshalError"),
    "a result json cannot encode -> Unhandled Runtime.MarshalError")
st, h, body = s.invoke("noisy", json.dumps({"return_bytes": 10}))
is_((st, body), (200, b'"xxxxxxxxxx"'), "the instance keeps working after refused results")

# the Runtime API itself, as a misbehaving runtime would use it (from inside
# the worker: no other process may connect, see t_isolation.py)
st, h, body = s.invoke("rapiprobe", "{}")
first = json.loads(body)["request_id"] if st == 200 else "none"
st, h, body = s.invoke("rapiprobe", json.dumps({"requests": [
    ["POST", "/invocation/not-a-request-id/response", "{}"],
    ["POST", "/invocation/%s/error" % first, "{}"],
    ["GET", "/nothing/here", None]]}))
res = json.loads(body).get("results", [[0, "{}"]] * 3) if st == 200 else [[0, "{}"]] * 3
is_((res[0][0], json.loads(res[0][1]).get("errorType")), (400, "InvalidRequestID"), "Runtime API: unknown request id -> 400 InvalidRequestID")
is_(res[1][0], 400, "Runtime API: answering a finished invocation -> 400")
is_(res[2][0], 404, "Runtime API: unknown path -> 404")
st, h, body = s.invoke("rapiprobe", "{}")
is_(st, 200, "the instance still serves after those")

s.stop()

# the interpreter is resolved once at startup; a missing one is reported
s = Server("--python", "no-such-python3")
ok("cannot run no-such-python3" in s.log(), "a missing --python interpreter is reported at startup", s.log())
st, h, body = s.invoke("lambdaTest", "{}")
is_((st, h.get("x-amz-function-error"), json.loads(body).get("errorType")), (200, "Unhandled", "Runtime.ExitError"),
    "python3 functions then fail with Runtime.ExitError")
s.stop()
done()
