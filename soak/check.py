#!/usr/bin/python3
"""soak/check.py — the soak's ledger checker. Reads what soak/driver.py left
in WORK (history.jsonl, committed.json: the trigger tables' event ids read
back after the drain, dead.json, the proxy's log, the functions' ledger, the
servers' logs), prints one TAP line per check and the figures, and exits 1
on any violation, printing the history around it. Usage: check.py WORK"""
import bisect, collections, json, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bounds import BOUNDS, GROWTH, SYNC_SLACK_S, PG_SYNC_CLASSES, CALM_GRACE_S
from order import violations as order_violations

W = sys.argv[1]
failed = 0


def jl(name):
    out = []
    try:
        with open(os.path.join(W, name)) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass  # a line cut by a kill: the ledger's lines are single writes
    except OSError:
        pass
    return out


def ok(name, good, why=(), around=()):
    """One TAP line; on failure up to 5 reasons, each with the history within
    2 s of its time."""
    global failed
    print(("ok - " if good else "not ok - ") + name)
    if not good:
        failed += 1
        for w in list(why)[:5]:
            print("#   " + str(w).replace("\n", " | "))
        for t in list(around)[:3]:
            print(f"#   history around {t:.3f}:")
            for r in hist:
                if r.get("k") != "sample" and abs(r.get("t1", r.get("t", 0)) - t) < 2.0:
                    print("#     " + json.dumps(r)[:300])


hist = jl("history.jsonl")
ledger = jl("ledger.jsonl")
proxy = jl("proxy.jsonl")
committed = set(json.load(open(os.path.join(W, "committed.json"))))
dead = json.load(open(os.path.join(W, "dead.json")))
cfg = json.load(open(os.path.join(W, "cfg.json")))
start = next(r for r in hist if r["k"] == "start")
t_start = start["t"]
faults = [r for r in hist if r["k"] == "fault"]
windows = sorted((f["t0"], f["t1"], f["kind"]) for f in faults)
PROC = {"kill_worker", "kill_backend", "pg_immediate"}


def in_window(t0, t1, grace=1.0, kinds=None):
    return any(a - grace <= t1 and t0 <= b + grace for a, b, k in windows if kinds is None or k in kinds)


# ---- deliveries: eid -> sorted delivery times
deliv = collections.defaultdict(list)
for r in ledger:
    for e in r["eids"]:
        if e is not None:
            deliv[e].append(r["t"])
for v in deliv.values():
    v.sort()
txns = [r for r in hist if r["k"] == "txn"]
acked = {}
for r in txns:
    if r["out"] == "commit_ack":
        for e in r["ins"]:
            acked[e] = r["t1"]
never = {}  # eid -> time: rolled back (whole or savepoint) or aborted before COMMIT
for r in txns:
    for e in r["rb"]:
        never[e] = r["t1"]
    if r["out"] == "aborted":
        for e in r["ins"]:
            never[e] = r["t1"]
syncs = [r for r in hist if r["k"] == "sync"]
asyncs = [r for r in hist if r["k"] == "async"]
drained = all(r["ok"] for r in hist if r["k"] == "drained")
cerr = [r for r in hist if r["k"] == "client_error"]
ok(f"soak ran: {len(committed)} committed events, {len(never)} never to be delivered, {len(syncs)} sync calls, "
   f"{len(asyncs)} MariaDB async calls, {len(faults)} faults, queue drained",
   len(committed) >= 20 and len(syncs) >= 10 and faults and drained and not cerr,
   [f"drained={drained}"] + [f"driver error: {r['err']}" for r in cerr])
bad = [f for f in faults if "error" in f or f.get("ready") is False]
ok("every scheduled fault was injected and its service came back", not bad,
   [json.dumps(f)[:200] for f in bad], [f["t0"] for f in bad])

# ---- transactional events
lost = [e for e in acked if e not in committed]
ok(f"every acknowledged COMMIT is in the tables afterwards ({len(acked)} events)", not lost,
   [f"{e} acknowledged at {acked[e]:.3f}, not in the table" for e in lost], [acked[e] for e in lost])
leaked = [e for e in never if e in committed]
ok(f"no rolled-back or aborted event is in the tables ({len(never)} events)", not leaked,
   [f"{e} rolled back at {never[e]:.3f} but committed" for e in leaked], [never[e] for e in leaked])
