#!/usr/bin/env bash
# scripts/bench-shards.sh -- shard sets (issue 20): wall seconds to build an
# index as one database and as a set of 4 shards (spine-index --shards 4,
# same -j); warm query latency of the one index, of the 4 shards opened
# locally, and of 2 local + 2 remote shards served by spine-tcpsrv over
# loopback (a manifest), as ratios to the one index measured in the same
# run, with the same --threads for all three; and whether the three give
# the same top 10 (spine-search --batch --json, tests/e2e/same-hits.py).
#
#   scripts/bench-shards.sh            a generated corpus of 100,000 articles
#   scripts/bench-shards.sh --smoke    500 articles, 1 pass, 1 round, one
#                                      thread, 100 queries compared (CI)
#
# Environment: SPINE_BENCH_SHARDS_SIZES (generated corpus sizes, default
# "100000"; issue 20's point is "1000000": each 1M build takes about 20
# minutes here), SPINE_BENCH_PASSES (measured passes per latency run,
# default 5), SPINE_BENCH_SHARDS_ROUNDS (latency runs per index, the three
# indexes in turn, each figure the median over the rounds; default 3),
# SPINE_BENCH_SHARDS_THREADS (the --threads values measured, each for all
# three indexes; default "1 NPROC": one thread, and what spine-search
# uses by default), SPINE_BENCH_SHARDS_JOBS (spine-index -j for both
# builds, default NPROC), SPINE_BENCH_SHARDS_SAMPLE (queries compared hit
# for hit, default 200), SPINE_BENCH_SHARDS_KEEP=1 (keep the work
# directory).
#
# The corpora are benchmarks/make_corpus.py's (fixed seed) with their 500
# growth queries, shared with scripts/bench.sh in build-bench/corpora/ and
# reused when present.  Builds Release into build-bench/ (with
# spine-tcpsrv: scripts/xapian-static.sh --headers) and measures copies of
# the binaries, so a rebuild there does not change a run under way.  When
# spine-tcpsrv cannot be built the remote part is skipped with a note.
# The servers listen on free ports of 127.0.0.1 (a port found taken is
# tried again elsewhere) and are stopped on exit, however the script ends.
# Exit status 1 when the exhaustive top 10s differ (a bug: the shard set
# must answer as one index does).  Prints a Markdown table per size.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/scripts/deps.sh"
spine_install_deps

smoke=0
case "${1:-}" in
    --smoke) smoke=1 ;;
    "") ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
               exit 0 ;;
    *) echo "usage: scripts/bench-shards.sh [--smoke]" >&2; exit 2 ;;
esac
ncpu=$(nproc)
sizes=${SPINE_BENCH_SHARDS_SIZES:-100000}
passes=${SPINE_BENCH_PASSES:-5}
rounds=${SPINE_BENCH_SHARDS_ROUNDS:-3}
threads_list=${SPINE_BENCH_SHARDS_THREADS:-$( [ "$ncpu" -gt 1 ] && echo "1 $ncpu" || echo 1 )}
jobs=${SPINE_BENCH_SHARDS_JOBS:-$ncpu}
sample=${SPINE_BENCH_SHARDS_SAMPLE:-200}
nshards=4
if [ "$smoke" = 1 ]; then
    sizes=500
    passes=1
    rounds=1
    threads_list=1
    sample=100
fi

build="$root/build-bench"
[ "$smoke" = 1 ] && build="$root/build-bench-smoke"
echo "== build ($build)" >&2
server_note=""
hdr_args=()
if hdr=$("$root/scripts/xapian-static.sh" --headers 2>/dev/null); then
    hdr_args=(-DSPINE_XAPIAN_SERVER_HEADERS="$hdr")
else
    server_note="spine-tcpsrv was not built: scripts/xapian-static.sh --headers failed (no Xapian source to take the server's headers from)"
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPINE_WERROR=ON \
      -DSPINE_BENCHMARKS=ON -DSPINE_TESTS=OFF "${hdr_args[@]}" >/dev/null
