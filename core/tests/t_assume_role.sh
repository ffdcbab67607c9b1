#!/usr/bin/env bash
# t_assume_role.sh — assume-role profiles (role_arn + source_profile /
# credential_source) against moto_server with SigV4 verification on (moto
# checks every AssumeRole and Invoke signature and knows the assumed roles'
# keys), a recording STS stand-in (fixtures/sts_recorder.py) to read the
# form and signing scope, moto's instance metadata and the container
# fixture as credential sources, and botocore as the oracle: for the same
# files, boto3.Session(profile_name=...) must end at the same role.
. "$(dirname "$0")/lib_creds.sh"
if ! command -v moto_server >/dev/null; then
  ok "assume-role tests # SKIP moto_server not installed"
  exit 0
fi
at_exit+=('"$top/scripts/moto-stop" "$tmp/moto" >/dev/null 2>&1')
export HOME=$tmp/home
mkdir -p "$HOME"

# ---- peers -------------------------------------------------------------------
if ! "$top/scripts/moto-start" "$tmp/moto" >"$tmp/moto-start.log" 2>&1; then
  not_ok "moto_server started"; sed 's/^/# /' "$tmp/moto-start.log"; exit 1
fi
. "$tmp/moto/env"
python3 "$here/fixtures/sts_recorder.py" "$tmp/rec.port" "$tmp/rec.log" &
pids+=($!)
python3 "$here/fixtures/container_creds.py" "$tmp/cont.port" --expires-in 3600 &
pids+=($!)
for _ in $(seq 1 600); do
  [ -f "$tmp/rec.port" ] && [ -f "$tmp/cont.port" ] && break
  sleep 0.05
done
REC=http://127.0.0.1:$(cat "$tmp/rec.port")
CONT=http://127.0.0.1:$(cat "$tmp/cont.port")
: >"$tmp/rec.log"
# roles r1, r2, r3 anyone in the account may assume, each allowed everything
python3 - "$MOTO_URL" "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" <<'PY'
import sys, json, boto3
url, ak, sk = sys.argv[1:]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
for n in ("r1", "r2", "r3"):
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=n, PolicyName="all", PolicyDocument=allow)
PY
check "moto: roles created" test $? -eq 0
A=arn:aws:iam::$MOTO_ACCOUNT:role

export AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[base]
aws_access_key_id = $MOTO_ACCESS_KEY_ID
aws_secret_access_key = $MOTO_SECRET_ACCESS_KEY
[wrongbase]
aws_access_key_id = $MOTO_ACCESS_KEY_ID
aws_secret_access_key = WrongSecretWrongSecretWrong0123456789abcd
EOF2
cat >"$AWS_CONFIG_FILE" <<EOF2
[default]
region = us-east-1
[profile r1]
role_arn = $A/r1
source_profile = base
role_session_name = s1
[profile r2]
role_arn = $A/r2
source_profile = r1
duration_seconds = 1800
[profile r2wrong]
role_arn = $A/r2
source_profile = r1wrong
[profile r1wrong]
role_arn = $A/r1
source_profile = wrongbase
[profile r3]
role_arn = $A/r3
source_profile = r2
role_session_name = three
[profile selfref]
role_arn = $A/r1
source_profile = selfref
role_session_name = self
aws_access_key_id = $MOTO_ACCESS_KEY_ID
aws_secret_access_key = $MOTO_SECRET_ACCESS_KEY
[profile stopper]
role_arn = $A/r2
source_profile = base
aws_access_key_id = $MOTO_ACCESS_KEY_ID
aws_secret_access_key = $MOTO_SECRET_ACCESS_KEY
[profile top]
role_arn = $A/r1
source_profile = stopper
role_session_name = top
[profile cyc_a]
role_arn = $A/r1
source_profile = cyc_b
[profile cyc_b]
role_arn = $A/r2
source_profile = cyc_a
[profile self_nokeys]
role_arn = $A/r1
source_profile = self_nokeys
[profile envsrc]
role_arn = $A/r1
credential_source = Environment
role_session_name = envsrc
[profile rec1]
role_arn = arn:aws:iam::123456789012:role/path/rec-one
source_profile = base
role_session_name = rec.session@x
external_id = ext-ID_1+=,.@:/-
duration_seconds = 43200
[profile rec2]
role_arn = arn:aws-cn:iam::123456789012:role/rec-two
source_profile = rec1
[profile imdssrc]
role_arn = arn:aws:iam::123456789012:role/imds
credential_source = Ec2InstanceMetadata
[profile ecssrc]
role_arn = arn:aws:iam::123456789012:role/ecs
credential_source = EcsContainer
[profile nosrc]
role_arn = $A/r1
[profile both]
role_arn = $A/r1
source_profile = base
credential_source = Environment
[profile badsrc]
role_arn = $A/r1
credential_source = environment
[profile missing]
role_arn = $A/r1
source_profile = nosuchprofile
[profile emptysrc]
role_arn = $A/r1
source_profile = empty
[profile empty]
region = us-east-1
[profile badarn]
role_arn = arn:aws:iam::12345:role/x
source_profile = base
[profile badarn2]
role_arn = arn:aws:s3:::bucket/key-xxxxxxxx
source_profile = base
[profile badsess]
role_arn = $A/r1
source_profile = base
role_session_name = a b
[profile badsess2]
role_arn = $A/r1
source_profile = base
role_session_name = x
[profile badext]
role_arn = $A/r1
source_profile = base
external_id = hush hush SECRETEXT
[profile dur_low]
role_arn = $A/r1
source_profile = base
duration_seconds = 899
[profile dur_high]
role_arn = $A/r1
source_profile = base
duration_seconds = 43201
[profile dur_text]
role_arn = $A/r1
source_profile = base
duration_seconds = 1h
[profile mfa]
role_arn = $A/r1
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me
[profile deepbad]
role_arn = $A/r1
source_profile = badsess
[profile deny]
role_arn = $A/r1
source_profile = base
[profile webid]
role_arn = $A/r1
web_identity_token_file = $tmp/no-token
EOF2
export AWS_EC2_METADATA_DISABLED=true

