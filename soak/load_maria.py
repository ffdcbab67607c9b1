"""soak/load_maria.py — one MariaDB client of the soak: a loop of UDF calls
(awslambda_fn and lambda_sync to the echo function, whose exact answer is
known; awslambda_fn_async to the recording function, whose acknowledged
events the checker looks for in the ledger), each recorded in the history.
It reconnects whenever a fault (a server restart) takes its connection."""
import json, random, threading, time
import pymysql


class MariaClient(threading.Thread):
    def __init__(self, ctx, wid):
        super().__init__(daemon=True)
        self.ctx, self.wid = ctx, wid
        self.rng = random.Random(ctx.cfg["seed"] * 1000 + 500 + wid)
        self.n = 0
        self.conn = None

    def connect(self):
        c = self.ctx.cfg
        while not self.ctx.stop.is_set():
            try:
                self.conn = pymysql.connect(host="127.0.0.1", port=c["maria_port"], user="soak",
                                            password="soak", database="soak", autocommit=True,
                                            connect_timeout=3, read_timeout=60)
                return True
            except pymysql.Error:
                self.conn = None
                time.sleep(0.2)
        return False

    def run(self):
        while not self.ctx.stop.is_set():
            if self.conn is None:
                if not self.connect():
                    return
            self.n += 1
            api = self.rng.choice(["awslambda_fn", "lambda_sync", "async", "async"])
            rec = dict(k="sync" if api != "async" else "async", db="maria", api=api, w=self.wid, t0=time.time())
            try:
                cur = self.conn.cursor()
                if api == "async":
                    e = f"m{self.wid}.{self.n}"
                    rec["eid"] = e
                    cur.execute("SELECT awslambda_fn_async('soak_rec_m', %s)", (json.dumps({"eid": e}),))
                    got = cur.fetchone()[0]
                    got = got.decode() if isinstance(got, bytes) else got
                    rec["out"] = "ack" if got == "202" else "wrong"
                    if got != "202":
                        rec["got"] = got
                else:
                    e = f"n{self.wid}.{self.n}"; x = self.rng.randint(-1000, 1000)
                    want = {"eid": e, "x": x, "sq": x * x}
                    cur.execute(f"SELECT {api}('soak_echo', %s)", (json.dumps({"eid": e, "x": x}),))
                    got = json.loads(cur.fetchone()[0])
                    rec.update(out="ok" if got == want else "wrong", got=None if got == want else got, want=want)
            except pymysql.err.OperationalError as ex:
                code = ex.args[0] if ex.args else None
                rec.update(out="err", code=str(code), msg=str(ex)[:200])
                if code != 1105:
                    self.close()
            except (pymysql.Error, OSError) as ex:
                rec.update(out="err", code="lost", msg=str(ex)[:200])
                self.close()
            except ValueError as ex:  # an answer that is not JSON: not the function's
                rec.update(out="wrong", got=repr(ex)[:200])
            except Exception as ex:  # recorded (the checker flags it), never a dead client
                rec.update(out="err", code="client:" + type(ex).__name__, msg=str(ex)[:200])
                self.close()
            rec["t1"] = time.time()
            self.ctx.hist.add(**rec)
            time.sleep(self.rng.random() * 0.02)

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass
        self.conn = None
