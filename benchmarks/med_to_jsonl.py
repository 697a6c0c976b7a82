#!/usr/bin/env python3
"""med_to_jsonl.py -- converts a SMART collection (MED by default: MED.ALL,
MED.QRY, MED.REL from ../shared/eval/med) into what Spine's tools read:

  OUT/docs.jsonl    one JSON object per document for spine-index and
                    spine-bench-peer: "id" = the .I number (a string),
                    "body" = the .W text with its lines joined, "title" =
                    the first sentence when it is short (MED's first
                    sentence is the article title), else no title
  OUT/queries.tsv   "qid<TAB>query text", one query per line
  OUT/qrels.txt     TREC qrels "qid 0 docid rel" (the REL file's third
                    column is the relevance; CRLF line ends are accepted)

usage: benchmarks/med_to_jsonl.py [--dir DIR] [--name MED] OUT

Python 3 standard library only.  Spine is free software: GPL-2.0-or-later.
"""
import argparse
import json
import os
import re
import sys

TITLE_MAX = 300      # bytes; a longer "first sentence" is no title


def read_smart(path):
    """Yields (id, {field letter: text}) for each .I record of a SMART
    file.  Lines are joined with single spaces and blanks are folded."""
    rec_id, fields, cur = None, {}, None
    with open(path, encoding="utf-8", errors="replace", newline=None) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            m = re.match(r"^\.([A-Z])\b\s*(.*)$", line)
            if m and m.group(1) == "I":
                if rec_id is not None:
                    yield rec_id, finish(fields)
                rec_id, fields, cur = m.group(2).strip(), {}, None
                if not rec_id:
                    sys.exit("%s:%d: .I without a number" % (path, lineno))
            elif m:
                cur = m.group(1)
                fields.setdefault(cur, [])
                if m.group(2).strip():
                    fields[cur].append(m.group(2))
            elif rec_id is None:
                if line.strip():
                    sys.exit("%s:%d: text before the first .I" %
                             (path, lineno))
            elif cur is not None:
                fields[cur].append(line)
    if rec_id is not None:
        yield rec_id, finish(fields)


def finish(fields):
    return {k: " ".join(" ".join(v).split()) for k, v in fields.items()}


def first_sentence(text):
    # MED ends sentences with " ." (tokenised text); plain ". " too.
    m = re.match(r"^(.+?[.?!])(?:\s|$)", text)
    if not m or len(m.group(1).encode()) > TITLE_MAX:
        return ""
    title = m.group(1)
    if title.endswith(" ."):
        title = title[:-2].rstrip()
    return title


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=os.path.join(here, "..", "..", "shared",
                                                  "eval", "med"),
                    help="directory of the SMART files (default "
                         "../shared/eval/med)")
    ap.add_argument("--name", default="MED",
                    help="file stem: NAME.ALL, NAME.QRY, NAME.REL")
    ap.add_argument("out", help="output directory (created)")
    a = ap.parse_args()

    stem = os.path.join(a.dir, a.name)
    os.makedirs(a.out, exist_ok=True)

    ndocs = 0
    with open(os.path.join(a.out, "docs.jsonl"), "w", encoding="utf-8") as o:
        for rid, f in read_smart(stem + ".ALL"):
            body = " ".join(x for x in (f.get("T", ""), f.get("W", ""))
                            if x)
            if not body:
                print("%s.ALL: document %s has no text, skipped" %
                      (stem, rid), file=sys.stderr)
                continue
            rec = {"id": rid, "body": body}
            title = f.get("T") or first_sentence(f.get("W", ""))
            if title:
                rec["title"] = title
            o.write(json.dumps(rec, ensure_ascii=False) + "\n")
            ndocs += 1

    nq = 0
    with open(os.path.join(a.out, "queries.tsv"), "w", encoding="utf-8") as o:
        for rid, f in read_smart(stem + ".QRY"):
            text = f.get("W", "") or f.get("T", "")
            if not text:
                sys.exit("%s.QRY: query %s has no text" % (stem, rid))
            o.write("%s\t%s\n" % (rid, text))
            nq += 1

    njudged = 0
    seen = set()
    with open(stem + ".REL", encoding="utf-8", newline=None) as f, \
            open(os.path.join(a.out, "qrels.txt"), "w") as o:
        for lineno, line in enumerate(f, 1):
            cols = line.split()
            if not cols:
                continue
            if len(cols) == 3:           # MED.REL: qid docid rel
                qid, doc, rel = cols
            elif len(cols) == 4 and cols[3].replace(".", "").isdigit() \
                    and "." in cols[3]:  # ADI.REL style: qid docid 0 0.0
                qid, doc, rel = cols[0], cols[1], "1"
            elif len(cols) == 4:         # already TREC: qid iter docid rel
                qid, doc, rel = cols[0], cols[2], cols[3]
            else:
                sys.exit("%s.REL:%d: expected 3 or 4 columns" %
                         (stem, lineno))
            if not re.fullmatch(r"-?\d+", rel):
                sys.exit("%s.REL:%d: relevance %r is not an integer" %
                         (stem, lineno, rel))
            if (qid, doc) in seen:
                continue
            seen.add((qid, doc))
            o.write("%s 0 %s %s\n" % (qid, doc, rel))
            njudged += 1

    print("%s: %d documents, %d queries, %d judgments -> %s" %
          (a.name, ndocs, nq, njudged, a.out))


if __name__ == "__main__":
    main()
