#!/usr/bin/env bash
# shards.sh -- shard sets (spine-index --shards N) and manifests of local
# and remote shards answer as one index of the same articles does:
#
#  1. local: a 4-shard set of MedQuAD (or, without it, of ~3,000 generated
#     articles) and one index answer the benchmark queries alike (hits,
#     scores, snippets, spelling: tests/e2e/same-hits.py, --exhaustive on
#     both sides); likewise phrases, source:, title:, typos ("did you
#     mean"), a synonym, NOT/AND/OR, prefixes, -n 0 counts, --sources and
#     --related;
#  2. remote: a manifest of the lexicon, two local shards and two served
#     by spine-tcpsrv gives the same answers;
#  3. faults: a shard where nothing listens, a stopped server (SIGSTOP,
#     --timeout), a server killed under a running --batch searcher and
#     started again, with and without --partial; bad manifest lines;
#  4. the 32-bit collection frequency guard (--collfreq-limit) at its
#     exact boundary, for one index and for a 2-shard set whose shards are
#     each under the limit and together over it: refused, exit 2, the
#     index left as it was;
#  5. in-place changes of a shard set (--add, --delete) against a rebuild
#     of the final articles, once spine-index supports them.
#
# The remote cases are skipped when spine-tcpsrv was not built (the script
# then exits 77 if nothing failed); everything else always runs.
# Environment: SPINE_E2E_MEDQUAD (default ../shared/corpus/medquad beside
# the repository; a missing one selects the generated corpus),
# SPINE_E2E_STRICT=1 (count a case marked as a known bug as failed).
# Takes about a minute, two in an ASan build.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# lib.sh runs python3 for each JSON check: call the interpreter itself,
# not a version manager's shim (slow on a busy machine).
E2E_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -x "$E2E_PYTHON" ]; then
    python3() { "$E2E_PYTHON" "$@"; }
fi
T0=$(date +%s)

ROOT=$(cd "$E2E_HERE/../.." && pwd)
SAME_HITS="$E2E_HERE/same-hits.py"
SPINE_TCPSRV="$SPINE_BIN/spine-tcpsrv"
IX=("$SPINE_INDEXER" --no-progress)

HAVE_TCPSRV=1
[ -x "$SPINE_TCPSRV" ] || HAVE_TCPSRV=0
NO_TCPSRV="spine-tcpsrv not built: configure with -DSPINE_XAPIAN_SERVER_HEADERS=DIR (scripts/xapian-static.sh --headers prints it)"

asan=0
if grep -qs '^SPINE_SANITIZE:BOOL=ON' "${SPINE_BUILD_DIR:-/nonexistent}/CMakeCache.txt" ||
    { command -v ldd >/dev/null && ldd "$SPINE_INDEXER" 2>/dev/null | grep -q libasan; }; then
    asan=1
fi

# ---- helpers -------------------------------------------------------------

# setup_or_die WHAT -- ends the script when the last command run failed:
# every later case needs what it made.
setup_or_die() {
    if [ "$RC" != 0 ]; then
        E2E_CASE="setup: $1"
        fail "could not $1; the other cases need it"
        E2E_FAILED=$((E2E_FAILED + 1))
        t_summary
    fi
}

# now_ms -- milliseconds since the epoch.
now_ms() {
    date +%s%3N
}

# t_end_known_bug WHAT -- closes a case that fails because of a known bug in
# the code under test (WHAT, reported): a failure is shown in full and
# counted as skipped, unless SPINE_E2E_STRICT=1 counts it as failed; a
# pass says the mark can go.
t_end_known_bug() {
    if [ "$E2E_CASE_FAILED" = 1 ] && [ "${SPINE_E2E_STRICT:-0}" != 1 ]; then
        t_skip "known bug, not counted as failed (SPINE_E2E_STRICT=1 counts it): $1"
        return
    fi
    [ "$E2E_CASE_FAILED" = 1 ] ||
        echo "  (passes now: the known-bug mark \"$1\" can go from shards.sh)"
    t_end
}

# The checks below may call brief(doc): an answer without its hits' text.
E2E_JSON_PY="
def brief(d):
    d = dict(d)
    d['hits'] = [h.get('id') for h in d.get('hits', [])]
    return d
$E2E_JSON_PY"

# same_hits WHAT A B -- same-hits.py finds the answers in A and B alike.
same_hits() {
    e2e_live || return 1
    LAST_CMD="same-hits.py $2 $3"
    python3 "$SAME_HITS" "$2" "$3" >"$OUT" 2>"$ERR"
    RC=$?
    [ "$RC" = 0 ] || fail "$1: the answers differ"
}

# same_fields WHAT FIELDS A B -- each line of the JSON Lines files A and B
# has the same values of the comma-separated FIELDS (same-hits.py leaves
# out auto_corrected and the match count, "estimated", exact with -n 0);
# the field "ids" is the set of the hits' ids.
same_fields() {
    e2e_live || return 1
    LAST_CMD="compare $2 of $3 and $4"
    python3 - "$2" "$3" "$4" >"$OUT" 2>"$ERR" <<'PY'
import json, sys
fields = sys.argv[1].split(",")
a = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
bad = 0
if len(a) != len(b):
    print("%d answers vs %d" % (len(a), len(b)))
    bad += 1
def get(d, f):
    if f == "ids":
        return sorted(h["id"] for h in d.get("hits", []))
    return d.get(f)
for x, y in zip(a, b):
    for f in fields:
        if get(x, f) != get(y, f):
            bad += 1
            print("%r: %s %r vs %r" % (x.get("query"), f, get(x, f), get(y, f)))
sys.exit(1 if bad else 0)
PY
    RC=$?
    [ "$RC" = 0 ] || fail "$1: $2 differ"
}

