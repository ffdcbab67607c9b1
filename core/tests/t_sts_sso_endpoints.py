#!/usr/bin/env python3
"""t_sts_sso_endpoints.py — differential test of where the credential
providers reach STS (AssumeRole, AssumeRoleWithWebIdentity) and the SSO
portal (GetRoleCredentials), against the botocore installed here.

botocore makes those clients from the session: STS with the session's
region, the SSO portal with the profile's sso_region, both with the
session's FIPS / dual-stack settings and configured endpoints. For a
matrix of regions of every partition (and a FIPS pseudo-region, and none),
FIPS and dual-stack from variables and the config file,
sts_regional_endpoints from both, and configured endpoints from every
source, botocore's URL (captured before sending: no network) and the region
its STS signature names must equal what core's sqlambda_sts_url and
sqlambda_sso_portal_url give (tool_creds endpoints). The deliberate
differences (docs/configuration.md: the profile's generic endpoint_url never
receives a signed AssumeRole, a web identity token, the SSO bearer token or
sso-oidc's refresh token; AWS_ENDPOINT_URL neither of the last two; no STS
call with FIPS or dual-stack but no region) are checked to hold. The
sso-oidc URL (the SSO token's refresh) is compared the same way."""
import os
import re
import subprocess
import sys
import tempfile

import botocore
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.endpoint_provider import EndpointProvider
from botocore.exceptions import EndpointVariantError
from botocore.utils import ensure_boolean

build = os.environ.get("SQLAMBDA_BUILD") or os.path.join(os.path.dirname(__file__), "..", "build")
tool = os.path.join(build, "tests", "tool_creds")
wrap = os.environ.get("SQLAMBDA_WRAP", "").split()
print(f"# botocore {botocore.__version__}")
tmp = tempfile.mkdtemp(prefix="sqlambda-stsdiff-")
CONF = os.path.join(tmp, "config")
_loader = botocore.session.Session().get_component("data_loader")
rules = {s: EndpointProvider(_loader.load_service_model(s, "endpoint-rule-set-1"),
                             _loader.load_data("partitions")) for s in ("sts", "sso", "sso-oidc")}


class Stop(Exception):
    pass


def case_env(case):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
           "AWS_CONFIG_FILE": CONF, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(case.get("env", {}))
    return env


def capture(client, call):
    seen = {}

    def hook(request, **kwargs):
        seen["url"] = request.url
        seen["auth"] = request.headers.get("Authorization", b"")
        raise Stop()

    client.meta.events.register("before-send", hook)
    try:
        call(client)
    except Stop:
        pass
    auth = seen["auth"].decode() if isinstance(seen["auth"], bytes) else seen["auth"]
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", auth or "")
    return seen["url"], m.group(1) if m else None


def rule_set_url(service, session, region):
    fips = ensure_boolean(session.get_config_variable("use_fips_endpoint"))
    dual = ensure_boolean(session.get_config_variable("use_dualstack_endpoint"))
    if "fips" in region:
        region, fips = region.replace("fips-", "").replace("-fips", ""), True
    return rules[service].resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dual).url


def botocore_view(case):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case_env(case))
    try:
        session = botocore.session.Session()
        session.register_component("data_loader", _loader)
        region = session.get_config_variable("region")
        try:
            sts = session.create_client("sts", aws_access_key_id="AKIDSTSDIFF",
                                        aws_secret_access_key="s")
            sts_url, sign = capture(sts, lambda c: c.get_caller_identity())
        except EndpointVariantError:  # its endpoints.json check; calls use the rule set's URL
            sts_url, sign = rule_set_url("sts", session, region), "(not compared)"
        sts_url = sts_url.rstrip("/")
        try:
            sso = session.create_client("sso", config=Config(signature_version=UNSIGNED,
                                                             region_name=case["sso_region"]))
            sso_url, _ = capture(sso, lambda c: c.get_role_credentials(
                roleName="r", accountId="123456789012", accessToken="t"))
        except EndpointVariantError:
            sso_url = rule_set_url("sso", session, case["sso_region"])
        sso_url = sso_url.split("/federation/")[0].rstrip("/")
        try:
            oidc = session.create_client("sso-oidc", config=Config(
                signature_version=UNSIGNED, region_name=case["sso_region"]))
            oidc_url, _ = capture(oidc, lambda c: c.create_token(
                clientId="c", clientSecret="s", grantType="refresh_token", refreshToken="r"))
        except EndpointVariantError:
            oidc_url = rule_set_url("sso-oidc", session, case["sso_region"])
        oidc_url = oidc_url.split("/token")[0].rstrip("/")
        return sts_url, sign, sso_url, oidc_url
    finally:
        os.environ.clear()
        os.environ.update(saved)


