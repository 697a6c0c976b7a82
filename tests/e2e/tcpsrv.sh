#!/usr/bin/env bash
# tcpsrv.sh -- spine-tcpsrv, a shard server on Xapian's own remote
# protocol, started on free 127.0.0.1 ports: spine-search through a stub
# file "remote 127.0.0.1:PORT" prints byte for byte what it prints on the
# index itself (text and JSON: hits, order, scores, snippets) for words, a
# phrase, title:, source:, NEAR, --related and more; Debian's stock
# xapian-tcpsrv refuses the same queries ("not registered"), which is why
# spine-tcpsrv exists; several searches at once; --one-shot; an index
# rebuilt under the server; SIGTERM; and its errors (busy port, missing
# database, bad options), each a clear line and exit status 2.
# Skips (exit 77) only when spine-tcpsrv was not built.
# GPL-2.0-or-later.
#
# Known limit, marked below as a skipped case while it lasts: through a
# plain remote stub spine-search suggests no spelling correction (Xapian's
# remote backend gives no access to the spelling table), where on the
# index itself it corrects "kidny" to "kidney".

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPINE_TCPSRV="$SPINE_BIN/spine-tcpsrv"
if [ ! -x "$SPINE_TCPSRV" ]; then
    E2E_CASE="spine-tcpsrv"
    t_skip "not built: configure with -DSPINE_XAPIAN_SERVER_HEADERS=DIR, the directory scripts/xapian-static.sh --headers prints"
    echo "$E2E_NAME: 0 passed, 0 failed, 1 skipped"
    exit 77
fi

IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI" "$MINI_JSONL"
S=("$SPINE_SEARCH" -d "$IDX")

PORT=""        # the port of the server start_server started last
SRV_PID=""     # and its pid
SRV_ERR="$WORK/srv.err"

# start_server READY CMD... -- starts CMD in the background on a free
# 127.0.0.1 port, written into CMD and READY wherever they say @PORT@,
# and waits (up to 10 s) for a line on its stderr or stdout matching the
# extended regex READY.  A port found in use (the server says so and exits) is
# left for another, up to 20 times.  Sets PORT and SRV_PID; returns 1,
# with the server's output in $OUT and $ERR, when it never got ready.
start_server() {
    local ready=$1 try i arg
    shift
    local cmd=()
    for ((try = 0; try < 20; try++)); do
        PORT=$((20000 + RANDOM % 40000))
        cmd=()
        for arg in "$@"; do
            cmd+=("${arg//@PORT@/$PORT}")
        done
        LAST_CMD=$(printf '%q ' "${cmd[@]}")
        # Emptied here, not by the redirection alone: that happens in the
        # child, perhaps after the first look for the line below.
        : >"$WORK/srv.out"
        : >"$SRV_ERR"
        "${cmd[@]}" >"$WORK/srv.out" 2>"$SRV_ERR" </dev/null &
        SRV_PID=$!
        e2e_started "$SRV_PID"
        for ((i = 0; i < 500; i++)); do
            if grep -qE -- "${ready//@PORT@/$PORT}" "$SRV_ERR" "$WORK/srv.out"; then
                return 0
            fi
            alive "$SRV_PID" || break
            sleep 0.02
        done
        if alive "$SRV_PID"; then
            reap "$SRV_PID"
        else
            wait "$SRV_PID"
            forget "$SRV_PID"
        fi
        grep -qi 'in use' "$SRV_ERR" || break
    done
    cp "$WORK/srv.out" "$OUT"
    cp "$SRV_ERR" "$ERR"
    return 1
}

# forget PID -- takes PID, which has exited and been waited for, off the
# list of processes to kill on exit (its number may be another's by then).
forget() {
    local pid keep=()
    for pid in "${E2E_PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    E2E_PIDS=("${keep[@]}")
}

# gone PID -- true once PID has exited.
# shellcheck disable=SC2317  # called through expect_true
gone() {
    ! alive "$1"
}

# start_spine_tcpsrv ARGS... -- starts spine-tcpsrv ARGS on a free port,
# and a stub for it at $STUB; a failure ends the script (every later case
# needs a server).
STUB="$WORK/stub"
start_spine_tcpsrv() {
    if ! start_server '^spine-tcpsrv: serving .* on 127\.0\.0\.1:@PORT@$' \
            "$SPINE_TCPSRV" --port @PORT@ "$@"; then
        E2E_CASE="setup: spine-tcpsrv $*"
        fail "spine-tcpsrv printed no 'serving' line"
        E2E_FAILED=$((E2E_FAILED + 1))
        t_summary
    fi
    echo "remote 127.0.0.1:$PORT" >"$STUB"
}

