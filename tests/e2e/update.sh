#!/usr/bin/env bash
# update.sh -- changing an index in place (issue 19): spine-index --add,
# --delete, --delete-from and --compact; the refused shrink of a rebuild; bad
# input in an update; a second writer locked out; a long-lived --batch
# searcher that sees each change at its next query; and kill -9 during each
# kind of change, after which the index answers exactly as before the change
# or exactly as after it.  GPL-2.0-or-later.
#
# The kill cases kill each kind of change SPINE_E2E_KILLS times at random
# moments (default 20; 5 in an ASan build, found by its CMakeCache.txt or by
# libasan among the indexer's libraries; SPINE_E2E_SEED fixes the moments),
# then, with strace, at each rename() and fsync() it makes, the steps of its
# commit; with strace too, an --add fails (EIO) at each of them in turn.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IX=("$SPINE_INDEXER" --no-progress)
# lib.sh runs python3 for every JSON check, well over a hundred times here:
# call the interpreter itself, not through a version manager's shim (pyenv's
# takes 0.1-0.7 s a call on a busy machine).
E2E_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -x "$E2E_PYTHON" ]; then
    python3() { "$E2E_PYTHON" "$@"; }
fi
T0=$(date +%s)

# ---- fixtures: a small collection of household notes, and its changes ----

F="$WORK/fixtures"
mkdir -p "$F"
cat >"$F/base.jsonl" <<'EOF'
{"id":"h-01","title":"Garden snails","source":"Almanac","url":"https://example.org/h/01","body":"Garden snails chew lettuce leaves at night. Copper tape around the raised beds keeps the snails away from the seedlings."}
{"id":"h-02","title":"Sourdough starter","source":"Kitchen","url":"https://example.org/h/02","body":"A sourdough starter wants flour and water every morning. Bubbles on top show the wild yeast is lively and ready for baking bread."}
{"id":"h-03","title":"Bicycle chains","source":"Workshop","body":"A rusty bicycle chain squeaks on every hill. Wipe it with a rag, then oil each link sparingly and spin the pedals backwards."}
{"id":"h-04","title":"Polishing copper kettles","source":"Kitchen","body":"Tarnished copper kettles shine again after a paste of lemon juice and salt. Rub the copper gently with the paste, rinse the kettle and dry the copper at once."}
{"id":"h-05","title":"Copper pans and tarnish","source":"Kitchen","body":"Copper pans darken as the copper meets damp air, and green verdigris may follow. A paste of lemon juice and salt lifts the tarnish; rinse the pans and dry the copper with a soft cloth."}
{"id":"h-06","title":"Tuning a fiddle","source":"Music","body":"Tune the fiddle string by string against a pitch pipe. Turn each peg slowly; a fine tuner helps with the thinnest string."}
{"id":"h-07","title":"Storing apples","source":"Almanac","body":"Apples keep through winter in a cool cellar. Wrap each apple in newspaper so that one bruised fruit cannot spoil the whole crate."}
{"id":"h-08","title":"Sharpening chisels","source":"Workshop","body":"Hold the chisel at a steady angle on the whetstone. Flatten the back first, then hone the bevel until a burr forms along the edge."}
{"id":"h-09","title":"Bird feeders in winter","source":"Almanac","body":"Sunflower seeds and suet draw finches to a feeder in winter. Clean the feeder every fortnight so that mould does not spread among the birds."}
{"id":"h-10","title":"Patching an inner tube","source":"Workshop","body":"Find the puncture by dipping the inflated tube in water and watching for bubbles. Roughen the rubber, spread the glue thinly and press the patch down hard."}
EOF
BASE_ARTICLES=10
cat >"$F/add.jsonl" <<'EOF'
{"id":"h-11","title":"Harbour lighthouses","source":"Coast","url":"https://example.org/h/11","body":"The lighthouse keeper trimmed the wick each evening and wound the clockwork that turned the great lens."}
{"id":"h-12","title":"Tide pools","source":"Coast","body":"At low tide the rock pools hold anemones, small crabs and a periwinkle or two clinging to the weed."}
EOF
cat >"$F/replace.jsonl" <<'EOF'
{"id":"h-02","title":"Rye porridge","source":"Kitchen","url":"https://example.org/h/02","body":"Rye porridge simmers slowly with cinnamon, a spoon of honey and a pinch of salt until it thickens."}
EOF
cat >"$F/fiddle.jsonl" <<'EOF'
{"id":"h-06","title":"Rosin for the bow","source":"Music","body":"Rosin gives the bow hair its grip on the strings; draw the cake along the hair a few times before playing."}
{"id":"h-13","title":"Mending a drystone wall","source":"Workshop","body":"A drystone wall is rebuilt from the footing up, each stone set to lean inward, with through-stones binding both faces."}
EOF
# An update with bad records among good ones: line 2 is not JSON, line 3 has
# a byte that is not UTF-8, line 4 lacks its body.
{
    echo '{"id":"h-20","title":"Beeswax candles","source":"Almanac","body":"Beeswax candles burn slowly with a warm honey scent and little smoke."}'
    echo '{"id":"h-bad-1","title":"Broken","body":"this line never ends'
    printf '{"id":"h-bad-2","title":"Bad byte","body":"A stray \xfe byte."}\n'
    echo '{"id":"h-bad-3","title":"No body"}'
    echo '{"id":"h-21","title":"Pressing flowers","source":"Almanac","body":"Press violets between sheets of blotting paper under a stack of heavy atlases for a fortnight."}'
} >"$F/add-bad.jsonl"
{
    echo '{"id":"h-30","title":"Knitting socks","source":"Almanac","body":"Turn the heel of a knitted sock with short rows, then pick up the gusset stitches."}'
    echo '{"id":"h-bad-4","body":"unterminated'
    echo '{"id":"h-31","title":"Waxing skis","source":"Workshop","body":"Iron the glide wax onto the ski base, let it cool, then scrape and brush it smooth."}'
} >"$F/strict-bad.jsonl"
echo '{"id":"h-40","title":"Smoking fish","source":"Coast","body":"Mackerel smoked over oak chips for an hour keeps well in a cold larder."}' \
    >"$F/lock.jsonl"

