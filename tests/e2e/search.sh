#!/usr/bin/env bash
# search.sh -- spine-search end to end on the fixture corpus: ranking, the
# query language (phrases, AND/OR/NOT, title:, source:, prefix*), stemming,
# highlighting, spelling suggestions and the text layout.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDX="$WORK/mini"
build_index "$IDX" "$MEDQUAD_MINI"
S=("$SPINE_SEARCH" -d "$IDX")   # for run
D=(-d "$IDX")                   # for expect_ids

t_begin "ranking: \"kidney stones\" ranks the two kidney-stone articles first"
run "${S[@]}" --json --no-snippets kidney stones
expect_status 0
expect_json 'assert set(ids[:2]) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001"}, ids
assert set(ids) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001", "1_Alpha_QA/0000002",
                    "1_Alpha_QA/0000003", "1_Alpha_QA/0000005"}, ids'
t_end

t_begin "text layout: the count, then rank. title [source], URL, snippet, blank line"
run "${S[@]}" kidney stones
expect_status 0
expect_true "not laid out as count/blank, then rank/title/URL/snippet/blank" python3 -c '
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[0] == "1-5 of 5 articles" and lines[1] == "", lines[:2]
lines = lines[2:]
first = {"Kidney Stones [NIDDK]": "https://example.org/niddk/kidney-stones",
         "Kidney Stones in Adults [MPlusHealthTopics]": "https://example.org/mplus/kidney-stones-adults"}
assert lines[0].startswith("1. ") and lines[0][3:] in first, lines[0]
assert lines[1] == "   " + first[lines[0][3:]], lines[1]
assert lines[2].startswith("   ") and len(lines[2].strip()) > 0, lines[2]
assert lines[3] == "", lines[3]
assert lines[4].startswith("2. Kidney Stones"), lines[4]
ranks = [int(m.group(1)) for m in (re.match(r"(\d+)\. ", l) for l in lines) if m]
assert ranks == list(range(1, 6)), ranks
' "$OUT"
t_end

# ---- counts, facets and sources (issue 18, item 5) ---------------------------

# medquad-mini: "kidney stones" matches 5 articles, 4 of them NIDDK's and 1
# MPlusHealthTopics'; the index holds NIDDK 5, MPlusHealthTopics 4, GARD 3.

t_begin "count: a page says which ranks it shows of how many (exact when known)"
run "${S[@]}" --no-snippets -n 2 --offset 1 kidney stones
expect_status 0
expect_out_line '^2-3 of (about [0-9]+|5) articles$'
run "${S[@]}" --no-snippets migraine
expect_out_line '^1 of 1 article$'
run "${S[@]}" --no-snippets --facets -n 2 kidney stones
expect_out_line '^1-2 of 5 articles$'
t_end

t_begin "--offset past the end: says how many match, exit 1"
run "${S[@]}" --offset 200 kidney stones
expect_status 1
expect_err_one_line "spine-search: no articles at offset 200: 'kidney stones' matches 5"
expect_eq "stdout" "$(cat "$OUT")" "5 articles"
expect_out_no_line '^[0-9]+\. '
t_end

t_begin "-n 0: the exact count alone, exit 0 when articles match, else 1"
run "${S[@]}" -n 0 kidney stones
expect_status 0
expect_eq "stdout" "$(cat "$OUT")" "5 articles"
expect_err_empty
run "${S[@]}" -n 0 migraine
expect_eq "stdout" "$(cat "$OUT")" "1 article"
run "${S[@]}" -n 0 xylophone
expect_status 1
expect_out_empty
expect_err_one_line "spine-search: no articles match 'xylophone'"
t_end

