#!/usr/bin/env bash
# Spine's benchmark suite (issue 3): Spine against SQLite FTS5 and stock
# Xapian on the same articles, the same queries, the same machine, in one run.
#
#   scripts/bench.sh           full run on MedQuAD, writes benchmarks/RESULTS.md,
#                              benchmarks/growth.csv, growth-profile.csv and
#                              growth.png
#   scripts/bench.sh --smoke   every section at tiny sizes (the test corpus,
#                              growth at 200 and 1000 articles, 3 whole-process
#                              runs), written to a temporary directory (CI)
#
# Environment: SPINE_BENCH_CORPUS (default ../shared/corpus/medquad),
# SPINE_BENCH_PASSES (measured passes per latency run, default 5; FTS5's
# slow snippet run gets a fifth of them, at least 1), SPINE_BENCH_GROWTH=0
# (skip the growth section) or =keep (report the growth.csv/png of the
# last committed run, with the same SPINE_BENCH_SIZES), SPINE_BENCH_SIZES
# (generated corpus sizes, default "10000 100000"; the 1M point of issue 3
# is SPINE_BENCH_SIZES="10000 100000 1000000", an hour more: Spine alone
# at 1M, see SPINE_BENCH_PEERS_MAX), SPINE_BENCH_GCIDE=0 (skip dict-gcide),
# SPINE_BENCH_UPDATE=0 (skip changes in place, scripts/bench-update.sh),
# SPINE_BENCH_SERVE=0 (skip spine-serve under load, scripts/bench-serve.sh),
# SPINE_BENCH_SHARDS=0 (skip shard sets, scripts/bench-shards.sh, which a
# full run ends with).
#
# Builds Release into build-bench/ (warnings are errors), generates the query
# file (benchmarks/make_queries.py, fixed seed), builds the three indexes
# (spine-index, spine-bench-peer index fts5|xapian) recording wall seconds,
# input MB/s, peak RSS and bytes on disk, then runs the warm in-process
# latency programs (spine-bench-query, spine-bench-peer query) for OR and AND
# semantics, top-10 ids only and top-10 with snippets; then one query as a
# whole process (hyperfine: spine-search built shared and static -- the
# static one in build-bench-static/, against scripts/xapian-static.sh's
# libxapian.a -- quest, the sqlite3 CLI and spine-bench-floor; callgrind
# instruction counts), then growth: generated
# MedQuAD-like corpora (benchmarks/make_corpus.py) and dict-gcide, indexed
# and queried by all three engines, plotted with gnuplot.  A tool that is
# missing (hyperfine, valgrind, gnuplot, quest, sqlite3, dict-gcide) skips
# its part with a note; the full run installs them all.  A full run takes
# about 35 minutes on 2 cores, 22 of them the 100k growth corpus
# (SPINE_BENCH_SIZES=10000 or SPINE_BENCH_GROWTH=0 for a shorter run).
# SPINE_BENCH_SIZES="10000 100000 1000000" adds the 1M point; the peers
# index and query the generated corpora only up to SPINE_BENCH_PEERS_MAX
# articles (default 100000: at 1M stock Xapian alone would take hours).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

smoke=0
case "${1:-}" in
    --smoke) smoke=1 ;;
    "") ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
               exit 0 ;;
    *) echo "usage: scripts/bench.sh [--smoke]" >&2; exit 2 ;;
esac

. "$root/scripts/deps.sh"
# The smoke (CI) needs only what it compiles against; the full run installs
# the command-line peers and the measuring tools too.
bench_deps="libsqlite3-dev"
[ "$smoke" = 1 ] || bench_deps="$bench_deps sqlite3 xapian-tools hyperfine \
valgrind gnuplot-nox dict-gcide time"
SPINE_DEPS="$SPINE_DEPS $bench_deps" spine_install_deps
bench_t0=$(date +%s)

# The commit measured is the one built, read before the build: HEAD may move
# while a full run (about 35 minutes with growth at 100k) goes on.
commit=$(git -C "$root" rev-parse --short HEAD)
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    commit="$commit (working tree with uncommitted changes)"
fi

build="$root/build-bench"
# The smoke builds apart, so CI (scripts/test.sh) never rebuilds the binaries
# of a full run going on in build-bench/.
[ "$smoke" = 1 ] && build="$root/build-bench-smoke"
echo "== build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPINE_WERROR=ON \
      -DSPINE_BENCHMARKS=ON -DSPINE_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin="$build/bin"