# index_sum DIR -- a digest of everything the index is: its stub and every
# file of its live generation (its Xapian revision among them).
index_sum() {
    local gen
    gen=$(sed -n 's/^auto //p' "$1/XAPIANDB")
    cat "$1/XAPIANDB"
    (cd "$1/$gen" && find . -type f ! -name readers.lock | LC_ALL=C sort | xargs md5sum)
}

# snapshot DIR FILE -- the answers of DIR to 20 fixed queries (JSON, with
# snippets, one batch), the related articles of two articles and the list
# of sources, all in FILE.
SNAP_QUERIES=(snails copper '"copper kettles"' lighthouse periwinkle porridge
    'title:rye' 'source:Workshop chain' 'bicycle OR chisel' 'tube AND patch'
    '"lemon juice"' fiddle 'apples winter' 'lettuce -copper' sunflower 'glue*'
    'kettle OR pans' 'cinnamon salt' lighthuose 'water bubbles')
snapshot() {
    {
        printf '%s\n' "${SNAP_QUERIES[@]}" | "$SPINE_SEARCH" -d "$1" --batch --json -n 20
        echo "batch exit $?"
        "$SPINE_SEARCH" -d "$1" --json --related h-04
        echo "related exit $?"
        "$SPINE_SEARCH" -d "$1" --json --related h-01
        echo "related exit $?"
        "$SPINE_SEARCH" -d "$1" --json --sources
        echo "sources exit $?"
    } >"$2" 2>&1
}

# expect_no_warning -- stderr holds nothing but notes ("spine-index: note: ").
expect_no_warning() {
    e2e_live || return 1
    ! grep -vq '^spine-index: note: ' "$ERR" || fail "expected no warning on stderr"
}

# expect_checked DIR -- spine-index --check finds no damage.
expect_checked() {
    expect_exit 0 "$SPINE_INDEXER" --check "$1"
    expect_out_has "no damage found"
}

# changed_re A R U D M -- the first line of an update's summary.
changed_re() {
    echo "^changed: $1 added, $2 replaced, $3 unchanged, $4 deleted \\($5 ids not found\\) in [0-9]+\\.[0-9]+ s$"
}

IDX="$WORK/idx"
build_index "$IDX" "$F/base.jsonl"

# ---- add, replace, delete, unchanged ------------------------------------

t_begin "--add: new ids are found, the summary counts them, --check clean"
expect_ids "" -d "$IDX" lighthouse
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/add.jsonl"
expect_out_line "$(changed_re 2 0 0 0 0)"
expect_out_line "^index $IDX: 12 articles, [1-9][0-9]* bytes"
expect_no_warning
expect_ids "h-11" -d "$IDX" lighthouse
expect_ids "h-12" -d "$IDX" periwinkle
expect_ids "h-11 h-12" -d "$IDX" source:Coast
expect_ids "h-01" -d "$IDX" snails
run "$SPINE_SEARCH" -d "$IDX" --json --sources
expect_json 'assert doc["articles"] == 12, doc'
expect_checked "$IDX"
t_end

t_begin "spelling learns a word found only in an added article"
# Before the add no article had "lighthouse": the typo was not corrected to it.
build_index "$WORK/idx-base-spell" "$F/base.jsonl"
run "$SPINE_SEARCH" -d "$WORK/idx-base-spell" --json lighthuose
expect_status 1
expect_json 'assert doc["corrected"] != "lighthouse" and ids == [], doc'
run "$SPINE_SEARCH" -d "$IDX" --json lighthuose
expect_status 0
expect_json 'assert doc["corrected"] == "lighthouse" and doc["auto_corrected"] is True, doc
assert ids == ["h-11"], ids'
run "$SPINE_SEARCH" -d "$IDX" --color=never lighthuose
expect_out_has "Showing results for: lighthouse"
run "$SPINE_SEARCH" -d "$IDX" --json periwinkel
expect_json 'assert doc["corrected"] == "periwinkle" and ids == ["h-12"], doc'
t_end

t_begin "re-adding the same file: 2 unchanged, 0 replaced, the index not touched"
index_sum "$IDX" >"$WORK/sum.before"
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/add.jsonl"
expect_out_line "$(changed_re 0 0 2 0 0)"
index_sum "$IDX" >"$WORK/sum.after"
expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
expect_ids "h-11" -d "$IDX" lighthouse
expect_checked "$IDX"
t_end

t_begin "a change that changes nothing still reports the index's size"
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/add.jsonl"
expect_out_line "^index $IDX: 12 articles, [1-9][0-9]* bytes"
t_end

