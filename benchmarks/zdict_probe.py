#!/usr/bin/env python3
# zdict_probe.py -- how much would a preset zlib dictionary shrink Spine's
# stored text?  A measurement for issue 3's "preset dictionary" lever, not
# part of Spine: it compresses each MedQuAD article's questions and answers
# the way libspine/store.c does (zlib level 6, one stream an article), then
# again with a 32 KB dictionary built from a sample of the corpus, and
# prints the totals.
#
#   benchmarks/zdict_probe.py [MEDQUAD_DIR]     (default ../shared/corpus/medquad)
#
# Two samples are tried: the first 2 MB of text in corpus order (all that a
# one-pass indexer has seen when it must start compressing) and every n-th
# article across the whole corpus (what a second pass would give).  The
# dictionary is the sample's repeated sentences, the most valuable last
# (zlib reaches the end of a dictionary with the shortest distances).
#
# Only <Document> files' <Question>/<Answer> text is read; the two rarer
# MedQuAD dialects that spine-index also reads are left out.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
import collections
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET
import zlib

DICT_BYTES = 32768
LEVEL = 6


def article_texts(root):
    for path in sorted(glob.glob(os.path.join(root, "[1-9]_*", "*.xml"))):
        try:
            doc = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        parts = []
        for pair in doc.iter("QAPair"):
            q, a = pair.findtext("Question") or "", pair.findtext("Answer") or ""
            if a.strip():
                parts.append(q + "\n" + a)
        if parts:
            yield "\n\n".join(parts).encode()


def build_dict(sample):
    count = collections.Counter()
    for text in sample:
        for s in re.split(rb"(?<=[.?!])\s+|\n", text):
            if len(s) > 20:
                count[s] += 1
    # Worth of a sentence: the bytes its repeats would save.
    best = sorted((s for s, c in count.items() if c > 1),
                  key=lambda s: (count[s] - 1) * len(s))
    return b" ".join(best)[-DICT_BYTES:]


def compressed(texts, zdict=None):
    total = 0
    for t in texts:
        c = zlib.compressobj(LEVEL, zdict=zdict) if zdict else \
            zlib.compressobj(LEVEL)
        total += len(c.compress(t) + c.flush())
    return total


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "corpus", "medquad")
    texts = list(article_texts(root))
    if not texts:
        sys.exit("zdict_probe: no MedQuAD articles under %s" % root)
    raw = sum(map(len, texts))
    base = compressed(texts)
    print("articles %d, text %d bytes, zlib %d bytes" % (len(texts), raw, base))
    first, n = [], 0
    for t in texts:
        if n >= 2 << 20:
            break
        first.append(t)
        n += len(t)
    spread = texts[::max(1, len(texts) // 500)]
    for name, sample in (("first 2 MB", first), ("every n-th, 500", spread)):
        size = compressed(texts, build_dict(sample))
        print("dictionary from %-16s %d bytes (%.1f%% smaller)"
              % (name + ":", size, 100.0 * (base - size) / base))


if __name__ == "__main__":
    main()