if [ "$smoke" = 1 ]; then
    corpus="$root/tests/fixtures/medquad-mini"
    passes=1
    idx_runs=1
    work=$(mktemp -d "${TMPDIR:-/tmp}/spine-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    results="$work/RESULTS.md"
    sizes="200 1000"
    peers_max="${SPINE_BENCH_PEERS_MAX:-1000}"
    gcide_limit=1000
    hf_runs=3; hf_warmup=1; hf_rounds=1
    corpora="$work/corpora"
    growth_csv="$work/growth.csv"; growth_png="$work/growth.png"
    gprof_csv="$work/growth-profile.csv"
    growth_passes=1; growth_rounds=1
else
    corpus="${SPINE_BENCH_CORPUS:-$root/../shared/corpus/medquad}"
    passes="${SPINE_BENCH_PASSES:-5}"
    idx_runs=3
    work="$build/work"
    rm -rf "$work"
    mkdir -p "$work"
    results="$root/benchmarks/RESULTS.md"
    sizes="${SPINE_BENCH_SIZES:-10000 100000}"
    peers_max="${SPINE_BENCH_PEERS_MAX:-100000}"
    gcide_limit=0
    hf_runs=40; hf_warmup=5; hf_rounds=5
    # Generated corpora are kept between runs: a fixed seed makes them the
    # same bytes every time, and 100k articles take a minute to write.
    corpora="$build/corpora"
    growth_csv="$root/benchmarks/growth.csv"
    growth_png="$root/benchmarks/growth.png"
    gprof_csv="$root/benchmarks/growth-profile.csv"
    growth_passes=2; growth_rounds=3
fi
[ -e "$corpus" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)

# spine-search linked statically (-DSPINE_XAPIAN_STATIC, libxapian.a from
# scripts/xapian-static.sh) for the whole-process section, beside the build
# above, which links Debian's shared libxapian as every peer does.  The smoke
# builds it too, so the static build never rots; the full run carries on
# without it, with a note, when libxapian.a cannot be built (no network).
static_note=""
sbin=""
echo "== static spine-search (scripts/xapian-static.sh)"
if xa=$("$root/scripts/xapian-static.sh" 2>"$work/xapian-static.log"); then
    cmake -S "$root" -B "$build-static" -DCMAKE_BUILD_TYPE=Release \
          -DSPINE_WERROR=ON -DSPINE_TESTS=OFF -DSPINE_XAPIAN_STATIC="$xa" >/dev/null
    # The link warns that getaddrinfo (remote shards) still loads glibc's
    # NSS modules at run time; that note goes to the log.
    cmake --build "$build-static" -j"$(nproc)" --target spine-search \
        >>"$work/xapian-static.log" 2>&1 || {
        tail -n 30 "$work/xapian-static.log" >&2
        echo "bench: the static spine-search did not build" >&2; exit 2; }
    sbin="$build-static/bin"
else
    tail -n 5 "$work/xapian-static.log" >&2
    [ "$smoke" = 1 ] && { echo "bench: scripts/xapian-static.sh failed" >&2; exit 2; }
    static_note="the static spine-search was not built: scripts/xapian-static.sh failed ($(tail -n 1 "$work/xapian-static.log"))"
fi

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
    find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# timed NAME CMD...: runs CMD with stdout in $work/NAME.out, recording wall
# seconds and (with GNU time) peak RSS and CPU seconds in R[NAME,wall],
# R[NAME,rss_kb] and R[NAME,cpu].
timed() {
    local name=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out"
        R[$name,rss_kb]=$(awk -F: '/Maximum resident set size/ {
            gsub(/ /, "", $2); print $2 }' "$work/$name.time")
        R[$name,cpu]=$(awk -F: '/(User|System) time \(seconds\)/ { s += $2 }
            END { printf "%.1f", s }' "$work/$name.time")
    else
        "$@" >"$work/$name.out"
        R[$name,rss_kb]=""
        R[$name,cpu]=""
    fi
    t1=$(date +%s.%N)
    R[$name,wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# timed_run NAME TARGET I CMD...: run I of NAME, TARGET removed first.
timed_run() {
    local name=$1 target=$2 i=$3
    shift 3
    rm -rf "$target"
    timed "$name.$i" "$@"
}
# pick_median NAME: sets NAME's figures to those of its median run (by
# wall seconds) and lists every run's seconds in R[NAME,walls].
pick_median() {
    local name=$1 i k mid walls=""
    for ((i = 1; i <= idx_runs; i++)); do
        walls="$walls${R[$name.$i,wall]} $i"$'\n'
    done
    mid=$(printf '%s' "$walls" | sort -n |
          awk -v m=$(( (idx_runs + 1) / 2 )) 'NR == m { print $2 }')
    for k in wall rss_kb cpu; do R[$name,$k]=${R[$name.$mid,$k]}; done
    cp "$work/$name.$mid.out" "$work/$name.out"
    R[$name,walls]=$(printf '%s' "$walls" | awk '{ printf "%s%s", s, $1; s = ", " }')
}

# The engines take turns, one run each a round, so that a burst of load
# from another tenant falls on all of them rather than on one engine's runs.
echo "== index ($corpus, $idx_runs rounds, the engines in turn)"
for ((round = 1; round <= idx_runs; round++)); do
    timed_run idx-spine "$work/spine-index" "$round" \
        "$bin/spine-index" -q "$work/spine-index" "$corpus"
    timed_run idx-spinepos "$work/spine-index-pos" "$round" \
        "$bin/spine-index" -q --positions "$work/spine-index-pos" "$corpus"
    timed_run idx-fts5 "$work/fts5.db" "$round" \
        "$bin/spine-bench-peer" index fts5 "$work/fts5.db" "$corpus"
    timed_run idx-xapian "$work/xapian-db" "$round" \
        "$bin/spine-bench-peer" index xapian "$work/xapian-db" "$corpus"
done
for e in spine spinepos fts5 xapian; do
    pick_median "idx-$e"
done
parse_result idx-fts5 "$work/idx-fts5.out"
parse_result idx-xapian "$work/idx-xapian.out"
# Every engine reads the corpus through libspine's readers: same bytes in.
input_bytes=${R[idx-fts5,input_bytes]}
R[idx-spine,articles]=$(sed -n 's/^indexed \([0-9]*\) articles.*/\1/p' \
                        "$work/idx-spine.out")
R[idx-spinepos,articles]=$(sed -n 's/^indexed \([0-9]*\) articles.*/\1/p' \
                           "$work/idx-spinepos.out")
R[idx-spine,index_bytes]=$(bytes_of "$work/spine-index")
R[idx-spinepos,index_bytes]=$(bytes_of "$work/spine-index-pos")
# Without text: less the docdata table, which holds the stored records.
R[idx-spine,notext_bytes]=$(( R[idx-spine,index_bytes] - $(stat -c %s \
    "$(ls -d "$work/spine-index"/gen-* | tail -n 1)/docdata.glass") ))
R[idx-fts5,index_bytes]=$(bytes_of "$work/fts5.db")
R[idx-xapian,index_bytes]=$(bytes_of "$work/xapian-db")
for e in spine spinepos fts5 xapian; do
    cat "$work/idx-$e.out"
done

# Like the indexers, the engines take turns: $passes rounds, each running
# every program once (open, a warm-up pass, one measured pass), so that a
# burst of load from elsewhere falls on all engines alike.  Each figure is
# the median over the rounds of that round's figure.  FTS5's snippet run,
# milliseconds a query, runs once with a fifth of the passes.
echo "== warm latency ($nqueries queries, $passes rounds of 1 warm-up + 1 pass, the engines in turn)"
# Every warm in-process run (one thread each: the MedQuAD index is too
# small for Spine to split a query) is pinned to the last CPU.  Unpinned,
# the same Spine AND run measured p50 15 us or 21 us from one process to
# the next (8 runs: 5 and 3), as the scheduler moved it between the two
# CPUs of the benchmark machine; pinned to either CPU, 15 us in all 16.
pin=()
if command -v taskset >/dev/null 2>&1; then
    pin=(taskset -c "$(( $(nproc) - 1 ))")
    pin_note="pinned to one CPU (\`${pin[*]}\`)"
else
    pin_note="not pinned (no taskset)"
fi
lat_cmd() {            # lat_cmd RUN: sets cmd to RUN's program and index
    case $1 in
        spinepos) cmd=("$bin/spine-bench-query" "$work/spine-index-pos") ;;
        spine*) cmd=("$bin/spine-bench-query" "$work/spine-index") ;;
        fts5*) cmd=("$bin/spine-bench-peer" query fts5 "$work/fts5.db") ;;
        xapian) cmd=("$bin/spine-bench-peer" query xapian "$work/xapian-db") ;;
    esac
    cmd=("${pin[@]}" "${cmd[@]}")
}
# median: the median of the numbers on standard input, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        m = (NR + 1) / 2; if (NR % 2 == 0) m = NR / 2
        print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'
}
# lat_median NAME [ROUNDS]: R[NAME,key] = the median of
# R[NAME.r1..rROUNDS,key] (ROUNDS: $passes unless given).
lat_median() {
    local name=$1 rounds=${2:-$passes} k r
    for k in p50_us p95_us p99_us max_us qps hits_per_query; do
        R[$name,$k]=$(for ((r = 1; r <= rounds; r++)); do
                          echo "${R[$name.r$r,$k]}"; done | median)
    done
}
for mode in or and; do
    flag=""; [ "$mode" = and ] && flag=--and
    for ((round = 1; round <= passes; round++)); do
        for run in spine spine+snip fts5 xapian; do
            snip=""; case $run in *+snip) snip=--snippets ;; esac
            lat_cmd "$run"
            out="$work/q-$run-$mode.r$round.out"
            "${cmd[@]}" "$queries" --passes 1 $flag $snip >"$out"
            parse_result "q-$run-$mode.r$round" "$out"
        done
    done
    for run in spine spine+snip fts5 xapian; do
        lat_median "q-$run-$mode"
        echo "$run $mode p50 by round (us): $(for ((r = 1; r <= passes; r++)); do
            printf '%s ' "${R[q-$run-$mode.r$r,p50_us]}"; done)"
    done
    run=fts5+snip
    lat_cmd "$run"
    out="$work/q-$run-$mode.out"
    "${cmd[@]}" "$queries" --passes $(( passes / 5 > 0 ? passes / 5 : 1 )) \
        $flag --snippets >"$out"
    parse_result "q-$run-$mode" "$out"
    cat "$out"
