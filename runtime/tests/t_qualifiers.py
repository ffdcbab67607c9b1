"""t_qualifiers.py — function identifiers and qualifiers: name:alias,
name:version, ?Qualifier=, full and partial ARNs (with and without a
qualifier), unknown alias/version -> 404, conflicting qualifiers -> 400,
X-Amz-Executed-Version, and the ARN the handler sees."""
import json
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
st, h, j = call("bad name!")
is_(st, 400, "invalid function name -> 400")

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

# GetFunction / ListFunctions
g = lam.get_function(FunctionName="echo")
c = g["Configuration"]
is_((c["FunctionName"], c["Runtime"], c["Handler"], c["Timeout"], c["MemorySize"], c["Version"]),
    ("echo", "python3", "handler.main", 5, 256, "$LATEST"), "GetFunction configuration")
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
