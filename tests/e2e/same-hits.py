#!/usr/bin/env python3
"""same-hits.py A.jsonl B.jsonl -- do two runs of spine-search --batch --json
give the same answers?  Used by shards.sh: one index against a shard set of
the same articles.

Each line is one query's answer.  The spelling suggestion and the hits'
ids, titles and snippets must be equal, and their scores equal to 1e-6
(relative): Xapian sums a hit's term weights in the order of its posting
list tree, which it shapes from each shard's own term frequencies, so a
score may differ in its last bits; and it estimates an OP_SYNONYM's
statistics shard by shard, from each shard's total length, rounding each
estimate to a whole number, so a query with a synonym group ("kidney
failure" on MedQuAD) may score a hit a few parts in ten million apart.
A scoring fault moves scores by far more.  Hits whose scores are that close are
ties, which Xapian orders by docid, and a shard set numbers documents
otherwise than one index: within a run of ties the order may differ, and
in the run cut by the page's end, the ids too (only their number must
match).  Match counts are estimates and are not compared.
"""
import json
import sys

TOL = 1e-6


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def runs(hits):
    """Splits hits into runs of tied scores."""
    out = []
    for h in hits:
        if out and close(out[-1][-1]["score"], h["score"]):
            out[-1].append(h)
        else:
            out.append([h])
    return out


def same(x, y):
    if x.get("error") or y.get("error"):
        return x.get("error") == y.get("error"), "error"
    if x.get("corrected") != y.get("corrected"):
        return False, "corrected %r vs %r" % (x.get("corrected"),
                                              y.get("corrected"))
    hx, hy = x.get("hits", []), y.get("hits", [])
    if len(hx) != len(hy):
        return False, "%d hits vs %d" % (len(hx), len(hy))
    for i, (a, b) in enumerate(zip(hx, hy)):
        if not close(a["score"], b["score"]):
            return False, "rank %d: score %r vs %r" % (i + 1, a["score"],
                                                      b["score"])
    rx, ry = runs(hx), runs(hy)
    if [len(r) for r in rx] != [len(r) for r in ry]:
        return False, "ties differ"
    for k, (a, b) in enumerate(zip(rx, ry)):
        if k == len(rx) - 1:
            break                       # cut by the page: ids may differ
        key = lambda h: (h["id"], h["title"], h["snippet"])
        if sorted(map(key, a)) != sorted(map(key, b)):
            return False, "hits at score %r differ" % a[0]["score"]
    return True, ""


def main():
    a = open(sys.argv[1]).read().splitlines()
    b = open(sys.argv[2]).read().splitlines()
    if len(a) != len(b):
        print("same-hits: %d answers vs %d" % (len(a), len(b)))
        return 1
    bad = 0
    for la, lb in zip(a, b):
        x, y = json.loads(la), json.loads(lb)
        ok, why = same(x, y)
        if not ok:
            bad += 1
            if bad <= 10:
                print("same-hits: %r: %s" % (x.get("query"), why))
    print("same-hits: %d queries, %d differ" % (len(a), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
