#!/usr/bin/env bash
# Spine's benchmark suite (issue 3): Spine against SQLite FTS5 and stock
# Xapian on the same articles, the same queries, the same machine, in one run.
#
#   scripts/bench.sh           full run on MedQuAD, writes benchmarks/RESULTS.md
#   scripts/bench.sh --smoke   the same on tests/fixtures/medquad-mini with one
#                              pass, written to a temporary file (CI, seconds)
#
# Environment: SPINE_BENCH_CORPUS (default ../shared/corpus/medquad),
# SPINE_BENCH_PASSES (measured passes per latency run, default 5).
#
# Builds Release into build-bench/ (warnings are errors), generates the query
# file (benchmarks/make_queries.py, fixed seed), builds the three indexes
# (spine-index, spine-bench-peer index fts5|xapian) recording wall seconds,
# input MB/s, peak RSS and bytes on disk, then runs the warm in-process
# latency programs (spine-bench-query, spine-bench-peer query) for OR and AND
# semantics, top-10 ids only and top-10 with snippets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

smoke=0
case "${1:-}" in
    --smoke) smoke=1 ;;
    "") ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/bench.sh [--smoke]" >&2; exit 2 ;;
esac

. "$root/scripts/deps.sh"
SPINE_DEPS="$SPINE_DEPS libsqlite3-dev" spine_install_deps

# The commit measured is the one built, read before the build: HEAD may move
# while a full run (about ten minutes) goes on.
commit=$(git -C "$root" rev-parse --short HEAD)
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    commit="$commit (working tree with uncommitted changes)"
fi

build="$root/build-bench"
echo "== build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPINE_WERROR=ON \
      -DSPINE_BENCHMARKS=ON -DSPINE_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin="$build/bin"

if [ "$smoke" = 1 ]; then
    corpus="$root/tests/fixtures/medquad-mini"
    passes=1
    work=$(mktemp -d "${TMPDIR:-/tmp}/spine-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    results="$work/RESULTS.md"
else
    corpus="${SPINE_BENCH_CORPUS:-$root/../shared/corpus/medquad}"
    passes="${SPINE_BENCH_PASSES:-5}"
    work="$build/work"
    rm -rf "$work"
    mkdir -p "$work"
    results="$root/benchmarks/RESULTS.md"
fi
[ -e "$corpus" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)

echo "== queries"
queries="$work/queries.txt"
python3 "$root/benchmarks/make_queries.py" --corpus "$corpus" "$queries"
nqueries=$(grep -vc '^#' "$queries")

declare -A R           # R[engine,key] = value, from RESULT lines and timings

# Stores each key=value of a RESULT line under R[prefix,key].
parse_result() {
    local prefix=$1 line kv
    line=$(grep '^RESULT ' "$2" | tail -n 1) || {
        echo "bench: no RESULT line in $2" >&2; cat "$2" >&2; exit 2; }
    for kv in $line; do
        case $kv in *=*) R[$prefix,${kv%%=*}]=${kv#*=} ;; esac
    done
}

bytes_of() {           # total size of the regular files under $1
    find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

# timed NAME CMD...: runs CMD with stdout in $work/NAME.out, recording wall
# seconds and (with GNU time) peak RSS in R[NAME,wall] and R[NAME,rss_kb].
timed() {
    local name=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out"
        R[$name,rss_kb]=$(awk -F: '/Maximum resident set size/ {
            gsub(/ /, "", $2); print $2 }' "$work/$name.time")
    else
        "$@" >"$work/$name.out"
        R[$name,rss_kb]=""
    fi
    t1=$(date +%s.%N)
    R[$name,wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

echo "== index ($corpus)"
timed idx-spine "$bin/spine-index" -q "$work/spine-index" "$corpus"
timed idx-fts5 "$bin/spine-bench-peer" index fts5 "$work/fts5.db" "$corpus"
timed idx-xapian "$bin/spine-bench-peer" index xapian "$work/xapian-db" "$corpus"
parse_result idx-fts5 "$work/idx-fts5.out"
parse_result idx-xapian "$work/idx-xapian.out"
# Every engine reads the corpus through libspine's readers: same bytes in.
input_bytes=${R[idx-fts5,input_bytes]}
R[idx-spine,articles]=$(sed -n 's/^indexed \([0-9]*\) articles.*/\1/p' \
                        "$work/idx-spine.out")
R[idx-spine,index_bytes]=$(bytes_of "$work/spine-index")
R[idx-fts5,index_bytes]=$(bytes_of "$work/fts5.db")
R[idx-xapian,index_bytes]=$(bytes_of "$work/xapian-db")
for e in spine fts5 xapian; do
    cat "$work/idx-$e.out"
done

echo "== warm latency ($nqueries queries, 1 warm-up + $passes passes)"
for mode in or and; do
    flag=""; [ "$mode" = and ] && flag=--and
    for run in spine spine+snip fts5 fts5+snip xapian; do
        snip=""; case $run in *+snip) snip=--snippets ;; esac
        case $run in
            spine*) cmd=("$bin/spine-bench-query" "$work/spine-index") ;;
            fts5*) cmd=("$bin/spine-bench-peer" query fts5 "$work/fts5.db") ;;
            xapian) cmd=("$bin/spine-bench-peer" query xapian "$work/xapian-db") ;;
        esac
        out="$work/q-$run-$mode.out"
        "${cmd[@]}" "$queries" --passes "$passes" $flag $snip >"$out"
        parse_result "q-$run-$mode" "$out"
        cat "$out"
    done
