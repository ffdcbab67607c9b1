#!/usr/bin/env bash
# t_order.sh — ordered delivery (order_key), counted at the endpoint
# (test/queue_sink.py, told through its control directory to fail only the
# requests carrying one payload "tag"). Proves, per key: nothing is sent
# before every earlier entry of the key (in commit order) was settled
# (succeeded or dead-lettered), one call at a time. Scenarios: a second
# writer of a key waits for the first to commit while other keys do not,
# and delivery follows commit order, not transaction id order; several
# concurrent writers with interleaved commits through a trigger, checked
# against the commit timestamps (track_commit_timestamp); a failing head
# (500, retried) holds back its key only; a dead-lettered head (404) lets
# the key go on, and redeliver puts it back with its key; batching (a
# batch carries a key's entries in order, never two batches of one key at
# once); the worker killed with SIGKILL mid-delivery; entries without a
# key unaffected.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib/tap.sh"
source "$top/postgres/test/lib_queue_server.sh"
qs_begin order
qs_sink --control
qs_pg_start order \
  aws_lambda.retry_base_ms=50 aws_lambda.retry_max_ms=200 aws_lambda.max_delivery_attempts=1000 \
  aws_lambda.max_attempts=1 aws_lambda.breaker_failures=0 track_commit_timestamp=on \
  restart_after_crash=on synchronous_commit=on  # (pg-start's default, off, loses commits at a crash)
queue_empty() { [ "$(sq -c "SELECT count(*) FROM aws_lambda.queue")" = 0 ]; }

# check_order FUNC [EXPECTED_FILE]: reads the sink's log for FUNC (records
# of batches flattened, in arrival order). Each record's key is "k" (or
# new.sensor for trigger payloads) and its place "i" (or, with
# EXPECTED_FILE, the line "key place id" giving the commit order of a
# trigger row id). Prints "ok" when, for every key, each request carried
# only entries whose earlier entries were all settled (2xx, or 404: dead
# letter) before it arrived or came earlier in the same batch (so one call
# of a key at a time: a second would carry an unsettled successor); else
# what broke. Then, space-separated: requests, records, duplicate
# records (redelivered), the largest number of one key's records in one
# request.
check_order() { python3 - "$tmp/sink.log" "$@" <<'PY'
import json, sys
fn = sys.argv[2]
expected = {}
if len(sys.argv) > 3:
    for line in open(sys.argv[3]):
        k, place, rid = line.split()
        expected[int(rid)] = (k, int(place))
rows = [json.loads(l) for l in open(sys.argv[1])]
reqs = sorted((r for r in rows if r["name"] == fn), key=lambda r: r["t"])
def key_place(rec):
    if "new" in rec:
        return expected[rec["new"]["id"]]
    return rec["k"], rec["i"]
done = {}      # key -> set of settled places
problems, dups, nrec, most = [], 0, 0, 0
for r in reqs:
    b = r["body"]
    recs = b["records"] if isinstance(b, dict) and "records" in b else [b]
    per = {}
    for rec in recs:
        k, p = key_place(rec)
        per.setdefault(k, []).append(p)
        nrec += 1
    ok = r["code"] < 300 or r["code"] == 404
    for k, ps in per.items():
        most = max(most, len(ps))
        if ps != sorted(ps):
            problems.append("%s: batch out of order %s" % (k, ps))
        s = done.setdefault(k, set())
        before = set()  # earlier records of this request
        for p in ps:
            if p in s:
                dups += 1
            else:
                missing = set(range(1, p)) - s - before
                if missing:
                    problems.append("%s: %d sent before %s settled" % (k, p, sorted(missing)[:5]))
            before.add(p)
        if ok:
            s.update(ps)
print("ok" if not problems else "; ".join(problems[:4]), len(reqs), nrec, dups, most)
PY
}
# placed FUNC: "key:places,..." of records settled per key, in arrival order.
placed() { python3 - "$tmp/sink.log" "$1" <<'PY'
import json, sys
rows = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["t"])
out = {}
for r in rows:
    if r["name"] != sys.argv[2] or not (r["code"] < 300 or r["code"] == 404): continue
    b = r["body"]
    for rec in (b["records"] if isinstance(b, dict) and "records" in b else [b]):
        out.setdefault(rec["k"], []).append(str(rec["i"]))