t_begin "--facets: matches per source over the whole match, not the page"
run "${S[@]}" --no-snippets --facets -n 1 kidney stones
expect_status 0
expect_out_line '^By source: NIDDK 4, MPlusHealthTopics 1$'
run "${S[@]}" -n 0 --facets kidney stones
expect_status 0
expect_eq "stdout" "$(cat "$OUT")" $'5 articles\nBy source: NIDDK 4, MPlusHealthTopics 1'
# Without --facets, no facets line.
run "${S[@]}" --no-snippets kidney stones
expect_out_no_line '^By source:'
t_end

t_begin "--facets: a quoted phrase counts the articles that hold the phrase"
# "blood pressure" as a phrase is in one article, its two words in two.
run "${S[@]}" -n 0 --facets '"blood pressure"'
expect_status 0
expect_out_line '^1 article$'
run "${S[@]}" -n 0 --facets blood AND pressure
expect_out_line '^2 articles$'
t_end

t_begin "--sources: the index's sources and their articles, most first"
run "${S[@]}" --sources
expect_status 0
expect_eq "stdout" "$(cat "$OUT")" "       5  NIDDK
       4  MPlusHealthTopics
       3  GARD
      12  articles in all"
expect_exit 2 "${S[@]}" --sources kidney
expect_err_one_line "spine-search: --sources lists the index's sources; "
t_end

t_begin "phrase: \"blood pressure\" matches only the article with the phrase"
expect_ids "$ID_BLOOD_PRESSURE" "${D[@]}" '"blood pressure"'
t_end

t_begin "no quotes: blood pressure matches both articles (OR, and with --and)"
expect_ids "$ID_BLOOD_PRESSURE $ID_HEART_ATTACK $ID_DIABETES" "${D[@]}" blood pressure
expect_ids "$ID_BLOOD_PRESSURE $ID_HEART_ATTACK" "${D[@]}" --and blood pressure
t_end

t_begin "AND: kidney AND stones"
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS" "${D[@]}" kidney AND stones
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS" "${D[@]}" --and kidney stones
t_end

t_begin "OR: migraine OR gallstones"
expect_ids "$ID_MIGRAINE $ID_GALLSTONES" "${D[@]}" migraine OR gallstones
t_end

t_begin "NOT: kidney NOT stones"
expect_ids "$ID_DIABETES $ID_UTI" "${D[@]}" kidney NOT stones
t_end

t_begin "title: field matches title words only"
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS" "${D[@]}" title:kidney
expect_ids "$ID_KIDNEY_STONES_ADULTS" "${D[@]}" title:adults
expect_ids "$ID_BACK_PAIN" "${D[@]}" title:pain
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS $ID_GALLSTONES $ID_BACK_PAIN $ID_MIGRAINE $ID_OSTEOARTHRITIS" \
    "${D[@]}" pain
t_end

t_begin "source: filter, case-insensitive"
expect_ids "$ID_KIDNEY_STONES $ID_DIABETES $ID_UTI" "${D[@]}" kidney source:niddk
expect_ids "$ID_KIDNEY_STONES $ID_DIABETES $ID_UTI" "${D[@]}" kidney source:NIDDK
expect_ids "$ID_KIDNEY_STONES_ADULTS" "${D[@]}" kidney source:mplushealthtopics
expect_ids "$ID_KIDNEY_STONES_ADULTS" "${D[@]}" kidney source:MPlusHealthTopics
expect_ids "" "${D[@]}" migraine source:niddk
t_end

t_begin "prefix wildcard: osteo*"
expect_ids "$ID_OSTEOPOROSIS $ID_OSTEOARTHRITIS" "${D[@]}" 'osteo*'
expect_ids "$ID_OSTEOPOROSIS" "${D[@]}" osteoporosis
t_end

t_begin "highlighting: matched words wrapped in ** when piped"
run "${S[@]}" kidney stones
expect_status 0
expect_true "no **kidney** in the snippets" grep -qi '\*\*kidney\*\*' "$OUT"
expect_true "no **stones** in the snippets" grep -qi '\*\*stones\*\*' "$OUT"
expect_out_lacks $'\033['
run "${S[@]}" --color=never kidney stones
expect_status 0
expect_true "--color=never: no **kidney** in the snippets" grep -qi '\*\*kidney\*\*' "$OUT"
expect_out_lacks $'\033['
t_end

