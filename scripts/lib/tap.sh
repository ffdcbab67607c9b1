# scripts/lib/tap.sh — TAP helpers for shell tests (source it). Prints
# "ok - name" / "not ok - name" lines that scripts/tally counts.
TAP_FAILED=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; TAP_FAILED=$((TAP_FAILED+1)); }
# check NAME CMD...: passes if CMD exits 0
check()  { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else not_ok "$n"; fi; }
# is NAME GOT WANT: string equality with a diagnostic
is()     { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi; }
# like NAME GOT REGEX: extended-regex match
like()   { if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1"; printf '#   got:  %s\n#   want /%s/\n' "$2" "$3"; fi; }
tap_exit() { [ "$TAP_FAILED" -eq 0 ]; }
# free_port: an unused loopback TCP port
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
