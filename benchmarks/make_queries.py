#!/usr/bin/env python3
"""make_queries.py -- writes the benchmark query file, reproducibly.

Queries come from MedQuAD itself: article titles (<Focus>) and questions
(<Question>), lower-cased, stripped of punctuation and of question
boilerplate ("what", "is", "are", "the", ...), plus a fixed list of short
head queries ("back pain", "kidney stones", ...).  A fixed seed picks and
orders them, so every run of the suite asks the same queries in the same
order.  Python 3 standard library only.

    benchmarks/make_queries.py [--corpus DIR] [--count N] [--seed S] [OUT]

The default corpus is ../shared/corpus/medquad relative to the repository.
When it is missing the script says so and falls back to the test corpus
(tests/fixtures/medquad-mini); the file then holds fewer queries.

Spine is free software: GPL-2.0-or-later (see LICENSE).
"""
import argparse
import html
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared",
                                               "corpus", "medquad"))
FALLBACK_CORPUS = os.path.join(ROOT, "tests", "fixtures", "medquad-mini")

# Short, frequent queries of the kind a search box mostly receives.
HEAD_QUERIES = """
back pain
kidney stones
osteoporosis
diabetes
high blood pressure
heart attack
stroke
asthma
breast cancer
prostate cancer
lung cancer
depression
anxiety
migraine
arthritis
flu
pneumonia
hepatitis c
hiv
alzheimer disease
parkinson disease
multiple sclerosis
epilepsy
obesity
anemia
thyroid
celiac disease
crohn disease
heartburn
gallstones
urinary tract infection
sleep apnea
insomnia
skin rash
eczema
psoriasis
glaucoma
cataract
hearing loss
autism
down syndrome
cystic fibrosis
sickle cell anemia
lupus
shingles
chickenpox
measles
vitamin d
folic acid
ginkgo
""".split("\n")

# Words that only dress a question ("What are the symptoms of X ?").
BOILERPLATE = set("""
what is are the a an of to for do does did how can could i who whom should
be there in on with about my me you your it its this these those and or not
why when which where need needs know get has have having was were will would
may might by from as at if any some more most much many information
""".split())

WORD = re.compile(r"[^\W_]+", re.UNICODE)
FOCUS = re.compile(r"<focus>(.*?)</focus>", re.IGNORECASE | re.DOTALL)
QUESTION = re.compile(r"<question\b[^>]*>(.*?)</question>",
                      re.IGNORECASE | re.DOTALL)
MAX_WORDS = 8


def normalize(text):
    """Lower-cased words without punctuation or boilerplate."""
    words = [w for w in WORD.findall(html.unescape(text).lower())
             if w not in BOILERPLATE]
    return " ".join(words[:MAX_WORDS])


def read_corpus(corpus):
    """Returns (titles, questions), each a sorted list of distinct queries."""
    titles, questions = set(), set()
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".xml"):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8",
                      errors="replace") as f:
                xml = f.read()
            for m in FOCUS.finditer(xml):
                q = normalize(m.group(1))
                if q:
                    titles.add(q)
            for m in QUESTION.finditer(xml):
                q = normalize(m.group(1))
                if q:
                    questions.add(q)
    return sorted(titles), sorted(questions)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--count", type=int, default=2400,
                    help="queries drawn from the corpus (default 2400)")
    ap.add_argument("--seed", type=int, default=20240503)
    ap.add_argument("out", nargs="?", default="-")
    args = ap.parse_args()

    corpus = args.corpus
    if not os.path.isdir(corpus):
        print("make_queries: no MedQuAD at %s; falling back to the test "
              "corpus %s (fewer queries)" % (corpus, FALLBACK_CORPUS),
              file=sys.stderr)
        corpus = FALLBACK_CORPUS
    titles, questions = read_corpus(corpus)
    rng = random.Random(args.seed)
    half = args.count // 2
    picked = rng.sample(titles, min(half, len(titles)))
    picked += rng.sample(questions, min(args.count - len(picked),
                                        len(questions)))
    picked += [q for q in HEAD_QUERIES if q]
    rng.shuffle(picked)

    out = sys.stdout if args.out == "-" else open(args.out, "w",
                                                  encoding="utf-8")
    out.write("# spine benchmark queries: seed %d, %d from %s titles and "
              "questions, %d head queries\n"
              % (args.seed, len(picked) - len([q for q in HEAD_QUERIES if q]),
                 os.path.basename(os.path.normpath(corpus)),
                 len([q for q in HEAD_QUERIES if q])))
    for q in picked:
        out.write(q + "\n")
    if out is not sys.stdout:
        out.close()
    print("make_queries: %d queries (%d titles, %d questions available)"
          % (len(picked), len(titles), len(questions)), file=sys.stderr)


if __name__ == "__main__":
    main()