t_begin "--add of a changed article replaces it: new text found, old text gone"
expect_ids "h-02" -d "$IDX" sourdough
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/replace.jsonl"
expect_out_line "$(changed_re 0 1 0 0 0)"
expect_out_line "^index $IDX: 12 articles, "
# Words of the old version only: nothing.
expect_ids "" -d "$IDX" sourdough
expect_ids "" -d "$IDX" yeast
expect_ids "" -d "$IDX" title:sourdough
expect_ids "" -d "$IDX" title:starter
expect_ids "" -d "$IDX" '"wild yeast"'
# Words of the new one: the article, with its new title and snippet.
expect_ids "h-02" -d "$IDX" porridge
expect_ids "h-02" -d "$IDX" title:rye
expect_ids "h-02" -d "$IDX" '"pinch of salt"'
run "$SPINE_SEARCH" -d "$IDX" --json cinnamon
expect_status 0
expect_json 'assert ids == ["h-02"], ids
h = hits[0]
assert h["title"] == "Rye porridge", h
assert h["url"] == "https://example.org/h/02", h
assert "**cinnamon**" in h["snippet"] and "Rye porridge" in h["snippet"], h
low = h["snippet"].lower()
assert "sourdough" not in low and "yeast" not in low and "flour" not in low, h'
run "$SPINE_SEARCH" -d "$IDX" --color=never porridge
expect_status 0
expect_out_has "1. Rye porridge [Kitchen]"
expect_out_lacks "Sourdough"
expect_out_lacks "yeast"
# Every article at once: the old version nowhere.
run "$SPINE_SEARCH" -d "$IDX" --json -n 100 salt OR water OR copper OR porridge OR flour
expect_json 'assert "h-02" in ids, ids
text = json.dumps(docs).lower()
assert "sourdough" not in text and "yeast" not in text, text'
expect_checked "$IDX"
t_end

t_begin "--delete: the article is never shown again (words, title:, --related, snippets)"
# Before: h-05 is found, and is among the articles related to h-04.
expect_ids "h-05" -d "$IDX" pans
run "$SPINE_SEARCH" -d "$IDX" --json --related h-04
expect_status 0
expect_json 'assert "h-05" in ids, ids'
run "$SPINE_SEARCH" -d "$IDX" --json verdigrs
expect_json 'assert doc["corrected"] == "verdigris", doc'
expect_exit 0 "${IX[@]}" --delete h-05 "$IDX"
expect_out_line "$(changed_re 0 0 0 1 0)"
expect_out_line "^index $IDX: 11 articles, "
expect_no_warning
expect_ids "" -d "$IDX" pans
expect_ids "" -d "$IDX" verdigris
expect_ids "" -d "$IDX" title:pans
expect_ids "" -d "$IDX" title:tarnish
expect_ids "" -d "$IDX" '"damp air"'
expect_ids "h-01 h-04" -d "$IDX" copper
expect_ids "h-04" -d "$IDX" tarnish
run "$SPINE_SEARCH" -d "$IDX" --json --related h-04
expect_json 'assert "h-05" not in (ids or []), ids
text = json.dumps(docs)
assert "Copper pans" not in text and "verdigris" not in text, text'
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" --json --related h-05
run "$SPINE_SEARCH" -d "$IDX" --json -n 100 copper OR lemon OR salt OR tarnish OR paste OR cloth OR pans
expect_json 'assert "h-05" not in ids, ids
text = json.dumps(docs)
assert "Copper pans" not in text and "verdigris" not in text and "damp" not in text, text'
# The spelling dictionary forgets the words only h-05 had.
run "$SPINE_SEARCH" -d "$IDX" --json verdigrs
expect_json 'assert doc["corrected"] != "verdigris" and ids == [], doc'
run "$SPINE_SEARCH" -d "$IDX" --json --sources
expect_json 'assert doc["articles"] == 11, doc'
expect_checked "$IDX"
t_end

t_begin "--delete-from FILE: ids one a line, spaces and blank lines ignored"
printf '  h-07  \n\nh-08\n' >"$WORK/ids.txt"
expect_exit 0 "${IX[@]}" --delete-from "$WORK/ids.txt" "$IDX"
expect_out_line "$(changed_re 0 0 0 2 0)"
expect_out_line "^index $IDX: 9 articles, "
expect_ids "" -d "$IDX" apples
expect_ids "" -d "$IDX" chisel
expect_ids "h-09" -d "$IDX" winter
expect_checked "$IDX"
t_end

t_begin "--delete-from - reads the ids from standard input"
expect_exit_in 0 $'h-09\n' "${IX[@]}" --delete-from - "$IDX"
expect_out_line "$(changed_re 0 0 0 1 0)"
expect_out_line "^index $IDX: 8 articles, "
expect_ids "" -d "$IDX" feeder
expect_ids "" -d "$IDX" winter
expect_checked "$IDX"
t_end

t_begin "--delete of a missing id: a warning, counted, exit 0, nothing changed"
index_sum "$IDX" >"$WORK/sum.before"
expect_exit 0 "${IX[@]}" --delete h-77 "$IDX"
expect_err_has "not deleted: no article 'h-77' in $IDX"
expect_out_line "$(changed_re 0 0 0 0 1)"
index_sum "$IDX" >"$WORK/sum.after"
expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
expect_checked "$IDX"
t_end

