#!/usr/bin/env python3
"""t_endpoint_diff.py — differential test of region, endpoint and static
credentials resolution against the botocore installed on this machine.

For a matrix of environment variables and ~/.aws/config / credentials
files (regions of every partition, FIPS and dual-stack on/off from the
environment and from profiles, FIPS pseudo-regions, endpoint_url from every
source, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, profiles chosen by
AWS_PROFILE or named explicitly), botocore resolves a Lambda client (the
URL its Invoke would go to is captured before sending: no network) and
core resolves the same with sqlambda_describe (tool_describe). Region,
endpoint and the access key id (masked but for its last 4 characters, as
both print it) must be equal; every mismatch is printed. The instance
metadata endpoint (endpoint, endpoint mode, imds_use_ipv6, from variables
and both files) must be the one botocore's IMDS fetcher picks, and a
setting botocore refuses must be refused. Then the
deliberate differences (docs/configuration.md, "Compared with botocore")
are checked to hold: AWS_REGION (botocore ignores it), an empty
AWS_DEFAULT_REGION (botocore: no region), a FIPS/dual-stack value other
than true/false (botocore reads it as false, core refuses it), the default
retry mode (botocore: legacy, core: standard). Retry mode (adaptive too)
and max attempts from variables and both files are compared with
botocore's client config too."""
import json
import os
import subprocess
import sys
import tempfile

import botocore
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.endpoint_provider import EndpointProvider
from botocore.exceptions import EndpointVariantError, NoRegionError
from botocore.utils import ensure_boolean

build = os.environ.get("SQLAMBDA_BUILD") or os.path.join(os.path.dirname(__file__), "..", "build")
tool = os.path.join(build, "tests", "tool_describe")
if not os.access(tool, os.X_OK):
    print(f"not ok - tool_describe binary found at {tool}")
    sys.exit(1)
print(f"# botocore {botocore.__version__}")

tmp = tempfile.mkdtemp(prefix="sqlambda-epdiff-")
CONF, CRED = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
INVOKE_PATH = "/2015-03-31/functions/f/invocations"
MASK = "*" * 16


_loader = botocore.session.Session().get_component("data_loader")
rule_set = EndpointProvider(_loader.load_service_model("lambda", "endpoint-rule-set-1"),
                            _loader.load_data("partitions"))
legacy_refusals = []


class Stop(Exception):
    pass


def case_env(case):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
           "AWS_CONFIG_FILE": CONF, "AWS_SHARED_CREDENTIALS_FILE": CRED,
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(case.get("env", {}))
    return env


def write_files(case):
    with open(CONF, "w") as f:
        f.write(case.get("config", ""))
    with open(CRED, "w") as f:
        f.write(case.get("credentials", ""))


