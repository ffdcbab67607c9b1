"""soak/order.py — the ledger's rule for ordered keys (docs/postgres.md,
"Ordered delivery"): an entry is sent only after every earlier entry of its
key is settled. Seen at the proxy, in the order requests arrived there:
within one request (a batch) a key's events ascend in commit order, and no
request carries an event that ranks below the lowest of an earlier request
of its key (a retry of the head, or of the same batch, ranks equal).

violations(requests, order) -> list of reasons, where requests are the
proxy's log records of the ordered function (each with "ta" and "eids") and
order maps each key to its committed event ids in commit order.
`python3 order.py` checks the rule itself on made-up histories (run by
t_broken.sh: the rule must flag a reordering and pass a legal history)."""


def violations(requests, order):
    rank, key_of = {}, {}
    for k, eids in order.items():
        for i, e in enumerate(eids):
            rank[e], key_of[e] = i, k
    low = {}  # key -> (lowest rank of the last request seen, that request)
    out = []
    for r in sorted(requests, key=lambda r: r["ta"]):
        by_key = {}
        for e in r["eids"]:
            if e in rank:
                by_key.setdefault(key_of[e], []).append(rank[e])
        for k, rs in by_key.items():
            names = [order[k][i] for i in rs]
            if rs != sorted(set(rs)):
                out.append(f"key {k}: one request at {r['ta']:.3f} carries {names} out of commit order")
            prev = low.get(k)
            if prev and min(rs) < prev[0]:
                out.append(f"key {k}: {order[k][min(rs)]} sent at {r['ta']:.3f}, after "
                           f"{order[k][prev[0]]} (later in commit order) at {prev[1]['ta']:.3f}")
            low[k] = (min(rs), r)
    return out


def selftest():
    order = {"k0": ["a", "b", "c", "d", "e"], "k1": ["x", "y"]}
    req = lambda t, *e: {"ta": t, "eids": list(e)}
    legal = [req(1, "a"), req(2, "x"), req(3, "a"), req(4, "b", "c"), req(5, "y"), req(6, "b", "c"), req(7, "e")]
    cases = [
        ("a legal history (retries, a batch, a gap, two keys)", legal, 0),
        ("a later entry sent before an earlier one", [req(1, "b"), req(2, "a")], 1),
        ("an earlier entry sent again after a later one", [req(1, "a"), req(2, "b"), req(3, "a")], 1),
        ("a batch out of commit order", [req(1, "c", "b")], 1),
        ("reordering on one key only", [req(1, "x"), req(2, "b"), req(3, "a"), req(4, "y")], 1),
    ]
    bad = 0
    for name, reqs, want in cases:
        got = violations(reqs, order)
        good = (len(got) > 0) == (want > 0)
        print(("ok - " if good else "not ok - ") + f"order rule: {name}: {len(got)} violations")
        bad += not good
    return bad


if __name__ == "__main__":
    raise SystemExit(1 if selftest() else 0)
