#!/usr/bin/env bash
# features.sh -- spine-search's help for people searching in their own words,
# end to end on the fixture corpus (medquad-mini plus medquad-extra): typo
# correction, lay/clinical synonyms, related articles, the best section as
# snippet, plain-word questions and --explain.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MEDQUAD_EXTRA="$SPINE_FIXTURES/medquad-extra"
ID_PSORIATIC="4_Delta_QA/0000001"

IDX="$WORK/feat"
build_index "$IDX" "$MEDQUAD_MINI" "$MEDQUAD_EXTRA"
S=("$SPINE_SEARCH" -d "$IDX")

# first_is ID ARGS -- spine-search --json ARGS ranks article ID first.
first_is() {
    local want=$1
    shift
    run "${S[@]}" --json --no-snippets "$@"
    expect_status 0
    expect_json "assert ids and ids[0] == \"$want\", ids"
}

# top2_are_kidney_stones QUERY...: the two kidney-stone articles lead (they
# are near twins: which comes first is a matter of the third decimal).
top2_are_kidney_stones() {
    run "${S[@]}" --json --no-snippets "$@"
    expect_status 0
    expect_json 'assert set(ids[:2]) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001"}, ids'
}

# ---- typos ------------------------------------------------------------

t_begin "typo: osteoperosis finds nothing as typed, so osteoporosis is searched"
first_is "$ID_OSTEOPOROSIS" osteoperosis
expect_json 'assert doc["corrected"] == "osteoporosis", doc["corrected"]
assert doc["auto_corrected"] is True, doc'
run "${S[@]}" osteoperosis
expect_status 0
expect_eq "first line" "$(head -n 1 "$OUT")" \
    "Showing results for: osteoporosis (search instead for: osteoperosis with --exact)"
t_end

t_begin "typo: --exact searches the query as typed"
run "${S[@]}" --exact --json osteoperosis
expect_status 1
expect_json 'assert doc["hits"] == [] and doc["auto_corrected"] is False, doc
assert doc["corrected"] == "osteoporosis", doc["corrected"]'
t_end

t_begin "typo: kidny stones is searched as kidney stones (a close correction)"
top2_are_kidney_stones kidny stones
expect_json 'assert doc["corrected"] == "kidney stones", doc["corrected"]
assert doc["auto_corrected"] is True, doc'
run "${S[@]}" kidny stones
expect_eq "first line" "$(head -n 1 "$OUT")" \
    "Showing results for: kidney stones (search instead for: kidny stones with --exact)"
t_end

t_begin "typo: kidny alone is corrected automatically"
run "${S[@]}" --json --no-snippets kidny
expect_status 0
expect_json 'assert doc["auto_corrected"] is True and doc["corrected"] == "kidney", doc
assert set(ids[:2]) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001"}, ids'
t_end

t_begin "typo: psoriatic arthritus finds the psoriatic arthritis article first"
first_is "$ID_PSORIATIC" psoriatic arthritus
expect_json 'assert doc["corrected"] == "psoriatic arthritis", doc["corrected"]'
first_is "$ID_PSORIATIC" --and psoriatic arthritus
expect_json 'assert doc["auto_corrected"] is True, doc'
t_end

t_begin "typo: a distant correction is only suggested (fabry is not carry)"
run "${S[@]}" --json fabry
expect_status 1
expect_json 'assert doc["auto_corrected"] is False and doc["hits"] == [], doc'
t_end

# ---- best section -----------------------------------------------------

t_begin "best section: a word of the third section only gives its pid and snippet"
run "${S[@]}" --json oxalate
expect_status 0
expect_json 'h = hits[0]
assert h["id"] == "1_Alpha_QA/0000001", ids
assert h["section"] == "3", h["section"]
assert "**oxalate**" in h["snippet"] and "Drinking plenty of water" in h["snippet"], h["snippet"]'
t_end

t_begin "best section: the section naming the query words most wins"
run "${S[@]}" --json nails tendons
expect_status 0
expect_json 'assert hits[0]["id"] == "4_Delta_QA/0000001" and hits[0]["section"] == "2", hits[0]'
t_end

# ---- --explain --------------------------------------------------------

