# lib.sh -- helpers shared by Spine's end-to-end tests.  GPL-2.0-or-later.
#
# Each tests/e2e/<area>.sh sources this file, then runs its cases:
#
#     t_begin "kidney stones: the two kidney-stone articles rank first"
#     expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --json kidney stones
#     expect_json 'assert set(ids[:2]) == {"1_Alpha_QA/0000001", "2_Beta_QA/0000001"}'
#     t_end
#
#     t_summary      # last line: prints "e2e_<area>: N passed, M failed", sets the exit status
#
# A case passes when none of its assertions fails.  Failures are sticky: after
# the first failed assertion the rest of the case is skipped (the later ones
# would only repeat the same cause), and the report shows the case name, the
# last command, its exit status and its output.
#
# Environment: SPINE_BIN (directory holding spine-index and spine-search) and
# SPINE_FIXTURES (tests/fixtures).  Both default to this checkout's build/bin
# and tests/fixtures so a script can also be run by hand.  Needs bash, python3
# (for the JSON checks), gzip and, on Linux, /proc (to see a lock is held).

# shellcheck disable=SC2034  # the ids and counts below are used by the scripts
set -u

E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SPINE_BIN=${SPINE_BIN:-$E2E_HERE/../../build/bin}
SPINE_FIXTURES=${SPINE_FIXTURES:-$E2E_HERE/../fixtures}
SPINE_INDEXER="$SPINE_BIN/spine-index"
SPINE_SEARCH="$SPINE_BIN/spine-search"
MEDQUAD_MINI="$SPINE_FIXTURES/medquad-mini"
MINI_JSONL="$SPINE_FIXTURES/mini.jsonl"
E2E_NAME="e2e_$(basename "$0" .sh)"

# The binaries read these; a developer's own settings must not leak in.
unset SPINE_INDEX SPINE_CORPUS

# The article ids of the fixture corpus (folder/stem), by topic; used by the
# scripts that source this file.
ID_KIDNEY_STONES="1_Alpha_QA/0000001"
ID_DIABETES="1_Alpha_QA/0000002"
ID_GALLSTONES="1_Alpha_QA/0000003"
ID_BLOOD_PRESSURE="1_Alpha_QA/0000004"
ID_UTI="1_Alpha_QA/0000005"
ID_KIDNEY_STONES_ADULTS="2_Beta_QA/0000001"
ID_BACK_PAIN="2_Beta_QA/0000002"
ID_OSTEOPOROSIS="2_Beta_QA/0000003"
ID_HEART_ATTACK="2_Beta_QA/0000004"
ID_MIGRAINE="3_Gamma_QA/0000001"
ID_ASTHMA="3_Gamma_QA/0000002"
ID_FABRY="3_Gamma_QA/0000003"        # questions only: never indexed
ID_OSTEOARTHRITIS="3_Gamma_QA/0000004"
MINI_ARTICLES=12                     # indexed articles in medquad-mini
MINI_SECTIONS=26                     # QAPairs with answer text among them
MINI_JSONL_ARTICLES=4

for e2e_bin in "$SPINE_INDEXER" "$SPINE_SEARCH"; do
    if [ ! -x "$e2e_bin" ]; then
        echo "$E2E_NAME: $e2e_bin not found or not executable (set SPINE_BIN)" >&2
        exit 1
    fi
done
if [ ! -d "$MEDQUAD_MINI" ] || [ ! -f "$MINI_JSONL" ]; then
    echo "$E2E_NAME: fixtures not found under $SPINE_FIXTURES (set SPINE_FIXTURES)" >&2
    exit 1
fi

