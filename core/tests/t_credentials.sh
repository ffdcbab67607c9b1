#!/usr/bin/env bash
# t_credentials.sh — the credential chain against real local endpoints:
# moto_server (EC2 instance metadata, STS AssumeRoleWithWebIdentity), a
# loopback container-credentials fixture (fixtures/container_creds.py) and
# credential_process scripts written here. Each source alone, the chain's
# order, errors, the shared cache and refresh before expiry.
. "$(dirname "$0")/lib_creds.sh"
export HOME=$tmp/home
mkdir -p "$HOME/.aws"

# ---- peers --------------------------------------------------------------
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
pids+=($!)
start_fixture() { # start_fixture NAME ARGS... -> sets port in $tmp/NAME.port
  python3 "$here/fixtures/container_creds.py" "$tmp/$1.port" "${@:2}" &
  pids+=($!)
}
start_fixture tok --token "Bearer sekrit-token" --expires-in 3600
start_fixture short --expires-in 120
start_fixture long --expires-in 3600
for _ in $(seq 1 600); do # up to ~30 s on a loaded machine
  curl -fs "http://127.0.0.1:$moto_port/moto-api/" -o /dev/null 2>/dev/null &&
    [ -f "$tmp/tok.port" ] && [ -f "$tmp/short.port" ] && [ -f "$tmp/long.port" ] && break
  sleep 0.05
done
MOTO=http://127.0.0.1:$moto_port
TOK=http://127.0.0.1:$(cat "$tmp/tok.port")
SHORT=http://127.0.0.1:$(cat "$tmp/short.port")
LONG=http://127.0.0.1:$(cat "$tmp/long.port")
check "moto_server is up" curl -fs "$MOTO/moto-api/" -o /dev/null
count() { curl -fs "$1/count"; }

# ---- files ------------------------------------------------------------------
cat >"$tmp/proc_ok.sh" <<'SH'
#!/bin/sh
echo run >>"$(dirname "$0")/proc_ok.runs"
printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret", "SessionToken": "proctoken", "Expiration": "2099-01-01T00:00:00Z"}\n'
SH
cat >"$tmp/proc_short.sh" <<'SH'
#!/bin/sh
echo run >>"$(dirname "$0")/proc_short.runs"
exp=$(date -u -d '+120 seconds' +%Y-%m-%dT%H:%M:%SZ)
printf '{"Version": 1, "AccessKeyId": "AKIASHORT", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "%s"}\n' "$exp"
SH
printf '#!/bin/sh\necho "{not json SECRETLEAK"\n' >"$tmp/proc_badjson.sh"
printf '#!/bin/sh\necho "{\\"Version\\": 1, \\"AccessKeyId\\": \\"SECRETLEAK\\"}"; exit 1\n' >"$tmp/proc_exit1.sh"
printf '#!/bin/sh\necho "{\\"Version\\": 2, \\"AccessKeyId\\": \\"A\\", \\"SecretAccessKey\\": \\"SECRETLEAK\\"}"\n' >"$tmp/proc_v2.sh"
printf '#!/bin/sh\necho "{\\"Version\\": 1, \\"AccessKeyId\\": \\"A\\"}"\n' >"$tmp/proc_nosecret.sh"
chmod +x "$tmp"/proc_*.sh
echo "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln" >"$tmp/web-token"
echo "Bearer sekrit-token" >"$tmp/container-token"

export AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[keys]
aws_access_key_id = AKIAFILECRED
aws_secret_access_key = filecredsecret
[half]
aws_access_key_id = AKIAHALF
EOF2
cat >"$AWS_CONFIG_FILE" <<EOF2
[default]
region = us-east-1
[profile keys]
aws_access_key_id = AKIACONFIG
aws_secret_access_key = configsecret
credential_process = $tmp/proc_ok.sh
web_identity_token_file = $tmp/web-token
role_arn = arn:aws:iam::123456789012:role/web
[profile confkeys]
aws_access_key_id = AKIACONFIG
aws_secret_access_key = configsecret
aws_session_token = configtoken
[profile proc]
credential_process = $tmp/proc_ok.sh
web_identity_token_file = $tmp/web-token
role_arn = arn:aws:iam::123456789012:role/web
[profile web]
region = us-east-1
web_identity_token_file = $tmp/web-token
role_arn = arn:aws:iam::123456789012:role/web
role_session_name = sqlambda-test
[profile webnorole]
web_identity_token_file = $tmp/web-token
[profile webmissing]
web_identity_token_file = $tmp/no-such-token
role_arn = arn:aws:iam::123456789012:role/web
[profile none]
region = us-east-1
[profile short]
credential_process = $tmp/proc_short.sh
[profile badjson]
credential_process = $tmp/proc_badjson.sh
[profile exit1]
credential_process = $tmp/proc_exit1.sh
[profile v2]
credential_process = $tmp/proc_v2.sh
[profile nosecret]
credential_process = $tmp/proc_nosecret.sh
EOF2
export AWS_ENDPOINT_URL_STS=$MOTO AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOTO

# ---- each source alone ----------------------------------------------------------
out=$(tool get --access-key AKIASTATIC --secret-key staticsecret --show-secret)
like "static keys from the options" "$out" '^source=static akid=AKIASTATIC token=no expires_in=never secret=staticsecret'
out=$(tool get --access-key AKIASTATIC)
like "static access key without secret is an error" "$out" 'status=CredentialsError.*static credentials: access_key_id is set but secret_access_key is missing'
out=$(AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envsecret AWS_SESSION_TOKEN=envtoken tool get --show-secret)
like "environment keys" "$out" '^source=environment akid=AKIAENV token=yes expires_in=never secret=envsecret session_token=envtoken'
out=$(tool get --profile keys --show-secret)
like "credentials file keys" "$out" '^source=profile akid=AKIAFILECRED token=no .*secret=filecredsecret'
out=$(tool get --profile confkeys --show-secret)
like "config file keys (with session token)" "$out" '^source=profile akid=AKIACONFIG token=yes .*secret=configsecret session_token=configtoken'
out=$(tool get --profile proc --show-secret)
like "credential_process" "$out" '^source=process akid=AKIAPROCESS token=yes expires_in=[0-9]+ secret=procsecret session_token=proctoken'
out=$(tool get --profile web)
like "web identity from the profile via STS (moto)" "$out" '^source=web-identity akid=ASIA[A-Z0-9]+ token=yes expires_in=[0-9]+'
out=$(AWS_WEB_IDENTITY_TOKEN_FILE=$tmp/web-token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/envweb tool get --profile none)
like "web identity from the environment via STS (moto)" "$out" '^source=web-identity akid=ASIA'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$TOK/creds AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer sekrit-token" tool get --profile none --show-secret)
like "container credentials with AWS_CONTAINER_AUTHORIZATION_TOKEN" "$out" '^source=container akid=ASIACONTAINER[0-9]+ token=yes expires_in=3[0-9]{3} secret=containersecret'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$TOK/creds AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$tmp/container-token tool get --profile none)
like "container credentials with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" "$out" '^source=container akid=ASIACONTAINER'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$TOK/creds AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong" tool get --profile none)
like "container credentials: wrong token is refused (401)" "$out" 'status=CredentialsError.*container credentials: .*answered HTTP 401'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$TOK/creds tool get --profile none)
like "container credentials: missing token is refused (401)" "$out" 'HTTP 401'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/bad tool get --profile none)
like "container credentials: non-JSON answer is an error" "$out" 'without valid credentials JSON \(document is not a JSON object\)'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://localhost:${LONG##*:}/creds" tool get --profile none)
like "container full URI on localhost over http is allowed" "$out" '^source=container'
out=$(tool get --profile none)
like "EC2 instance metadata (IMDSv2, moto)" "$out" '^source=imds akid=test-key token=yes expires_in=[0-9]+'
out=$(tool config --profile none --region '' )
like "config: region from the profile beats IMDS" "$out" 'region=us-east-1 '
out=$(AWS_CONFIG_FILE=$tmp/empty-config AWS_SHARED_CREDENTIALS_FILE=$tmp/empty-creds tool config)
like "config: region from EC2 instance metadata (moto) when nothing else" "$out" 'profile=default region=us-east-1 '
out=$(AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$tmp/empty-config AWS_SHARED_CREDENTIALS_FILE=$tmp/empty-creds tool config)
like "config: no IMDS region when AWS_EC2_METADATA_DISABLED=true" "$out" 'region=\(null\)'
out=$(tool config --profile nosuchprofile)
like "config: unknown profile named" "$out" 'profile "nosuchprofile" not found in'