cmake --build "$build" -j"$ncpu" >/dev/null
[ -z "$server_note" ] && [ ! -x "$build/bin/spine-tcpsrv" ] &&
    server_note="spine-tcpsrv was not built (see cmake's note on SPINE_XAPIAN_SERVER_HEADERS)"

work=$(mktemp -d "${TMPDIR:-/tmp}/spine-bench-shards.XXXXXX")
servers=()
# shellcheck disable=SC2317  # run by the trap
cleanup() {
    local pid
    for pid in "${servers[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    servers=()
    if [ "${SPINE_BENCH_SHARDS_KEEP:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The binaries measured: copies, taken now (libspine is linked in).
bin="$work/bin"
mkdir -p "$bin"
for b in spine-index spine-search spine-bench-query spine-tcpsrv; do
    [ -x "$build/bin/$b" ] && cp "$build/bin/$b" "$bin/"
done
commit=$(git -C "$root" rev-parse --short HEAD)
[ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ] &&
    commit="$commit (working tree with uncommitted changes)"

# secs CMD... -- runs CMD (its output to the log), prints its wall seconds.
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >>"$work/log" 2>&1 || {
        echo "bench-shards: failed: $*" >&2
        tail -n 5 "$work/log" >&2; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

bytes() {               # bytes of the regular files under DIR
    find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# field NAME LINE -- the value of NAME=... in a RESULT line.
field() {
    sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}

median() {              # median of the arguments
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2];
              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

verdict() {             # verdict RATIO LIMIT -- "met" or "missed"
    awk -v r="${1%x}" -v l="$2" 'BEGIN { print (r + 0 <= l + 0) ? "met" : "missed" }'
}

# serve DATABASE -- starts spine-tcpsrv on a free port of 127.0.0.1 and
# sets port once it listens.  A port taken meanwhile (the server exits 2)
# is tried again elsewhere; the server is stopped on exit.  Not to be run
# in a subshell: servers must hold its pid.
serve() {
    local db=$1 pid log i
    log="$work/tcpsrv.$$.$RANDOM.log"
    for _ in $(seq 1 20); do
        port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$bin/spine-tcpsrv" --port "$port" --interface 127.0.0.1 "$db" \
            </dev/null >>"$work/log" 2>"$log" &
        pid=$!
        for i in $(seq 1 200); do       # up to 20 s to say it listens
            grep -q 'spine-tcpsrv: serving' "$log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q 'spine-tcpsrv: serving' "$log"; then
            servers+=("$pid")
            cat "$log" >>"$work/log"
            return 0
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        cat "$log" >>"$work/log"
    done
    echo "bench-shards: spine-tcpsrv would not serve $db (see $work/log)" >&2
    return 1
}

# latency INDEX THREADS -- "p50 p99" (us) of the growth queries, warm,
# in-process.
latency() {
    local line
    line=$("$bin/spine-bench-query" "$1" "$queries" --passes "$passes" \
           --threads "$2" 2>>"$work/log" | grep '^RESULT') || {
        echo "bench-shards: spine-bench-query $1 failed" >&2
        tail -n 5 "$work/log" >&2; return 1; }
    echo "$(field p50_us "$line") $(field p99_us "$line")"
}

# hits NAME INDEX [OPTION...] -- the sample's answers as JSON lines.
hits() {
    local name=$1 idx=$2
    shift 2
    "$bin/spine-search" -d "$idx" --batch --json --threads 1 "$@" \
        <"$work/sample.txt" >"$work/hits-$name.jsonl" 2>>"$work/log" || {
        echo "bench-shards: spine-search -d $idx --batch failed" >&2
        tail -n 5 "$work/log" >&2; return 1; }
}

# compare A B -- "differ/queries" of same-hits.py on two hits files, its
# report to the log.
compare() {
    local out
    out=$(python3 "$root/tests/e2e/same-hits.py" "$work/hits-$1.jsonl" \
          "$work/hits-$2.jsonl" || true)
    printf 'same-hits %s %s:\n%s\n' "$1" "$2" "$out" >>"$work/log"
    sed -n 's/^same-hits: \([0-9]*\) queries, \([0-9]*\) differ$/\2 of \1/p' \
        <<<"$out" | tail -n 1
}

status=0
corpora="$build/corpora"
[ "$smoke" = 1 ] && corpora="$work/corpora"
mkdir -p "$corpora"
for n in $sizes; do
    echo "== $n articles" >&2
    base="$corpora/medquad-like-$n.jsonl"
    queries="$base.queries"
    if [ ! -s "$base" ] || [ ! -s "$queries" ] || \
       [ "$root/benchmarks/make_corpus.py" -nt "$base" ]; then
        python3 "$root/benchmarks/make_corpus.py" medquad "$n" "$base" \
            --queries "$queries" --count 500 >&2
    fi
    awk -v n="$sample" '!/^#/ && NF && k++ < n' "$queries" >"$work/sample.txt"
    nsample=$(wc -l <"$work/sample.txt")
    one="$work/one-$n"
    set="$work/set-$n"

    echo "== build: one index" >&2
    t_one=$(secs "$bin/spine-index" --no-progress -q -j "$jobs" "$one" "$base")
    echo "== build: $nshards shards" >&2
    t_set=$(secs "$bin/spine-index" --no-progress -q -j "$jobs" \
                 --shards "$nshards" "$set" "$base")
    b_one=$(bytes "$one")
    b_set=$(bytes "$set")
    gen=$(find "$set" -maxdepth 1 -name 'gen-*' | sort | tail -n 1)
    for i in $(seq 0 $((nshards - 1))); do
        [ -d "$gen/shard-$i" ] || { echo "bench-shards: no $gen/shard-$i" >&2; exit 2; }
    done

    # 2 local + 2 remote: a manifest of the lexicon, shard-0 and shard-1
    # by path, shard-2 and shard-3 each behind its own server.
    remote=""
    if [ -z "$server_note" ]; then
        serve "$gen/shard-2"
        p2=$port
        serve "$gen/shard-3"
        p3=$port
        remote="$work/manifest-$n"
        {
            echo "auto $gen/lexicon"
            echo "auto $gen/shard-0"
            echo "auto $gen/shard-1"
            echo "remote 127.0.0.1:$p2"
            echo "remote 127.0.0.1:$p3"
        } >"$remote"
    fi

    echo "== same top 10 ($nsample queries)" >&2
    hits one-x "$one" --exhaustive
    hits set-x "$set" --exhaustive
    hits one-d "$one"
    hits set-d "$set"
    d_set_x=$(compare one-x set-x)
    d_set_d=$(compare one-d set-d)
    d_rem_x="-"; d_rem_d="-"
    if [ -n "$remote" ]; then
        hits rem-x "$remote" --exhaustive
        hits rem-d "$remote"
        d_rem_x=$(compare one-x rem-x)
        d_rem_d=$(compare one-d rem-d)
    fi
    for d in "$d_set_x" "$d_rem_x"; do
        case $d in
            -|"0 of "*) ;;
            *) echo "bench-shards: exhaustive top 10s differ ($d queries; see" \
                    "same-hits in $work/log)" >&2
               SPINE_BENCH_SHARDS_KEEP=1; status=1 ;;
        esac
    done

    echo "== latency ($rounds rounds of $passes passes)" >&2
    declare -A P50=() P99=()
    names=(one set)
    [ -n "$remote" ] && names+=(rem)
    for t in $threads_list; do
        for r in $(seq 1 "$rounds"); do
            for k in "${names[@]}"; do
                case $k in
                    one) idx=$one ;; set) idx=$set ;; rem) idx=$remote ;;
                esac
                res=$(latency "$idx" "$t")
                read -r a b <<<"$res"
                P50[$k,$t]="${P50[$k,$t]:-} $a"
                P99[$k,$t]="${P99[$k,$t]:-} $b"
                echo "   threads $t round $r $k: p50 $a p99 $b" >&2
            done
        done
    done
    # The remote servers are not needed past this point.
    for pid in "${servers[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    servers=()

    echo
    echo "### $n generated articles"
    echo
    echo "Commit $commit, $(date -u +%Y-%m-%d), $ncpu CPUs, load average" \
         "$(cut -d' ' -f1-3 /proc/loadavg) at the end."
    echo
    echo "| build (\`spine-index -j $jobs\`) | wall s | of one index | bytes |"
    echo "| --- | ---: | ---: | ---: |"
    echo "| one index | $t_one | 1.00x | $b_one |"
    echo "| $nshards shards (\`--shards $nshards\`) | $t_set | $(ratio "$t_set" "$t_one") | $b_set |"
    echo
    echo "Warm latency of the $(grep -vc '^#' "$queries") growth queries" \
         "(\`spine-bench-query --passes $passes --threads T\`), top 10, no snippets;"
    echo "each figure the median of $rounds round(s), the indexes in turn:"
    echo
    echo "| index | threads | p50 us | p99 us | p50 ratio | p99 ratio | target (p50) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    for t in $threads_list; do
        # shellcheck disable=SC2086
        o50=$(median ${P50[one,$t]}); o99=$(median ${P99[one,$t]})
        echo "| one index | $t | $o50 | $o99 | 1.00x | 1.00x | |"
        # shellcheck disable=SC2086
        s50=$(median ${P50[set,$t]}); s99=$(median ${P99[set,$t]})
        r=$(ratio "$s50" "$o50")
        echo "| $nshards local shards | $t | $s50 | $s99 | $r |" \
             "$(ratio "$s99" "$o99") | <= 1.2x: $(verdict "$r" 1.2) |"
        if [ -n "$remote" ]; then
            # shellcheck disable=SC2086
            m50=$(median ${P50[rem,$t]}); m99=$(median ${P99[rem,$t]})
            r=$(ratio "$m50" "$o50")
            echo "| 2 local + 2 remote (loopback) | $t | $m50 | $m99 | $r |" \
                 "$(ratio "$m99" "$o99") | <= 1.5x: $(verdict "$r" 1.5) |"
        fi
    done
    echo
    [ -n "$server_note" ] && { echo "Remote shards not measured: $server_note."; echo; }
    echo "p50 / p99 us of each round:"
    echo
    for t in $threads_list; do
        for k in "${names[@]}"; do
            read -ra a <<<"${P50[$k,$t]}"
            read -ra b <<<"${P99[$k,$t]}"
            line=""
            for i in "${!a[@]}"; do line="$line ${a[$i]} / ${b[$i]};"; done
            case $k in
                one) label="one index" ;; set) label="$nshards local shards" ;;
                rem) label="2 local + 2 remote" ;;
            esac
            echo "- $label, threads $t:${line%;}"
        done
    done
    echo
    echo "Same top 10 as the one index (\`spine-search --batch --json\`, the"
    echo "first $nsample growth queries, \`tests/e2e/same-hits.py\`: ids, titles,"
    echo "snippets, scores to 1e-9, modulo ties), queries that differ:"
    echo
    echo "| index | \`--exhaustive\` | default |"
    echo "| --- | ---: | ---: |"
    echo "| $nshards local shards | $d_set_x | $d_set_d |"
    echo "| 2 local + 2 remote | $d_rem_x | $d_rem_d |"
    echo
    unset P50 P99
    [ "${SPINE_BENCH_SHARDS_KEEP:-0}" = 1 ] || rm -rf "$one" "$set"
done
exit "$status"
