#!/usr/bin/env bash
# errors.sh -- bad input end to end: every kind of bad record spine-index
# skips (and names, with file and line), the inputs it refuses outright, and
# spine-search's exit status and message for each kind of error.
# GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IX=("$SPINE_INDEXER" --no-progress)

# warn_re FILE LINE REASON -- the warning for one skipped record.
warn_re() {
    local file=${1//./\\.}
    echo "^spine-index: .*$file:$2: $3: .+"
}

# summary_n -- the N of "indexed N articles" in stdout, or -1.
summary_n() {
    sed -n 's/^indexed \([0-9][0-9]*\) articles.*/\1/p' "$OUT" | head -n 1 | grep . || echo -1
}

# ---- spine-index: bad records are skipped, named and counted ---------------

# A MedQuAD tree: one good article, one with a mismatched tag on line 5, one
# with a Latin-1 byte (invalid UTF-8) on line 5.
XML="$WORK/xml/9_Bad_QA"
mkdir -p "$XML"
cp "$MEDQUAD_MINI/3_Gamma_QA/0000001.xml" "$XML/0000001.xml"
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<Document id="0000002" source="GARD" url="https://example.org/broken">' \
    '<Focus>Broken</Focus>' '<QAPairs>' \
    '<QAPair pid="1"><Question qid="0000002-1" qtype="information">What is it ?</Question><Answer>Text about lumbago.</Answr></QAPair>' \
    '</QAPairs>' '</Document>' >"$XML/0000002.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<Document id="0000003" source="GARD" url="https://example.org/latin1">\n<Focus>Latin</Focus>\n<QAPairs>\n<QAPair pid="1"><Question qid="0000003-1" qtype="information">What is it ?</Question><Answer>Caf\xe9 au lait spots.</Answer></QAPair>\n</QAPairs>\n</Document>\n' \
    >"$XML/0000003.xml"

t_begin "malformed XML: skipped with FILE:LINE warning, good files indexed"
expect_exit 0 "${IX[@]}" "$WORK/xmlidx" "$WORK/xml"
expect_err_line "$(warn_re 9_Bad_QA/0000002.xml 5 'malformed XML or JSON')"
expect_out_line '^indexed 1 articles? '
expect_out_line '^skipped 2 records: 1 malformed XML or JSON, 1 invalid UTF-8$'
expect_ids "9_Bad_QA/0000001" -d "$WORK/xmlidx" migraine
expect_ids "" -d "$WORK/xmlidx" lumbago
t_end

t_begin "invalid UTF-8 in XML: skipped as invalid UTF-8"
expect_true "fixture has no 0xE9 byte" env LC_ALL=C grep -q $'\xe9' "$XML/0000003.xml"
run "${IX[@]}" "$WORK/xmlidx" "$WORK/xml"
expect_status 0
expect_err_line "$(warn_re 9_Bad_QA/0000003.xml 5 'invalid UTF-8')"
t_end

# A JSON Lines file holding one of each bad record between good ones.
BAD="$WORK/bad.jsonl"
{
    echo '{"id":"e-1","body":"A good record about earaches."}'        # 1
    echo '{"body":"This record has no id."}'                             # 2
    echo '{"id":"e-3","title":"No body here"}'                           # 3
    echo '{"id":"e-4","title":7,"body":"The title is a number."}'        # 4
    echo '{"id":true,"body":"The id is a boolean."}'                     # 5
    echo '{"id":"e-6","body":12}'                                        # 6
    echo '{"id":"e-7","body":"unterminated'                              # 7
    echo '{"id":"e-8","body":""}'                                        # 8
    printf '{"id":"e-9","body":"Caf\xe9 au lait."}\n'                    # 9
    echo '{"id":"e-10","body":"Another good record about earaches."}'   # 10
} >"$BAD"

t_begin "JSON Lines with bad records: exit 0, good records indexed, counts"
expect_exit 0 "${IX[@]}" "$WORK/badidx" "$BAD"
expect_out_line '^indexed 2 articles \(2 sections\) '
expect_out_line '^skipped 8 records: 1 no answer text, 1 malformed XML or JSON, 1 invalid UTF-8, 5 missing or bad field$'
cp "$OUT" "$WORK/bad.out"
cp "$ERR" "$WORK/bad.err"
t_end

t_begin "JSON Lines: missing \"id\" -> missing or bad field, line 2"
expect_err_line "$(warn_re bad.jsonl 2 'missing or bad field')"
t_end

t_begin "JSON Lines: missing \"body\" -> missing or bad field, line 3"
expect_err_line "$(warn_re bad.jsonl 3 'missing or bad field')"
t_end

t_begin "JSON Lines: wrong-typed title, id, body -> missing or bad field"
expect_err_line "$(warn_re bad.jsonl 4 'missing or bad field')"
expect_err_line "$(warn_re bad.jsonl 5 'missing or bad field')"
expect_err_line "$(warn_re bad.jsonl 6 'missing or bad field')"
t_end

t_begin "JSON Lines: bad JSON syntax -> malformed XML or JSON, line 7"
expect_err_line "$(warn_re bad.jsonl 7 'malformed XML or JSON')"
t_end

t_begin "JSON Lines: invalid UTF-8 -> invalid UTF-8, line 9"
expect_err_line "$(warn_re bad.jsonl 9 'invalid UTF-8')"
t_end

t_begin "JSON Lines: empty body is counted as no answer text, not warned"
expect_err_no_line 'bad\.jsonl:8:'
expect_eq "warning lines" "$(grep -c '^spine-index: ' "$ERR")" 7
expect_ids "e-1 e-10" -d "$WORK/badidx" earaches
t_end

t_begin "--strict: an empty body alone does not fail the run"
printf '%s\n' '{"id":"s-1","body":"Good text on earaches."}' '{"id":"s-2","body":""}' >"$WORK/empty-body.jsonl"
expect_exit 0 "${IX[@]}" --strict "$WORK/emptybody" "$WORK/empty-body.jsonl"
expect_out_line '^skipped 1 records?: 1 no answer text$'
t_end

t_begin "record over 16 MiB: skipped as record too large, others indexed"
python3 - "$WORK/huge.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('{"id":"h-1","body":"A small record about earaches."}\n')
    f.write('{"id":"h-2","body":"' + "blah " * (17 << 18) + '"}\n')
    f.write('{"id":"h-3","body":"Another small record about earaches."}\n')
PY
expect_true "huge line is not over 16 MiB" test "$(sed -n 2p "$WORK/huge.jsonl" | wc -c)" -gt $((16 << 20))
expect_exit 0 "${IX[@]}" "$WORK/hugeidx" "$WORK/huge.jsonl"
expect_err_line "$(warn_re huge.jsonl 2 'record too large')"
expect_out_line '^indexed 2 articles '
expect_out_line '^skipped 1 records?: 1 record too large$'
expect_ids "h-1 h-3" -d "$WORK/hugeidx" earaches
t_end
rm -f "$WORK/huge.jsonl"

t_begin "unreadable file in a MedQuAD tree: skipped as unreadable file"
if [ "$(id -u)" = 0 ]; then
    t_skip "running as root: chmod 000 does not stop reading"
else
    mkdir -p "$WORK/unread/9_Bad_QA"
    cp "$MEDQUAD_MINI/3_Gamma_QA/0000001.xml" "$MEDQUAD_MINI/3_Gamma_QA/0000004.xml" "$WORK/unread/9_Bad_QA/"
    chmod 000 "$WORK/unread/9_Bad_QA/0000004.xml"
    expect_exit 0 "${IX[@]}" "$WORK/unreadidx" "$WORK/unread"
    expect_err_line "^spine-index: .*9_Bad_QA/0000004\\.xml(:[0-9]+)?: unreadable file"
    expect_out_line '^indexed 1 articles? '
    expect_out_line '^skipped 1 records?: 1 unreadable file$'
    t_end
fi

t_begin "unreadable SOURCE file: exit 2"
if [ "$(id -u)" = 0 ]; then
    t_skip "running as root: chmod 000 does not stop reading"
else
    cp "$MINI_JSONL" "$WORK/unreadable.jsonl"
    chmod 000 "$WORK/unreadable.jsonl"
    expect_exit 2 "${IX[@]}" "$WORK/unreadidx2" "$WORK/unreadable.jsonl"
    expect_err_has "unreadable.jsonl"
    t_end
fi

make_big_jsonl "$WORK/trunc.jsonl" 400
gzip -c "$WORK/trunc.jsonl" >"$WORK/whole.jsonl.gz"
head -c $(($(wc -c <"$WORK/whole.jsonl.gz") / 2)) "$WORK/whole.jsonl.gz" >"$WORK/trunc.jsonl.gz"

t_begin "truncated gzip: records before the break indexed, file named, exit 0"
expect_exit 0 "${IX[@]}" "$WORK/truncidx" "$WORK/trunc.jsonl.gz"
expect_err_line '^spine-index: .*trunc\.jsonl\.gz'
n=$(summary_n)
expect_true "indexed $n articles, want some but fewer than 400" test "$n" -gt 0 -a "$n" -lt 400
expect_ids "big-0" -d "$WORK/truncidx" title:0
t_end

t_begin "truncated gzip with --strict: exit 1, no index made"
expect_exit 1 "${IX[@]}" --strict "$WORK/truncstrict" "$WORK/trunc.jsonl.gz"
expect_err_line '^spine-index: .*trunc\.jsonl\.gz'
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/truncstrict" earaches
t_end

# ---- spine-index: inputs refused outright (exit 2) -------------------------

t_begin "nonexistent SOURCE: exit 2, message names it"
expect_exit 2 "${IX[@]}" "$WORK/noneidx" "$WORK/no-such-source"
expect_err_line '^spine-index: .*no-such-source'
expect_true "an index was made" test ! -e "$WORK/noneidx/XAPIANDB"
t_end

t_begin "nonexistent SOURCE among good ones: exit 2, nothing built"
expect_exit 2 "${IX[@]}" "$WORK/noneidx2" "$MINI_JSONL" "$WORK/no-such-source"
expect_true "an index was made" test ! -e "$WORK/noneidx2/XAPIANDB"
t_end

t_begin "empty directory: exit 2, no articles"
mkdir -p "$WORK/empty-dir"
expect_exit 2 "${IX[@]}" "$WORK/emptyidx" "$WORK/empty-dir"
expect_err_has "no articles"
expect_true "an index was made" test ! -e "$WORK/emptyidx/XAPIANDB"
t_end

t_begin "only a questions-only article: exit 2, no articles"
mkdir -p "$WORK/qonly/3_Gamma_QA"
cp "$MEDQUAD_MINI/3_Gamma_QA/0000003.xml" "$WORK/qonly/3_Gamma_QA/"
expect_exit 2 "${IX[@]}" "$WORK/qonlyidx" "$WORK/qonly"
expect_err_has "no articles"
t_end

t_begin "empty JSON Lines file: exit 2, no articles"
: >"$WORK/empty.jsonl"
expect_exit 2 "${IX[@]}" "$WORK/emptyjidx" "$WORK/empty.jsonl"
expect_err_has "no articles"
t_end

t_begin "unknown option: exit 2"
expect_exit 2 "${IX[@]}" --bogus "$WORK/bogusidx" "$MINI_JSONL"
expect_true "an index was made" test ! -e "$WORK/bogusidx/XAPIANDB"
t_end

t_begin "an unknown letter in a group is named itself, not the argument before"
expect_exit 2 "${IX[@]}" -q -kidney "$WORK/bogusidx" "$MINI_JSONL"
expect_err_one_line "spine-index: unknown option '-k' (see --help)"
expect_exit 2 "${IX[@]}" --strict=yes "$WORK/bogusidx" "$MINI_JSONL"
expect_err_one_line "spine-index: option '--strict' takes no argument"
t_end

t_begin "numeric options: negative, empty, spaced or overflowing values are refused, naming the option"
for bad in "--max-record-bytes=-5" "--max-record-bytes=0" "--max-record-bytes=99999999999999999999999" \
    "--level=-1" "--level=" "--level=1x" "--jobs= 2" "--jobs=+2" "--jobs=65"; do
    expect_exit 2 "${IX[@]}" "$bad" "$WORK/numidx" "$MINI_JSONL"
    expect_err_one_line "spine-index: ${bad%%=*} wants a number from "
    expect_true "an index was made anyway" test ! -e "$WORK/numidx/XAPIANDB"
done
t_end

t_begin "INDEX_DIR is a regular file: exit 2"
: >"$WORK/plain-file"
expect_exit 2 "${IX[@]}" "$WORK/plain-file" "$MINI_JSONL"
t_end

# ---- spine-index --strict --------------------------------------------------

IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI"
cp "$IDX/XAPIANDB" "$WORK/stub.before"
gen_before=$(live_gen "$IDX")
run "$SPINE_SEARCH" --json -d "$IDX" kidney stones
cp "$OUT" "$WORK/search.before"

t_begin "--strict with a bad record: exit 1, record named, old index untouched"
expect_exit 1 "${IX[@]}" --strict "$IDX" "$MINI_JSONL" "$BAD"
expect_err_line "$(warn_re bad.jsonl 2 'missing or bad field')"
expect_same_files "XAPIANDB" "$WORK/stub.before" "$IDX/XAPIANDB"
expect_eq "live generation" "$(live_gen "$IDX")" "$gen_before"
run "$SPINE_SEARCH" --json -d "$IDX" kidney stones
expect_same_files "search results" "$WORK/search.before" "$OUT"
t_end

t_begin "--strict with a bad record and no index yet: exit 1, no index made"
expect_exit 1 "${IX[@]}" --strict "$WORK/strictnew" "$BAD"
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/strictnew" earaches
t_end

# ---- spine-search errors -----------------------------------------------------

t_begin "spine-search: missing index -> exit 2, one line spine-search: ..."
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/no-such-index" kidney
expect_err_one_line "spine-search: "
mkdir -p "$WORK/empty-index"
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/empty-index" kidney
expect_err_one_line "spine-search: "
expect_exit 2 env SPINE_INDEX="$WORK/no-such-index" "$SPINE_SEARCH" kidney
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: corrupt database files -> exit 2"
cp -r "$IDX" "$WORK/corrupt"
for f in "$WORK/corrupt/$gen_before"/*; do
    size=$(wc -c <"$f")
    head -c "$size" /dev/urandom >"$f"
done
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/corrupt" kidney
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: garbage XAPIANDB stub -> exit 2"
cp -r "$IDX" "$WORK/badstub"
printf 'this is not a stub\n\001\002\003\n' >"$WORK/badstub/XAPIANDB"
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/badstub" kidney
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: stub naming a missing generation -> exit 2"
cp -r "$IDX" "$WORK/nogen"
rm -rf "$WORK/nogen/$gen_before"
expect_exit 2 "$SPINE_SEARCH" -d "$WORK/nogen" kidney
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: malformed query -> exit 2"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" kidney AND
expect_err_one_line "spine-search: "
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" AND
expect_err_one_line "spine-search: "
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" kidney AND NOT
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: no query -> exit 2"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX"
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: unknown option -> exit 2, one line spine-search: ..."
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" --bogus kidney
expect_err_one_line "spine-search: "
t_end

t_begin "spine-search: an unknown letter in a group is named itself"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" -kidney
expect_err_one_line "spine-search: unknown option '-k' (see --help)"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" --json=1 kidney
expect_err_one_line "spine-search: option '--json' takes no argument"
t_end

t_begin "spine-search: numeric options take digits only, naming the option"
for bad in "--threads= -18446744073709551615" "--limit= 5" "--offset=+1" "--limit="; do
    expect_exit 2 "$SPINE_SEARCH" -d "$IDX" "$bad" kidney
    expect_err_one_line "spine-search: ${bad%%=*} wants a number from 0 to "
done
t_end

t_begin "spine-search: bad option values -> exit 2"
for bad in "-n abc" "-n 10001" "-n -1" "--offset -1" "--color=sometimes"; do
    # Each bad value is an option and its argument: split it.
    # shellcheck disable=SC2086
    expect_exit 2 "$SPINE_SEARCH" -d "$IDX" $bad kidney
    expect_err_one_line "spine-search: "
done
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" kidney -n
t_end

t_begin "spine-search: no hits -> exit 1"
expect_exit 1 "$SPINE_SEARCH" -d "$IDX" xylophone
expect_exit 1 "$SPINE_SEARCH" -d "$IDX" --json xylophone
t_end

t_summary