# A fresh work directory, removed on exit along with any process left running.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spine-e2e.XXXXXX") || exit 1
E2E_PIDS=()
e2e_cleanup() {
    local pid
    for pid in "${E2E_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    chmod -R u+rwX "$WORK" 2>/dev/null
    rm -rf "$WORK"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0
E2E_CASE=""
E2E_CASE_FAILED=0
RC=0               # exit status of the last command run
LAST_CMD=""        # the last command run, for failure reports
OUT="$WORK/.stdout"
ERR="$WORK/.stderr"
: >"$OUT"
: >"$ERR"

# t_begin NAME -- starts a case.
t_begin() {
    E2E_CASE=$1
    E2E_CASE_FAILED=0
}

# t_end -- closes the case and counts it.
t_end() {
    if [ "$E2E_CASE_FAILED" = 0 ]; then
        E2E_PASSED=$((E2E_PASSED + 1))
        echo "ok   $E2E_CASE"
    else
        E2E_FAILED=$((E2E_FAILED + 1))
    fi
    E2E_CASE=""
}

# t_skip REASON -- closes the case as skipped.
t_skip() {
    E2E_SKIPPED=$((E2E_SKIPPED + 1))
    echo "skip $E2E_CASE ($1)"
    E2E_CASE=""
}

# t_summary -- prints the tally and exits non-zero if any case failed.
t_summary() {
    local extra=""
    [ "$E2E_SKIPPED" = 0 ] || extra=", $E2E_SKIPPED skipped"
    echo "$E2E_NAME: $E2E_PASSED passed, $E2E_FAILED failed$extra"
    [ "$E2E_FAILED" = 0 ]
    exit $?
}

# e2e_show FILE -- prints FILE indented, at most 40 lines of it.
e2e_show() {
    if [ -s "$1" ]; then
        head -n 40 "$1" | sed 's/^/    | /'
        [ "$(wc -l <"$1")" -le 40 ] || echo "    | ... ($(wc -l <"$1") lines)"
    else
        echo "    (empty)"
    fi
}

# fail MESSAGE -- marks the current case failed and reports the last command.
fail() {
    if [ "$E2E_CASE_FAILED" = 0 ]; then
        echo "FAIL $E2E_CASE"
        echo "  why:     $1"
        echo "  command: $LAST_CMD"
        echo "  exit:    $RC"
        echo "  stdout:"
        e2e_show "$OUT"
        echo "  stderr:"
        e2e_show "$ERR"
    fi
    E2E_CASE_FAILED=1
    return 1
}

# e2e_live -- true while the current case has not failed.
e2e_live() {
    [ "$E2E_CASE_FAILED" = 0 ]
}

# run CMD... -- runs CMD with stdin from /dev/null (unless redirected by the
# caller), keeping stdout in $OUT, stderr in $ERR and the status in $RC.
run() {
    LAST_CMD=$(printf '%q ' "$@")
    "$@" >"$OUT" 2>"$ERR"
    RC=$?
}

# run_in INPUT CMD... -- like run, with INPUT (a string) on stdin.
run_in() {
    local input=$1
    shift
    LAST_CMD="printf %s $(printf '%q' "$input") | $(printf '%q ' "$@")"
    printf '%s' "$input" | "$@" >"$OUT" 2>"$ERR"
    RC=$?
}

# expect_exit CODE CMD... -- runs CMD and expects exit status CODE.
expect_exit() {
    local want=$1
    shift
    e2e_live || return 1
    run "$@"
    [ "$RC" = "$want" ] || fail "expected exit status $want, got $RC"
}

# expect_exit_in CODE INPUT CMD... -- like expect_exit with INPUT on stdin.
expect_exit_in() {
    local want=$1
    shift
    e2e_live || return 1
    run_in "$@"
    [ "$RC" = "$want" ] || fail "expected exit status $want, got $RC"
}

# expect_status CODE -- checks $RC of a command run some other way.
expect_status() {
    e2e_live || return 1
    [ "$RC" = "$1" ] || fail "expected exit status $1, got $RC"
}

# expect_out_has STRING / expect_err_has STRING -- a fixed string occurs.
expect_out_has() {
    e2e_live || return 1
    grep -qF -- "$1" "$OUT" || fail "stdout lacks \"$1\""
}
expect_err_has() {
    e2e_live || return 1
    grep -qF -- "$1" "$ERR" || fail "stderr lacks \"$1\""
}

# expect_out_lacks STRING / expect_err_lacks STRING -- a fixed string does not occur.
expect_out_lacks() {
    e2e_live || return 1
    ! grep -qF -- "$1" "$OUT" || fail "stdout unexpectedly has \"$1\""
}
expect_err_lacks() {
    e2e_live || return 1
    ! grep -qF -- "$1" "$ERR" || fail "stderr unexpectedly has \"$1\""
}

# expect_out_line REGEX / expect_err_line REGEX -- some line matches the
# extended regular expression REGEX (anchor it with ^...$ for a whole line).
expect_out_line() {
    e2e_live || return 1
    grep -qE -- "$1" "$OUT" || fail "no stdout line matches /$1/"
}
expect_err_line() {
    e2e_live || return 1
    grep -qE -- "$1" "$ERR" || fail "no stderr line matches /$1/"
}

# expect_out_no_line REGEX / expect_err_no_line REGEX -- no line matches.
expect_out_no_line() {
    e2e_live || return 1
    ! grep -qE -- "$1" "$OUT" || fail "a stdout line unexpectedly matches /$1/"
}
expect_err_no_line() {
    e2e_live || return 1
    ! grep -qE -- "$1" "$ERR" || fail "a stderr line unexpectedly matches /$1/"
}

# expect_err_empty / expect_out_empty -- nothing was written.
expect_err_empty() {
    e2e_live || return 1
    [ ! -s "$ERR" ] || fail "expected nothing on stderr"
}
expect_out_empty() {
    e2e_live || return 1
    [ ! -s "$OUT" ] || fail "expected nothing on stdout"
}

# expect_err_one_line PREFIX -- stderr is exactly one line, starting PREFIX.
expect_err_one_line() {
    e2e_live || return 1
    if [ "$(wc -l <"$ERR")" != 1 ] || [ "$(head -c ${#1} "$ERR")" != "$1" ]; then
        fail "expected one line on stderr starting \"$1\""
    fi
}

# expect_eq WHAT GOT WANT -- two strings are equal.
expect_eq() {
    e2e_live || return 1
    [ "$2" = "$3" ] || fail "$1: got \"$2\", want \"$3\""
}

# expect_true WHAT CMD... -- CMD succeeds (its output is not captured).
expect_true() {
    local what=$1
    shift
    e2e_live || return 1
    "$@" || fail "$what"
}

# expect_same_files WHAT A B -- files A and B are byte for byte the same.
expect_same_files() {
    e2e_live || return 1
    cmp -s "$2" "$3" || fail "$1: $(diff "$2" "$3" | head -n 20 | tr '\n' '~' | sed 's/~/ | /g')"
}

# The Python behind expect_json.  It parses stdout as JSON Lines and runs the
# check with these names bound: docs (every object), doc (the first), hits
# (doc["hits"]), ids (the hit ids in rank order), num(x) (a JSON number
# that is not a boolean).
E2E_JSON_PY='
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
lines = text.split("\n")
if lines and lines[-1] == "":
    lines.pop()
docs = []
for n, line in enumerate(lines, 1):
    try:
        docs.append(json.loads(line))
    except ValueError as e:
        print("stdout line %d is not a JSON value: %s" % (n, e))
        sys.exit(1)
doc = docs[0] if docs else None
hits = doc.get("hits") if isinstance(doc, dict) else None
ids = [h.get("id") for h in hits] if isinstance(hits, list) else None
def num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)
try:
    exec(sys.argv[2])
