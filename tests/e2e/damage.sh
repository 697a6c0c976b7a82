#!/usr/bin/env bash
# damage.sh -- a damaged index never kills spine-search with a signal.  Each
# file a search reads (the heads file and Xapian's postlist, docdata and
# termlist tables of the live generation), cut to half its size or to
# nothing, makes spine-search exit 2 with a one-line message, with and
# without snippets; cut while a --batch searcher runs, the queries that
# need it fail with a message and the run exits 2 (before heads.c read the
# heads file with pread(), a cut there under a running searcher was a
# SIGBUS).  A table entry of the heads file pointed at another article's
# head fails the listing naming the file, never lists that article in its
# place.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI"
GEN=$(live_gen "$IDX")
FILES=(heads.spine postlist.glass docdata.glass termlist.glass)
MODES=(--no-snippets --snippets)

for f in "${FILES[@]}"; do
    t_begin "fixture index has $GEN/$f"
    expect_true "$IDX/$GEN/$f is missing or empty" test -s "$IDX/$GEN/$f"
    t_end
done

# damaged_copy SRC NAME FILE SIZE -- copies index SRC to $WORK/NAME, cuts
# FILE of its live generation to SIZE bytes ("half": half its size) and
# prints the copy's path.
damaged_copy() {
    local src=$1 copy="$WORK/$2" file=$3 size=$4 gen
    rm -rf "$copy"
    cp -a "$src" "$copy"
    gen=$(live_gen "$copy")
    [ "$size" != half ] || size=$(($(stat -c %s "$copy/$gen/$file") / 2))
    truncate -s "$size" "$copy/$gen/$file"
    printf '%s\n' "$copy"
}

# cut_name SIZE -- SIZE as a case name says it.
cut_name() {
    if [ "$1" = half ]; then echo "half its size"; else echo "$1 bytes"; fi
}

# mode_args MODE -- the spine-search options for MODE: --snippets stands
# for the default (snippets shown), which has no option of its own.
mode_args() {
    [ "$1" = --snippets ] || printf '%s\n' "$1"
}

# ---- cut before the search starts --------------------------------------------

for f in "${FILES[@]}"; do
    for size in half 0; do
        copy=$(damaged_copy "$IDX" "cut" "$f" "$size")
        for mode in "${MODES[@]}"; do
            t_begin "$f cut to $(cut_name "$size"), $mode: exit 2, one line naming the index"
            # shellcheck disable=SC2046  # mode_args prints zero or one word
            expect_exit 2 "$SPINE_SEARCH" -d "$copy" $(mode_args "$mode") kidney
            expect_err_one_line "spine-search: $copy"
            expect_out_empty
            [ "$f" != heads.spine ] || expect_err_has "$GEN/heads.spine"
            t_end
        done
    done
done

# ---- a table entry pointing at another article's head ------------------------

# A query that lists every article of the fixture index (with -n 20): its
# listing reads every head, so a cut anywhere in the heads fails it.
EVERY="kidney OR diabetes OR gallstones OR pressure OR urinary OR back OR osteoporosis OR heart OR migraine OR asthma OR osteoarthritis"

# point_head FILE D -- rewrites the offset table of heads file FILE
# (heads.h) so that docid D's entry is docid D+1's: D's start moves to
# D+1's, D's end to D+1's end, and D+1's entry is left empty.
point_head() {
    python3 - "$@" <<'PY'
import struct, sys
path, d = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
table = struct.unpack_from("<Q", b, 16)[0]
off = [struct.unpack_from("<Q", b, table + 8 * i)[0] for i in (d, d + 1)]
struct.pack_into("<QQ", b, table + 8 * (d - 1), *off)
open(path, "wb").write(b)
PY
}

# Before heads carried their docid, this listed docid 2's article twice
# (once in docid 1's place, with its id, title and URL) and exit 0.
copy="$WORK/swapped"
rm -rf "$copy"
cp -a "$IDX" "$copy"
point_head "$copy/$GEN/heads.spine" 1
for fmt in "" --json; do
    t_begin "heads.spine entry of docid 1 pointed at docid 2's head, --no-snippets ${fmt:-(text)}: exit 2, names the file, lists nothing"
    # shellcheck disable=SC2086  # fmt is zero or one word
    expect_exit 2 "$SPINE_SEARCH" -d "$copy" --no-snippets -n 20 $fmt "$EVERY"
    expect_err_one_line "spine-search: $copy/$GEN/heads.spine: the entry of docid 1 holds the head of docid 2"
    expect_out_empty
    t_end
done

t_begin "heads.spine entry pointed elsewhere, with snippets: not read, answers stay right"
expect_exit 0 "$SPINE_SEARCH" -d "$copy" --json -n 20 "$EVERY"
expect_json "assert len(ids) == $MINI_ARTICLES and len(set(ids)) == $MINI_ARTICLES"
t_end

# ---- cut under a running --batch searcher --------------------------------------

# A larger index, so that docdata.glass has leaf blocks Xapian has not kept
# from the first query: on the fixture index each table is one block, which
# Xapian holds in memory once open, so a searcher needs no more of it.
BIGIDX="$WORK/bigidx"
make_big_jsonl "$WORK/big.jsonl" 3000
build_index "$BIGIDX" "$WORK/big.jsonl"

