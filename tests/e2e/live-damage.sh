#!/usr/bin/env bash
# live-damage.sh -- damage under a running searcher is an error, never a
# signal: each file of a generation is cut short, emptied or has bytes
# flipped while a --batch searcher has it open, between two rounds of
# queries that read every table (postings, stored text, heads, spelling,
# synonyms, term lists).  The searcher must exit by itself (0, 1 or 2), and
# an error after a cut must name the file that was cut.  A searcher opened
# after the damage must not die of a signal either.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDX="$WORK/idx"
# Big enough that each table spans many blocks, so that damage lands in
# blocks the searcher has not read yet.
make_big_jsonl "$WORK/big.jsonl" 3000
build_index "$IDX" "$MEDQUAD_MINI" "$WORK/big.jsonl"
GEN=$(live_gen "$IDX")
cp -r "$IDX" "$WORK/pristine"

# Queries that between them read every file: plain words, a typo (spelling),
# a phrase (stored text), a wildcard, a field, a synonym.
QUERIES=("kidney stones" "kidnye" '"back pain"' "oste*" "title:asthma"
         "heart attack" "migraine headache" "fever cough" '"nausea headache"'
         "record 2999" "numbnes")

# damage FILE HOW -- damages FILE: "cut" (to half its size), "empty", or
# "flip" (16 bytes spread over the file, inverted).
damage() {
    local size
    size=$(stat -c %s "$1")
    case $2 in
        cut) truncate -s $((size / 2)) "$1" ;;
        empty) truncate -s 0 "$1" ;;
        flip)
            python3 - "$1" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
if data:
    for k in range(16):
        at = (k * 7919 + 13) * max(1, len(data) // 17) % len(data)
        data[at] ^= 0xFF
open(path, "r+b").write(bytes(data))
PY
            ;;
    esac
}

# live_round FILE HOW -- a --batch searcher answers the queries, FILE is
# damaged (HOW), and it answers them again; sets ST, its exit status, and
# leaves its stderr in $WORK/live.err.
live_round() {
    rm -f "$WORK/q" && mkfifo "$WORK/q"
    "$SPINE_SEARCH" --batch --json -d "$IDX" <"$WORK/q" \
        >"$WORK/live.out" 2>"$WORK/live.err" &
    local pid=$!
    exec 7>"$WORK/q"
    printf '%s\n' "${QUERIES[@]}" >&7
    wait_lines "$WORK/live.out" "${#QUERIES[@]}"
    damage "$IDX/$GEN/$1" "$2"
    printf '%s\n' "${QUERIES[@]}" >&7
    exec 7>&-
    wait "$pid"
    ST=$?
}

rounds=0 errors=0 fresh_errors=0
for path in "$IDX/$GEN"/*; do
    file=${path##*/}
    for how in cut empty flip; do
        t_begin "$file, $how under a live --batch searcher: an exit, not a signal"
        rm -rf "$IDX" && cp -r "$WORK/pristine" "$IDX"
        live_round "$file" "$how"
        rounds=$((rounds + 1))
        expect_true "spine-search died of signal $((ST - 128)) ($(head -c 300 "$WORK/live.err"))" \
            test "$ST" -le 2
        if [ "$ST" = 2 ]; then
            errors=$((errors + 1))
            run cat "$WORK/live.err"
            expect_out_has "spine-search: "
            if [ "$how" != flip ]; then
                expect_out_has "$file"
            fi
        fi
        # A searcher that opens the damaged index: an error or answers.
        run "$SPINE_SEARCH" -d "$IDX" fever kidney stones
        expect_true "a fresh spine-search died of signal $((RC - 128))" test "$RC" -le 2
        [ "$RC" != 2 ] || fresh_errors=$((fresh_errors + 1))
        t_end
    done
done
t_begin "a spelling table cut short is damage to the index, not a bad query"
rm -rf "$IDX" && cp -r "$WORK/pristine" "$IDX"
truncate -s $(($(stat -c %s "$IDX/$GEN/spelling.glass") / 2)) "$IDX/$GEN/spelling.glass"
run "$SPINE_SEARCH" -d "$IDX" numbnes
expect_status 2
expect_err_lacks "bad query"
expect_err_has "spine-index --check"
t_end

echo "  ($rounds damaged files under a live searcher: $errors reported an error, none a signal;"
echo "   a searcher opened after the damage reported an error for $fresh_errors)"

t_summary
