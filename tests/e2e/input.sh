#!/usr/bin/env bash
# input.sh -- awkward input files end to end: damaged or cut gzip streams
# (every record before the damage indexed, the damage a named, counted
# reject, --strict refusing the run), byte order marks, NUL bytes, devices
# given as a source, and a synonyms file that is not UTF-8.
# GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IX=("$SPINE_INDEXER" --no-progress)

# summary_n -- the N of "indexed N articles" in stdout, or -1.
summary_n() {
    sed -n 's/^indexed \([0-9][0-9]*\) articles.*/\1/p' "$OUT" | head -n 1 | grep . || echo -1
}

# gz_damage IN OUT MODE [CUT_LINE] -- writes IN gzip-compressed to OUT,
# damaged by MODE: "crc" flips a bit of the CRC-32 trailer; "block" makes
# the deflate block that starts at line CUT_LINE (1-based; a full flush puts
# a block boundary there) one of the reserved type; "cut" ends the file at
# that boundary.
gz_damage() {
    python3 - "$@" <<'PY'
import sys, zlib
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
cut = len(data)
if len(sys.argv) > 4:
    lines = data.split(b"\n")
    cut = sum(len(l) + 1 for l in lines[:int(sys.argv[4]) - 1])
z = zlib.compressobj(6, zlib.DEFLATED, 31)
head = z.compress(data[:cut]) + z.flush(zlib.Z_FULL_FLUSH)
out = bytearray(head + z.compress(data[cut:]) + z.flush())
if mode == "crc":
    out[-8] ^= 0x01
elif mode == "block":
    out[len(head)] |= 0x06
elif mode == "cut":
    out = out[:len(head)]
open(dst, "wb").write(out)
PY
}

# A first index, from the fixture corpus, that refused runs must leave be.
IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI"

# index_digest DIR -- a checksum line for every file under DIR but the
# lock, sorted: equal digests mean not a byte of the index changed.
index_digest() {
    (cd "$1" && find . -type f ! -name .lock -exec sha256sum {} + | LC_ALL=C sort -k 2)
}
index_digest "$IDX" >"$WORK/idx.digest"

# expect_unchanged -- not a byte of $IDX changed, and it still answers.
expect_unchanged() {
    e2e_live || return 1
    index_digest "$IDX" >"$WORK/idx.now"
    expect_same_files "files of $IDX" "$WORK/idx.digest" "$WORK/idx.now"
    expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS" -d "$IDX" kidney AND stones
}

# 5,000 records, some 1.2 MB of text: more than zlib's gzread held in its
# buffers, all of which it lost on damage.
N=5000
make_big_jsonl "$WORK/big.jsonl" "$N"

# ---- damaged gzip streams --------------------------------------------------

gz_damage "$WORK/big.jsonl" "$WORK/crc.jsonl.gz" crc

t_begin "gzip with a bad CRC: zcat still decodes every record"
run sh -c 'zcat "$1" | wc -l' sh "$WORK/crc.jsonl.gz"
expect_true "zcat decoded $(cat "$OUT") lines, want $N" test "$(tr -d ' ' <"$OUT")" = "$N"
t_end

t_begin "gzip with a bad CRC: every record indexed, the damage named (file:line), exit 0"
expect_exit 0 "${IX[@]}" "$WORK/crc" "$WORK/crc.jsonl.gz"
expect_eq "articles indexed" "$(summary_n)" "$N"
expect_err_one_line "spine-index: $WORK/crc.jsonl.gz:$((N + 1)): damaged compressed stream: gzip: incorrect data check"
expect_out_line '^skipped 1 records: 1 damaged compressed stream$'
expect_ids "big-$((N - 1))" -d "$WORK/crc" "title:$((N - 1))"
t_end

t_begin "gzip with a bad CRC under --strict: exit 1, the live index untouched"
expect_exit 1 "${IX[@]}" --strict "$IDX" "$WORK/crc.jsonl.gz"
expect_err_has "crc.jsonl.gz:$((N + 1)): damaged compressed stream"
expect_err_has "1 bad records with --strict"
expect_out_has "index $IDX: not changed"
expect_unchanged
t_end