# ident PROFILE|-: the role botocore's credentials for PROFILE are (via moto's
# GetCallerIdentity); with "-", the keys on stdin ("akid secret token").
ident() {
  local keys=""
  [ "$1" = - ] && keys=$(cat)
  KEYS=$keys python3 - "$MOTO_URL" "$1" <<'PY' 2>&1 | tail -1
import os, sys, boto3
url, prof = sys.argv[1:]
if prof == "-":
    ak, sk, tok = os.environ["KEYS"].split()
    s = boto3.Session(aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=tok, region_name="us-east-1")
else:
    s = boto3.Session(profile_name=prof, region_name="us-east-1")
arn = s.client("sts", endpoint_url=url).get_caller_identity()["Arn"]
# the default session names differ by design (botocore-/sqlambda-session-<epoch>)
for p in ("botocore-session-", "sqlambda-session-"):
    if "/" + p in arn:
        arn = arn.split("/" + p)[0] + "/SESSION"
print(arn)
PY
}
# ours PROFILE [ENV...]: the role sqlambda's credentials for PROFILE are
ours() {
  local out
  out=$(tool get --profile "$1" --show-secret)
  if [[ $out != source=* ]]; then echo "$out"; return; fi
  printf '%s %s %s\n' "$(sed -n 's/.* akid=\([^ ]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.* secret=\([^ ]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.* session_token=\([^ ]*\).*/\1/p' <<<"$out")" | ident -
}
recs() { wc -l <"$tmp/rec.log" | tr -d ' '; }
rec() { tail -n "${2:-1}" "$tmp/rec.log" | head -1 | python3 -c "import sys, json; d = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# ---- chains against moto (signatures verified) --------------------------------
export AWS_ENDPOINT_URL_STS=$MOTO_URL
out=$(tool get --profile r2)
like "two-level chain: assumed role's temporary keys" "$out" '^source=assume-role akid=ASIA[A-Z0-9]+ token=yes expires_in=1[78][0-9]{2}$'
is "two-level chain: sqlambda ends at r2" "$(ours r2)" "arn:aws:sts::$MOTO_ACCOUNT:assumed-role/r2/SESSION"
is "two-level chain: botocore ends at the same role" "$(ident r2)" "arn:aws:sts::$MOTO_ACCOUNT:assumed-role/r2/SESSION"
is "three-level chain, session name: same as botocore" "$(ours r3)" "$(ident r3)"
is "one level with role_session_name: same as botocore" "$(ours r1)" "$(ident r1)"
is "one level: assumed-role/r1/s1" "$(ours r1)" "arn:aws:sts::$MOTO_ACCOUNT:assumed-role/r1/s1"
is "a profile sourcing itself with its own keys: same as botocore" "$(ours selfref)" "$(ident selfref)"
is "a source profile with static keys ends the chain (its role_arn unused): same as botocore" "$(ours top)" "$(ident top)"
is "... and that is r1 assumed with stopper's keys" "$(ours top)" "arn:aws:sts::$MOTO_ACCOUNT:assumed-role/r1/top"
out=$(AWS_PROFILE=r2 $wrap "$build/tests/tool_invoke" --endpoint "$MOTO_URL" --region us-east-1 lambdaTest '{"via":"r2"}' 2>&1)
like "Invoke signed with the assumed role's keys is accepted by moto (SigV4 checked)" "$out" 'status=OK'
out=$(tool get --profile r2wrong)
like "moto checks the chain's signatures: a wrong secret at the bottom is refused at the first level" "$out" 'assume role \(profile "r1wrong"\): STS .* answered HTTP 403 SignatureDoesNotMatch'
like "... and the wrong secret is not in the message" "$(grep -c WrongSecret <<<"$out")" '^0$'
cli=$top/cli/build/sqlambda
if [ -x "$cli" ]; then
  out=$($wrap "$cli" invoke --profile r2 --region us-east-1 --endpoint-url "$MOTO_URL" lambdaTest '{"cli":"r2"}' 2>&1)
  like "CLI: sqlambda invoke --profile r2 goes through the chain (moto checks SigV4)" "$out" '^\{"cli": ?"r2"\}$'
else
  ok "CLI: sqlambda invoke --profile r2 # SKIP cli not built"
fi
out=$(AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY tool get --profile envsrc --show-secret)
like "credential_source = Environment" "$out" '^source=assume-role akid=ASIA'
got=$(printf '%s %s %s\n' "$(sed -n 's/.* akid=\([^ ]*\).*/\1/p' <<<"$out")" "$(sed -n 's/.* secret=\([^ ]*\).*/\1/p' <<<"$out")" "$(sed -n 's/.* session_token=\([^ ]*\).*/\1/p' <<<"$out")" | ident -)
want=$(AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY ident envsrc)
is "credential_source = Environment: same role as botocore" "$got" "$want"
out=$(AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY AWS_PROFILE=r1 tool get)
like "AWS_PROFILE (not named in the options): environment keys win, as botocore" "$out" '^source=environment'
out=$(tool get --profile envsrc)
like "credential_source = Environment without keys: error names profile and source" "$out" 'status=CredentialsError profile "envsrc": credential_source = Environment gave no credentials'
out=$(tool get --profile cyc_a)
like "cycle: error names the profiles" "$out" 'status=CredentialsError profile "cyc_b": source_profile makes a cycle: cyc_a -> cyc_b -> cyc_a'
like "cycle: botocore refuses it too" "$(ident cyc_a)" 'InfiniteLoopConfigError|Infinite loop'
out=$(tool get --profile self_nokeys)
like "a profile sourcing itself without keys is a cycle" "$out" 'source_profile makes a cycle: self_nokeys -> self_nokeys'

# ---- what reaches STS (recording stand-in) ------------------------------------
export AWS_ENDPOINT_URL_STS=$REC
today=$(date -u +%Y%m%d)
out=$(tool get --profile rec1 --show-secret)
like "recorder: one-level answer used" "$out" '^source=assume-role akid=ASIAREC[0-9]{4} token=yes expires_in=4[0-9]{4} secret=recsecret'
is "form: Action and Version" "$(rec 'd["form"]["Action"] + " " + d["form"]["Version"]')" "AssumeRole 2011-06-15"
is "form: RoleArn with a path" "$(rec 'd["form"]["RoleArn"]')" "arn:aws:iam::123456789012:role/path/rec-one"
is "form: role_session_name" "$(rec 'd["form"]["RoleSessionName"]')" "rec.session@x"
is "form: external_id reaches STS as ExternalId" "$(rec 'd["form"]["ExternalId"]')" "ext-ID_1+=,.@:/-"
is "form: duration_seconds reaches STS as DurationSeconds" "$(rec 'd["form"]["DurationSeconds"]')" "43200"
is "signed by the source profile's key for us-east-1/sts" "$(rec 'd["authorization"].split("Credential=")[1].split(",")[0]')" "$MOTO_ACCESS_KEY_ID/$today/us-east-1/sts/aws4_request"
like "signed headers include host, x-amz-date, content-type" "$(rec 'd["authorization"]')" 'SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$'
is "no security token for static source keys" "$(rec 'd["token"]')" "None"
n0=$(recs)
out=$(tool get --profile rec2 --region cn-north-1)
is "two-level chain: two STS calls" "$(( $(recs) - n0 ))" 2
key1=$(rec 'd["authorization"].split("Credential=")[1].split("/")[0]' 2)
first=$(rec 'd["form"]["RoleArn"]' 2)
is "two-level chain: first call assumes the source's role" "$first" "arn:aws:iam::123456789012:role/path/rec-one"
is "two-level chain: second call signed by the first role's key" "$(rec 'd["authorization"].split("Credential=")[1].split("/")[0]')" "ASIAREC$(printf %04d $((n0 + 1)))"
is "two-level chain: ... with its session token" "$(rec 'd["token"]')" "rectoken$((n0 + 1))"
is "two-level chain: signed for the region (cn-north-1)" "$(rec 'd["authorization"].split("/")[2]')" "cn-north-1"
like "default session name sqlambda-session-<epoch>" "$(rec 'd["form"]["RoleSessionName"]')" '^sqlambda-session-[0-9]{10}$'
is "no ExternalId / DurationSeconds when not set" "$(rec '"ExternalId" in d["form"] or "DurationSeconds" in d["form"]')" "False"
out=$(AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOTO_URL tool get --profile imdssrc)
like "credential_source = Ec2InstanceMetadata (moto's IMDS)" "$out" '^source=assume-role akid=ASIAREC'
is "... signed with the instance role's key" "$(rec 'd["authorization"].split("Credential=")[1].split("/")[0]')" "test-key"
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$CONT/creds tool get --profile ecssrc)
like "credential_source = EcsContainer (container fixture)" "$out" '^source=assume-role akid=ASIAREC'
like "... signed with the container's key and token" "$(rec 'd["authorization"].split("Credential=")[1].split("/")[0] + " " + str(d["token"])')" '^ASIACONTAINER[0-9]+ containertoken'
out=$(AWS_EC2_METADATA_DISABLED=true tool get --profile imdssrc)
like "credential_source = Ec2InstanceMetadata when disabled: error" "$out" 'profile "imdssrc": credential_source = Ec2InstanceMetadata gave no credentials'

