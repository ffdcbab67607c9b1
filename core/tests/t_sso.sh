#!/usr/bin/env bash
# t_sso.sh — SSO profiles (sso_session sections and legacy sso_* keys)
# against a loopback SSO portal (fixtures/sso_portal.py; moto has none):
# the token `aws sso login` caches in $HOME/.aws/sso/cache/<sha1>.json is
# found by botocore's key rule and sent to GetRoleCredentials; role
# credentials are cached until expiry; an expired, missing, malformed or
# refused token says to run `aws sso login --profile X` (never showing the
# token); bad or missing keys are errors naming them; and botocore, for the
# same files, cache and portal, resolves the same access key id.
. "$(dirname "$0")/lib_creds.sh"
export HOME=$tmp/home
mkdir -p "$HOME/.aws/sso/cache"

GOOD=tok-good-0123456789 OTHER=tok-other-abcdef
python3 "$here/fixtures/sso_portal.py" "$tmp/portal.port" "$tmp/portal.log" \
  --token "$GOOD" --token "$OTHER" &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$tmp/portal.port" ] && break; sleep 0.05; done
PORTAL=http://127.0.0.1:$(cat "$tmp/portal.port")
: >"$tmp/portal.log"

sha1() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
# cache_token KEY TOKEN EXPIRES: the file aws sso login writes for KEY
cache_token() {
  printf '{"startUrl": "https://d-1.awsapps.com/start", "region": "us-east-1", "accessToken": "%s", "expiresAt": "%s"}\n' \
    "$2" "$3" >"$HOME/.aws/sso/cache/$(sha1 "$1").json"
}
LATER=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)
EARLIER=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)

export AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
: >"$AWS_SHARED_CREDENTIALS_FILE"
cat >"$AWS_CONFIG_FILE" <<EOF
[sso-session corp]
sso_start_url = https://d-1.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session expired]
sso_start_url = https://d-2.awsapps.com/start
sso_region = eu-west-1

[sso-session nologin]
sso_start_url = https://d-3.awsapps.com/start
sso_region = eu-west-1

[sso-session refused]
sso_start_url = https://d-4.awsapps.com/start
sso_region = eu-west-1

[sso-session broken]
sso_start_url = https://d-5.awsapps.com/start
sso_region = eu-west-1

[sso-session china]
sso_start_url = https://d-6.awsapps.com/start
sso_region = cn-north-1

[profile admin]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[profile reader]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = Reader
sso_start_url = https://d-1.awsapps.com/start

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 111122223333
sso_role_name = Admin

[profile expired]
sso_session = expired
sso_account_id = 123456789012
sso_role_name = Admin

[profile nologin]
sso_session = nologin
sso_account_id = 123456789012
sso_role_name = Admin

[profile refused]
sso_session = refused
sso_account_id = 123456789012
sso_role_name = Admin

[profile broken]
sso_session = broken
sso_account_id = 123456789012
sso_role_name = Admin

[profile forbidden]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Owner

[profile china]
sso_session = china
sso_account_id = 123456789012
sso_role_name = Admin

[profile nosession]
sso_session = nowhere
sso_account_id = 123456789012
sso_role_name = Admin

[profile inconsistent]
sso_session = corp
sso_start_url = https://elsewhere.awsapps.com/start
sso_account_id = 123456789012
sso_role_name = Admin

[profile halflegacy]
sso_account_id = 123456789012
sso_role_name = Admin
sso_start_url = https://d-legacy.awsapps.com/start

[profile badaccount]
sso_session = corp
sso_account_id = 12345
sso_role_name = Admin

[profile badregion]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-east-1.evil.example/
sso_account_id = 123456789012
sso_role_name = Admin

[profile viaservices]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
services = local

[profile ssorole]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = admin

[services local]
sso =
  endpoint_url = $PORTAL
EOF
cache_token corp "$GOOD" "$LATER"
cache_token https://d-legacy.awsapps.com/start "$OTHER" "$LATER"
cache_token expired "$GOOD" "$EARLIER"
cache_token refused "tok-unknown-999" "$LATER"
cache_token china "$GOOD" "$LATER"
echo '{"accessToken": "x"' >"$HOME/.aws/sso/cache/$(sha1 broken).json"
export AWS_ENDPOINT_URL_SSO=$PORTAL AWS_EC2_METADATA_DISABLED=true

