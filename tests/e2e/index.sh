#!/usr/bin/env bash
# index.sh -- spine-index end to end: the summary it prints, what it skips and
# counts, the index layout, MedQuAD ids, JSON Lines (plain and gzip) and the
# defaults taken from the environment.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The start of the summary's first line, with the numbers the corpus must give.
summary_re() {  # summary_re ARTICLES SECTIONS
    echo "^indexed $1 articles \\($2 sections\\) from [0-9]+\\.[0-9] MB in [0-9]+\\.[0-9] s \\([0-9]+\\.[0-9] MB/s\\)"
}

t_begin "--help and -h print usage and exit 0"
expect_exit 0 "$SPINE_INDEXER" --help
expect_out_has "--strict"
expect_exit 0 "$SPINE_INDEXER" -h
expect_out_has "--strict"
t_end

IDX="$WORK/mini"
t_begin "medquad-mini: summary counts 12 articles, 26 sections, 1 skipped"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$IDX" "$MEDQUAD_MINI"
expect_out_line "$(summary_re $MINI_ARTICLES $MINI_SECTIONS)"
expect_out_line '^skipped 1 records?: 1 no answer text$'
expect_out_line '^index .*: [0-9]+ bytes'
expect_out_has "index $IDX: "
t_end

t_begin "questions-only article: skipped without a warning on stderr"
expect_err_lacks "no answer text"
expect_err_no_line '^spine-index: '
expect_ids "" -d "$IDX" fabry
t_end

t_begin "--verbose names the skipped questions-only article"
expect_exit 0 "$SPINE_INDEXER" --no-progress --verbose "$WORK/verbose" "$MEDQUAD_MINI"
expect_err_line "^spine-index: .*3_Gamma_QA/0000003\\.xml(:[0-9]+)?: no answer text"
t_end

t_begin "index layout: XAPIANDB stub naming the one gen-NNNNNN directory"
expect_clean_index "$IDX"
if command -v xapian-check >/dev/null; then
    expect_exit 0 xapian-check "$IDX/$(live_gen "$IDX")"
fi
t_end

t_begin "same XML id in two folders: both articles indexed as folder/stem"
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS" -d "$IDX" kidney AND stones
expect_ids "$ID_MIGRAINE" -d "$IDX" migraine
t_end

t_begin "an empty QAPair is not a section: its question is not indexed"
expect_ids "" -d "$IDX" genetic
expect_ids "$ID_ASTHMA" -d "$IDX" inhalers
t_end

t_begin "--strict accepts a corpus whose only skip is a questions-only article"
expect_exit 0 "$SPINE_INDEXER" --no-progress --strict "$WORK/strict" "$MEDQUAD_MINI"
expect_out_line "$(summary_re $MINI_ARTICLES $MINI_SECTIONS)"
t_end

JIDX="$WORK/jsonl"
t_begin "JSON Lines: 4 articles, blank line ignored, nothing skipped"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$JIDX" "$MINI_JSONL"
expect_out_line "$(summary_re $MINI_JSONL_ARTICLES $MINI_JSONL_ARTICLES)"
expect_out_no_line '^skipped '
expect_err_empty
t_end

t_begin "JSON Lines: string and integer ids, optional fields"
run "$SPINE_SEARCH" --json -d "$JIDX" sunburn
expect_status 0
expect_json 'assert ids == ["jl-0001"], ids
h = hits[0]
assert h["title"] == "Sunburn" and h["source"] == "ExampleHealth", h
assert h["url"] == "https://example.org/jl/sunburn", h'
expect_ids "42" -d "$JIDX" hiccups
expect_ids "jl-0004" -d "$JIDX" tinnitus
t_end