sent = [e for e in never if e in deliv]
ok("no rolled-back (transaction, savepoint, prepared) or aborted event ever reached the function", not sent,
   [f"{e} rolled back at {never[e]:.3f}, delivered at {deliv[e]}" for e in sent], [never[e] for e in sent])
phantom = [e for e in deliv if e[0] == "p" and e not in committed]
ok("no delivery of an event that was never committed", not phantom,
   [f"{e} delivered at {deliv[e]}, not in the tables" for e in phantom], [deliv[e][0] for e in phantom])

# Events serve answered 202 for and lost with it when killed are the
# endpoint's (its Event queue is in memory, docs/serve.md), not the worker's.
kills = [f["t0"] for f in faults if f["kind"] == "serve_kill"]
accepted = collections.defaultdict(list)
for r in proxy:
    if r.get("act") == "fwd" and r.get("st") == 202:
        for e in r["eids"]:  # from its arrival: the kill can land between serve's 202 and the proxy's log line
            accepted[e].append(r.get("ta", r["t"]))


def serve_lost(e):
    return any(any(a <= k <= a + 30 for k in kills) for a in accepted.get(e, []))


missing = [e for e in committed if e not in deliv]
excused = [e for e in missing if serve_lost(e)]
unexcused = [e for e in missing if e not in excused]
ok(f"every committed event reached the function at least once ({len(committed) - len(missing)} of "
   f"{len(committed)}; {len(excused)} accepted by serve and lost when it was killed)", not unexcused,
   [f"{e}: committed, never delivered; proxy saw {[(round(r['t'], 3), r['act'], r['st']) for r in proxy if e in r['eids']][:6]}"
    for e in unexcused], [acked.get(e, t_start) for e in unexcused])
dups = {e: len(ts) - 1 for e, ts in deliv.items() if len(ts) > 1}
dead_eids = {x for d in dead for x in re.findall(r'"eid": ?"([^"]+)"', json.dumps(d["payload"]))}
unexplained = [e for e in dups if e not in dead_eids and not in_window(deliv[e][0] - 5, deliv[e][-1], 2.0)]
ok(f"every duplicate delivery follows a fault or a redelivery ({sum(dups.values())} duplicates of {len(dups)} events)",
   not unexplained, [f"{e} delivered at {deliv[e]} with no fault in between" for e in unexplained],
   [deliv[e][0] for e in unexplained])

# ---- ordered keys: each key's entries sent in commit order (seen at the proxy)
order = collections.defaultdict(list)
for k, e in json.load(open(os.path.join(W, "ordered.json"))):
    order[k].append(e)
t_redeliver = min([r["t"] for r in hist if r["k"] == "redeliver"] or [float("inf")])
oreq = [r for r in proxy if r.get("fn") == "soak_rec_o" and r["eids"] and r.get("ta", 0) < t_redeliver]
ov = order_violations(oreq, order)
ok(f"every ordered key's entries were sent in commit order ({sum(map(len, order.values()))} events, "
   f"{len(order)} keys, {len(oreq)} requests)", not ov and (len(order) > 0 or len(committed) < 20), ov,
   [float(m) for v in ov[:3] for m in re.findall(r"at (\d+\.\d+)", v)[:1]])

# ---- dead letters: each with its reason, every attempt in a fault window
bad_dead = []
for d in dead:
    es = re.findall(r'"eid": ?"([^"]+)"', json.dumps(d["payload"]))
    tries = [r for r in proxy if set(es) & set(r["eids"])]
    good = [r for r in tries if r["act"] == "fwd" and 200 <= (r["st"] or 0) < 300]
    outside = [r for r in tries if not in_window(r["t"], r["t"], 1.0)]
    if not d["last_error"] or good or outside:
        bad_dead.append((d, good, outside))
ok(f"dead letters only for events whose every attempt fell in a fault window, each with its reason ({len(dead)})",
   not bad_dead, [f"dead {d['id']} {d['fn']} attempts {d['attempts']} '{(d['last_error'] or '')[:80]}': "
                  f"{len(g)} successful sends, {len(o)} attempts outside fault windows" for d, g, o in bad_dead],
   [d["failed_at"] for d, _, _ in bad_dead])