t_begin "highlighting: --color=always uses ANSI bold, not **"
run "${S[@]}" --color=always kidney stones
expect_status 0
expect_out_has $'\033[1m'
expect_out_lacks '**'
t_end

t_begin "--no-snippets: entries without snippets or markers"
run "${S[@]}" --no-snippets kidney stones
expect_status 0
expect_out_line '^1\. Kidney Stones'
expect_out_lacks '**'
expect_out_lacks 'minerals'
t_end

t_begin "stemming: stone finds and highlights stones; kidneys finds kidney"
run "${S[@]}" stone
expect_status 0
expect_true "no **stones** in the snippets" grep -qi '\*\*stones\*\*' "$OUT"
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS $ID_GALLSTONES" "${D[@]}" stone
# 1_Alpha_QA/0000001 says "kidney" only, never "kidneys".
expect_ids "$ID_KIDNEY_STONES $ID_KIDNEY_STONES_ADULTS $ID_DIABETES $ID_UTI" "${D[@]}" kidneys
t_end

t_begin "spelling: kidnye stones suggests kidney stones before the hits"
# Two edits (as Levenshtein counts them) from "kidney": suggested, not
# searched without asking.
run "${S[@]}" kidnye stones
expect_status 0
expect_eq "first line" "$(head -n 1 "$OUT")" "Did you mean: kidney stones?"
expect_true "hits after the suggestion" grep -q '^1\. ' "$OUT"
run "${S[@]}" kidney stones
expect_out_lacks "Did you mean"
t_end

# Only an unknown word calls for a suggestion: each of these occurs, as
# typed, in the corpus.
t_begin "spelling: words found in the corpus are not corrected"
for q in pain stone kidneys; do
    run "${S[@]}" --json --no-snippets "$q"
    expect_status 0
    expect_json 'assert doc["corrected"] is None, "corrected: %r" % doc["corrected"]'
    run "${S[@]}" --no-snippets "$q"
    expect_out_lacks "Did you mean"
done
t_end

t_begin "no hits: exit 1 and no entries"
expect_exit 1 "${S[@]}" xylophone
expect_out_no_line '^1\. '
t_end

t_begin "query words are joined: one argument or several give the same hits"
run "${S[@]}" --json --no-snippets "kidney stones"
cp "$OUT" "$WORK/one-arg"
run "${S[@]}" --json --no-snippets kidney stones
expect_same_files "one argument vs two" "$WORK/one-arg" "$OUT"
t_end

t_begin "a query's control characters are echoed escaped, never raw"
esc=$'\e[2J\a\e[0m'
for args in "kidnye $esc" "xylophone $esc"; do
    # shellcheck disable=SC2086  # two words
    run "${S[@]}" --no-snippets $args
    expect_true "raw ESC or BEL on stdout or stderr" \
        test "$(cat "$OUT" "$ERR" | tr -d -c '\033\007' | wc -c)" = 0
    expect_true "the echo lost the escaped text" \
        grep -qF '\x1b[2J\x07\x1b[0m' "$OUT" "$ERR"
done
run_in $'kidney\e[31m\n' "${S[@]}" --batch --no-snippets
expect_status 0
expect_out_line '^# kidney\\x1b\[31m$'
expect_true "raw ESC in the batch header" \
    test "$(tr -d -c '\033' <"$OUT" | wc -c)" = 0
t_end

t_begin "an empty query: exit 2, one line, nothing leaked (ASan build)"
run "${S[@]}" ''
expect_status 2
expect_err_one_line "spine-search: no query given"
run "${S[@]}" '' ''
expect_status 2
expect_err_has "no query given"
t_end

t_summary