t_begin "JSON Lines, gzip: same articles as the plain file"
gzip -c "$MINI_JSONL" >"$WORK/mini.jsonl.gz"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$WORK/gz" "$WORK/mini.jsonl.gz"
expect_out_line "$(summary_re $MINI_JSONL_ARTICLES $MINI_JSONL_ARTICLES)"
expect_out_no_line '^skipped '
expect_ids "42" -d "$WORK/gz" hiccups
expect_ids "jl-0003" -d "$WORK/gz" dehydration
t_end

t_begin "JSON Lines, gzip detected by content, not by name"
cp "$WORK/mini.jsonl.gz" "$WORK/compressed.data"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$WORK/gz2" "$WORK/compressed.data"
expect_out_line "$(summary_re $MINI_JSONL_ARTICLES $MINI_JSONL_ARTICLES)"
expect_ids "jl-0001" -d "$WORK/gz2" sunburn
t_end

t_begin "several sources in one run: MedQuAD directory plus JSON Lines"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$WORK/both" "$MEDQUAD_MINI" "$MINI_JSONL"
expect_out_line "$(summary_re $((MINI_ARTICLES + MINI_JSONL_ARTICLES)) $((MINI_SECTIONS + MINI_JSONL_ARTICLES)))"
expect_ids "jl-0003 $ID_UTI" -d "$WORK/both" dehydration OR bacteria
t_end

t_begin "skipped line lists each nonzero reason with its count"
mkdir -p "$WORK/mixed/4_Delta_QA"
cp "$MEDQUAD_MINI"/3_Gamma_QA/*.xml "$WORK/mixed/4_Delta_QA/"
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<Document id="0000009" source="GARD" url="https://example.org/broken">' \
    '<Focus>Broken</Focus>' '<QAPairs>' \
    '<QAPair pid="1"><Question qid="0000009-1" qtype="information">Q ?</Question><Answer>Text</Answr></QAPair>' \
    '</QAPairs>' '</Document>' >"$WORK/mixed/4_Delta_QA/0000009.xml"
{
    echo '{"id":"m-1","body":"A good record about earaches."}'
    printf '{"id":"m-2","body":"Bad byte \xff here."}\n'
    echo '{"id":"m-3","title":"No body"}'
    echo '{"id":"m-4","body":"Another good record about earaches."}'
} >"$WORK/mixed.jsonl"
expect_exit 0 "$SPINE_INDEXER" --no-progress "$WORK/mixidx" "$WORK/mixed" "$WORK/mixed.jsonl"
expect_out_line "$(summary_re 5 8)"
expect_out_line '^skipped 4 records: 1 no answer text, 1 malformed XML or JSON, 1 invalid UTF-8, 1 missing or bad field$'
t_end

t_begin "-q/--quiet: no per-record warnings, summary still counts them"
expect_exit 0 "$SPINE_INDEXER" --no-progress -q "$WORK/quiet1" "$WORK/mixed" "$WORK/mixed.jsonl"
expect_err_no_line '^spine-index: '
expect_out_line '^skipped 4 records: '
expect_exit 0 "$SPINE_INDEXER" --no-progress --quiet "$WORK/quiet2" "$WORK/mixed.jsonl"
expect_err_no_line '^spine-index: '
expect_out_line '^skipped 2 records: 1 invalid UTF-8, 1 missing or bad field$'
t_end

t_begin "defaults: SPINE_CORPUS when no SOURCE, SPINE_INDEX when no -d"
expect_exit 0 env SPINE_CORPUS="$MEDQUAD_MINI" "$SPINE_INDEXER" --no-progress "$WORK/default"
expect_out_line "$(summary_re $MINI_ARTICLES $MINI_SECTIONS)"
run env SPINE_INDEX="$WORK/default" "$SPINE_SEARCH" --json --no-snippets migraine
expect_status 0
expect_json 'assert ids == ["3_Gamma_QA/0000001"], ids'
run env SPINE_INDEX="$WORK/does-not-exist" "$SPINE_SEARCH" --json --no-snippets -d "$WORK/default" migraine
expect_status 0
expect_json 'assert ids == ["3_Gamma_QA/0000001"], ids'
t_end

t_summary