# ---- sso_session profiles ------------------------------------------------------
out=$(tool get --profile admin)
like "sso_session profile: role credentials from GetRoleCredentials" "$out" \
  '^source=sso akid=ASIA123456789012ADMI token=yes expires_in=3[0-9]{3}$'
like "the portal got role_name, account_id and the session's cached token" "$(cat "$tmp/portal.log")" \
  "^/federation/credentials\\?role_name=Admin&account_id=123456789012 token=$GOOD\$"
: >"$tmp/portal.log"
out=$(tool get --profile reader --repeat 3)
is "a profile repeating its session's start URL: 3 gets, 3 answers" \
  "$(grep -c '^source=sso akid=ASIA210987654321READ token=yes' <<<"$out")" 3
is "role credentials cached until expiry: one portal request for 3 gets" \
  "$(wc -l <"$tmp/portal.log" | tr -d ' ')" 1
like "reader's credentials" "$(head -1 <<<"$out")" '^source=sso akid=ASIA210987654321READ token=yes'
: >"$tmp/portal.log"

# ---- legacy profile: the token is keyed by the start URL's sha1 ------------------
out=$(tool get --profile legacy)
like "legacy sso_* profile: credentials" "$out" '^source=sso akid=ASIA111122223333ADMI token=yes'
like "legacy: token found by sha1(start URL)" "$(cat "$tmp/portal.log")" "token=$OTHER\$"

# ---- the token: expired, missing, malformed, refused -------------------------------
out=$(tool get --profile expired)
like "expired token: error with its time and the login command" "$out" \
  "^error status=CredentialsError .*SSO token for sso-session \"expired\" expired at $EARLIER \(not refreshed: has no refreshToken\): run \`aws sso login --profile expired\`"
out=$(tool get --profile nologin)
like "no cached token: names the file and the login command" "$out" \
  "no cached SSO token for sso-session \"nologin\" \\($HOME/.aws/sso/cache/$(sha1 nologin).json: No such file or directory\\): run \`aws sso login --profile nologin\`"
out=$(tool get --profile broken)
like "malformed token file: says so and the login command" "$out" \
  "the cached SSO token .*$(sha1 broken).json is not a JSON object: run \`aws sso login --profile broken\`"
: >"$tmp/portal.log"
out=$(tool get --profile refused)
like "token the portal refuses (401): says so and the login command" "$out" \
  "answered HTTP 401 to GetRoleCredentials for role Admin of account 123456789012: the SSO token was refused, run \`aws sso login --profile refused\`"
check "the refused token was sent (the portal saw it)" grep -q "token=tok-unknown-999" "$tmp/portal.log"
case "$out" in *tok-unknown*) not_ok "the refused token is not in the error";; *) ok "the refused token is not in the error";; esac
out=$(tool get --profile forbidden)
like "role the portal forbids (403)" "$out" "answered HTTP 403 to GetRoleCredentials for role Owner of account 123456789012"
case "$out" in *"$GOOD"*) not_ok "the token is not in a 403 error";; *) ok "the token is not in a 403 error";; esac
case "$(tool get --profile expired)$(tool get --profile nologin)$(tool get --profile broken)" in
  *"$GOOD"*) not_ok "no token in any token error";; *) ok "no token in any token error";; esac

# ---- configuration errors ------------------------------------------------------------
like "sso_session naming no section" "$(tool get --profile nosession)" \
  'sso_session "nowhere" names no \[sso-session "nowhere"\] section in '
like "start URL differing between profile and session" "$(tool get --profile inconsistent)" \
  'sso_start_url differs between the profile and \[sso-session "corp"\]'
like "legacy profile without sso_region" "$(tool get --profile halflegacy)" \
  'SSO \(profile "halflegacy"\): missing sso_region$'
like "sso_account_id not 12 digits" "$(tool get --profile badaccount)" \
  'sso_account_id "12345" is not 12 digits'
like "sso_region that is not a region name" "$(tool get --profile badregion)" \
  'sso_region "us-east-1.evil.example/" is not a region name'

# ---- the portal's endpoint ---------------------------------------------------------------
: >"$tmp/portal.log"
out=$(env -u AWS_ENDPOINT_URL_SSO "$build/tests/tool_creds" get --profile viaservices 2>&1)
like "[services] sso endpoint_url reaches the portal" "$out" '^source=sso akid=ASIA123456789012ADMI'
# The generic endpoint (often a local Lambda over http) never gets the bearer
# token: the portal URL is derived (unroutable proxy: fails at once naming it).
: >"$tmp/portal.log"
out=$(env -u AWS_ENDPOINT_URL_SSO AWS_ENDPOINT_URL=$PORTAL HTTPS_PROXY=http://127.0.0.1:9 \
  "$build/tests/tool_creds" get --profile admin 2>&1)