print(" ".join("%s:%s" % (k, ",".join(v)) for k, v in sorted(out.items())))
PY
}
sink_count() { python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["name"] == sys.argv[2]))' "$tmp/sink.log" "$1"; }
count_is() { [ "$(sink_count "$1")" -ge "$2" ]; }
# enq FUNC KEY I [TAG]: the SQL of one keyed entry {"k","i","tag"}
enq() { echo "SELECT aws_lambda.enqueue('$1', jsonb_build_object('k', '$2', 'i', $3, 'tag', '${4:-$2$3}'), order_key => '$2');"; }

sq -c "CREATE EXTENSION aws_lambda CASCADE" >/dev/null

# 1. Writers of one key serialize; other keys do not wait.
sq -c "BEGIN" -c "$(enq lockfn k 1)" -c "SELECT pg_sleep(1.5)" -c "$(enq lockfn k 2)" -c "COMMIT" >/dev/null &
a_pid=$!
sleep 0.4
sq -c "BEGIN" -c "$(enq lockfn k 3)" -c "COMMIT" >"$tmp/b.out" &
b_pid=$!
waiting() { [ "$(sq -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 16727 AND NOT granted")" = 1 ]; }
if wait_until 1 waiting; then ok "a second writer of the key waits for the first (pg_locks: advisory, objsubid 16727)"
else not_ok "a second writer of the key waits for the first"; fi
is "another key does not wait" "$(sq -c "SET statement_timeout = 500" -c "$(enq lockfn other 1)" | grep -c '^[0-9]')" 1
is "the waiting writer has not finished while the first is open" "$(kill -0 $b_pid 2>/dev/null && echo running)" running
wait $a_pid $b_pid
wait_until 10 queue_empty
is "delivered in commit order: first writer's 1, 2, then the second's 3" "$(placed lockfn)" "k:1,2,3 other:1"
like "one call at a time per key" "$(check_order lockfn)" '^ok '

# Commit order, not transaction id order: B gets the older transaction id
# (it writes first, elsewhere) but commits its key's entry after A.
sq -c "CREATE TABLE other (n int)" >/dev/null
sq -c "BEGIN" -c "INSERT INTO other VALUES (1)" -c "SELECT pg_sleep(0.8)" -c "$(enq xidfn k 2)" \
   -c "SELECT 'xid=' || txid_current()" -c "COMMIT" >"$tmp/b_xid" &
b_pid=$!
sleep 0.3
a_xid=$(sq -c "BEGIN" -c "$(enq xidfn k 1)" -c "SELECT 'xid=' || txid_current()" -c "COMMIT" | sed -n 's/^xid=//p')
wait $b_pid
b_xid=$(sed -n 's/^xid=//p' "$tmp/b_xid")
wait_until 10 queue_empty
is "the later-committing writer had the older transaction id ($b_xid < $a_xid)" "$([ "$b_xid" -lt "$a_xid" ] && echo yes)" yes
is "delivered in commit order (A's 1, then B's 2)" "$(placed xidfn)" "k:1,2"

echo "# $(date +%T)"
# 2. Concurrent writers with interleaved commits, through a trigger keyed by
# a column; the commit timestamps give the order each key must follow.
sq <<'SQL' >/dev/null
CREATE TABLE reading (id bigserial PRIMARY KEY, sensor text NOT NULL, writer int, n int);
CREATE TRIGGER reading_q AFTER INSERT ON reading FOR EACH ROW
  EXECUTE FUNCTION aws_lambda.trigger_invoke('slow20_readings', 'order_key=sensor');
SQL
writer() {
  local w=$1
  python3 - "$w" <<'PY' | psql -X -q >/dev/null 2>&1
import random, sys
w = int(sys.argv[1]); random.seed(w)
for t in range(25):
    sensors = sorted(random.sample(["s1", "s2", "s3", "s4"], random.randint(1, 3)))
    print("BEGIN;")
    for s in sensors:  # one order of keys for every writer: no deadlock
        print("INSERT INTO reading (sensor, writer, n) VALUES ('%s', %d, %d);" % (s, w, t))
        print("SELECT pg_sleep(%.3f);" % (random.random() * 0.02))
    print("ROLLBACK;" if t % 7 == 6 else "COMMIT;")
PY
}
wpids=()
for w in 1 2 3 4; do writer $w & wpids+=($!); done
wait "${wpids[@]}"
rows=$(sq -c "SELECT count(*) FROM reading")
wait_until 60 queue_empty
# Commit order per sensor: commit timestamp, then id within a transaction.
sq -c "SELECT sensor, row_number() OVER (PARTITION BY sensor ORDER BY pg_xact_commit_timestamp(xmin), id), id
         FROM reading" | tr '|' ' ' >"$tmp/expected"
read -r verdict nreq nrec dups most <<<"$(check_order slow20_readings "$tmp/expected")"
is "4 concurrent writers, $rows committed rows over 4 sensors: each sensor's rows sent in commit order, one call at a time" "$verdict" ok
is "every committed row delivered once, no rolled-back row" "$nrec $dups" "$rows 0"
# The queue id (payload "seq") is drawn under the key's lock: in commit
# order. The table's own id is drawn before the trigger runs: rows whose id
# order differs from their commit order are delivered in commit order.
is "each sensor's queue ids (seq) were delivered in increasing order (ids drawn in commit order)" \
  "$(python3 -c '
import json, sys
seen = {}
for r in sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["t"]):
    if r["name"] == "slow20_readings":
        seen.setdefault(r["body"]["new"]["sensor"], []).append(r["body"]["seq"])