# batch_file DB QUERIES OUTFILE ARGS... -- spine-search -d DB --batch
# --json --exhaustive ARGS with QUERIES (a file) on standard input, the
# answers in OUTFILE; expects no query to fail (exit 0) and one answer a
# query.
batch_file() {
    local db=$1 queries=$2 file=$3 got want
    shift 3
    e2e_live || return 1
    LAST_CMD="$(printf '%q ' "$SPINE_SEARCH" -d "$db" --batch --json --exhaustive "$@") < $queries"
    "$SPINE_SEARCH" -d "$db" --batch --json --exhaustive "$@" <"$queries" >"$file" 2>"$ERR"
    RC=$?
    head -c 4000 "$file" >"$OUT"
    [ "$RC" = 0 ] || { fail "a batch failed"; return 1; }
    got=$(wc -l <"$file")
    want=$(wc -l <"$queries")
    [ "$got" = "$want" ] || fail "$got answers to $want queries"
}

# related_file DB OUTFILE ID... -- the --related answers (JSON,
# --exhaustive) of DB for each ID, one a line.
related_file() {
    local db=$1 file=$2 id
    shift 2
    : >"$file"
    for id in "$@"; do
        e2e_live || return 1
        run "$SPINE_SEARCH" -d "$db" --json --exhaustive --related "$id"
        [ "$RC" = 0 ] || { fail "--related $id: no related articles"; return 1; }
        cat "$OUT" >>"$file"
    done
}

# index_sum DIR -- a digest of an index: its stub and every file of its
# live generation (shards and lexicon too), readers.lock aside.
index_sum() {
    local gen
    gen=$(sed -n 's/^auto //p' "$1/XAPIANDB")
    cat "$1/XAPIANDB"
    (cd "$1/$gen" && find . -type f ! -name readers.lock | LC_ALL=C sort | xargs md5sum)
}

# ---- the corpus and its queries -----------------------------------------

MEDQUAD=${SPINE_E2E_MEDQUAD:-$ROOT/../shared/corpus/medquad}
if [ -d "$MEDQUAD" ]; then
    CORPUS=medquad
    SRC=("$MEDQUAD")
    run python3 "$ROOT/benchmarks/make_queries.py" --corpus "$MEDQUAD" "$WORK/queries.raw"
    setup_or_die "write the benchmark queries"
else
    CORPUS=generated
    SRC=("$WORK/gen.jsonl")
    run python3 "$ROOT/benchmarks/make_corpus.py" medquad 3000 "$WORK/gen.jsonl" \
        --queries "$WORK/queries.raw" --medquad "$MEDQUAD"
    setup_or_die "generate a corpus of 3,000 articles"
fi
grep -v -e '^#' -e '^[[:space:]]*$' "$WORK/queries.raw" >"$WORK/queries"
NQ=$(wc -l <"$WORK/queries")
echo "  (corpus: $CORPUS, $NQ queries$([ "$asan" = 1 ] && echo ", ASan build"))"

# Queries that exercise the query language, the spelling dictionary and the
# synonym table (corpus/synonyms.txt: nephrolithiasis -> kidney stones).
cat >"$WORK/extra" <<'EOF'
"kidney stones"
"high blood pressure" diet
source:NIDDK kidney
source:GARD syndrome
title:diabetes
kidny stons
kidney stonse
astma
nephrolithiasis
myocardial infarction
kidney -stones
kidney AND diet
heart OR lung
+asthma children
xylophonequartz
EOF

ONE="$WORK/one"
SET="$WORK/set"
run "${IX[@]}" "$ONE" "${SRC[@]}"
setup_or_die "build one index of the corpus"
run "${IX[@]}" --shards 4 "$SET" "${SRC[@]}"
setup_or_die "build a 4-shard set of the corpus"
GEN="$SET/$(sed -n 's/^auto //p' "$SET/XAPIANDB")"
echo "  (indexes built in $(($(date +%s) - T0)) s)"

# ---- 1. local: a shard set answers as one index -------------------------

t_begin "--shards 4: one generation holding the lexicon and 4 shards, its stub listing the lexicon first"
LAST_CMD="ls $GEN; cat $GEN/XAPIANDB"
ls "$GEN" >"$OUT"
cp "$GEN/XAPIANDB" "$ERR"
for s in lexicon shard-0 shard-1 shard-2 shard-3; do
    expect_true "no $s in $GEN" test -f "$GEN/$s/iamglass"
done
expect_true "$GEN/shard-4 exists" test ! -e "$GEN/shard-4"
expect_eq "the stub's lines" "$(grep -v '^#' "$GEN/XAPIANDB" | tr '\n' ' ')" \
    "auto lexicon auto shard-0 auto shard-1 auto shard-2 auto shard-3 "
expect_exit 0 "$SPINE_SEARCH" -d "$SET" --json --sources
expect_json "assert doc['articles'] > 1000, doc"
t_end

t_begin "$NQ benchmark queries: the set answers as one index does (hits, scores, snippets, spelling)"
batch_file "$ONE" "$WORK/queries" "$WORK/one.jsonl"
batch_file "$SET" "$WORK/queries" "$WORK/set.jsonl"
same_hits "one index against the set" "$WORK/one.jsonl" "$WORK/set.jsonl"
same_fields "one index against the set" corrected,auto_corrected "$WORK/one.jsonl" "$WORK/set.jsonl"
# Not vacuous: most queries find something.
cp "$WORK/set.jsonl" "$OUT"
expect_json "found = sum(1 for d in docs if d['hits'])
assert found >= 0.8 * len(docs), '%d of %d queries found something' % (found, len(docs))"
t_end

