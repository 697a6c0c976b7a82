#!/usr/bin/env bash
# synonyms.sh -- synonyms that help (issue 18, item 4), end to end: the
# word typed outranks articles that only share common words with its
# one-way synonym ("sciatica", "sciatic nerve pain": "nerve pain" and
# "... Pain" titles), a multi-word synonym is matched whole, equivalents
# and multi-word keys still find their articles; and --expand keeps a
# query's source: filter and NOT.  A corpus of our own words, written
# here.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SRC="$WORK/pain.jsonl"
cat > "$SRC" <<'JSONL'
{"id": "MP/1", "title": "Sciatica", "source": "MPlus", "body": "Sciatica is felt down the back of one leg. Sciatica often goes away with rest and gentle stretching."}
{"id": "NINDS/2", "title": "Nerve Pain", "source": "NINDS", "body": "Nerve pain, like other nerve pain, may burn. Nerve pain in the feet and nerve pain elsewhere respond to the same nerve pain medicines; nerve pain can last for weeks. Pain, pain."}
{"id": "NINDS/3", "title": "Pinched Nerve", "source": "NINDS", "body": "A pinched nerve gives nerve pain in the neck or wrist. Nerve pain from a pinched nerve is nerve pain; the nerve heals, the pain goes."}
{"id": "GARD/4", "title": "Leg Pain", "source": "GARD", "body": "Leg pain has many causes: cramps, sciatic nerve pain, nerve pain from diabetes. Sciatic nerve pain spreads; nerve pain tingles."}
{"id": "GARD/5", "title": "Hip Pain", "source": "GARD", "body": "Hip pain may be nerve pain. Nerve pain and pain of the thigh are common; pain, nerve pain, more pain."}
{"id": "GARD/6", "title": "Disc Pain", "source": "GARD", "body": "A slipped disc presses the sciatic nerve: pain in the buttock."}
{"id": "MP/7", "title": "Headache", "source": "MPlus", "body": "Headache is pain in the head; pain killers help."}
{"id": "CDC/8", "title": "Influenza", "source": "CDC", "body": "Influenza is a virus of the nose and lungs."}
{"id": "NHLBI/9", "title": "Heart Attack", "source": "NHLBI", "body": "A heart attack happens when blood stops flowing to the heart."}
JSONL
printf '%s\n' 'sciatica: sciatic nerve pain' 'flu, influenza' \
    'myocardial infarction: heart attack' > "$WORK/syn.txt"

IDX="$WORK/idx"
build_index "$IDX" --synonyms "$WORK/syn.txt" "$SRC"
S=("$SPINE_SEARCH" -d "$IDX")

t_begin "synonyms: sciatica ranks the Sciatica article first, above its one-way synonym's"
run "${S[@]}" --json --no-snippets --explain sciatica
expect_status 0
expect_json 'assert ids[0] == "MP/1", ids
assert set(ids) == {"MP/1", "GARD/4", "GARD/6"}, ids
assert "Zsciatica" in [e["term"] for e in hits[0]["explain"]], hits[0]'
run "${S[@]}" sciatica
expect_status 0
expect_out_line '^1\. Sciatica \[MPlus\]$'
t_end

t_begin "synonyms: a multi-word synonym is matched whole (pain alone is no match)"
run "${S[@]}" --json --no-snippets sciatica
expect_json 'assert "MP/7" not in ids, ids'
t_end

t_begin "synonyms: equivalents and multi-word keys still find their articles"
expect_ids "CDC/8" -d "$IDX" flu
run "${S[@]}" --json --no-snippets myocardial infarction
expect_status 0
expect_json 'assert ids == ["NHLBI/9"], ids'
t_end

t_begin "synonyms: the query language around a synonym (source:, NOT, title:)"
expect_ids "GARD/4 GARD/6" -d "$IDX" sciatica source:GARD
run "${S[@]}" --json --no-snippets sciatica NOT buttock
expect_json 'assert ids == ["MP/1", "GARD/4"], ids'
run "${S[@]}" --json --no-snippets title:sciatica
expect_json 'assert ids[0] == "MP/1", ids'
t_end

t_begin "--expand: the added terms stay inside source: and NOT"
run "${S[@]}" --json --no-snippets --expand pinched source:NINDS
expect_status 0
expect_json 'assert ids and all(h["source"] == "NINDS" for h in hits), [(h["id"], h["source"]) for h in hits]'
run "${S[@]}" --json --no-snippets --expand pinched NOT hip
expect_json 'assert "NINDS/3" in ids and "GARD/5" not in ids, ids'
# Without a filter feedback still brings in more than the word found.
run "${S[@]}" --json --no-snippets --expand pinched
expect_json 'assert len(ids) > 1 and ids[0] == "NINDS/3", ids'
t_end

t_summary
