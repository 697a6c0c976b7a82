#!/usr/bin/env bash
# Result dumps for comparing two builds of Spine byte for byte: a refactoring
# that should change no answer is run against the dumps of the build before
# it.
#
#   scripts/dump-diff.sh BIN_DIR OUT_DIR [INDEX_BIN_DIR]
#
# BIN_DIR holds the spine-search that answers; INDEX_BIN_DIR (default
# BIN_DIR) the spine-index that builds the indexes.  For example:
#
#   scripts/dump-diff.sh /work/base/build/bin /work/dumps/base
#   SPINE_DUMP_BASE=/work/dumps/base scripts/dump-diff.sh build/bin /work/dumps/new
#
# Inputs, made once into the work dir and reused from then on (delete a file
# to make it again): SMART MED as JSON Lines (benchmarks/med_to_jsonl.py, as
# scripts/eval.sh converts it), 100,000 generated MedQuAD-like articles and
# their own 500 queries (benchmarks/make_corpus.py medquad 100000, as
# scripts/bench.sh's growth section makes them) and the benchmark query file
# (benchmarks/make_queries.py, as scripts/bench.sh makes it: 2,450 queries).
# Comment lines ("# ...") and blank lines of the query files are dropped, so
# each JSON dump has exactly one line per query.
#
# Indexes, built once with INDEX_BIN_DIR/spine-index -q -j JOBS into
# OUT_DIR/index-KEY/{medquad,med,gen100k} (KEY: INDEX_BIN_DIR's absolute path
# with / as _), are reused while the spine-index that built them is the same
# file and -j the same (both kept in spine-index.md5 beside them); another
# spine-index or -j rebuilds them.
#
# Dumps, OUT_DIR/NAME.jsonl, each `spine-search -d INDEX --batch --json -n 100`
# with the queries on standard input (spine-search's JSON has no timings, so
# nothing is stripped):
#
#   medquad          MedQuAD index, benchmark queries
#   medquad-explain  the same with --explain
#   med              SMART MED index, benchmark queries
#   med-own          SMART MED index, MED's own 30 queries
#   gen100k          100k generated index, benchmark queries
#   gen100k-own      100k generated index, its own 500 queries
#   gen100k-own-n10  the same with -n 10 (spine-search's default page,
#                    which impact tiers settle more often than 100 hits)
#
# and OUT_DIR/medquad-text.txt, the text output (`--batch --color=never
# --explain -n 10`, benchmark queries on the MedQuAD index).  On the 100k
# index (50,000 articles or more) spine-search splits costly queries over
# the CPUs and tries impact tiers on queries of one or two common words;
# lazy matching needs a word found in 100,000 articles or more, which no
# query word of the 100k corpus is: SPINE_DUMP_LAZY=1 adds a 200,000-article
# corpus, its index and the dumps gen200k (benchmark queries) and gen200k-own
# (its own 500 queries): on 2 busy cores it took 10 minutes to generate
# and 16 to index (1.5 GB).
#
# Beside each dump: NAME.err (spine-search's standard error) and, in
# STATUS, each run's exit status (0 hits, 1 no hits, 2 some query failed:
# all three are recorded, none stops the script).  MD5SUMS lists the
# md5sum of every dump.  With SPINE_DUMP_BASE set to an earlier OUT_DIR, each
# dump and .err file made here, and their exit statuses, are compared with
# the earlier ones: "identical", or how many lines differ and the first of
# them around its first differing byte; the exit status is then 1 if any
# differs.
#
# Splitting makes a page's hits, order and scores those of one thread, but
# not always its "estimated" count: on the 200k index, --threads 1 against
# the default 2 changed "estimated" (only) for 42 of gen200k-own's 500
# queries.  The default is one thread per CPU, so compare dumps made on
# machines with the same number of CPUs.
#
# Files are written under temporary names and renamed when whole, so that
# whoever reads an OUT_DIR while it is being remade sees whole files.
#
# Environment: SPINE_DUMP_WORK (work dir, default /work/dumps/work),
# SPINE_DUMP_BASE (an earlier OUT_DIR to compare with), SPINE_DUMP_CORPUS
# (MedQuAD, default ../shared/corpus/medquad), SPINE_DUMP_MED (SMART MED,
# default ../shared/eval/med), SPINE_DUMP_JOBS (spine-index -j, default 2:
# an article's docid depends on the number of shards, so both builds must
# index with the same number), SPINE_DUMP_LAZY=1 (the 200k corpus above).
# The 100k corpus and index take minutes on 2 cores: on a shared machine,
# run this under nice.
#
# Exit status: 0 dumps written (and identical to SPINE_DUMP_BASE's), 1 some
# dump differs from SPINE_DUMP_BASE's, 2 error.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    echo "usage: scripts/dump-diff.sh BIN_DIR OUT_DIR [INDEX_BIN_DIR]" >&2
    exit 2
}
die() { echo "dump-diff: $*" >&2; exit 2; }
case ${1:-} in
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
               exit 0 ;;
