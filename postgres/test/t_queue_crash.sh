#!/usr/bin/env bash
# t_queue_crash.sh — crash safety of transactional delivery, counted at the
# endpoint (test/queue_sink.py): clients insert into a table with
# trigger_invoke, committing most transactions and rolling back the rest;
# mid-traffic one backend is killed with SIGKILL (the postmaster restarts
# every process, the worker included) and later the server is stopped with
# `pg_ctl stop -m immediate` while calls are in flight (a 300 ms function).
# synchronous_commit is on (scripts/pg-start turns it off): an acknowledged
# COMMIT must survive the crash. After the restart: every transaction whose
# COMMIT was acknowledged reached the endpoint at least once, no rolled-back
# transaction's event ever did, and the queue ends empty.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
tmp=$(mktemp -d /tmp/aws_lambda-qcrash.XXXXXX)
sink_pid=
load_pids=()
cleanup() {
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
  "$top/scripts/pg-stop" "$tmp/pg" >/dev/null 2>&1
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod o+x "$tmp"

python3 "$top/postgres/test/queue_sink.py" --port-file "$tmp/sink.port" --log "$tmp/sink.log" &
sink_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/sink.port" ] && break; sleep 0.05; done
: "${AWS_ACCESS_KEY_ID:=regress}" "${AWS_SECRET_ACCESS_KEY:=regress}" "${AWS_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED=true
"$top/scripts/pg-start" "$tmp/pg" shared_preload_libraries=aws_lambda \
  "aws_lambda.endpoint_override=http://127.0.0.1:$(cat "$tmp/sink.port")" lc_messages=C \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=300 restart_after_crash=on \
  synchronous_commit=on >/dev/null ||
  { not_ok "crash: server starts"; exit 1; }
source "$tmp/pg/env"
export PGDATABASE=postgres
run_as=(); [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
bindir=$(pg_config --bindir)

psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL' || { not_ok "crash: schema"; exit 1; }
CREATE EXTENSION aws_lambda CASCADE;
CREATE TABLE ev (id bigserial PRIMARY KEY, tag text NOT NULL);
-- Half the events go to a function that answers in 300 ms, so calls are in
-- flight when the server goes down; half to a fast one.
CREATE TRIGGER ev_slow AFTER INSERT ON ev FOR EACH ROW WHEN (NEW.id % 2 = 0)
  EXECUTE FUNCTION aws_lambda.trigger_invoke('slow_crash', 'new');
CREATE TRIGGER ev_fast AFTER INSERT ON ev FOR EACH ROW WHEN (NEW.id % 2 = 1)
  EXECUTE FUNCTION aws_lambda.trigger_invoke('fast_crash', 'new');
SQL

# One client: transactions of two rows each; every 4th rolls back. A tag is
# "committed" only when the server acknowledged COMMIT.
client() {
  local c=$1 n=$2
  for i in $(seq 1 "$n"); do
    if [ $((i % 4)) = 0 ]; then
      tag="r${c}_$i"; echo "$tag" >>"$tmp/rolledback"
      PGAPPNAME=load psql -X -At -v ON_ERROR_STOP=1 -c "BEGIN" \
        -c "INSERT INTO ev (tag) VALUES ('$tag'), ('$tag')" -c "SELECT pg_sleep(0.01)" -c "ROLLBACK" >/dev/null 2>&1
    else
      tag="c${c}_$i"
      out=$(PGAPPNAME=load psql -X -At -v ON_ERROR_STOP=1 -c "BEGIN" \
        -c "INSERT INTO ev (tag) VALUES ('$tag'), ('$tag')" -c "SELECT pg_sleep(0.01)" -c "COMMIT" 2>/dev/null)
      case "$out" in *COMMIT) echo "$tag" >>"$tmp/committed" ;; esac
    fi
  done
}
wait_ready() { for _ in $(seq 1 200); do psql -X -At -c "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }

# Phase 1: traffic, and a backend killed with SIGKILL in the middle of it.
for c in 1 2 3; do client "a$c" 40 & load_pids+=($!); done
sleep 1
victim=
# (a loaded machine may end the chosen psql's session before the signal
# lands: choose again until one dies of it)
for _ in $(seq 1 200); do
  victim=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'load' AND state = 'active' LIMIT 1" 2>/dev/null)
  [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null && sleep 0.2 &&
    grep -q "terminated by signal 9" "$tmp/pg/server.log" && break
  sleep 0.02
done
for p in "${load_pids[@]}"; do wait "$p"; done; load_pids=()
if grep -q "terminated by signal 9" "$tmp/pg/server.log"; then ok "a backend was killed with SIGKILL mid-traffic (server restarted)"
else not_ok "a backend was killed with SIGKILL mid-traffic (victim '$victim')"; fi
wait_ready

# Phase 2: more traffic, then an immediate shutdown with calls in flight.
# The stop comes while the clients still write and the worker has calls in
# flight (sampled, not assumed: a worker that keeps up drains the queue as
# soon as the clients stop, so waiting for them first left nothing queued).
for c in 1 2 3; do client "b$c" 20 & load_pids+=($!); done
inflight=0 queued=0
for _ in $(seq 1 200); do
  read -r inflight queued < <(psql -X -At -F ' ' -c "SELECT (SELECT coalesce(sum(in_flight), 0) FROM aws_lambda.queue_status), (SELECT count(*) FROM aws_lambda.queue)" 2>/dev/null)
  [ "${inflight:-0}" -gt 0 ] && [ "${queued:-0}" -gt 0 ] && break
  sleep 0.02
done
"${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop >/dev/null 2>&1
for p in "${load_pids[@]}"; do wait "$p"; done; load_pids=()
if [ "${inflight:-0}" -gt 0 ] && [ "${queued:-0}" -gt 0 ]; then ok "immediate shutdown with events in flight ($inflight in flight, $queued queued)"
else not_ok "immediate shutdown with events in flight (in_flight '$inflight', queued '$queued')"; fi
"${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w start >/dev/null 2>&1 ||
  { not_ok "crash: server restarts"; exit 1; }
wait_ready

drained=
for _ in $(seq 1 600); do
  [ "$(psql -X -At -c "SELECT count(*) FROM aws_lambda.queue")" = 0 ] && { drained=1; break; }
  sleep 0.1
done
[ -n "$drained" ] && ok "after the restart the queue drains" || not_ok "after the restart the queue drains ($(psql -X -At -c "SELECT count(*) FROM aws_lambda.queue") left)"

res=$(python3 - "$tmp/sink.log" "$tmp/committed" "$tmp/rolledback" <<'PY'
import json, sys, collections
seen = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] in ("slow_crash", "fast_crash"):
        seen[r["body"]["tag"]] += 1
committed = [l.strip() for l in open(sys.argv[2])]
rolled = [l.strip() for l in open(sys.argv[3])]
# Each committed transaction inserted two rows: both must arrive.
missing = [t for t in committed if seen[t] < 2]
leaked = [t for t in rolled if seen[t] > 0]
dups = sum(n - 2 for t, n in seen.items() if n > 2)
print(len(committed), len(rolled), len(missing), len(leaked), dups, " ".join(missing[:5]), " ".join(leaked[:5]))
PY
)
read -r ncommit nroll nmissing nleaked ndup rest <<<"$res"
if [ "${ncommit:-0}" -gt 50 ] && [ "$nmissing" = 0 ]; then ok "every committed event reached the endpoint at least once ($ncommit transactions, $ndup duplicate deliveries)"
else not_ok "every committed event reached the endpoint at least once ($res)"; fi
if [ "${nroll:-0}" -gt 10 ] && [ "$nleaked" = 0 ]; then ok "no event of a rolled-back transaction ever reached it ($nroll transactions)"
else not_ok "no event of a rolled-back transaction ever reached it ($res)"; fi
is "nothing in dead_letter" "$(psql -X -At -c "SELECT count(*) FROM aws_lambda.dead_letter")" 0
tap_exit