t_begin "phrases, source:, title:, typos, a synonym, NOT/AND/OR: alike; -n 0 counts exactly alike"
batch_file "$ONE" "$WORK/extra" "$WORK/one-extra.jsonl" -n 20
batch_file "$SET" "$WORK/extra" "$WORK/set-extra.jsonl" -n 20
same_hits "one index against the set" "$WORK/one-extra.jsonl" "$WORK/set-extra.jsonl"
same_fields "one index against the set" corrected,auto_corrected \
    "$WORK/one-extra.jsonl" "$WORK/set-extra.jsonl"
batch_file "$ONE" "$WORK/extra" "$WORK/one-count.jsonl" -n 0
batch_file "$SET" "$WORK/extra" "$WORK/set-count.jsonl" -n 0
same_fields "-n 0 on one index against the set" estimated,corrected \
    "$WORK/one-count.jsonl" "$WORK/set-count.jsonl"
if [ "$CORPUS" = medquad ] && e2e_live; then
    # The comparisons above are not vacuous: on the set the spelling
    # dictionary (the lexicon's) corrects, the synonym table finds kidney
    # stones, the source filter filters.
    cp "$WORK/set-extra.jsonl" "$OUT"
    LAST_CMD="spine-search -d $SET --batch --json --exhaustive -n 20 < extra"
    expect_json 'q = {d["query"]: d for d in docs}
assert q["kidny stons"]["corrected"] == "kidney stones" and q["kidny stons"]["auto_corrected"], q["kidny stons"]
assert q["kidney stonse"]["corrected"] == "kidney stones" and not q["kidney stonse"]["auto_corrected"], q["kidney stonse"]
assert any("Kidney Stones" in h["title"] for h in q["nephrolithiasis"]["hits"]), q["nephrolithiasis"]["hits"]
assert q["source:NIDDK kidney"]["hits"] and all(h["source"] == "NIDDK" for h in q["source:NIDDK kidney"]["hits"])
assert q["\"kidney stones\""]["hits"] and q["title:diabetes"]["hits"]
assert q["xylophonequartz"]["hits"] == []'
fi
t_end

t_begin "--sources: the set lists the same sources and counts as one index (text and JSON)"
for fmt in --json --color=never; do
    run "$SPINE_SEARCH" -d "$ONE" "$fmt" --sources
    cp "$OUT" "$WORK/one.sources"
    expect_status 0
    run "$SPINE_SEARCH" -d "$SET" "$fmt" --sources
    expect_status 0
    expect_same_files "--sources $fmt" "$WORK/one.sources" "$OUT"
done
t_end