# ---- synchronous calls
wrong = []
for r in syncs:
    if r["out"] == "wrong" or (r["out"] == "rows" and any(x[0] == "wrong" for x in r["rows"])):
        wrong.append(r)
ok(f"every sync call that answered gave the function's exact answer ({len(syncs)} calls)", not wrong,
   [json.dumps(r)[:250] for r in wrong], [r["t1"] for r in wrong])
bound = cfg["attempts"] * cfg["timeout_ms"] / 1000 + SYNC_SLACK_S
slow = [r for r in syncs + asyncs if r["t1"] - r["t0"] > bound]
ok(f"no sync or async call took longer than {bound:.1f} s (attempts x timeout + {SYNC_SLACK_S} s)", not slow,
   [f"{r['db']} {r['api']} took {r['t1'] - r['t0']:.1f} s" for r in slow], [r["t0"] for r in slow])
undoc = []
for r in syncs + asyncs:
    errs = [(r.get("code"), r.get("msg", ""))] if r["out"] == "err" else \
        [("row", x[1]) for x in r.get("rows", []) if x[0] == "err"]
    for code, msg in errs:
        if r["db"] == "pg":
            good = (code in PG_SYNC_CLASSES and "soak_" in msg) or code == "row" and "soak_echo" in msg \
                or (code is None or code in ("57P01", "57P02", "57P03")) and in_window(r["t0"], r["t1"], 1.0, PROC)
        else:
            good = (code == "1105" and "soak_" in msg) or \
                code in ("2013", "2006", "2003", "1053", "1927", "lost") and in_window(r["t0"], r["t1"], 1.0, {"maria_restart"})
        if not good:
            undoc.append((r, code, msg))
ok("every sync call that failed raised a documented error class naming the function "
   "(lost connections only when that server was killed)", not undoc,
   [f"{r['db']} {r['api']}: {c} {m[:150]}" for r, c, m in undoc], [r["t1"] for r, _, _ in undoc])
calm = [r for r in syncs + asyncs if (r["out"] == "err" or any(x[0] == "err" for x in r.get("rows", [])))
        and not in_window(r["t0"], r["t1"], CALM_GRACE_S)]
ok("no sync call failed outside the fault windows", not calm,
   [f"{r['db']} {r['api']} {r.get('code')} {r.get('msg', r.get('rows'))}"[:200] for r in calm],
   [r["t0"] for r in calm])
lost_async = [r for r in asyncs if r["out"] == "ack" and r["eid"] not in deliv and not serve_lost(r["eid"])]
ok(f"every acknowledged MariaDB async event ran ({sum(r['out'] == 'ack' for r in asyncs)})", not lost_async,
   [f"{r['eid']} acknowledged at {r['t1']:.3f}, never ran" for r in lost_async], [r["t1"] for r in lost_async])

# ---- servers: no crash except where killed
killed = {p for f in faults for p in f.get("pids", [])}
pglog = open(os.path.join(cfg["pgdir"], "server.log"), errors="replace").read()
crashes = []
for m in re.finditer(r'\(PID (\d+)\) was terminated by signal (\d+)', pglog):
    if int(m.group(2)) != 9 or int(m.group(1)) not in killed:
        crashes.append(m.group(0))
crashes += re.findall(r'.*PANIC:.*', pglog)
crashes += re.findall(r'.*aws_lambda delivery worker.*exited with exit code [^1].*', pglog)
mlog = open(os.path.join(cfg["maria_dir"], "error.log"), errors="replace").read()
crashes += re.findall(r'.*(?:got signal|Assertion).*', mlog)
crashes += [f"serve exited unasked (status {r['rc']}) at {r['t']:.3f}" for r in hist if r["k"] == "died"]
samples = [r for r in hist if r["k"] == "sample"]
crashes += ["the proxy was gone at a sample"] if any("proxy_fds" not in s for s in samples) else []
ok("no server crashed except where the schedule killed it", not crashes, crashes)

# ---- resources over time
over, grew = [], []
half = len(samples) // 2
for key, lim in BOUNDS.items():
    vals = [s[key] for s in samples if key in s]
    if vals and max(vals) > lim:
        over.append(f"{key} reached {max(vals)} (bound {lim})")
    a, b = [s[key] for s in samples[:half] if key in s], [s[key] for s in samples[half:] if key in s]
    if key in GROWTH and a and b and max(b) > max(a) + GROWTH[key]:
        grew.append(f"{key}: first half max {max(a)}, second half max {max(b)} (allowed +{GROWTH[key]})")
