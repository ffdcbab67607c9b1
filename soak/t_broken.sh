#!/usr/bin/env bash
# soak/t_broken.sh — the soak can fail: a short soak through a deliberately
# broken endpoint path (SOAK_BREAK: the proxy acknowledges every 7th Event
# call with 202 without sending it on, as a worker that marked entries
# delivered without calling would, and changes one digit of every 5th echo
# answer) must fail the ledger's delivery check and its exact-answer check,
# and the run must exit non-zero. The inner run's TAP lines are shown as
# comments (they are its result, not this test's). Then the ordered-key
# rule on made-up histories (soak/order.py): it must flag each kind of
# reordering and pass a legal history.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/lib/tap.sh"
out=$(SOAK_SECONDS=${SOAK_BROKEN_SECONDS:-20} SOAK_SEED=${SOAK_SEED:-4242} SOAK_BREAK=drop=7,corrupt=5 \
  bash "$here/run" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/#   | /'
# has RE: the inner run printed a line matching RE (grep -E, per line)
has() { printf '%s\n' "$out" | grep -Eq -- "$1"; }
[ "$rc" != 0 ] && ok "broken endpoint path: the soak exits non-zero" ||
  not_ok "broken endpoint path: the soak exits non-zero"
has '^not ok - every committed event reached the function at least once' &&
  ok "broken endpoint path: the checker finds committed events never delivered" ||
  not_ok "broken endpoint path: the checker finds committed events never delivered"
has '^not ok - every sync call that answered gave the function.s exact answer' &&
  ok "broken endpoint path: the checker finds wrong sync answers" ||
  not_ok "broken endpoint path: the checker finds wrong sync answers"
has '^ok - soak ran: [0-9]+ committed events' &&
  ok "broken endpoint path: the rest of the run was sound (servers, schema, drain)" ||
  not_ok "broken endpoint path: the rest of the run was sound (servers, schema, drain)"
out=$(python3 "$here/order.py" 2>&1); rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] || not_ok "the ordered-key rule's own checks pass"
tap_exit