def core_view(case):
    p = subprocess.run(wrap + [tool, "endpoints", "--sso-region", case["sso_region"]],
                       env=case_env(case), capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return f"exit {p.returncode}: {p.stdout} {p.stderr[-300:]}", None, None, None
    m = re.search(r"^sts=(\S+) sign_region=(\S+)$", p.stdout, re.M)
    s = re.search(r"^sso=(\S+)$", p.stdout, re.M)
    o = re.search(r"^oidc=(\S+)$", p.stdout, re.M)
    return (m.group(1) if m else p.stdout.strip(), m.group(2) if m else None,
            s.group(1).rstrip("/") if s else p.stdout.strip(),
            o.group(1).rstrip("/") if o else p.stdout.strip())


REGIONS = ["us-east-1", "eu-west-1", "ap-east-1", "cn-north-1", "us-gov-west-1",
           "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1",
           "us-east-1-fips", None]
SSO_REGIONS = {"cn-north-1": "cn-northwest-1", "us-gov-west-1": "us-gov-east-1",
               "us-iso-east-1": "us-iso-west-1", "us-isob-east-1": "us-isob-east-1",
               "eu-isoe-west-1": "eu-isoe-west-1", "us-isof-south-1": "us-isof-east-1"}
FLAGS = [
    ("no flags", {}, ""),
    ("env FIPS", {"AWS_USE_FIPS_ENDPOINT": "true"}, ""),
    ("env dual-stack", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""),
    ("env both", {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""),
    ("profile FIPS", {}, "use_fips_endpoint = true\n"),
    ("profile both", {}, "use_fips_endpoint = true\nuse_dualstack_endpoint = true\n"),
]


def cases():
    out = []
    n = 0
    for region in REGIONS:
        for fname, fenv, fconf in FLAGS:
            for legacy in ("", "env", "profile"):
                if region is None and (fname != "no flags" or legacy == "profile"):
                    continue
                if legacy and region not in ("us-east-1", "eu-west-1", "ap-east-1", None) \
                        and n % 3:
                    n += 1
                    continue  # legacy mode only changes the 16 old regions
                n += 1
                env = dict(fenv)
                conf = "[default]\n" + fconf
                if region:
                    conf += f"region = {region}\n"
                if legacy == "env":
                    env["AWS_STS_REGIONAL_ENDPOINTS"] = "legacy"
                elif legacy == "profile":
                    conf += "sts_regional_endpoints = legacy\n"
                sso_region = SSO_REGIONS.get(region or "", "eu-central-1")
                out.append({"name": f"{region} {fname}{', legacy ' + legacy if legacy else ''}",
                            "env": env, "config": conf, "sso_region": sso_region})
    services = "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:7101\n" \
               "sso =\n  endpoint_url = http://127.0.0.1:7102/sso\n" \
               "sso_oidc =\n  endpoint_url = http://127.0.0.1:7103\n"
    for name, env, conf in [
        ("AWS_ENDPOINT_URL_STS, _SSO and _SSO_OIDC",
         {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:7201",
          "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:7202/",
          "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:7204/"}, ""),
        ("[services] sts and sso", {}, "services = local\n"),
        ("variables beat [services]", {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:7201"},
         "services = local\n"),
        ("AWS_ENDPOINT_URL_STS with FIPS and dual-stack on",
         {"AWS_ENDPOINT_URL_STS": "http://[::1]:7203", "AWS_USE_FIPS_ENDPOINT": "true",
          "AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""),
        ("[services] with legacy mode", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
         "services = local\n"),
        ("ignored by AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
         {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
          "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:7201"}, "services = local\n"),
        ("ignored by the profile", {}, "services = local\nignore_configured_endpoint_urls = true\n"),
        ("variable false beats profile true", {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
         "services = local\nignore_configured_endpoint_urls = true\n"),
    ]:
        out.append({"name": "endpoint: " + name, "env": env, "sso_region": "eu-west-2",
                    "config": "[default]\nregion = eu-west-1\n" + conf + services})
    return out


CASES = cases()
# the generic endpoint: STS uses the variable as botocore; the SSO portal
# never, and STS never the profile's endpoint_url (docs/security.md)
GENERIC = [
    ("AWS_ENDPOINT_URL", {"AWS_ENDPOINT_URL": "http://127.0.0.1:7301"}, "", True),
    ("the profile's endpoint_url", {}, "endpoint_url = http://127.0.0.1:7302\n", False),
]
print(f"1..{len(CASES) + 3 * len(GENERIC) + 1}")
n = failed = 0


def report(good, name, lines=()):
    global n, failed
    n += 1
    print(f"{'ok' if good else 'not ok'} {n} - {name}")
    if not good:
        failed += 1
        for line in lines:
            print(f"#   {line}")


def write(case):
    with open(CONF, "w") as f:
        f.write(case["config"])


for case in CASES:
    write(case)
    b = botocore_view(case)
    c = core_view(case)
    diffs = []
    if b[0] != c[0]:
        diffs.append(f"STS: botocore {b[0]!r}, sqlambda {c[0]!r}")
    if b[1] != "(not compared)" and b[1] != c[1]:
        diffs.append(f"STS signing region: botocore {b[1]!r}, sqlambda {c[1]!r}")
    if b[2] != c[2]:
        diffs.append(f"SSO portal ({case['sso_region']}): botocore {b[2]!r}, sqlambda {c[2]!r}")
    if b[3] != c[3]:
        diffs.append(f"sso-oidc ({case['sso_region']}): botocore {b[3]!r}, sqlambda {c[3]!r}")
    if diffs:
        diffs.append(f"env {case['env']}, config {case['config']!r}")
    report(not diffs, case["name"], diffs)

for name, env, conf, sts_too in GENERIC:
    case = {"env": env, "sso_region": "eu-west-2",
            "config": "[default]\nregion = eu-west-1\n" + conf}
    write(case)
    b = botocore_view(case)
    c = core_view(case)
    if sts_too:
        report(b[0] == c[0], f"{name}: STS goes there, as botocore", [f"botocore {b}, sqlambda {c}"])
    else:
        report(c[0] == "https://sts.eu-west-1.amazonaws.com" and b[0] != c[0],
               f"{name}: STS does not (botocore sends the signed AssumeRole there)",
               [f"botocore {b[0]!r}, sqlambda {c[0]!r}"])
    report(c[2] == "https://portal.sso.eu-west-2.amazonaws.com" and b[2] != c[2],
           f"{name}: the SSO portal does not (botocore sends the bearer token there)",
           [f"botocore {b[2]!r}, sqlambda {c[2]!r}"])
    report(c[3] == "https://oidc.eu-west-2.amazonaws.com" and b[3] != c[3],
           f"{name}: sso-oidc does not (botocore sends the refresh token and client secret there)",
           [f"botocore {b[3]!r}, sqlambda {c[3]!r}"])

# no region with FIPS: botocore would go to sts-fips.aws-global.amazonaws.com,
# no STS endpoint; refused, naming what is missing
case = {"env": {"AWS_USE_FIPS_ENDPOINT": "true"}, "sso_region": "eu-west-2", "config": "[default]\n"}
write(case)
b, c = botocore_view(case), core_view(case)
report(c[0].startswith("sts-error=STS with FIPS needs a region") and "aws-global" in b[0],
       "no region, FIPS on: STS refused with an error saying a region is needed "
       "(botocore: sts-fips.aws-global)", [f"botocore {b[0]!r}, sqlambda {c[0]!r}"])

os.unlink(CONF)
os.rmdir(tmp)
print(f"# {len(CASES)} cases compared with botocore, {failed} failed")
sys.exit(1 if failed else 0)