done

# ---------------------------------------------------------------------------
# RESULTS.md

ratio() {              # ratio A B: A/B to two places, or n/a
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || b + 0 == 0) print "n/a";
        else printf "%.2f", a / b }'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 >= b) }'; }
verdict() { if "$@"; then echo met; else echo "**not met**"; fi; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
xapian_version=$(pkg-config --modversion xapian-core)
sqlite_version=$(pkg-config --modversion sqlite3)
rerun="scripts/bench.sh"
[ "$smoke" = 1 ] && rerun="scripts/bench.sh --smoke"

index_row() {          # index_row ENGINE LABEL TEXT_STORED
    local n=idx-$1
    local secs=${R[$n,wall]} arts=${R[$n,articles]} bytes=${R[$n,index_bytes]}
    local rss=${R[$n,rss_kb]}
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" \
        "$arts" "$(awk -v b="$input_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" \
        "$secs" "$(awk -v a="$arts" -v s="$secs" 'BEGIN { printf "%.0f", a / s }')" \
        "$(awk -v b="$input_bytes" -v s="$secs" 'BEGIN { printf "%.2f", b / 1e6 / s }')" \
        "$(awk -v k="$rss" 'BEGIN { if (k == "") print "n/a"; else printf "%.0f", k / 1024 }')" \
        "$bytes" "$(ratio "$bytes" "$input_bytes")" "$3"
}

index_ratio_row() {    # index_ratio_row PEER LABEL
    local s=idx-spine p=idx-$1
    printf '| %s | | | %s | %s | %s | %s | %s | | |\n' "$2" \
        "$(ratio "${R[$s,wall]}" "${R[$p,wall]}")" \
        "$(ratio "$(ratio "${R[$s,articles]}" "${R[$s,wall]}")" \
                 "$(ratio "${R[$p,articles]}" "${R[$p,wall]}")")" \
        "$(ratio "${R[$p,wall]}" "${R[$s,wall]}")" \
        "$(ratio "${R[$s,rss_kb]}" "${R[$p,rss_kb]}")" \
        "$(ratio "${R[$s,index_bytes]}" "${R[$p,index_bytes]}")"
}

lat_header() {
    echo "| engine | p50 µs | p95 µs | p99 µs | max µs | queries/s | hits/query |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
}
lat_row() {            # lat_row RUN-MODE LABEL
    local n=q-$1
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "${R[$n,p50_us]}" \
        "${R[$n,p95_us]}" "${R[$n,p99_us]}" "${R[$n,max_us]}" \
        "${R[$n,qps]}" "${R[$n,hits_per_query]}"
}
lat_ratio_row() {      # lat_ratio_row SPINE-RUN PEER-RUN LABEL
    local s=q-$1 p=q-$2
    printf '| **%s** | **%s** | %s | **%s** | %s | %s | |\n' "$3" \
        "$(ratio "${R[$s,p50_us]}" "${R[$p,p50_us]}")" \
        "$(ratio "${R[$s,p95_us]}" "${R[$p,p95_us]}")" \
        "$(ratio "${R[$s,p99_us]}" "${R[$p,p99_us]}")" \
        "$(ratio "${R[$s,max_us]}" "${R[$p,max_us]}")" \
        "$(ratio "${R[$s,qps]}" "${R[$p,qps]}")"
}

{
    echo "# Spine benchmark results"
    echo
    if [ "$smoke" = 1 ]; then
        echo "**Smoke run** on the test corpus: figures are meaningless, only"
        echo "the plumbing is checked."
        echo
    fi
    echo "Generated by \`scripts/bench.sh\`; do not edit by hand."
    echo
    echo "- Machine: $cpu, $cores cores"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Commit: $commit"
    echo "- Xapian $xapian_version, SQLite $sqlite_version, $(cc --version | head -n 1)"
    echo "- Corpus: \`${corpus#"$(dirname "$root")/"}\`, $input_bytes input bytes"
    echo "- Queries: $nqueries (benchmarks/make_queries.py, fixed seed), top 10"
    echo "- Rerun: \`$rerun\`"
    echo
    echo "The machine is shared and noisy: compare ratios measured in the same"
    echo "run, not absolute figures across runs. Ratios are Spine / peer: below 1"
    echo "is better for Spine on latency, time, memory and size; above 1 is better"
    echo "for Spine on queries/s and MB/s."
    echo
    echo "## Indexing"
    echo
    echo "Wall seconds of the whole process (build, commit, and for stock Xapian"
    echo "the compaction into the final directory; FTS5 includes its 'optimize')."
    echo "Index bytes: total size of the files of the final index. Peak RSS: GNU"
    echo "time. Spine runs \`spine-index -q\` with its defaults (spelling data,"
    echo "zlib level 6)."
    echo
    echo "| engine | articles | input MB | seconds | articles/s | MB/s | peak RSS MB | index bytes | bytes per input byte | article text stored |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    index_row spine Spine "yes (zlib)"
    index_row fts5 "SQLite FTS5" "yes"
    index_row xapian "stock Xapian" "no (data = id)"
    index_ratio_row fts5 "**Spine / FTS5**"
    index_ratio_row xapian "**Spine / Xapian**"
    echo
    echo "(Ratio rows: seconds, peak RSS and bytes are Spine / peer; articles/s"
    echo "and MB/s are Spine / peer too, so above 1 means Spine indexes faster.)"
    echo
    for mode in or and; do
        M=$(echo "$mode" | tr a-z A-Z)
        echo "## Warm query latency, top 10 ids, $M"
        echo
        echo "In-process, one warm-up pass then $passes measured passes over the"
        echo "query file; percentiles over every measured query. Each engine"
        echo "fetches its hits' ids (Spine: id, title, source, URL)."
        echo
        lat_header
        lat_row "spine-$mode" Spine
        lat_row "fts5-$mode" "SQLite FTS5"
        lat_row "xapian-$mode" "stock Xapian"
        lat_ratio_row "spine-$mode" "fts5-$mode" "Spine / FTS5"
        lat_ratio_row "spine-$mode" "xapian-$mode" "Spine / Xapian"
        echo
        echo "## Warm query latency, top 10 with snippets, $M"
        echo
        echo "Spine: its own snippets (stored text inflated per hit). FTS5:"
        echo "\`snippet(t, 1, '**', '**', '...', 24)\`. Stock Xapian stores no"
        echo "text (data = id), so it has no snippet row."
        echo
        lat_header
        lat_row "spine+snip-$mode" Spine
        lat_row "fts5+snip-$mode" "SQLite FTS5"
        lat_ratio_row "spine+snip-$mode" "fts5+snip-$mode" "Spine / FTS5"
        echo
    done

    echo "## Targets of issue 3 measured so far"
    echo
    echo "| target | measured | verdict |"
    echo "|---|---|---|"
    for mode in or and; do
        M=$(echo "$mode" | tr a-z A-Z)
        for p in p50 p99; do
            r=$(ratio "${R[q-spine-$mode,${p}_us]}" "${R[q-xapian-$mode,${p}_us]}")
            echo "| warm $M $p <= 0.8x stock Xapian | ${r}x | $(verdict le "$r" 0.8) |"
        done
    done
    r=$(ratio "${R[idx-xapian,wall]}" "${R[idx-spine,wall]}")
    echo "| index MB/s >= 2x stock Xapian | ${r}x | $(verdict ge "$r" 2) |"
    r=$(ratio "${R[idx-spine,index_bytes]}" "${R[idx-fts5,index_bytes]}")
    echo "| index bytes <= FTS5 with content | ${r}x | $(verdict le "$r" 1) |"
    r=$(ratio "${R[idx-spine,index_bytes]}" "${R[idx-xapian,index_bytes]}")
    echo "| index bytes <= 0.7x stock Xapian without text | ${r}x | $(verdict le "$r" 0.7) |"
    echo "| whole-process query <= 0.8x quest | not measured yet | |"
    echo "| 1M articles: p50 < 2 ms, p99 < 20 ms, index time/article <= 1.5x 10k | not measured yet | |"
    echo
    echo "## Not measured yet"
    echo
    echo "Whole-process single-query latency (spine-search vs quest vs the sqlite3"
    echo "CLI, median of >= 30 runs), growth corpora (10k/100k/1M generated"
    echo "articles, dict-gcide) with CSV and gnuplot PNG, and profiles (perf or"
    echo "callgrind) for the targets that are not met."
} >"$results"

echo "== wrote $results"
if [ "$smoke" = 1 ]; then
    cat "$results"
fi