except AssertionError as e:
    print(str(e) or "assertion failed: " + sys.argv[2].strip())
    sys.exit(1)
except Exception as e:
    print("%s: %s (in check: %s)" % (type(e).__name__, e, sys.argv[2].strip()))
    sys.exit(1)
'

# expect_json PYTHON -- stdout is JSON Lines and the Python check passes.
expect_json() {
    local msg
    e2e_live || return 1
    msg=$(python3 -c "$E2E_JSON_PY" "$OUT" "$1" 2>&1) || fail "$msg"
}

# json_ids FILE -- prints the ids of the hits of every JSON line in FILE, one
# per line.
json_ids() {
    python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    for h in json.loads(line)["hits"]:
        print(h["id"])' "$1" 2>/dev/null
}

# expect_ids WANT... ARGS -- runs spine-search --json --no-snippets ARGS and
# expects exactly the hit ids WANT (in any order).  Call as
#     expect_ids "$ID_A $ID_B" -d "$IDX" kidney AND stones
expect_ids() {
    local want=$1 got
    shift
    e2e_live || return 1
    run "$SPINE_SEARCH" --json --no-snippets -n 100 "$@"
    if [ -z "$want" ]; then
        [ "$RC" = 1 ] || { fail "expected no hits (exit 1), got exit $RC"; return 1; }
    else
        [ "$RC" = 0 ] || { fail "expected hits (exit 0), got exit $RC"; return 1; }
    fi
    got=$(json_ids "$OUT" | sort | tr '\n' ' ')
    # shellcheck disable=SC2086  # split the list of ids
    [ -z "$want" ] || want=$(printf '%s\n' $want | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "hit ids: got [ $got], want [ $want]"
}

# build_index DIR SOURCE... -- builds an index the tests rely on; a failure
# here is reported and ends the script, since every later case needs it.
build_index() {
    local dir=$1
    shift
    run "$SPINE_INDEXER" --no-progress "$dir" "$@"
    if [ "$RC" != 0 ]; then
        E2E_CASE="setup: index $*"
        fail "could not build the index the other cases need"
        E2E_FAILED=$((E2E_FAILED + 1))
        t_summary
    fi
}

# e2e_started PID -- registers a background process to kill on exit.
e2e_started() {
    E2E_PIDS+=("$1")
}

# make_big_jsonl FILE N -- writes N small JSON Lines records to FILE.
make_big_jsonl() {
    python3 - "$1" "$2" <<'PY'
import sys
words = ("fever cough rash swelling fatigue nausea headache dizziness "
         "itching numbness cramps chills soreness wheezing").split()
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        body = " ".join(words[(i + k) % len(words)] for k in range(24))
        f.write('{"id":"big-%d","title":"Generated record %d","source":"Bulk",'
                '"body":"Record %d tells of %s."}\n' % (i, i, i, body))
PY
}

# index_entries DIR -- the names in DIR other than .lock, sorted, on one line.
index_entries() {
    local f
    for f in "$1"/* "$1"/.[!.]*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        [ "${f##*/}" = .lock ] || printf '%s\n' "${f##*/}"
    done | LC_ALL=C sort | tr '\n' ' '
}

# expect_clean_index DIR -- DIR holds only XAPIANDB, one gen-NNNNNN database
# which XAPIANDB names, and perhaps .lock: no leftovers of other builds.
expect_clean_index() {
    local entries gen
    e2e_live || return 1
    entries=$(index_entries "$1")
    if ! grep -qxE 'XAPIANDB gen-[0-9]{6} ' <<<"$entries"; then
        fail "$1 holds [ $entries], want only XAPIANDB, one gen-NNNNNN and .lock"
        return 1
    fi
    gen=${entries#XAPIANDB }
    gen=${gen% }
    [ -f "$1/XAPIANDB" ] || { fail "$1/XAPIANDB is not a regular file"; return 1; }
    grep -qF "$gen" "$1/XAPIANDB" ||
        { fail "$1/XAPIANDB does not name $gen: $(head -c 200 "$1/XAPIANDB")"; return 1; }
    [ -f "$1/$gen/iamglass" ] || fail "$1/$gen is not a glass database"
}

# live_gen DIR -- the name of the gen-NNNNNN directory in DIR (one line per
# directory, should there be several).
live_gen() {
    local f
    for f in "$1"/gen-*; do
        [ -e "$f" ] && printf '%s\n' "${f##*/}"
    done
}

# wait_lines FILE N -- waits (up to about 10 s) until FILE has N lines.
wait_lines() {
    local i
    for ((i = 0; i < 500; i++)); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.02
    done
    return 1
}

# alive PID -- true while PID runs (a child that has exited but not been
# waited for is a zombie, which kill -0 would still report).
alive() {
    local stat
    if [ -r "/proc/$1/stat" ]; then
        stat=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)
    else
        stat=$(ps -o stat= -p "$1" 2>/dev/null)
    fi
    case $stat in
        "" | Z*) return 1 ;;
    esac
}

# reap PID -- kills PID (SIGKILL) if it still runs and waits for it.
reap() {
    local pid keep=()
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    for pid in "${E2E_PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    E2E_PIDS=("${keep[@]}")
}
