#!/usr/bin/env bash
# t_sso_refresh.sh — an sso-session's cached token refreshed as botocore's
# SSOTokenProvider does, against the loopback portal's sso-oidc CreateToken
# (fixtures/sso_portal.py; moto has neither): within 15 minutes of expiry
# (or after it) with refreshToken, clientId, clientSecret and a live
# registration, the new token is used and the cache file replaced (0600,
# botocore's keys, the rotated refresh token); never for a legacy profile,
# a token with time left, a missing field or an expired registration; a
# refused refresh keeps a still-valid token and otherwise says to run
# `aws sso login`, naming why, never a secret. botocore, refreshing the
# same cache against the same server, writes the same file.
. "$(dirname "$0")/lib_creds.sh"
at_exit+=('mountpoint -q "$tmp/ro" 2>/dev/null && umount "$tmp/ro"')
export HOME=$tmp/home
cache=$HOME/.aws/sso/cache
mkdir -p "$cache"
python3 "$here/fixtures/sso_portal.py" "$tmp/portal.port" "$tmp/portal.log" \
  --token tok-live --client "client-1:csecret-XYZZY" --race-file "$cache/$(printf raced | sha1sum | cut -d' ' -f1).json" \
  --refresh rt-a --refresh rt-b --refresh rt-c --refresh rt-d --refresh rt-e --refresh rt-boto &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$tmp/portal.port" ] && break; sleep 0.05; done
PORTAL=http://127.0.0.1:$(cat "$tmp/portal.port")
export AWS_ENDPOINT_URL_SSO=$PORTAL AWS_ENDPOINT_URL_SSO_OIDC=$PORTAL
export AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
: >"$AWS_SHARED_CREDENTIALS_FILE"
{
  for s in soon expired later legacyish noreg refused partial raced ro malformed; do
    printf '[sso-session %s]\nsso_start_url = https://d-%s.awsapps.com/start\nsso_region = eu-west-1\n\n' "$s" "$s"
    printf '[profile %s]\nsso_session = %s\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n' "$s" "$s"
  done
  printf '[profile legacy]\nsso_start_url = https://d-legacy.awsapps.com/start\nsso_region = eu-west-1\n'
  printf 'sso_account_id = 123456789012\nsso_role_name = Admin\n'
} >"$AWS_CONFIG_FILE"

