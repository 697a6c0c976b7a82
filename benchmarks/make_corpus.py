#!/usr/bin/env python3
"""make_corpus.py -- writes the growth corpora of the benchmark suite.

Two kinds of JSON Lines corpora (one object per line: id, title, body,
source), each with a query file drawn from the corpus itself:

  medquad N OUT.jsonl   N generated articles that look like MedQuAD to an
                        index: body lengths in words are sampled from the
                        real MedQuAD articles (all questions and answers of a
                        file, the text Spine indexes), words from MedQuAD's
                        unigram frequencies (a sentence ends every 8-24
                        words), a title of 2-5 words from the frequencies of
                        MedQuAD's titles (<Focus>), a source one of MedQuAD's.
                        Ids "g1" ... "gN".  A fixed seed: the same N gives the
                        same file.
  gcide OUT.jsonl       real short documents from a Debian package: the
                        entries of the GNU Collaborative International
                        Dictionary of English (dict-gcide,
                        /usr/share/dictd/gcide.{index,dict.dz}).  id =
                        headword + "@" + offset, title = headword, body = the
                        entry text, source "GCIDE"; an entry several
                        headwords point at is written once (about 126k
                        entries).  --limit N keeps the first N.

Both take --queries QFILE (write COUNT queries drawn with the seed from the
corpus' own titles, lower-cased, punctuation dropped: a query file for
spine-bench-query and spine-bench-peer query) and --count, --seed.

The MedQuAD read for the model is ../shared/corpus/medquad relative to the
repository (--medquad DIR); when missing the script says so and falls back to
the test corpus tests/fixtures/medquad-mini, whose few articles then set the
vocabulary and lengths (fine for a smoke run, not for figures).

Python 3 standard library only.  Spine is free software: GPL-2.0-or-later.
"""
import argparse
import bisect
import gzip
import html
import itertools
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MEDQUAD = os.path.normpath(os.path.join(ROOT, "..", "shared",
                                                "corpus", "medquad"))
FALLBACK_MEDQUAD = os.path.join(ROOT, "tests", "fixtures", "medquad-mini")
GCIDE_DIR = "/usr/share/dictd"

WORD = re.compile(r"[^\W_]+", re.UNICODE)
FOCUS = re.compile(r"<focus>(.*?)</focus>", re.IGNORECASE | re.DOTALL)
TEXT = re.compile(r"<(question|answer)\b[^>]*>(.*?)</\1>",
                  re.IGNORECASE | re.DOTALL)