esac
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi

bin=$(cd "$1" && pwd) || die "no directory $1"
ibin=$(cd "${3:-$1}" && pwd) || die "no directory ${3:-$1}"
[ -x "$bin/spine-search" ] || die "no $bin/spine-search"
[ -x "$ibin/spine-index" ] || die "no $ibin/spine-index"
mkdir -p "$2"
out=$(cd "$2" && pwd)
base=${SPINE_DUMP_BASE:-}
if [ -n "$base" ]; then
    base=$(cd "$base" && pwd) || die "no directory $SPINE_DUMP_BASE"
    [ "$base" != "$out" ] || die "SPINE_DUMP_BASE is OUT_DIR itself"
fi
work=${SPINE_DUMP_WORK:-/work/dumps/work}
mkdir -p "$work"
work=$(cd "$work" && pwd)
jobs=${SPINE_DUMP_JOBS:-2}
lazy=${SPINE_DUMP_LAZY:-0}
corpus=${SPINE_DUMP_CORPUS:-$root/../shared/corpus/medquad}
[ -d "$corpus" ] || die "no MedQuAD at $corpus"
corpus=$(cd "$corpus" && pwd)
med=${SPINE_DUMP_MED:-$root/../shared/eval/med}
[ -e "$med/MED.ALL" ] || die "no SMART MED at $med"
med=$(cd "$med" && pwd)

# step NAME CMD...: runs CMD, then says how long it took.
step() {
    local name=$1 t0 t1
    shift
    echo "== $name" >&2
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    awk -v n="$name" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "   %s: %.1f s\n", n, b - a }' >&2
}

# ---- inputs (work dir, made once) ------------------------------------------

# Each is written under a temporary name and renamed when whole, so an
# interrupted run leaves nothing that a later one would take as made.
make_med() {
    rm -rf "$work/med.tmp"
    python3 "$root/benchmarks/med_to_jsonl.py" --dir "$med" "$work/med.tmp" >&2
    rm -rf "$work/med"
    mv "$work/med.tmp" "$work/med"
}
# make_gen N NAME: N generated articles in NAME.jsonl, 500 queries in
# NAME.jsonl.queries.
make_gen() {
    local t="$work/$2.tmp.jsonl"
    python3 "$root/benchmarks/make_corpus.py" medquad "$1" "$t" \
        --queries "$t.queries" --count 500 >&2
    mv "$t.queries" "$work/$2.jsonl.queries"
    mv "$t" "$work/$2.jsonl"
}
make_queries() {
    python3 "$root/benchmarks/make_queries.py" --corpus "$corpus" \
        "$work/queries.txt.tmp"
    mv "$work/queries.txt.tmp" "$work/queries.txt"
}
# batch_of FILE: FILE's queries as spine-search --batch reads them, one a
# line, no comments or blank lines (written to FILE.batch once).
batch_of() {
    if [ ! -s "$1.batch" ]; then
        grep -v -e '^#' -e '^[[:space:]]*$' "$1" >"$1.batch.tmp" || true
        mv "$1.batch.tmp" "$1.batch"
    fi
}

