"""t_signatures.py — SigV4 verification with --credentials (core's
sqlambda_sigv4_verify): boto3 with a listed key works (plain names, ARNs
and aliases with ':' in the path, ?Qualifier=, GetFunction, ListFunctions);
a wrong secret -> 403 InvalidSignatureException; an unknown key -> 403
UnrecognizedClientException; an unsigned request -> 403; a tampered body
-> 403. Both credentials file formats are accepted. Secrets are not logged."""
import os
import tempfile

from botocore.exceptions import ClientError

from serve_helper import Server, done, is_, ok

d = tempfile.mkdtemp(prefix="sqlambda-rt-creds.")
creds = os.path.join(d, "credentials")
with open(creds, "w") as f:
    f.write("# access keys the local runtime accepts\n"
            "AKIDPLAIN plainsecret/with+chars\n"
            "\n"
            "[profile-style]\n"
            "aws_access_key_id = AKIDINI\n"
            "aws_secret_access_key = inisecret\n")
os.chmod(creds, 0o600)
s = Server("--credentials", creds)


def code_of(fn):
    try:
        fn()
        return "ok"
    except ClientError as e:
        return (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])


good = s.boto3(aws_access_key_id="AKIDPLAIN", aws_secret_access_key="plainsecret/with+chars")
r = good.invoke(FunctionName="lambdaTest", Payload=b'{"name":"bob"}')
is_(r["Payload"].read(), b'{"Status": "OK", "name": "bob"}', "boto3 with a listed key: invoke works")
ini = s.boto3(aws_access_key_id="AKIDINI", aws_secret_access_key="inisecret")
is_(ini.invoke(FunctionName="lambdaTest", Payload=b"{}")["StatusCode"], 200, "key from the shared-credentials format works")
is_(good.invoke(FunctionName="echo:live", Payload=b"{}").get("ExecutedVersion"), "1", "signed name:alias (':' in the path)")
is_(good.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:echo:beta", Payload=b"{}").get("ExecutedVersion"),
    "2", "signed full ARN")
is_(good.invoke(FunctionName="echo", Qualifier="live", Payload=b"{}").get("ExecutedVersion"), "1", "signed ?Qualifier=")
gf = good.get_function(FunctionName="echo")
is_(gf["Configuration"]["FunctionName"], "echo", "signed GetFunction")
is_(gf["Configuration"]["Environment"].get("Variables"), {"MY_VAR": "latest"}, "signed GetFunction shows the function's environment")
ok(gf["Code"].get("Location", "").startswith("file:///"), "signed GetFunction shows the code location", gf["Code"])
gf = good.get_function(FunctionName="echo", Qualifier="live")
is_((gf["Configuration"]["Version"], gf["Configuration"]["Environment"]["Variables"]["MY_VAR"]), ("1", "one"),
    "signed GetFunction with an alias shows that version's environment")
ok(len(good.list_functions()["Functions"]) >= 5, "signed ListFunctions")
is_(good.invoke(FunctionName="lambdaTest", InvocationType="Event", Payload=b"{}")["StatusCode"], 202, "signed Event")

wrong = s.boto3(aws_access_key_id="AKIDPLAIN", aws_secret_access_key="not-the-secret")
is_(code_of(lambda: wrong.invoke(FunctionName="lambdaTest", Payload=b"{}")), (403, "InvalidSignatureException"),
    "wrong secret -> 403 InvalidSignatureException")
unknown = s.boto3(aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key="whatever")
is_(code_of(lambda: unknown.invoke(FunctionName="lambdaTest", Payload=b"{}")), (403, "UnrecognizedClientException"),
    "unknown key -> 403 UnrecognizedClientException")
is_(code_of(lambda: unknown.list_functions()), (403, "UnrecognizedClientException"), "ListFunctions is checked too")

st, h, body = s.invoke("lambdaTest", "{}")
is_((st, h.get("x-amzn-errortype")), (403, "MissingAuthenticationTokenException"), "unsigned request -> 403")

# a correctly signed request whose body was changed in transit
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
url = s.url + "/2015-03-31/functions/lambdaTest/invocations"
req = AWSRequest(method="POST", url=url, data=b'{"a":1}')
SigV4Auth(Credentials("AKIDPLAIN", "plainsecret/with+chars"), "lambda", "us-east-1").add_auth(req)
hdrs = dict(req.headers.items())
st, h, body = s.request("POST", "/2015-03-31/functions/lambdaTest/invocations", b'{"a":1}', hdrs)
is_(st, 200, "botocore-signed raw request -> 200")
st, h, body = s.request("POST", "/2015-03-31/functions/lambdaTest/invocations", b'{"a":2}', hdrs)
is_((st, h.get("x-amzn-errortype")), (403, "InvalidSignatureException"), "tampered body -> 403 InvalidSignatureException")

s.stop()
log = s.log()
ok("plainsecret" not in log and "inisecret" not in log and "not-the-secret" not in log, "no secret appears in the server's log")

# signatures off: the same wrong key is accepted
s = Server()
is_(wrong.__class__ and s.boto3(aws_access_key_id="AKIDPLAIN", aws_secret_access_key="not-the-secret")
    .invoke(FunctionName="lambdaTest", Payload=b"{}")["StatusCode"], 200, "without --credentials any signature is accepted")
s.stop()
done()