gz_damage "$WORK/big.jsonl" "$WORK/block.jsonl.gz" block 3001
t_begin "gzip with a damaged block at line 3001: the 3000 lines before indexed, line 3001 named"
expect_exit 0 "${IX[@]}" "$WORK/block" "$WORK/block.jsonl.gz"
expect_eq "articles indexed" "$(summary_n)" 3000
expect_err_one_line "spine-index: $WORK/block.jsonl.gz:3001: damaged compressed stream: gzip: invalid block type"
expect_ids "big-2999" -d "$WORK/block" title:2999
expect_ids "" -d "$WORK/block" title:3000
t_end

gz_damage "$WORK/big.jsonl" "$WORK/cut.jsonl.gz" cut 4001
t_begin "gzip cut short at line 4001: the 4000 lines before indexed, the cut named"
expect_exit 0 "${IX[@]}" "$WORK/cut" "$WORK/cut.jsonl.gz"
expect_eq "articles indexed" "$(summary_n)" 4000
expect_err_one_line "spine-index: $WORK/cut.jsonl.gz:4001: damaged compressed stream: the gzip stream ends early"
t_end

# ---- byte order marks ------------------------------------------------------

printf '\357\273\277{"id":"bom-1","title":"Marked","body":"Chilblains are itchy red patches after cold."}\n{"id":"bom-2","body":"Second record."}\n' >"$WORK/bom.jsonl"
gzip -c "$WORK/bom.jsonl" >"$WORK/bom2.jsonl.gz"
mkdir -p "$WORK/bomxml/5_Bom_QA"
printf '\357\273\277' >"$WORK/bomxml/5_Bom_QA/0000001.xml"
cat "$MEDQUAD_MINI/3_Gamma_QA/0000001.xml" >>"$WORK/bomxml/5_Bom_QA/0000001.xml"

t_begin "a UTF-8 byte order mark: line 1 indexed, plain, gzip and XML, no warning"
expect_exit 0 "${IX[@]}" "$WORK/bom" "$WORK/bom.jsonl" "$WORK/bom2.jsonl.gz" "$WORK/bomxml"
expect_err_empty
expect_eq "articles indexed" "$(summary_n)" 3
expect_ids "bom-1" -d "$WORK/bom" chilblains
expect_ids "5_Bom_QA/0000001" -d "$WORK/bom" migraine
t_end

# ---- NUL bytes and devices -------------------------------------------------

t_begin "NUL bytes: the line holding them named and skipped, the rest indexed"
{
    printf '{"id":"n-1","body":"Before the zeros."}\n'
    printf '{"id":"n-2","body":"nul\0byte"}\n'
    head -c 100000 /dev/zero
    printf '\n{"id":"n-3","body":"After the zeros."}\n'
} >"$WORK/nul.jsonl"
expect_exit 0 "${IX[@]}" --max-record-bytes 4096 "$WORK/nul" "$WORK/nul.jsonl"
expect_eq "articles indexed" "$(summary_n)" 2
expect_err_line "^spine-index: .*nul\.jsonl:2: invalid UTF-8: NUL byte at byte offset 23$"
expect_err_line "^spine-index: .*nul\.jsonl:3: record too large: "
expect_ids "n-1 n-3" -d "$WORK/nul" zeros
t_end

t_begin "/dev/zero as a source: refused at once, named, exit 2, the live index untouched"
if [ ! -c /dev/zero ]; then
    t_skip "no /dev/zero"
else
    expect_exit 2 timeout 20 "${IX[@]}" "$IDX" "$MINI_JSONL" /dev/zero
    expect_err_has "/dev/zero: a character device, not a file, directory or pipe"
    expect_unchanged
    t_end
fi

t_begin "a pipe as a source is read"
expect_exit 0 "${IX[@]}" "$WORK/pipe" <(cat "$MINI_JSONL")
expect_eq "articles indexed" "$(summary_n)" "$MINI_JSONL_ARTICLES"
t_end

# ---- the synonyms file -----------------------------------------------------

t_begin "synonyms file with invalid UTF-8: exit 2 naming file and line, the live index untouched"
printf 'backache, back pain\ncaf\351, coffee house\n' >"$WORK/latin1.txt"
expect_exit 2 "${IX[@]}" --synonyms "$WORK/latin1.txt" "$IDX" "$MEDQUAD_MINI"
expect_err_has "latin1.txt:2: invalid UTF-8 at byte offset 3"
expect_unchanged
t_end

t_summary
