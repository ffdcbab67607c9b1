"""t_invoke_api.py — the Invoke API's statuses, headers and error bodies,
checked with raw HTTP and with boto3: 200/202/204, 404, 400 (bad JSON,
unknown invocation type, bad client context: not base64, '=' inside,
not an object), 413 (6 MB sync, 1 MB Event),
Unhandled function errors, init errors, and X-Amz-Executed-Version."""
import base64
import json

from serve_helper import Server, done, is_, ok

s = Server()

st, h, body = s.invoke("lambdaTest", '{"name":"bob"}')
is_(st, 200, "RequestResponse -> 200")
is_(body, b'{"Status": "OK", "name": "bob"}', "seed lambdaTest returns Status first, then the event")
is_(h.get("x-amz-executed-version"), "$LATEST", "X-Amz-Executed-Version is $LATEST")
ok(len(h.get("x-amzn-requestid", "")) == 36, "x-amzn-RequestId is a request id")
ok("x-amz-function-error" not in h, "no X-Amz-Function-Error on success")

st, h, body = s.invoke("noSuchFunction")
is_(st, 404, "unknown function -> 404")
is_(h.get("x-amzn-errortype"), "ResourceNotFoundException", "404 has x-amzn-ErrorType ResourceNotFoundException")
j = json.loads(body)
is_(j.get("Type"), "User", "404 body Type is User")
is_(j.get("Message"), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:noSuchFunction",
    "404 body Message names the function ARN")
ok("sqlambda serve: -> 404 ResourceNotFoundException\n" in s.log(), "--verbose logs the answer as one line on stderr")

st, h, body = s.invoke("lambdaTest", "{not json")
is_(st, 400, "invalid JSON payload -> 400")
is_(h.get("x-amzn-errortype"), "InvalidRequestContentException", "invalid JSON -> InvalidRequestContentException")
ok("Could not parse request body into json" in json.loads(body).get("message", ""), "invalid JSON message says why")

st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Invocation-Type": "Sometimes"})
is_(st, 400, "unknown invocation type -> 400")
is_(h.get("x-amzn-errortype"), "InvalidParameterValueException", "unknown invocation type -> InvalidParameterValueException")
ok("invocationType" in json.loads(body).get("message", ""), "message names invocationType")

st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Log-Type": "Everything"})
is_((st, h.get("x-amzn-errortype")), (400, "InvalidParameterValueException"), "unknown log type -> 400 InvalidParameterValueException")

big = b'{"x":"' + b"a" * (6 * 1024 * 1024) + b'"}'
st, h, body = s.invoke("lambdaTest", big)
is_(st, 413, "payload over 6 MB -> 413")
is_(h.get("x-amzn-errortype"), "RequestTooLargeException", "413 is RequestTooLargeException")
ok("6291456" in json.loads(body).get("message", ""), "413 message gives the limit")

mid = b'{"x":"' + b"a" * (1024 * 1024 + 10) + b'"}'
st, h, body = s.invoke("lambdaTest", mid, {"X-Amz-Invocation-Type": "Event"})
is_((st, h.get("x-amzn-errortype")), (413, "RequestTooLargeException"), "Event payload over 1 MB -> 413")
st, h, body = s.invoke("lambdaTest", mid)
is_(st, 200, "the same 1 MB payload is fine synchronously")
ok(len(body) > 1024 * 1024, "and comes back whole")

st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Invocation-Type": "DryRun"})
is_((st, body), (204, b""), "DryRun on an existing function -> 204, empty body")
st, h, body = s.invoke("noSuchFunction", "{}", {"X-Amz-Invocation-Type": "DryRun"})
is_(st, 404, "DryRun on an unknown function -> 404")

st, h, body = s.invoke("lambdaTest", '{"a":1}', {"X-Amz-Invocation-Type": "Event"})
is_((st, body), (202, b""), "Event -> 202, empty body")

st, h, body = s.invoke("lambdaTest", "")
is_((st, body), (200, b'{"Status": "OK"}'), "empty payload is the event {}")

st, h, body = s.invoke("lambdaTest", '"just a string"')
is_(st, 200, "any JSON value is a valid payload")

st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Client-Context": "not base64!"})
is_((st, h.get("x-amzn-errortype")), (400, "InvalidRequestContentException"), "bad client context -> 400")
st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Client-Context": base64.b64encode(b"[1,2]").decode()})
is_(st, 400, "client context that is not a JSON object -> 400")
# '=' inside the base64 (here for an 'A': the same bits to a lenient decoder,
# which once let it through as {"custom":{"k":"v@w"}}): core's strict decoder
cc = base64.b64encode(b'{"custom":{"k":"v@w"}}').decode()
is_(cc[23], "A", "(the client context's 24th base64 character is an 'A')")
st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Client-Context": cc[:23] + "=" + cc[24:]})
is_((st, h.get("x-amzn-errortype")), (400, "InvalidRequestContentException"),
    "client context with '=' before its end is not base64 -> 400")