dead_proxy=http://127.0.0.1:$(free_port)
out=$(export http_proxy=$dead_proxy HTTP_PROXY=$dead_proxy https_proxy=$dead_proxy; tool get --profile none)
like "proxy: instance metadata on loopback bypasses a configured proxy" "$out" '^source=imds'
out=$(export http_proxy=$dead_proxy AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile none)
like "proxy: container endpoint on loopback bypasses a configured proxy" "$out" '^source=container'

# ---- the chain's order ----------------------------------------------------------------
out=$(export AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=s AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile keys)
like "order: environment beats profile" "$out" '^source=environment'
out=$(export AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile keys)
like "order: credentials file beats config file, process, web identity" "$out" '^source=profile akid=AKIAFILECRED'
out=$(export AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile proc)
like "order: credential_process beats web identity and container" "$out" '^source=process'
out=$(export AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile web)
like "order: web identity beats container" "$out" '^source=web-identity'
out=$(export AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds; tool get --profile none)
like "order: container beats IMDS" "$out" '^source=container'
out=$(tool get --access-key AKIASTATIC --secret-key s --profile keys)
like "order: options static keys beat everything" "$out" '^source=static'

# ---- errors --------------------------------------------------------------------------
out=$(AWS_ACCESS_KEY_ID=AKIAENV tool get --profile keys)
like "env: access key without secret names AWS_SECRET_ACCESS_KEY" "$out" 'status=CredentialsError environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is missing'
out=$(AWS_SECRET_ACCESS_KEY=s tool get --profile keys)
like "env: secret without access key names AWS_ACCESS_KEY_ID" "$out" 'AWS_ACCESS_KEY_ID is missing'
out=$(tool get --profile half)
like "profile: key without secret names profile and key" "$out" 'profile "half" in .*credentials: aws_access_key_id is set but aws_secret_access_key is missing'
out=$(tool get --profile badjson)
like "process: bad JSON names the profile" "$out" 'credential_process of profile "badjson" failed: output is not a JSON object'
like "process: bad JSON output is not echoed" "$(echo "$out" | grep -c SECRETLEAK)" '^0$'
out=$(tool get --profile exit1)
like "process: exit 1 is an error naming the status" "$out" 'credential_process of profile "exit1" failed: exited with status 1'
like "process: exit 1 output is not echoed" "$(echo "$out" | grep -c SECRETLEAK)" '^0$'
out=$(tool get --profile v2)
like "process: Version other than 1 refused" "$out" 'profile "v2" failed: output has no "Version": 1'
like "process: Version 2 output not echoed" "$(echo "$out" | grep -c SECRETLEAK)" '^0$'
out=$(tool get --profile nosecret)
like "process: missing SecretAccessKey" "$out" 'output has no SecretAccessKey'
out=$(tool get --profile webnorole)
like "web identity: token file without role_arn" "$out" 'web_identity_token_file is set but role_arn is missing'
out=$(tool get --profile webmissing)
like "web identity: unreadable token file" "$out" 'cannot read token file .*no-such-token'
out=$(AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(free_port) tool get --profile web)
like "web identity: STS unreachable" "$out" 'web identity \(profile, profile "web"\): STS at .* unreachable'
out=$(AWS_ENDPOINT_URL_STS=$LONG/sts-empty tool get --profile web)
like "web identity: an STS answer with an empty AccessKeyId is not credentials" "$out" 'STS .*/sts-empty answered without complete credentials'
out=$(AWS_ENDPOINT_URL_STS=$LONG/sts tool get --profile web)
like "web identity: STS error code and message reported" "$out" 'STS .* answered HTTP 403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity & more'
out=$(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=creds tool get --profile none)
like "container: relative URI without a leading / refused" "$out" 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.1.2.3/creds tool get --profile none)
like "container: non-loopback http full URI refused" "$out" 'host 10.1.2.3 is not allowed over http'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=ftp://127.0.0.1/creds tool get --profile none)
like "container: non-http full URI refused" "$out" 'is not an http\(s\) URL'
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$tmp/nope tool get --profile none)
like "container: unreadable token file" "$out" 'cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'
out=$(AWS_EC2_METADATA_DISABLED=true tool get --profile none)
like "IMDS disabled: no credentials, error names the profile" "$out" 'status=CredentialsError no credentials found for profile "none"'
out=$(AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$(free_port) tool get --profile none)
like "IMDS unreachable: no credentials, says why" "$out" 'no credentials found .*instance metadata at .* unreachable'
out=$(tool get --profile nosuchprofile)
like "get: unknown profile is a config error" "$out" 'status=ConfigError profile "nosuchprofile" not found'
out=$(AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envsecret tool get --access-key AKIASTATIC)
like "errors never show secret values" "$(echo "$out" | grep -c envsecret)" '^0$'

