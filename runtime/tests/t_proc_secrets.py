"""t_proc_secrets.py — a function cannot read serve's secrets through /proc
(issue 11): serve marks itself non-dumpable (PR_SET_DUMPABLE 0), so a
handler running as the same user gets permission denied on
/proc/<serve>/environ (serve's own AWS_SECRET_ACCESS_KEY) and
/proc/<serve>/mem (the --credentials secrets), while invocations (and the
Runtime API peer check, which reads the workers' /proc, not serve's) work.
Run as root (which may read any process's memory), the test runs serve as
the user nobody, as the attack needs a function without CAP_SYS_PTRACE."""
import atexit
import json
import os
import shutil
import tempfile

import serve_helper
from serve_helper import Server, done, is_, ok

ENV_SECRET = "env-secret-7f3a9c"
KEY_SECRET = "serve-key-secret-0424"
fdir = tempfile.mkdtemp(prefix="sqlambda-rt-proc.")
atexit.register(shutil.rmtree, fdir, True)
os.mkdir(os.path.join(fdir, "snoop"))
with open(os.path.join(fdir, "snoop", "function.json"), "w") as f:
    json.dump({"runtime": "python3", "handler": "handler.main", "timeout": 30}, f)
with open(os.path.join(fdir, "snoop", "handler.py"), "w") as f:
    f.write(r'''import os, re
def main(event, context):
    pid = os.getppid()
    out = {"serve_pid": pid}
    try:
        out["environ"] = open("/proc/%d/environ" % pid, "rb").read().decode("latin-1")
    except OSError as e:
        out["environ_error"] = e.strerror
    found = []
    try:
        with open("/proc/%d/mem" % pid, "rb", 0) as m:
            for line in open("/proc/%d/maps" % pid):
                a, perms = line.split()[:2]
                if not perms.startswith("rw"): continue
                lo, hi = (int(x, 16) for x in a.split("-"))
                if hi - lo > 64 << 20: continue
                try:
                    m.seek(lo); data = m.read(hi - lo)
                except OSError: continue
                found += [x.group().decode() for x in re.finditer(rb"serve-key-secret-[0-9]+", data)]
    except OSError as e:
        out["mem_error"] = e.strerror
    out["found"] = sorted(set(found))
    return out
''')
creds = os.path.join(fdir, "credentials")
with open(creds, "w") as f:
    f.write("AKIDPROC %s\n" % KEY_SECRET)
os.chmod(creds, 0o600)
args = ["--credentials", creds]
if os.geteuid() == 0:
    # the files serve reads must be nobody's; python outside /root
    for root, dirs, files in os.walk(fdir):
        for n in dirs + files + [""]:
            os.chown(os.path.join(root, n), 65534, 65534)
    os.chmod(fdir, 0o755)
    wrapper = os.path.join(fdir, "serve-as-nobody")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups %s \"$@\"\n" % serve_helper.SERVE)
    os.chmod(wrapper, 0o755)
    serve_helper.SERVE = wrapper
    args += ["--python", "/usr/bin/python3"]
os.environ["AWS_SECRET_ACCESS_KEY"] = ENV_SECRET
s = Server(*args, functions=fdir)
del os.environ["AWS_SECRET_ACCESS_KEY"]
import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
c = s.boto3(aws_access_key_id="AKIDPROC", aws_secret_access_key=KEY_SECRET)
r = c.invoke(FunctionName="snoop", Payload=b"{}")
j = json.loads(r["Payload"].read())
is_(j.get("serve_pid"), s.proc.pid, "the handler's parent is serve")
ok(ENV_SECRET not in j.get("environ", "") and j.get("environ_error") == "Permission denied",
   "/proc/<serve>/environ: permission denied (serve's AWS_SECRET_ACCESS_KEY not read)", j)
ok(not j.get("found") and j.get("mem_error") == "Permission denied",
   "/proc/<serve>/mem: permission denied (the --credentials secrets not read)", j)
is_(s.stop(), 0, "server exits 0")
done()