print(all(v == sorted(v) for v in seen.values()))' "$tmp/sink.log")" True
echo "# rows whose table id order differs from commit order (delivered in commit order): $(sq -c "SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY sensor ORDER BY id) a,
  row_number() OVER (PARTITION BY sensor ORDER BY pg_xact_commit_timestamp(xmin), id) b FROM reading) x WHERE a <> b")"
# Different keys went in parallel: the 20 ms function had calls overlapping.
is "different keys in parallel (calls of the function overlapped)" \
  "$(python3 -c '
import json, sys
print("yes" if max(json.loads(l)["conc"] for l in open(sys.argv[1]) if json.loads(l)["name"] == "slow20_readings") > 1 else "no")' "$tmp/sink.log")" yes

echo "# $(date +%T)"
# 3. A failing head (500: retried) holds back its key only.
echo "500 tag=b1" >"$tmp/ctl/retryfn"
{ for i in 1 2 3 4 5; do enq retryfn a $i; enq retryfn b $i; enq retryfn c $i; done; } | sq >/dev/null
others_done() { [ "$(placed retryfn)" = "a:1,2,3,4,5 c:1,2,3,4,5" ]; }
if wait_until 10 others_done; then ok "retries: keys a and c delivered in order while b's head fails"
else not_ok "retries: keys a and c delivered in order while b's head fails ($(placed retryfn))"; fi
sleep 0.5
b_tries=$(python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
b = [x["body"]["i"] for x in r if x["name"] == "retryfn" and x["body"]["k"] == "b"]
print(len(b), sorted(set(b)))' "$tmp/sink.log")
like "retries: only b's head was tried, several times, nothing after it" "$b_tries" '^([3-9]|[1-9][0-9]+) \[1\]$'
is "retries: the head shows its attempts and error in the queue" \
  "$(sq -c "SELECT attempts > 1, last_error LIKE '%500%' OR last_error LIKE '%Service%' FROM aws_lambda.queue WHERE payload->>'tag' = 'b1'")" "t|t"
rm "$tmp/ctl/retryfn"
b_done() { [ "$(placed retryfn)" = "a:1,2,3,4,5 b:1,2,3,4,5 c:1,2,3,4,5" ]; }
if wait_until 10 b_done; then ok "retries: once the head succeeds, b follows in order"; else not_ok "retries: once the head succeeds, b follows in order ($(placed retryfn))"; fi
like "retries: never sent out of order, one call at a time per key" "$(check_order retryfn)" '^ok '

echo "# $(date +%T)"
# 4. A dead-lettered head (404, not retried) lets its key go on; redeliver
# puts it back with its key, delivered after what was already sent.
echo "404 tag=x1" >"$tmp/ctl/deadfn"
{ for i in 1 2 3 4; do enq deadfn x $i; done; } | sq >/dev/null
wait_until 10 queue_empty
is "dead letter: the head is dead-lettered with its order_key" \
  "$(sq -c "SELECT payload->>'tag', order_key FROM aws_lambda.dead_letter")" "x1|x"
is "dead letter: the key goes on after it (x1 settled by the 404, then 2, 3, 4)" "$(placed deadfn)" "x:1,2,3,4"
like "dead letter: nothing sent before the head was settled" "$(check_order deadfn)" '^ok '
rm "$tmp/ctl/deadfn"
is "redeliver: moves it back with its order_key" \
  "$(sq -c "BEGIN" -c "SELECT aws_lambda.redeliver(function_name => 'deadfn')" -c "SELECT order_key FROM aws_lambda.queue" -c "COMMIT" | sed -n '2p;3p' | tr '\n' ' ')" "1 x "
wait_until 10 queue_empty
is "redeliver: delivered (after the entries already sent)" "$(placed deadfn)" "x:1,2,3,4,1"

echo "# $(date +%T)"
# 5. Batching: a batch carries consecutive entries of a key in order; the
# next batch of that key waits for it.
sq -c "SELECT aws_lambda.set_batching('slow50_batchfn', 4, 262144, 30)" >/dev/null
for t in 1 2 3 4 5; do
  { echo "BEGIN;"; for i in 1 2 3 4; do for k in p q r; do enq slow50_batchfn $k $(((t - 1) * 4 + i)); done; done; echo "COMMIT;"; } | sq >/dev/null
  sleep 0.05
done
wait_until 20 queue_empty
read -r verdict nreq nrec dups most <<<"$(check_order slow50_batchfn)"
is "batching: every key's entries in order, within and across batches, one batch of a key at a time" "$verdict" ok
is "batching: all 60 entries delivered once" "$nrec $dups" "60 0"
is "batching: batches carried several entries of one key ($most at most, max_records 4)" "$([ "$most" -ge 2 ] && [ "$most" -le 4 ] && echo yes)" yes
is "batching: fewer calls than entries ($nreq for 60)" "$([ "$nreq" -lt 60 ] && echo yes)" yes

echo "# $(date +%T)"
# 6. SIGKILL of the worker mid-delivery (300 ms calls): the postmaster
# restarts everything; entries in flight are sent again, order holds.
{ for i in $(seq 1 8); do for k in k1 k2 k3; do enq slow300_crashfn $k $i; done; done; } | sq >/dev/null
wait_until 10 count_is slow300_crashfn 4
wpid=$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")
# (on a loaded machine a moment can fall between two keys' calls: look again)
for _ in $(seq 1 100); do
  in_flight=$(sq -c "SELECT coalesce(sum(calls), 0) FROM aws_lambda.queue_status WHERE function_name = 'slow300_crashfn'")
  [ "$in_flight" -ge 1 ] && break
  sleep 0.05
done
kill -9 "$wpid"
is "kill -9: the worker was killed with calls in flight ($in_flight)" "$([ "$in_flight" -ge 1 ] && echo yes)" yes
up() { sq -c "SELECT 1" >/dev/null 2>&1 && [ -n "$(sq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'aws_lambda delivery worker'")" ]; }
wait_until 30 up
if wait_until 30 queue_empty; then ok "kill -9: every entry delivered after the restart"; else not_ok "kill -9: every entry delivered after the restart"; fi
read -r verdict nreq nrec dups most <<<"$(check_order slow300_crashfn)"
is "kill -9: each key's entries in order (a redelivered entry only again, never before an earlier one)" "$verdict" ok
is "kill -9: all 24 delivered at least once" "$((nrec - dups))" 24

echo "# $(date +%T)"
# 7. Without a key nothing changes: while a key of the function is held by
# a failing head, its unkeyed entries flow, concurrently.
echo "500 tag=h1" >"$tmp/ctl/slow100_mixed"
{ enq slow100_mixed h 1; enq slow100_mixed h 2;
  echo "SELECT aws_lambda.enqueue('slow100_mixed', jsonb_build_object('k', 'none', 'i', g, 'tag', 'u')) FROM generate_series(1, 30) g;"; } | sq >/dev/null
unkeyed_done() { [ "$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["name"] == "slow100_mixed" and json.loads(l)["body"]["k"] == "none"))' "$tmp/sink.log")" = 30 ]; }
if wait_until 10 unkeyed_done; then ok "unkeyed: 30 entries delivered while a key of the same function is held back"
else not_ok "unkeyed: 30 entries delivered while a key of the same function is held back"; fi
is "unkeyed: sent concurrently (calls overlapped)" "$(python3 -c '
import json, sys
print("yes" if max(json.loads(l)["conc"] for l in open(sys.argv[1]) if json.loads(l)["name"] == "slow100_mixed") > 3 else "no")' "$tmp/sink.log")" yes
is "unkeyed: the held key sent nothing past its head" "$(placed slow100_mixed | tr ' ' '\n' | grep -c '^h:')" 0
rm "$tmp/ctl/slow100_mixed"
wait_until 10 queue_empty
is "unkeyed: the key then follows in order" "$(placed slow100_mixed | tr ' ' '\n' | grep '^h:')" "h:1,2"

# 8. No error in the server log from the worker.
if grep -E 'aws_lambda worker' "$tmp/pg/server.log" >/dev/null; then
  not_ok "the worker logged no error"; grep -E 'aws_lambda|ERROR' "$tmp/pg/server.log" | tail -5 | sed 's/^/# /'
else ok "the worker logged no error"; fi
tap_exit