# ---- bad values are refused before any connection -------------------------------
n0=$(recs)
t() { # t NAME PROFILE REGEX
  local out; out=$(tool get --profile "$2")
  like "$1" "$out" "$3"
  printf '%s\n' "$out" >>"$tmp/errors.txt"
}
t "role_arn: bad account refused, naming profile and key" badarn 'status=CredentialsError profile "badarn": role_arn arn:aws:iam::12345:role/x is not an IAM role ARN'
t "role_arn: not an IAM role" badarn2 'profile "badarn2": role_arn .* is not an IAM role ARN'
t "role_session_name with a space refused" badsess 'profile "badsess": role_session_name a b is not 2 to 64 characters'
t "role_session_name of one character refused" badsess2 'profile "badsess2": role_session_name x is not 2 to 64'
t "external_id with spaces refused, value not shown" badext 'profile "badext": external_id is not 2 to 1224 characters .*\(value not shown\)'
t "duration_seconds 899 refused" dur_low 'profile "dur_low": duration_seconds 899 is not a whole number of seconds from 900 to 43200'
t "duration_seconds 43201 refused" dur_high 'duration_seconds 43201 is not'
t "duration_seconds 1h refused" dur_text 'duration_seconds 1h is not'
t "mfa_serial refused (no prompt on a server)" mfa 'profile "mfa": mfa_serial is not supported'
t "both source_profile and credential_source refused" both 'profile "both": source_profile and credential_source are both set'
t "neither source_profile nor credential_source refused" nosrc 'profile "nosrc": role_arn needs source_profile or credential_source'
t "credential_source is case-sensitive as botocore" badsrc 'profile "badsrc": credential_source environment is not Environment, Ec2InstanceMetadata or EcsContainer'
t "missing source profile named" missing 'profile "missing": source_profile "nosuchprofile" not found'
t "source profile without credentials" emptysrc 'profile "emptysrc": its source_profile "empty" has no credentials'
t "a bad value deeper in the chain is refused before the first call" deepbad 'profile "badsess": role_session_name a b'
is "none of these reached STS" "$(( $(recs) - n0 ))" 0
like "external_id's value never in an error" "$(grep -c SECRETEXT "$tmp/errors.txt")" '^0$'
like "the source secret never in an error" "$(grep -c -- "$MOTO_SECRET_ACCESS_KEY" "$tmp/errors.txt")" '^0$'
out=$(AWS_STS_REGIONAL_ENDPOINTS=sideways tool get --profile rec1)
like "AWS_STS_REGIONAL_ENDPOINTS: bad value refused" "$out" 'AWS_STS_REGIONAL_ENDPOINTS \(profile "rec1"\) must be "regional" or "legacy", not sideways'
out=$(tool get --profile webid)
like "role_arn with web_identity_token_file is web identity, not AssumeRole" "$out" 'web identity \(profile, profile "webid"\): cannot read token file'