done

# Quoted phrases: the query file's queries of two or more words with their
# first two words quoted.  Spine's default index has no word positions and
# checks phrase candidates against their stored text; --positions matches
# them from the index, as stock Xapian does.  (FTS5's peer quotes every word
# on its own, so it has no phrase row.)
phrases="$work/phrases.txt"
# (awk stops itself at 500: under pipefail, head would kill it with SIGPIPE.)
awk '!/^#/ && NF >= 2 && n++ < 500 {
        printf "\"%s %s\"", $1, $2
        for (i = 3; i <= NF; i++) printf " %s", $i; print "" }' \
    "$queries" >"$phrases"
nphrases=$(wc -l <"$phrases")
echo "== warm latency, $nphrases quoted phrases"
for run in spine spinepos xapian; do
    lat_cmd "$run"
    out="$work/q-$run-phrase.out"
    "${cmd[@]}" "$phrases" --passes "$passes" >"$out"
    parse_result "q-$run-phrase" "$out"
    cat "$out"
done

# ---------------------------------------------------------------------------
# Whole process: one query, the whole program, from exec to exit.

have() { command -v "$1" >/dev/null 2>&1; }
wp_query="kidney stones"
wp_note=""             # why the whole-process section was skipped, if it was
cg_note=""
# Each command is one string hyperfine splits like a shell (-N: no shell, so
# the shell's own start-up is not in the figures).  FTS5's MATCH gets bare
# words joined by OR / AND: the same query spine-bench-peer builds.
wp_cmds() {            # wp_cmds MODE: the command strings, one a line
    local and="" qop=or sop=OR
    [ "$1" = and ] && { and="--and "; qop=and; sop=AND; }
    local match="kidney $sop stones"
    echo "$bin/spine-search -d $work/spine-index $and'$wp_query'"
    echo "quest -o $qop -d $work/xapian-db '$wp_query'"
    echo "sqlite3 $work/fts5.db \"SELECT rowid, title, snippet(t, 1, '**', '**', '...', 24) FROM t WHERE t MATCH '$match' ORDER BY bm25(t, 2.0, 1.0) LIMIT 10\""
    echo "sqlite3 $work/fts5.db \"SELECT rowid, title FROM t WHERE t MATCH '$match' ORDER BY bm25(t, 2.0, 1.0) LIMIT 10\""
    echo "$bin/spine-bench-floor"
    [ -z "$sbin" ] || echo "$sbin/spine-search -d $work/spine-index $and'$wp_query'"
}
# spine: the build that links the shared libxapian; spine-static: -static.
wp_names=(spine quest sqlite3 sqlite3-ids floor spine-static)

missing=""
for t in hyperfine quest sqlite3; do have "$t" || missing="$missing $t"; done
if [ -n "$missing" ]; then
    wp_note="skipped: not installed:$missing (the full run installs them)"
    echo "== whole process: $wp_note"
else
    echo "== whole process ('$wp_query', hyperfine, $hf_rounds rounds of $hf_runs runs)"
    # One hyperfine invocation runs its commands one after another, so a
    # burst of load from elsewhere can fall on one command only (one run
    # had quest's OR query at 5.6 ms and its cheaper AND at 7.9 ms): each
    # figure is the median over $hf_rounds invocations of the command's
    # median.
    for mode in or and; do
        mapfile -t cmds < <(wp_cmds "$mode")
        for ((round = 1; round <= hf_rounds; round++)); do
            hyperfine -N --warmup "$hf_warmup" --runs "$hf_runs" \
                --style basic --export-json "$work/wp-$mode.r$round.json" \
                "${cmds[@]}" >"$work/wp-$mode.out" 2>&1 || {
                cat "$work/wp-$mode.out" >&2
                echo "bench: hyperfine failed" >&2
                exit 2; }
            i=0
            while read -r med; do
                R[wp-$mode.r$round,${wp_names[$i]}]=$med
                i=$((i + 1))
            done < <(python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.3f" % (r["median"] * 1000))' "$work/wp-$mode.r$round.json")
        done
        for n in "${wp_names[@]}"; do
            R[wp-$mode,$n]=$(for ((r = 1; r <= hf_rounds; r++)); do
                                 echo "${R[wp-$mode.r$r,$n]}"; done | median)
        done
        echo "$mode medians (ms): $(for n in "${wp_names[@]}"; do
            printf '%s=%s ' "$n" "${R[wp-$mode,$n]}"; done)"
    done
fi

# Instruction counts are the same run after run on a noisy machine: the
# figure to compare when the medians are close.
if ! have valgrind || [ -n "$wp_note" ]; then
    cg_note="skipped: ${wp_note:-valgrind not installed}"
    echo "== callgrind: $cg_note"
else
    echo "== callgrind ('$wp_query')"
    for mode in or and; do
        mapfile -t cmds < <(wp_cmds "$mode")
        for i in 0 1 4 5; do
            [ "$i" -lt "${#cmds[@]}" ] || continue
            [ "$mode" = and ] && [ "$i" = 4 ] && continue
            eval "set -- ${cmds[$i]}"
            valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
                >/dev/null 2>"$work/cg-$mode-$i.err" || true
            R[cg-$mode,${wp_names[$i]}]=$(sed -n \
                's/.*Collected : *\([0-9]*\).*/\1/p' "$work/cg-$mode-$i.err")
        done
        echo "$mode instructions: spine=${R[cg-$mode,spine]} spine-static=${R[cg-$mode,spine-static]:-} quest=${R[cg-$mode,quest]}"
    done
fi

# ---------------------------------------------------------------------------
# Where the time goes: callgrind profiles of the same work for Spine and
# stock Xapian, split by function (inclusive instructions), so that the
# targets not met are bounded by a profile rather than a guess.

