#!/usr/bin/env bash
# Spine's ranking quality on lay health queries: Spine, SQLite FTS5 and
# stock Xapian on the MedQuAD corpus with the project's own query set
# (benchmarks/medquad-queries.tsv) and graded judgments
# (benchmarks/medquad-qrels.txt; how they were made:
# benchmarks/MEDQUAD-JUDGMENTS.md), scored with spine-eval in one run.
#
#   scripts/eval-medquad.sh             writes benchmarks/EFFECTIVENESS-MEDQUAD.md
#   scripts/eval-medquad.sh --out FILE  writes the section to FILE instead
#   scripts/eval-medquad.sh --build DIR reuses a build directory that has
#                                       -DSPINE_BENCHMARKS=ON (bench.sh does)
#
# Environment: SPINE_EVAL_MEDQUAD (default ../shared/corpus/medquad).
# Without the corpus the script says so and exits 0 (nothing to measure).
#
# Builds Release into build-eval/ (warnings are errors) unless --build is
# given, indexes the MedQuAD folders with spine-index and both peers
# (spine-bench-peer index fts5|xapian, which read them through libspine's
# corpus readers, so all three index the same articles), runs the queries
# top-1000 with OR semantics through each engine (spine-eval --run-spine
# with and without --expand, spine-bench-peer run), scores the four runs
# (spine-eval: MAP, nDCG@10, P@10, R@100, MRR as trec_eval -c computes
# them) and prints "## Ranking quality (MedQuAD, own judgments)".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

prog=eval-medquad
. "$root/scripts/eval-common.sh"
eval_options "$root/benchmarks/EFFECTIVENESS-MEDQUAD.md" 2,23 "$@"

corpus="${SPINE_EVAL_MEDQUAD:-$root/../shared/corpus/medquad}"
if [ ! -d "$corpus" ]; then
    echo "eval-medquad: no MedQuAD corpus at $corpus; skipped" \
         "(set SPINE_EVAL_MEDQUAD)" >&2
    exit 0
fi
corpus=$(cd "$corpus" && pwd)
# The folders with answers; 10_, 11_ and 12_ hold questions only (the
# readers would skip every article in them anyway).
sources=()
for d in "$corpus"/[1-9]_*/; do
    [ -d "$d" ] && sources+=("${d%/}")
