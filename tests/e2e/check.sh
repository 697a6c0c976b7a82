#!/usr/bin/env bash
# check.sh -- spine-index --check: a sound index exits 0 with a summary; a
# damaged one (a stored record's byte flipped, a heads file entry that
# names another document, a table cut short, the stub naming a generation
# that is not there) exits 1 naming the file, and the article where there
# is one; no index, or a SOURCE given too, exits 2.  The check changes
# nothing.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI"
GEN=$(live_gen "$IDX")

# copy_of NAME -- copies the fixture index to $WORK/NAME and prints its path.
copy_of() {
    rm -rf "${WORK:?}/$1"
    cp -a "$IDX" "$WORK/$1"
    printf '%s\n' "$WORK/$1"
}

# The summary line, with the counts the fixture index must give.
CLEAN_RE="^checked .* \\($GEN\\): $MINI_ARTICLES articles, heads file, 0 impact tiers, in [0-9]+\\.[0-9] s: no damage found$"

t_begin "a sound index: exit 0, one summary line, nothing on stderr, nothing changed"
before=$(cd "$IDX" && find . -type f -exec cksum {} + | sort)
expect_exit 0 "$SPINE_INDEXER" --check "$IDX"
expect_out_line "$CLEAN_RE"
expect_eq "stdout lines" "$(wc -l <"$OUT")" 1
expect_err_empty
expect_eq "the index's files" "$(cd "$IDX" && find . -type f -exec cksum {} + | sort)" "$before"
t_end

t_begin "-v adds Xapian's own report before the summary"
expect_exit 0 "$SPINE_INDEXER" --check -v "$IDX"
expect_out_line "$CLEAN_RE"
expect_true "no report of Xapian's before the summary" test "$(wc -l <"$OUT")" -gt 5
t_end

t_begin "an index with impact tiers (8,200 articles): they check clean"
make_big_jsonl "$WORK/big.jsonl" 8200
build_index "$WORK/big" "$WORK/big.jsonl"
expect_exit 0 "$SPINE_INDEXER" --check "$WORK/big"
expect_out_line "^checked .*: 8200 articles, heads file, [1-9][0-9]* impact tiers, in .*: no damage found$"
t_end

t_begin "a stored record's byte flipped: exit 1, names docdata.glass and the article"
copy=$(copy_of record)
python3 - "$copy/$GEN/docdata.glass" <<'PY'
import sys
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
at = b.index(b"SPN\x02")                      # a record's header (store.h)
meta_len = int.from_bytes(b[at + 9:at + 13], "little")
b[at + 21 + meta_len + 4] ^= 0x10             # in its compressed text
open(path, "wb").write(b)
PY
expect_exit 1 "$SPINE_INDEXER" --check "$copy"
expect_out_line "^$copy/$GEN/docdata.glass: article [0-9]_[A-Za-z]+_QA/[0-9]+ \\(docid [0-9]+\\): stored record: "
expect_out_line "^checked .*: 1 damaged item$"
expect_err_empty
t_end

t_begin "a heads file entry naming another docid: exit 1, names heads.spine and the docids"
copy=$(copy_of heads)
# The first entry starts after the 72-byte header: its docid, 1, becomes 2.
printf '\002' | dd of="$copy/$GEN/heads.spine" bs=1 seek=72 conv=notrunc 2>/dev/null
expect_exit 1 "$SPINE_INDEXER" --check "$copy"
expect_out_line "^$copy/$GEN/heads.spine: article .* \\(docid 1\\): the entry of docid 1 holds the head of docid 2"
t_end

t_begin "postlist.glass cut to half: exit 1, names the table"
copy=$(copy_of cut)
truncate -s $(($(stat -c %s "$copy/$GEN/postlist.glass") / 2)) "$copy/$GEN/postlist.glass"
expect_exit 1 "$SPINE_INDEXER" --check "$copy"
expect_out_line "^$copy/$GEN/postlist.glass: Xapian cannot check it: "
expect_out_line "^checked .*: 0 articles, heads file not checked, .*: 2 damaged items$"
t_end

t_begin "the stub naming a generation that is not there: exit 1, names XAPIANDB"
copy=$(copy_of stub)
printf 'auto gen-000099\n' >"$copy/XAPIANDB"
expect_exit 1 "$SPINE_INDEXER" --check "$copy"
expect_out_line "^$copy/XAPIANDB: names gen-000099, which is not there$"
t_end

t_begin "no index: exit 2, one line on stderr"
expect_exit 2 "$SPINE_INDEXER" --check "$WORK/none"
expect_err_one_line "spine-index: no index at $WORK/none"
expect_out_empty
t_end

t_begin "a SOURCE as well: exit 2, the index untouched"
expect_exit 2 "$SPINE_INDEXER" --check "$IDX" "$MEDQUAD_MINI"
expect_err_one_line "spine-index: --check takes an index directory alone"
expect_eq "live generation" "$(live_gen "$IDX")" "$GEN"
t_end

t_summary
