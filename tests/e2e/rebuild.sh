#!/usr/bin/env bash
# rebuild.sh -- a rebuild is atomic: whether it is refused (--strict, a
# missing source), killed half way, or locked out by another indexer, the
# live index keeps answering exactly as before; a rebuild that completes
# swaps the new generation in and leaves no leftovers.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The rebuilds here swap one corpus for another, smaller one on purpose.
IX=("$SPINE_INDEXER" --no-progress --allow-shrink)
IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI"

# The answers the live index gives; every failed rebuild must leave them be.
QUERY=(kidney stones)
"$SPINE_SEARCH" --json -d "$IDX" "${QUERY[@]}" >"$WORK/before.json" 2>&1
"$SPINE_SEARCH" -d "$IDX" "${QUERY[@]}" >"$WORK/before.txt" 2>&1
cp "$IDX/XAPIANDB" "$WORK/stub.before"
GEN=$(live_gen "$IDX")

# expect_unchanged -- the live index is the one built above, answering the
# same query byte for byte the same, in JSON and as text.
expect_unchanged() {
    expect_same_files "XAPIANDB" "$WORK/stub.before" "$IDX/XAPIANDB"
    expect_true "live generation $GEN is gone" test -f "$IDX/$GEN/iamglass"
    run "$SPINE_SEARCH" --json -d "$IDX" "${QUERY[@]}"
    expect_status 0
    expect_same_files "JSON results" "$WORK/before.json" "$OUT"
    run "$SPINE_SEARCH" -d "$IDX" "${QUERY[@]}"
    expect_same_files "text results" "$WORK/before.txt" "$OUT"
}

# A large input, so that a rebuild from it is still running when we act.
BIG="$WORK/big.jsonl"
make_big_jsonl "$BIG" 30000

# lock_held -- true when some process holds a lock on $IDX/.lock, going by
# /proc/locks (Linux).  Elsewhere: true once the directory listing changes.
lock_held() {
    local inode
    if [ -r /proc/locks ]; then
        inode=$(stat -c %i "$IDX/.lock" 2>/dev/null) || return 1
        grep -qE " [0-9a-f]+:[0-9a-f]+:$inode " /proc/locks
    else
        [ "$(index_entries "$IDX")" != "$LISTING" ]
    fi
}

# start_big_rebuild -- starts a rebuild from $BIG in the background, sets PID
# and waits (up to about 10 s) until it holds the index lock.
start_big_rebuild() {
    local i
    LISTING=$(index_entries "$IDX")
    "${IX[@]}" "$IDX" "$BIG" >"$WORK/bg.out" 2>"$WORK/bg.err" &
    PID=$!
    e2e_started "$PID"
    for ((i = 0; i < 500; i++)); do
        lock_held && return 0
        alive "$PID" || return 0
        sleep 0.02
    done
}

t_begin "a valid first build leaves XAPIANDB and one generation"
expect_clean_index "$IDX"
t_end

t_begin "--strict rebuild over a bad record: exit 1, old index answers the same"
printf '%s\n' '{"id":"r-1","body":"A good record about earaches."}' \
    '{"id":"r-2","title":"No body"}' >"$WORK/bad.jsonl"
expect_exit 1 "${IX[@]}" --strict "$IDX" "$WORK/bad.jsonl"
expect_unchanged
t_end

t_begin "rebuild from a nonexistent source: exit 2, old index answers the same"
expect_exit 2 "${IX[@]}" "$IDX" "$WORK/no-such-source"
expect_unchanged
expect_exit 2 "${IX[@]}" "$IDX" "$MINI_JSONL" "$WORK/no-such-source"
expect_unchanged
t_end

t_begin "rebuild from an empty directory: exit 2, old index answers the same"
mkdir -p "$WORK/empty-dir"
expect_exit 2 "${IX[@]}" "$IDX" "$WORK/empty-dir"
expect_unchanged
t_end

t_begin "second indexer while one runs: exit 2 \"locked\"; readers see the old index"
start_big_rebuild
expect_true "the first indexer ended before the test could run (exit: $(cat "$WORK/bg.err"))" \
    alive "$PID"
