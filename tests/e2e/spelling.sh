#!/usr/bin/env bash
# spelling.sh -- spine-search's corrections only when confident, end to end
# on tests/fixtures/spelling (articles that hold a near neighbour of a real
# word no article uses): a word of hunspell's English or medical dictionary
# is never replaced without asking, nor quoted text, nor a field name; a
# misspelt field name is an error; typos are still corrected, closeness
# counted in characters; without the dictionaries the searcher says so and
# corrects as before.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPELL_CORPUS="$SPINE_FIXTURES/spelling/corpus.jsonl"
ID_ASTHMA_SP="sp-01"
ID_ASTHMA_CHILDREN_SP="sp-02"
ID_KIDNEY_SP="sp-03"
ID_BROKEL_SP="sp-11"

IDX="$WORK/spell"
build_index "$IDX" "$SPELL_CORPUS"
S=("$SPINE_SEARCH" -d "$IDX")

# kept QUERY OFFERED -- QUERY is searched as typed (no hits: no article
# has its word), with OFFERED as the "did you mean".
kept() {
    run "${S[@]}" --json --no-snippets "$1"
    expect_status 1
    expect_json "assert doc[\"auto_corrected\"] is False, doc
assert doc[\"corrected\"] == \"\"\"$2\"\"\", doc[\"corrected\"]
assert hits == [], ids"
}

# ---- dictionary words -------------------------------------------------

t_begin "dictionary: methadone is not searched as methane, only offered"
kept methadone methane
run "${S[@]}" methadone
expect_status 1
expect_out_has "Did you mean: methane?"
expect_out_lacks "Showing results for"
t_end

t_begin "dictionary: Eyestrain is not searched as restrain"
kept Eyestrain restrain
t_end

t_begin "dictionary: warehouse is not searched as waterhouse"
kept warehouse waterhouse
t_end

t_begin "dictionary: crossing is not searched as dressing"
kept crossing dressing
t_end

t_begin "dictionary: pre-school is a word (preschool): not are-school"
run "${S[@]}" --json --no-snippets pre-school
expect_json 'assert doc["auto_corrected"] is False, doc
assert doc["corrected"] == "are-school", doc["corrected"]'
t_end

t_begin "dictionary: (diuril), a medical word, is not searched as (diurnal)"
kept "(diuril)" "(diurnal)"
t_end

# ---- quotes and fields ------------------------------------------------

t_begin "quotes: \"unclosed is searched as typed, not as \"enclosed"
kept '"unclosed' '"enclosed'
t_end

t_begin "quotes: a quoted typo is only offered, a typo outside is corrected"
run "${S[@]}" --json --no-snippets '"kidny stones" kidny'
expect_status 0
expect_json 'assert doc["auto_corrected"] is True, doc
assert doc["corrected"] == "\"kidny stones\" kidney", doc["corrected"]'
t_end

t_begin "fields: titl:asthma is an error naming title:"
run "${S[@]}" titl:asthma
expect_status 2
expect_err_one_line "spine-search: bad query: unknown field 'titl' (did you mean title:?)"
expect_out_empty
# Not a spelling matter: --no-spelling does not turn the check off.
run "${S[@]}" --no-spelling titl:asthma
expect_status 2
expect_err_one_line "spine-search: bad query: unknown field 'titl' (did you mean title:?)"
t_end

t_begin "fields: sourc:NHLBI asthma is an error naming source:; source: finds"
run "${S[@]}" --json sourc:NHLBI asthma
expect_status 2
expect_err_has "unknown field 'sourc' (did you mean source:?)"
run "${S[@]}" --json --no-snippets source:NHLBI asthma
expect_status 0
expect_json "assert ids == [\"$ID_ASTHMA_SP\"], ids"
t_end

t_begin "fields: title:asthma, re:asthma and a quoted titl:asthma are searched"
run "${S[@]}" --json --no-snippets title:asthma
expect_status 0
expect_json "assert set(ids) == {\"$ID_ASTHMA_SP\", \"$ID_ASTHMA_CHILDREN_SP\"}, ids"
expect_exit 1 "${S[@]}" --json --no-snippets re:asthma
expect_exit 1 "${S[@]}" --json --no-snippets '"titl:asthma"'
t_end

# ---- typos ------------------------------------------------------------

t_begin "typo: kidny is still searched as kidney, beside methadone as typed"
run "${S[@]}" --json --no-snippets kidny
expect_status 0
expect_json "assert doc[\"auto_corrected\"] is True and doc[\"corrected\"] == \"kidney\", doc
assert ids == [\"$ID_KIDNEY_SP\"], ids"
run "${S[@]}" --json --no-snippets kidny methadone
expect_status 0
expect_json "assert doc[\"auto_corrected\"] is True, doc
assert doc[\"corrected\"] == \"kidney methadone\", doc[\"corrected\"]"
t_end

# "ø" is a letter of its own, which folding keeps ("ö" would fold to "o").
t_begin "typo: one character in two bytes is one edit (brokel is Brøkel)"
run "${S[@]}" --json --no-snippets brokel
expect_status 0
expect_json "assert doc[\"auto_corrected\"] is True, doc
assert doc[\"corrected\"] == \"brøkel\", doc[\"corrected\"]
assert ids == [\"$ID_BROKEL_SP\"], ids"
t_end

# ---- without the dictionaries -----------------------------------------

mkdir -p "$WORK/no-dicts"
t_begin "no dictionaries: a note on stderr, once, and corrections as before"
SPINE_HUNSPELL_DIR="$WORK/no-dicts" run_in $'methadone\nwarehouse\n' \
    "${S[@]}" --batch --json --no-snippets
expect_status 0
expect_json 'assert len(docs) == 2, docs
assert all(d["auto_corrected"] for d in docs), docs
assert docs[0]["corrected"] == "methane", docs[0]'
expect_err_one_line "spine: no dictionary $WORK/no-dicts/en_US.dic (install hunspell-en-us)"
t_end

t_summary