t_begin "--explain: text has a why: line per hit"
run "${S[@]}" --explain -n 2 kidney stones
expect_status 0
expect_true "two why: lines" test "$(grep -c '^   why: ' "$OUT")" = 2
expect_out_has "Zkidney"
t_end

# (Words outside any synonym group: Xapian weighs a group as one term, so
# its members report weight 0.)
t_begin "--explain: JSON lists matched query terms, weights and doc counts"
run "${S[@]}" --json --explain kidney urine
expect_status 0
expect_json 'for h in hits:
    ex = h["explain"]
    assert ex, h
    for e in ex:
        t = e["term"].lstrip("Z").lstrip("S")
        assert t.startswith("kidney") or t.startswith("urin"), e
        assert e["weight"] > 0 and e["docs"] >= 1, e
run = [e["term"] for e in hits[0]["explain"]]
assert "Zkidney" in run and "Zurin" in run, run'
run "${S[@]}" --json kidney urine
expect_json 'assert all("explain" not in h for h in hits), hits[0]'
t_end

# ---- synonyms (corpus/synonyms.txt, loaded by default) ----------------

t_begin "synonyms: nephrolithiasis finds the kidney-stone articles"
top2_are_kidney_stones nephrolithiasis
t_end

t_begin "synonyms: backache finds back pain"
first_is "$ID_BACK_PAIN" backache
t_end

t_begin "synonyms: myocardial infarction finds heart attack"
first_is "$ID_HEART_ATTACK" myocardial infarction
t_end

t_begin "synonyms: --synonyms FILE replaces the default list"
printf 'lumbago: back pain\n' > "$WORK/syn.txt"
build_index "$WORK/syn" --synonyms "$WORK/syn.txt" "$MEDQUAD_MINI"
first_is "$ID_BACK_PAIN" -d "$WORK/syn" lumbago
expect_exit 1 "$SPINE_SEARCH" -d "$WORK/syn" backache
t_end

t_begin "synonyms: a bad line is an error naming file and line (exit 2)"
printf '# ok\nheart attack, infarction\nlonely phrase\n' > "$WORK/bad.txt"
run "$SPINE_INDEXER" --no-progress --synonyms "$WORK/bad.txt" "$WORK/bad" "$MEDQUAD_MINI"
expect_status 2
expect_err_has "$WORK/bad.txt:3:"
run "$SPINE_INDEXER" --no-progress --synonyms "$WORK/none.txt" "$WORK/bad" "$MEDQUAD_MINI"
expect_status 2
expect_err_has "$WORK/none.txt"
t_end

# ---- questions in plain words (corpus/stopwords.txt) -------------------

t_begin "questions: what are the symptoms of asthma ranks asthma first"
first_is "$ID_ASTHMA" what are the symptoms of asthma
t_end

t_begin "questions: why does my lower back hurt ranks back pain first"
first_is "$ID_BACK_PAIN" why does my lower back hurt
t_end

t_begin "questions: stop words still count inside a phrase"
run "${S[@]}" --json --no-snippets '"what are the treatments for asthma"'
expect_status 0
expect_json 'assert ids == ["3_Gamma_QA/0000002"], ids'
t_end

# ---- --related ---------------------------------------------------------

t_begin "--related: the back pain article's see-also list"
run "${S[@]}" --json --no-snippets --related "$ID_BACK_PAIN"
expect_status 0
expect_json 'assert "2_Beta_QA/0000002" not in ids, ids
assert ids, ids
assert {"1_Alpha_QA/0000001", "2_Beta_QA/0000003"} & set(ids[:5]), ids
assert doc["query"] == "2_Beta_QA/0000002", doc["query"]'
run "${S[@]}" -n 2 --related "$ID_BACK_PAIN"
expect_status 0
expect_true "two entries" test "$(grep -c '^[0-9]*\. ' "$OUT")" = 2
t_end

t_begin "--related: an unknown id is an error (exit 2)"
run "${S[@]}" --related 9_No_QA/0000001
expect_status 2
expect_err_has "no article with id '9_No_QA/0000001'"
run "${S[@]}" --related "$ID_BACK_PAIN" back pain
expect_status 2
t_end

t_summary