# expect_same_as_local ARGS... -- spine-search ARGS answers the same
# through $STUB as on $IDX: the same exit status, 0 (hits), and the same
# bytes on stdout and stderr.
expect_same_as_local() {
    local local_rc
    e2e_live || return 1
    run "${S[@]}" "$@"
    local_rc=$RC
    cp "$OUT" "$WORK/local.out"
    cp "$ERR" "$WORK/local.err"
    run "$SPINE_SEARCH" -d "$STUB" "$@"
    expect_status "$local_rc"
    expect_status 0
    expect_same_files "stdout through the server and on the index" \
        "$OUT" "$WORK/local.out"
    expect_same_files "stderr through the server and on the index" \
        "$ERR" "$WORK/local.err"
}

start_spine_tcpsrv "$IDX"
MAIN_PID=$SRV_PID
MAIN_PORT=$PORT

t_begin "spine-tcpsrv: one line on stderr once it listens, naming the index and the address"
expect_eq "stderr" "$(cat "$SRV_ERR")" \
    "spine-tcpsrv: serving $IDX on 127.0.0.1:$MAIN_PORT"
t_end

# Each query, as text and as JSON (every hit's score in full precision).
for q in "kidney stones" '"kidney stones"' "title:diabetes" \
         "source:MPlusHealthTopics pain" "source:niddk kidney" \
         "kidney NEAR stones" "kidney -adults" "osteo*"; do
    t_begin "the same text through spine-tcpsrv as on the index: $q"
    expect_same_as_local -n 20 "$q"
    t_end
    t_begin "the same JSON through spine-tcpsrv as on the index: $q"
    expect_same_as_local --json --explain -n 20 "$q"
    expect_json 'assert ids, "no hits"
assert all(num(h["score"]) and h["score"] > 0 for h in hits), hits'
    t_end
done

t_begin "the same through spine-tcpsrv: --and, --offset, --related, -n 0, --facets, --expand, --sources"
expect_same_as_local --json --and kidney stones
expect_same_as_local --json -n 3 --offset 2 pain
expect_same_as_local --json --related "$ID_KIDNEY_STONES"
expect_same_as_local --json -n 0 kidney
expect_same_as_local --json --facets kidney
expect_same_as_local --json --expand kidney stones
expect_same_as_local --sources
t_end

t_begin "a word no article has: exit 1 through spine-tcpsrv, as on the index"
expect_exit 1 "$SPINE_SEARCH" -d "$STUB" --json zzyzzyx
expect_json 'assert ids == [], ids'
t_end

t_begin "four searches at once through one spine-tcpsrv (a child process each)"
par_pids=()
for i in 1 2 3 4; do
    "$SPINE_SEARCH" -d "$STUB" --json -n 20 kidney stones >"$WORK/par.$i" 2>&1 &
    par_pids+=("$!")
done
wait_ok=1
for i in "${par_pids[@]}"; do
    wait "$i" || wait_ok=0
done
"${S[@]}" --json -n 20 kidney stones >"$WORK/par.local" 2>&1
expect_eq "every search exited 0" "$wait_ok" 1
for i in 1 2 3 4; do
    expect_same_files "search $i" "$WORK/par.$i" "$WORK/par.local"
done
t_end

t_begin "busy port: a second server on the same port says so, exit 2"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" "$IDX"
expect_err_one_line \
    "spine-tcpsrv: cannot listen on 127.0.0.1:$MAIN_PORT: the port is already in use"
expect_true "the first server stopped" alive "$MAIN_PID"
t_end

t_begin "the stock xapian-tcpsrv refuses Spine's queries: weighting scheme not registered"
if ! command -v xapian-tcpsrv >/dev/null; then
    t_skip "xapian-tcpsrv is not installed (Debian package xapian-tools)"
else
    if ! start_server '^Listening' xapian-tcpsrv --interface 127.0.0.1 \
            --port @PORT@ "$IDX"; then
        fail "xapian-tcpsrv did not start"
    fi
    echo "remote 127.0.0.1:$PORT" >"$WORK/stock-stub"
    expect_exit 2 "$SPINE_SEARCH" -d "$WORK/stock-stub" kidney stones
    expect_err_has "Weighting scheme Spine::PrenormIneB2Weight not registered"
    e2e_live && reap "$SRV_PID"
    # and the same query through spine-tcpsrv finds the articles
    expect_exit 0 "$SPINE_SEARCH" -d "$STUB" --json kidney stones
    expect_json "assert set(ids[:2]) == {'$ID_KIDNEY_STONES', '$ID_KIDNEY_STONES_ADULTS'}, ids"
    t_end
fi

t_begin "an index rebuilt under spine-tcpsrv is served from the next connection"
expect_exit 1 "$SPINE_SEARCH" -d "$STUB" --json psoriatic
run "$SPINE_INDEXER" --no-progress "$IDX" "$MEDQUAD_MINI" \
    "$MINI_JSONL" "$SPINE_FIXTURES/medquad-extra"