t_begin "--strict and a missing id: exit 1, the other deletion not made either"
index_sum "$IDX" >"$WORK/sum.before"
snapshot "$IDX" "$WORK/snap.before"
expect_exit 1 "${IX[@]}" --strict --delete h-77 --delete h-10 "$IDX"
expect_err_has "not deleted: no article 'h-77' in $IDX"
expect_out_lacks "changed:"
index_sum "$IDX" >"$WORK/sum.after"
expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
snapshot "$IDX" "$WORK/snap.after"
expect_same_files "answers" "$WORK/snap.before" "$WORK/snap.after"
expect_ids "h-10" -d "$IDX" puncture
expect_exit_in 1 $'h-10\nh-78\n' "${IX[@]}" --strict --delete-from - "$IDX"
expect_err_has "not deleted: no article 'h-78' in $IDX"
expect_ids "h-10" -d "$IDX" puncture
expect_checked "$IDX"
t_end

t_begin "--delete ID --add in one change: deleted, then added anew"
expect_ids "h-06" -d "$IDX" pitch
expect_exit 0 "${IX[@]}" --delete h-06 --add "$IDX" "$F/fiddle.jsonl"
expect_out_line '^changed: .*, 1 deleted \(0 ids not found\)'
expect_out_line "^index $IDX: 9 articles, "
expect_ids "" -d "$IDX" pitch
expect_ids "" -d "$IDX" title:tuning
expect_ids "h-06" -d "$IDX" rosin
expect_ids "h-13" -d "$IDX" drystone
expect_checked "$IDX"
t_end

# ---- bad input in an update ---------------------------------------------

t_begin "bad records in --add: each named by file:line, the good ones applied"
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/add-bad.jsonl"
expect_err_line "add-bad\\.jsonl:2: "
expect_err_line "add-bad\\.jsonl:3: "
expect_err_line "add-bad\\.jsonl:4: "
expect_err_no_line "add-bad\\.jsonl:[15]: "
expect_out_line "$(changed_re 2 0 0 0 0)"
expect_out_line "^index $IDX: 11 articles, "
expect_ids "h-20" -d "$IDX" beeswax
expect_ids "h-21" -d "$IDX" violets
expect_ids "" -d "$IDX" stray
expect_ids "" -d "$IDX" title:broken
expect_checked "$IDX"
t_end

t_begin "--strict --add over a bad record: exit 1, named, nothing changed"
index_sum "$IDX" >"$WORK/sum.before"
snapshot "$IDX" "$WORK/snap.before"
expect_exit 1 "${IX[@]}" --strict --add "$IDX" "$F/strict-bad.jsonl"
expect_err_line "strict-bad\\.jsonl:2: "
index_sum "$IDX" >"$WORK/sum.after"
expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
snapshot "$IDX" "$WORK/snap.after"
expect_same_files "answers" "$WORK/snap.before" "$WORK/snap.after"
expect_ids "" -d "$IDX" knitted
expect_ids "" -d "$IDX" ski
expect_checked "$IDX"
t_end

# ---- compaction -----------------------------------------------------------

t_begin "--compact: a new generation, --check clean, the same answers byte for byte"
snapshot "$IDX" "$WORK/snap.before"
gen_old=$(live_gen "$IDX")
expect_exit 0 "${IX[@]}" --compact "$IDX"
expect_out_line "^compacted $IDX: 11 articles, [0-9]+ bytes"
expect_clean_index "$IDX"
gen_new=$(live_gen "$IDX")
expect_true "the generation is still $gen_old" test "$gen_new" != "$gen_old"
expect_checked "$IDX"
snapshot "$IDX" "$WORK/snap.after"
expect_same_files "answers before and after compaction" "$WORK/snap.before" "$WORK/snap.after"
# The snapshot holds what it should: 20 answers, most of them with hits.
run cat "$WORK/snap.after"
expect_true "snapshot has 22 answers" test "$(grep -c '^{"query"' "$OUT")" = 22
expect_out_has '"id":"h-02"'
# After a compaction, changes go on as before.
expect_exit 0 "${IX[@]}" --add "$IDX" "$F/strict-bad.jsonl"
expect_ids "h-30" -d "$IDX" knitted
expect_checked "$IDX"
t_end

# ---- the refused shrink -------------------------------------------------

SIDX="$WORK/shrink"
build_index "$SIDX" "$F/base.jsonl"
head -n 4 "$F/base.jsonl" >"$F/four.jsonl"
head -n 2 "$F/base.jsonl" >"$F/two.jsonl"

t_begin "a rebuild to fewer than half the articles: refused (exit 2), both counts named"
index_sum "$SIDX" >"$WORK/sum.before"
snapshot "$SIDX" "$WORK/snap.before"
expect_exit 2 "${IX[@]}" "$SIDX" "$F/four.jsonl"
expect_err_line "(^|[^0-9])4 articles.*[^0-9]$BASE_ARTICLES([^0-9]|$)"
expect_err_has "$SIDX"
index_sum "$SIDX" >"$WORK/sum.after"
expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
snapshot "$SIDX" "$WORK/snap.after"
expect_same_files "answers" "$WORK/snap.before" "$WORK/snap.after"
expect_clean_index "$SIDX"
expect_checked "$SIDX"
t_end

