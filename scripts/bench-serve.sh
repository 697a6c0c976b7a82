#!/usr/bin/env bash
# scripts/bench-serve.sh -- spine-serve under load (issue 21): queries per
# second and p50/p99 latency at 1, 2, 4 and 16 connections with 1 and 2
# server threads, wrk on loopback over the benchmark queries
# (benchmarks/make_queries.py, fixed seed; benchmarks/serve.lua), and the
# same queries in-process (spine-bench-query, snippets and spelling on, as
# the server answers) as the floor.  Not part of the test suite: wrk shares
# the machine's cores with the server, so the figures are the machine's.
#
#   scripts/bench-serve.sh            30 s a run, the quickstart's index
#
# Environment: SPINE_BENCH_SERVE_SECONDS (per run, default 30),
# SPINE_BENCH_SERVE_INDEX (default var/medquad-index; built from
# SPINE_BENCH_CORPUS, default ../shared/corpus/medquad, when missing),
# SPINE_BENCH_SERVE_CONNS (default "1 2 4 16"), SPINE_BENCH_SERVE_THREADS
# (default "1 2"), SPINE_BENCH_SERVE_REBUILD=0 (skip the rebuild under
# load: a copy of the index rebuilt from the corpus while wrk runs).
# Builds Release into build-bench-serve/.  Prints a Markdown table.
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/scripts/deps.sh"
SPINE_DEPS="$SPINE_DEPS wrk" spine_install_deps

seconds=${SPINE_BENCH_SERVE_SECONDS:-30}
conns=${SPINE_BENCH_SERVE_CONNS:-1 2 4 16}
server_threads=${SPINE_BENCH_SERVE_THREADS:-1 2}
index=${SPINE_BENCH_SERVE_INDEX:-$root/var/medquad-index}
corpus=${SPINE_BENCH_CORPUS:-$root/../shared/corpus/medquad}

build="$root/build-bench-serve"
echo "== build ($build)" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPINE_WERROR=ON \
      -DSPINE_BENCHMARKS=ON -DSPINE_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin="$build/bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/spine-bench-serve.XXXXXX")
server=""
cleanup() {
    [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
    rm -rf "$work"
}
trap cleanup EXIT

if [ ! -f "$index/XAPIANDB" ]; then
    echo "== index $corpus -> $index" >&2
    "$bin/spine-index" --no-progress "$index" "$corpus" >&2
fi
queries="$work/queries.txt"
python3 "$root/benchmarks/make_queries.py" --corpus "$corpus" "$queries" 2>/dev/null
distinct=$(grep -v '^#' "$queries" | sort -u | grep -c .)

# field NAME LINE -- the value of NAME=... in a RESULT line.
field() {
    sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"
}

# start_server INDEX THREADS -- starts spine-serve on a free loopback port:
# its pid in $server, its URL in $url.
start_server() {
    "$bin/spine-serve" -d "$1" --listen 127.0.0.1:0 --threads "$2" \
        >"$work/serve.out" 2>/dev/null &
    server=$!
    for _ in $(seq 100); do
        [ -s "$work/serve.out" ] && break
        sleep 0.1
    done
    url=$(sed -n 's#^listening on \(http://[^ ]*\)$#\1#p' "$work/serve.out")
    [ -n "$url" ] || { echo "spine-serve did not start" >&2; exit 1; }
}

echo "== in-process floor: spine-bench-query" >&2
floor=$("$bin/spine-bench-query" "$index" "$queries" --passes 3 --snippets \
        --spelling --threads 1 | grep '^RESULT' || true)

echo "| server threads | connections | queries/s | p50 (ms) | p99 (ms) | errors |"
echo "|---:|---:|---:|---:|---:|---:|"
for t in $server_threads; do
    start_server "$index" "$t"
    for c in $conns; do
        wt=$(( c < 2 ? 1 : 2 ))
        echo "== $t server thread(s), $c connection(s), ${seconds} s" >&2
        line=$(wrk -t"$wt" -c"$c" -d"${seconds}s" --timeout 10s \
                   -s "$root/benchmarks/serve.lua" "$url" -- "$queries" |
               grep '^RESULT')
        awk -v t="$t" -v c="$c" -v q="$(field qps "$line")" \
            -v p50="$(field p50_us "$line")" -v p99="$(field p99_us "$line")" \
            -v e="$(field errors "$line")" \
            'BEGIN { printf "| %d | %d | %.0f | %.3f | %.3f | %d |\n", t, c, q, p50 / 1000, p99 / 1000, e }'
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
done
# A rebuild under load: a copy of the index served by 2 threads, wrk at 4
# connections from before spine-index starts rebuilding it until after the
# new generation is in.
if [ "${SPINE_BENCH_SERVE_REBUILD:-1}" != 0 ]; then
    echo "== rebuild under load" >&2
    cp -a "$index" "$work/index"
    start_server "$work/index" 2
    wrk -t2 -c4 -d3600s --timeout 10s -s "$root/benchmarks/serve.lua" \
        "$url" -- "$queries" >"$work/wrk.out" &
    wrk_pid=$!
    sleep 2
    t0=$(date +%s)
    "$bin/spine-index" --no-progress "$work/index" "$corpus" >/dev/null 2>&1
    took=$(( $(date +%s) - t0 ))
    sleep 2
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || true
    line=$(grep '^RESULT' "$work/wrk.out" || true)
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    echo
    echo "Rebuild under load: spine-index rebuilt the served index in ${took} s while wrk (4 connections, 2 server threads) sent $(field requests "$line") requests: $(field errors "$line") errors, p50 $(field p50_us "$line") us, p99 $(field p99_us "$line") us."
fi
echo
echo "Queries: $distinct distinct (benchmarks/make_queries.py), ${seconds} s a run, wrk on loopback; $(nproc) CPUs shared by wrk and the server."
echo "In-process floor (spine-bench-query --snippets --spelling, one thread): ${floor#RESULT }"
