"""soak/sample.py — resource samples every 2 s from /proc: for PostgreSQL
(the postmaster's children: count, open fds, RSS; the delivery worker's fds
and RSS on its own), `sqlambda serve` (its process tree: processes, the
server's fds and RSS), mariadbd (fds, RSS, threads) and the proxy. Also
notes a server that died without the schedule killing it."""
import os, threading, time
from services import postmaster_pid, maria_pid


def proc_table():
    t = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                rest = s[s.rindex(")") + 2:].split()
                t[int(d)] = (rest[0], int(rest[1]))  # state, ppid
            except (OSError, ValueError):
                pass
    return t


def fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def fds_outside(pid, trees):
    """Open fds of pid not naming files under trees (a tuple of prefixes): for a PostgreSQL
    process, its sockets, pipes and epoll/signal fds, without the data
    files PostgreSQL's own fd cache keeps open (after a crash restart, which
    removes the relcache init file, a new backend opens dozens of catalog
    files and keeps them, up to max_files_per_process)."""
    n = 0
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    for fd in names:
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith(trees):
                n += 1
        except OSError:
            pass
    return n


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def threads(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(tab, root):
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, (_, pp) in tab.items() if pp == p]
        out += kids
        todo += kids
    return out


def sample(ctx):
    tab = proc_table()
    s = {}
    pm = postmaster_pid(ctx)
    if pm and pm in tab:
        kids = [c for c, (_, pp) in tab.items() if pp == pm]
        s["pg_procs"] = len(kids) + 1
        s["pg_fds"] = fds(pm) + sum(fds(k) for k in kids)
        s["pg_rss_kb"] = rss_kb(pm) + sum(rss_kb(k) for k in kids)
        w = [k for k in kids if "aws_lambda delivery worker" in cmdline(k)]
        if w:
            trees = (os.path.join(ctx.cfg["pgdir"], "data") + "/",)
            if ctx.cfg.get("disk"):  # the queue's tablespace
                trees += (os.path.realpath(ctx.cfg["disk"]) + "/",)
            s["worker_fds"] = fds_outside(w[0], trees)
            s["worker_rss_kb"] = rss_kb(w[0])
    sv = ctx.procs.get("serve")
    if sv and sv.poll() is None:
        s["serve_procs"] = 1 + len(descendants(tab, sv.pid))
        s["serve_fds"], s["serve_rss_kb"] = fds(sv.pid), rss_kb(sv.pid)
    md = maria_pid(ctx)
    if md and md in tab:
        s["maria_fds"], s["maria_rss_kb"], s["maria_threads"] = fds(md), rss_kb(md), threads(md)
    px = ctx.procs.get("proxy")
    if px and px.poll() is None:
        s["proxy_fds"] = fds(px.pid)
    if ctx.cfg.get("disk"):  # how full the queue's tablespace is (64 MB)
        st = os.statvfs(ctx.cfg["disk"])
        s["queue_ts_kb"] = (st.f_blocks - st.f_bfree) * st.f_frsize // 1024
    s["zombies"] = sum(1 for st, _ in tab.values() if st == "Z")
    return s


class Sampler(threading.Thread):
    def __init__(self, ctx):
        super().__init__(daemon=True)
        self.ctx = ctx
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.ctx.hist.add(k="sample", **sample(self.ctx))
            sv = self.ctx.procs.get("serve")
            if sv and sv.poll() is not None and not self.ctx.serve_killing:
                self.ctx.hist.add(k="died", what="serve", rc=sv.returncode)
            self.halt.wait(2.0)