# ---- STS errors -------------------------------------------------------------------
out=$(AWS_ENDPOINT_URL_STS=$REC/deny tool get --profile deny)
like "STS refusal: code and message, profile named" "$out" 'status=CredentialsError assume role \(profile "deny"\): STS .*/deny answered HTTP 403 AccessDenied: not allowed to assume <role>'
like "STS refusal: no secret in the message" "$(grep -c -- "$MOTO_SECRET_ACCESS_KEY" <<<"$out")" '^0$'
out=$(AWS_ENDPOINT_URL_STS=$REC/empty tool get --profile deny)
like "STS answer without a session token is not credentials" "$out" 'answered without complete credentials'
out=$(AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(free_port) tool get --profile deny)
like "STS unreachable: says so" "$out" 'assume role \(profile "deny"\): STS at http://127.0.0.1:[0-9]+ unreachable'

# ---- a hung STS: bounded by the setting, cancellable ---------------------------
python3 "$here/fixtures/silent_server.py" "$tmp/silent.port" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$tmp/silent.port" ] && break; sleep 0.05; done
SILENT=http://127.0.0.1:$(cat "$tmp/silent.port")
wait_tool() { timeout -s KILL 30 $wrap "$build/tests/tool_cred_wait" "$@" 2>&1; }
ms_of() { sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$1" | head -1; }
out=$(AWS_ENDPOINT_URL_STS=$SILENT wait_tool --timeout 500 --call r1)
like "hung STS: Timeout naming the profile, the bound and the setting" "$out" 'status=Timeout .*assume role \(profile "r1"\): STS at http://127.0.0.1:[0-9]+ timed out after 500 ms \(credential_timeout_ms\)'
ms=$(ms_of "$out")
check "hung STS: ended by the 500 ms setting, not STS's 5 s default (took ${ms:-?} ms)" test "${ms:-99999}" -lt 4000
out=$(AWS_ENDPOINT_URL_STS=$SILENT wait_tool --call rec2,cancel=100)
like "hung STS in a two-level chain: the hook's cancel ends it" "$out" 'status=Cancelled .*assume role \(profile "rec1"\): cancelled while waiting for STS'
ms=$(ms_of "$out")
check "hung STS: cancelled long before the 5 s bound (took ${ms:-?} ms)" test "${ms:-99999}" -lt 3000

# ---- cache: one STS call per chain for many callers ---------------------------------
n0=$(recs)
out=$(tool get --profile rec2 --repeat 3)
is "cache: 3 gets of a two-level chain make 2 STS calls" "$(( $(recs) - n0 ))" 2
n0=$(recs)
out=$(tool get --profile rec2 --region eu-west-1 --threads 8 --repeat 5)
is "cache: 8 threads x 5 gets make 2 STS calls" "$(( $(recs) - n0 ))" 2
like "cache: all 40 gets succeeded" "$(grep -c '^source=assume-role' <<<"$out")" '^40$'
n0=$(recs)
cp "$AWS_CONFIG_FILE" "$tmp/config.orig"
out=$(tool get --profile rec1 --repeat 2 --between "sed -i 's/^role_session_name = rec.session@x/role_session_name = rec.changed/' '$AWS_CONFIG_FILE'")
is "cache: a changed config file is read again, even for valid temporary credentials" "$(( $(recs) - n0 ))" 2
is "... and the new role_session_name reached STS" "$(rec 'd["form"]["RoleSessionName"]')" "rec.changed"
cp "$tmp/config.orig" "$AWS_CONFIG_FILE"

# ---- STS endpoint: botocore's rules ------------------------------------------------
unset AWS_ENDPOINT_URL_STS
# Nothing may leave the machine: every https request goes to a dead
# loopback proxy, so the attempt fails at once and the message names the URL.
dead_proxy=http://127.0.0.1:$(free_port)
export https_proxy=$dead_proxy HTTPS_PROXY=$dead_proxy
sts_host() {
  tool get --profile deny --region "$1" | grep -o 'STS at https://[^ ]*' | head -1 | sed 's/STS at //'
}
got=$(AWS_STS_REGIONAL_ENDPOINTS=legacy sts_host eu-west-1)
is "STS endpoint: legacy mode, eu-west-1 uses the global endpoint" "$got" "https://sts.amazonaws.com"
got=$(sts_host eu-west-1)
is "STS endpoint: default (regional), eu-west-1 uses its own" "$got" "https://sts.eu-west-1.amazonaws.com"
printf '[profile legacyprof]\nsts_regional_endpoints = legacy\nrole_arn = %s/r1\nsource_profile = base\n' "$A" >>"$AWS_CONFIG_FILE"
got=$(tool get --profile legacyprof --region eu-west-1 | grep -o 'STS at https://[^ ]*' | head -1)
is "STS endpoint: the profile's sts_regional_endpoints = legacy" "$got" "STS at https://sts.amazonaws.com"
got=$(AWS_USE_FIPS_ENDPOINT=true sts_host us-gov-east-1)
is "STS endpoint: FIPS in GovCloud is the plain regional host (STS's rule set)" "$got" "https://sts.us-gov-east-1.amazonaws.com"
got=$(AWS_USE_FIPS_ENDPOINT=true AWS_USE_DUALSTACK_ENDPOINT=true AWS_STS_REGIONAL_ENDPOINTS=legacy sts_host eu-west-1)
is "STS endpoint: FIPS + dual-stack, even in legacy mode" "$got" "https://sts-fips.eu-west-1.api.aws"
# a source profile's own sts_regional_endpoints does not pick STS's host:
# botocore makes every STS client from the session (the client's profile)
echo tok >"$tmp/web-tok"
printf '[profile viaweb]\nrole_arn = %s/r1\nsource_profile = weblegacy\n[profile weblegacy]\nrole_arn = %s/web\nweb_identity_token_file = %s\nsts_regional_endpoints = legacy\n' \
  "$A" "$A" "$tmp/web-tok" >>"$AWS_CONFIG_FILE"
got=$(tool get --profile viaweb --region eu-west-1 | grep -o 'STS at https://[^ ]*' | head -1)
is "STS endpoint: a source profile's sts_regional_endpoints = legacy is not the client's (as botocore)" \
  "$got" "STS at https://sts.eu-west-1.amazonaws.com"
# (t_sts_sso_endpoints.py compares 106 such cases with botocore)
# botocore's endpoint for each region x mode, in one python run (boto3's
# import is the slow part)
python3 - >"$tmp/boto_sts.txt" <<'PY'
import os, boto3
for r in ("eu-west-1", "us-east-1", "ap-east-1"):
    for mode in ("", "regional", "legacy"):
        os.environ.pop("AWS_STS_REGIONAL_ENDPOINTS", None)
        if mode:
            os.environ["AWS_STS_REGIONAL_ENDPOINTS"] = mode
        c = boto3.Session(region_name=r).client("sts", aws_access_key_id="a", aws_secret_access_key="b")
        print(r, mode or "default", c.meta.endpoint_url)
PY
for r in eu-west-1 us-east-1 ap-east-1; do
  for mode in "" regional legacy; do
    if [ -n "$mode" ]; then export AWS_STS_REGIONAL_ENDPOINTS=$mode; else unset AWS_STS_REGIONAL_ENDPOINTS; fi
    want=$(awk -v r="$r" -v m="${mode:-default}" '$1 == r && $2 == m {print $3}' "$tmp/boto_sts.txt")
    is "STS endpoint for $r (${mode:-default}): as botocore" "$(sts_host "$r")" "${want:-botocore gave nothing}"
  done
done
unset AWS_STS_REGIONAL_ENDPOINTS https_proxy HTTPS_PROXY

tool_runs_clean
tap_exit
