"""soak/load_pg.py — one PostgreSQL client of the soak: a loop of
transactions into the trigger tables (committed, rolled back, a savepoint
rolled back, prepared and finished later by any client; rows of the
ordered table ev_c, whose keys every client shares, one key per
transaction and never in a prepared one: a prepared transaction holds its
keys until some client finishes it, and every client could be waiting on
them) and synchronous
calls (awslambda_fn, aws_lambda.invoke, invoke_many, invoke_batch), each
recorded in the history with its event ids, times and outcome. It
reconnects whenever a fault takes its connection away."""
import json, random, threading, time
import psycopg2

ORDER_KEYS = 6  # ev_c's keys, shared by every client: writers of one key queue behind each other


class PgClient(threading.Thread):
    def __init__(self, ctx, wid):
        super().__init__(daemon=True)
        self.ctx, self.wid = ctx, wid
        self.rng = random.Random(ctx.cfg["seed"] * 1000 + wid)
        self.n = 0
        self.conn = None

    def eid(self, p="p"):
        self.n += 1
        return f"{p}{self.wid}.{self.n}"

    def connect(self):
        c = self.ctx.cfg
        while not self.ctx.stop.is_set():
            try:
                self.conn = psycopg2.connect(host=c["pghost"], port=c["pgport"], user="postgres",
                                             dbname="postgres", application_name="soak", connect_timeout=3)
                self.conn.autocommit = True
                cur = self.conn.cursor()
                cur.execute("SET aws_lambda.request_timeout_ms = %s", (c["timeout_ms"],))
                cur.execute("SET aws_lambda.max_attempts = %s", (c["attempts"],))
                return True
            except psycopg2.Error:
                self.conn = None
                time.sleep(0.2)
        return False

    def run(self):
        while not self.ctx.stop.is_set():
            if self.conn is None or self.conn.closed:
                if not self.connect():
                    return
            r = self.rng.random()
            try:
                if r < 0.40:
                    self.txn("commit")
                elif r < 0.50:
                    self.txn("rollback")
                elif r < 0.60:
                    self.txn("savepoint")
                elif r < 0.66:
                    self.txn("prepare")
                elif r < 0.72:
                    self.finish_prepared()
                else:
                    self.sync(self.rng.choice(["fn", "invoke", "many", "batch"]))
            except psycopg2.InterfaceError:
                self.conn = None
            except Exception as e:  # the driver's own bug: recorded, the checker fails the run
                self.ctx.hist.add(k="client_error", w=self.wid, err=repr(e)[:300])
                self.conn = None
            time.sleep(self.rng.random() * 0.02)

    def ins(self, cur, n, out, key):
        for _ in range(n):
            e = self.eid()
            t = self.rng.choice(["ev_a", "ev_b", "ev_c"] if key else ["ev_a", "ev_b"])
            if t == "ev_c":
                cur.execute("INSERT INTO ev_c (eid, k) VALUES (%s, %s)", (e, key))
            else:
                cur.execute(f"INSERT INTO {t} (eid) VALUES (%s)", (e,))
            out.append(e)

    def txn(self, kind):
        cur = self.conn.cursor()
        keep, rb = [], []
        key = None if kind == "prepare" else f"k{self.rng.randrange(ORDER_KEYS)}"
        rec = dict(k="txn", w=self.wid, kind=kind, t0=time.time(), ins=keep, rb=rb)
        state = "begin"
        try:
            cur.execute("BEGIN")
            self.ins(cur, self.rng.randint(1, 4), keep, key)
            if kind == "savepoint":
                cur.execute("SAVEPOINT s1")
                part = []
                self.ins(cur, self.rng.randint(1, 3), part, key)
                cur.execute("ROLLBACK TO SAVEPOINT s1")
                rb.extend(part)
                self.ins(cur, self.rng.randint(0, 2), keep, key)
            if kind == "rollback":
                state = "rollback"
                cur.execute("ROLLBACK")
                rb.extend(keep); del keep[:]
                rec["out"] = "rolled_back"
            elif kind == "prepare":
                gid = f"soak_{self.wid}_{self.n}"
                rec["gid"] = gid
                state = "prepare"
                cur.execute(f"PREPARE TRANSACTION '{gid}'")
                with self.ctx.lock:
                    self.ctx.prepared[gid] = list(keep)
                rec["out"] = "prepared"
            else:
                state = "commit"
                cur.execute("COMMIT")
                rec["out"] = "commit_ack"
        except psycopg2.Error as e:
            # Before COMMIT: the transaction is gone. During COMMIT/PREPARE: unknown
            # (the table, read at the end, says).
            rec["out"] = "unknown" if state in ("commit", "prepare") else "aborted"
            rec["err"] = f"{e.pgcode} {str(e).strip()[:160]}"
            if state == "rollback":
                rec["out"] = "rolled_back"  # a failed ROLLBACK still commits nothing
                rb.extend(keep); del keep[:]
            self.drop(e)
        rec["t1"] = time.time()
        self.ctx.hist.add(**rec)

    def finish_prepared(self):
        with self.ctx.lock:
            if not self.ctx.prepared:
                return
            gid = self.rng.choice(sorted(self.ctx.prepared))
            eids = self.ctx.prepared.pop(gid)
        commit = self.rng.random() < 0.75
        rec = dict(k="txn", w=self.wid, kind="commit_prepared" if commit else "rollback_prepared",
                   gid=gid, t0=time.time(), ins=eids if commit else [], rb=[] if commit else eids)
        try:
            self.conn.cursor().execute(f"{'COMMIT' if commit else 'ROLLBACK'} PREPARED '{gid}'")
            rec["out"] = "commit_ack" if commit else "rolled_back"
        except psycopg2.Error as e:
            rec["out"] = "unknown"
            rec["rb"] = []  # not known to be rolled back: the table decides
            rec["ins"] = eids
            rec["err"] = f"{e.pgcode} {str(e).strip()[:160]}"
            if e.pgcode is None:
                with self.ctx.lock:  # maybe not done: try again later
                    self.ctx.prepared[gid] = eids
            self.drop(e)
        rec["t1"] = time.time()
        self.ctx.hist.add(**rec)

    def drop(self, e):
        """After an error: a lost connection is dropped; a live one leaves the
        failed transaction block (an INSERT refused mid-transaction, as on a
        full disk, would otherwise fail every later statement with 25P02)."""
        if e.pgcode is None or (self.conn is not None and self.conn.closed):
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None
            return
        try:
            self.conn.cursor().execute("ROLLBACK")
        except psycopg2.Error:
            self.conn = None

    def sync(self, api):
        cur = self.conn.cursor()
        rec = dict(k="sync", db="pg", api=api, w=self.wid, t0=time.time())
        try:
            if api in ("fn", "invoke"):
                e = self.eid("s"); x = self.rng.randint(-1000, 1000)
                want = {"eid": e, "x": x, "sq": x * x}
                arg = json.dumps({"eid": e, "x": x})
                if api == "fn":
                    cur.execute("SELECT aws_lambda.awslambda_fn('soak_echo', %s)", (arg,))
                    got = json.loads(cur.fetchone()[0])
                else:
                    cur.execute("SELECT status_code, payload FROM aws_lambda.invoke('soak_echo', %s::json)", (arg,))
                    st, got = cur.fetchone()
                    got = got if st == 200 else {"status": st, "payload": got}
                rec.update(out="ok" if got == want else "wrong", got=None if got == want else got, want=want)
            elif api == "many":
                xs = [self.rng.randint(-1000, 1000) for _ in range(4)]
                es = [self.eid("s") for _ in xs]
                cur.execute("SELECT ordinal, status_code, payload, error FROM aws_lambda.invoke_many("
                            "'soak_echo', %s::jsonb[], 4) ORDER BY ordinal",
                            ([json.dumps({"eid": e, "x": x}) for e, x in zip(es, xs)],))
                rows = cur.fetchall()
                outs = []
                for (o, st, pl, err), e, x in zip(rows, es, xs):
                    if err is not None:
                        outs.append(["err", err[:200]])
                    elif pl == {"eid": e, "x": x, "sq": x * x}:
                        outs.append(["ok"])
                    else:
                        outs.append(["wrong", pl])
                if len(rows) != len(xs):
                    outs.append(["wrong", f"{len(rows)} rows for {len(xs)} payloads"])
                rec.update(out="rows", rows=outs)
            else:
                xs = [self.rng.randint(-1000, 1000) for _ in range(6)]
                cur.execute("SELECT ordinal, result FROM aws_lambda.invoke_batch('soak_batch', %s::jsonb[], 2) "
                            "ORDER BY ordinal", ([json.dumps([x]) for x in xs],))
                got = [r[1] for r in cur.fetchall()]
                want = [3 * x + 1 for x in xs]
                rec.update(out="ok" if got == want else "wrong", got=None if got == want else got, want=want)
        except psycopg2.Error as e:
            rec.update(out="err", code=e.pgcode, msg=str(e).strip()[:200])
            self.drop(e)
        except ValueError as e:  # an answer that is not JSON: not the function's
            rec.update(out="wrong", got=repr(e)[:200])
        rec["t1"] = time.time()
        self.ctx.hist.add(**rec)
