#!/usr/bin/env bash
# ranking.sh -- the right article first (issue 18, item 1) on
# tests/fixtures/ranking: for a query that names a topic, the article
# whose title is the query outranks rare variants whose short texts say
# the word as often ("osteoporosis"); a title that holds only a common
# word of the query is not lifted over the article the query means ("hair
# falling out" is not about Falls); a synonym group lifts the titles of
# its alternatives read whole ("stomach flu" lifts Gastroenteritis, not
# Flu); title: queries rank by the title field's own normalisation; the
# lift changes the order, never which articles match.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RK_CORPUS="$SPINE_FIXTURES/ranking"
ID_OSTEO="1_Health_QA/0000001"          # Osteoporosis, the general article
ID_FALLS="1_Health_QA/0000002"          # Falls
ID_HAIR="1_Health_QA/0000003"           # Hair Loss: "hair comes out"
ID_GASTRO="1_Health_QA/0000004"         # Gastroenteritis (synonym: stomach flu)
ID_FLU="1_Health_QA/0000005"            # Flu: says "flu" and "stomach"
ID_JUV="2_Rare_QA/0000001"              # Juvenile osteoporosis (short)
ID_OPS="2_Rare_QA/0000002"              # Osteoporosis-pseudoglioma syndrome

IDX="$WORK/ranking"
build_index "$IDX" --synonyms "$RK_CORPUS/synonyms.txt" "$RK_CORPUS"

t_begin "osteoporosis: the article titled so first, the rare variants after it"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets osteoporosis
expect_json '
got = [h["id"] for h in doc["hits"]]
assert got[:3] == ["'"$ID_OSTEO"'", "'"$ID_JUV"'", "'"$ID_OPS"'"], got
s = [h["score"] for h in doc["hits"]]
assert s[0] > s[1] > s[2], s
'
t_end

t_begin "the lift is by the share of the title: a shorter title that is the word ranks higher"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets title:osteoporosis
expect_json '
got = [h["id"] for h in doc["hits"]]
assert got == ["'"$ID_OSTEO"'", "'"$ID_JUV"'", "'"$ID_OPS"'"], got
'
t_end

t_begin "hair falling out: Hair Loss first, not Falls (its one-word title holds the common word)"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets hair falling out
expect_json '
got = [h["id"] for h in doc["hits"]]
assert got[0] == "'"$ID_HAIR"'", got
'
t_end

t_begin "stomach flu: the synonym's article first, Flu after it"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json --no-snippets stomach flu
expect_json '
got = [h["id"] for h in doc["hits"]]
assert got[0] == "'"$ID_GASTRO"'", got
assert "'"$ID_FLU"'" in got[1:], got
'
t_end

t_begin "the lift reorders, it matches nothing new: the articles that hold the words"
expect_ids "$ID_OSTEO $ID_JUV $ID_OPS" -d "$IDX" osteoporosis
expect_ids "$ID_GASTRO $ID_FLU" -d "$IDX" stomach flu
expect_ids "$ID_JUV $ID_OPS" -d "$IDX" osteoporosis source:RareInfo
expect_ids "$ID_JUV $ID_OPS" -d "$IDX" -- osteoporosis -hip
t_end

t_summary
