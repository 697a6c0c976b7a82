#!/usr/bin/env bash
# Installs what Spine needs, builds it, indexes the default corpus (MedQuAD,
# ../shared/corpus/medquad) unless already indexed, and runs one query.
#
#   scripts/quickstart.sh [QUERY...]       (default query: back pain)
#
# Environment: SPINE_CORPUS (corpus to index), SPINE_REINDEX=1 (rebuild).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/deps.sh"
spine_install_deps

# spine-tcpsrv (serving an index to other machines) needs two headers of
# Xapian's source, a 3 MB download; without them the rest is built.
headers=$("$root/scripts/xapian-static.sh" --headers) || {
    echo "quickstart: no Xapian server headers: spine-tcpsrv is not built" >&2
    headers=""
}
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
    -DSPINE_XAPIAN_SERVER_HEADERS="$headers" >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null

index="$root/var/medquad-index"
corpus=${SPINE_CORPUS:-$root/../shared/corpus/medquad}
reindex=${SPINE_REINDEX:-0}
# An index an older Spine built (another schema) is rebuilt, not refused.
if [ -f "$index/XAPIANDB" ]; then
    probe=$("$root/build/bin/spine-search" -d "$index" --no-snippets \
            --limit 1 schema 2>&1 >/dev/null || true)
    case $probe in
        *"rebuild it"*) echo "quickstart: $probe" >&2; reindex=1 ;;
    esac
fi
if [ ! -f "$index/XAPIANDB" ] || [ "$reindex" = 1 ]; then
    if [ ! -d "$corpus" ] && [ ! -f "$corpus" ]; then
        echo "quickstart: no corpus at $corpus (set SPINE_CORPUS to a MedQuAD" \
             "directory or a JSON Lines file)" >&2
        exit 2
    fi
    mkdir -p "$root/var"
    # The synonyms: the hand list, plus the "also called" names MedlinePlus
    # gives its topics when the corpus is MedQuAD (README, "Synonyms").
    synonyms=()
    if [ -d "$corpus/4_MPlus_Health_Topics_QA" ]; then
        python3 "$root/scripts/make-synonyms.py" \
            --medlineplus "$corpus/4_MPlus_Health_Topics_QA" \
            --out "$root/var/synonyms.txt"
        synonyms=(--synonyms "$root/var/synonyms.txt")
    fi
    echo "quickstart: indexing $corpus (once) ..." >&2
    "$root/build/bin/spine-index" --quiet "${synonyms[@]}" "$index" "$corpus"
    echo >&2
fi

if [ $# -eq 0 ]; then
    set -- "back pain"
fi
exec "$root/build/bin/spine-search" -d "$index" "$@"
