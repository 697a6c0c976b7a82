#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ (tests/fuzz/README.md), one
# after another, each for SECONDS (default 60), on a copy of its seed corpus.
#
#   scripts/fuzz.sh [options] [SECONDS] [TARGET...]
#
#   TARGET            jsonl medquad record heads snippet query (default: all)
#   --merge           after a clean run, merge the inputs that found new
#                     coverage into tests/fuzz/corpus/TARGET (minimised:
#                     libFuzzer's -merge=1); otherwise the committed corpus
#                     is never written
#   --refresh-seeds   rewrite tests/fuzz/corpus/{record,heads} with
#                     spine-fuzz-seeds (after a change of either format)
#   --keep            keep the work directory even when nothing was found
#
# Installs clang and libFuzzer if missing (scripts/deps.sh), builds
# build-fuzz/ with clang (SPINE_FUZZ=ON: libFuzzer coverage, ASan and UBSan
# over the whole library), then fuzzes in var/fuzz/RUN/TARGET/: the corpus
# there grows, crash, leak and timeout inputs land there.  Per target it
# prints the seconds, the corpus units before and after, and libFuzzer's
# final stats (executions among them).  Exits 1 when any target failed,
# naming the input that did it; the work directory is then kept.
# SPINE_FUZZ_BUILD picks another build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
all_targets="jsonl medquad record heads snippet query"

seconds=60 merge=0 refresh=0 keep=0 targets=""
for arg in "$@"; do
    case $arg in
        --merge) merge=1 ;;
        --refresh-seeds) refresh=1 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $arg" >&2; exit 2 ;;
        *[!0-9]*)
            case " $all_targets " in
                *" $arg "*) targets="$targets $arg" ;;
                *) echo "fuzz.sh: no target $arg ($all_targets)" >&2; exit 2 ;;
            esac ;;
        *) seconds=$arg ;;
    esac
done
targets=${targets:-$all_targets}
[ "$seconds" -gt 0 ] || { echo "fuzz.sh: SECONDS must be positive" >&2; exit 2; }

. "$root/scripts/deps.sh"
spine_install_deps
spine_install_fuzz_deps

build=${SPINE_FUZZ_BUILD:-$root/build-fuzz}
src=$root/tests/fuzz
bin=$build/tests/fuzz
echo "== fuzz: building $build (clang, libFuzzer, ASan+UBSan)"
build_targets="spine-fuzz-seeds"
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
build_log=$(mktemp "${TMPDIR:-/tmp}/spine-fuzz-build.XXXXXX")
# shellcheck disable=SC2086  # a list of targets
if ! { CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DSPINE_FUZZ=ON \
           -DSPINE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$build" -j"$(nproc)" --target $build_targets; } \
       >"$build_log" 2>&1; then
    tail -n 40 "$build_log"
    echo "fuzz: build FAILED (full log: $build_log)" >&2
    exit 1
fi
rm -f "$build_log"

if [ "$refresh" = 1 ]; then
    fresh=$(mktemp -d)
    "$bin/spine-fuzz-seeds" "$fresh"
    for t in record heads; do
        rm -f "$src/corpus/$t"/record-* "$src/corpus/$t"/payload-* \
              "$src/corpus/$t"/heads-fixture
        cp "$fresh/$t"/* "$src/corpus/$t/"
    done
    rm -rf "$fresh"
    echo "fuzz: rewrote tests/fuzz/corpus/record and tests/fuzz/corpus/heads"
fi

run=$root/var/fuzz/$(date -u +%Y%m%d-%H%M%S)-$$
mkdir -p "$run"
# The binary seeds made afresh from the formats as they are now.
"$bin/spine-fuzz-seeds" "$run/fresh" >/dev/null

# Leaks inside Xapian itself are listed in tests/lsan.supp; UBSan's
# findings stop the target (-fno-sanitize-recover), with a stack.
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

count() { find "$1" -type f | wc -l; }

failed=""
for t in $targets; do
    work=$run/$t
    mkdir -p "$work/corpus"
    cp "$src/corpus/$t"/* "$work/corpus/"
    [ -d "$run/fresh/$t" ] && cp "$run/fresh/$t"/* "$work/corpus/"
    before=$(count "$work/corpus")
    opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=25
          -artifact_prefix="$work/")
    [ -f "$src/$t.dict" ] && opts+=(-dict="$src/$t.dict")
    t0=$(date +%s)
    rc=0
    "$bin/fuzz_$t" "${opts[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?
    after=$(count "$work/corpus")
    echo "fuzz $t: $(( $(date +%s) - t0 )) s, corpus $before -> $after units" \
         "(+$(( after - before )))"
    grep '^stat::' "$work/log" | sed 's/^/    /' || true
    if [ "$rc" != 0 ]; then
        failed="$failed $t"
        tail -n 40 "$work/log"
        for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
                 "$work"/oom-* "$work"/slow-unit-*; do
            [ -e "$f" ] && echo "fuzz $t: FAILED on $f"
        done
        echo "fuzz $t: FAILED (exit $rc; log $work/log)"
    elif [ "$merge" = 1 ]; then
        "$bin/fuzz_$t" -merge=1 "$src/corpus/$t" "$work/corpus" \
            >"$work/merge.log" 2>&1
        echo "fuzz $t: merged into tests/fuzz/corpus/$t:" \
             "$(count "$src/corpus/$t") units"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed (inputs and logs under $run)" >&2
    exit 1
fi
if [ "$keep" = 1 ]; then
    echo "fuzz: no failure; work directory $run"
else
    rm -rf "$run"
    rmdir "$root/var/fuzz" 2>/dev/null || true
    echo "fuzz: no failure"
fi
