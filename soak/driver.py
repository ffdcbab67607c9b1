#!/usr/bin/python3
"""soak/driver.py — runs one soak: starts serve and the proxy, the load
(PostgreSQL and MariaDB clients), the chaos schedule and the sampler for
cfg["seconds"]; then stops the faults and the load, finishes leftover
prepared transactions, waits for the queue to drain, snapshots and
redelivers the dead letters, waits for the ledger to settle and writes what
the checker reads (history.jsonl, committed.json, dead.json). Usage:
driver.py CFG.json (written by soak/run)."""
import json, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from history import History, Ctx
from load_pg import PgClient
from load_maria import MariaClient
from chaos import Chaos, schedule
from sample import Sampler
from services import start_serve, start_proxy, stop_owned, set_proxy, pg_query, pg_ready, maria_ready


def say(msg):
    print(f"# soak: {msg}", flush=True)


def wait_drained(ctx, secs):
    end = time.time() + secs
    while time.time() < end:
        try:
            if pg_query(ctx, "SELECT count(*) FROM aws_lambda.queue")[0][0] == 0:
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def ledger_eids(path):
    seen = set()
    try:
        with open(path) as f:
            for line in f:
                try:
                    seen.update(json.loads(line)["eids"])
                except (ValueError, KeyError):
                    pass
    except OSError:
        pass
    return seen


def warm_up(cfg):
    """One call to each function straight to serve (not through the proxy):
    the first cold starts are not the load's."""
    import urllib.request
    for fn, body in (("soak_rec", {"eid": None}), ("soak_rec_b", {"eid": None}), ("soak_rec_m", {"eid": None}),
                     ("soak_rec_o", {"eid": None}),
                     ("soak_echo", {"eid": "warm", "x": 1}), ("soak_batch", {"arguments": [[1]]})):
        url = f"http://127.0.0.1:{cfg['serve_port']}/2015-03-31/functions/{fn}/invocations"
        urllib.request.urlopen(urllib.request.Request(url, json.dumps(body).encode()), timeout=30).read()


def main():
    cfg = json.load(open(sys.argv[1]))
    ctx = Ctx(cfg, History(os.path.join(cfg["work"], "history.jsonl")))
    try:
        return soak(ctx)
    finally:
        stop_owned(ctx)


def soak(ctx):
    cfg = ctx.cfg
    set_proxy(ctx, mode="pass")
    if not start_serve(ctx) or not start_proxy(ctx):
        say("serve or the proxy did not start"); return 2
    warm_up(cfg)
    plan = schedule(cfg["seed"], cfg["seconds"], bool(cfg.get("disk")))
    say(f"seed {cfg['seed']}, {cfg['seconds']} s, {len(plan)} faults: " +
        " ".join(f"{o}s:{k}" + (f"({d}s,p={p})" if d else "") for o, k, d, p in plan))
    t_start = time.time()
    ctx.hist.add(k="start", seed=cfg["seed"], seconds=cfg["seconds"], plan=plan, cfg=cfg)
    sampler = Sampler(ctx); sampler.start()
    clients = [PgClient(ctx, i) for i in range(cfg["pg_clients"])]
    clients += [MariaClient(ctx, i) for i in range(cfg["maria_clients"])]
    for c in clients:
        c.start()
    chaos = Chaos(ctx, t_start); chaos.start()
    while time.time() < t_start + cfg["seconds"]:
        time.sleep(0.2)
    chaos.join()
    set_proxy(ctx, mode="pass")
    ctx.stop.set()
    for c in clients:
        c.join(30)
    t_end = time.time()
    ctx.hist.add(k="load_end")
    say(f"load and faults stopped after {t_end - t_start:.0f} s; draining")
    if ctx.procs["serve"].poll() is not None:
        start_serve(ctx)
    pg_ready(ctx); maria_ready(ctx)
    for (gid,) in pg_query(ctx, "SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'soak%'") or []:
        t0 = time.time()
        pg_query(ctx, f"COMMIT PREPARED '{gid}'")
        ctx.hist.add(k="txn", kind="commit_prepared", gid=gid, t0=t0, t1=time.time(), out="commit_ack",
                     ins=ctx.prepared.pop(gid, []), rb=[], at_end=True)
    # Nothing else commits now: the worker's idle sweep must find the
    # entries of these COMMIT PREPAREDs (docs/reliability.md, Findings).
    drained = wait_drained(ctx, cfg["drain_s"])
    dead = [dict(id=r[0], fn=r[1], payload=r[2], attempts=r[3], last_error=r[4], failed_at=r[5])
            for r in pg_query(ctx, "SELECT id, function_name, payload, attempts, last_error, "
                                   "extract(epoch FROM failed_at)::float8 FROM aws_lambda.dead_letter ORDER BY id")]
    json.dump(dead, open(os.path.join(cfg["work"], "dead.json"), "w"))
    if dead:
        ctx.hist.add(k="redeliver", n=len(dead))  # a redelivered head may follow its key's later entries
        n = pg_query(ctx, "SELECT aws_lambda.redeliver()")[0][0]
        say(f"{len(dead)} dead letters; redelivered {n}")
        drained = wait_drained(ctx, cfg["drain_s"]) and drained
    ctx.hist.add(k="drained", ok=drained)
    committed = [r[0] for r in pg_query(ctx, "SELECT eid FROM ev_a UNION ALL SELECT eid FROM ev_b "
                                             "UNION ALL SELECT eid FROM ev_c")]
    json.dump(committed, open(os.path.join(cfg["work"], "committed.json"), "w"))
    # The ordered table in commit order per key: the commit timestamp of each
    # row's transaction (track_commit_timestamp), then the row's id within it.
    ordered = pg_query(ctx, "SELECT k, eid FROM ev_c ORDER BY k, pg_xact_commit_timestamp(xmin), id")
    json.dump([list(r) for r in ordered], open(os.path.join(cfg["work"], "ordered.json"), "w"))
    # serve runs Event invocations from its own queue: wait until the ledger
    # has every committed event (or stops growing for 5 s).
    ledger = os.path.join(cfg["work"], "ledger.jsonl")
    want = set(committed)
    last, still = -1, time.time()
    while time.time() < still + 5:
        have = ledger_eids(ledger)
        if want <= have:
            break
        if len(have) != last:
            last, still = len(have), time.time()
        time.sleep(0.3)
    time.sleep(1.0)  # duplicates still in serve's queue land too
    sampler.halt.set(); sampler.join()
    ctx.hist.add(k="end")
    say(f"done: {len(committed)} committed events, queue drained: {drained}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
