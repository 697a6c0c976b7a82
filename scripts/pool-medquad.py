#!/usr/bin/env python3
"""Judging pools for the MedQuAD lay queries (benchmarks/MEDQUAD-JUDGMENTS.md).

    scripts/pool-medquad.py pool --patterns FILE --queries TSV [--depth 20]
                                 [--qrels FILE] RUN...
    scripts/pool-medquad.py show ID...

"pool" prints, for each query named in the patterns file, the union of
  - the top DEPTH articles of each RUN (trec run files: qid Q0 id rank score tag),
  - every article whose <Focus> title matches the query's title pattern,
  - every article whose answer text matches the query's text pattern, if any,
one line per article: qid, id, where it came from (r = a run, t = title
pattern, x = text pattern), the grade already in --qrels if any ("-" if
unjudged), the focus title and the start of the answer text.  Articles
without any answer text are left out: Spine's MedQuAD reader skips them, so
no engine can return them.

The patterns file has one query a line: qid<TAB>title-regex[<TAB>text-regex],
Python regular expressions matched case-insensitively; "#" starts a comment.

"show" prints the same description of single articles.

Ids are those of Spine's runs: <folder>/<file name without .xml>.  The corpus
is read from $SPINE_EVAL_MEDQUAD (default ../shared/corpus/medquad from the
repository root), folders 1_ to 9_ only.
"""
import os
import re
import sys
import glob
import argparse
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus_dir():
    return os.environ.get("SPINE_EVAL_MEDQUAD",
                          os.path.join(ROOT, "..", "shared", "corpus", "medquad"))


def load_catalog():
    """Map id -> (focus title, source, answer text) for articles with answers."""
    cat = {}
    for path in sorted(glob.glob(os.path.join(corpus_dir(), "[1-9]_*", "*.xml"))):
        folder = os.path.basename(os.path.dirname(path))
        aid = folder + "/" + os.path.basename(path)[:-4]
        try:
            doc = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        focus = (doc.findtext("Focus") or "").strip()
        answers = [(a.text or "").strip() for a in doc.iter("Answer")]
        text = " ".join(a for a in answers if a)
        if not text:
            continue
        cat[aid] = (focus, doc.get("source", ""), re.sub(r"\s+", " ", text))
    return cat


def describe(aid, cat, width=300):
    focus, source, text = cat.get(aid, ("?", "?", ""))
    return "%s [%s] | %s" % (focus, source, text[:width])


def read_qrels(path):
    grades = {}
    if path:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 4:
                    grades[(p[0], p[2])] = p[3]
    return grades


def read_patterns(path):
    pats = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            p = line.split("\t")
            title = re.compile(p[1], re.I) if len(p) > 1 and p[1] else None
            text = re.compile(p[2], re.I) if len(p) > 2 and p[2] else None
            pats.append((p[0], title, text))
    return pats


def cmd_pool(args):
    cat = load_catalog()
    grades = read_qrels(args.qrels)
    queries = {}
    with open(args.queries) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 2:
                queries[p[0]] = p[1]
    top = {}                      # qid -> ordered {id: sources}
    for run in args.runs:
        with open(run) as f:
            for line in f:
                p = line.split()
                if len(p) >= 4 and int(p[3]) <= args.depth:
                    top.setdefault(p[0], {}).setdefault(p[2], set()).add("r")
    sizes = []
    for qid, title, text in read_patterns(args.patterns):
        pool = {k: set(v) for k, v in top.get(qid, {}).items()}
        for aid, (focus, _src, body) in cat.items():
            if title and title.search(focus):
                pool.setdefault(aid, set()).add("t")
            if text and text.search(body):
                pool.setdefault(aid, set()).add("x")
        print("## %s %s (%d)" % (qid, queries.get(qid, "?"), len(pool)))
        for aid in sorted(pool):
            print("%s %s %s %s %s" % (qid, aid, "".join(sorted(pool[aid])),
                                      grades.get((qid, aid), "-"),
                                      describe(aid, cat, args.width)))
        sizes.append((qid, len(pool)))
    print("# pool sizes: " + " ".join("%s=%d" % s for s in sizes)
          + " total=%d" % sum(n for _q, n in sizes), file=sys.stderr)


def cmd_show(args):
    cat = load_catalog()
    for aid in args.ids:
        print(aid, describe(aid, cat, args.width))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--patterns", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--qrels")
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--width", type=int, default=300)
    p.add_argument("runs", nargs="+")
    p.set_defaults(func=cmd_pool)
    s = sub.add_parser("show")
    s.add_argument("--width", type=int, default=300)
    s.add_argument("ids", nargs="+")
    s.set_defaults(func=cmd_show)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
