# core/tests/lib_creds.sh — the set-up the credential-chain scripts share
# (source it first): the TAP helpers, a scratch dir $tmp removed on exit
# with every process in pids killed first (and every command in at_exit run
# before that), no AWS_* or proxy variable from the caller, and tool, which
# runs tool_creds (under $SQLAMBDA_WRAP) recording any exit other than 0 or
# 2 (a crash, a sanitizer or valgrind report) for tool_runs_clean to fail.
#   $here, $top, $build, $wrap, $tmp, pids=(), at_exit=()
#   tool ARGS...          tool_creds ARGS, its stdout and stderr on stdout
#   tool_runs_clean       the closing TAP line: every tool run exited 0 or 2
set -u
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
build=${SQLAMBDA_BUILD:-$here/../build}
wrap=${SQLAMBDA_WRAP:-}
for v in $(env | grep -o '^AWS_[A-Z0-9_]*'); do unset "$v"; done
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
tmp=$(mktemp -d)
pids=()
at_exit=()
creds_cleanup() {
  local c p
  for c in "${at_exit[@]}"; do eval "$c"; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap creds_cleanup EXIT

tool() {
  local rc=0
  $wrap "$build/tests/tool_creds" "$@" 2>"$tmp/stderr" || rc=$?
  cat "$tmp/stderr"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    { echo "tool_creds $* exited $rc"; head -20 "$tmp/stderr"; } >>"$tmp/tool-failures"
  fi
  return 0
}

tool_runs_clean() {
  if [ -s "$tmp/tool-failures" ]; then
    not_ok "every tool_creds run exited cleanly (no crash, sanitizer or valgrind error)"
    sed 's/^/# /' "$tmp/tool-failures" | head -40
  else
    ok "every tool_creds run exited cleanly (no crash, sanitizer or valgrind error)"
  fi
}