# (Plain ifs: a function run on the right of || or && runs without set -e.)
if [ ! -s "$work/med/docs.jsonl" ] || [ ! -s "$work/med/queries.tsv" ]; then
    step "convert SMART MED ($med)" make_med
fi
gens=(gen100k)
[ "$lazy" = 0 ] || gens+=(gen200k)
for g in "${gens[@]}"; do
    if [ ! -s "$work/$g.jsonl" ] || [ ! -s "$work/$g.jsonl.queries" ]; then
        step "generate $g corpus" make_gen "${g:3:3}000" "$g"
    fi
    batch_of "$work/$g.jsonl.queries"
done
if [ ! -s "$work/queries.txt" ]; then
    step "benchmark queries" make_queries
fi
if [ ! -s "$work/med/queries.txt" ]; then
    cut -f 2- "$work/med/queries.tsv" >"$work/med/queries.txt.tmp"
    mv "$work/med/queries.txt.tmp" "$work/med/queries.txt"
fi
batch_of "$work/queries.txt"
batch_of "$work/med/queries.txt"

# ---- indexes (OUT_DIR/index-KEY, built once per spine-index) ---------------

idx="$out/index-$(echo "${ibin#/}" | tr / _)"
mkdir -p "$idx"
stamp="$(md5sum <"$ibin/spine-index" | cut -d' ' -f1) -j $jobs"
if [ "$(cat "$idx/spine-index.md5" 2>/dev/null || true)" != "$stamp" ]; then
    rm -rf "$idx/medquad" "$idx/med" "$idx"/gen[0-9]*k
    echo "$stamp" >"$idx/spine-index.md5"
fi
# build NAME SOURCE: indexes SOURCE into $idx/NAME unless already there.
build() {
    if [ -f "$idx/$1/XAPIANDB" ]; then
        echo "== index $1: reused $idx/$1" >&2
        return
    fi
    step "index $1 ($2)" "$ibin/spine-index" -q -j "$jobs" "$idx/$1" "$2" \
        >"$idx/$1.log"
    cat "$idx/$1.log" >&2
}
build medquad "$corpus"
build med "$work/med/docs.jsonl"
for g in "${gens[@]}"; do
    build "$g" "$work/$g.jsonl"
done

# ---- dumps ------------------------------------------------------------------

files=()                    # the dumps written, NAME.EXT
status=""                   # STATUS, "NAME EXIT" lines
# dump NAME.EXT INDEX QUERIES OPTION...: OUT_DIR/NAME.EXT, NAME.err and a
# line of STATUS from `spine-search -d INDEX --batch OPTION... < QUERIES`;
# a .jsonl dump must have one line per query.
dump() {
    local file=$1 index=$2 queries=$3 rc=0 t0 t1 nq nl
    local name=${file%.*}
    shift 3
    echo "== dump $file: spine-search -d $idx/$index --batch $* <" \
         "$queries.batch" >&2
    t0=$(date +%s.%N)
    "$bin/spine-search" -d "$idx/$index" --batch "$@" <"$queries.batch" \
        >"$out/$file.tmp" 2>"$out/$name.err.tmp" || rc=$?
    t1=$(date +%s.%N)
    nq=$(wc -l <"$queries.batch")
    awk -v a="$t0" -v b="$t1" -v q="$nq" -v rc="$rc" \
        'BEGIN { printf "   %d queries, exit %d, %.1f s\n", q, rc, b - a }' >&2
    [ "$rc" -le 1 ] || echo "   (exit $rc: some query failed; see $out/$name.err)" >&2
    case $file in
        *.jsonl)        # one line per query, failed ones included
            nl=$(wc -l <"$out/$file.tmp")
            [ "$nl" = "$nq" ] || die "$file: $nl lines for $nq queries" ;;
        *)              # a failed query prints no "# query" line
            nl=$(grep -c '^# ' "$out/$file.tmp" || true)
            [ "$nl" -ge "$nq" ] ||
                echo "   ($nl '# query' lines for $nq queries)" >&2 ;;
    esac
    mv "$out/$file.tmp" "$out/$file"
    mv "$out/$name.err.tmp" "$out/$name.err"
    status+="$name $rc"$'\n'
    files+=("$file")
}
json=(--json -n 100)
dump medquad.jsonl medquad "$work/queries.txt" "${json[@]}"
dump medquad-explain.jsonl medquad "$work/queries.txt" "${json[@]}" --explain
dump medquad-text.txt medquad "$work/queries.txt" --color=never --explain -n 10
dump med.jsonl med "$work/queries.txt" "${json[@]}"
dump med-own.jsonl med "$work/med/queries.txt" "${json[@]}"
for g in "${gens[@]}"; do
    dump "$g.jsonl" "$g" "$work/queries.txt" "${json[@]}"
    dump "$g-own.jsonl" "$g" "$work/$g.jsonl.queries" "${json[@]}"