t_begin "--allow-shrink: the same rebuild is made"
expect_exit 0 "${IX[@]}" --allow-shrink "$SIDX" "$F/four.jsonl"
expect_out_line "^indexed 4 articles "
expect_ids "" -d "$SIDX" chisel
expect_ids "h-04" -d "$SIDX" kettles
run "$SPINE_SEARCH" -d "$SIDX" --json --sources
expect_json 'assert doc["articles"] == 4, doc'
expect_clean_index "$SIDX"
expect_checked "$SIDX"
t_end

t_begin "a rebuild to exactly half the articles is not refused"
expect_exit 0 "${IX[@]}" "$SIDX" "$F/two.jsonl"
expect_ids "" -d "$SIDX" kettles
expect_ids "h-01" -d "$SIDX" snails
t_end

# ---- a second writer ----------------------------------------------------

LIDX="$WORK/lock"
build_index "$LIDX" "$F/base.jsonl"

# lock_held DIR -- some process holds a lock on DIR/.lock (/proc/locks).
lock_held() {
    local inode
    inode=$(stat -c %i "$1/.lock" 2>/dev/null) || return 1
    grep -qE " [0-9a-f]+:[0-9a-f]+:$inode " /proc/locks
}

t_begin "a second writer while an --add holds the lock: exit 2 \"locked\""
if [ ! -r /proc/locks ]; then
    t_skip "no /proc/locks to see the lock held"
else
    index_sum "$LIDX" >"$WORK/sum.before"
    mkfifo "$WORK/slow.jsonl"
    exec 8<>"$WORK/slow.jsonl"      # open both ends: the writer blocks reading
    "${IX[@]}" --add "$LIDX" "$WORK/slow.jsonl" >"$WORK/slow.out" 2>"$WORK/slow.err" 8>&- &
    SLOW=$!
    e2e_started "$SLOW"
    for ((i = 0; i < 500; i++)); do
        lock_held "$LIDX" && break
        alive "$SLOW" || break
        sleep 0.02
    done
    expect_true "the first writer never took the lock ($(cat "$WORK/slow.err"))" lock_held "$LIDX"
    LOCKED="index $LIDX is locked: another spine-index is writing it"
    expect_exit 2 "${IX[@]}" --add "$LIDX" "$F/add.jsonl"
    expect_err_has "$LOCKED"
    expect_exit 2 "${IX[@]}" --delete h-01 "$LIDX"
    expect_err_has "$LOCKED"
    expect_exit_in 2 $'h-01\n' "${IX[@]}" --delete-from - "$LIDX"
    expect_err_has "$LOCKED"
    expect_exit 2 "${IX[@]}" --compact "$LIDX"
    expect_err_has "$LOCKED"
    expect_exit 2 "${IX[@]}" --allow-shrink "$LIDX" "$F/add.jsonl"
    expect_err_has "$LOCKED"
    expect_true "the first writer ended while the others ran" alive "$SLOW"
    index_sum "$LIDX" >"$WORK/sum.after"
    expect_same_files "stub and live generation" "$WORK/sum.before" "$WORK/sum.after"
    expect_ids "h-01" -d "$LIDX" snails
    # The first writer goes on: its one record arrives, its change commits.
    cat "$F/lock.jsonl" >&8
    exec 8>&-
    for ((i = 0; i < 1000; i++)); do
        alive "$SLOW" || break
        sleep 0.02
    done
    alive "$SLOW" && kill -9 "$SLOW"
    wait "$SLOW"
    RC=$?
    reap "$SLOW"
    LAST_CMD="${IX[*]} --add $LIDX $WORK/slow.jsonl (fed through the fifo)"
    cp "$WORK/slow.out" "$OUT"
    cp "$WORK/slow.err" "$ERR"
    expect_status 0
    expect_out_line "$(changed_re 1 0 0 0 0)"
    expect_ids "h-40" -d "$LIDX" mackerel
    expect_ids "h-01" -d "$LIDX" snails
    expect_checked "$LIDX"
    # The lock went with it.
    expect_exit 0 "${IX[@]}" --delete h-40 "$LIDX"
    expect_ids "" -d "$LIDX" mackerel
    t_end
fi

# ---- a write that fails at a chosen system call --------------------------

# strace injects a failure (EIO) or SIGKILL at the Nth rename() or fsync() of
# a writer (the call itself is not made): the steps of a commit, one by one.
# Skipped where strace cannot trace.
STRACE=()
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    # LeakSanitizer cannot run under ptrace (it aborts the program at exit):
    # a traced writer of an ASan build goes without leak checking (the
    # untraced runs keep it).
    STRACE=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
            strace -f -o /dev/null)
fi

t_begin "an --add failing (EIO) at each rename and fsync: its exit status says whether the index changed"
if [ "${#STRACE[@]}" = 0 ]; then
    t_skip "no strace"
