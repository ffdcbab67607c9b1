#!/usr/bin/env python3
"""t_sigv4_botocore.py — signs >= 1000 random Lambda Invoke requests with
botocore's SigV4Auth (the request serialized exactly as botocore builds
Invoke: FunctionName URL-encoded into the path, Qualifier in the query) and
with core's sqlambda_sigv4_sign via tool_sign; every Authorization header
must be identical. Core's verifier must accept each request and reject it
with one body byte or one signature digit flipped. Prints one TAP line per
100 requests and the first mismatch in full. Seed: $SIGV4_SEED or random."""
import base64
import datetime
import json
import os
import random
import string
import subprocess
import sys
from urllib.parse import urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.serialize
import botocore.session

N = int(os.environ.get("SIGV4_COUNT", "1200"))
seed = int(os.environ.get("SIGV4_SEED", random.SystemRandom().randrange(1 << 31)))
rng = random.Random(seed)
print(f"# seed {seed} (rerun with SIGV4_SEED={seed}), {N} requests")

build = os.environ.get("SQLAMBDA_BUILD") or os.path.join(os.path.dirname(__file__), "..", "build")
tool = os.path.join(build, "tests", "tool_sign")
if not os.access(tool, os.X_OK):
    print(f"not ok - tool_sign binary found at {tool}")
    sys.exit(1)

session = botocore.session.get_session()
model = session.get_service_model("lambda")
op = model.operation_model("Invoke")
serializer = botocore.serialize.create_serializer(model.metadata["protocol"])

REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2", "sa-east-1",
           "cn-north-1", "us-gov-west-1", "il-central-1", "me-south-1"]
PARTITION = {"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}
NAME_CHARS = string.ascii_letters + string.digits + "-_"
BLACKLIST = botocore.auth.SIGNED_HEADERS_BLACKLIST


def word(chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def function_name(region):
    name = word(NAME_CHARS, 1, 64)
    qual = rng.choice(["", "", "$LATEST", str(rng.randint(1, 999)), word(NAME_CHARS, 1, 20)])
    acct = "".join(rng.choice(string.digits) for _ in range(12))
    form = rng.randrange(4)
    if form == 0:
        f = name
    elif form == 1:
        f = f"{name}:{qual or 'prod'}"
    elif form == 2:
        f = f"{acct}:function:{name}" + (f":{qual}" if qual else "")
    else:
        f = f"arn:{PARTITION.get(region, 'aws')}:lambda:{region}:{acct}:function:{name}" + (
            f":{qual}" if qual else "")
    return f


def payload():
    kind = rng.randrange(5)
    if kind == 0:
        return b"{}"
    if kind == 1:  # unicode, raw UTF-8
        s = "".join(chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0x2fff),
                                    rng.randint(0x1f300, 0x1f6ff)])) for _ in range(rng.randint(0, 60)))
        return json.dumps({"text": s, "n": rng.random()}, ensure_ascii=False).encode()
    if kind == 2:  # binary-looking, escaped
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        return json.dumps({"bin": raw.decode("latin-1")}).encode()
    if kind == 3:
        return json.dumps([rng.randint(-10**9, 10**9) for _ in range(rng.randint(0, 40))]).encode()
    return json.dumps({"nested": {"a": [None, True, "x y\tz"]}, "q": "a&b=c?d#e/f%g"}).encode()


def odd_ws(value):
    return rng.choice(["", " ", "  ", "\t"]) + value.replace(" ", rng.choice([" ", "  ", " \t ", "   "])) + rng.choice(["", " ", "\t "])


prev = []