# Three articles to ask --related about: the first hits of the first queries.
mapfile -t RELATED_IDS < <(python3 -c '
import json, sys
seen = []
for line in open(sys.argv[1], encoding="utf-8"):
    hits = json.loads(line)["hits"]
    if hits and hits[0]["id"] not in seen:
        seen.append(hits[0]["id"])
    if len(seen) == 3:
        break
print("\n".join(seen))' "$WORK/one.jsonl")

t_begin "--related ${RELATED_IDS[*]}: the set answers as one index does"
related_file "$ONE" "$WORK/one-related.jsonl" "${RELATED_IDS[@]}"
related_file "$SET" "$WORK/set-related.jsonl" "${RELATED_IDS[@]}"
same_hits "--related on one index against the set" "$WORK/one-related.jsonl" "$WORK/set-related.jsonl"
# Xapian's ESet over several databases estimates a term's frequency from
# the shards holding the article unless asked for the exact one
# (Enquire::USE_EXACT_TERMFREQ, which Spine asks for): this case found it.
t_end

t_begin "prefix queries (nephr*, diab*, kidney*, hyperten*): the set answers as one index does"
printf '%s\n' 'nephr*' 'diab*' 'kidney*' 'hyperten*' 'nephr* stones' >"$WORK/prefix"
batch_file "$ONE" "$WORK/prefix" "$WORK/one-prefix.jsonl" -n 20
batch_file "$SET" "$WORK/prefix" "$WORK/set-prefix.jsonl" -n 20
same_fields "-n 20 on one index against the set" estimated "$WORK/one-prefix.jsonl" "$WORK/set-prefix.jsonl"
same_hits "one index against the set" "$WORK/one-prefix.jsonl" "$WORK/set-prefix.jsonl"
# Known: Xapian 1.4 expands a wildcard (OP_WILDCARD) in each shard on its
# own and weighs the expansion, one OP_SYNONYM, by that shard's statistics;
# the same words typed as a synonym group are weighed alike.
t_end_known_bug "a prefix* query on a shard set is weighed by each shard's own statistics"

# ---- 2. remote: two shards served by spine-tcpsrv -----------------------

declare -A SRV_PID SRV_PORT

# free_port -- a port of 127.0.0.1 where nothing listens now.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_tcpsrv NAME DATABASE [PORT] -- serves DATABASE with spine-tcpsrv
# on PORT (default: a free port, another when it is taken meanwhile) and
# waits for its "serving" line; sets SRV_PID[NAME] and SRV_PORT[NAME].
# Returns 1, the server's output in $OUT and $ERR, when it never got ready.
start_tcpsrv() {
    local name=$1 db=$2 want=${3:-} port pid try i log="$WORK/srv-$1.err"
    for ((try = 0; try < 10; try++)); do
        port=${want:-$(free_port)}
        LAST_CMD="$(printf '%q ' "$SPINE_TCPSRV" --port "$port" "$db")"
        # Not holding the fifo of kill_restart_case open: 7>&-.
        "$SPINE_TCPSRV" --port "$port" "$db" >"$WORK/srv-$name.out" 2>"$log" </dev/null 7>&- &
        pid=$!
        e2e_started "$pid"
        for ((i = 0; i < 1000; i++)); do
            if grep -q '^spine-tcpsrv: serving ' "$log"; then
                SRV_PID[$name]=$pid
                SRV_PORT[$name]=$port
                return 0
            fi
            alive "$pid" || break
            sleep 0.02
        done
        reap "$pid"
        grep -qi 'in use' "$log" || break
        [ -z "$want" ] || sleep 0.5   # the same port again: let it go
    done
    cp "$WORK/srv-$name.out" "$OUT"
    cp "$log" "$ERR"
    return 1
}

MANIFEST="$WORK/manifest"
if [ "$HAVE_TCPSRV" = 1 ]; then
    for s in 2 3; do
        if ! start_tcpsrv "s$s" "$GEN/shard-$s"; then
            E2E_CASE="setup: serve shard-$s with spine-tcpsrv"
            fail "spine-tcpsrv printed no 'serving' line"
            E2E_FAILED=$((E2E_FAILED + 1))
            t_summary
        fi
    done
    # Relative paths are to the manifest's directory; a comment starts
    # in column 1, as in any Xapian stub.
    cat >"$MANIFEST" <<EOF
# The corpus in 4 shards: 2 here, 2 served
auto set/${GEN##*/}/lexicon
auto set/${GEN##*/}/shard-0
auto set/${GEN##*/}/shard-1

# the served ones
remote 127.0.0.1:${SRV_PORT[s2]}
remote 127.0.0.1:${SRV_PORT[s3]}
EOF
    L_S3=8   # the line of shard-3's server
fi

t_begin "manifest, lexicon + 2 local + 2 remote shards: $NQ benchmark queries answered as one index does"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    batch_file "$MANIFEST" "$WORK/queries" "$WORK/remote.jsonl"
    same_hits "one index against the manifest" "$WORK/one.jsonl" "$WORK/remote.jsonl"
    same_fields "one index against the manifest" corrected,auto_corrected \
        "$WORK/one.jsonl" "$WORK/remote.jsonl"
    t_end
fi

t_begin "manifest with remote shards: the query language, -n 0 counts, --sources and --related alike"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    batch_file "$MANIFEST" "$WORK/extra" "$WORK/remote-extra.jsonl" -n 20
    same_hits "one index against the manifest" "$WORK/one-extra.jsonl" "$WORK/remote-extra.jsonl"
    same_fields "one index against the manifest" corrected,auto_corrected \
        "$WORK/one-extra.jsonl" "$WORK/remote-extra.jsonl"
    batch_file "$MANIFEST" "$WORK/extra" "$WORK/remote-count.jsonl" -n 0
    same_fields "-n 0 on one index against the manifest" estimated,corrected \
        "$WORK/one-count.jsonl" "$WORK/remote-count.jsonl"
    run "$SPINE_SEARCH" -d "$ONE" --json --sources
    cp "$OUT" "$WORK/one.sources"
    run "$SPINE_SEARCH" -d "$MANIFEST" --json --sources
    expect_status 0
    expect_same_files "--sources" "$WORK/one.sources" "$OUT"
    # --related through the servers: as on the local set (which differs
    # from one index: the known bug above).
    related_file "$MANIFEST" "$WORK/remote-related.jsonl" "${RELATED_IDS[@]}"
    same_hits "--related on the local set against the manifest" \
        "$WORK/set-related.jsonl" "$WORK/remote-related.jsonl"
    t_end
fi

# ---- 3. faults ----------------------------------------------------------

# A manifest whose shard-3 is at a port where nothing listens (line 5),
# one without shard-3 (what --partial should then answer), and one of
# shard-3 alone (the articles that must then be missing).
if [ "$HAVE_TCPSRV" = 1 ]; then
    DEAD_PORT=$(free_port)
    DEAD="$WORK/dead.manifest"
    {
        sed -n '2,4p' "$MANIFEST"
        echo "remote 127.0.0.1:${SRV_PORT[s2]}"
        echo "remote 127.0.0.1:$DEAD_PORT"
    } >"$DEAD"
    sed '$d' "$DEAD" >"$WORK/three.manifest"
    printf 'auto %s\nauto %s\n' "$GEN/lexicon" "$GEN/shard-3" >"$WORK/only3.manifest"
    head -n 40 "$WORK/extra" >"$WORK/fault-queries"
    sed -n '1,30p' "$WORK/queries" >>"$WORK/fault-queries"
fi

t_begin "a shard where nothing listens: exit 2 at once, naming host:port and the manifest line"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    t1=$(now_ms)
    run "$SPINE_SEARCH" -d "$DEAD" kidney stones
    t2=$(now_ms)
    expect_status 2
    expect_err_has "127.0.0.1:$DEAD_PORT"
    expect_err_has "$DEAD:5"
    expect_out_empty
    expect_true "took $((t2 - t1)) ms, want < 4000" test $((t2 - t1)) -lt 4000
    run "$SPINE_SEARCH" -d "$DEAD" --json kidney stones
    expect_status 2
    expect_err_has "127.0.0.1:$DEAD_PORT"
    expect_err_has "$DEAD:5"
    t_end
fi

t_begin "--partial with a shard where nothing listens: the others' hits, marked incomplete (text and JSON)"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    run "$SPINE_SEARCH" -d "$DEAD" --partial --color=never kidney stones
    expect_status 0
    expect_out_line "^Incomplete: no answer from shard 127\\.0\\.0\\.1:$DEAD_PORT"
    expect_out_has "Kidney"
    run "$SPINE_SEARCH" -d "$DEAD" --partial --color=never xylophonequartz
    expect_status 1
    run "$SPINE_SEARCH" -d "$DEAD" --partial --json -n 100 kidney stones
    expect_status 0
    cp "$OUT" "$WORK/partial.json"
    expect_json "assert doc.get('incomplete') is True, brief(doc)
assert doc['missing_shards'] == ['127.0.0.1:$DEAD_PORT'], doc['missing_shards']
assert len(ids) > 0, brief(doc)"
    # Its hits: none of shard-3's articles, the rest as the set without it.
    run "$SPINE_SEARCH" -d "$WORK/only3.manifest" --json --no-snippets -n 10000 kidney stones
    expect_status 0
    json_ids "$OUT" | sort >"$WORK/only3.ids"
    json_ids "$WORK/partial.json" | sort >"$WORK/partial.ids"
    LAST_CMD="comm -12 partial.ids only3.ids"
    comm -12 "$WORK/partial.ids" "$WORK/only3.ids" >"$OUT"
    expect_true "shard-3's articles among the hits: $(head -3 "$OUT" | tr '\n' ' ')" test ! -s "$OUT"
    expect_true "shard-3 holds none of the articles: not a test" test -s "$WORK/only3.ids"
    # Every query of a batch: marked, and answered as the set without shard-3.
    batch_file "$DEAD" "$WORK/fault-queries" "$WORK/partial.jsonl" --partial
    batch_file "$WORK/three.manifest" "$WORK/fault-queries" "$WORK/three.jsonl"
    same_hits "--partial against the set without shard-3" "$WORK/three.jsonl" "$WORK/partial.jsonl"
    cp "$WORK/partial.jsonl" "$OUT"
    expect_json "assert all(d.get('incomplete') is True and d.get('missing_shards') == ['127.0.0.1:$DEAD_PORT'] for d in docs), [d['query'] for d in docs if not d.get('incomplete')]"
    t_end
fi

t_begin "a stopped server (SIGSTOP), --timeout 1000: the search fails naming it within seconds; --partial answers without it"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    kill -STOP "${SRV_PID[s3]}"
    t1=$(now_ms)
    run "$SPINE_SEARCH" -d "$MANIFEST" --timeout 1000 kidney stones
    t2=$(now_ms)
    expect_status 2
    expect_err_has "127.0.0.1:${SRV_PORT[s3]}"
    expect_err_has "$MANIFEST:$L_S3"
    expect_true "took $((t2 - t1)) ms, want < 8000" test $((t2 - t1)) -lt 8000
    t1=$(now_ms)
    run "$SPINE_SEARCH" -d "$MANIFEST" --timeout 1000 --partial --json kidney stones
    t2=$(now_ms)
    expect_status 0
    expect_json "assert doc.get('incomplete') is True and doc.get('missing_shards') == ['127.0.0.1:${SRV_PORT[s3]}'], brief(doc)
assert ids, brief(doc)"
    expect_true "--partial took $((t2 - t1)) ms, want < 8000" test $((t2 - t1)) -lt 8000
    kill -CONT "${SRV_PID[s3]}"
    # Going again: complete, as the set answers.
    run "$SPINE_SEARCH" -d "$MANIFEST" --timeout 5000 --partial --json --exhaustive kidney stones
    expect_status 0
    cp "$OUT" "$WORK/after-cont.json"
    expect_json "assert not doc.get('incomplete') and not doc.get('missing_shards'), brief(doc)"
    run "$SPINE_SEARCH" -d "$SET" --json --exhaustive kidney stones
    cp "$OUT" "$WORK/set-kidney.json"
    same_hits "after SIGCONT, the manifest against the set" "$WORK/set-kidney.json" "$WORK/after-cont.json"
    t_end
fi
# Whatever happened above, the server runs on.
[ "$HAVE_TCPSRV" = 0 ] || kill -CONT "${SRV_PID[s3]}" 2>/dev/null

# kill_server NAME -- kills (SIGKILL) the server NAME and the processes it
# forked, one a connection, as a machine that goes down would.
kill_server() {
    local pid=${SRV_PID[$1]} child
    kill -STOP "$pid"                  # no new connection forks meanwhile
    for child in $(ps -o pid= --ppid "$pid"); do
        kill -9 "$child" 2>/dev/null
    done
    reap "$pid"
}

# answered OUT ERR N WHAT -- waits (up to 20 s) for the Nth answer in file
# OUT; the output so far in $OUT and $ERR (ERR: the searcher's stderr).
answered() {
    wait_lines "$1" "$3" || wait_lines "$1" "$3"
    local ok=$?
    cp "$1" "$OUT"
    cp "$2" "$ERR"
    [ "$ok" = 0 ] || fail "no answer to $4"
}

# kill_restart_case PARTIAL -- a --batch searcher (PARTIAL: "" or
# --partial) reads queries from a fifo: one answered, shard-3's server
# killed, one answered without it, the server started again on its port,
# and after 2.5 s (a partial searcher tries a lost shard again every 2 s)
# one answered by every shard again, as the set answers.
kill_restart_case() {
    local partial=$1 fifo="$WORK/fifo" pid i
    local out="$WORK/kill.out" err="$WORK/kill.err"
    rm -f "$fifo"
    mkfifo "$fifo"
    "$SPINE_SEARCH" -d "$MANIFEST" --batch --json --exhaustive ${partial:+"$partial"} <"$fifo" >"$out" 2>"$err" &
    pid=$!
    e2e_started "$pid"
    exec 7>"$fifo"
    LAST_CMD="spine-search -d $MANIFEST --batch --json --exhaustive $partial < fifo"
    echo "kidney stones" >&7
    answered "$out" "$err" 1 "the first query"
    expect_json "assert not docs[0].get('incomplete') and docs[0]['hits'], brief(docs[0])"
    if e2e_live; then
        kill_server s3
        echo "asthma" >&7
        answered "$out" "$err" 2 "the second query"
    fi
    if [ -z "$partial" ]; then
        expect_json "d = docs[1]
assert d['query'] == 'asthma' and d.get('error') and not d['hits'], brief(d)
assert '127.0.0.1:${SRV_PORT[s3]}' in d['error'] and '$MANIFEST:$L_S3' in d['error'], d['error']"
    else
        expect_json "d = docs[1]
assert d['query'] == 'asthma' and d.get('incomplete') is True, brief(d)
assert d['missing_shards'] == ['127.0.0.1:${SRV_PORT[s3]}'] and d['hits'], brief(d)"
    fi
    if e2e_live; then
        start_tcpsrv s3 "$GEN/shard-3" "${SRV_PORT[s3]}" ||
            fail "spine-tcpsrv did not start again on port ${SRV_PORT[s3]}"
    fi
    if e2e_live; then
        sleep 2.5
        echo "kidney stones" >&7
        answered "$out" "$err" 3 "the third query"
    fi
    exec 7>&-
    for ((i = 0; i < 500; i++)); do
        alive "$pid" || break
        sleep 0.02
    done
    if alive "$pid"; then
        RC=timeout
    else
        wait "$pid"
        RC=$?
    fi
    reap "$pid"
    cp "$out" "$OUT"
    cp "$err" "$ERR"
    # The whole batch: exit 2 when a query failed, else 0.
    expect_status "$([ -z "$partial" ] && echo 2 || echo 0)"
    expect_json "assert len(docs) == 3, len(docs)
d = docs[2]
assert not d.get('error') and not d.get('incomplete') and not d.get('missing_shards') and d['hits'], brief(d)"
    if e2e_live; then
        sed -n 3p "$out" >"$WORK/kill.third"
        run "$SPINE_SEARCH" -d "$SET" --json --exhaustive kidney stones
        cp "$OUT" "$WORK/set-kidney.json"
        same_hits "the third answer against the set's" "$WORK/set-kidney.json" "$WORK/kill.third"
    fi
}

t_begin "a shard killed under a running --batch: its queries fail naming it; started again, it answers again"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    kill_restart_case ""
    t_end
fi

t_begin "--partial: a shard killed under a running --batch: marked incomplete; started again, complete after 2 s"
if [ "$HAVE_TCPSRV" = 0 ]; then
    t_skip "$NO_TCPSRV"
else
    kill_restart_case --partial
    t_end
fi

t_begin "bad manifest lines: an error naming FILE:LINE, exit 2; remote :PROG refused"
BAD="$WORK/bad.manifest"
# bad_line LINE MESSAGE -- a manifest whose line 3 is LINE fails, exit 2,
# with one line on stderr naming BAD:3 and holding MESSAGE.
bad_line() {
    e2e_live || return 1
    printf '# a manifest with a bad line 3\nauto %s\n%s\nauto %s\n' \
        "$GEN/lexicon" "$1" "$GEN/shard-0" >"$BAD"
    run "$SPINE_SEARCH" -d "$BAD" kidney
    expect_status 2
    expect_out_empty
    expect_err_one_line "spine-search: $BAD:3: "
    expect_err_has "$2"
}
bad_line "remote :prog" "spine-tcpsrv"
bad_line "remote :/usr/bin/xapian-progsrv $GEN/shard-1" "spine-tcpsrv"
bad_line "frobnicate $GEN/shard-1" "frobnicate"
bad_line "remote 127.0.0.1" "HOST:PORT"
bad_line "remote 127.0.0.1:99999" "HOST:PORT"
bad_line "remote 127.0.0.1:http" "HOST:PORT"
bad_line "auto" "names no database"
bad_line "remote" "names no database"
# A path to no database: exit 2, naming the manifest.
printf 'auto %s\nauto %s\n' "$GEN/lexicon" "$WORK/no-such-shard" >"$BAD"
run "$SPINE_SEARCH" -d "$BAD" kidney
expect_status 2
expect_err_has "$BAD"
t_end

# ---- 4. the 32-bit collection frequency guard ---------------------------

# The largest sum of a term's wdfs over DB: from xapian-delve (-vv lists
# each term's collection frequency) when installed, else found by
# bisecting --collfreq-limit with builds of SOURCE into a scratch dir.
CF_SRC=("$MEDQUAD_MINI")
CF="$WORK/cf"
run "${IX[@]}" "$CF" "${CF_SRC[@]}"
setup_or_die "build an index of medquad-mini"
CF_DB="$CF/$(sed -n 's/^auto //p' "$CF/XAPIANDB")"
HAVE_DELVE=0
command -v xapian-delve >/dev/null && HAVE_DELVE=1
# max_collfreq DB -- the largest collection frequency of DB's terms.
max_collfreq() {
    xapian-delve -1 -a -vv "$1" | awk 'NR > 1 && $(NF - 1) > m { m = $(NF - 1) } END { print m + 0 }'
}
if [ "$HAVE_DELVE" = 1 ]; then
    CF_MAX=$(max_collfreq "$CF_DB")
    xapian-delve -1 -a -vv "$CF_DB" | awk -v m="$CF_MAX" 'NR > 1 && $(NF - 1) == m { print $1 }' >"$WORK/cf.top"
else
    lo=0 hi=4294967295   # lo fails (or is 0), hi passes
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        rm -rf "$WORK/cf-probe"
        if "${IX[@]}" --collfreq-limit "$mid" "$WORK/cf-probe" "${CF_SRC[@]}" >/dev/null 2>&1; then
            hi=$mid
        else
            lo=$mid
        fi
    done
    CF_MAX=$hi
fi
echo "  (medquad-mini: largest wdf sum $CF_MAX$([ "$HAVE_DELVE" = 1 ] && echo ", from xapian-delve" || echo ", by bisection"))"

# expect_refused DIR LIMIT ARGS... -- a build of DIR with --collfreq-limit
# LIMIT ARGS is refused (exit 2) naming a term whose sum is CF_MAX and the
# limit, and DIR answers exactly as before.
expect_refused() {
    local dir=$1 limit=$2 term
    shift 2
    e2e_live || return 1
    index_sum "$dir" >"$WORK/sum.before"
    "$SPINE_SEARCH" -d "$dir" --batch --json <"$WORK/extra" >"$WORK/answers.before" 2>&1
    run "${IX[@]}" --collfreq-limit "$limit" "$@" "$dir" "${CF_SRC[@]}"
    expect_status 2
    expect_err_line "the term '[^']+' would sum its weights to $CF_MAX, past .*\\($limit\\)"
    term=$(sed -n "s/.*the term '\\([^']*\\)' would sum.*/\\1/p" "$ERR" | head -n 1)
    if [ "$HAVE_DELVE" = 1 ]; then
        expect_true "the term named, '$term', is not one of the largest: $(tr '\n' ' ' <"$WORK/cf.top")" \
            grep -qxF -- "$term" "$WORK/cf.top"
    fi
    index_sum "$dir" >"$WORK/sum.after"
    expect_same_files "the index's files after the refused build" "$WORK/sum.before" "$WORK/sum.after"
    "$SPINE_SEARCH" -d "$dir" --batch --json <"$WORK/extra" >"$WORK/answers.after" 2>&1
    expect_same_files "the answers after the refused build" "$WORK/answers.before" "$WORK/answers.after"
    run "$SPINE_SEARCH" -d "$dir" --json kidney stones
    expect_status 0
}

t_begin "--collfreq-limit $CF_MAX (the largest wdf sum) builds; $((CF_MAX - 1)) is refused naming the term, the index left as it was"
expect_true "no largest wdf sum found" test "$CF_MAX" -gt 1
expect_exit 0 "${IX[@]}" --collfreq-limit "$CF_MAX" "$WORK/cf1" "${CF_SRC[@]}"
expect_exit 0 "$SPINE_SEARCH" -d "$WORK/cf1" kidney stones
expect_refused "$WORK/cf1" $((CF_MAX - 1))
# Refused over an index built without a limit, too.
expect_refused "$CF" $((CF_MAX - 1))
t_end

t_begin "--shards 2: the limit is on the set's sum; shards each under it, together over it: refused, the set left as it was"
CFS="$WORK/cfs"
expect_exit 0 "${IX[@]}" --shards 2 --collfreq-limit "$CF_MAX" "$CFS" "${CF_SRC[@]}"
if [ "$HAVE_DELVE" = 1 ] && e2e_live; then
    cfs_gen="$CFS/$(sed -n 's/^auto //p' "$CFS/XAPIANDB")"
    for s in 0 1; do
        m=$(max_collfreq "$cfs_gen/shard-$s")
        expect_true "shard-$s's largest wdf sum $m is not under $((CF_MAX - 1))" \
            test "$m" -gt 0 -a "$m" -lt $((CF_MAX - 1))
    done
fi
expect_exit 0 "$SPINE_SEARCH" -d "$CFS" kidney stones
expect_refused "$CFS" $((CF_MAX - 1)) --shards 2
# And a set over a live one index.
expect_refused "$WORK/cf1" $((CF_MAX - 1)) --shards 2
t_end

# ---- 5. in-place changes of a shard set ---------------------------------

F="$WORK/fixtures"
mkdir -p "$F"
# Two new articles and a new version of 1_Alpha_QA/0000004 (high blood
# pressure); deleted: 1_Alpha_QA/0000002 (diabetes), 2_Beta_QA/0000003
# (osteoporosis).
cat >"$F/changes.jsonl" <<'EOF'
{"id":"s-01","title":"Frostbite","source":"Shardtest","body":"Frostbite numbs fingers and toes in bitter cold. Warm them slowly in lukewarm water, never by rubbing them with snow."}
{"id":"s-02","title":"Kidney stones and water","source":"Shardtest","body":"Drinking plenty of water every day thins the urine and helps keep kidney stones from forming again."}
{"id":"1_Alpha_QA/0000004","title":"High blood pressure, revised","source":"NIDDK","body":"High blood pressure strains the heart and the kidneys. Less salt, regular walks and the prescribed medicines bring the pressure down."}
EOF
cat >"$F/queries" <<'EOF'
kidney stones
"kidney stones"
water
frostbite
frostbyte
high blood pressure
salt
diabetes
osteoporosis
source:NIDDK kidney
heart OR lung
pain
title:kidney
migraine
asthma
hypertension
EOF
SETU="$WORK/setu"
run "${IX[@]}" --shards 3 "$SETU" "$MEDQUAD_MINI"
setup_or_die "build a 3-shard set of medquad-mini"
index_sum "$SETU" >"$WORK/setu.before"
run "${IX[@]}" --add "$SETU" "$F/changes.jsonl"
ADD_ERR=$(head -n 1 "$ERR")
if [ "$RC" != 0 ]; then
    # TODO: spine-index does not change a shard set in place yet; once
    # --add works on one, the case below runs instead of this one.
    t_begin "--add on a shard set (not supported yet): exit 2, the set left as it was"
    expect_status 2
    index_sum "$SETU" >"$WORK/setu.after"
    expect_same_files "the set's files" "$WORK/setu.before" "$WORK/setu.after"
    expect_exit 0 "$SPINE_SEARCH" -d "$SETU" kidney stones
    t_end
    t_begin "--add, replace and --delete on a shard set answer as one index of the final articles"
    t_skip "spine-index --add on a shard set is not supported yet: $ADD_ERR"
else
    t_begin "--add, replace and --delete on a shard set: the matches, counts, spelling and sources of one index of the final articles"
    DELS=(--delete 1_Alpha_QA/0000002 --delete 2_Beta_QA/0000003)
    expect_exit 0 "${IX[@]}" "${DELS[@]}" "$SETU"
    batch_file "$SETU" "$F/queries" "$WORK/setu.jsonl" -n 20
    # One index of the final articles (medquad-mini without the deleted and
    # replaced ones, then the changes: a replaced article last): the same
    # matches, counts, spelling and sources.  Not the same scores: a change
    # keeps the mean article length the build measured (README: Changes in
    # place), a rebuild measures it anew.
    cp -r "$MEDQUAD_MINI" "$WORK/mini-final"
    rm "$WORK/mini-final/1_Alpha_QA/0000002.xml" "$WORK/mini-final/2_Beta_QA/0000003.xml" \
        "$WORK/mini-final/1_Alpha_QA/0000004.xml"
    expect_exit 0 "${IX[@]}" "$WORK/ref" "$WORK/mini-final" "$F/changes.jsonl"
    batch_file "$WORK/ref" "$F/queries" "$WORK/ref.jsonl" -n 100
    batch_file "$SETU" "$F/queries" "$WORK/setu-all.jsonl" -n 100
    same_fields "the rebuilt index against the changed set" ids,corrected,auto_corrected \
        "$WORK/ref.jsonl" "$WORK/setu-all.jsonl"
    batch_file "$WORK/ref" "$F/queries" "$WORK/ref-count.jsonl" -n 0
    batch_file "$SETU" "$F/queries" "$WORK/setu-count.jsonl" -n 0
    same_fields "-n 0" estimated "$WORK/ref-count.jsonl" "$WORK/setu-count.jsonl"
    run "$SPINE_SEARCH" -d "$WORK/ref" --json --sources
    cp "$OUT" "$WORK/ref.sources"
    run "$SPINE_SEARCH" -d "$SETU" --json --sources
    expect_same_files "--sources" "$WORK/ref.sources" "$OUT"
    expect_ids "s-01" -d "$SETU" frostbite
    expect_ids "" -d "$SETU" osteoporosis
    expect_exit 2 "$SPINE_SEARCH" -d "$SETU" --related 1_Alpha_QA/0000002
    run "$SPINE_SEARCH" -d "$SETU" --json title:revised
    expect_json 'assert ids == ["1_Alpha_QA/0000004"], ids'
    # --check finds the changed set sound; --compact changes no answer.
    expect_exit 0 "$SPINE_INDEXER" --check "$SETU"
    expect_out_has "no damage found"
    expect_exit 0 "${IX[@]}" --compact "$SETU"
    batch_file "$SETU" "$F/queries" "$WORK/setu-compact.jsonl" -n 20
    same_hits "the changed set before and after --compact" "$WORK/setu.jsonl" "$WORK/setu-compact.jsonl"
    t_end

    t_begin "--add, replace and --delete on a shard set: the answers of one index changed alike, scores too"
    expect_exit 0 "${IX[@]}" "$WORK/onu" "$MEDQUAD_MINI"
    expect_exit 0 "${IX[@]}" --add "$WORK/onu" "$F/changes.jsonl"
    expect_exit 0 "${IX[@]}" "${DELS[@]}" "$WORK/onu"
    batch_file "$WORK/onu" "$F/queries" "$WORK/onu.jsonl" -n 20
    same_hits "one index changed alike against the changed set" "$WORK/onu.jsonl" "$WORK/setu.jsonl"
    same_fields "one index changed alike against the changed set" corrected,auto_corrected \
        "$WORK/onu.jsonl" "$WORK/setu.jsonl"
    # Known: after the --delete, "high blood pressure" (a multi-word
    # synonym of hypertension) scores 1.0786574 on the set, 1.0777344 on
    # one index; before it, and "high blood" or "pressure" alone, alike.
    t_end_known_bug "after --delete, a multi-word synonym query scores 0.1% apart on a set"
fi

echo "  (shards.sh ran in $(($(date +%s) - T0)) s)"
if [ "$HAVE_TCPSRV" = 0 ] && [ "$E2E_FAILED" = 0 ]; then
    echo "$E2E_NAME: $E2E_PASSED passed, 0 failed, $E2E_SKIPPED skipped ($NO_TCPSRV)"
    exit 77
fi
t_summary
