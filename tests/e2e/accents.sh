#!/usr/bin/env bash
# accents.sh -- accent and case folding end to end on tests/fixtures/accents
# (articles that spell Ménière with and without its accents, in capitals,
# and café with and without one): a word finds the articles that spell it
# any of those ways, in plain words, phrases (with and without stored
# positions), title: and source: filters, boolean queries and synonyms;
# snippets mark the word as the article writes it.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACC_CORPUS="$SPINE_FIXTURES/accents/corpus.jsonl"
ACC_SYNONYMS="$SPINE_FIXTURES/accents/synonyms.txt"
ID_MENIERE="acc-01"        # Ménière disease (title and text)
ID_DRIVING="acc-02"        # Meniere disease and driving (no accents)
ID_LIVING="acc-03"         # LIVING WITH MÉNIÈRE (capitals), source Clínica
ID_CAFE_SPOTS="acc-04"     # Café au lait spots, source Clínica
ID_CAFE="acc-05"           # ... at the cafe
ID_CLINIC="acc-06"         # Ménière ... the disease: both words, apart
ID_HYDROPS="acc-07"        # endolymphatic hydrops, never names Ménière
ID_STROKE="acc-08"         # driving, nothing else in common
MENIERE_ALL="$ID_MENIERE $ID_DRIVING $ID_LIVING $ID_CLINIC"

# No synonyms here (an empty file), so that each case sees folding alone.
: >"$WORK/none.txt"
IDX="$WORK/acc"
build_index "$IDX" --synonyms "$WORK/none.txt" "$ACC_CORPUS"
POS="$WORK/acc-positions"
build_index "$POS" --positions --synonyms "$WORK/none.txt" "$ACC_CORPUS"
SYN="$WORK/acc-synonyms"
build_index "$SYN" --synonyms "$ACC_SYNONYMS" "$ACC_CORPUS"

t_begin "words: Meniere, Ménière, MÉNIÈRE and meniere find the same articles"
for q in Meniere Ménière MÉNIÈRE meniere ménière MENIERE; do
    expect_ids "$MENIERE_ALL" -d "$IDX" "$q"
done
t_end

t_begin "words: cafe finds Café, and Café and CAFÉ find the cafe"
for q in cafe Café CAFÉ café; do
    expect_ids "$ID_CAFE $ID_CAFE_SPOTS" -d "$IDX" "$q"
done
t_end

t_begin "words: an accent written as a combining mark folds alike"
# "Me" + U+0301 + "nie" + U+0300 + "re": the marks apart from their letters.
expect_ids "$MENIERE_ALL" -d "$IDX" $'Me\xcc\x81nie\xcc\x80re'
t_end

t_begin "phrase: \"ménière disease\" finds both spellings, not the words apart"
for q in '"ménière disease"' '"Meniere disease"' '"MÉNIÈRE DISEASE"'; do
    expect_ids "$ID_MENIERE $ID_DRIVING" -d "$IDX" "$q"
    # The same as an index that stores positions (no verification).
    expect_ids "$ID_MENIERE $ID_DRIVING" -d "$POS" "$q"
done
# With positions, NOT excludes the phrase alone (without, its words).
expect_ids "$ID_LIVING $ID_CLINIC" -d "$POS" 'ménière NOT "Meniere disease"'
t_end

t_begin "phrase: NEAR and a hyphenated word fold alike"
expect_ids "$ID_MENIERE $ID_DRIVING $ID_CLINIC" -d "$IDX" 'Ménière NEAR disease'
expect_ids "$ID_MENIERE $ID_DRIVING $ID_CLINIC" -d "$POS" 'Ménière NEAR disease'
expect_ids "$ID_CAFE_SPOTS" -d "$IDX" 'cafe-au-lait'
expect_ids "$ID_CAFE_SPOTS" -d "$POS" 'cafe-au-lait'
t_end