st, h, body = s.invoke("lambdaTest", "{}", {"X-Amz-Client-Context": cc})
is_(st, 200, "the same client context, correctly encoded -> 200")

# function errors
st, h, body = s.invoke("flaky", json.dumps({"counter": s.dir + "/c1", "fail_times": 5}))
is_(st, 200, "handler exception -> 200")
is_(h.get("x-amz-function-error"), "Unhandled", "handler exception -> X-Amz-Function-Error: Unhandled")
j = json.loads(body)
is_(j.get("errorType"), "RuntimeError", "errorType is the exception class")
is_(j.get("errorMessage"), "flaky: call 1 fails", "errorMessage is the exception text")
ok(isinstance(j.get("stackTrace"), list) and any("handler.py" in f for f in j["stackTrace"]),
   "stackTrace lists the handler's frames", j.get("stackTrace"))
ok(not any("bootstrap.py" in f for f in j.get("stackTrace", [])), "stackTrace hides the bootstrap")

st, h, body = s.invoke("initfail")
j = json.loads(body)
is_((st, h.get("x-amz-function-error"), j.get("errorType")), (200, "Unhandled", "Runtime.ImportModuleError"),
    "import failure -> Unhandled Runtime.ImportModuleError")
ok("module_that_does_not_exist" in j.get("errorMessage", ""), "init error message names the module")

# unknown paths and methods
st, h, body = s.request("GET", "/2015-03-31/functions/lambdaTest/invocations")
is_(st, 404, "GET on invocations -> 404 UnknownOperation")

# boto3 parses our errors like AWS's
lam = s.boto3()
try:
    lam.invoke(FunctionName="noSuchFunction", Payload=b"{}")
    ok(False, "boto3 raises ResourceNotFoundException")
except lam.exceptions.ResourceNotFoundException as e:
    ok(True, "boto3 raises ResourceNotFoundException")
    ok("Function not found" in str(e), "boto3 error message")
try:
    lam.invoke(FunctionName="lambdaTest", Payload=b"{bad")
    ok(False, "boto3 raises InvalidRequestContentException")
except lam.exceptions.InvalidRequestContentException:
    ok(True, "boto3 raises InvalidRequestContentException")
r = lam.invoke(FunctionName="lambdaTest", Payload=b'{"name":"bob"}')
is_(r["Payload"].read(), b'{"Status": "OK", "name": "bob"}', "boto3 invoke of the seed's lambdaTest")
is_(r["StatusCode"], 200, "boto3 StatusCode 200")
is_(lam.invoke(FunctionName="lambdaTest", InvocationType="Event", Payload=b"{}")["StatusCode"], 202, "boto3 Event -> 202")
is_(lam.invoke(FunctionName="lambdaTest", InvocationType="DryRun")["StatusCode"], 204, "boto3 DryRun -> 204")
try:
    lam.invoke(FunctionName="lambdaTest", Payload=b'{"x":"' + b"a" * (7 * 1024 * 1024) + b'"}')
    ok(False, "boto3 7 MB payload raises RequestTooLargeException")
except lam.exceptions.RequestTooLargeException:
    ok(True, "boto3 7 MB payload raises RequestTooLargeException")
r = lam.invoke(FunctionName="lambdaTest", Payload=b'{"x":"' + b"a" * (5 * 1024 * 1024) + b'"}')
is_(len(r["Payload"].read()), 5 * 1024 * 1024 + len(b'{"Status": "OK", "x": ""}'), "boto3 5 MB payload round trip")

# %00 in the function path or the Qualifier must not cut the name short
# ("lambdaTest%00junk" was lambdaTest): refused as a byte no name has.
for path, what in [("/2015-03-31/functions/lambdaTest%00junk/invocations", "function name"),
                   ("/2015-03-31/functions/lambdaTest%3A1%00x/invocations", "qualifier in the name"),
                   ("/2015-03-31/functions/lambdaTest/invocations?Qualifier=%24LATEST%00x", "?Qualifier=")]:
    st, h, body = s.request("POST", path, b"{}")
    ok(st == 400 and h.get("x-amzn-errortype") == "InvalidParameterValueException" and b"Status" not in body,
       "%%00 in the %s -> 400 InvalidParameterValueException, nothing invoked" % what, (st, h, body))
st, h, body = s.request("POST", "/2015-03-31/functions/lambdaTest%01junk/invocations", b"{}")
ok(st == 400 and h.get("x-amzn-errortype") == "ValidationException" and b"lambdaTest\\u0001junk" in body,
   "another control byte -> 400 ValidationException quoting it", (st, h, body))

is_(s.stop(), 0, "server exits 0 on SIGTERM")
done()
