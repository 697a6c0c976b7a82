#!/usr/bin/env bash
# json.sh -- spine-search --json and --batch: one well-formed object per
# query with the documented fields and types, --limit and --offset, and
# batch mode in JSON and text.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDX="$WORK/both"
build_index "$IDX" "$MEDQUAD_MINI" "$MINI_JSONL"
S=("$SPINE_SEARCH" -d "$IDX")

# Checks every object in stdout against the documented shape.
SHAPE='
for d in docs:
    assert isinstance(d, dict), "not an object: %r" % (d,)
    keys = {"query", "corrected", "auto_corrected", "estimated",
            "over_budget", "offset", "hits"}
    assert set(d) == keys, "keys %s, want %s" % (sorted(d), sorted(keys))
    assert isinstance(d["query"], str), d["query"]
    assert d["corrected"] is None or isinstance(d["corrected"], str), d["corrected"]
    assert isinstance(d["auto_corrected"], bool), d["auto_corrected"]
    assert isinstance(d["over_budget"], bool), d["over_budget"]
    for k in ("estimated", "offset"):
        assert isinstance(d[k], int) and not isinstance(d[k], bool), (k, d[k])
    assert isinstance(d["hits"], list), d["hits"]
    # Past the end the page is empty and the count below the offset.
    assert not d["hits"] or d["estimated"] >= d["offset"] + len(d["hits"]), d["estimated"]
    want = {"rank": int, "id": str, "score": (int, float), "title": str,
            "source": str, "url": str}
    for i, h in enumerate(d["hits"]):
        assert set(h) - {"explain"} == set(want) | {"snippet", "section"}, "hit keys %s" % sorted(h)
        assert h["section"] is None or isinstance(h["section"], str), h["section"]
        for k, t in want.items():
            assert isinstance(h[k], t) and not isinstance(h[k], bool), (k, h[k])
        assert h["rank"] == d["offset"] + i + 1, "rank %d at position %d" % (h["rank"], i)
        assert h["snippet"] is None or isinstance(h["snippet"], str), h["snippet"]
    scores = [h["score"] for h in d["hits"]]
    assert scores == sorted(scores, reverse=True), "scores not descending: %r" % scores
'

# Matches exactly 12 articles of medquad-mini: one or more of these words
# occur in each of them.
TWELVE=(kidney gallstones pressure back 'osteo*' migraine asthma)

t_begin "--json: one object, documented fields and types"
run "${S[@]}" --json kidney stones
expect_status 0
expect_eq "stdout lines" "$(wc -l <"$OUT")" 1
expect_json "$SHAPE"
expect_json 'assert doc["query"] == "kidney stones", doc["query"]
assert doc["corrected"] is None and doc["offset"] == 0, doc
assert doc["estimated"] == 5 and len(hits) == 5, (doc["estimated"], len(hits))
assert set(ids[:2]) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001"}, ids
h = [h for h in hits if h["id"] == "1_Alpha_QA/0000001"][0]
assert h["title"] == "Kidney Stones" and h["source"] == "NIDDK", h
assert h["url"] == "https://example.org/niddk/kidney-stones", h["url"]
assert "**" in h["snippet"] and "\033" not in h["snippet"], h["snippet"]
assert all(x["snippet"] for x in hits), "empty snippet"'
t_end

t_begin "--json: a JSON Lines article without title, url or source"
run "${S[@]}" --json tinnitus
expect_status 0
expect_json "$SHAPE"
expect_json 'assert ids == ["jl-0004"], ids
assert (hits[0]["title"], hits[0]["url"], hits[0]["source"]) == ("", "", ""), hits[0]'
run "${S[@]}" --json hiccups
expect_json 'assert ids == ["42"], ids'
t_end

t_begin "--json: quotes and backslashes in the query are escaped"
run "${S[@]}" --json "\"blood pressure\" \\"
expect_status 0
expect_json "$SHAPE"
expect_json 'assert doc["query"] == "\"blood pressure\" \\", repr(doc["query"])'
t_end