# cg_incl FILE FUNCTION: inclusive instructions of FUNCTION in a callgrind
# profile (0 when it never ran).
cg_incl() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v f="$2" '!found { for (i = 2; i <= NF; i++) if ($i ~ ("[:]" f "$")) {
                                    gsub(",", "", $1); n = $1; found = 1 } }
                       END { print found ? n : 0 }'
}
prof_note=""
prof_n=300
gprof_n=50              # growth queries profiled at each size
if ! have valgrind || ! have callgrind_annotate; then
    prof_note="skipped: valgrind not installed"
    echo "== profile: $prof_note"
else
    echo "== profile (callgrind: $prof_n warm queries; one whole process)"
    head -n "$prof_n" "$queries" >"$work/prof-queries.txt"
    for mode in or and; do
        flag=""; [ "$mode" = and ] && flag=--and
        valgrind --tool=callgrind --callgrind-out-file="$work/prof-spine-$mode.cg" \
            "$bin/spine-bench-query" "$work/spine-index" "$work/prof-queries.txt" \
            --passes 1 $flag >/dev/null 2>&1
        valgrind --tool=callgrind --callgrind-out-file="$work/prof-xapian-$mode.cg" \
            "$bin/spine-bench-peer" query xapian "$work/xapian-db" \
            "$work/prof-queries.txt" --passes 1 $flag >/dev/null 2>&1
        for e in spine xapian; do
            f="$work/prof-$e-$mode.cg"
            R[prof-$e-$mode,total]=$(cg_incl "$f" "main")
            R[prof-$e-$mode,match]=$(cg_incl "$f" "xapian_enquire_get_mset")
            R[prof-$e-$mode,parse]=$(cg_incl "$f" "xapian_query_parser_parse")
            R[prof-$e-$mode,data]=$(cg_incl "$f" "xapian_document_get_data")
        done
        echo "$mode: spine ${R[prof-spine-$mode,total]} xapian ${R[prof-xapian-$mode,total]}"
    done
    valgrind --tool=callgrind --callgrind-out-file="$work/prof-wp.cg" \
        "$bin/spine-search" -d "$work/spine-index" "$wp_query" >/dev/null 2>&1
    for fn in main dl_main spine_searcher_open xapian_enquire_get_mset \
              xapian_query_parser_parse spine_store_decode inflate \
              spine_snippet_text spine_snippet_make; do
        R[prof-wp,$fn]=$(cg_incl "$work/prof-wp.cg" "$fn")
    done
fi

# ---------------------------------------------------------------------------
# Growth: index time per article and query latency as the corpus grows.

growth_note=""
growth_rows=()         # "corpus articles" labels, in order
growth_by_round=()     # "corpus articles engine: p50 / p99, ..." a line each
if [ "${SPINE_BENCH_GROWTH:-1}" = keep ] && [ -s "$growth_csv" ]; then
    # Growth is the long part (an hour at 1M): keep the last full run's
    # figures, saying from which commit they are.
    growth_note="not rerun (SPINE_BENCH_GROWTH=keep): the figures of the run committed in $(git log -1 --format=%h -- benchmarks/growth.csv 2>/dev/null || echo '?')"
    echo "== growth: $growth_note"
elif [ "${SPINE_BENCH_GROWTH:-1}" = 0 ]; then
    growth_note="skipped (SPINE_BENCH_GROWTH=0)"
    echo "== growth: $growth_note"
else
    echo "== growth (sizes: $sizes)"
    mkdir -p "$corpora"
    gsets=()           # "label file queries"
    for n in $sizes; do
        f="$corpora/medquad-like-$n.jsonl"
        if [ ! -s "$f" ] || [ ! -s "$f.queries" ] || \
           [ "$root/benchmarks/make_corpus.py" -nt "$f" ]; then
            python3 "$root/benchmarks/make_corpus.py" medquad "$n" "$f" \
                --queries "$f.queries" --count 500
        fi
        gsets+=("medquad-like $f $n")
    done
    if [ "${SPINE_BENCH_GCIDE:-1}" != 0 ] && \
       [ -e /usr/share/dictd/gcide.index ]; then
        f="$corpora/gcide.jsonl"
        [ "$gcide_limit" = 0 ] || f="$corpora/gcide-$gcide_limit.jsonl"
        if [ ! -s "$f" ] || [ ! -s "$f.queries" ] || \
           [ "$root/benchmarks/make_corpus.py" -nt "$f" ]; then
            python3 "$root/benchmarks/make_corpus.py" gcide "$f" \
                --limit "$gcide_limit" --queries "$f.queries" --count 500
        fi
        gsets+=("gcide $f 0")
    else
        echo "growth: no dict-gcide corpus (apt-get install dict-gcide)"
    fi
    echo "corpus,articles,engine,input_bytes,index_seconds,us_per_article,index_bytes,query_p50_us,query_p99_us" \
        >"$growth_csv"
    echo "corpus,articles,queries,instructions_per_query,matcher_share" \
        >"$gprof_csv"
    for set in "${gsets[@]}"; do
        read -r label f n <<<"$set"
        engines="spine fts5 xapian"
        [ "$n" -gt "$peers_max" ] && engines=spine
        g=$work/growth
        rm -rf "$g"; mkdir -p "$g"
        timed gi-spine "$bin/spine-index" -q "$g/spine" "$f"
        R[gi-spine,index_bytes]=$(bytes_of "$g/spine")
        for e in $engines; do
            [ "$e" = spine ] && continue
            timed "gi-$e" "$bin/spine-bench-peer" index "$e" "$g/$e.db" "$f"
            parse_result "gi-$e" "$work/gi-$e.out"
            R[gi-$e,index_bytes]=$(bytes_of "$g/$e.db")
        done
        # What a build leaves in the page cache (the corpus, the index as
        # written, scratch shards) is not what a query needs, and on the
        # benchmark machine it made the first rounds at 1M slower than a
        # cold start.  So the rounds start from a known state: written out
        # and, where permitted (root), with clean pages dropped; each
        # round's warm-up pass then reads what its queries need.
        sync
        if { echo 1 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
            growth_cache="dropped"
        else
            growth_cache="kept (not root)"
        fi
        # Once every index is built, the engines take turns as in the warm
        # latency rounds: each round opens the index, runs a warm-up pass
        # and $growth_passes measured passes; each figure is the median
        # over the rounds.
        for ((round = 1; round <= growth_rounds; round++)); do
            for e in $engines; do
                case $e in
                    spine) cmd=("$bin/spine-bench-query" "$g/spine") ;;
                    *) cmd=("$bin/spine-bench-peer" query "$e" "$g/$e.db") ;;
                esac
                "${cmd[@]}" "$f.queries" --passes "$growth_passes" \
                    >"$work/gq-$e.r$round.out"
                parse_result "gq-$e.r$round" "$work/gq-$e.r$round.out"
            done
        done
        arts=$(sed -n 's/^indexed \([0-9]*\) articles.*/\1/p' "$work/gi-spine.out")
        for e in $engines; do
            lat_median "gq-$e" "$growth_rounds"
            line="$label $arts $e:" sep=" "
            for ((r = 1; r <= growth_rounds; r++)); do
                line+="$sep${R[gq-$e.r$r,p50_us]} / ${R[gq-$e.r$r,p99_us]}"
                sep=", "
            done
            growth_by_round+=("$line")
            echo "growth p50 / p99 by round (us): $line"
        done
        inb=$(stat -c %s "$f")
        # Where a growth query's time goes: callgrind over the first
        # gprof_n queries (a warm-up pass and one measured), Spine only, on
        # one thread (callgrind's "main" leaves out other threads).
        if have valgrind && have callgrind_annotate; then
            awk -v n="$gprof_n" '!/^#/ && NF && k++ < n' "$f.queries" \
                >"$work/gprof-queries.txt"
            valgrind --tool=callgrind --callgrind-out-file="$work/gprof.cg" \
                "$bin/spine-bench-query" "$g/spine" "$work/gprof-queries.txt" \
                --passes 1 --threads 1 >/dev/null 2>&1
            gtot=$(cg_incl "$work/gprof.cg" "main")
            gmat=$(cg_incl "$work/gprof.cg" "xapian_enquire_get_mset")
            gq=$(grep -c . "$work/gprof-queries.txt")
            awk -v l="$label" -v a="$arts" -v q="$gq" -v t="$gtot" -v m="$gmat" \
                'BEGIN { if (q > 0 && t > 0)
                    printf "%s,%s,%d,%.0f,%.3f\n", l, a, q, t / (2 * q), m / t }' \
                >>"$gprof_csv"
        fi
        for e in $engines; do
            printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$label" "$arts" "$e" "$inb" \
                "${R[gi-$e,wall]}" \
                "$(awk -v s="${R[gi-$e,wall]}" -v n="$arts" \
                    'BEGIN { printf "%.1f", s * 1e6 / n }')" \
                "${R[gi-$e,index_bytes]}" "${R[gq-$e,p50_us]}" \
                "${R[gq-$e,p99_us]}" >>"$growth_csv"
        done
        growth_rows+=("$label $arts")
        tail -n "$(wc -w <<<"$engines")" "$growth_csv"
        rm -rf "$g"
    done
    if have gnuplot; then
        gnuplot -c "$root/benchmarks/growth.gp" "$growth_csv" "$growth_png" \
            || { echo "bench: gnuplot failed" >&2; exit 2; }
        echo "growth: plotted $growth_png"
    else
        growth_note="no plot: gnuplot not installed (apt-get install gnuplot-nox)"
        echo "growth: $growth_note"
    fi