ok(f"fds, processes and RSS stayed within their bounds ({len(samples)} samples)", not over, over)
ok("no fd or memory growth from the first half of the run to the second", not grew, grew)

# ---- figures
fig = collections.OrderedDict()
fig["seed"], fig["seconds"] = start["seed"], start["seconds"]
fig["events_committed"] = len(committed)
fig["ordered_events"] = sum(map(len, order.values()))
fig["ordered_keys"] = len(order)
fig["events_delivered"] = len(committed) - len(missing)
fig["duplicate_deliveries"] = sum(dups.values())
fig["dead_lettered"] = len(dead)
fig["lost_with_serve"] = len(excused)
fig["rolled_back_or_aborted"] = len(never)
cls = collections.Counter()
for r in syncs + asyncs:
    if r["out"] == "rows":
        for x in r["rows"]:
            cls[f"{r['db']} {r['api']} row {'ok' if x[0] == 'ok' else x[0]}"] += 1
    else:
        code = r.get("code") if r["out"] == "err" else ""
        cls[f"{r['db']} {r['api']} {r['out']} {code or ''}".strip()] += 1
fig["calls"] = dict(sorted(cls.items()))
fig["faults"] = dict(collections.Counter(f["kind"] for f in faults))
# Ordered events queue behind their key's earlier ones (one call at a time
# per key): their latency is the keys' backlog, reported apart.
ordered_eids = {e for es in order.values() for e in es}


def latency(eids):
    lat = sorted(deliv[e][0] - acked[e] for e in eids
                 if e in deliv and not in_window(acked[e], deliv[e][0], 1.0))
    if not lat:
        return None
    return {"n": len(lat), "p50_ms": round(lat[len(lat) // 2] * 1000, 1),
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1), "max_ms": round(lat[-1] * 1000, 1)}


fig["latency_outside_faults"] = latency([e for e in acked if e not in ordered_eids])
fig["ordered_latency_outside_faults"] = latency([e for e in acked if e in ordered_eids])
rec = collections.defaultdict(float)
ack_sorted = sorted((t, e) for e, t in acked.items() if e not in ordered_eids)
ack_times = [t for t, _ in ack_sorted]
for a, b, k in windows:  # unordered events committed in the window
    lo, hi = bisect.bisect_left(ack_times, a), bisect.bisect_right(ack_times, b)
    during = [deliv[e][0] - b for _, e in ack_sorted[lo:hi] if e in deliv]
    if during:
        rec[k] = max(rec[k], round(max(during), 2))
fig["worst_recovery_s"] = dict(sorted(rec.items()))
for key in BOUNDS:
    vals = [s[key] for s in samples if key in s]
    if vals:
        fig.setdefault("resources", {})[key] = {"first": vals[0], "max": max(vals), "last": vals[-1]}
ts = [s["queue_ts_kb"] for s in samples if "queue_ts_kb" in s]
if ts:  # the queue's tablespace (a tmpfs), outside its disk_full windows
    calm_ts = [s["queue_ts_kb"] for s in samples if "queue_ts_kb" in s
               and not in_window(s["t"], s["t"], 1.0, {"disk_full"})]
    fig["queue_tablespace_kb"] = {"first": ts[0], "max_outside_disk_full": max(calm_ts or [0]), "last": ts[-1]}
json.dump(fig, open(os.path.join(W, "figures.json"), "w"), indent=1)
with open(os.path.join(W, "samples.dat"), "w") as f:
    f.write("# t worker_rss_kb serve_rss_kb maria_rss_kb pg_fds serve_fds maria_fds\n")
    for s in samples:
        f.write(" ".join(str(round(s["t"] - t_start, 1)) if k == "t" else str(s.get(k, "NaN")) for k in
                         ("t", "worker_rss_kb", "serve_rss_kb", "maria_rss_kb", "pg_fds", "serve_fds", "maria_fds")) + "\n")
for line in json.dumps(fig, indent=1).splitlines():
    print("# " + line)
sys.exit(1 if failed else 0)