done
dump gen100k-own-n10.jsonl gen100k "$work/gen100k.jsonl.queries" --json -n 10

printf '%s' "$status" >"$out/STATUS.tmp"
mv "$out/STATUS.tmp" "$out/STATUS"
(cd "$out" && md5sum "${files[@]}") >"$out/MD5SUMS.tmp"
mv "$out/MD5SUMS.tmp" "$out/MD5SUMS"
echo "== md5sums ($out)"
cat "$out/MD5SUMS"

# ---- comparison with SPINE_DUMP_BASE ----------------------------------------

# first_diff OLD NEW: how many lines differ, then the first of them around
# its first differing byte (a JSON line is a whole page of hits).
first_diff() {
    python3 - "$1" "$2" <<'EOF'
import itertools, sys
with open(sys.argv[1], "rb") as a, open(sys.argv[2], "rb") as b:
    first, n, na, nb = None, 0, 0, 0
    for i, (x, y) in enumerate(itertools.zip_longest(a, b), 1):
        na += x is not None
        nb += y is not None
        if x != y:
            n += 1
            if first is None:
                first = (i, x or b"", y or b"")
i, x, y = first
c = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]),
         min(len(x), len(y)))
def show(s):
    return s[max(0, c - 150):c + 150].decode("utf-8", "replace").rstrip("\n")
print("   %d of %d/%d lines differ; the first, line %d, at byte %d of it:"
      % (n, na, nb, i, c + 1))
print("   - " + show(x) if x else "   - (no line)")
print("   + " + show(y) if y else "   + (no line)")
EOF
}

[ -n "$base" ] || exit 0
echo "== compared with $base"
differ=0
errs=()
for f in "${files[@]}"; do errs+=("${f%.*}.err"); done
for f in "${files[@]}" "${errs[@]}"; do
    if [ ! -e "$base/$f" ]; then
        echo "$f: not in $base"
        differ=1
    elif cmp -s "$base/$f" "$out/$f"; then
        echo "$f: identical"
    else
        differ=1
        echo "$f: DIFFERS"
        first_diff "$base/$f" "$out/$f"
    fi
done
# Exit statuses of the dumps made here (the earlier run may have made more,
# with SPINE_DUMP_LAZY=1).
was=$(awk 'NR == FNR { w[$1]; next } $1 in w' "$out/STATUS" "$base/STATUS" \
      2>/dev/null || true)
if [ "$was" = "$(cat "$out/STATUS")" ]; then
    echo "STATUS: identical"
else
    differ=1
    echo "STATUS: DIFFERS (exit statuses, < $base, > $out)"
    diff <(printf '%s\n' "$was") "$out/STATUS" | sed 's/^/   /' || true
fi
exit "$differ"
