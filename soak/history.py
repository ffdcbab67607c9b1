"""soak/history.py — the run's history: one JSON line per transaction, sync
call, fault and resource sample (history.jsonl), written by every thread of
the driver; the checker reads it back. Also the shared run context."""
import json, threading, time


class History:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def add(self, **rec):
        rec.setdefault("t", time.time())
        with self.lock:
            self.f.write(json.dumps(rec) + "\n")


class Ctx:
    """What every driver thread shares: the configuration (cfg.json written
    by soak/run), the history, the stop flag, and transactions prepared but
    not yet finished (gid -> eids)."""

    def __init__(self, cfg, hist):
        self.cfg = cfg
        self.hist = hist
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.prepared = {}
        self.procs = {}  # name -> subprocess.Popen we own (serve, proxy)
        self.serve_killing = False  # the schedule is killing serve: not a crash
