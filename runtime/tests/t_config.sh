#!/usr/bin/env bash
# t_config.sh — bad options and bad function directories: `sqlambda serve`
# refuses to start (exit 2) with a message naming the problem.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib_serve.sh"

# refuses NAME REGEX ARGS...: serve exits 2 and stderr matches REGEX
refuses() {
  local name=$1 re=$2; shift 2
  local err rc
  err=$(timeout 10 "$SERVE_BIN" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -Eq -- "$re"; then ok "$name"; else
    not_ok "$name"; printf '#   rc=%s stderr: %s\n#   want /%s/\n' "$rc" "$err" "$re"; fi
}
# fn NAME JSON: a function directory holding only function.json
fn() { local d=$SERVE_DIR/$1; rm -rf "$d"; mkdir -p "$d/f"; printf '%s' "$2" >"$d/f/function.json"; echo "$d"; }

refuses "--functions is required" "--functions DIR is required"
refuses "missing functions directory" "--functions /nonexistent/dir: No such file" --functions /nonexistent/dir
refuses "--listen without a port" "--listen nonsense: expected HOST:PORT" --functions "$SERVE_DIR" --listen nonsense
refuses "--listen port out of range" "port must be a number from 0 to 65535" --functions "$SERVE_DIR" --listen 127.0.0.1:99999
refuses "--listen host not an address" "host must be an IPv4 address" --functions "$SERVE_DIR" --listen example.com:1
refuses "unknown option" "unknown option --frobnicate" --functions "$SERVE_DIR" --frobnicate
refuses "--event-retry-delay-ms not a number" "--event-retry-delay-ms needs a number" --functions "$SERVE_DIR" --event-retry-delay-ms soon
refuses "--account not 12 digits" "--account needs a 12-digit account id" --functions "$SERVE_DIR" --account 42
refuses "--credentials missing file" "--credentials /nonexistent/creds: No such file" --functions "$SERVE_DIR" --credentials /nonexistent/creds
printf 'AKID secret extra-token\n' >"$SERVE_DIR/badcreds"; chmod 600 "$SERVE_DIR/badcreds"
refuses "--credentials bad line" "line 1: expected \"ACCESS_KEY_ID SECRET\"" --functions "$SERVE_DIR" --credentials "$SERVE_DIR/badcreds"
printf '# nothing\n' >"$SERVE_DIR/emptycreds"; chmod 600 "$SERVE_DIR/emptycreds"
refuses "--credentials without keys" "no access keys" --functions "$SERVE_DIR" --credentials "$SERVE_DIR/emptycreds"
refuses "function.json not JSON" "f/function.json: line 1:" --functions "$(fn j1 '{"runtime": ')"
refuses "function.json unknown setting" 'unknown setting "tiemout"' --functions "$(fn j2 '{"runtime":"python3","tiemout":3}')"
refuses "function.json without runtime" "runtime is missing" --functions "$(fn j3 '{"handler":"a.b"}')"
refuses "function.json unsupported runtime" 'runtime "ruby3\.3" is not supported \(use "python3", "nodejs20\.x", "nodejs22\.x" or "provided"\)' --functions "$(fn j4 '{"runtime":"ruby3.3"}')"
refuses "function.json unsupported Node.js runtime" 'runtime "nodejs18\.x" is not supported \(Node\.js: nodejs20\.x or nodejs22\.x\)' --functions "$(fn j4n '{"runtime":"nodejs18.x"}')"
refuses "function.json Node.js runtime without .x" 'runtime "nodejs20" is not supported \(Node\.js: nodejs20\.x or nodejs22\.x\)' --functions "$(fn j4m '{"runtime":"nodejs20"}')"
refuses "function.json timeout out of range" "timeout must be an integer number of seconds from 1 to 900" --functions "$(fn j5 '{"runtime":"python3","timeout":0}')"
refuses "function.json memory out of range" "memory_size must be" --functions "$(fn j6 '{"runtime":"python3","memory_size":64}')"
refuses "function.json environment value not a string" "environment variable N must be a string" --functions "$(fn j7 '{"runtime":"python3","environment":{"N":1}}')"
refuses "function.json negative reserved concurrency" "reserved_concurrency must be" --functions "$(fn j8 '{"runtime":"python3","reserved_concurrency":-1}')"
refuses "function.json alias to a missing version" 'alias "live" must name a version' --functions "$(fn j9 '{"runtime":"python3","aliases":{"live":"3"}}')"
refuses "function.json bad version key" 'version "one" must be a positive integer' --functions "$(fn j10 '{"runtime":"python3","versions":{"one":{}}}')"
refuses "function.json missing code directory" "code directory .*nope" --functions "$(fn j11 '{"runtime":"python3","code":"nope"}')"
d=$SERVE_DIR/j12; mkdir -p "$d/bad name"; echo '{"runtime":"python3"}' >"$d/bad name/function.json"
refuses "function directory with an invalid Lambda name" '"bad name" is not a valid Lambda function name' --functions "$d"

# a port already in use
start_serve --functions "$(fn ok1 '{"runtime":"python3"}')" || not_ok "server starts"
port=${SERVE_URL##*:}
refuses "port in use" "cannot listen on 127.0.0.1:$port" --functions "$SERVE_DIR/ok1" --listen "127.0.0.1:$port"
stop_serve
tap_exit