def botocore_view(case):
    """(region, endpoint base, masked access key) as botocore resolves them."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case_env(case))
    try:
        session = botocore.session.Session(profile=case.get("profile"))
        session.register_component("data_loader", _loader)  # parsed once, not per case
        creds = session.get_credentials()
        akid = None
        if creds is not None:
            akid = MASK + creds.access_key[-4:]
        try:
            client = session.create_client(
                "lambda", region_name=case.get("region"), endpoint_url=case.get("endpoint_url"),
                config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
        except NoRegionError:
            return None, None, akid
        except EndpointVariantError:
            # botocore's older endpoints.json check, run when a client is
            # made, knows no dual-stack endpoint for some aws-iso-e/-f
            # regions and refuses; the URL of a call comes from the rule set
            # alone, so that is what core is compared with here.
            legacy_refusals.append(case["name"])
            region = case.get("region") or session.get_config_variable("region")
            fips = ensure_boolean(session.get_config_variable("use_fips_endpoint"))
            if "fips" in region:
                region, fips = region.replace("fips-", "").replace("-fips", ""), True
            dual = ensure_boolean(session.get_config_variable("use_dualstack_endpoint"))
            url = rule_set.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dual).url
            return region, url.rstrip("/"), akid
        seen = {}

        def capture(request, **kwargs):
            seen["url"] = request.url
            raise Stop()

        client.meta.events.register("before-send", capture)
        try:
            client.invoke(FunctionName="f")
        except Stop:
            pass
        url = seen["url"]
        assert url.endswith(INVOKE_PATH), url
        return client.meta.region_name, url[: -len(INVOKE_PATH)].rstrip("/"), akid
    finally:
        os.environ.clear()
        os.environ.update(saved)


def core_view(case):
    args = [tool]
    for opt in ("profile", "region", "endpoint_url"):
        if case.get(opt):
            args += ["--" + opt.replace("_", "-"), case[opt]]
    p = subprocess.run(args, env=case_env(case), capture_output=True, text=True, timeout=30)
    d = json.loads(p.stdout)
    s = d["settings"]
    region = s["region"]["value"]
    endpoint = s["endpoint_url"]["value"]
    return d, region, endpoint.rstrip("/") if endpoint else None, s["access_key"]["value"]


# ---- the matrix -----------------------------------------------------------

REGIONS = ["us-east-1", "eu-west-3", "ca-west-1", "me-central-1", "xx-mars-1",
           "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
           "us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1",
           "fips-us-gov-west-1", "us-east-1-fips"]

# (name, env, [default] profile lines of the config file, of the credentials file)
FLAGS = [
    ("no flags", {}, "", ""),
    ("env FIPS", {"AWS_USE_FIPS_ENDPOINT": "true"}, "", ""),
    ("env dual-stack", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "", ""),
    ("env both", {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "TRUE"}, "", ""),
    ("profile FIPS", {}, "use_fips_endpoint = true\n", ""),
    ("profile both", {}, "use_fips_endpoint = True\nuse_dualstack_endpoint = true\n", ""),
    ("env FIPS false beats profile", {"AWS_USE_FIPS_ENDPOINT": "false"},
     "use_fips_endpoint = true\n", ""),
    ("empty env dual-stack beats profile", {"AWS_USE_DUALSTACK_ENDPOINT": ""},
     "use_dualstack_endpoint = true\n", ""),
    ("env FALSE, profile dual-stack", {"AWS_USE_FIPS_ENDPOINT": "FALSE"},
     "use_dualstack_endpoint = true\n", ""),
    ("credentials-file FIPS", {}, "", "use_fips_endpoint = true\n"),
]

KEYS = "aws_access_key_id = AKIAFILEDEFAULTFD01\naws_secret_access_key = s1\n"


def region_cases():
    cases = []
    n = 0
    for region in REGIONS:
        for fname, fenv, fconf, fcred in FLAGS:
            env = dict(fenv)
            conf, cred = "[default]\n" + fconf, "[default]\n" + KEYS + fcred
            how = n % 4
            n += 1
            case = {}
            if how == 0:
                env["AWS_DEFAULT_REGION"] = region
                src = "AWS_DEFAULT_REGION"
            elif how == 1:
                conf += f"region = {region}\n"
                src = "config region"
            elif how == 2:
                cred += f"region = {region}\n"
                src = "credentials-file region"
            else:
                case["region"] = region
                env["AWS_DEFAULT_REGION"] = "us-west-2"
                src = "region option"
            case.update(name=f"{region} ({src}), {fname}", env=env, config=conf, credentials=cred)
            cases.append(case)
    return cases


def endpoint_cases():
    cases = []
    sources = [
        ("AWS_ENDPOINT_URL_LAMBDA", {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:7001"}, ""),
        ("AWS_ENDPOINT_URL", {"AWS_ENDPOINT_URL": "http://127.0.0.1:7002/"}, ""),
        ("both variables", {"AWS_ENDPOINT_URL": "http://127.0.0.1:7002",
                            "AWS_ENDPOINT_URL_LAMBDA": "http://localhost:7001/prefix"}, ""),
        ("profile endpoint_url", {}, "endpoint_url = http://127.0.0.1:7003\n"),
        ("services section", {}, "services = local\nendpoint_url = http://127.0.0.1:7003\n"),
        ("variable beats services", {"AWS_ENDPOINT_URL": "http://127.0.0.1:7002"},
         "services = local\n"),
        ("ignored by variable", {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
                                 "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:7001"},
         "services = local\n"),
        ("ignored by profile", {}, "ignore_configured_endpoint_urls = true\n"
         "endpoint_url = http://127.0.0.1:7003\nservices = local\n"),
        ("variable false beats profile true",
         {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
         "ignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:7003\n"),
        ("unset variable keeps profile true", {"AWS_ENDPOINT_URL": "http://127.0.0.1:7002"},
         "ignore_configured_endpoint_urls = true\n"),
    ]
    services = "[services local]\nlambda =\n  endpoint_url = http://[::1]:7004/svc\n"
    for name, env, conf in sources:
        for fips in (False, True):
            e = dict(env, AWS_DEFAULT_REGION="eu-central-1")
            if fips:
                e["AWS_USE_FIPS_ENDPOINT"] = "true"
                e["AWS_USE_DUALSTACK_ENDPOINT"] = "true"
            cases.append({"name": f"endpoint: {name}{', FIPS+dual-stack on' if fips else ''}",
                          "env": e, "config": "[default]\n" + conf + services,
                          "credentials": "[default]\n" + KEYS})
    cases.append({"name": "endpoint option beats variables and FIPS",
                  "env": {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:7001",
                          "AWS_USE_FIPS_ENDPOINT": "true", "AWS_DEFAULT_REGION": "us-east-1"},
                  "endpoint_url": "http://127.0.0.1:7009/opt", "credentials": "[default]\n" + KEYS})
    cases.append({"name": "configured endpoint, no region",
                  "env": {"AWS_ENDPOINT_URL": "http://127.0.0.1:7002"}})
    return cases


PROFILES_CONF = """[default]
region = us-west-1
use_dualstack_endpoint = true
[profile default]
region = us-west-2
[profile gov]
region = us-gov-east-1
use_fips_endpoint = true
aws_access_key_id = AKIACONFGOVGOV00GV02
aws_secret_access_key = s
[profile cn]
region = cn-northwest-1
use_dualstack_endpoint = true
endpoint_url = http://127.0.0.1:7010
ignore_configured_endpoint_urls = true
[profile svc]
region = us-isob-east-1
services = mine
[profile pseudo]
region = fips-us-gov-west-1
use_fips_endpoint = false
[profile credregion]
region = eu-north-1
[services mine]
lambda =
  endpoint_url = http://127.0.0.1:7011
