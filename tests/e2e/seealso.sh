#!/usr/bin/env bash
# seealso.sh -- "See also" end to end on tests/fixtures/seealso (MedQuAD-style
# articles with typed sections): a symptom lists the other conditions whose
# symptoms name it, without the article about the symptom itself, one entry
# for a condition two sources describe, a long list of phenotype terms last;
# a cause and a complication name their field; text and JSON output,
# --see-also N and 0, the defaults; the symptom:, cause: and complication:
# fields, and a misspelt one refused.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SA_CORPUS="$SPINE_FIXTURES/seealso"
ID_BACK="1_Clinic_QA/0000001"          # Back Pain: its symptoms say back pain
ID_STONES="1_Clinic_QA/0000002"        # Kidney Stones: "pain in your back"
ID_OSTEO="1_Clinic_QA/0000003"         # Osteoporosis: "back pain"
ID_ENDO="1_Clinic_QA/0000004"          # Endometriosis: "pain in the lower back"
ID_ANKLE="1_Clinic_QA/0000005"         # back pain in its text, not its symptoms
ID_DIABETES="1_Clinic_QA/0000006"      # causes: obesity; complications: kidney failure
ID_STONES2="2_Registry_QA/0000001"     # Kidney stones, another source
ID_SYNDROME="2_Registry_QA/0000002"    # 40 phenotype terms, Back pain among them

IDX="$WORK/seealso"
build_index "$IDX" "$SA_CORPUS"

t_begin "back pain: the conditions whose symptoms name it, not Back Pain itself"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets --see-also 10 back pain
expect_json '
sa = doc["see_also"]
got = [e["id"] for e in sa]
stones = {"'"$ID_STONES"'", "'"$ID_STONES2"'"}
assert len(stones & set(got)) == 1, ("one Kidney Stones entry", got)
assert {"'"$ID_OSTEO"'", "'"$ID_ENDO"'", "'"$ID_SYNDROME"'"} <= set(got), got
assert "'"$ID_BACK"'" not in got, ("the article about the query", got)
assert "'"$ID_ANKLE"'" not in got, ("back pain only in its text", got)
assert len(got) == 4, got
assert all(e["field"] == "symptom" for e in sa), sa
assert all(num(e["score"]) for e in sa), sa
assert [e["score"] for e in sa] == sorted((e["score"] for e in sa), reverse=True), sa
for e in sa:
    assert set(e) == {"id", "title", "source", "url", "field", "score"}, e
    assert e["title"] and e["source"] and e["url"].startswith("https://"), e
'
t_end

t_begin "back pain: a condition named by two sources ranks first, the long phenotype list last"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets --see-also 10 back pain
expect_json '
got = [e["id"] for e in doc["see_also"]]
assert got[0] in ("'"$ID_STONES"'", "'"$ID_STONES2"'"), got
assert got[-1] == "'"$ID_SYNDROME"'", got
'
t_end

t_begin "text: a See also block after the hits, five entries by default, the field named"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --no-snippets back pain
expect_out_line '^See also:$'
expect_out_line '^  Osteoporosis \[ClinicHealth\]: back pain is a symptom$'
expect_out_line '^  Harrow-Lind syndrome \[RegistryInfo\]: back pain is a symptom$'
expect_out_no_line '^  Back Pain '
expect_eq "kidney stones entries" "$(grep -ciE '^  kidney stones ' "$OUT")" 1
# The block comes after the last hit.
expect_eq "block last" "$(grep -nE '^(See also:|[0-9]+\. )' "$OUT" | tail -n 1 | cut -d: -f2)" "See also"
t_end

t_begin "text: --see-also N bounds the list, --see-also 0 turns it off"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --no-snippets --see-also 2 back pain
expect_eq "entries" "$(sed -n '/^See also:$/,/^$/p' "$OUT" | grep -c '^  ')" 2
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --no-snippets --see-also 0 back pain
expect_out_lacks "See also"
expect_out_line '^1\. Back Pain '
# A count (-n 0) prints the count alone.
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" -n 0 back pain
expect_out_lacks "See also"
t_end

t_begin "json: no see_also unless asked; asked with none to list, an empty list"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets back pain
expect_json 'assert "see_also" not in doc, doc'
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets --see-also 5 heat
expect_json 'assert doc["see_also"] == [] and ids == ["'"$ID_BACK"'"], doc'
t_end

t_begin "text: a query no typed section names prints no See also block"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --no-snippets heat
expect_out_line '^1\. Back Pain '
expect_out_lacks "See also"
t_end

t_begin "cause and complication: obesity causes, kidney failure complicates Type 2 Diabetes"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --no-snippets --see-also 5 obesity
expect_out_line '^  Type 2 Diabetes \[ClinicHealth\]: obesity is a cause$'
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets --see-also 5 kidney failure
expect_json 'assert [(e["id"], e["field"]) for e in doc["see_also"]] == [("'"$ID_DIABETES"'", "complication")], doc'
t_end

t_begin "see also follows the auto-corrected query"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets --see-also 10 obesty
expect_json 'assert doc["auto_corrected"] and [e["id"] for e in doc["see_also"]] == ["'"$ID_DIABETES"'"], doc'
t_end

t_begin "fields: symptom:, cause: and complication: search the typed sections alone"
expect_ids "$ID_BACK $ID_STONES $ID_STONES2 $ID_OSTEO $ID_ENDO $ID_SYNDROME" -d "$IDX" 'symptom:back AND symptom:pain'
expect_ids "$ID_DIABETES" -d "$IDX" cause:obesity
expect_ids "$ID_DIABETES" -d "$IDX" complication:kidney
# "heat" is in Back Pain's text, in no typed section.
expect_exit 1 "$SPINE_SEARCH" -d "$IDX" --json symptom:heat
t_end

t_begin "fields: a misspelt typed field is refused with the field it resembles"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" symptm:back
expect_err_has "unknown field 'symptm' (did you mean symptom:?)"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" causes:obesity
expect_err_has "unknown field 'causes' (did you mean cause:?)"
t_end

t_begin "options: --see-also past its maximum or not a number is an error"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" --see-also 51 back pain
expect_err_has "--see-also"
expect_exit 2 "$SPINE_SEARCH" -d "$IDX" --see-also many back pain
expect_err_has "--see-also"
t_end

t_summary
