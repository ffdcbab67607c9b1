#!/usr/bin/env bash
# fuzz/selftest.sh BUILD — runs the planted-bug program (selftest.c) through
# run-target.sh with one input each: a heap over-read, a leak and undefined
# behaviour must each be "not ok" with the sanitizer's reason, and a clean
# input "ok". Prints TAP; exits non-zero if the harness missed one.
set -u
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sqlambda-fuzz-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0 n=0
expect() { # expect INPUT WANT(regex of run-target's line) NAME
  local d=$tmp/$((++n))
  mkdir -p "$d"
  printf '%s' "$1" >"$d/input"
  # replay the one input only (mutations would find the other bugs too)
  out=$(FUZZ_SEEDS="$d" FUZZ_ARGS=-runs=0 "$here/run-target.sh" "$build" selftest 1 2>&1 | head -n 1)
  local why=${out#*selftest: }
  if [[ $out =~ $2 ]]; then echo "ok - fuzz harness reports $3: ${why%% (log*}"
  else echo "not ok - fuzz harness: $3 not reported (got: $out)"; rc=1; fi
}
expect "hello" '^ok - fuzz selftest: [0-9]+ execs, cov [0-9]+, ft [0-9]+$' "a clean input as ok"
expect "CRASH" '^not ok - fuzz selftest: ERROR: AddressSanitizer: heap-buffer-overflow' "heap over-read"
expect "LEAK" '^not ok - fuzz selftest: ERROR: LeakSanitizer: detected' "memory leak"
expect "UB" '^not ok - fuzz selftest: .*runtime error: signed integer overflow' "undefined behaviour"
rm -rf "$build/artifacts/selftest"
exit $rc