s3 =
  endpoint_url = http://127.0.0.1:7012
"""
PROFILES_CRED = """[default]
aws_access_key_id = AKIACREDDEFAULTCD03
aws_secret_access_key = s
[gov]
aws_access_key_id = AKIACREDGOVCRED0CG04
aws_secret_access_key = s
[credregion]
region = ap-south-2
aws_access_key_id = AKIACREDREGIONCR05
aws_secret_access_key = s
[credonly]
region = sa-east-1
use_fips_endpoint = true
aws_access_key_id = AKIACREDONLYCO06
aws_secret_access_key = s
"""


def profile_cases():
    cases = []
    for prof in ("", "default", "gov", "cn", "svc", "pseudo", "credregion", "credonly"):
        for how in ("AWS_PROFILE", "profile option"):
            if how == "profile option" and not prof:
                continue
            c = {"name": f"profile {prof or '(none)'} by {how}", "config": PROFILES_CONF,
                 "credentials": PROFILES_CRED, "env": {}}
            if prof and how == "AWS_PROFILE":
                c["env"]["AWS_PROFILE"] = prof
            elif prof:
                c["profile"] = prof
            cases.append(c)
    cases.append({"name": "environment keys beat the profile's (AWS_PROFILE)",
                  "config": PROFILES_CONF, "credentials": PROFILES_CRED,
                  "env": {"AWS_PROFILE": "gov", "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENTEV07",
                          "AWS_SECRET_ACCESS_KEY": "s"}})
    cases.append({"name": "AWS_DEFAULT_REGION beats the profile's region",
                  "config": PROFILES_CONF, "credentials": PROFILES_CRED,
                  "env": {"AWS_PROFILE": "gov", "AWS_DEFAULT_REGION": "cn-north-1"}})
    cases.append({"name": "keys only in the config file", "credentials": "",
                  "config": "[default]\nregion = af-south-1\naws_access_key_id = "
                            "AKIACONFIGONLYCF08\naws_secret_access_key = s\n", "env": {}})
    cases.append({"name": "no files, no region", "env": {}})
    return cases


RETRY_CASES = [
    ("AWS_RETRY_MODE=legacy", {"AWS_RETRY_MODE": "legacy"}, "", ""),
    ("AWS_RETRY_MODE=standard", {"AWS_RETRY_MODE": "standard"}, "", ""),
    ("legacy + AWS_MAX_ATTEMPTS=7", {"AWS_RETRY_MODE": "legacy", "AWS_MAX_ATTEMPTS": "7"}, "", ""),
    ("standard + AWS_MAX_ATTEMPTS=1", {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1"},
     "", ""),
    ("profile legacy", {}, "retry_mode = legacy\n", ""),
    ("profile legacy + max_attempts 4", {}, "retry_mode = legacy\nmax_attempts = 4\n", ""),
    ("variable standard beats profile legacy", {"AWS_RETRY_MODE": "standard"},
     "retry_mode = legacy\n", ""),
    ("credentials-file legacy", {}, "retry_mode = standard\n", "retry_mode = legacy\n"),
    ("AWS_MAX_ATTEMPTS beats the profile's", {"AWS_MAX_ATTEMPTS": "9"},
     "retry_mode = standard\nmax_attempts = 2\n", ""),
    ("AWS_RETRY_MODE=adaptive", {"AWS_RETRY_MODE": "adaptive"}, "", ""),
    ("adaptive + AWS_MAX_ATTEMPTS=2", {"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "2"}, "", ""),
    ("profile adaptive + max_attempts 4", {}, "retry_mode = adaptive\nmax_attempts = 4\n", ""),
    ("variable legacy beats profile adaptive", {"AWS_RETRY_MODE": "legacy"},
     "retry_mode = adaptive\n", ""),
]


def botocore_retries(case):
    """(mode, attempts) of a botocore Lambda client: its retries config, the
    attempts its mode takes by default when none is configured."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case_env(case))
    try:
        client = botocore.session.Session().create_client("lambda", region_name="us-east-1")
        r = client.meta.config.retries
        return r["mode"], r.get("total_max_attempts") or {"legacy": 5}.get(r["mode"], 3)
    finally:
        os.environ.clear()
        os.environ.update(saved)