sha1() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
# cache KEY TOKEN EXPIRES [REFRESH [REGISTRATION_EXPIRES]]: the file aws sso login writes
cache() {
  python3 - "$cache/$(sha1 "$1").json" "$1" "$2" "$3" "${4:-}" "${5:-}" <<'PY'
import json, sys
path, key, tok, exp, rt, reg = sys.argv[1:]
d = {"startUrl": f"https://d-{key}.awsapps.com/start", "region": "eu-west-1",
     "accessToken": tok, "expiresAt": exp}
if rt:
    d.update(clientId="client-1", clientSecret="csecret-XYZZY", refreshToken=rt,
             registrationExpiresAt=reg or "2099-01-01T00:00:00Z")
json.dump(d, open(path, "w"))
PY
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$cache/$(sha1 "$1").json" "$2"; }
posts() { grep -c '^POST /token' "$tmp/portal.log"; }
: >"$tmp/portal.log"

# ---- refreshed ---------------------------------------------------------------------------
cache soon tok-live "$(at '+10 minutes')" rt-a
like "a token 10 minutes from expiry is refreshed, the new one gets the role" \
  "$(tool get --profile soon)" '^source=sso akid=ASIA123456789012'
like "... CreateToken got the refresh token and the client id" "$(grep '^POST' "$tmp/portal.log")" \
  '^POST /token refresh=rt-a client=client-1$'
like "... GetRoleCredentials got the new token" "$(grep federation "$tmp/portal.log" | tail -1)" 'token=tok-refreshed-1$'
is "... the cache file holds the new token" "$(field soon accessToken)" tok-refreshed-1
is "... and the rotated refresh token" "$(field soon refreshToken)" rt-1
is "... the client and registration kept" "$(field soon clientId) $(field soon clientSecret) $(field soon registrationExpiresAt)" \
  "client-1 csecret-XYZZY 2099-01-01T00:00:00Z"
is "... startUrl and region the sso-session's" "$(field soon startUrl) $(field soon region)" \
  "https://d-soon.awsapps.com/start eu-west-1"
exp=$(field soon expiresAt)
left=$(( $(date -u -d "$exp" +%s) - $(date +%s) ))
check "... expiresAt 8 hours ahead ($exp)" test "$left" -gt 28700 -a "$left" -le 28800
is "... mode 0600, no temporary file left" "$(stat -c %a "$cache/$(sha1 soon).json") $(ls "$cache" | grep -vc '\.json$')" "600 0"

cache expired tok-gone "$(at '-1 hour')" rt-b
like "an expired token with a refresh token: refreshed, as botocore" \
  "$(tool get --profile expired)" '^source=sso akid=ASIA123456789012'

# ---- not refreshed ---------------------------------------------------------------------------
n=$(posts)
cache later tok-live "$(at '+20 minutes')" rt-c
like "20 minutes left: used as it is" "$(tool get --profile later)" '^source=sso'
is "... no CreateToken" "$(posts)" "$n"
printf '{"startUrl": "https://d-legacy.awsapps.com/start", "region": "eu-west-1", "accessToken": "tok-live", "expiresAt": "%s", "clientId": "client-1", "clientSecret": "csecret-XYZZY", "refreshToken": "rt-c", "registrationExpiresAt": "2099-01-01T00:00:00Z"}' \
  "$(at '+5 minutes')" >"$cache/$(sha1 https://d-legacy.awsapps.com/start).json"
like "a legacy profile (no sso_session) 5 minutes from expiry: used as it is" "$(tool get --profile legacy)" '^source=sso'
is "... no CreateToken (botocore refreshes only sso-session tokens)" "$(posts)" "$n"
cache partial tok-live "$(at '+5 minutes')"
like "no refresh token cached: used while valid" "$(tool get --profile partial)" '^source=sso'
is "... no CreateToken" "$(posts)" "$n"
cache partial tok-gone "$(at '-5 minutes')"
like "... expired: aws sso login, and why" "$(tool get --profile partial)" \
  'status=CredentialsError .*expired at .*not refreshed: has no refreshToken.*run `aws sso login --profile partial`'
cache noreg tok-gone "$(at '-5 minutes')" rt-d "$(at '-1 day')"
like "an expired registration: not refreshed, aws sso login" "$(tool get --profile noreg)" \
  'not refreshed: its client registration expired .*aws sso login --profile noreg'
is "... no CreateToken" "$(posts)" "$n"

# ---- refused ---------------------------------------------------------------------------------
cache refused tok-live "$(at '+5 minutes')" rt-unknown
like "a refused refresh keeps a token that is still valid" "$(tool get --profile refused)" '^source=sso'
is "... the file is left as it was" "$(field refused refreshToken)" rt-unknown
cache refused tok-gone "$(at '-5 minutes')" rt-unknown
out=$(tool get --profile refused)
like "... an expired one: the error names CreateToken's answer and says aws sso login" "$out" \
  'expired at .*not refreshed: CreateToken at http://127\.0\.0\.1:[0-9]+ answered HTTP 400 invalid_grant\).*aws sso login --profile refused'
is "... never the refresh token or the client secret" "$(printf '%s' "$out" | grep -c 'rt-unknown\|XYZZY')" 0
out=$(AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:$(free_port) tool get --profile refused)
like "CreateToken unreachable: named in the error" "$out" 'not refreshed: CreateToken at http://127\.0\.0\.1:[0-9]+: '
out=$(AWS_ENDPOINT_URL_SSO_OIDC='http://u@x' tool get --profile refused)
like "a bad AWS_ENDPOINT_URL_SSO_OIDC: refused, naming it" "$out" 'not refreshed: invalid endpoint URL .*AWS_ENDPOINT_URL_SSO_OIDC'

python3 -c 'import json,sys; json.dump({"startUrl": "https://d-malformed.awsapps.com/start", "region": "eu-west-1", "accessToken": "tok-gone", "expiresAt": sys.argv[2], "clientId": "client-malformed", "clientSecret": "csecret-XYZZY", "refreshToken": "rt-m", "registrationExpiresAt": "2099-01-01T00:00:00Z"}, open(sys.argv[1], "w"))' \
  "$cache/$(sha1 malformed).json" "$(at '-5 minutes')"
like "CreateToken answering 200 without a token: not refreshed, says why, aws sso login" \
  "$(tool get --profile malformed)" 'not refreshed: CreateToken at http://127\.0\.0\.1:[0-9]+: the answer has no accessToken\).*aws sso login --profile malformed'
is "... the cache file is left as it was" "$(field malformed accessToken)" tok-gone

# ---- another process refreshed first ------------------------------------------------------
cache raced tok-gone "$(at '-5 minutes')" rt-rotated-elsewhere
like "an expired token whose refresh is refused because another process rotated it: its new token is used" \
  "$(tool get --profile raced)" '^source=sso akid=ASIA123456789012'
like "... (the one that process wrote)" "$(grep federation "$tmp/portal.log" | tail -1)" 'token=tok-raced$'

# ---- a cache that cannot be rewritten: CreateToken is not asked ------------------------------
if [ "$(id -u)" -eq 0 ] && mkdir -p "$tmp/ro" && mount -t tmpfs -o size=1M tmpfs "$tmp/ro" 2>/dev/null; then
  mkdir -p "$tmp/ro/.aws/sso/cache"
  python3 -c 'import json,sys; json.dump({"startUrl": "https://d-ro.awsapps.com/start", "region": "eu-west-1", "accessToken": "tok-live", "expiresAt": sys.argv[2], "clientId": "client-1", "clientSecret": "csecret-XYZZY", "refreshToken": "rt-e", "registrationExpiresAt": "2099-01-01T00:00:00Z"}, open(sys.argv[1], "w"))' \
    "$tmp/ro/.aws/sso/cache/$(sha1 ro).json" "$(at '+5 minutes')"
  mount -o remount,ro "$tmp/ro"
  n=$(posts)
  like "a read-only cache directory: the valid token is used" "$(HOME=$tmp/ro tool get --profile ro)" '^source=sso'
  is "... and CreateToken is not asked (its rotated refresh token could not be kept)" "$(posts)" "$n"
  umount "$tmp/ro"
else
  ok "a read-only cache directory # SKIP needs root to mount a read-only tmpfs"
  ok "... CreateToken not asked # SKIP needs root to mount a read-only tmpfs"
fi

# ---- the same file as botocore's ---------------------------------------------------------------
mkdir -p "$tmp/boto/.aws/sso/cache"
cache soon tok-live "$(at '+10 minutes')" rt-e
sed 's/"rt-e"/"rt-boto"/' "$cache/$(sha1 soon).json" >"$tmp/boto/.aws/sso/cache/$(sha1 soon).json"
tool get --profile soon >/dev/null
HOME=$tmp/boto python3 - "$tmp/boto.out" <<'PY' 2>"$tmp/boto.err"
import sys, botocore.session
c = botocore.session.Session(profile="soon").get_credentials().get_frozen_credentials()
open(sys.argv[1], "w").write(c.access_key)
PY
like "botocore refreshed its copy and got the role" "$(cat "$tmp/boto.out" 2>/dev/null) $(tail -1 "$tmp/boto.err")" '^ASIA123456789012'
like "... its CreateToken was the same request" "$(grep '^POST' "$tmp/portal.log" | tail -1)" \
  '^POST /token refresh=rt-boto client=client-1$'
python3 - "$cache/$(sha1 soon).json" "$tmp/boto/.aws/sso/cache/$(sha1 soon).json" >"$tmp/cmp" <<'PY'
import json, sys, datetime
ours, theirs = (json.load(open(p)) for p in sys.argv[1:])
def when(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
same = sorted(ours) == sorted(theirs) and all(
    ours[k] == theirs[k] for k in ("startUrl", "region", "clientId", "clientSecret",
                                   "registrationExpiresAt"))
close = abs(when(ours["expiresAt"]) - when(theirs["expiresAt"])) < 120
print("same" if same and close else f"differ: ours {sorted(ours)} {ours.get('expiresAt')}, "
      f"botocore {sorted(theirs)} {theirs.get('expiresAt')}")
PY
is "... both cache files have the same keys and values (but the tokens the server issued)" "$(cat "$tmp/cmp")" same

tool_runs_clean
tap_exit