else
    FIDX="$WORK/fault"
    build_index "$WORK/fault.pristine" "$F/base.jsonl"
    cp -a "$WORK/fault.pristine" "$FIDX"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -o "$WORK/calls" -e trace=rename,fsync "${IX[@]}" --add "$FIDX" "$F/add.jsonl" >/dev/null 2>&1
    faults=""
    for call in rename fsync; do
        ncalls=$(grep -c " $call(" "$WORK/calls")
        for ((n = 1; n <= ncalls; n++)); do
            rm -rf "$FIDX"
            cp -a "$WORK/fault.pristine" "$FIDX"
            run "${STRACE[@]}" -e trace="$call" -e inject="$call:error=EIO:when=$n" \
                "${IX[@]}" --add "$FIDX" "$F/add.jsonl"
            st=$RC
            cp "$OUT" "$WORK/fault.out"
            wcmd=$LAST_CMD
            "$SPINE_SEARCH" -d "$FIDX" -n 0 --json lighthouse >"$WORK/fault.count" 2>&1
            if grep -qF '"estimated":1,' "$WORK/fault.count"; then
                state=after
            elif grep -qF '"estimated":0,' "$WORK/fault.count"; then
                state=before
            else
                state=none
            fi
            faults="$faults $call#$n:exit-$st:$state"
            LAST_CMD=$wcmd
            RC=$st
            cp "$WORK/fault.out" "$OUT"
            case $st:$state in
                0:after | [12]:before) ;;
                *:none) fail "$call #$n failed: the index does not answer: $(cat "$WORK/fault.count")" ;;
                0:before) fail "$call #$n failed: exit 0, yet the change is not in the index" ;;
                *:after) fail "$call #$n failed: exit $st (the index is left as it was, says --help), yet the change is in the index: lighthouse finds h-11" ;;
                *) fail "$call #$n failed: exit $st" ;;
            esac
            expect_checked "$FIDX"
            expect_exit 0 "${IX[@]}" --add "$FIDX" "$F/add.jsonl"
            expect_ids "h-11" -d "$FIDX" lighthouse
        done
    done
    echo "  (EIO at:$faults)"
    t_end
fi

# ---- a long-lived searcher ----------------------------------------------

BIDX="$WORK/batch"
build_index "$BIDX" "$F/base.jsonl"

t_begin "a --batch searcher open across add, replace, delete and compact sees each at its next query"
mkfifo "$WORK/queries"
"$SPINE_SEARCH" --batch --json -n 20 -d "$BIDX" <"$WORK/queries" \
    >"$WORK/batch.out" 2>"$WORK/batch.err" &
