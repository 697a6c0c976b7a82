#!/usr/bin/env python3
"""make-synonyms.py -- a synonym file for spine-index --synonyms, grown from
packaged sources of lay and clinical names, read when an index is built
(nothing they hold is copied into this repository).

    scripts/make-synonyms.py [--hand FILE] [--medlineplus DIR]
                             [--wordnet DIR] [--out FILE]

  --hand FILE         the hand-written list, copied first and unchanged
                      (default corpus/synonyms.txt)
  --medlineplus DIR   a MedQuAD folder of MedlinePlus health topics
                      (4_MPlus_Health_Topics_QA): each topic's "also
                      called" names (<Synonyms><Synonym>) become one-way
                      synonyms of its title (<Focus>): "hba1c: a1c"
  --wordnet DIR       WordNet's database (Debian's wordnet-base:
                      /usr/share/wordnet): the noun synsets under disease,
                      illness, disorder, symptom, injury and pain become
                      groups of equivalents: "hypertension, high blood
                      pressure"
  --out FILE          where to write (default standard output)

  --english FILE      a hunspell dictionary of everyday English (default
                      /usr/share/hunspell/en_US.dic, hunspell-en-us): one-word
                      names in it ("stool", "hurt") are no synonyms

Names that the synonym file cannot hold (other than letters, digits,
spaces and hyphens, which become spaces) or that are longer than four
words are skipped, as are one-letter ones.  The output is the input of
spine-index --synonyms; every line says where it came from.

Spine is free software: GPL-2.0-or-later.  WordNet is under the WordNet
3.0 licence (Princeton University), MedQuAD under CC BY 4.0: both are read
here, not redistributed.
"""
import argparse
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

MAX_WORDS = 4
# WordNet roots of the medical noun synsets, each named by lemmas it
# holds: ill health (illness, disease, injury ...), the physical disorder
# ("disorder, upset": not the social one) and symptom (pain ...).
ROOTS = [{"ill_health"}, {"disorder", "upset"}, {"symptom"}]


def phrase(name):
    """The name as a phrase the synonym file holds, or None."""
    s = name.strip().lower().replace("-", " ").replace("_", " ")
    if not re.fullmatch(r"[a-z0-9 ]+", s):
        return None
    words = s.split()
    if not words or len(words) > MAX_WORDS or len("".join(words)) < 2:
        return None
    return " ".join(words)


def stopwords():
    """The words queries drop (corpus/stopwords.txt): never a key."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "corpus", "stopwords.txt")
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            words.update(line.split("#")[0].lower().split())
    return words


def english_words(path):
    """The words of a hunspell dictionary (Debian's hunspell-en-us:
    /usr/share/hunspell/en_US.dic), lower-cased, or an empty set."""
    words = set()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            next(f, None)                       # the word count
            for line in f:
                words.add(line.split("/")[0].strip().lower())
    except OSError:
        pass
    return words


def plain_english(p, english):
    """Is phrase p one everyday English word ("stool", "hurt")?  As a key
    it would turn every query that uses the word towards the synonym."""
    return " " not in p and p in english


def medlineplus(folder, english):
    """One-way lines "also called: title" from the health topics.  An
    abbreviation ("ALL", "AML": capitals, at most five letters) is no key:
    as a typed word it is mostly something else ("all")."""
    stop = stopwords()
    lines = []
    for path in sorted(glob.glob(os.path.join(folder, "*.xml"))):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        focus = phrase(root.findtext("Focus") or "")
        if not focus:
            continue
        for syn in root.iter("Synonym"):
            text = (syn.text or "").strip()
            if text.isupper() and len(text) <= 5:
                continue
            p = phrase(text)
            if (p and p != focus and p not in stop
                    and not plain_english(p, english)):
                lines.append("%s: %s" % (p, focus))
    return lines


def wordnet(folder, english):
    """Groups of equivalents from WordNet's medical noun synsets (below
    ill health, the physical disorder and symptom, not the roots
    themselves)."""
    synsets = {}            # offset -> (lex file, [lemmas], [hypernyms])
    with open(os.path.join(folder, "data.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue                        # the licence header
            fields = line.split(" | ")[0].split()
            offset, lex = fields[0], int(fields[1])
            n = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i] for i in range(n)]
            at = 4 + 2 * n
            p = int(fields[at])
            hyper = [fields[at + 1 + 4 * i + 1] for i in range(p)
                     if fields[at + 1 + 4 * i] in ("@", "@i")]
            synsets[offset] = (lex, lemmas, hyper)
    roots = {o for o, (lex, lemmas, _) in synsets.items()
             if any(r <= {l.lower() for l in lemmas} for r in ROOTS)}
    medical = {}

    def is_medical(o, depth=0):
        if o in medical:
            return medical[o]
        medical[o] = False                      # no cycles
        ok = o in roots or (depth < 30 and any(
            is_medical(h, depth + 1) for h in synsets.get(o, (0, [], []))[2]))
        medical[o] = ok
        return ok

    stop = stopwords()
    lines = []
    for o in sorted(synsets):
        lex, lemmas, _ = synsets[o]
        if o in roots or not is_medical(o):
            continue
        group = []
        for l in lemmas:
            l = re.sub(r"\(.*\)$", "", l)
            # Abbreviations ("ADD", "ED") and short words ("ill") are
            # mostly something else as typed words.
            if (l.isupper() and len(l) <= 5) or len(l) < 4:
                continue
            p = phrase(l)
            if (p and p not in group and p not in stop
                    and not plain_english(p, english)):
                group.append(p)
        if len(group) >= 2:
            lines.append(", ".join(group))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hand", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "corpus",
        "synonyms.txt"))
    ap.add_argument("--medlineplus")
    ap.add_argument("--wordnet")
    ap.add_argument("--english", default="/usr/share/hunspell/en_US.dic")
    ap.add_argument("--out")
    a = ap.parse_args()
    english = english_words(a.english)
    out = []
    with open(a.hand, encoding="utf-8") as f:
        out.append("# ---- by hand (%s)\n" % a.hand)
        out.append(f.read())
    if a.medlineplus:
        lines = medlineplus(a.medlineplus, english)
        out.append("\n# ---- MedlinePlus \"also called\" names (%s): %d\n"
                   % (a.medlineplus, len(lines)))
        out.extend(l + "\n" for l in lines)
    if a.wordnet:
        lines = wordnet(a.wordnet, english)
        out.append("\n# ---- WordNet medical synsets (%s): %d\n"
                   % (a.wordnet, len(lines)))
        out.extend(l + "\n" for l in lines)
    text = "".join(out)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
