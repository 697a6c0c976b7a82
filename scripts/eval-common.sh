# eval-common.sh -- what scripts/eval.sh and scripts/eval-medquad.sh share:
# their options, the build, the commit line, scoring runs with spine-eval
# and the Spine / best-peer ratios.  Sourced, not run; the sourcing script
# sets root (the checkout) and prog (its name for messages) first.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).

# eval_options DEFAULT_OUT HELP_LINES ARGS...: sets out (default
# DEFAULT_OUT) and build (empty unless --build) from ARGS; -h prints lines
# HELP_LINES (a sed range such as 2,19) of the sourcing script's header.
eval_options() {
    out=$1
    local help=$2
    shift 2
    build=""
    while [ $# -gt 0 ]; do
        case $1 in
            --out) [ $# -ge 2 ] || { echo "$prog: --out needs a file" >&2; exit 2; }
                   out=$2; shift 2 ;;
            --build) [ $# -ge 2 ] || { echo "$prog: --build needs a dir" >&2; exit 2; }
                     build=$2; shift 2 ;;
            -h|--help) sed -n "${help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) echo "usage: scripts/$prog.sh [--out FILE] [--build DIR]" >&2; exit 2 ;;
        esac
    done
}

# eval_commit: the short commit measured, noting uncommitted changes (the
# benchmarks' own output files do not count).
eval_commit() {
    local c
    c=$(git -C "$root" rev-parse --short HEAD)
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- . \
               ':!benchmarks/RESULTS.md' ':!benchmarks/EFFECTIVENESS.md' \
               ':!benchmarks/EFFECTIVENESS-MEDQUAD.md' \
               ':!benchmarks/growth.csv' ':!benchmarks/growth.png' \
               ':!benchmarks/growth-profile.csv')" ]; then
        c="$c (working tree with uncommitted changes)"
    fi
    echo "$c"
}

# eval_build: without --build, installs the dependencies and builds Release
# into build-eval/ (warnings are errors); either way sets bin and checks
# that the three programs are there.
eval_build() {
    if [ -z "$build" ]; then
        . "$root/scripts/deps.sh"
        SPINE_DEPS="$SPINE_DEPS libsqlite3-dev" spine_install_deps
        build="$root/build-eval"
        echo "== build ($build)" >&2
        cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
              -DSPINE_WERROR=ON -DSPINE_BENCHMARKS=ON >/dev/null
        cmake --build "$build" -j"$(nproc)" \
              --target spine-index spine-eval spine-bench-peer >/dev/null
    fi
    bin="$build/bin"
    local b
    for b in spine-index spine-eval spine-bench-peer; do
        [ -x "$bin/$b" ] || {
            echo "$prog: $bin/$b missing (SPINE_BENCHMARKS=ON?)" >&2; exit 2; }
    done
}

# eval_score QRELS WORK ENGINE...: scores WORK/ENGINE.run against QRELS
# into WORK/ENGINE.eval and fills M[ENGINE,key] (the caller declares
# "declare -A M") from spine-eval's RESULT line.
eval_score() {
    local qrels=$1 work=$2 e line kv
    shift 2
    for e in "$@"; do
        "$bin/spine-eval" --name "$e" "$qrels" "$work/$e.run" >"$work/$e.eval"
        line=$(grep '^RESULT ' "$work/$e.eval") || {
            echo "$prog: no RESULT line for $e" >&2; exit 2; }
        for kv in $line; do
            case $kv in *=*) M[$e,${kv%%=*}]=${kv#*=} ;; esac
        done
    done
}

# ratio MEASURE [ENGINE]: ENGINE's (default spine) figure over the better
# peer's, as "1.23x" (higher is better for every measure).
ratio() {
    awk -v s="${M[${2:-spine},$1]}" -v f="${M[fts5,$1]}" -v x="${M[xapian,$1]}" \
        'BEGIN { b = f > x ? f : x; if (b > 0) printf "%.2fx", s / b; else print "-" }'
}

# best_peer MEASURE: the name of the better peer on MEASURE.
best_peer() {
    awk -v f="${M[fts5,$1]}" -v x="${M[xapian,$1]}" \
        'BEGIN { print (f >= x ? "FTS5" : "stock Xapian") }'
}

# eval_name ENGINE: the name a table shows for a run.
eval_name() {
    case $1 in spine) echo Spine ;; spinex) echo "Spine --expand" ;;
               spinens) echo "Spine, no spelling correction" ;;
               spineh) echo "Spine, hand synonyms only" ;;
               fts5) echo "SQLite FTS5" ;; xapian) echo "stock Xapian" ;;
               *) echo "$1" ;;
    esac
}

# eval_table ENGINE...: the Markdown table of the five measures for each
# ENGINE's run, then Spine's and Spine --expand's ratios to the better
# peer and which peer that is.
eval_table() {
    local keys="map ndcg10 p10 r100 mrr" e k
    echo "| engine | MAP | nDCG@10 | P@10 | R@100 | MRR |"
    echo "|---|---:|---:|---:|---:|---:|"
    for e in "$@"; do
        printf '| %s |' "$(eval_name "$e")"
        for k in $keys; do printf ' %s |' "${M[$e,$k]}"; done
        echo
    done
    printf '| **Spine / best peer** |'
    for k in $keys; do printf ' %s |' "$(ratio "$k")"; done
    echo
    printf '| **Spine --expand / best peer** |'
    for k in $keys; do printf ' %s |' "$(ratio "$k" spinex)"; done
    echo
    printf '| best peer |'
    for k in $keys; do printf ' %s |' "$(best_peer "$k")"; done
    echo
}
