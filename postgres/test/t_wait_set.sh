#!/usr/bin/env bash
# t_wait_set.sh — a backend's wait hook builds no WaitEventSet per wait:
# core hands it one epoll fd per client, and its set (latch, postmaster
# death, that fd) is kept across waits and calls. Counted with strace on
# the backend: invoke_many of 300 calls at 50 in flight, then a settings
# change (the client is rebuilt, its kept set forgotten: a stale one would
# never see the new fd and the calls would hang) and 300 more, create no
# more than a few epoll instances (each client's own and its set's), where
# building a set per wait made one per wait. Needs PGHOST/PGPORT and
# FAULT_URL (test/run exports them); root and strace.
set -u
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/tap.sh"
export PGDATABASE=aws_lambda_regress
if [ "$(id -u)" -ne 0 ] || ! command -v strace >/dev/null; then
  ok "t_wait_set # SKIP strace on the postgres user's backend needs root and strace"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
arr() { echo "(SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $1) i)"; }
out=$(psql -X -q -At 2>&1 <<SQL
SET search_path = public, aws_lambda; SET aws_lambda.endpoint_override = '$FAULT_URL';
SET aws_lambda.max_attempts = 1; SET lc_messages = 'C';
SELECT 'warm=' || count(*) FROM aws_lambda.invoke_many('ok_waitset', $(arr 10), 5);
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! strace -f -c -e trace=epoll_create,epoll_create1 -o $tmp/strace -p \$BPID 2>$tmp/strace.err & echo \$! > $tmp/strace.pid; sleep 1
SELECT 'first=' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
  FROM aws_lambda.invoke_many('ok_waitset', $(arr 300), 50);
SET aws_lambda.request_timeout_ms = 29000;
SELECT 'second=' || count(*) FILTER (WHERE payload = jsonb_build_object('i', ordinal))
  FROM aws_lambda.invoke_many('ok_waitset', $(arr 300), 50);
\! kill -INT \$(cat $tmp/strace.pid); sleep 1
SQL
)
like "300 calls at 50 in flight" "$out" 'first=300'
like "after the client is rebuilt (a setting changed), 300 more: the forgotten set is not used" "$out" 'second=300'
created=$(awk '$NF ~ /^epoll_create/ {n += $4} END {print n + 0}' "$tmp/strace" 2>/dev/null)
if [ -s "$tmp/strace" ] && [ "$created" -le 4 ]; then
  ok "600 calls and a client rebuild created $created epoll instances (no WaitEventSet per wait)"
else
  not_ok "600 calls and a client rebuild created ${created:-?} epoll instances (<= 4 wanted: one per client, one per kept set)"
  sed 's/^/#   /' "$tmp/strace" "$tmp/strace.err" 2>/dev/null | head -20
fi
tap_exit