like "AWS_ENDPOINT_URL does not redirect the portal (derived URL used)" "$out" \
  'GetRoleCredentials at https://portal\.sso\.[a-z0-9-]+\.amazonaws\.com: '
is "... and the portal behind AWS_ENDPOINT_URL saw nothing" "$(wc -c <"$tmp/portal.log")" 0
# A FIFO (or any non-regular file) as the cached token is refused at once,
# never a read that blocks past every timeout.
fifo_key=$(sha1 nologin)
mkfifo "$HOME/.aws/sso/cache/$fifo_key.json"
out=$(timeout 10 "$build/tests/tool_creds" get --profile nologin 2>&1; echo "rc=$?")
like "a FIFO as the cached token: refused at once as not a regular file" "$out" \
  "no cached SSO token for sso-session \"nologin\" .*: not a regular file\): run \`aws sso login --profile nologin\`"
rm -f "$HOME/.aws/sso/cache/$fifo_key.json"
# unroutable (TEST-NET) proxy: the request fails at once naming the derived URL
out=$(env -u AWS_ENDPOINT_URL_SSO AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true HTTPS_PROXY=http://127.0.0.1:9 \
  "$build/tests/tool_creds" get --profile china 2>&1)
like "derived portal URL (cn partition suffix)" "$out" \
  'GetRoleCredentials at https://portal\.sso\.cn-north-1\.amazonaws\.com\.cn: '
out=$(AWS_ENDPOINT_URL_SSO='http://u:p@127.0.0.1/' "$build/tests/tool_creds" get --profile admin 2>&1)
like "a bad AWS_ENDPOINT_URL_SSO is refused naming it" "$out" 'AWS_ENDPOINT_URL_SSO'

# ---- environment keys win, as in botocore --------------------------------------------------
out=$(AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=s "$build/tests/tool_creds" get --profile admin 2>&1)
like "environment keys before SSO" "$out" '^source=environment akid=AKIAENV'

# ---- an SSO profile as an assumed role's source_profile (as botocore) --------------------
python3 "$here/fixtures/sts_recorder.py" "$tmp/rec.port" "$tmp/rec.log" &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$tmp/rec.port" ] && break; sleep 0.05; done
: >"$tmp/rec.log"
out=$(AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(cat "$tmp/rec.port") "$build/tests/tool_creds" get --profile ssorole 2>&1)
like "assume role with an SSO source_profile: the role's credentials" "$out" '^source=assume-role akid=ASIAREC'
like "AssumeRole signed with the SSO role credentials" \
  "$(python3 -c 'import sys, json; print(json.loads(open(sys.argv[1]).readline())["authorization"])' "$tmp/rec.log")" \
  'Credential=ASIA123456789012ADMI/'

# ---- describe names the source ---------------------------------------------------------------
out=$($wrap "$build/tests/tool_describe" --profile admin 2>&1)
like "sqlambda_describe: access key from sso, location names role and session" "$out" \
  '"access_key": \{"location": "sso_role_name \\"Admin\\" of [^"]*config \(profile \\"admin\\"\), sso_session \\"corp\\"", "type": "sso", "value": "\*+ADMI"\}'

# ---- botocore, same files, cache and portal ----------------------------------------------------
diff=$(python3 - "$build/tests/tool_creds" <<'PY'
import os, subprocess, sys
import botocore.session
bad = 0
for p in ("admin", "reader", "legacy", "viaservices"):
    s = botocore.session.Session(profile=p)
    want = s.get_credentials().get_frozen_credentials().access_key
    got = subprocess.run([sys.argv[1], "get", "--profile", p], capture_output=True, text=True).stdout.split()
    got = [w[5:] for w in got if w.startswith("akid=")]
    if got != [want]:
        bad += 1
        print(f"{p}: sqlambda {got} botocore {want}")
print(f"differences {bad}")
PY
)
is "botocore resolves the same access key ids (sso_session, legacy, services)" "$(tail -1 <<<"$diff")" "differences 0"
[ "$(tail -1 <<<"$diff")" = "differences 0" ] || sed 's/^/# /' <<<"$diff"

tool_runs_clean
tap_exit