# Where instance metadata is: (name, env, [default] config lines, [default]
# credentials lines). None as a value unsets AWS_EC2_METADATA_DISABLED.
IMDS_CASES = [
    ("nothing set", {}, "", ""),
    ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}, "", ""),
    ("mode ipv4 in the variable beats the profile's IPv6",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv4"},
     "ec2_metadata_service_endpoint_mode = IPv6\n", ""),
    ("profile mode IPv6", {}, "ec2_metadata_service_endpoint_mode = IPv6\n", ""),
    ("credentials-file mode ipv6", {}, "", "ec2_metadata_service_endpoint_mode = ipv6\n"),
    ("AWS_IMDS_USE_IPV6=TRUE", {"AWS_IMDS_USE_IPV6": "TRUE"}, "", ""),
    ("profile imds_use_ipv6", {}, "imds_use_ipv6 = true\n", ""),
    ("imds_use_ipv6 = 1 is not true", {}, "imds_use_ipv6 = 1\n", ""),
    ("mode IPv4 beats imds_use_ipv6", {"AWS_IMDS_USE_IPV6": "true"},
     "ec2_metadata_service_endpoint_mode = IPv4\n", ""),
    ("endpoint variable", {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1338"}, "", ""),
    ("endpoint variable beats mode IPv6",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://[::1]:1338/",
      "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}, "", ""),
    ("profile endpoint", {}, "ec2_metadata_service_endpoint = http://localhost:1339\n", ""),
    ("profile endpoint beats profile mode", {},
     "ec2_metadata_service_endpoint = http://127.0.0.2\n"
     "ec2_metadata_service_endpoint_mode = IPv6\n", ""),
    ("endpoint variable beats profile endpoint",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.3:80"},
     "ec2_metadata_service_endpoint = http://localhost:1339\n", ""),
    ("empty endpoint variable hides the profile's: the mode decides",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT": ""},
     "ec2_metadata_service_endpoint = http://localhost:1339\n"
     "ec2_metadata_service_endpoint_mode = IPv6\n", ""),
    ("bad mode in the variable", {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv5"}, "", ""),
    ("bad mode in the profile", {}, "ec2_metadata_service_endpoint_mode = dual\n", ""),
    ("empty mode variable", {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": ""}, "", ""),
    ("bad mode with an endpoint", {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1338",
                                   "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "v6"}, "", ""),
    ("endpoint without a host", {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://"}, "", ""),
    ("endpoint with a space", {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://a b"}, "", ""),
    ("metadata disabled", {"AWS_EC2_METADATA_DISABLED": "TRUE"}, "", ""),
]


def botocore_imds(case):
    """The base URL botocore's IMDS fetcher would use (trailing '/' dropped),
    None when metadata is disabled, or the name of the error it raises."""
    from botocore.utils import IMDSFetcher, resolve_imds_endpoint_mode
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case_env(case))
    try:
        session = botocore.session.Session()
        try:
            config = {
                "ec2_metadata_service_endpoint":
                    session.get_config_variable("ec2_metadata_service_endpoint"),
                "ec2_metadata_service_endpoint_mode": resolve_imds_endpoint_mode(session),
            }
            fetcher = IMDSFetcher(config=config)
        except Exception as e:  # botocore's Invalid...Error classes
            return type(e).__name__
        if os.environ.get("AWS_EC2_METADATA_DISABLED", "false").lower() == "true":
            return None
        return fetcher.get_base_url().rstrip("/")
    finally:
        os.environ.clear()
        os.environ.update(saved)


# ---- run --------------------------------------------------------------------

cases = region_cases() + endpoint_cases() + profile_cases()
print(f"1..{len(cases) + len(RETRY_CASES) + len(IMDS_CASES) + 7}")
n = 0
failed = 0


def report(good, name, lines=()):
    global n, failed
    n += 1
    print(f"{'ok' if good else 'not ok'} {n} - {name}")
    if not good:
        failed += 1
        for line in lines:
            print(f"#   {line}")


for case in cases:
    write_files(case)
    b_region, b_endpoint, b_akid = botocore_view(case)
    d, c_region, c_endpoint, c_akid = core_view(case)
    diffs = []
    if b_region != c_region:
        diffs.append(f"region: botocore {b_region!r}, sqlambda {c_region!r}")
    if b_region is not None and b_endpoint != c_endpoint:
        diffs.append(f"endpoint: botocore {b_endpoint!r}, sqlambda {c_endpoint!r}")
    if b_akid != c_akid:
        diffs.append(f"access key: botocore {b_akid!r}, sqlambda {c_akid!r}")
    if d["status"] not in ("OK", "CredentialsError") or (b_akid and d["status"] != "OK"):
        diffs.append(f"sqlambda status {d['status']}: {d['error']}")
    if diffs:
        diffs.append(f"env {case.get('env')}, options "
                     f"{ {k: case[k] for k in ('profile', 'region', 'endpoint_url') if k in case} }")
    report(not diffs, case["name"], diffs)

for name, env, conf, cred in RETRY_CASES:
    case = {"env": env, "config": "[default]\n" + conf, "credentials": "[default]\n" + cred}
    write_files(case)
    b_mode, b_attempts = botocore_retries(case)
    s = core_view(case)[0]["settings"]
    c_mode, c_attempts = s["retry_mode"]["value"], int(s["max_attempts"]["value"])
    report((b_mode, b_attempts) == (c_mode, c_attempts), f"retries: {name}",
           [f"botocore {b_mode} {b_attempts}, sqlambda {c_mode} {c_attempts}"])

for name, env, conf, cred in IMDS_CASES:
    env = dict({"AWS_DEFAULT_REGION": "us-east-1"}, **env)
    case = {"env": env, "config": "[default]\n" + conf, "credentials": "[default]\n" + KEYS + cred}
    case["env"].setdefault("AWS_EC2_METADATA_DISABLED", "false")
    write_files(case)
    want = botocore_imds(case)
    d = core_view(case)[0]
    got = d["settings"]["ec2_metadata_endpoint"]["value"]
    got = got.rstrip("/") if got else got  # both join paths after dropping it
    if want and want.startswith("Invalid"):
        # botocore refuses when it builds its credential resolver; sqlambda
        # when it resolves the client's settings, naming the setting
        good = d["status"] == "ConfigError" and got is None and (
            "ENDPOINT" in d["error"] or "endpoint" in d["error"])
        shown = f"sqlambda {d['status']}: {d['error']}"
    else:
        good = d["status"] == "OK" and got == want
        shown = f"sqlambda {got!r} ({d['status']}: {d['error']})"
    report(good, f"instance metadata endpoint: {name}", [f"botocore {want!r}, {shown}"])

# The deliberate differences hold.
case = {"env": {}}
write_files(case)
b_mode, b_attempts = botocore_retries(case)
s = core_view(case)[0]["settings"]
report(b_mode == "legacy" and s["retry_mode"]["value"] == "standard"
       and s["max_attempts"]["value"] == "3",
       "retry_mode unset: standard, 3 attempts for sqlambda (as the AWS CLI v2 and the other "
       "SDKs); botocore's default is legacy",
       [f"botocore {b_mode} {b_attempts}, sqlambda {s['retry_mode']} {s['max_attempts']}"])
case = {"env": {"AWS_REGION": "eu-south-2", "AWS_DEFAULT_REGION": "us-east-2"}}
write_files(case)
b_region = botocore_view(case)[0]
c_region = core_view(case)[1]
report(b_region == "us-east-2" and c_region == "eu-south-2",
       "AWS_REGION: read by sqlambda (as AWS CLI v2 and the other SDKs), not by botocore",
       [f"botocore {b_region!r}, sqlambda {c_region!r}"])
case = {"env": {"AWS_DEFAULT_REGION": ""}, "config": "[default]\nregion = eu-west-2\n"}
write_files(case)
saved = dict(os.environ)
os.environ.clear()
os.environ.update(case_env(case))
session_region = botocore.session.Session().get_config_variable("region")
os.environ.clear()
os.environ.update(saved)
c_region = core_view(case)[1]
report(session_region == "" and c_region == "eu-west-2",
       "empty AWS_DEFAULT_REGION: unset for sqlambda (the profile's region), "
       "botocore's region is empty (it makes no usable client)",
       [f"botocore {session_region!r}, sqlambda {c_region!r}"])
for var, key in (("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
                 ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")):
    case = {"env": {var: "yes", "AWS_DEFAULT_REGION": "us-east-1"}}
    write_files(case)
    b_endpoint = botocore_view(case)[1]
    d = core_view(case)[0]
    report(b_endpoint == "https://lambda.us-east-1.amazonaws.com" and d["status"] == "ConfigError"
           and f'invalid {var} "yes": must be true or false' in d["error"],
           f"{var}=yes: botocore reads false, sqlambda refuses it naming the variable",
           [f"botocore {b_endpoint!r}, sqlambda {d['status']}: {d['error']}"])
case = {"env": {"AWS_DEFAULT_REGION": "us-east-1"}, "config": "[default]\nuse_fips_endpoint = 1\n"}
write_files(case)
d = core_view(case)[0]
report(d["status"] == "ConfigError" and "invalid use_fips_endpoint of " in d["error"]
       and '(profile "default") "1"' in d["error"],
       "profile use_fips_endpoint = 1: sqlambda refuses it naming the key and the profile",
       [f"sqlambda {d['status']}: {d['error']}"])

for f in (CONF, CRED):
    os.unlink(f)
os.rmdir(tmp)
print(f"# {len(cases)} cases, {len(RETRY_CASES)} retry cases and {len(IMDS_CASES)} instance "
      f"metadata cases compared with botocore, "
      f"{failed} failed (deliberate differences included); "
      f"{len(legacy_refusals)} compared with botocore's Lambda endpoint rule set alone "
      f"(its endpoints.json check refused a client): {', '.join(legacy_refusals)}")
sys.exit(1 if failed else 0)
