#!/usr/bin/env bash
# t_imds.sh — where instance metadata is asked, as botocore resolves it,
# against real local servers: the profile's ec2_metadata_service_endpoint
# (moto), the IMDSv1 fallback and AWS_EC2_METADATA_V1_DISABLED /
# ec2_metadata_v1_disabled (fixtures/container_creds.py's metadata service
# without tokens: moto always gives one), bad settings refused before any
# request, and, as root where the address can be added to lo, the IPv6
# endpoint http://[fd00:ec2::254] itself (moto_server listening on it) chosen
# by AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, the profile's
# ec2_metadata_service_endpoint_mode and imds_use_ipv6. t_endpoint_diff.py
# compares the choice with botocore's for more combinations.
. "$(dirname "$0")/lib_creds.sh"
v6_added=
at_exit+=('[ -n "$v6_added" ] && ip -6 addr del fd00:ec2::254/128 dev lo 2>/dev/null')
export HOME=$tmp/home AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
mkdir -p "$HOME"
: >"$AWS_SHARED_CREDENTIALS_FILE"
printf '[default]\nregion = eu-west-1\n' >"$AWS_CONFIG_FILE"

moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
pids+=($!)
python3 "$here/fixtures/container_creds.py" "$tmp/v1.port" --expires-in 3600 &
pids+=($!)
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$moto_port/moto-api/" -o /dev/null 2>/dev/null && [ -f "$tmp/v1.port" ] && break
  sleep 0.05
done
MOTO=http://127.0.0.1:$moto_port
V1=http://127.0.0.1:$(cat "$tmp/v1.port")
check "moto_server is up" curl -fs "$MOTO/moto-api/" -o /dev/null
gets() { curl -fs "$V1/count"; }

# ---- the profile's endpoint -------------------------------------------------------
printf '[default]\nregion = eu-west-1\nec2_metadata_service_endpoint = %s\n' "$MOTO" >"$AWS_CONFIG_FILE"
like "the profile's ec2_metadata_service_endpoint: the instance role from moto" \
  "$(tool get)" '^source=imds akid=test-key token=yes'
like "... AWS_EC2_METADATA_SERVICE_ENDPOINT beats it" \
  "$(AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$(free_port) tool get)" \
  'no credentials found .*instance metadata at http://127\.0\.0\.1:[0-9]+ unreachable'
like "... and the region from it when nothing else names one" \
  "$(printf '[default]\nec2_metadata_service_endpoint = %s\n' "$MOTO" >"$tmp/config2"
     AWS_CONFIG_FILE=$tmp/config2 tool config)" 'region=us-east-1 '

# ---- IMDSv1 -------------------------------------------------------------------------
printf '[default]\nregion = eu-west-1\n[profile nov1]\nregion = eu-west-1\nec2_metadata_v1_disabled = true\n' >"$AWS_CONFIG_FILE"
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$V1/v1
before=$(gets)
like "no IMDSv2 token (403): the GETs go without one (IMDSv1), as the SDKs" \
  "$(tool get)" '^source=imds akid=ASIACONTAINER[0-9]+ token=yes'
is "... two GETs: the role's name, its document" "$(( $(gets) - before ))" 2
before=$(gets)
like "AWS_EC2_METADATA_V1_DISABLED=true: no credentials, says IMDSv1 is disabled" \
  "$(AWS_EC2_METADATA_V1_DISABLED=true tool get --profile default)" \
  'status=CredentialsError .*gave no IMDSv2 token and IMDSv1 is disabled'
like "ec2_metadata_v1_disabled = true in the profile: the same" \
  "$(tool get --profile nov1)" 'gave no IMDSv2 token and IMDSv1 is disabled'
like "AWS_EC2_METADATA_V1_DISABLED=false beats the profile's true" \
  "$(AWS_EC2_METADATA_V1_DISABLED=false tool get --profile nov1)" '^source=imds akid=ASIACONTAINER'
is "... with IMDSv1 disabled nothing was asked without a token (2 GETs: the last run's)" \
  "$(( $(gets) - before ))" 2
like "moto gives a token: v1 disabled changes nothing there" \
  "$(AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOTO AWS_EC2_METADATA_V1_DISABLED=true tool get)" \
  '^source=imds akid=test-key'
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

# ---- bad settings: refused, nothing asked ---------------------------------------------
before=$(gets)
like "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=ipv5: a configuration error naming it" \
  "$(AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=ipv5 tool config)" \
  'error=invalid AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE "ipv5": must be IPv4 or IPv6'
like "... and for the credential chain (botocore fails when it builds its resolver)" \
  "$(AWS_EC2_METADATA_SERVICE_ENDPOINT=$V1/v1 AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=ipv5 tool get)" \
  'invalid AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE "ipv5"'
printf '[default]\nec2_metadata_service_endpoint = http://u@127.0.0.1:%s/v1\n' "${V1##*:}" >"$AWS_CONFIG_FILE"
like "a profile endpoint with userinfo: refused naming the key and file" \
  "$(tool get)" "invalid endpoint URL .*ec2_metadata_service_endpoint of $tmp/config"
is "... nothing was asked" "$(( $(gets) - before ))" 0

# ---- the IPv6 endpoint itself ---------------------------------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
  ok "IPv6 metadata endpoint # SKIP needs root and ip(8) to add fd00:ec2::254 to lo"
elif ! ip -6 addr add fd00:ec2::254/128 dev lo 2>"$tmp/ip.err"; then
  ok "IPv6 metadata endpoint # SKIP cannot add fd00:ec2::254 to lo: $(head -c 100 "$tmp/ip.err")"
else
  v6_added=1
  moto_server -H fd00:ec2::254 -p 80 >"$tmp/moto6.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    curl -fs "http://[fd00:ec2::254]/moto-api/" -o /dev/null 2>/dev/null && break
    sleep 0.05
  done
  printf '[default]\nregion = eu-west-1\n[profile six]\nec2_metadata_service_endpoint_mode = IPv6\n[profile useipv6]\nimds_use_ipv6 = true\n' >"$AWS_CONFIG_FILE"
  like "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6: the role from http://[fd00:ec2::254]" \
    "$(AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 tool get)" '^source=imds akid=test-key token=yes'
  like "the profile's ec2_metadata_service_endpoint_mode = IPv6: the same" \
    "$(tool get --profile six)" '^source=imds akid=test-key'
  like "imds_use_ipv6 = true: the same" "$(tool get --profile useipv6)" '^source=imds akid=test-key'
  like "the region from the IPv6 endpoint when nothing else names one" \
    "$(printf '[default]\nec2_metadata_service_endpoint_mode = ipv6\n' >"$tmp/config2"
       AWS_CONFIG_FILE=$tmp/config2 tool config)" 'region=us-east-1 '
  like "... moto on fd00:ec2::254 was asked for a token, then the role" \
    "$(grep -o '"[A-Z]* /latest/[a-z/-]*' "$tmp/moto6.log" | head -2 | tr '\n' ' ')" \
    '^"PUT /latest/api/token "GET /latest/meta-data/iam/security-credentials/ $'
fi

tool_runs_clean
tap_exit