# ---- cache and refresh ---------------------------------------------------------------
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$SHORT/creds tool get --profile none --repeat 3)
is "refresh: credentials expiring in < 5 min are re-fetched on each get" "$(count "$SHORT")" 3
like "refresh: each get saw new credentials" "$(echo "$out" | awk '{print $2}' | sort -u | wc -l)" '^3$'
before=$(count "$LONG")
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds tool get --profile none --repeat 3)
is "cache: credentials valid for an hour are fetched once for 3 gets" "$(( $(count "$LONG") - before ))" 1
before=$(count "$LONG")
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$LONG/creds tool get --profile none --threads 8 --repeat 5)
is "cache: shared by 8 threads' providers, one fetch" "$(( $(count "$LONG") - before ))" 1
like "cache: all 40 gets succeeded" "$(echo "$out" | grep -c '^source=container')" '^40$'
start_fixture flaky --expires-in 200
for _ in $(seq 1 100); do [ -f "$tmp/flaky.port" ] && break; sleep 0.05; done
FLAKY=http://127.0.0.1:$(cat "$tmp/flaky.port")
out=$(AWS_CONTAINER_CREDENTIALS_FULL_URI=$FLAKY/flaky tool get --profile none --repeat 3)
is "refresh: a failed refresh was attempted on each later get" "$(count "$FLAKY")" 3
like "refresh: failed refresh keeps still-valid credentials" "$(echo "$out" | grep -c 'akid=ASIACONTAINER0001')" '^3$'
rm -f "$tmp/proc_short.runs" "$tmp/proc_ok.runs"
out=$(tool get --profile short --repeat 3)
like "refresh: credential_process expiring in 2 min runs on each get" "$(wc -l <"$tmp/proc_short.runs")" '^ *3$'
out=$(tool get --profile proc --repeat 3)
like "cache: credential_process valid until 2099 runs once" "$(wc -l <"$tmp/proc_ok.runs")" '^ *1$'
cp "$AWS_SHARED_CREDENTIALS_FILE" "$tmp/credentials.orig"
out=$(tool get --profile keys --repeat 2 --between "sed -i 's/AKIAFILECRED/AKIAROTATED/' '$AWS_SHARED_CREDENTIALS_FILE'")
like "cache: changed credentials file is re-read" "$(echo "$out" | awk '{print $2}' | tr '\n' ' ')" '^akid=AKIAFILECRED akid=AKIAROTATED $'
cp "$tmp/credentials.orig" "$AWS_SHARED_CREDENTIALS_FILE"
out=$(tool get --profile keys --repeat 2 --between "true")
like "cache: unchanged file gives the same keys" "$(echo "$out" | awk '{print $2}' | tr '\n' ' ')" '^akid=AKIAFILECRED akid=AKIAFILECRED $'

tool_runs_clean
tap_exit