expect_exit 2 "${IX[@]}" "$IDX" "$MEDQUAD_MINI"
expect_err_has "locked"
expect_true "the first indexer ended while the second ran; the lock test is void" \
    alive "$PID"
expect_unchanged
reap "$PID"
expect_unchanged
t_end

t_begin "rebuild killed (SIGKILL) mid-way: old index answers the same"
start_big_rebuild
sleep 0.3
expect_true "the indexer ended within 0.3 s; the kill test needs a larger input" \
    alive "$PID"
reap "$PID"
expect_unchanged
t_end

t_begin "after the kill: a normal rebuild succeeds and clears the leftovers"
expect_exit 0 "${IX[@]}" "$IDX" "$MEDQUAD_MINI"
expect_clean_index "$IDX"
run "$SPINE_SEARCH" --json -d "$IDX" "${QUERY[@]}"
expect_same_files "JSON results of the same corpus" "$WORK/before.json" "$OUT"
t_end

t_begin "rebuild from another corpus swaps the generation in"
gen_old=$(live_gen "$IDX")
expect_exit 0 "${IX[@]}" "$IDX" "$MINI_JSONL"
expect_clean_index "$IDX"
gen_new=$(live_gen "$IDX")
expect_true "generation name was reused ($gen_old)" test "$gen_new" != "$gen_old"
expect_true "old generation $gen_old still on disk" test ! -e "$IDX/$gen_old"
expect_ids "42" -d "$IDX" hiccups
expect_ids "" -d "$IDX" kidney
t_end

t_begin "a --batch searcher moves to each new generation at its next query"
mkfifo "$WORK/queries"
"$SPINE_SEARCH" --batch --json --no-snippets -d "$IDX" <"$WORK/queries" \
    >"$WORK/batch.out" 2>"$WORK/batch.err" &
BPID=$!
e2e_started "$BPID"
exec 7>"$WORK/queries"
echo hiccups >&7
expect_true "no answer to the first query" wait_lines "$WORK/batch.out" 1
expect_exit 0 "${IX[@]}" "$IDX" "$MEDQUAD_MINI"
printf '%s\n' hiccups "kidney stones" >&7
expect_true "no answer after the rebuild" wait_lines "$WORK/batch.out" 3
expect_exit 0 "${IX[@]}" "$IDX" "$MINI_JSONL"
echo hiccups >&7
exec 7>&-
wait "$BPID"
expect_eq "batch exit status (hits found, no error)" 0 "$?"
run cat "$WORK/batch.err"
expect_out_empty
run cat "$WORK/batch.out"
expect_json '
n = [len(d["hits"]) for d in docs]
assert len(n) == 4 and n[0] == 1 and n[1] == 0 and n[2] > 0 and n[3] == 1, n
assert docs[0]["hits"][0]["id"] == docs[3]["hits"][0]["id"] == "42", docs
'
t_end

t_begin "searches during back-to-back rebuilds: every one answers, none fails"
(
    for ((i = 0; i < 6; i++)); do
        "${IX[@]}" "$IDX" "$MEDQUAD_MINI" || exit 1
        "${IX[@]}" "$IDX" "$MINI_JSONL" || exit 1
    done
) >"$WORK/loop.out" 2>"$WORK/loop.err" &
LPID=$!
e2e_started "$LPID"
searches=0 failures=0
while alive "$LPID"; do
    "$SPINE_SEARCH" -d "$IDX" --no-snippets hiccups kidney >/dev/null \
        2>>"$WORK/search.err"
    st=$?
    searches=$((searches + 1))
    [ "$st" -le 1 ] || failures=$((failures + 1))
done
wait "$LPID"
expect_eq "rebuild loop exit status" 0 "$?"
expect_eq "failed searches of $searches (see $WORK/search.err)" 0 "$failures"
expect_true "no search ran during the rebuilds" test "$searches" -gt 0
echo "  ($searches searches during 12 rebuilds)"
t_end

t_summary
