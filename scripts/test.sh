#!/usr/bin/env bash
# Installs what Spine needs, builds it with warnings as errors, and runs every
# test (unit suites and end-to-end cases).
# First it runs the benchmark suite in smoke mode (scripts/bench.sh --smoke,
# tiny sizes, results in a temporary directory) and each fuzz target for
# 20 s (scripts/fuzz.sh 20, clang build in build-fuzz/) so neither rots;
# then the tests of three builds: plain, static libxapian (spine-search
# linked -static), and ASan+UBSan.
#
#   scripts/test.sh            all three builds
#   SPINE_NO_ASAN=1 scripts/test.sh   without the ASan+UBSan build
#   SPINE_NO_FUZZ=1 scripts/test.sh   without the fuzzing step
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/deps.sh"
spine_install_deps
# The browser test skips (and says so) where Chromium cannot be installed.
spine_install_test_deps || echo "spine: no chromium: the browser test will skip" >&2
jobs=$(nproc)

run_suite() {          # run_suite BUILD_DIR CMAKE_ARGS...
    local dir=$1; shift
    echo "== $(basename "$dir"): $*"
    cmake -S "$root" -B "$dir" -DSPINE_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600)
}

# Before the test suites, so the last lines stay CTest's summary.
echo "== bench smoke: scripts/bench.sh --smoke"
bench_log=$(mktemp "${TMPDIR:-/tmp}/spine-bench-smoke.XXXXXX")
t0=$(date +%s)
if ! "$root/scripts/bench.sh" --smoke >"$bench_log" 2>&1; then
    tail -n 60 "$bench_log"
    echo "bench smoke: FAILED (full log: $bench_log)" >&2
    exit 1
fi
echo "bench smoke: ok in $(( $(date +%s) - t0 )) s"
rm -f "$bench_log"

if [ "${SPINE_NO_FUZZ:-0}" != 1 ]; then
    echo "== fuzz: scripts/fuzz.sh 20"
    "$root/scripts/fuzz.sh" 20
fi

# Every build has spine-tcpsrv: Xapian's remote server headers, from the
# same verified source as the static library (only downloaded, not built).
headers=$("$root/scripts/xapian-static.sh" --headers)
run_suite "$root/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSPINE_XAPIAN_SERVER_HEADERS="$headers"
# The same tests against the static libxapian (scripts/xapian-static.sh,
# which the bench smoke has built and cached), spine-search linked -static.
run_suite "$root/build-test-static" -DCMAKE_BUILD_TYPE=Release \
    -DSPINE_XAPIAN_STATIC="$("$root/scripts/xapian-static.sh")" \
    -DSPINE_XAPIAN_SERVER_HEADERS="$headers"
if [ "${SPINE_NO_ASAN:-0}" != 1 ]; then
    # Xapian itself is not instrumented; leaks and overflows in our code are.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_suite "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DSPINE_SANITIZE=ON \
        -DSPINE_XAPIAN_SERVER_HEADERS="$headers"
fi