SOURCE = re.compile(r"<(?:document|diseasefile)\b[^>]*\bsource=\"([^\"]*)\"",
                    re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def log(msg):
    print("make_corpus: " + msg, file=sys.stderr)


def words_of(text):
    return WORD.findall(html.unescape(TAG.sub(" ", text)).lower())


class Model:
    """What the generator samples from, read from MedQuAD."""

    def __init__(self, medquad):
        body_counts, title_counts = {}, {}
        self.lengths, sources = [], set()
        for dirpath, dirnames, filenames in os.walk(medquad):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(".xml"):
                    continue
                with open(os.path.join(dirpath, name), encoding="utf-8",
                          errors="replace") as f:
                    xml = f.read()
                n, answered = 0, False
                for m in TEXT.finditer(xml):
                    ws = words_of(m.group(2))
                    answered |= bool(ws) and m.group(1).lower() == "answer"
                    n += len(ws)
                    for w in ws:
                        body_counts[w] = body_counts.get(w, 0) + 1
                if not answered:
                    continue            # no answer text: Spine skips it too
                self.lengths.append(n)
                for m in FOCUS.finditer(xml):
                    for w in words_of(m.group(1)):
                        title_counts[w] = title_counts.get(w, 0) + 1
                m = SOURCE.search(xml)
                if m:
                    sources.add(m.group(1))
        if not self.lengths:
            raise SystemExit("make_corpus: no MedQuAD article in %s" % medquad)
        self.lengths.sort()
        self.sources = sorted(sources) or ["MedQuAD"]
        self.body = self._table(body_counts)
        self.title = self._table(title_counts or body_counts)
        log("model from %s: %d articles, %d distinct words, median length "
            "%d words" % (medquad, len(self.lengths), len(body_counts),
                          self.lengths[len(self.lengths) // 2]))

    @staticmethod
    def _table(counts):
        # Sorted by word so the table (hence the output) does not depend on
        # dictionary order.
        words = sorted(counts)
        return words, list(itertools.accumulate(counts[w] for w in words))


def sentences(rng, words):
    """Joins words into sentences of 8-24 words, capitalised, with periods,
    so snippets have sentence boundaries to find."""
    out, i = [], 0
    while i < len(words):
        n = rng.randint(8, 24)
        s = words[i:i + n]
        i += n
        out.append(s[0].capitalize() + " " + " ".join(s[1:]) + "."
                   if len(s) > 1 else s[0].capitalize() + ".")
    return " ".join(out)


def gen_medquad(args, out, titles):
    medquad = args.medquad
    if not os.path.isdir(medquad):
        log("no MedQuAD at %s; falling back to the test corpus %s (a "
            "vocabulary fit for a smoke run only)" % (medquad,
                                                      FALLBACK_MEDQUAD))
        medquad = FALLBACK_MEDQUAD
    model = Model(medquad)
    rng = random.Random(args.seed)
    bw, bcum = model.body
    tw, tcum = model.title
    for i in range(1, args.n + 1):
        length = rng.choice(model.lengths)
        body = rng.choices(bw, cum_weights=bcum, k=length)
        title = rng.choices(tw, cum_weights=tcum, k=rng.randint(2, 5))
        title = " ".join(w.capitalize() for w in title)
        titles.append(title)
        out.write(json.dumps({"id": "g%d" % i, "title": title,
                              "source": rng.choice(model.sources),
                              "body": sentences(rng, body)},
                             ensure_ascii=False) + "\n")


B64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def b64num(s):
    """dictd's index numbers: base 64 digits, most significant first."""
    n = 0
    for c in s:
        n = n * 64 + B64[c]
    return n


def gen_gcide(args, out, titles):
    index = os.path.join(args.gcide_dir, "gcide.index")
    data = os.path.join(args.gcide_dir, "gcide.dict.dz")
    if not (os.path.exists(index) and os.path.exists(data)):
        raise SystemExit("make_corpus: no %s or %s (apt-get install "
                         "dict-gcide)" % (index, data))
    # A dictzip file is a gzip file with a random-access table in its
    # header's extra field: plain gzip reads it whole (about 40 MB).
    with gzip.open(data, "rb") as f:
        text = f.read()
    seen, n = set(), 0
    with open(index, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-") or \
               parts[0].startswith("00database"):
                continue            # dictd's metadata entries
            head, off, ln = parts[0], b64num(parts[1]), b64num(parts[2])
            # Several headwords may point at one entry: index it once.
            if off in seen or ln == 0:
                continue
            seen.add(off)
            body = text[off:off + ln].decode("utf-8", "replace").strip()
            if not body:
                continue
            titles.append(head)
            out.write(json.dumps({"id": "%s@%d" % (head, off), "title": head,
                                  "source": "GCIDE", "body": body},
                                 ensure_ascii=False) + "\n")
            n += 1
            if args.limit and n >= args.limit:
                break
    log("gcide: %d entries" % n)


def write_queries(path, titles, count, seed):
    rng = random.Random(seed)
    qs = []
    for t in titles:
        q = " ".join(WORD.findall(t.lower())[:8])
        if q:
            qs.append(q)
    qs = sorted(set(qs))
    picked = rng.sample(qs, min(count, len(qs)))
    with open(path, "w", encoding="utf-8") as f:
        f.write("# growth queries: seed %d, %d from the corpus' titles\n"
                % (seed, len(picked)))
        for q in picked:
            f.write(q + "\n")
    log("%d queries in %s" % (len(picked), path))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--queries", help="also write a query file here")
    common.add_argument("--count", type=int, default=1000,
                        help="queries in the query file (default 1000)")
    common.add_argument("--seed", type=int, default=20240517)
    m = sub.add_parser("medquad", parents=[common],
                       help="N generated MedQuAD-like articles")
    m.add_argument("n", type=int)
    m.add_argument("out")
    m.add_argument("--medquad", default=DEFAULT_MEDQUAD)
    g = sub.add_parser("gcide", parents=[common],
                       help="dict-gcide entries as articles")
    g.add_argument("out")
    g.add_argument("--limit", type=int, default=0)
    g.add_argument("--gcide-dir", default=GCIDE_DIR)
    args = ap.parse_args()

    titles = []
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        if args.kind == "medquad":
            gen_medquad(args, out, titles)
        else:
            gen_gcide(args, out, titles)
    os.replace(tmp, args.out)     # a killed run leaves no half corpus behind
    log("wrote %d articles to %s (%d bytes)"
        % (len(titles), args.out, os.path.getsize(args.out)))
    if args.queries:
        write_queries(args.queries, titles, args.count, args.seed)


if __name__ == "__main__":
    main()