expect_status 0
expect_exit 0 "$SPINE_SEARCH" -d "$STUB" --json psoriatic
expect_json 'assert ids == ["4_Delta_QA/0000001"], ids'
expect_same_as_local --json -n 20 arthritis
t_end

t_begin "--one-shot: serves one connection, then exits 0"
start_spine_tcpsrv --one-shot "$IDX"
expect_exit 0 "$SPINE_SEARCH" -d "$STUB" --json kidney stones
expect_json "assert '$ID_KIDNEY_STONES' in ids, ids"
for ((i = 0; i < 250; i++)); do
    alive "$SRV_PID" || break
    sleep 0.02
done
expect_true "the --one-shot server is still running" gone "$SRV_PID"
wait "$SRV_PID"
RC=$?
forget "$SRV_PID"
expect_status 0
t_end

t_begin "--verbose: a line on stdout for each connection"
start_spine_tcpsrv --verbose "$IDX"
expect_exit 0 "$SPINE_SEARCH" -d "$STUB" -n 1 kidney
expect_true "no 'Connection from 127.0.0.1' line on stdout" \
    grep -q '^Connection from 127\.0\.0\.1' "$WORK/srv.out"
reap "$SRV_PID"
t_end

t_begin "SIGTERM: the server exits 0, and only its own process group goes"
start_spine_tcpsrv "$IDX"
expect_exit 0 "$SPINE_SEARCH" -d "$STUB" -n 1 kidney
kill -TERM "$SRV_PID"
wait "$SRV_PID"
RC=$?
forget "$SRV_PID"
expect_status 0
# This script is still here to check it: the server's group was its own.
expect_true "the first server went with it" alive "$MAIN_PID"
t_end

t_begin "missing database: a clear error, exit 2"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" "$WORK/nothing-here"
expect_err_one_line "spine-tcpsrv: no database at $WORK/nothing-here ("
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" "$IDX" "$WORK"
expect_err_one_line "spine-tcpsrv: no database at $WORK ("
t_end

t_begin "bad options: a clear error, exit 2"
expect_exit 2 "$SPINE_TCPSRV" --bogus --port "$MAIN_PORT" "$IDX"
expect_err_one_line "spine-tcpsrv: unknown option '--bogus'"
expect_exit 2 "$SPINE_TCPSRV" "$IDX"
expect_err_one_line "spine-tcpsrv: --port PORT is required"
expect_exit 2 "$SPINE_TCPSRV" --port 0 "$IDX"
expect_err_one_line "spine-tcpsrv: --port wants a number from 1 to 65535, not '0'"
expect_exit 2 "$SPINE_TCPSRV" --port 65536 "$IDX"
expect_err_one_line "spine-tcpsrv: --port wants a number from 1 to 65535"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT"
expect_err_one_line "spine-tcpsrv: no DATABASE to serve"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" --idle-timeout -1 "$IDX"
expect_err_one_line "spine-tcpsrv: --idle-timeout wants a number from 0 to"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" --active-timeout 1.5 "$IDX"
expect_err_one_line "spine-tcpsrv: --active-timeout wants a number from 0 to"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" --interface 192.0.2.1 "$IDX"
expect_err_one_line "spine-tcpsrv: cannot listen on 192.0.2.1:$MAIN_PORT: not an address of this machine"
expect_exit 2 "$SPINE_TCPSRV" --port "$MAIN_PORT" --host no-such-host.invalid "$IDX"
expect_err_one_line "spine-tcpsrv: cannot listen on no-such-host.invalid:$MAIN_PORT: the host does not resolve"
t_end

t_begin "--help and --version"
expect_exit 0 "$SPINE_TCPSRV" --help
expect_out_has "usage: spine-tcpsrv --port PORT"
expect_exit 0 "$SPINE_TCPSRV" --version
expect_out_line '^spine-tcpsrv [0-9.]+ \(Xapian [0-9.]+\)$'
t_end

# Known limit (see the header): marked skipped while spine-search gives
# no suggestion through the stub; compared like the others once it does.
t_begin "a spelling correction through spine-tcpsrv, as on the index"
start_spine_tcpsrv "$IDX"
expect_exit 0 "${S[@]}" --json kidny stones
expect_json 'assert doc["corrected"] == "kidney stones", doc["corrected"]'
cp "$OUT" "$WORK/local.out"
run "$SPINE_SEARCH" -d "$STUB" --json kidny stones
if e2e_live && grep -q '"corrected":null' "$OUT"; then
    t_skip "known: no spelling suggestion through a remote stub (Xapian's remote backend has no spelling table): $(head -c 120 "$OUT")"
else
    expect_status 0
    expect_same_files "JSON through the server and on the index" \
        "$OUT" "$WORK/local.out"
    t_end
fi
reap "$SRV_PID"

t_summary