t_begin "--json: no hits gives an object with an empty hits list, exit 1"
run "${S[@]}" --json xylophone
expect_status 1
expect_json "$SHAPE"
expect_json 'assert len(docs) == 1 and hits == [], docs'
t_end

t_begin "--json: spelling suggestion in \"corrected\""
run "${S[@]}" --json kidny stones
expect_status 0
expect_json 'assert doc["corrected"] == "kidney stones", doc["corrected"]
assert doc["query"] == "kidny stones", doc["query"]'
t_end

t_begin "--no-snippets: snippet is null"
run "${S[@]}" --json --no-snippets kidney stones
expect_status 0
expect_json "$SHAPE"
expect_json 'assert len(hits) == 5 and all(h["snippet"] is None for h in hits), hits'
t_end

# "estimated" is Xapian's estimate: exact once every match has been seen;
# when the list is cut short it lies between Xapian's bounds, never below
# the hits already counted (offset + shown), but it may be above or below
# the true total.
t_begin "--limit: default 10, -n and --limit cap the hits"
run "${S[@]}" --json --no-snippets -n 100 "${TWELVE[@]}"
expect_status 0
expect_json 'assert len(hits) == 12 and doc["estimated"] == 12, (len(hits), doc["estimated"])'
cp "$OUT" "$WORK/all12"
run "${S[@]}" --json --no-snippets "${TWELVE[@]}"
expect_json 'assert len(hits) == 10 and doc["estimated"] >= 10, (len(hits), doc["estimated"])'
run "${S[@]}" --json --no-snippets -n 3 "${TWELVE[@]}"
expect_json "$SHAPE"
expect_json 'assert len(hits) == 3 and doc["estimated"] >= 3, (len(hits), doc["estimated"])'
run "${S[@]}" --json --no-snippets --limit 1 "${TWELVE[@]}"
expect_json 'assert len(hits) == 1, len(hits)'
run "${S[@]}" --json --no-snippets --limit 10000 "${TWELVE[@]}"
expect_status 0
expect_json 'assert len(hits) == 12, len(hits)'
t_end

t_begin "--offset: ranks continue, hits are the next slice of the full list"
run "${S[@]}" --json --no-snippets --offset 4 -n 3 "${TWELVE[@]}"
expect_status 0
expect_json "$SHAPE"
expect_json 'full = json.loads(open(sys.argv[1].rsplit("/", 1)[0] + "/all12").read())
assert doc["offset"] == 4, doc["offset"]
assert [h["rank"] for h in hits] == [5, 6, 7], [h["rank"] for h in hits]
assert ids == [h["id"] for h in full["hits"][4:7]], ids'
run "${S[@]}" --json --no-snippets --offset 10 "${TWELVE[@]}"
expect_json 'assert [h["rank"] for h in hits] == [11, 12], [h["rank"] for h in hits]'
t_end

t_begin "--batch --json: one object per query line, in order"
expect_exit_in 0 $'kidney stones\nxylophone\nmigraine\n' "${S[@]}" --batch --json
expect_json "$SHAPE"
expect_json 'assert [d["query"] for d in docs] == ["kidney stones", "xylophone", "migraine"], docs
assert [len(d["hits"]) for d in docs] == [5, 0, 1], [len(d["hits"]) for d in docs]
assert docs[2]["hits"][0]["id"] == "3_Gamma_QA/0000001", docs[2]'
t_end

t_begin "--batch --json: same answers as one query at a time"
run "${S[@]}" --json migraine
cp "$OUT" "$WORK/single"
run_in $'migraine\n' "${S[@]}" --batch --json
expect_same_files "batch vs single" "$WORK/single" "$OUT"
t_end

t_begin "--batch: exit 1 when no query finds anything"
expect_exit_in 1 $'xylophone\nzeppelin\n' "${S[@]}" --batch --json
expect_json 'assert len(docs) == 2 and all(d["hits"] == [] for d in docs), docs'
t_end

