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
# Spine's synonyms as scripts/quickstart.sh indexes MedQuAD: the hand list
# (corpus/synonyms.txt) plus the "also called" names MedlinePlus gives
# its topics (scripts/make-synonyms.py --medlineplus); the row "hand
# synonyms only" is an index of the hand list alone.
synonyms=()
if [ -d "$corpus/4_MPlus_Health_Topics_QA" ]; then
    python3 "$root/scripts/make-synonyms.py" \
        --medlineplus "$corpus/4_MPlus_Health_Topics_QA" \
        --out "$work/synonyms.txt" 2>"$work/synonyms.log"
    synonyms=(--synonyms "$work/synonyms.txt")
fi
"$bin/spine-index" -q "${synonyms[@]}" "$work/spine" "${sources[@]}" \
    >"$work/spine.index.log"
"$bin/spine-index" -q "$work/spineh" "${sources[@]}" >"$work/spineh.index.log"
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
"$bin/spine-eval" --run-spine "$work/spineh" "$queries" --k 1000 \
    --spelling >"$work/spineh.run"
"$bin/spine-bench-peer" run fts5 "$work/fts5.db" "$queries" --k 1000 \
    >"$work/fts5.run"
"$bin/spine-bench-peer" run xapian "$work/xapian" "$queries" --k 1000 \
    >"$work/xapian.run"

echo "== score" >&2
declare -A M           # M[engine,key] = value from spine-eval's RESULT line
declare -A T           # T[engine,ndcg10|mrr] = mean over the typo queries
eval_score "$qrels" "$work" spine spinex spinens spineh fts5 xapian
for e in spine spinex spinens spineh fts5 xapian; do
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
    echo "as the peers do. Spine's index is built as \`scripts/quickstart.sh\`"
    echo "builds it: its synonyms are the hand list plus the \"also called\" names"
    echo "MedlinePlus gives its topics (\`scripts/make-synonyms.py --medlineplus\`);"
    echo "the row \"hand synonyms only\" is an index of the hand list alone."
    echo "FTS5 and stock Xapian through"
    echo "\`spine-bench-peer run\`. Measures as \`trec_eval -c\` computes them; nDCG@10"
    echo "uses the grades as gains, the other measures count grades 1 and 2 as"
    echo "relevant."
    echo
    echo "These are one judge's labels on a small set: a check on tuning against"
    echo "lay queries, not ground truth."
    echo
    eval_table spine spinex spinens spineh fts5 xapian
    echo
    printf 'Unjudged articles in the top 10 (of %s):' "$(( nq * 10 ))"
    sep=" "
    for e in spine spinex spinens spineh fts5 xapian; do
        printf '%s%s %s' "$sep" "$(eval_name "$e")" "$(unjudged "$e")"
        sep=", "
    done
    echo "."
    echo
    echo "The $ntypo misspelt queries ($typos) alone:"
    echo
    echo "| engine | nDCG@10 | MRR |"
    echo "|---|---:|---:|"
    for e in spine spinex spinens spineh fts5 xapian; do
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

