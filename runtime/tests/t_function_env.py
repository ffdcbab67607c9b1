"""t_function_env.py — functions do not inherit the server's AWS secrets
(issue 11): with AWS keys, a session token, a profile and credential/config
file paths in serve's environment, a function printing its environment sees
none of them (only AWS_ENDPOINT_URL*, and /dev/null credential/config files
so SDKs do not fall back to the operator's ~/.aws), unless serve runs with
--pass-aws-credentials; a function's own environment (its "execution role")
is what it gets. Without --credentials, GetFunction/ListFunctions withhold
environment values and the code's path."""
import json
import os

from serve_helper import Server, done, is_, ok

SECRETS = {"AWS_ACCESS_KEY_ID": "AKIDSERVERSOWN", "AWS_SECRET_ACCESS_KEY": "server-secret-value",
           "AWS_SESSION_TOKEN": "server-session-token", "AWS_SECURITY_TOKEN": "server-security-token",
           "AWS_PROFILE": "server-profile", "AWS_SHARED_CREDENTIALS_FILE": "/home/op/.aws/credentials",
           "AWS_CONFIG_FILE": "/home/op/.aws/config", "AWS_ROLE_ARN": "arn:aws:iam::1:role/op",
           "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/c"}
os.environ.update(SECRETS)
os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566"
os.environ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:4567"

s = Server()
st, h, body = s.invoke("envdump", "{}")
env = json.loads(body) if st == 200 else {}
ok(st == 200 and env, "envdump runs", body)
for k, v in SECRETS.items():
    ok(v not in body.decode(), "the function does not see the server's %s" % k)
is_(env.get("AWS_SHARED_CREDENTIALS_FILE"), "/dev/null", "AWS_SHARED_CREDENTIALS_FILE is /dev/null (no fallback to ~/.aws)")
is_(env.get("AWS_CONFIG_FILE"), "/dev/null", "AWS_CONFIG_FILE is /dev/null")
is_((env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")), ("AKIDFUNCTIONROLE", "function-role-secret"),
    "the function's own configured keys (its execution role) are what it gets")
is_((env.get("AWS_ENDPOINT_URL"), env.get("AWS_ENDPOINT_URL_S3")), ("http://127.0.0.1:4566", "http://127.0.0.1:4567"),
    "AWS_ENDPOINT_URL* still pass through")

# the control API without signatures: no values, no paths
st, h, body = s.request("GET", "/2015-03-31/functions/echo")
text = body.decode()
j = json.loads(body) if st == 200 else {}
env_cfg = j.get("Configuration", {}).get("Environment", {})
ok(st == 200 and "Variables" not in env_cfg and env_cfg.get("Error", {}).get("ErrorCode") == "AccessDeniedException",
   "unsigned GetFunction: Environment.Error instead of the variables", text)
ok('"latest"' not in text and "function-role-secret" not in text, "unsigned GetFunction: no environment value in the body", text)
ok(s.functions not in text and "/runtime/tests/functions" not in text and "Location" not in j.get("Code", {}),
   "unsigned GetFunction: no filesystem path (Code.Location withheld)", text)
st, h, body = s.request("GET", "/2015-03-31/functions/")
text = body.decode()
ok(st == 200 and "function-role-secret" not in text and '"latest"' not in text and "Variables" not in text,
   "unsigned ListFunctions: no environment values", text[:300])
s.stop()

s = Server("--pass-aws-credentials")
st, h, body = s.invoke("envdump", "{}")
env = json.loads(body) if st == 200 else {}
is_((env.get("AWS_SESSION_TOKEN"), env.get("AWS_PROFILE"), env.get("AWS_SHARED_CREDENTIALS_FILE")),
    ("server-session-token", "server-profile", "/home/op/.aws/credentials"),
    "--pass-aws-credentials: the function inherits the server's AWS_* variables")
is_(env.get("AWS_ACCESS_KEY_ID"), "AKIDFUNCTIONROLE", "--pass-aws-credentials: the function's own environment still wins")
s.stop()
ok("server-secret-value" not in s.log(), "the server's secret is not in its log")
done()
