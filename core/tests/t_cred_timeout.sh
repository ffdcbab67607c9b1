#!/usr/bin/env bash
# t_cred_timeout.sh — every credential source is bounded and cancellable:
# a credential_process that never ends (or leaves a background child
# holding its stdout) fails within its timeout and is killed and reaped; a
# wait hook's cancel ends it within 200 ms; IMDS, container and STS
# endpoints that accept and never answer (fixtures/silent_server.py) are
# bounded by their timeout and cancellable; a caller stuck on a hung
# source never holds up callers of other profiles, and callers of the same
# one each stop at their own cancel.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/tap.sh"
. "$here/lib_fault.sh"
build=${SQLAMBDA_BUILD:-$here/../build}
wrap=${SQLAMBDA_WRAP:-}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
clean_aws_env
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
export HOME=$tmp/home
mkdir -p "$HOME"
# slack over a bound (a loaded 2-core machine, valgrind slows what runs
# around the waits); a cancel 100 ms in must end the call within 200 ms
slack=500 cancel_hi=200
case "$wrap" in *valgrind*) slack=3000 cancel_hi=2000 ;; esac

python3 "$here/fixtures/silent_server.py" "$tmp/silent.port" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$tmp/silent.port" ] && break; sleep 0.05; done
SILENT=http://127.0.0.1:$(cat "$tmp/silent.port")

