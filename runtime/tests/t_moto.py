"""t_moto.py — boto3 inside a function reaches a local moto_server through
the server's own AWS_ENDPOINT_URL and credentials (passed through to the
worker with --pass-aws-credentials), with moto verifying the SigV4 signatures: what the samples'
Kinesis/Firehose functions rely on."""
import json
import os
import subprocess
import tempfile

from serve_helper import TOP, Server, done, is_, ok

d = tempfile.mkdtemp(prefix="sqlambda-rt-moto.")
try:
    out = subprocess.run([os.path.join(TOP, "scripts", "moto-start"), d], capture_output=True, text=True, timeout=120)
    env = dict(l.replace("export ", "", 1).split("=", 1) for l in out.stdout.splitlines() if l.startswith("export "))
    ok("MOTO_URL" in env, "moto_server starts", out.stderr)
    os.environ.update(AWS_ENDPOINT_URL=env["MOTO_URL"], AWS_ACCESS_KEY_ID=env["MOTO_ACCESS_KEY_ID"],
                      AWS_SECRET_ACCESS_KEY=env["MOTO_SECRET_ACCESS_KEY"])
    s = Server("--pass-aws-credentials")  # the operator opts in: functions get serve's keys
    st, h, body = s.invoke("awsclient", "{}")
    j = json.loads(body) if st == 200 else {}
    ok(st == 200 and "x-amz-function-error" not in h, "a function using boto3 runs", body)
    is_(j.get("account"), env.get("MOTO_ACCOUNT"), "STS GetCallerIdentity answered by moto with the passed-through key")
    ok("sqlambda-test" in j.get("users", []), "IAM ListUsers answered by moto (signed requests verified)", j)
    is_(j.get("endpoint"), env["MOTO_URL"], "the function sees AWS_ENDPOINT_URL")
    s.stop()
    ok(env["MOTO_SECRET_ACCESS_KEY"] not in s.log(), "the secret key is not in the server's log")
finally:
    subprocess.run([os.path.join(TOP, "scripts", "moto-stop"), d])
    subprocess.run(["rm", "-rf", d])
done()
