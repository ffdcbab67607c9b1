"""t_sig_rules.py — with --credentials, serve applies Lambda's rules on top
of a valid signature (issue 11): X-Amz-Date more than 5 minutes off is
403 InvalidSignatureException "Signature expired: ..." / "not yet
current"; an x-amz-* header that changes behaviour but is not among
SignedHeaders is refused; the credential scope must name this server's
region and service lambda. Requests are signed here (SigV4 in a few lines
of hashlib) so the date, region and signed set are under the test's
control; a correctly signed request at the right time passes."""
import datetime
import hashlib
import hmac
import os
import tempfile
import urllib.parse

from serve_helper import Server, done, is_, ok

AKID, SECRET = "AKIDRULES", "rules/secret+value"
d = tempfile.mkdtemp(prefix="sqlambda-rt-rules.")
creds = os.path.join(d, "credentials")
with open(creds, "w") as f:
    f.write("%s %s\n" % (AKID, SECRET))
os.chmod(creds, 0o600)
s = Server("--credentials", creds, "--region", "us-east-1")
host = urllib.parse.urlparse(s.url).netloc
PATH = "/2015-03-31/functions/lambdaTest/invocations"


def sign(body, when=None, region="us-east-1", service="lambda", headers=None, signed=None):
    """headers: extra headers; signed: names (lowercase) among them to sign (default all)."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz = when.strftime("%Y%m%dT%H%M%SZ")
    hs = {"host": host, "x-amz-date": amz}
    extra = {k.lower(): v for k, v in (headers or {}).items()}
    names = sorted(set(["host", "x-amz-date"]) | set(extra if signed is None else signed))
    allh = dict(hs, **extra)
    canon = "\n".join(["POST", "/2015-03-31/functions/lambdaTest/invocations", "",
                       "".join("%s:%s\n" % (n, allh[n]) for n in names), ";".join(names),
                       hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (amz[:8], region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + SECRET).encode()
    for part in (amz[:8], region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    out = {"X-Amz-Date": amz, "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
           % (AKID, scope, ";".join(names), sig)}
    out.update(headers or {})
    return out


def post(hdrs, body=b"{}"):
    st, h, b = s.request("POST", PATH, body, hdrs)
    return st, h.get("x-amzn-errortype"), b.decode("utf-8", "replace")


st, et, b = post(sign(b"{}"))
is_(st, 200, "a request signed now, scope us-east-1/lambda -> 200")
st, et, b = post(sign(b"{}", headers={"X-Amz-Log-Type": "Tail"}))
is_(st, 200, "X-Amz-Log-Type signed -> 200")

now = datetime.datetime.now(datetime.timezone.utc)
st, et, b = post(sign(b"{}", when=now - datetime.timedelta(minutes=10)))
ok(st == 403 and et == "InvalidSignatureException" and "Signature expired: " in b and "is now earlier than" in b
   and "- 5 min.)" in b, "X-Amz-Date 10 minutes old -> 403 InvalidSignatureException 'Signature expired'", (st, et, b))
st, et, b = post(sign(b"{}", when=now + datetime.timedelta(minutes=10)))
ok(st == 403 and et == "InvalidSignatureException" and "Signature not yet current" in b,
   "X-Amz-Date 10 minutes ahead -> 403 'Signature not yet current'", (st, et, b))
st, et, b = post(sign(b"{}", when=now - datetime.timedelta(minutes=4)))
is_(st, 200, "X-Amz-Date 4 minutes old is within the allowed skew -> 200")

for name, value in (("X-Amz-Invocation-Type", "Event"), ("X-Amz-Log-Type", "Tail"),
                    ("X-Amz-Client-Context", "eyJhIjoxfQ=="), ("X-Amz-Security-Token", "tok")):
    st, et, b = post(sign(b"{}", headers={name: value}, signed=[]))
    ok(st == 403 and et == "InvalidSignatureException" and name.lower() in b.lower() and "not signed" in b,
       "%s present but not signed -> 403" % name, (st, et, b))
st, et, b = post(sign(b"{}", headers={"X-Amzn-Trace-Id": "Root=1-5f84c7a9-0123456789abcdef01234567"}, signed=[]))
is_(st, 200, "X-Amzn-Trace-Id (not x-amz-*) need not be signed, as on AWS")

st, et, b = post(sign(b"{}", region="eu-west-1"))
ok(st == 403 and et == "InvalidSignatureException" and "Credential should be scoped to a valid region" in b
   and "eu-west-1" in b, "credential scope in another region -> 403", (st, et, b))
st, et, b = post(sign(b"{}", service="s3"))
ok(st == 403 and et == "InvalidSignatureException" and "scoped to correct service: 'lambda'" in b,
   "credential scope for another service -> 403", (st, et, b))
is_(s.stop(), 0, "server exits 0")
ok(SECRET not in s.log(), "the secret is not in the log")
done()