t_begin "title: title:ménière, title:Meniere and title:MÉNIÈRE are one field word"
for q in title:ménière title:Meniere title:MÉNIÈRE title:meniere; do
    expect_ids "$ID_MENIERE $ID_DRIVING $ID_LIVING" -d "$IDX" "$q"
done
expect_ids "$ID_CAFE_SPOTS" -d "$IDX" 'title:cafe AND spots'
t_end

t_begin "source: source:Clínica, source:clinica and source:CLÍNICA filter alike"
for q in source:Clínica source:clinica source:CLÍNICA; do
    expect_ids "$ID_LIVING $ID_CAFE_SPOTS" -d "$IDX" "$q"
done
run "$SPINE_SEARCH" -d "$IDX" --sources --json
expect_status 0
expect_json 'assert {s["source"]: s["count"] for s in doc["sources"]} == {"AccentHealth": 6, "Clínica": 2}, doc'
t_end

t_begin "operators: AND, OR, NOT in capitals work beside accented words"
expect_ids "$ID_DRIVING" -d "$IDX" 'Ménière AND driving'
expect_ids "$ID_DRIVING" -d "$IDX" 'MÉNIÈRE AND DRIVING'
expect_ids "$ID_MENIERE $ID_LIVING $ID_CLINIC" -d "$IDX" 'Ménière NOT driving'
expect_ids "$MENIERE_ALL $ID_CAFE $ID_CAFE_SPOTS" -d "$IDX" 'café OR MÉNIÈRE'
expect_ids "$ID_LIVING" -d "$IDX" '(Ménière OR café) AND source:Clínica NOT spots'
# In lower case they are words, as before: "and" is one more word to OR.
expect_ids "$MENIERE_ALL $ID_STROKE" -d "$IDX" 'ménière or driving'
t_end

t_begin "snippets: the word is marked as the article writes it"
run "$SPINE_SEARCH" -d "$IDX" --color=never meniere
expect_status 0
expect_out_has "**Ménière** disease is a long-lasting problem"
expect_out_has "patients with **MÉNIÈRE** name most often"
expect_out_has "People with **Meniere** disease"
run "$SPINE_SEARCH" -d "$IDX" --color=never CAFÉ
expect_out_has "**Café** au lait spots are flat"
expect_out_has "at the **cafe** can hold"
# A phrase marks both its words; JSON carries the same text.
run "$SPINE_SEARCH" -d "$IDX" --json '"meniere disease"'
expect_json 'snip = {h["id"]: h["snippet"] for h in hits}
assert "**Ménière** **disease** is a long-lasting" in snip["acc-01"], snip
assert "with **Meniere** **disease** are often" in snip["acc-02"], snip'
t_end

t_begin "stored text is never folded: titles and sources as written"
run "$SPINE_SEARCH" -d "$IDX" --json --no-snippets MENIERE
expect_json 'byid = {h["id"]: h for h in hits}
assert byid["acc-03"]["title"] == "LIVING WITH MÉNIÈRE", byid["acc-03"]
assert byid["acc-03"]["source"] == "Clínica", byid["acc-03"]
assert byid["acc-01"]["title"] == "Ménière disease", byid["acc-01"]'
t_end

t_begin "synonyms: an accented synonym is found without its accents too"
# "Ménière, endolymphatic hydrops": the hydrops article never names Ménière.
for q in Ménière Meniere MÉNIÈRE; do
    expect_ids "$MENIERE_ALL $ID_HYDROPS" -d "$SYN" "$q"
done
expect_ids "$MENIERE_ALL $ID_HYDROPS" -d "$SYN" 'endolymphatic hydrops'
t_end

t_begin "spelling: a misspelt accented word is corrected to the folded word"
run "$SPINE_SEARCH" -d "$IDX" --json --no-snippets Ménère
expect_status 0
expect_json 'assert doc["corrected"] == "meniere", doc
assert sorted(ids) == sorted("'"$MENIERE_ALL"'".split()), ids'
t_end

t_summary