fi

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
    echo "- Tools: $(hyperfine --version 2>/dev/null || echo 'no hyperfine'), $(quest --version 2>/dev/null | head -n 1 || echo 'no quest'), sqlite3 CLI $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), $(valgrind --version 2>/dev/null || echo 'no valgrind')"
    echo "- Rerun: \`$rerun\`$([ "$smoke" = 1 ] || [ -z "${SPINE_BENCH_SIZES:-}" ] || echo " with SPINE_BENCH_SIZES=\"$sizes\"")"
    echo
    echo "The machine is shared and noisy: compare ratios measured in the same"
    echo "run, not absolute figures across runs. Ratios are Spine / peer: below 1"
    echo "is better for Spine on latency, time, memory and size; above 1 is better"
    echo "for Spine on queries/s and MB/s."
    echo
    echo "## Indexing"
    echo
    echo "Wall seconds of the whole process (build, commit, and for stock Xapian"
    echo "the compaction into the final directory; FTS5 includes its 'optimize'),"
    echo "the median of $idx_runs runs, with that run's peak RSS; the engines take"
    echo "turns, one run each a round, so that load from elsewhere falls on all of"
    echo "them alike. All runs, seconds, in round order:"
    echo "Spine ${R[idx-spine,walls]}; Spine --positions ${R[idx-spinepos,walls]};"
    echo "FTS5 ${R[idx-fts5,walls]}; stock Xapian ${R[idx-xapian,walls]}."
    echo "Index bytes: total size of the files of the final index. Peak RSS: GNU"
    echo "time. Spine runs \`spine-index -q\` with its defaults (spelling data,"
    echo "zlib level 1)."
    echo
    echo "| engine | articles | input MB | seconds | articles/s | MB/s | peak RSS MB | index bytes | bytes per input byte | article text stored |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    index_row spine Spine "yes (zlib)"
    index_row spinepos "Spine --positions" "yes (zlib)"
    index_row fts5 "SQLite FTS5" "yes"
    index_row xapian "stock Xapian" "no (data = id)"
    index_ratio_row fts5 "**Spine / FTS5**"
    index_ratio_row xapian "**Spine / Xapian**"
    echo
    echo "(Ratio rows: seconds, peak RSS and bytes are Spine / peer; articles/s"
    echo "and MB/s are Spine / peer too, so above 1 means Spine indexes faster.)"
    echo
    echo "Spine's default index keeps no word positions (phrases are checked"
    echo "against the stored text, below); \`--positions\` keeps them, as stock"
    echo "Xapian does. Spine without its stored records (the docdata table):"
    echo "${R[idx-spine,notext_bytes]} bytes, $(ratio "${R[idx-spine,notext_bytes]}" "${R[idx-xapian,index_bytes]}")x stock Xapian's index."
    echo
    for mode in or and; do
        M=$(echo "$mode" | tr a-z A-Z)
        echo "## Warm query latency, top 10 ids, $M"
        echo
        echo "In-process, $passes rounds; in each, every engine in turn opens its"
        echo "index, runs one warm-up pass and one measured pass over the query"
        echo "file. Each figure is the median over the rounds of the round's"
        echo "figure (percentiles of that pass's queries). Each engine fetches"
        echo "its hits' ids (Spine: id, title, source, URL). Every run here"
        echo "(and with snippets, and quoted phrases) is $pin_note: unpinned, one process"
        echo "in three was a third slower as the scheduler moved it between CPUs."
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
        echo "text (data = id), so it has no snippet row. Spine's figures are"
        echo "medians over the rounds, as above. FTS5's snippet run, after the"
        echo "rounds, takes one warm-up and ${R[q-fts5+snip-$mode,passes]} measured pass(es) (a fifth of"
        echo "$passes, at least one) to keep the run short; its percentiles cover"
        echo "every measured query."
        echo
        lat_header
        lat_row "spine+snip-$mode" Spine
        lat_row "fts5+snip-$mode" "SQLite FTS5"
        lat_ratio_row "spine+snip-$mode" "fts5+snip-$mode" "Spine / FTS5"
        echo
    done

    echo "## Warm query latency, quoted phrases, top 10 ids, OR"
    echo
    echo "The first $nphrases queries of the query file with two or more words,"
    echo "their first two words quoted (\"kaposi sarcoma\" treatment); one"
    echo "warm-up pass then $passes measured passes. Spine's default index has"
    echo "no word positions: Xapian matches each phrase as AND, and Spine checks"
    echo "the candidates that hold a phrase's words against their stored text"
    echo "(same hits and weights as with positions; tests/check_search.c)."
    echo "Spine --positions matches phrases from the index, as stock Xapian does."
    echo
    lat_header
    lat_row spine-phrase Spine
    lat_row spinepos-phrase "Spine --positions"
    lat_row xapian-phrase "stock Xapian"
    lat_ratio_row spine-phrase xapian-phrase "Spine / Xapian"
    lat_ratio_row spinepos-phrase xapian-phrase "Spine --positions / Xapian"
    echo
    echo "## Whole process: one query, exec to exit"
    echo
    if [ -n "$wp_note" ]; then
        echo "$wp_note"
        echo
    else
        echo "\`hyperfine -N --warmup $hf_warmup --runs $hf_runs\` (no shell), the"
        echo "query \"$wp_query\"; every engine in one hyperfine invocation per"
        echo "mode, so the ratios compare runs taken side by side, $hf_rounds"
        echo "invocations in turn; each figure is the median over them of the"
        echo "invocation's median. Spine:"
        echo "\`spine-search -d INDEX\` with its defaults (top 10 with snippets,"
        echo "\`--and\` for AND), built twice from the same commit: *static* is"
        echo "linked with \`-static\` against a libxapian.a built from Debian's"
        echo "source of the same Xapian (\`scripts/xapian-static.sh\`,"
        echo "\`-DSPINE_XAPIAN_STATIC\`), so it loads no shared library; *shared*"
        echo "links Debian's libxapian.so, as quest does and as the quickstart"
        echo "builds it. quest (xapian-tools) on the stock Xapian"
        echo "database: top 10 ids (that database stores no text), \`-o and\` for"
        echo "AND. sqlite3 CLI on the FTS5 database: the SELECT of the warm runs"
        echo "with \`snippet()\` (what Spine shows) and without (ids and titles)."
        echo "spine-bench-floor links the shared libxapian through the binding,"
        echo "constructs an English stemmer and exits: the floor for any process"
        echo "that loads Xapian's shared library. Medians in ms; raw figures in"
        echo "\`build-bench/work/wp-*.json\`."
        [ -z "$static_note" ] || { echo; echo "Note: $static_note."; }
        echo
        echo "| semantics | Spine, static | Spine, shared | quest | sqlite3 + snippet | sqlite3 ids | floor | **Spine static / quest** | Spine shared / quest | **Spine static / sqlite3 + snippet** | Spine shared - floor | quest - floor |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for mode in or and; do
            k=wp-$mode
            printf '| %s | %s | %s | %s | %s | %s | %s | **%s** | %s | **%s** | %s | %s |\n' \
                "$(echo "$mode" | tr a-z A-Z)" "${R[$k,spine-static]:--}" \
                "${R[$k,spine]}" "${R[$k,quest]}" \
                "${R[$k,sqlite3]}" "${R[$k,sqlite3-ids]}" "${R[$k,floor]}" \
                "$(ratio "${R[$k,spine-static]:-}" "${R[$k,quest]}")" \
                "$(ratio "${R[$k,spine]}" "${R[$k,quest]}")" \
                "$(ratio "${R[$k,spine-static]:-}" "${R[$k,sqlite3]}")" \
                "$(awk -v a="${R[$k,spine]}" -v b="${R[$k,floor]}" 'BEGIN { printf "%.3f", a - b }')" \
                "$(awk -v a="${R[$k,quest]}" -v b="${R[$k,floor]}" 'BEGIN { printf "%.3f", a - b }')"
        done
        echo
    fi
    echo "### Instructions (callgrind)"
    echo
    if [ -n "$cg_note" ]; then
        echo "$cg_note"
        echo
    else
        echo "\`valgrind --tool=callgrind\`, instructions executed by the whole"
        echo "process (dynamic loading included), same commands as above: exact"
        echo "and repeatable where wall time is noisy."
        echo
        echo "| semantics | Spine, static | Spine, shared | quest | floor | **Spine static / quest** | Spine shared / quest |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for mode in or and; do
            k=cg-$mode
            printf '| %s | %s | %s | %s | %s | **%s** | %s |\n' \
                "$(echo "$mode" | tr a-z A-Z)" "${R[$k,spine-static]:--}" \
                "${R[$k,spine]}" "${R[$k,quest]}" "${R[cg-or,floor]}" \
                "$(ratio "${R[$k,spine-static]:-}" "${R[$k,quest]}")" \
                "$(ratio "${R[$k,spine]}" "${R[$k,quest]}")"
        done
        echo
    fi
    echo "## Where the time and the bytes go"
    echo
    if [ -n "$prof_note" ]; then
        echo "$prof_note"
        echo
    else
        echo "Inclusive instructions (\`valgrind --tool=callgrind\`, then"
        echo "\`callgrind_annotate --inclusive=yes\`) for the first $prof_n queries of"
        echo "the query file, top 10 ids, one warm-up and one measured pass, in"
        echo "millions. \"Matcher\" is Xapian's \`Enquire::get_mset\`; \"parse\" is"
        echo "\`QueryParser::parse_query\` (Spine's includes synonym lookups); \"read"
        echo "hits\" is \`Document::get_data\` (Spine's records carry the compressed"
        echo "text; stock Xapian's only the id)."
        echo
        echo "| semantics | engine | total | matcher | parse | read hits | rest |"
        echo "|---|---|---:|---:|---:|---:|---:|"
        for mode in or and; do
            for e in spine xapian; do
                k=prof-$e-$mode
                awk -v m="$(echo "$mode" | tr a-z A-Z)" \
                    -v e="$([ "$e" = spine ] && echo Spine || echo "stock Xapian")" \
                    -v t="${R[$k,total]}" -v a="${R[$k,match]}" \
                    -v p="${R[$k,parse]}" -v d="${R[$k,data]}" 'BEGIN {
                    printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
                        m, e, t / 1e6, a / 1e6, p / 1e6, d / 1e6,
                        (t - a - p - d) / 1e6 }'
            done
            awk -v m="$(echo "$mode" | tr a-z A-Z)" \
                -v t="${R[prof-spine-$mode,total]}" -v T="${R[prof-xapian-$mode,total]}" \
                -v a="${R[prof-spine-$mode,match]}" -v A="${R[prof-xapian-$mode,match]}" \
                -v p="${R[prof-spine-$mode,parse]}" -v P="${R[prof-xapian-$mode,parse]}" \
                -v d="${R[prof-spine-$mode,data]}" -v D="${R[prof-xapian-$mode,data]}" '
                function r(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
                BEGIN { printf "| %s | **Spine / stock** | **%s** | %s | %s | %s | |\n",
                        m, r(t, T), r(a, A), r(p, P), r(d, D) }'
        done
        echo
        echo "One whole \`spine-search '$wp_query'\` process with snippets, inclusive"
        echo "instructions in thousands (quest, same query:"
        echo "$(( ${R[cg-or,quest]:-0} / 1000 )); a program that only links libxapian:"
        echo "$(( ${R[cg-or,floor]:-0} / 1000 ))):"
        echo
        echo "| whole process | dynamic loading | open | parse | matcher | decode (inflate) | section choice | snippet (marking) |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
        awk -v t="${R[prof-wp,main]}" -v l="${R[prof-wp,dl_main]}" \
            -v o="${R[prof-wp,spine_searcher_open]}" -v p="${R[prof-wp,xapian_query_parser_parse]}" \
            -v a="${R[prof-wp,xapian_enquire_get_mset]}" -v d="${R[prof-wp,spine_store_decode]}" \
            -v z="${R[prof-wp,inflate]}" -v s="${R[prof-wp,spine_snippet_text]}" \
            -v x="${R[prof-wp,spine_snippet_make]}" -v all="${R[cg-or,spine]:-0}" 'BEGIN {
            printf "| %d | %d | %d | %d | %d | %d (%d) | %d | %d |\n", all / 1e3,
                l / 1e3, o / 1e3, p / 1e3, a / 1e3, d / 1e3, z / 1e3, s / 1e3, x / 1e3 }'
        echo
    fi
    echo "Index tables on disk (bytes; Spine's generation directory and stock"
    echo "Xapian's database, both compacted):"
    echo
    echo "| table | Spine | stock Xapian | Spine - stock |"
    echo "|---|---:|---:|---:|"
    sgen=$(ls -d "$work/spine-index"/gen-* 2>/dev/null | tail -n 1)
    for t in position postlist termlist docdata spelling synonym; do
        sb=$(stat -c %s "$sgen/$t.glass" 2>/dev/null || echo 0)
        xb=$(stat -c %s "$work/xapian-db/$t.glass" 2>/dev/null || echo 0)
        echo "| $t | $sb | $xb | $((sb - xb)) |"
    done
    # Spine's own file beside the tables (libspine/heads.h); counted in the
    # "without docdata" bytes above.
    sb=$(stat -c %s "$sgen/heads.spine" 2>/dev/null || echo 0)
    echo "| heads.spine (Spine's) | $sb | 0 | $sb |"
    echo
    echo "Indexing CPU: Spine used ${R[idx-spine,cpu]:-?} s of CPU in ${R[idx-spine,wall]} s"
    echo "of wall time on $(nproc) cores; stock Xapian ${R[idx-xapian,cpu]:-?} s in"
    echo "${R[idx-xapian,wall]} s."
    echo
    echo "## Growth"
    echo
    if [ "${SPINE_BENCH_GROWTH:-1}" = 0 ]; then
        echo "$growth_note"
        echo
    else
        echo "Generated corpora (\`benchmarks/make_corpus.py medquad N\`, fixed"
        echo "seed): article lengths in words sampled from MedQuAD's articles,"
        echo "words from its unigram frequencies, titles from its titles' words."
        echo "Sizes: $sizes (1M: \`SPINE_BENCH_SIZES=\"10000 100000 1000000\""
        echo "scripts/bench.sh\`). Real short documents: the dict-gcide entries"
        echo "(\`make_corpus.py gcide\`)$([ "$gcide_limit" = 0 ] || echo ", first $gcide_limit")."
        echo "Each engine indexes the corpus (whole process, wall seconds) and"
        echo "answers 500 queries drawn from the corpus' own titles, OR, top 10"
        echo "ids, $growth_rounds round(s) of an open, 1 warm-up and $growth_passes measured"
        echo "passes, the engines in turn, each figure the median over the rounds"
        echo "(each round's figures below). Before the rounds the page cache is"
        echo "written out and its clean pages ${growth_cache:-kept} (\`drop_caches\`), so"
        echo "that each round starts from what its own warm-up pass read, not from"
        echo "what the build left behind; the peers only up to"
        echo "$peers_max generated articles (SPINE_BENCH_PEERS_MAX). Full figures:"
        echo "\`benchmarks/growth.csv\`; plot: \`benchmarks/growth.png\`${growth_note:+ ($growth_note)}."
        echo
        echo "| corpus | articles | input MB | engine | index s | µs / article | index MB | query p50 µs | query p99 µs | Spine / peer µs per article | Spine / peer p50 | Spine / peer p99 |"
        echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        awk -F, 'NR > 1 {
            k = $1 "," $2
            if ($3 == "spine") { sa[k] = $6; s50[k] = $8; s99[k] = $9 }
            r1 = r2 = r3 = ""
            if ($3 != "spine" && $6 + 0 > 0) {
                r1 = sprintf("%.2f", sa[k] / $6)
                r2 = $8 + 0 > 0 ? sprintf("%.2f", s50[k] / $8) : "n/a"
                r3 = $9 + 0 > 0 ? sprintf("%.2f", s99[k] / $9) : "n/a"
            }
            name = $3 == "spine" ? "Spine" : $3 == "fts5" ? "SQLite FTS5" : "stock Xapian"
            printf "| %s | %s | %.1f | %s | %s | %s | %.1f | %s | %s | %s | %s | %s |\n",
                $1, $2, $4 / 1e6, name, $5, $6, $7 / 1e6, $8, $9, r1, r2, r3
        }' "$growth_csv"
        echo
        echo "Query p50 / p99 µs in each round:"
        echo
        for line in "${growth_by_round[@]}"; do
            echo "- $line"
        done
        echo
        echo "![growth](growth.png)"
        echo
        if [ -s "$gprof_csv" ] && [ "$(wc -l <"$gprof_csv")" -gt 1 ]; then
            echo "Where a growth query's time goes: \`valgrind --tool=callgrind\` of"
            echo "\`spine-bench-query\` over the first $gprof_n queries of each growth"
            echo "corpus (a warm-up and a measured pass), instructions per query and"
            echo "the share of them in Xapian's matcher (\`Enquire::get_mset\`:"
            echo "reading and merging the posting lists, weighing every posting)."
            echo "Full figures: \`benchmarks/growth-profile.csv\`."
            echo
            echo "| corpus | articles | instructions / query | in Xapian's matcher |"
            echo "|---|---:|---:|---:|"
            awk -F, 'NR > 1 { printf "| %s | %s | %.1fM | %.1f%% |\n",
                               $1, $2, $4 / 1e6, $5 * 100 }' "$gprof_csv"
            echo
        fi
    fi
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
    r=$(ratio "${R[idx-spine,notext_bytes]}" "${R[idx-xapian,index_bytes]}")
    echo "| index bytes without text (docdata) <= 0.7x stock Xapian | ${r}x | $(verdict le "$r" 0.7) |"
    for mode in or and; do
        M=$(echo "$mode" | tr a-z A-Z)
        r=$(ratio "${R[wp-$mode,spine-static]:-}" "${R[wp-$mode,quest]:-}")
        r2=$(ratio "${R[wp-$mode,spine]:-}" "${R[wp-$mode,quest]:-}")
        echo "| whole-process $M query, snippets, <= 0.8x quest (static spine-search; shared libxapian: ${r2}x) | ${r}x | $(verdict le "$r" 0.8) |"
    done
    # The 1M target needs the 1M size; otherwise it says how to measure it.
    big=$(awk -F, 'NR > 1 && $1 == "medquad-like" && $3 == "spine" && $2 >= 1000000 {
        print $2, $6, $8, $9 }' "$growth_csv" 2>/dev/null | tail -n 1)
    small=$(awk -F, 'NR > 1 && $1 == "medquad-like" && $3 == "spine" && $2 == 10000 {
        print $6 }' "$growth_csv" 2>/dev/null)
    if [ -n "$big" ] && [ -n "$small" ]; then
        read -r bn bus b50 b99 <<<"$big"
        r=$(ratio "$bus" "$small")
        echo "| 1M: query p50 < 2000 µs | $b50 µs | $(verdict le "$b50" 1999.9) |"
        echo "| 1M: query p99 < 20000 µs | $b99 µs | $(verdict le "$b99" 19999.9) |"
        echo "| 1M: index time/article <= 1.5x 10k | ${r}x | $(verdict le "$r" 1.5) |"
        gp=$(awk -F, -v n="$bn" 'NR > 1 && $2 == n { printf "%.1f%%", $5 * 100 }' \
             "$gprof_csv" 2>/dev/null)
        if [ -n "$gp" ]; then
            echo
            echo "Where a 1M query's time goes: Xapian's matcher, $gp of its"
            echo "instructions at $bn articles (Growth, callgrind on one thread)."
            echo "From 50,000 articles up, spine-search splits a costly query"
            echo 'over the CPUs (one thread each, `--threads`), and weighs'
            echo "terms found in half the articles or more only for the best"
            echo "candidates (lazy matching, README); the peers use one thread."
        fi
    else
        echo "| 1M articles: p50 < 2 ms, p99 < 20 ms, index time/article <= 1.5x 10k | not measured in this run (\`SPINE_BENCH_SIZES=\"10000 100000 1000000\"\`) | |"
    fi
    echo
    # Ranking quality (issue 4): scripts/eval.sh scores Spine, FTS5 and
    # stock Xapian on SMART MED with this build's binaries.
    if [ "$smoke" = 1 ]; then
        eval_out="$work/EFFECTIVENESS.md"
    else
        eval_out="$root/benchmarks/EFFECTIVENESS.md"
    fi
    if "$root/scripts/eval.sh" --build "$build" --out "$eval_out" \
           >"$work/eval.log" 2>&1; then
        cat "$eval_out"
    else
        echo "## Ranking quality (SMART MED)"
        echo
        echo "Not measured: \`scripts/eval.sh\` failed or SMART MED is absent:"
        echo
        tail -n 3 "$work/eval.log" | sed 's/^/    /'
    fi
    echo
    # The same three engines on MedQuAD with the project's own judged lay
    # queries (scripts/eval-medquad.sh).  It indexes the whole corpus three
    # times (about a minute), so the smoke run leaves it out.
    if [ "$smoke" = 0 ]; then
        mq_out="$work/EFFECTIVENESS-MEDQUAD.md"
        rm -f "$mq_out"
        if "$root/scripts/eval-medquad.sh" --build "$build" --out "$mq_out" \
               >"$work/eval-medquad.log" 2>&1 && [ -s "$mq_out" ]; then
            cp "$mq_out" "$root/benchmarks/EFFECTIVENESS-MEDQUAD.md"
            cat "$mq_out"
        else
            echo "## Ranking quality (MedQuAD, own judgments)"
            echo
            echo "Not measured: \`scripts/eval-medquad.sh\` failed or the corpus is absent:"
            echo
            tail -n 3 "$work/eval-medquad.log" | sed 's/^/    /'
        fi
        echo
    fi
    # spine-serve under load (issue 21): its own script, on the Spine index
    # built above; SPINE_BENCH_SERVE=0 skips it (about 5 minutes).
    if [ "$smoke" = 0 ] && [ "${SPINE_BENCH_SERVE:-1}" != 0 ]; then
        echo "## spine-serve under load"
        echo
        if SPINE_BENCH_SERVE_INDEX="$work/spine-index" \
               "$root/scripts/bench-serve.sh" >"$work/serve.md" \
               2>"$work/serve.log"; then
            cat "$work/serve.md"
        else
            echo "Not measured: \`scripts/bench-serve.sh\` failed:"
            echo
            tail -n 3 "$work/serve.log" | sed 's/^/    /'
        fi
        echo
    fi
    # Changes in place (issue 19): its own script, on generated corpora
    # (100,000 articles, about 15 minutes; in the smoke 500 articles);
    # SPINE_BENCH_UPDATE=0 skips it.
    if [ "${SPINE_BENCH_UPDATE:-1}" != 0 ]; then
        echo "## Changes in place"
        echo
        update_args=()
        [ "$smoke" = 1 ] && update_args=(--smoke)
        if "$root/scripts/bench-update.sh" "${update_args[@]}" \
               >"$work/update.md" 2>"$work/update.log"; then
            cat "$work/update.md"
        else
            echo "Not measured: \`scripts/bench-update.sh\` failed:"
            echo
            tail -n 3 "$work/update.log" | sed 's/^/    /'
            [ "$smoke" = 0 ] || exit 1
        fi
        echo
    fi
    # Shard sets (issue 20): its own script, on a generated corpus (100,000
    # articles, two builds and three latency runs, about 10 minutes; in
    # the smoke 500 articles); SPINE_BENCH_SHARDS=0 skips it.
    if [ "${SPINE_BENCH_SHARDS:-1}" != 0 ]; then
        echo "## Shard sets"
        echo
        shards_args=()
        [ "$smoke" = 1 ] && shards_args=(--smoke)
        if "$root/scripts/bench-shards.sh" "${shards_args[@]}" \
               >"$work/shards.md" 2>"$work/shards.log"; then
            cat "$work/shards.md"
        else
            echo "Not measured: \`scripts/bench-shards.sh\` failed:"
            echo
            tail -n 3 "$work/shards.log" | sed 's/^/    /'
            [ "$smoke" = 0 ] || exit 1
        fi
        echo
    fi
    echo "Run time of this benchmark: $(( $(date +%s) - bench_t0 )) s."
} >"$results"

echo "== wrote $results"
if [ "$smoke" = 1 ]; then
    cat "$results"
fi
