"""soak/chaos.py — the seeded fault schedule and the faults themselves.
schedule(seed, seconds) is a list of (start offset, kind, duration, p): the
kinds in a seeded shuffled order, cycled, a few seconds apart, so a short
run sees each kind once and the same seed replays the same schedule. run()
injects them and records each as {"k": "fault", "kind", "t0", "t1"} where
[t0, t1] is the window from the fault's start until the service is back.
disk_full (scheduled only when soak/run mounted the queue's tablespace on
a small tmpfs: cfg["disk"]) fills that filesystem for a few seconds, then
frees it."""
import os, random, signal, threading, time
from services import (set_proxy, start_serve, pg_query, pg_ready, pg_ctl, maria_restart, wait_port)

PROXY_KINDS = ["down", "reset_before", "reset_after", "stall", "throttle", "5xx", "trunc"]
PROC_KINDS = ["kill_worker", "kill_backend", "pg_immediate", "sighup", "serve_kill", "maria_restart"]


def schedule(seed, seconds, disk=False):
    rng = random.Random(seed)
    kinds = PROXY_KINDS + PROC_KINDS + (["disk_full"] if disk else [])
    out, t, order = [], 3.0, []
    while True:
        if not order:
            order = kinds[:]
            rng.shuffle(order)
        k = order.pop()
        dur = round(rng.uniform(1.5, 4.0), 1) if k in PROXY_KINDS or k == "disk_full" else 0
        p = round(rng.choice([0.3, 0.6, 1.0]), 1) if k in PROXY_KINDS and k != "down" else 1.0
        if t + dur > seconds:
            return out
        out.append((round(t, 1), k, dur, p))
        t += dur + rng.uniform(1.5, 3.5)


class Chaos(threading.Thread):
    def __init__(self, ctx, t_start):
        super().__init__(daemon=True)
        self.ctx, self.t_start = ctx, t_start
        self.rng = random.Random(ctx.cfg["seed"] + 7)
        self.plan = schedule(ctx.cfg["seed"], ctx.cfg["seconds"], bool(ctx.cfg.get("disk")))

    def run(self):
        for off, kind, dur, p in self.plan:
            while time.time() < self.t_start + off:
                if self.ctx.stop.is_set():
                    return
                time.sleep(0.05)
            t0 = time.time()
            extra = {}
            try:
                if kind in PROXY_KINDS:
                    set_proxy(self.ctx, mode=kind, p=p, stall_s=self.ctx.cfg["timeout_ms"] / 1000 * 2)
                    time.sleep(dur)
                    set_proxy(self.ctx, mode="pass")
                    extra = {"p": p}
                elif kind == "disk_full":
                    extra = self.disk_full(dur)
                else:
                    extra = getattr(self, kind)() or {}
            except Exception as e:  # a fault that could not be injected is recorded, not hidden
                extra = {"error": repr(e)[:200]}
            self.ctx.hist.add(k="fault", kind=kind, t0=t0, t1=time.time(), **extra)

    def pid_of(self, where):
        rows = pg_query(self.ctx, f"SELECT pid FROM pg_stat_activity WHERE {where}")
        return [r[0] for r in rows or []]

    def kill_worker(self):
        pids = self.pid_of("backend_type = 'aws_lambda delivery worker'")
        for p in pids:
            os.kill(p, signal.SIGKILL)
        time.sleep(0.3)
        pg_ready(self.ctx)
        return {"pids": pids}

    def kill_backend(self):
        pids = self.pid_of("application_name = 'soak'")
        if not pids:
            return {"pids": []}
        p = self.rng.choice(sorted(pids))
        os.kill(p, signal.SIGKILL)
        time.sleep(0.3)
        pg_ready(self.ctx)
        return {"pids": [p]}

    def pg_immediate(self):
        pg_ctl(self.ctx, "-m", "immediate", "-w", "stop")
        time.sleep(self.rng.uniform(0.5, 2.0))
        pg_ctl(self.ctx, "-l", os.path.join(self.ctx.cfg["pgdir"], "server.log"), "-w", "-t", "60", "start")
        return {"ready": pg_ready(self.ctx)}

    def sighup(self):
        conc = self.rng.choice([2, 4, 8, 16])
        base = self.rng.choice([50, 100, 200])
        batch = self.rng.choice([1, 5, 20])
        for name, v in (("worker_concurrency", conc), ("retry_base_ms", base), ("batch_max_records", batch)):
            pg_query(self.ctx, f"ALTER SYSTEM SET aws_lambda.{name} = {v}")
        pg_query(self.ctx, "SELECT pg_reload_conf()")
        return {"worker_concurrency": conc, "retry_base_ms": base, "batch_max_records": batch}

    def serve_kill(self):
        p = self.ctx.procs["serve"]
        self.ctx.serve_killing = True
        try:
            os.kill(p.pid, signal.SIGKILL)  # its workers die with it (PR_SET_PDEATHSIG)
            p.wait()
            time.sleep(self.rng.uniform(0.5, 2.0))
            return {"ready": start_serve(self.ctx)}
        finally:
            self.ctx.serve_killing = False

    def disk_full(self, dur):
        """Fills the queue's tablespace (a tmpfs) with a file until ENOSPC,
        holds it full for dur seconds, then removes the file."""
        path = os.path.join(self.ctx.cfg["disk"], "soak_filler")
        filled = 0
        try:
            with open(path, "wb") as f:
                chunk = b"\0" * 65536
                while True:
                    try:
                        filled += os.write(f.fileno(), chunk)
                    except OSError:
                        break
            time.sleep(dur)
        finally:
            os.unlink(path)
        return {"filled_kb": filled // 1024}

    def maria_restart(self):
        return {"ready": maria_restart(self.ctx)}