# lines FILE -- the number of lines in FILE (0 if it does not exist).
lines() {
    if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# batch_cut SRC FILE SIZE MODE Q1 Q2 -- starts spine-search --json -n 20 --batch on
# a copy of index SRC, feeds it Q1 and waits for the answer, cuts FILE of
# the live generation to SIZE bytes, feeds Q2 and closes its input.  Sets
# RC to its exit status, with stdout in $OUT and stderr in $ERR.
batch_cut() {
    local src=$1 file=$2 size=$3 mode=$4 q1=$5 q2=$6 copy fifo pid fd i gen
    copy="$WORK/batch"
    rm -rf "$copy"
    cp -a "$src" "$copy"
    gen=$(live_gen "$copy")
    fifo="$WORK/batch.in"
    rm -f "$fifo"
    mkfifo "$fifo"
    # shellcheck disable=SC2034  # read by fail() in lib.sh
    LAST_CMD="spine-search -d $copy --json -n 20 --batch $(mode_args "$mode"); $q1; truncate -s $size $gen/$file; $q2"
    # shellcheck disable=SC2046  # mode_args prints zero or one word
    "$SPINE_SEARCH" -d "$copy" --json -n 20 --batch $(mode_args "$mode") \
        <"$fifo" >"$OUT" 2>"$ERR" &
    pid=$!
    e2e_started "$pid"
    exec {fd}>"$fifo"
    # Writes go to a process that may have died: no SIGPIPE for this shell.
    (trap '' PIPE; printf '%s\n' "$q1" >&"$fd") 2>/dev/null
    for ((i = 0; i < 1000; i++)); do
        [ "$(lines "$OUT")" -ge 1 ] && break
        alive "$pid" || break
        sleep 0.02
    done
    [ "$size" != half ] || size=$(($(stat -c %s "$copy/$gen/$file") / 2))
    truncate -s "$size" "$copy/$gen/$file"
    (trap '' PIPE; printf '%s\n' "$q2" >&"$fd") 2>/dev/null
    exec {fd}>&-
    wait "$pid"
    RC=$?
    reap "$pid"
    rm -f "$fifo"
}

# expect_batch_ok_then_error -- the first query was answered; the second
# failed with a one-line message naming the index (and, in JSON batch
# mode, an empty answer to keep the lines in step); the run exits 2.
expect_batch_ok_then_error() {
    e2e_live || return 1
    [ "$RC" -lt 128 ] || { fail "killed by signal $((RC - 128))"; return 1; }
    expect_status 2
    expect_eq "answers" "$(lines "$OUT")" 2
    expect_json 'assert len(docs[0]["hits"]) > 0 and docs[1]["hits"] == []'
    expect_err_one_line "spine-search: $WORK/batch"
}

for size in half 0; do
    # A searcher keeps what it read of the file (heads.h): the second
    # query lists an article whose head and offsets the first did not
    # read, on an index large enough for them to lie apart.
    t_begin "heads.spine cut to $(cut_name "$size") under --batch --no-snippets: the next listing fails, exit 2"
    batch_cut "$BIGIDX" heads.spine "$size" --no-snippets "17" "2999"
    expect_batch_ok_then_error
    expect_err_has "$(live_gen "$BIGIDX")/heads.spine: cut short"
    t_end

    t_begin "heads.spine cut to $(cut_name "$size") under --batch with snippets: unused, answers stay right"
    batch_cut "$IDX" heads.spine "$size" --snippets "kidney" "$EVERY"
    expect_status 0
    expect_eq "answers" "$(lines "$OUT")" 2
    expect_err_empty
    t_end

    for mode in "${MODES[@]}"; do
        t_begin "postlist.glass cut to $(cut_name "$size") under --batch $mode: the next query fails, exit 2"
        # The second query's terms are spread over the key space (body,
        # title and source terms): one word could sit in a block the
        # first query left in Xapian's cursor, or before the cut, and be
        # answered without a read ("diabetes" was, once the typed fields
        # of "see also" moved the blocks of this 9-block table).
        batch_cut "$IDX" postlist.glass "$size" "$mode" "kidney" \
            "asthma diabetes title:migraine OR source:zzz"
        expect_batch_ok_then_error
        t_end
    done

done

t_begin "docdata.glass (many blocks) cut to 0 bytes under --batch with snippets: exit 2"
batch_cut "$BIGIDX" docdata.glass 0 --snippets "17" "2999"
expect_batch_ok_then_error
t_end

# What a searcher no longer reads cannot fail it: the answers stay right,
# and no cut is ever a signal.
for f in docdata.glass termlist.glass; do
    for mode in "${MODES[@]}"; do
        t_begin "$f (one block, held by Xapian) cut under --batch $mode: no signal"
        batch_cut "$IDX" "$f" 0 "$mode" "kidney" "diabetes"
        [ "$RC" -lt 128 ] || fail "killed by signal $((RC - 128))"
        expect_true "exit status $RC is neither 0 nor 2" test "$RC" = 0 -o "$RC" = 2
        expect_eq "answers" "$(lines "$OUT")" 2
        # shellcheck disable=SC2016  # $1 is for the inner shell
        expect_true "a stderr line is not a spine-search: message" \
            bash -c '! grep -qv "^spine-search: " "$1"' _ "$ERR"
        t_end
    done
done

t_summary
