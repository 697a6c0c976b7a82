#!/usr/bin/env bash
# scripts/bench-update.sh -- changing an index in place (issue 19): wall
# seconds to add, replace and delete articles (spine-index --add/--delete)
# against a full rebuild of the same index; warm query latency after 10% of
# the articles were replaced, and after --compact, as ratios to the freshly
# built index measured in the same run; index bytes after each step.
#
#   scripts/bench-update.sh            generated corpora of 100,000 articles
#   scripts/bench-update.sh --smoke    500 articles, changes scaled down
#
# Environment: SPINE_BENCH_UPDATE_SIZES (generated corpus sizes, default
# "100000"; issue 19's 1M point is "100000 1000000": a 1M build takes
# about 20 minutes here), SPINE_BENCH_PASSES (measured passes per latency
# run, default 5), SPINE_BENCH_UPDATE_KEEP=1 (keep the work directory).
# The corpora are benchmarks/make_corpus.py's (fixed seeds): the base
# corpus, and a second one of other text under the same ids g1 ... for
# replacements, renamed for additions.  The queries are the corpus' own
# growth queries (500, fixed seed).  Builds Release into build-bench/
# (shared with scripts/bench.sh).  Prints a Markdown table per size.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/scripts/deps.sh"
spine_install_deps

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
sizes=${SPINE_BENCH_UPDATE_SIZES:-100000}
passes=${SPINE_BENCH_PASSES:-5}
if [ "$smoke" = 1 ]; then
    sizes=500
    passes=1
fi

build="$root/build-bench"
[ "$smoke" = 1 ] && build="$root/build-bench-smoke"
echo "== build ($build)" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPINE_WERROR=ON \
      -DSPINE_BENCHMARKS=ON -DSPINE_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin="$build/bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/spine-bench-update.XXXXXX")
cleanup() {
    if [ "${SPINE_BENCH_UPDATE_KEEP:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# secs CMD... -- runs CMD (its output to the log), prints its wall seconds.
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >>"$work/log" 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# bytes DIR -- bytes on disk of the index at DIR (its live generation).
bytes() {
    du -sb --apparent-size "$1" | cut -f1
}

# field NAME LINE -- the value of NAME=... in a RESULT line.
field() {
    sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"
}

# latency INDEX -- "p50 p99" (us) of the growth queries, warm, in-process.
latency() {
    local line
    line=$("$bin/spine-bench-query" "$1" "$queries" --passes "$passes" \
           2>>"$work/log" | grep '^RESULT')
    echo "$(field p50_us "$line") $(field p99_us "$line")"
}

# renamed PREFIX IN OUT [N] -- IN's first N lines (all), ids PREFIX + id.
renamed() {
    python3 - "$1" "$2" "$3" "${4:-0}" <<'EOF'
import json, sys
prefix, src, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(src) as f, open(dst, "w") as out:
    for i, line in enumerate(f):
        if n and i >= n:
            break
        a = json.loads(line)
        a["id"] = prefix + a["id"]
        out.write(json.dumps(a) + "\n")
EOF
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}

for n in $sizes; do
    echo "== $n articles" >&2
    base="$work/base-$n.jsonl"
    other="$work/other-$n.jsonl"
    queries="$work/queries-$n.txt"
    idx="$work/index-$n"
    tenth=$((n / 10))
    big=10000
    [ "$big" -gt "$tenth" ] && big=$tenth
    python3 benchmarks/make_corpus.py medquad "$n" "$base" \
        --queries "$queries" --count 500 >&2
    # Other text under the ids g1 ... g(n/10), from another seed.
    other_n=$((101 + big > tenth ? 101 + big : tenth))
    python3 benchmarks/make_corpus.py medquad "$other_n" "$other" \
        --seed 7 >&2
    renamed a1- "$other" "$work/add-1.jsonl" 1
    renamed a100- "$other" "$work/add-100.jsonl" 100
    renamed a${big}- "$other" "$work/add-big.jsonl" "$big"
    head -n 1 "$other" >"$work/replace-1.jsonl"
    sed -n '2,101p' "$other" >"$work/replace-100.jsonl"
    sed -n "102,$((101 + big))p" "$other" >"$work/replace-big.jsonl"
    dn=1000
    [ "$n" -lt 5000 ] && dn=$((n / 5))
    seq $((n - dn + 1)) "$n" | sed 's/^/g/' >"$work/delete.txt"

    echo "== full build" >&2
    t_build=$(secs "$bin/spine-index" --no-progress -q "$idx" "$base")
    b_fresh=$(bytes "$idx")
    read -r p50_fresh p99_fresh <<<"$(latency "$idx")"

    echo "== changes" >&2
    rows=()
    step() {    # step LABEL spine-index-args...
        local label=$1 t
        shift
        t=$(secs "$bin/spine-index" --no-progress -q "$@")
        rows+=("| $label | $t | $(ratio "$t" "$t_build") | $(bytes "$idx") |")
    }
    step "add 1" --add "$idx" "$work/add-1.jsonl"
    step "add 100" --add "$idx" "$work/add-100.jsonl"
    step "add $big" --add "$idx" "$work/add-big.jsonl"
    step "replace 1" --add "$idx" "$work/replace-1.jsonl"
    step "replace 100" --add "$idx" "$work/replace-100.jsonl"
    step "replace $big" --add "$idx" "$work/replace-big.jsonl"
    step "delete $dn" --delete-from "$work/delete.txt" "$idx"
    # The rest of the first tenth replaced, $big at a time (each a commit).
    from=$((102 + big))
    while [ "$from" -le "$tenth" ]; do
        to=$((from + big - 1))
        sed -n "${from},${to}p" "$other" >"$work/chunk.jsonl"
        "$bin/spine-index" --no-progress -q --add "$idx" "$work/chunk.jsonl" \
            >>"$work/log" 2>&1
        from=$((to + 1))
    done
    b_changed=$(bytes "$idx")
    read -r p50_changed p99_changed <<<"$(latency "$idx")"
    t_compact=$(secs "$bin/spine-index" --compact "$idx")
    b_compact=$(bytes "$idx")
    read -r p50_compact p99_compact <<<"$(latency "$idx")"
    "$bin/spine-index" --check "$idx" >>"$work/log" 2>&1 \
        || { echo "bench-update: --check found damage (see $work/log)" >&2
             SPINE_BENCH_UPDATE_KEEP=1; exit 1; }

    echo
    echo "### $n generated articles"
    echo
    echo "Full build: $t_build s, $b_fresh bytes."
    echo
    echo "| change | wall s | of a rebuild | index bytes after |"
    echo "| --- | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
    echo "| compact | $t_compact | $(ratio "$t_compact" "$t_build") | $b_compact |"
    echo
    echo "| index | p50 us | p99 us | p50 ratio | p99 ratio | bytes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    echo "| fresh build | $p50_fresh | $p99_fresh | 1.00x | 1.00x | $b_fresh |"
    echo "| $((tenth > 101 + big ? tenth : 101 + big)) replaced, $((1 + 100 + big)) added, $dn deleted |" \
         "$p50_changed | $p99_changed | $(ratio "$p50_changed" "$p50_fresh") |" \
         "$(ratio "$p99_changed" "$p99_fresh") | $b_changed |"
    echo "| then compacted | $p50_compact | $p99_compact |" \
         "$(ratio "$p50_compact" "$p50_fresh") |" \
         "$(ratio "$p99_compact" "$p99_fresh") | $b_compact |"
    rm -rf "$idx" "$base" "$other"
done