# ---- See also (issue 18, item 6): for a symptom or condition query, the
# list of OTHER conditions it is a symptom, cause or complication of.
# Judged set: benchmarks/medquad-seealso-queries.tsv and
# benchmarks/medquad-seealso-qrels.txt ("qid condition-key article-id
# grade"; rules in MEDQUAD-JUDGMENTS.md, "See also"). Measure: recall of
# judged related conditions in a list's top 10 (distinct conditions found
# / min(10, relevant conditions); spine-eval --see-also). Lists: Spine's
# See also (spine-eval --run-spine-see-also) against the term-similarity
# lists a peer or Spine already offers: stock Xapian's "more like this"
# of its top hit (spine-bench-peer related xapian), FTS5's and stock
# Xapian's own top 10 for the query, Spine's --related of its top hit.
# Appends "### See also" to the output file.
seeq="$root/benchmarks/medquad-seealso-queries.tsv"
seer="$root/benchmarks/medquad-seealso-qrels.txt"
if [ -r "$seeq" ] && [ -r "$seer" ]; then
    echo "== see also" >&2
    "$bin/spine-eval" --run-spine-see-also "$work/spine" "$seeq" --k 10 \
        --spelling >"$work/see-spine.run"
    "$bin/spine-eval" --run-spine-related "$work/spine" "$seeq" --k 10 \
        --spelling >"$work/see-spinerel.run"
    "$bin/spine-bench-peer" related xapian "$work/xapian" "$seeq" --k 10 \
        >"$work/see-xapianrel.run"
    "$bin/spine-bench-peer" run fts5 "$work/fts5.db" "$seeq" --k 10 \
        >"$work/see-fts5.run"
    "$bin/spine-bench-peer" run xapian "$work/xapian" "$seeq" --k 10 \
        >"$work/see-xapian.run"
    declare -A S            # S[list,recall1|recall2|queries]
    see_lists="spine spinerel xapianrel fts5 xapian"
    for e in $see_lists; do
        "$bin/spine-eval" --see-also --k 10 --name "$e" "$seer" \
            "$work/see-$e.run" >"$work/see-$e.eval"
        line=$(grep '^RESULT ' "$work/see-$e.eval") || {
            echo "$prog: no see-also RESULT line for $e" >&2; exit 2; }
        for kv in $line; do
            case $kv in *=*) S[$e,${kv%%=*}]=${kv#*=} ;; esac
        done
    done
    see_name() {
        case $1 in spine) echo "Spine See also" ;;
                   spinerel) echo "Spine --related of its top hit" ;;
                   xapianrel) echo "stock Xapian related (ESet of its top hit)" ;;
                   fts5) echo "SQLite FTS5 results" ;;
                   xapian) echo "stock Xapian results" ;;
        esac
    }
    see_best() {           # see_best KEY: "name value" of the best baseline
        local e b="" v=-1
        for e in spinerel xapianrel fts5 xapian; do
            if awk -v a="${S[$e,$1]}" -v b="$v" 'BEGIN { exit !(a > b) }'; then
                b=$e; v=${S[$e,$1]}
            fi
        done
        echo "$b $v"
    }
    read -r b1 v1 < <(see_best recall1)
    read -r b2 v2 < <(see_best recall2)
    see_ratio() {
        awk -v s="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", s / b; else print "-" }'
    }
    see_unjudged=$(awk 'NR == FNR { j[$1 " " $3] = 1; next }
        !(($1 " " $3) in j) { n++ } END { print n + 0 }' "$seer" "$work/see-spine.run")
    see_entries=$(wc -l <"$work/see-spine.run")
    see_nq=$(grep -c . "$seeq")
    see_pairs=$(awk '$4 >= 1 { c[$1 " " $2] = 1 } END { print length(c) }' "$seer")
    see_pairs2=$(awk '$4 == 2 { c[$1 " " $2] = 1 } END { print length(c) }' "$seer")
    {
        echo
        echo "### See also"
        echo
        echo "$see_nq symptom and condition queries (\`benchmarks/medquad-seealso-queries.tsv\`),"
        echo "each judged for the other conditions it is a symptom, cause or"
        echo "complication of (\`benchmarks/medquad-seealso-qrels.txt\`: $see_pairs relevant"
        echo "query-condition pairs, $see_pairs2 of grade 2; rules in"
        echo "\`benchmarks/MEDQUAD-JUDGMENTS.md\`, \"See also\"). Recall@10 = distinct"
        echo "relevant conditions with an article in a list's top 10, over"
        echo "min(10, relevant conditions), mean over the queries"
        echo "(\`spine-eval --see-also\`). Spine's list is its See also"
        echo "(\`spine-search --see-also 10\`); the baselines are the term-similarity"
        echo "lists at hand: each engine's top 10 for the query, and \"more like this\""
        echo "of the top hit (Xapian's ESet over it, Spine's \`--related\`)."
        echo
        echo "| list | recall@10, grade >= 1 | recall@10, grade 2 |"
        echo "|---|---:|---:|"
        for e in $see_lists; do
            echo "| $(see_name "$e") | ${S[$e,recall1]} | ${S[$e,recall2]} |"
        done
        echo "| **Spine See also / best baseline** | $(see_ratio "${S[spine,recall1]}" "$v1") | $(see_ratio "${S[spine,recall2]}" "$v2") |"
        echo "| best baseline | $(see_name "$b1") | $(see_name "$b2") |"
        echo
        echo "Entries of Spine's See also outside the judged pool: $see_unjudged of $see_entries."
        printf 'Per query (Spine See also, grade >= 1):'
        awk '$1 ~ /^s[0-9]/ { printf " %s %.2f", $1, $7 }' "$work/see-spine.eval"
        echo "."
        echo
        echo "- Rerun: \`scripts/eval-medquad.sh\` (per-query tables: \`$(basename "$build")/eval-medquad/see-*.eval\`)"
    } >"$out.see"
    cat "$out.see" >>"$out"
    cat "$out.see"
    rm -f "$out.see"
fi