done
if [ ${#sources[@]} -eq 0 ]; then
    echo "eval-medquad: no MedQuAD folders (1_... to 9_...) in $corpus; skipped" >&2
    exit 0
fi

queries="$root/benchmarks/medquad-queries.tsv"
qrels="$root/benchmarks/medquad-qrels.txt"
for f in "$queries" "$qrels"; do
    [ -r "$f" ] || { echo "eval-medquad: $f missing" >&2; exit 2; }
done
# Queries typed with a spelling mistake (see medquad-queries.tsv): only
# Spine's runs with --spelling correct them.
typos="m02 m03 m04 m31 m32"

commit=$(eval_commit)
eval_build

work="$build/eval-medquad"
rm -rf "$work"
mkdir -p "$work"
t0=$(date +%s)

echo "== index (${#sources[@]} MedQuAD folders)" >&2
"$bin/spine-index" -q "$work/spine" "${sources[@]}" >"$work/spine.index.log"
"$bin/spine-bench-peer" index fts5 "$work/fts5.db" "${sources[@]}" \
    >"$work/fts5.index.log"
"$bin/spine-bench-peer" index xapian "$work/xapian" "${sources[@]}" \
    >"$work/xapian.index.log"
articles=$(sed -n 's/^RESULT .*articles=\([0-9]*\).*/\1/p' "$work/fts5.index.log")

echo "== run (top 1000, OR)" >&2
# Spine as spine-search answers (spelling correction on), with --expand,
# and without spelling correction (the words as typed, like the peers).
"$bin/spine-eval" --run-spine "$work/spine" "$queries" --k 1000 \
    --spelling >"$work/spine.run"
"$bin/spine-eval" --run-spine "$work/spine" "$queries" --k 1000 \
    --spelling --expand >"$work/spinex.run"
"$bin/spine-eval" --run-spine "$work/spine" "$queries" --k 1000 \
    >"$work/spinens.run"
"$bin/spine-bench-peer" run fts5 "$work/fts5.db" "$queries" --k 1000 \
    >"$work/fts5.run"
"$bin/spine-bench-peer" run xapian "$work/xapian" "$queries" --k 1000 \
    >"$work/xapian.run"

echo "== score" >&2
declare -A M           # M[engine,key] = value from spine-eval's RESULT line
declare -A T           # T[engine,ndcg10|mrr] = mean over the typo queries
eval_score "$qrels" "$work" spine spinex spinens fts5 xapian
for e in spine spinex spinens fts5 xapian; do
    # Per-query rows: qid rel ret relret AP nDCG@10 P@10 R@100 RR.
    read -r "T[$e,ndcg10]" "T[$e,mrr]" < <(awk -v list="$typos" '
        BEGIN { n = split(list, q, " "); for (i = 1; i <= n; i++) want[q[i]] = 1 }
        ($1 in want) { s6 += $6; s9 += $9; k++ }
        END { if (k) printf "%.4f %.4f\n", s6 / k, s9 / k; else print "- -" }' \
        "$work/$e.eval")
done
secs=$(( $(date +%s) - t0 ))

# Pool coverage: articles in each run's top 10 that the qrels do not list
# (the qrels list every judged article, grade 0 included). Many of them
# mean the ranking has moved away from the judged pool: judge them.
unjudged() {       # unjudged ENGINE
    awk 'NR == FNR { j[$1 " " $3] = 1; next }
         $4 <= 10 && !(($1 " " $3) in j) { n++ }
         END { print n + 0 }' "$qrels" "$work/$1.run"
}


cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
nq=${M[spine,queries]}
npairs=$(awk 'NF == 4 && $4 > 0' "$qrels" | wc -l)
n2=$(awk 'NF == 4 && $4 == 2' "$qrels" | wc -l)
ntypo=$(wc -w <<<"$typos")
{
    echo "## Ranking quality (MedQuAD, own judgments)"
    echo
    echo "MedQuAD: $articles articles with answers (folders 1_ to 9_ of"
    echo "\`../shared/corpus/medquad\`), each engine indexing the same articles"
    echo "through libspine's MedQuAD reader. $nq queries written as a worried lay"
    echo "person types them (\`benchmarks/medquad-queries.tsv\`: lay words, vague"
    echo "questions, $ntypo with a spelling mistake), judged by one person on a"
    echo "pool of the top 20 of Spine (with and without --expand), FTS5 and"
    echo "stock Xapian plus a title search"
    echo "(\`benchmarks/medquad-qrels.txt\`: $npairs relevant pairs, $n2 of grade 2"
    echo "\"about what the person means\", the rest grade 1 \"partly about it\"; rules"
    echo "and caveats in \`benchmarks/MEDQUAD-JUDGMENTS.md\`). Runs as for SMART MED:"
    echo "top 1000, OR semantics; Spine through \`spine-eval --run-spine\` with the"
    echo "index's synonyms and stop words and, as \`spine-search\` does, spelling"
    echo "correction (\`--spelling\`: a close correction of unknown words is searched"
    echo "instead); the row \"no spelling correction\" measures the words as typed,"
    echo "as the peers do. FTS5 and stock Xapian through"
    echo "\`spine-bench-peer run\`. Measures as \`trec_eval -c\` computes them; nDCG@10"
    echo "uses the grades as gains, the other measures count grades 1 and 2 as"
    echo "relevant."
    echo
    echo "These are one judge's labels on a small set: a check on tuning against"
    echo "lay queries, not ground truth."
    echo
    eval_table spine spinex spinens fts5 xapian
    echo
    printf 'Unjudged articles in the top 10 (of %s):' "$(( nq * 10 ))"
    sep=" "
    for e in spine spinex spinens fts5 xapian; do
        printf '%s%s %s' "$sep" "$(eval_name "$e")" "$(unjudged "$e")"
        sep=", "
    done
    echo "."
    echo
    echo "The $ntypo misspelt queries ($typos) alone:"
    echo
    echo "| engine | nDCG@10 | MRR |"
    echo "|---|---:|---:|"
    for e in spine spinex spinens fts5 xapian; do
        echo "| $(eval_name "$e") | ${T[$e,ndcg10]} | ${T[$e,mrr]} |"
    done
    echo
    echo "- Machine: $cpu, $cores cores"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Commit: $commit"
    echo "- Indexing, runs and scoring: ${secs} s"
    echo "- Rerun: \`scripts/eval-medquad.sh\` (per-query tables: \`build-eval/eval-medquad/*.eval\`)"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
