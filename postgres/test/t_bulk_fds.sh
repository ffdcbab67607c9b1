#!/usr/bin/env bash
# t_bulk_fds.sh — invoke_many and the backend's file descriptors: with the
# backend's limit at 128 (soft and hard, set by prlimit on that backend
# only), 1,000 calls in flight are refused before anything is sent, with
# an error naming the concurrency and the limits, and the session goes on;
# with soft 128 under a hard 4096 the backend raises its own soft limit and
# 100 calls in flight run; afterwards it holds no more than a few dozen
# descriptors (core gives the grown connection cache back; it kept 100+).
# Needs PGHOST/PGPORT and FAULT_URL (test/run exports them); root (prlimit
# on a process of the postgres user).
set -u
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
if [ "$(id -u)" -ne 0 ]; then ok "t_bulk_fds # SKIP prlimit on the postgres user's backend needs root"; exit 0; fi
tag=$$
attempts() { curl -s "$FAULT_URL/_counts" | python3 -c "import json,sys; print(json.load(sys.stdin)['attempts'].get('$1', 0))"; }
arr() { echo "(SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $1) i)"; }
# (prlimit runs as the backend's own user: a container's root may lack
# CAP_SYS_RESOURCE, and an owner may lower its limits, never raise the hard
# one: so the raise comes first, the refusal second)
out=$(psql -X -q -At 2>&1 <<SQL
SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$FAULT_URL';
SET aws_lambda.max_attempts = 1; SET lc_messages = 'C';
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! runuser -u postgres -- prlimit --pid \$BPID --nofile=128:4096
SELECT 'raised=' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
  FROM aws_lambda.invoke_many('ok_fdsraised${tag}', $(arr 200), 100);
\! echo "fds=\$(ls /proc/\$BPID/fd | wc -l) limit=\$(awk '/Max open files/ {print \$4 "/" \$5}' /proc/\$BPID/limits)"
\! runuser -u postgres -- prlimit --pid \$BPID --nofile=128:128
SELECT count(*) FROM aws_lambda.invoke_many('ok_fds${tag}', $(arr 1000), 1000);
SELECT 'after=' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
  FROM aws_lambda.invoke_many('ok_fdsafter${tag}', $(arr 20), 20);
SQL
)
like "1,000 in flight over a 128-fd limit: refused naming the concurrency and the limits" "$out" \
  'ERROR:  aws_lambda: concurrency 1000: 1000 calls in flight need [0-9]+ file descriptors .*RLIMIT_NOFILE 128, hard limit 128'
like "the refusal hints at LimitNOFILE" "$out" 'HINT:  .*LimitNOFILE'
is "nothing was sent for the refused call" "$(attempts ok_fds${tag})" 0
like "the session goes on: 20 calls within the limit" "$out" 'after=20'
like "soft 128 under hard 4096: the backend raises its own soft limit and 100 in flight run" "$out" 'raised=200'
like "the soft limit was raised (never above the hard 4096)" "$out" 'limit=(1[4-9][0-9]|[2-9][0-9][0-9]|[1-3][0-9][0-9][0-9]|40[0-9][0-9])/4096'
fds=$(printf '%s\n' "$out" | sed -n 's/^fds=\([0-9]*\).*/\1/p')
if [ -n "$fds" ] && [ "$fds" -gt 0 ] && [ "$fds" -le 60 ]; then ok "after 100 in flight the backend holds $fds descriptors (the grown cache given back)"
else not_ok "after 100 in flight the backend holds ${fds:-?} descriptors (<= 60 wanted)"; printf '%s\n' "$out" | sed 's/^/#   /' | tail -5; fi
tap_exit