BPID=$!
e2e_started "$BPID"
exec 7>"$WORK/queries"
nq=0
# ask QUERY... -- sends each query, waits for its answers.
ask() {
    printf '%s\n' "$@" >&7
    nq=$((nq + $#))
    expect_true "no answer to query $nq ($*)" wait_lines "$WORK/batch.out" "$nq"
}
ask lighthouse copper                                   # 1, 2
expect_exit 0 "${IX[@]}" --add "$BIDX" "$F/add.jsonl"
ask lighthouse                                          # 3
expect_exit 0 "${IX[@]}" --add "$BIDX" "$F/replace.jsonl"
ask sourdough porridge                                  # 4, 5
expect_exit 0 "${IX[@]}" --delete h-05 "$BIDX"
ask pans copper                                         # 6, 7
expect_exit 0 "${IX[@]}" --compact "$BIDX"
ask copper porridge lighthouse                          # 8, 9, 10
exec 7>&-
wait "$BPID"
expect_eq "batch exit status (hits found, no error)" 0 "$?"
run cat "$WORK/batch.err"
expect_out_empty
run cat "$WORK/batch.out"
expect_json '
ids = [[h["id"] for h in d["hits"]] for d in docs]
assert len(ids) == 10, ids
assert ids[0] == [] and set(ids[1]) == {"h-01", "h-04", "h-05"}, ids[:2]
assert ids[2] == ["h-11"], ("after the add", ids[2])
assert ids[3] == [] and ids[4] == ["h-02"], ("after the replace", ids[3:5])
assert docs[4]["hits"][0]["title"] == "Rye porridge", docs[4]
assert ids[5] == [] and set(ids[6]) == {"h-01", "h-04"}, ("after the delete", ids[5:7])
assert docs[7] == docs[6], ("compaction changed the answer", docs[6], docs[7])
assert ids[8] == ["h-02"] and ids[9] == ["h-11"], ("after the compaction", ids[8:])
'
t_end

# ---- kill -9 during each kind of change -------------------------------

# How many kills: 20 of each kind, fewer under ASan (several times slower).
asan=0
if grep -qs '^SPINE_SANITIZE:BOOL=ON' "${SPINE_BUILD_DIR:-/nonexistent}/CMakeCache.txt" ||
    { command -v ldd >/dev/null && ldd "$SPINE_INDEXER" 2>/dev/null | grep -q libasan; }; then
    asan=1
fi
KILLS=${SPINE_E2E_KILLS:-$([ "$asan" = 1 ] && echo 5 || echo 20)}
SEED=${SPINE_E2E_SEED:-$$}
RANDOM=$SEED
echo "  (kills: $KILLS of each kind, seed $SEED$([ "$asan" = 1 ] && echo ", ASan build"))"

# A collection large enough that a change takes a good fraction of a second,
# and that its common words have impact tiers (8,192 articles or more), which
# every change must keep true.
K="$WORK/kill"
mkdir -p "$K"
python3 - "$K" <<'PY'
import random, sys
d = sys.argv[1]
words = ("lantern meadow pebble harbour orchard thistle copper willow saddle "
         "furnace ribbon quarry beacon timber cobble marsh fiddle anchor "
         "kettle barley plume hinge pastry walnut").split()
def write(name, prefix, ids, extra):
    with open("%s/%s" % (d, name), "w") as f:
        for i in ids:
            r = random.Random("%s-%d" % (extra, i))
            body = " ".join(r.choice(words) for _ in range(20))
            f.write('{"id":"%s-%d","title":"%s note %d","source":"%s",'
                    '"body":"Note %d of %s: %s."}\n'
                    % (prefix, i, extra.capitalize(), i, extra.capitalize(),
                       i, extra, body))
write("base.jsonl", "k", range(8400), "marmot")          # the index
write("add.jsonl", "n", range(2000), "zephyrine")        # new ids
write("replace.jsonl", "k", range(0, 1500), "quillwort") # ids it has
with open(d + "/delete.txt", "w") as f:                  # ids it has
    for i in range(3000, 5000):
        f.write("k-%d\n" % i)
# The same kinds of change, smaller, for the kills at chosen system calls.
write("add-small.jsonl", "n", range(100), "zephyrine")
write("replace-small.jsonl", "k", range(0, 100), "quillwort")
with open(d + "/delete-small.txt", "w") as f:
    for i in range(3000, 3100):
        f.write("k-%d\n" % i)
PY
echo '{"id":"f-1","title":"Afterwards","source":"Follow","body":"A nightjar churred after the kill."}' \
    >"$K/follow.jsonl"

# ksig DIR FILE -- the answers that tell the states of a change apart: the
# articles per source, and four queries (with snippets and scores) of words
# in the new articles only, in the old versions only, and in all.  Fails
# unless the searcher answers (exit 0).
ksig() {
    local st
    {
        "$SPINE_SEARCH" -d "$1" --json --sources
        st=$?
        printf '%s\n' zephyrine quillwort marmot 'lantern meadow' 'k-5 walnut' |
            "$SPINE_SEARCH" -d "$1" --batch --json -n 3
        st=$((st + $?))
    } >"$2" 2>&1
    return "$st"
}

# shellcheck disable=SC2317  # called through expect_true
differ() { ! cmp -s "$1" "$2"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

build_index "$K/idx" "$K/base.jsonl"
if ! ksig "$K/idx" "$K/sig.base"; then
    E2E_CASE="setup: the index of the kill cases"
    cp "$K/sig.base" "$OUT"
    fail "it does not answer"
    E2E_FAILED=$((E2E_FAILED + 1))
    t_summary
fi

# after_kill ST -- the checks after the victim's writer ended with status
# ST (137: killed; 0: it finished first): the index answers, exactly as
# before the change or as after it (sets STATE to before or after), passes
# --check and takes a following change.  Uses kill_case's variables.
after_kill() {
    local st=$1 stub kept
    STATE=""
    RC=$st
    cp "$K/w.out" "$OUT"
    cp "$K/w.err" "$ERR"
    case $st in
        0 | 137) ;;
        *) fail "the writer failed before it was killed"; return 1 ;;
    esac
    if ! ksig "$ki" "$K/sig.now"; then
        cp "$K/sig.now" "$OUT"
        fail "the index does not answer after the kill"
        return 1
    fi
    if [ "$kind" = compact ]; then
        stub=$(cat "$ki/XAPIANDB")
        if [ "$stub" = "$gen_before" ]; then
            STATE=before
        elif [ "$stub" = "$gen_after" ]; then
            STATE=after
        else
            fail "the stub names neither generation: $stub"
        fi
        cmp -s "$K/sig.now" "$sigb" || { cp "$K/sig.now" "$OUT"; fail "answers differ from before the compaction"; }
    elif cmp -s "$K/sig.now" "$sigb"; then
        STATE=before
    elif cmp -s "$K/sig.now" "$siga"; then
        STATE=after
    else
        diff "$sigb" "$K/sig.now" | head -n 10 >"$OUT"
        fail "answers neither as before nor as after the change (diff to before on stdout)"
    fi
    if [ "$st" = 0 ] && [ "$STATE" = before ] && [ "$kind" != compact ]; then
        fail "the writer finished but the index answers as before"
    fi
    expect_checked "$ki"
    # A following writer is not locked out, and its change is seen.
    expect_exit 0 "${IX[@]}" --add "$ki" "$K/follow.jsonl"
    run "$SPINE_SEARCH" -d "$ki" -n 0 --json nightjar
    expect_out_has '"estimated":1,'
    if ! e2e_live; then
        kept=$(mktemp -d "${TMPDIR:-/tmp}/spine-e2e-update-kill.XXXXXX") &&
            cp -a "$ki" "$kept/" && echo "  (the index of the failed kill is kept in $kept)"
        return 1
    fi
}

# kill_case KIND PRISTINE ARGS... -- runs the change ARGS (spine-index
# options and arguments, @IDX@ standing for the index) to completion on a
# copy of PRISTINE, for the answers after it and its run time T; then, on a
# fresh copy each time, until it has been killed (SIGKILL) KILLS times, a
# random moment within T after it starts (T shrinks whenever the change
# finishes first; at most 3 * KILLS runs); then the change SMALL (an array like ARGS, the same kind
# of change on fewer articles; empty: ARGS) killed at each rename() and
# fsync() it makes (strace).  After each kill: after_kill.
kill_case() {
    local kind=$1 pristine=$2
    shift 2
    local args=("$@") a i n d st t w ki="$K/victim" kills=0 finished=0 call
    local -A count=([before]=0 [after]=0)
    local sigb="$K/sig.$kind.before" siga="$K/sig.$kind.after" gen_before gen_after sys=""
    # ARGS with the victim's path.
    local wargs=()
    for a in "${args[@]}"; do
        [ "$a" = @IDX@ ] && a=$ki
        wargs+=("$a")
    done
    ksig "$pristine" "$sigb" || { fail "$pristine does not answer"; return 1; }
    gen_before=$(cat "$pristine/XAPIANDB")
    # Twice, the first to warm the caches; T is the faster run.
    t=999999
    for i in 1 2; do
        rm -rf "$ki"
        cp -a "$pristine" "$ki"
        d=$(ms_now)
        run "${IX[@]}" "${wargs[@]}"
        d=$(($(ms_now) - d))
        expect_status 0 || return 1
        [ "$d" -lt "$t" ] && t=$d
    done
    ksig "$ki" "$siga" || { fail "the index does not answer after the change"; return 1; }
    gen_after=$(cat "$ki/XAPIANDB")
    if [ "$kind" = compact ]; then
        expect_same_files "answers before and after compaction" "$sigb" "$siga" || return 1
        expect_true "compaction kept the generation" test "$gen_before" != "$gen_after" || return 1
    else
        expect_true "the change made no difference to the answers" differ "$sigb" "$siga" || return 1
    fi
    w=$((t + 1))
    for ((i = 0; i < 3 * KILLS && kills < KILLS; i++)); do
        rm -rf "$ki"
        cp -a "$pristine" "$ki"
        d=$((RANDOM * 32768 + RANDOM))
        d=$((d % w))
        "${IX[@]}" "${wargs[@]}" >"$K/w.out" 2>"$K/w.err" &
        PID=$!
        e2e_started "$PID"
        sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
        kill -9 "$PID" 2>/dev/null
        wait "$PID"
        st=$?
        reap "$PID"
        LAST_CMD="${IX[*]} ${wargs[*]}   (run $((i + 1)), killed at $d ms of $t, writer exit $st)"
        after_kill "$st" || return 1
        if [ "$st" = 0 ]; then
            finished=$((finished + 1))
            [ "$d" -lt 20 ] || w=$d        # it runs faster now than it did
        else
            kills=$((kills + 1))
            count[$STATE]=$((count[$STATE] + 1))
        fi
    done
    echo "  ($kind: the change takes $t ms; $i runs, killed at random within $((t + 1)) ms (at the end $w): $kills kills," \
        "${count[before]} left the index as before, ${count[after]} as after; $finished finished first)"
    expect_eq "kills at random moments" "$kills" "$KILLS" || return 1
    [ "${#STRACE[@]}" != 0 ] || { echo "  (no strace: no kills at chosen system calls)"; return 0; }
    if [ "${#SMALL[@]}" != 0 ]; then
        wargs=()
        for a in "${SMALL[@]}"; do
            [ "$a" = @IDX@ ] && a=$ki
            wargs+=("$a")
        done
        siga="$K/sig.$kind.small"
        rm -rf "$ki"
        cp -a "$pristine" "$ki"
        run "${IX[@]}" "${wargs[@]}"
        expect_status 0 || return 1
        ksig "$ki" "$siga" || { fail "the index does not answer after the change"; return 1; }
        expect_true "the small change made no difference to the answers" differ "$sigb" "$siga" || return 1
    fi
    for call in rename fsync; do
        for ((n = 1; n <= 20; n++)); do
            rm -rf "$ki"
            cp -a "$pristine" "$ki"
            "${STRACE[@]}" -e trace="$call" -e inject="$call:error=EIO:signal=KILL:when=$n" \
                "${IX[@]}" "${wargs[@]}" >"$K/w.out" 2>"$K/w.err"
            st=$?
            LAST_CMD="${STRACE[*]} -e inject=$call:error=EIO:signal=KILL:when=$n ${IX[*]} ${wargs[*]}"
            after_kill "$st" || return 1
            [ "$st" = 0 ] && break          # it makes fewer such calls
            sys="$sys $call#$n:$STATE"
        done
    done
    echo "  ($kind: killed at each rename and fsync:$sys)"
}

t_begin "kill -9 during --add of 2,000 articles: the index answers as before or after, --check clean"
SMALL=(--add @IDX@ "$K/add-small.jsonl")
kill_case add "$K/idx" --add @IDX@ "$K/add.jsonl"
t_end

t_begin "kill -9 during --add replacing 1,500 articles: as before or after, --check clean"
SMALL=(--add @IDX@ "$K/replace-small.jsonl")
kill_case replace "$K/idx" --add @IDX@ "$K/replace.jsonl"
t_end

t_begin "kill -9 during --delete-from of 2,000 ids: as before or after, --check clean"
SMALL=(--delete-from "$K/delete-small.txt" @IDX@)
kill_case delete "$K/idx" --delete-from "$K/delete.txt" @IDX@
t_end

t_begin "kill -9 during --compact after the replacements: as before (= after), --check clean"
# The index to compact: the one the replacements left (many deleted postings).
rm -rf "$K/replaced"
cp -a "$K/idx" "$K/replaced"
expect_exit 0 "${IX[@]}" --add "$K/replaced" "$K/replace.jsonl"
expect_exit 0 "${IX[@]}" --delete-from "$K/delete.txt" "$K/replaced"
SMALL=()
e2e_live && kill_case compact "$K/replaced" --compact @IDX@
t_end

echo "  (update.sh ran in $(($(date +%s) - T0)) s)"
t_summary
