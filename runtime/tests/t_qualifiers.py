"""t_qualifiers.py — function identifiers and qualifiers: name:alias,
name:version, ?Qualifier=, full and partial ARNs (with and without a
qualifier), unknown alias/version -> 404, conflicting qualifiers -> 400,
X-Amz-Executed-Version, and the ARN the handler sees."""
import json
import sys
import os

from serve_helper import HERE, Server, done, is_, ok

s = Server()
ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def call(fn, query=""):
    st, h, body = s.invoke(fn, "{}", query=query)
    try:
        j = json.loads(body)
    except ValueError:
        j = {}
    return st, h, j


st, h, j = call("echo")
is_((st, h.get("x-amz-executed-version"), j.get("env", {}).get("MY_VAR")), (200, "$LATEST", "latest"), "plain name runs $LATEST")
is_(j.get("invoked_function_arn"), ARN, "handler sees the unqualified ARN")

st, h, j = call("echo:live")
is_((st, h.get("x-amz-executed-version"), j.get("env", {}).get("MY_VAR")), (200, "1", "one"), "name:alias runs the alias's version")
is_(j.get("invoked_function_arn"), ARN + ":live", "handler sees the ARN with the alias")
is_(j.get("function_version"), "1", "context.function_version is the executed version")

st, h, j = call("echo", "?Qualifier=beta")
is_((st, h.get("x-amz-executed-version"), j.get("env", {}).get("MY_VAR")), (200, "2", "two"), "?Qualifier=alias")

st, h, j = call("echo:2")
is_((st, h.get("x-amz-executed-version")), (200, "2"), "name:version")

st, h, j = call("echo:$LATEST")
is_((st, h.get("x-amz-executed-version")), (200, "$LATEST"), "name:$LATEST")

st, h, j = call(ARN)
is_((st, j.get("function_name")), (200, "echo"), "full ARN")
st, h, j = call(ARN + ":live")
is_((st, h.get("x-amz-executed-version")), (200, "1"), "full ARN with alias")
st, h, j = call("123456789012:function:echo")
is_((st, j.get("function_name")), (200, "echo"), "partial ARN")
st, h, j = call("123456789012:function:echo:beta")
is_((st, h.get("x-amz-executed-version")), (200, "2"), "partial ARN with alias")

st, h, j = call("echo:nosuchalias")
is_((st, h.get("x-amzn-errortype")), (404, "ResourceNotFoundException"), "unknown alias -> 404")
is_(j.get("Message"), "Function not found: " + ARN + ":nosuchalias", "404 names the qualified ARN")
st, h, j = call("echo", "?Qualifier=7")
is_(st, 404, "unknown version in ?Qualifier= -> 404")
st, h, j = call("echo:live", "?Qualifier=beta")
is_((st, h.get("x-amzn-errortype")), (400, "InvalidParameterValueException"), "name:alias with a different ?Qualifier= -> 400")
st, h, j = call("echo:live", "?Qualifier=live")
is_(st, 200, "name:alias with the same ?Qualifier= is fine")
# Lambda's constraint on the name (botocore's NamespacedFunctionName),
# answered as Lambda does: 400 ValidationException quoting value and pattern
PATTERN = ("(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
           "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
import botocore.session  # noqa: E402
model = botocore.session.get_session().get_service_model("lambda")
is_(model.operation_model("Invoke").input_shape.members["FunctionName"].metadata.get("pattern"), PATTERN,
    "the pattern is botocore's for Invoke's FunctionName")
st, h, j = call("bad name!")
is_((st, h.get("x-amzn-errortype")), (400, "ValidationException"), "invalid function name -> 400 ValidationException")
is_(j.get("message"), "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy "
    "constraint: Member must satisfy regular expression pattern: " + PATTERN, "its message, as Lambda words it")
for bad in ["echo:", "echo:live:x", "arn:aws:lambda:us-east-1:12345:function:echo", "ec/ho", "echo$LATEST"]:
    st, h, j = call(bad)
    is_((st, h.get("x-amzn-errortype")), (400, "ValidationException"), "%r -> 400 ValidationException" % bad)
st, h, j = call("a" * 257)
is_((st, h.get("x-amzn-errortype"), j.get("message", "")[:60]),
    (400, "ValidationException", "1 validation error detected: Value '" + "a" * 24),
    "257 characters -> ValidationException")
ok(j.get("message", "").endswith("Member must have length less than or equal to 256"), "naming the length", j)
st, h, j = call("b!" * 200)
ok(st == 400 and j.get("message", "").startswith("2 validation errors detected:"), "both -> 2 validation errors", j)
st, h, j = call("echo:$LATEST")
is_(st, 200, "name:$LATEST matches the pattern")

# encoded as botocore sends it (':' as %3A) and as a client might not
st, h, body = s.request("POST", "/2015-03-31/functions/echo%3Alive/invocations", "{}")
is_((st, h.get("x-amz-executed-version")), (200, "1"), "percent-encoded ':' in the path")
st, h, body = s.request("POST", "/2015-03-31/functions/echo:live/invocations", "{}")
is_((st, h.get("x-amz-executed-version")), (200, "1"), "raw ':' in the path")

lam = s.boto3()
r = lam.invoke(FunctionName="echo", Qualifier="live", Payload=b"{}")
is_(r.get("ExecutedVersion"), "1", "boto3 Qualifier=live -> ExecutedVersion 1")
r = lam.invoke(FunctionName=ARN + ":beta", Payload=b"{}")
is_(r.get("ExecutedVersion"), "2", "boto3 with a qualified ARN")
try:
    lam.invoke(FunctionName="echo", Qualifier="ghost", Payload=b"{}")
    ok(False, "boto3 unknown alias raises ResourceNotFoundException")
except lam.exceptions.ResourceNotFoundException:
    ok(True, "boto3 unknown alias raises ResourceNotFoundException")
try:
    lam.invoke(FunctionName="bad name!", Payload=b"{}")
    ok(False, "boto3: an invalid name raises ValidationException")
except lam.exceptions.ClientError as e:
    is_(e.response["Error"]["Code"], "ValidationException", "boto3: an invalid name raises ValidationException")

# GetFunction / ListFunctions
g = lam.get_function(FunctionName="echo")
c = g["Configuration"]
is_((c["FunctionName"], c["Runtime"], c["Handler"], c["Timeout"], c["MemorySize"], c["Version"]),
    ("echo", "python%d.%d" % sys.version_info[:2], "handler.main", 5, 256, "$LATEST"), "GetFunction configuration")
is_(c["FunctionArn"], ARN, "GetFunction ARN")
is_(c["Environment"].get("Error", {}).get("ErrorCode"), "AccessDeniedException",
    "unsigned GetFunction withholds the environment (values in t_signatures.py)")
g = lam.get_function(FunctionName="echo", Qualifier="live")
is_((g["Configuration"]["Version"], g["Configuration"]["FunctionArn"]), ("1", ARN + ":1"),
    "GetFunction with an alias shows that version")
g = lam.get_function(FunctionName="sleeper")
is_(g.get("Concurrency", {}).get("ReservedConcurrentExecutions"), 1, "GetFunction shows reserved concurrency")
try:
    lam.get_function(FunctionName="ghost")
    ok(False, "GetFunction unknown -> ResourceNotFoundException")
except lam.exceptions.ResourceNotFoundException:
    ok(True, "GetFunction unknown -> ResourceNotFoundException")
names = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
is_(names, sorted(os.listdir(os.path.join(HERE, "functions")) + ["lambdaTest"]),
    "ListFunctions lists every function")

s.stop()
done()
