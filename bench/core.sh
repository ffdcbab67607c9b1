#!/usr/bin/env bash
# bench/core.sh — libsqlambda's speed against the fastest possible peer: a
# loopback nginx returning fixed JSON (scripts/nginx-start). In one run:
# wrk -t1 -c1 (one connection, like core's sequential calls) as the
# baseline, alternating in 1 s rounds with core's sequential invoke rate
# and with the same request through plain libcurl (core_invoke curl: the
# floor core builds on); the ratios (target: core >= 50% of wrk); the cost
# of one SigV4 signature (public function, and the client's cached signer);
# RSS after N1 and N2 invokes (growth target < 5 MB). Env:
# CORE_BENCH_SECONDS (rounds, 7), CORE_BENCH_SIGN_ITERS (200000),
# CORE_BENCH_RSS_N1 (10000), CORE_BENCH_RSS_N2 (1000000), CORE_BENCH_OTHER
# (optional: another build's core_invoke, e.g. of an older commit, run in
# every round too, for before/after in one run). Prints "summary: ..."
# lines (bench/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${CORE_BENCH_SECONDS:-7}
sign_iters=${CORE_BENCH_SIGN_ITERS:-200000}
n1=${CORE_BENCH_RSS_N1:-10000}
n2=${CORE_BENCH_RSS_N2:-1000000}
make -s -C "$top/bench" >/dev/null
drv=$top/bench/build/core_invoke
dir=$(mktemp -d /tmp/sqlambda-bench-core.XXXXXX)
trap '"$top/scripts/nginx-stop" "$dir"; rm -rf "$dir"' EXIT
eval "$("$top/scripts/nginx-start" "$dir")"
url=$NGINX_URL

# wrk, core and plain curl take turns in $rounds rounds of 1 s each, so load
# from other work on the machine hits them alike; rates are totals over all
# rounds and each ratio's spread is the min..max of its per-round ratios.
rounds=$secs
echo "# core: nginx at $url ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); $rounds rounds: wrk -t1 -c1 -d1s, core for 1 s, plain libcurl for 1 s"
wrk_total=0; core_total=0; curl_total=0; other_total=0; ratios=(); curl_ratios=(); other_ratios=()
other=${CORE_BENCH_OTHER:-}
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", 100 * a / b}'; }
median_of() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
range_of() { printf '%s\n' "$@" | sort -n | sed -n '1p;$p' | paste -sd. - | sed 's/\./../'; }
for r in $(seq 1 "$rounds"); do
  wrk_out=$(wrk -t1 -c1 -d1s -s "$top/bench/core_wrk.lua" "$url")
  if echo "$wrk_out" | grep -q 'Non-2xx'; then echo "core.sh: wrk got errors from nginx" >&2; exit 1; fi
  w=$(echo "$wrk_out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
  c=$("$drv" rate "$url" 1 | awk '$1 == "core_rate" {print $2}')
  k=$("$drv" curl "$url" 1 | awk '$1 == "curl_rate" {print $2}')
  o=; [ -n "$other" ] && o=$("$other" rate "$url" 1 | awk '$1 == "core_rate" {print $2}')
  echo "#   round $r: wrk $w req/s, core $c calls/s ($(pct "$c" "$w")%), plain curl $k req/s ($(pct "$k" "$w")%)${o:+, other build $o calls/s ($(pct "$o" "$w")%)}"
  if [ -n "$o" ]; then other_total=$((other_total + o)); other_ratios+=("$(pct "$o" "$w")"); fi
  wrk_total=$((wrk_total + w)); core_total=$((core_total + c)); curl_total=$((curl_total + k))
  ratios+=("$(pct "$c" "$w")"); curl_ratios+=("$(pct "$k" "$w")")
done
wrk_rate=$((wrk_total / rounds)); core_rate=$((core_total / rounds)); curl_rate=$((curl_total / rounds))
spread="median round $(median_of "${ratios[@]}")%, rounds $(range_of "${ratios[@]}")%"
curl_spread="median round $(median_of "${curl_ratios[@]}")%, rounds $(range_of "${curl_ratios[@]}")%"
sign_out=$("$drv" sign "$sign_iters")
sign_us=$(echo "$sign_out" | awk '$1 == "sign_us" {print $2}')
sign_cached_us=$(echo "$sign_out" | awk '$1 == "sign_cached_us" {print $2}')
echo "# RSS over $n2 sequential invokes (takes a while; CORE_BENCH_RSS_N2 to change)"
rss_out=$("$drv" rss "$url" "$n1" "$n2")
echo "$rss_out" | sed 's/^/#   /'
rss1=$(echo "$rss_out" | awk -v n="$n1" '$1 == "rss_kb_after" && $2 == n {print $3}' | head -1)
rss2=$(echo "$rss_out" | awk -v n="$n2" '$1 == "rss_kb_after" && $2 == n {print $3}' | tail -1)
ratio=$(awk -v a="$core_rate" -v b="$wrk_rate" 'BEGIN {printf "%.0f", 100 * a / b}')
growth=$(awk -v a="$rss1" -v b="$rss2" 'BEGIN {printf "%.2f", (b - a) / 1024}')
verdict() { if awk -v v="$1" -v t="$3" 'BEGIN {exit !('"$2"')}'; then echo "met"; else echo "MISSED"; fi; }
echo "summary: core sequential invoke: $core_rate calls/s; wrk -t1 -c1 baseline: $wrk_rate req/s; ratio ${ratio}% ($spread; target >= 50%: $(verdict "$ratio" 'v >= t' 50))"
echo "summary: plain libcurl, same request: $curl_rate req/s; ratio $(pct "$curl_rate" "$wrk_rate")% of wrk ($curl_spread); core is $(pct "$core_rate" "$curl_rate")% of it"
if [ -n "$other" ]; then
  echo "summary: other build ($other): $((other_total / rounds)) calls/s; ratio $(pct "$((other_total / rounds))" "$wrk_rate")% of wrk (median round $(median_of "${other_ratios[@]}")%, rounds $(range_of "${other_ratios[@]}")%)"
fi
echo "summary: SigV4 signing: $sign_us us per request, $sign_cached_us us with the client's cached signing key ($sign_iters iterations)"
echo "summary: RSS: ${rss1} kB after $n1 invokes, ${rss2} kB after $n2; growth ${growth} MB (target < 5 MB: $(verdict "$growth" 'v < t' 5))"
