"""serve_helper.py — shared by runtime/tests/t_*.py: TAP output ("ok - name"
/ "not ok - name" lines that scripts/tally counts) and a real
`sqlambda serve` (the tool_serve driver) on a free port, with a functions
directory made of runtime/tests/functions plus the seed's lambdaTest.
Every server started here is stopped (SIGTERM, then SIGKILL) at exit."""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.dirname(HERE)
TOP = os.path.dirname(RUNTIME)
BUILD = os.environ.get("SQLAMBDA_BUILD", os.path.join(RUNTIME, "build"))
SERVE = os.path.join(BUILD, "tests", "tool_serve")
FAILED = 0


def ok(cond, name, diag=None):
    global FAILED
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    if not cond:
        FAILED += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print("#   " + line, flush=True)
    return cond


def is_(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def done():
    sys.exit(1 if FAILED else 0)


def functions_dir():
    """A temp directory with every test function and the seed's lambdaTest."""
    d = tempfile.mkdtemp(prefix="sqlambda-rt-fns.")
    atexit.register(shutil.rmtree, d, True)
    src = os.path.join(HERE, "functions")
    for name in os.listdir(src):
        os.symlink(os.path.join(src, name), os.path.join(d, name))
    os.symlink(os.path.join(TOP, "samples", "functions", "lambdaTest"), os.path.join(d, "lambdaTest"))
    return d


class Server:
    def __init__(self, *args, functions=None):
        self.dir = tempfile.mkdtemp(prefix="sqlambda-rt.")
        atexit.register(shutil.rmtree, self.dir, True)
        self.functions = functions or functions_dir()
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            [SERVE, "--listen", "127.0.0.1:0", "--functions", self.functions, "--verbose", *args],
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        atexit.register(self.stop)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://"):
            self.stop()
            raise RuntimeError("server did not start: %r\n%s" % (line, self.log()))
        self.url = line.split(" ")[-1]

    def log(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None):
        """Raw HTTP: returns (status, headers dict with lower-case names, body bytes)."""
        data = body if isinstance(body, (bytes, type(None))) else body.encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def invoke(self, fn, payload=b"{}", headers=None, query=""):
        path = "/2015-03-31/functions/%s/invocations%s" % (urllib.parse.quote(fn, safe=""), query)
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        return self.request("POST", path, payload, headers)

    def boto3(self, **kw):
        import boto3
        from botocore.config import Config
        args = dict(endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="AKIDTEST",
                    aws_secret_access_key="secret", config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                                  read_timeout=30))
        args.update(kw)
        return boto3.client("lambda", **args)


def children_of(pid):
    """pids of the live processes whose parent is pid."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,stat="], capture_output=True, text=True).stdout
    return [int(p) for p, pp, st in (l.split() for l in out.splitlines()) if int(pp) == pid and not st.startswith("Z")]


def group_alive(pgid):
    out = subprocess.run(["ps", "-eo", "pgid=,stat="], capture_output=True, text=True).stdout
    return any(int(g) == pgid and not st.startswith("Z") for g, st in (l.split() for l in out.splitlines()))


import urllib.parse  # noqa: E402  (used by Server.invoke)