# Core runs the command with /bin/sh -c: that shell is core's child (it
# must be reaped: gone), the script its child (killed with the group: gone,
# or a zombie left to init, never running).
# a process that never ends: it records its pids and becomes sleep
printf '#!/bin/sh\necho run >>"%s/hang.runs"\necho $PPID >"%s/hang.pid"\necho $$ >"%s/hangscript.pid"\nexec sleep 1000\n' "$tmp" "$tmp" "$tmp" >"$tmp/hang.sh"
# a process that exits at once but leaves a background child on its stdout
printf '#!/bin/sh\necho $PPID >"%s/bg.pid"\nsleep 1000 &\necho $! >"%s/bgchild.pid"\nexit 0\n' "$tmp" "$tmp" >"$tmp/bg.sh"
chmod +x "$tmp"/*.sh
export AWS_CONFIG_FILE=$tmp/config AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials
cat >"$AWS_CONFIG_FILE" <<EOF2
[profile hang]
credential_process = $tmp/hang.sh
[profile bg]
credential_process = $tmp/bg.sh
[profile empty]
EOF2
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[keys]
aws_access_key_id = AKIAKEYS
aws_secret_access_key = keyssecret
EOF2

# state PIDFILE...: "gone" (no such process), else its state letter and
# whether its parent is the tool ("Z-ours" is a zombie nobody reaped); then
# "children=N": the tool's children other than the shell running this
cat >"$tmp/state.sh" <<'SH'
#!/bin/sh
for f in "$@"; do
  p=$(cat "$f" 2>/dev/null) || { echo "$(basename "$f")=nopid"; continue; }
  if [ -r /proc/$p/stat ]; then
    st=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f1); pp=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
    [ "$pp" = "$TOOL_PID" ] && st="$st-ours"
    echo "$(basename "$f")=$st"
  else
    echo "$(basename "$f")=gone"
  fi
done
n=0
for s in /proc/[0-9]*/stat; do
  pp=$(sed 's/.*) //' "$s" 2>/dev/null | cut -d' ' -f2)
  p=${s#/proc/}; p=${p%/stat}
  [ "$pp" = "$TOOL_PID" ] && [ "$p" != "$PPID" ] && n=$((n + 1))
done
echo "children=$n"
SH
chmod +x "$tmp/state.sh"

# tool ARGS: runs tool_cred_wait (killed after 30 s: a hang fails the test)
tool() {
  local rc=0
  timeout -s KILL 30 $wrap "$build/tests/tool_cred_wait" "$@" 2>"$tmp/stderr" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "exit=$rc"; head -20 "$tmp/stderr" | sed 's/^/# /' >&2; fi
}
field() { printf '%s\n' "$1" | grep "^call=$2 " | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
msg() { printf '%s\n' "$1" | grep "^call=$2 " | sed -n 's/.* msg=//p'; }
# within NAME OUT CALL LO HI: the call took between LO and HI ms
within() {
  local ms; ms=$(field "$2" "$3" ms)
  if [ -n "$ms" ] && [ "$ms" -ge "$4" ] && [ "$ms" -le "$5" ]; then ok "$1 (${ms} ms)"
  else not_ok "$1"; echo "#   took '${ms}' ms, want $4..$5"; fi
}

# ---- credential_process -----------------------------------------------------
out=$(tool --timeout 1000 --setting test.credential_timeout_ms \
  --after "TOOL_PID=\$PPID $tmp/state.sh $tmp/hang.pid $tmp/hangscript.pid" --call hang)
is "process that never ends: Timeout" "$(field "$out" 0 status)" Timeout
within "process that never ends: stopped at its 1000 ms timeout" "$out" 0 1000 $((1000 + slack))
like "process timeout message names the source, the bound and the setting" "$(msg "$out" 0)" \
  'credential_process of profile "hang" timed out after 1000 ms \(test.credential_timeout_ms\)'
like "process that never ends: core's child reaped (no zombie)" "$out" 'hang.pid=gone'
like "process that never ends: the tool has no child left" "$out" '^children=0$'
like "process that never ends: the script killed (not running)" "$out" 'hangscript.pid=(gone|Z)$'

rm -f "$tmp"/*.pid
out=$(tool --timeout 1000 --after "TOOL_PID=\$PPID $tmp/state.sh $tmp/bg.pid $tmp/bgchild.pid" --call bg)
is "background child holding stdout: Timeout" "$(field "$out" 0 status)" Timeout
within "background child holding stdout: stopped at the timeout" "$out" 0 1000 $((1000 + slack))
like "background child holding stdout: the process is reaped" "$out" 'bg.pid=gone'
like "background child holding stdout: the background child is killed (no orphan)" "$out" \
  'bgchild.pid=(gone|Z)$'
like "default setting name without the host's" "$(msg "$out" 0)" '\(credential_timeout_ms\)'

rm -f "$tmp"/*.pid
out=$(tool --after "TOOL_PID=\$PPID $tmp/state.sh $tmp/hang.pid $tmp/hangscript.pid" --call hang,cancel=100)
is "process: the wait hook's cancel gives Cancelled" "$(field "$out" 0 status)" Cancelled
within "process: cancelled 100 ms in, returned within 200 ms" "$out" 0 100 $cancel_hi
like "process: cancelled: core's child reaped (the tool has no child left)" "$out" '^children=0$'
like "process: cancelled: the script, if it had started, killed" "$out" 'hangscript.pid=(gone|Z|nopid)$'
like "process: cancel message" "$(msg "$out" 0)" 'credential_process of profile "hang" cancelled'

out=$(tool --call hang,cancel=-1)
is "process: a caller cancelled before the fetch gets Cancelled" "$(field "$out" 0 status)" Cancelled
is "... and no process is started: the hook never got its pipe (a bulk call's other rows spawn nothing)" \
  "$(field "$out" 0 hookfds)" 0

# ---- instance metadata, container, STS: endpoints that never answer --------
export AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$SILENT
out=$(tool --timeout 300 --setting x.cred_ms --call empty)
is "IMDS that never answers: no credentials" "$(field "$out" 0 status)" CredentialsError
within "IMDS that never answers: bounded by the 300 ms setting" "$out" 0 300 $((300 + slack))
like "IMDS: the message names the timeout and the setting" "$(msg "$out" 0)" \
  'instance metadata.*timed out after 300 ms \(x.cred_ms\)'
out=$(tool --call empty,cancel=100)
is "IMDS: cancel gives Cancelled" "$(field "$out" 0 status)" Cancelled
within "IMDS: cancelled within 200 ms" "$out" 0 100 $cancel_hi
out=$(tool --no-region --call keys,cancel=100)
is "IMDS region lookup: cancel ends it (no region: ConfigError)" "$(field "$out" 0 status)" ConfigError
within "IMDS region lookup: cancelled within 200 ms" "$out" 0 0 $cancel_hi
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

export AWS_CONTAINER_CREDENTIALS_FULL_URI=$SILENT/creds
out=$(tool --call empty)
is "container endpoint that never answers: Timeout" "$(field "$out" 0 status)" Timeout
within "container: default bound 2000 ms" "$out" 0 2000 $((2000 + slack))
like "container: the message names the timeout" "$(msg "$out" 0)" \
  'container credentials: .* timed out after 2000 ms \(credential_timeout_ms\)'
out=$(tool --call empty,cancel=100)
is "container: cancel gives Cancelled" "$(field "$out" 0 status)" Cancelled
within "container: cancelled within 200 ms" "$out" 0 100 $cancel_hi
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

echo "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln" >"$tmp/web-token"
export AWS_WEB_IDENTITY_TOKEN_FILE=$tmp/web-token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/r
export AWS_ENDPOINT_URL_STS=$SILENT
out=$(tool --timeout 500 --call empty)
is "STS that never answers: Timeout" "$(field "$out" 0 status)" Timeout
within "STS: bounded by the 500 ms setting" "$out" 0 500 $((500 + slack))
like "STS: the message names the timeout" "$(msg "$out" 0)" 'STS at .* timed out after 500 ms'
out=$(tool --call empty,cancel=100)
is "STS: cancel gives Cancelled" "$(field "$out" 0 status)" Cancelled
within "STS: cancelled within 200 ms" "$out" 0 100 $cancel_hi
unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ENDPOINT_URL_STS

# ---- no lock held while waiting -------------------------------------------
rm -f "$tmp/hang.runs"
out=$(tool --timeout 3000 --call hang --call hang,delay=100,cancel=100 --call keys,delay=100)
is "same hung profile: the first caller times out" "$(field "$out" 0 status)" Timeout
is "same hung profile: a second caller stops at its own cancel" "$(field "$out" 1 status)" Cancelled
within "same hung profile: ... within 200 ms, not behind the first" "$out" 1 100 $cancel_hi
is "another profile beside a hung one: got credentials (TransportError: nothing listens)" \
  "$(field "$out" 2 status)" TransportError
within "another profile beside a hung one: at once" "$out" 2 0 $slack
is "the waiting caller shared the fetch (one process run)" "$(wc -l <"$tmp/hang.runs")" 1

rm -f "$tmp/hang.runs"
out=$(tool --timeout 1000 --call hang --call hang,delay=200)
is "a caller that joined a fetch gets its outcome (Timeout)" "$(field "$out" 1 status)" Timeout
within "... when that fetch ends (800 ms after it joined)" "$out" 1 700 $((800 + slack))
is "... and no second process was run" "$(wc -l <"$tmp/hang.runs")" 1

out=$(tool --timeout 1000 --call hang,cancel=400 --call hang,delay=100)
is "a fetch cancelled by its caller: that caller gets Cancelled" "$(field "$out" 0 status)" Cancelled
is "... the caller waiting on it fetches itself (Timeout)" "$(field "$out" 1 status)" Timeout
within "... bounded by its own timeout after the cancel (~300 + 1000 ms)" "$out" 1 1250 $((1300 + slack))

check "no tool crashed" test ! -s "$tmp/stderr"
tap_exit