def one_request():
    reuse = bool(prev) and rng.random() < 0.4
    region = prev[2] if reuse else rng.choice(REGIONS)
    fn = function_name(region)
    params = {"FunctionName": fn, "Payload": payload()}
    if rng.random() < 0.5:
        params["InvocationType"] = rng.choice(["RequestResponse", "Event", "DryRun"])
    if rng.random() < 0.3:
        params["LogType"] = "Tail"
    if rng.random() < 0.3 and ":" not in fn.split("function:")[-1] and ":" not in fn.replace("arn:", "", 1).split(":")[0]:
        params["Qualifier"] = rng.choice(["$LATEST", "12", "live", word(NAME_CHARS, 1, 30)])
    if rng.random() < 0.2:
        params["ClientContext"] = base64.b64encode(json.dumps({"custom": {"k": "v é"}}).encode()).decode()
    endpoint = rng.choice([f"https://lambda.{region}.amazonaws.com",
                           f"http://127.0.0.1:{rng.randint(1024, 65535)}",
                           f"https://lambda.{region}.amazonaws.com:443"])
    rd = serializer.serialize_to_request(params, op)
    botocore.awsrequest.prepare_request_dict(rd, endpoint)
    req = botocore.awsrequest.create_request_object(rd)
    req.headers["User-Agent"] = "Boto3/1.x test"
    for _ in range(rng.randint(0, 3)):
        req.headers["X-Extra-" + word(string.ascii_letters, 1, 8)] = odd_ws(word(string.ascii_letters + "  ", 1, 20))
    if rng.random() < 0.3:  # a repeated header
        req.headers["X-Dup"] = odd_ws("one a")
        req.headers["X-Dup"] = odd_ws("two  b")
    token = None
    if rng.random() < 0.5:
        token = word(string.ascii_letters + string.digits + "+/=", 40, 400)
    akid = "AKIA" + word(string.ascii_uppercase + string.digits, 16, 16)
    secret = word(string.ascii_letters + string.digits + "+/", 40, 40)
    when = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=rng.randrange(36 * 365 * 86400))
    if reuse:
        # the previous request's key and region, minutes later (often the same
        # day: core's signer reuses its signing key), sometimes another secret
        akid, secret, _, when = prev
        when += datetime.timedelta(seconds=rng.randrange(7200))
        if rng.random() < 0.2:
            secret = word(string.ascii_letters + string.digits + "+/", 40, 40)
    prev[:] = [akid, secret, region, when]
    botocore.auth.get_current_datetime = lambda: when
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret, token), "lambda",
                            region).add_auth(req)
    want = req.headers["Authorization"]
    url = urlsplit(req.url)
    host = botocore.auth._host_from_url(req.url)
    received = [[k, v] for k, v in req.headers.items() if k.lower() != "authorization"]
    if not any(k.lower() == "host" for k, _ in received):
        received.insert(0, ["Host", host])
    sign = [[k, v] for k, v in received if k.lower() not in BLACKLIST]
    body = req.body if isinstance(req.body, bytes) else (req.body or "").encode()
    line = {"method": req.method, "path": url.path, "query": url.query or None, "sign": sign,
            "received": received, "body_b64": base64.b64encode(body).decode(), "region": region,
            "service": "lambda", "amz_date": when.strftime("%Y%m%dT%H%M%SZ"), "akid": akid,
            "secret": secret, "token": token}
    return line, want, fn


cases = [one_request() for _ in range(N)]
wrap = os.environ.get("SQLAMBDA_WRAP", "").split()
inp = "".join(json.dumps(c[0]) + "\n" for c in cases)
p = subprocess.run(wrap + [tool], input=inp.encode(), capture_output=True)
out = p.stdout.decode(errors="replace").splitlines()
derivations = None
if out and out[-1].startswith("derivations "):
    derivations = int(out.pop().split()[1])
if p.returncode != 0 or len(out) != N:
    print(f"not ok - tool_sign ran ({p.returncode}, {len(out)} lines for {N}): {p.stderr.decode()[:500]}")
    sys.exit(1)

failed = 0
shown = False
arn_colon = sum(1 for c in cases if "%3A" in c[0]["path"])
print(f"# {arn_colon} requests have ':' in the function segment, "
      f"{sum(1 for c in cases if c[0]['token'])} carry a session token, "
      f"{sum(1 for c in cases if c[0]['query'])} have a Qualifier query")
for start in range(0, N, 100):
    bad = 0
    for i in range(start, min(start + 100, N)):
        line, want, fn = cases[i]
        parts = out[i].split("\t")
        good = (len(parts) == 4 and parts[0] == want and parts[1] == "0" and parts[2] == "-4"
                and parts[3] == "-4")
        if not good:
            bad += 1
            if not shown:
                shown = True
                print(f"# first mismatch: request {i}, function {fn!r}")
                print(f"#   path {line['path']} query {line['query']}")
                print(f"#   botocore: {want}")
                print(f"#   core:     {out[i]}")
    failed += bad
    ok = "ok" if bad == 0 else "not ok"
    print(f"{ok} - requests {start}..{min(start + 100, N) - 1}: core signature identical to "
          f"botocore, verifier accepts, rejects flipped body and signature ({bad} bad)")
print(f"# {N - failed}/{N} identical")
# every request has its own key or scope but the ~40% that reuse the previous
# one's (same day): the signer must have derived keys for fewer than all
print(f"{'ok' if derivations is not None and 0 < derivations < N else 'not ok'} - cached signer "
      f"derived {derivations} signing keys for {N} requests (reused the key for the rest)")
sys.exit(1 if failed else 0)
