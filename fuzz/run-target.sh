#!/usr/bin/env bash
# fuzz/run-target.sh BUILD TARGET SECONDS — runs one libFuzzer target for
# SECONDS over its seed corpus and its regression inputs, prints one TAP line
# ("ok - fuzz T: N execs, cov C, ft F" or "not ok - fuzz T: <why>") and exits
# non-zero on a crash, leak, timeout or OOM. With FUZZ_KEEP_CORPUS=1 the grown
# corpus stays in BUILD/corpus/T (else a temporary directory, removed).
# FUZZ_SEEDS: other seed directories (space-separated); FUZZ_ARGS: more
# libFuzzer flags (selftest.sh replays its inputs only: -runs=0).
set -u
build=$1 t=$2 secs=$3
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin/$t
[ -x "$bin" ] || { echo "not ok - fuzz $t: $bin not built"; exit 1; }
mkdir -p "$build/logs" "$build/artifacts/$t"
log=$build/logs/$t.log
if [ "${FUZZ_KEEP_CORPUS:-}" = 1 ]; then
  work=$build/corpus/$t; mkdir -p "$work"
else
  work=$(mktemp -d /tmp/sqlambda-fuzz.XXXXXX); trap 'rm -rf "$work"' EXIT
fi
seeds=()
for d in ${FUZZ_SEEDS:-"$here/corpus/$t" "$here/regressions/$t"}; do [ -d "$d" ] && seeds+=("$d"); done
# -timeout: one input taking > 10 s is a hang; the outer timeout bounds the run.
timeout -k 5 $((secs + 60)) "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" ${FUZZ_ARGS:-} "$work" "${seeds[@]}" >"$log" 2>&1
rc=$?
done_line=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  echo "ok - fuzz $t: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}"
  exit 0
fi
why=$(grep -aEo 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-zA-Z-]+|runtime error: .*|SUMMARY: .*' "$log" | head -n 1)
[ "$rc" -eq 124 ] && why="whole run exceeded $((secs + 60)) s"
[ "$rc" -eq 0 ] && why="libFuzzer printed no final DONE line"
echo "not ok - fuzz $t: ${why:-exit $rc} (log $log, input in $build/artifacts/$t/)"
grep -aE '^(==|SUMMARY|    #|.*runtime error)' "$log" | head -n 30 | sed 's/^/# /'
exit 1