t_begin "--batch text: each query's results follow a # QUERY line"
expect_exit_in 0 $'kidney stones\nmigraine\n' "${S[@]}" --batch
expect_eq "first line" "$(head -n 1 "$OUT")" "# kidney stones"
expect_true "no '# migraine' line followed by '1. Migraine [GARD]'" python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = lines.index("# migraine")
rest = [l for l in lines[i + 1:] if l.strip()]
assert rest[:2] == ["1 of 1 article", "1. Migraine [GARD]"], rest[:2]
assert sum(1 for l in lines if l.startswith("# ")) == 2
' "$OUT"
t_end

t_begin "--batch --json: a bad query gives an error object, the rest go on, exit 2"
expect_exit_in 2 $'kidney stones\nkidney AND\nmigraine\n' "${S[@]}" --batch --json --no-snippets
expect_json 'assert len(docs) == 3, docs
assert [d["query"] for d in docs] == ["kidney stones", "kidney AND", "migraine"], docs
assert "error" not in docs[0] and "error" not in docs[2], docs
assert set(docs[1]) == {"query", "error", "hits"} and docs[1]["hits"] == [], docs[1]
assert docs[1]["error"].startswith("bad query"), docs[1]["error"]
assert len(docs[0]["hits"]) == 5 and docs[2]["hits"][0]["id"] == "3_Gamma_QA/0000001", docs'
expect_err_one_line "spine-search: bad query"
t_end

t_begin "--batch text: a bad query gives # QUERY and an error: line, exit 2"
expect_exit_in 2 $'kidney AND\nmigraine\n' "${S[@]}" --batch --no-snippets
expect_true "no '# kidney AND' line followed by 'error: bad query...'" python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = lines.index("# kidney AND")
assert lines[i + 1].startswith("error: bad query"), lines[i + 1]
assert "# migraine" in lines and "1. Migraine [GARD]" in lines, lines
' "$OUT"
t_end

t_begin "--json --facets: counts per source for the whole match, as source: filters find"
run "${S[@]}" --json --no-snippets --facets -n 1 "${TWELVE[@]}" tinnitus hiccups
expect_status 0
cp "$OUT" "$WORK/facets"
expect_json 'f = doc["facets"]
assert sum(x["count"] for x in f) == doc["estimated"] == 14, (f, doc["estimated"])
assert [x["count"] for x in f] == sorted((x["count"] for x in f), reverse=True), f
# The JSON Lines articles without a source are counted as source "".
assert "" in {x["source"] for x in f} and "NIDDK" in {x["source"] for x in f}, f
assert len(hits) == 1, hits'
for src in NIDDK GARD; do
    run "${S[@]}" --json --no-snippets -n 100 "${TWELVE[@]}" tinnitus hiccups source:$src
    expect_true "$src: the facet differs from the filtered search" python3 -c '
import json, sys
f = {x["source"]: x["count"] for x in json.load(open(sys.argv[1]))["facets"]}
d = json.load(open(sys.argv[2]))
assert f[sys.argv[3]] == len(d["hits"]) > 0, (f, len(d["hits"]))
' "$WORK/facets" "$OUT" "$src"
done
# Without --facets there is no "facets" key (the shape above).
run "${S[@]}" --json --no-snippets kidney stones
expect_json "$SHAPE"
t_end

t_begin "--json -n 0: the exact count, no hits"
run "${S[@]}" --json -n 0 "${TWELVE[@]}"
expect_status 0
expect_json 'assert doc["estimated"] == 12 and hits == [], doc'
t_end

t_begin "--json --offset past the end: no hits, the count still there, exit 1"
run "${S[@]}" --json --offset 200 kidney stones
expect_status 1
expect_json "$SHAPE"
expect_json 'assert hits == [] and doc["estimated"] == 5 and doc["offset"] == 200, doc'
t_end

t_begin "--sources --json: each source and its articles, and the total"
run "${S[@]}" --sources --json
expect_status 0
expect_json 'assert doc == {"articles": 16, "sources": [
    {"source": "NIDDK", "count": 6}, {"source": "MPlusHealthTopics", "count": 4},
    {"source": "GARD", "count": 3}, {"source": "ExampleHealth", "count": 1},
    {"source": "", "count": 2}]}, doc'
t_end

t_summary
