"""t_control_api.py — the read-only control API as tools call it, with boto3
and the AWS CLI as clients: GetFunctionConfiguration (Runtime as Lambda's
enum value of the interpreter serve runs, a real CodeSha256, State Active,
LastUpdateStatus Successful), ListVersionsByFunction, ListAliases (with
FunctionVersion), GetAlias, GetFunctionConcurrency, ListFunctions paging
(Marker/MaxItems, boto3's paginator), bad Marker/MaxItems/alias names, and
the AWS CLI's waiters (function-active, function-updated, function-exists,
published-version-active, and their -v2 forms) succeeding at once."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from serve_helper import Server, done, functions_dir, is_, ok

FN_DIRS = functions_dir()


def code_sha256(d):
    """The documented CodeSha256: files in byte order of their relative path,
    each as path, NUL, 8-byte big-endian size, bytes (symlinks not followed)."""
    h = hashlib.sha256()

    def walk(abs_dir, rel):
        for name in sorted(os.listdir(abs_dir), key=lambda n: n.encode()):
            p = os.path.join(abs_dir, name)
            r = rel + name
            if os.path.islink(p):
                continue
            if os.path.isfile(p):
                data = open(p, "rb").read()
                h.update(r.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
            elif os.path.isdir(p):
                walk(p, r + "/")
    walk(d, "")
    return base64.b64encode(h.digest()).decode()


s = Server(functions=FN_DIRS)
lam = s.boto3()
py = subprocess.run(["python3", "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"],
                    capture_output=True, text=True).stdout.strip()

c = lam.get_function_configuration(FunctionName="echo")
is_(c["Runtime"], py, "GetFunctionConfiguration: Runtime is the interpreter's Lambda name (%s)" % py)
is_((c["State"], c["LastUpdateStatus"], c["Version"]), ("Active", "Successful", "$LATEST"),
    "State Active, LastUpdateStatus Successful, Version $LATEST")
echo_dir = os.path.realpath(os.path.join(FN_DIRS, "echo"))
is_(c["CodeSha256"], code_sha256(echo_dir), "CodeSha256 is the documented SHA-256 of the code directory")
is_(len(base64.b64decode(c["CodeSha256"])), 32, "CodeSha256 is base64 of 32 bytes")
import botocore.session  # noqa: E402
enum = botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum
ok(c["Runtime"] in enum, "Runtime is one of botocore's Runtime enum values", c["Runtime"])
p = lam.get_function_configuration(FunctionName="shell")
ok(p["Runtime"] in ("provided", "provided.al2", "provided.al2023"), "a provided function's Runtime", p["Runtime"])
c1 = lam.get_function_configuration(FunctionName="echo", Qualifier="1")
is_((c1["Version"], c1["FunctionArn"].endswith(":echo:1")), ("1", True), "Qualifier=1: that version, qualified ARN")
cl = lam.get_function_configuration(FunctionName="echo:live")
is_(cl["Version"], "1", "echo:live: the alias's version")
g = lam.get_function(FunctionName="echo")
is_(g["Configuration"]["CodeSha256"], c["CodeSha256"], "GetFunction gives the same CodeSha256")

v = lam.list_versions_by_function(FunctionName="echo")["Versions"]
is_([x["Version"] for x in v], ["$LATEST", "1", "2"], "ListVersionsByFunction: $LATEST, 1, 2")
ok(v[0]["FunctionArn"].endswith(":echo:$LATEST"), "versions carry qualified ARNs", v[0]["FunctionArn"])
v1 = lam.list_versions_by_function(FunctionName="echo", MaxItems=2)
is_(([x["Version"] for x in v1["Versions"]], "NextMarker" in v1), (["$LATEST", "1"], True), "MaxItems=2: two and a NextMarker")
v2 = lam.list_versions_by_function(FunctionName="echo", Marker=v1["NextMarker"])
is_(([x["Version"] for x in v2["Versions"]], "NextMarker" in v2), (["2"], False), "Marker: the rest, no NextMarker")

a = lam.list_aliases(FunctionName="echo")["Aliases"]
is_(sorted((x["Name"], x["FunctionVersion"]) for x in a), [("beta", "2"), ("live", "1")], "ListAliases")
is_([x["Name"] for x in lam.list_aliases(FunctionName="echo", FunctionVersion="2")["Aliases"]], ["beta"],
    "ListAliases FunctionVersion=2")
al = lam.get_alias(FunctionName="echo", Name="live")
is_((al["Name"], al["FunctionVersion"], al["AliasArn"].endswith(":function:echo:live")), ("live", "1", True), "GetAlias")
try:
    lam.get_alias(FunctionName="echo", Name="ghost")
    ok(False, "GetAlias of an unknown alias raises ResourceNotFoundException")
except lam.exceptions.ResourceNotFoundException as e:
    ok("Cannot find alias arn: " in str(e) and ":function:echo:ghost" in str(e),
       "GetAlias of an unknown alias raises ResourceNotFoundException naming it", str(e))
st, h, body = s.request("GET", "/2015-03-31/functions/echo/aliases/123")
is_((st, h.get("x-amzn-errortype")), (400, "ValidationException"), "an all-digit alias name -> 400 ValidationException")
st, h, body = s.request("GET", "/2015-03-31/functions/echo/aliases/a%2Fb")
is_((st, h.get("x-amzn-errortype")), (400, "ValidationException"), "an alias name with '/' -> 400 ValidationException")

is_(lam.get_function_concurrency(FunctionName="sleeper").get("ReservedConcurrentExecutions"), 1,
    "GetFunctionConcurrency: reserved 1")
r = lam.get_function_concurrency(FunctionName="echo")
ok("ReservedConcurrentExecutions" not in r, "GetFunctionConcurrency without reserved concurrency: none", r)
try:
    lam.get_function_concurrency(FunctionName="ghost")
    ok(False, "GetFunctionConcurrency of an unknown function -> ResourceNotFoundException")
except lam.exceptions.ResourceNotFoundException:
    ok(True, "GetFunctionConcurrency of an unknown function -> ResourceNotFoundException")

# ListFunctions paging
names = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
ok(len(names) > 5, "ListFunctions lists every function", names)
paged = []
pages = 0
for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 3}):
    pages += 1
    paged += [f["FunctionName"] for f in page["Functions"]]
is_(sorted(paged), names, "boto3's list_functions paginator (pages of 3) gives the same functions")
ok(pages >= 2, "in several pages", pages)
for q, what in [("MaxItems=0", "MaxItems=0"), ("MaxItems=10001", "MaxItems=10001"), ("MaxItems=x", "MaxItems=x")]:
    st, h, body = s.request("GET", "/2015-03-31/functions?" + q)
    is_((st, h.get("x-amzn-errortype")), (400, "ValidationException"), "%s -> 400 ValidationException" % what)
st, h, body = s.request("GET", "/2015-03-31/functions?Marker=99999")
is_((st, h.get("x-amzn-errortype")), (400, "InvalidParameterValueException"), "a Marker not handed out -> 400")
st, h, body = s.request("PUT", "/2019-09-30/functions/echo/concurrency", b'{"ReservedConcurrentExecutions":3}')
is_((st, h.get("x-amzn-errortype")), (404, "UnknownOperationException"), "writes are not served (PutFunctionConcurrency)")

# the AWS CLI's waiters
env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1")
for w in [["function-active", "--function-name", "echo"], ["function-active-v2", "--function-name", "echo"],
          ["function-updated", "--function-name", "echo"], ["function-updated-v2", "--function-name", "echo"],
          ["function-exists", "--function-name", "echo"],
          ["published-version-active", "--function-name", "echo", "--qualifier", "1"]]:
    r = subprocess.run(["aws", "lambda", "wait", *w, "--endpoint-url", s.url], capture_output=True, text=True,
                       env=env, timeout=60)
    is_(r.returncode, 0, "aws lambda wait %s succeeds" % " ".join(w))
    if r.returncode:
        print("#", r.stderr.strip().replace("\n", "\n# "))
out = subprocess.run(["aws", "lambda", "get-function-configuration", "--function-name", "echo", "--endpoint-url", s.url],
                     capture_output=True, text=True, env=env, timeout=60)
is_(json.loads(out.stdout or "{}").get("CodeSha256"), c["CodeSha256"], "aws lambda get-function-configuration")
is_(s.stop(), 0, "server exits 0")

# CodeSha256 follows the code: a changed file gives a new one
d = tempfile.mkdtemp(prefix="sqlambda-sha.")
shutil.copytree(os.path.join(FN_DIRS, "echo"), os.path.join(d, "echo"), symlinks=True)
s = Server(functions=d)
before = s.boto3().get_function_configuration(FunctionName="echo")["CodeSha256"]
s.stop()
with open(os.path.join(d, "echo", "extra.txt"), "w") as f:
    f.write("x")
s = Server(functions=d)
after = s.boto3().get_function_configuration(FunctionName="echo")["CodeSha256"]
s.stop()
ok(before != after and after == code_sha256(os.path.join(d, "echo")), "a new file changes CodeSha256", (before, after))
shutil.rmtree(d, True)
done()
