#!/usr/bin/env bash
# serve.sh -- spine-serve over real HTTP (curl, and Python's sockets for
# what curl will not send): every endpoint, /search and /related byte for
# byte what spine-search --json prints, each bad parameter a 4xx JSON error
# naming it, unknown paths and methods, the access log, idle connections
# timed out, and a rebuild of the index under a loop of requests with
# none failed.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPINE_SERVE="$SPINE_BIN/spine-serve"
if [ ! -x "$SPINE_SERVE" ]; then
    echo "$E2E_NAME: $SPINE_SERVE not found or not executable" >&2
    exit 1
fi
command -v curl >/dev/null || { echo "$E2E_NAME: needs curl" >&2; exit 1; }

IDX="$WORK/idx"
build_index "$IDX" "$MEDQUAD_MINI" "$MINI_JSONL"
S=("$SPINE_SEARCH" -d "$IDX")
ALL_ARTICLES=$((MINI_ARTICLES + MINI_JSONL_ARTICLES))

SERVER_PID=""
URL=""
SLOG="$WORK/serve.err"

# start_server ARGS... -- starts spine-serve on a free loopback port and
# sets URL from the line it prints; ends the script when it does not.
start_server() {
    "$SPINE_SERVE" -d "$IDX" --listen 127.0.0.1:0 "$@" \
        >"$WORK/serve.out" 2>"$SLOG" &
    SERVER_PID=$!
    e2e_started "$SERVER_PID"
    if ! wait_lines "$WORK/serve.out" 1; then
        E2E_CASE="setup: spine-serve $*"
        LAST_CMD="spine-serve -d $IDX --listen 127.0.0.1:0 $*"
        cp "$WORK/serve.out" "$OUT"
        cp "$SLOG" "$ERR"
        fail "spine-serve printed no 'listening on' line"
        E2E_FAILED=$((E2E_FAILED + 1))
        t_summary
    fi
    URL=$(sed -n 's#^listening on \(http://127\.0\.0\.1:[0-9]*\)/$#\1#p' \
        "$WORK/serve.out")
}

# get PATH [CURL-ARGS...] -- GETs URL+PATH (sent as written: no globbing,
# no path clean-up): the body in $OUT, headers in $WORK/headers, the
# status in $CODE.
CODE=""
get() {
    local path=$1
    shift
    LAST_CMD="curl $* $URL$path"
    CODE=$(curl -sS -g --path-as-is -D "$WORK/headers" -o "$OUT" \
        -w '%{http_code}' "$@" "$URL$path" 2>"$ERR")
    RC=$?
}

# expect_code WANT -- the last get answered HTTP status WANT.
expect_code() {
    e2e_live || return 1
    [ "$RC" = 0 ] || { fail "curl failed (exit $RC)"; return 1; }
    [ "$CODE" = "$1" ] || fail "HTTP status $CODE, want $1"
}

# expect_bad PATH STATUS PARAM -- GET PATH answers STATUS with a JSON error
# naming parameter PARAM ("" for none).
expect_bad() {
    e2e_live || return 1
    get "$1"
    expect_code "$2"
    if [ -n "$3" ]; then
        expect_json "assert set(doc) == {'error', 'parameter'}, doc
assert doc['parameter'] == '$3', doc
assert isinstance(doc['error'], str) and doc['error'], doc"
    else
        expect_json "assert set(doc) == {'error'} and doc['error'], doc"
    fi
}

# expect_same_as_cli PATH SPINE-SEARCH-ARGS... -- GET PATH answers 200
# with the very bytes spine-search --json ARGS prints.
expect_same_as_cli() {
    local path=$1
    shift
    e2e_live || return 1
    "${S[@]}" --json "$@" >"$WORK/cli.json" 2>/dev/null
    get "$path"
    expect_code 200
    expect_same_files "$path against spine-search --json $*" \
        "$WORK/cli.json" "$OUT"
}

start_server --threads 2

t_begin "starts on a free loopback port and says where"
expect_true "no URL in: $(cat "$WORK/serve.out")" test -n "$URL"
expect_true "port 0 printed" test "${URL##*:}" != 0
t_end

t_begin "/search: byte for byte what spine-search --json prints"
expect_same_as_cli "/search?q=kidney+stones" kidney stones
expect_same_as_cli "/search?q=kidney%20stones&n=3&offset=2" \
    -n 3 --offset 2 kidney stones
expect_same_as_cli "/search?q=kidney+pressure&and=1" --and kidney pressure
expect_same_as_cli "/search?q=kidny+stones" kidny stones
expect_same_as_cli "/search?q=kidny+stones&exact=1" --exact kidny stones
expect_same_as_cli "/search?q=xylophone" xylophone
expect_same_as_cli "/search?q=%22blood+pressure%22+%5C" '"blood pressure" \'
expect_same_as_cli "/search?q=kidney&source=NIDDK" kidney source:NIDDK
expect_same_as_cli "/search?q=kidney&n=0" -n 0 kidney
expect_same_as_cli "/search?q=kidney&n=10000&offset=100000" \
    -n 10000 --offset 100000 kidney
t_end

t_begin "/search: JSON content type; the source filter filters"
get "/search?q=kidney&source=NIDDK&n=100"
expect_code 200
expect_true "content type: $(tr -d '\r' <"$WORK/headers" | grep -i '^content-type')" \
    grep -qi '^content-type: application/json; charset=utf-8' "$WORK/headers"
expect_json 'assert hits and all(h["source"] == "NIDDK" for h in hits), hits'
t_end

t_begin "/search?hi=ctl: U+0002 and U+0003 mark the matches, for the page"
get "/search?q=kidney+stones&hi=ctl"
expect_code 200
expect_json 'assert all("\u0002" in h["snippet"] and "\u0003" in h["snippet"]
           and "**" not in h["snippet"] for h in hits), hits'
get "/search?q=kidney+stones&hi=stars"
expect_json 'assert all("**" in h["snippet"] for h in hits), hits'
t_end

t_begin "/related: byte for byte what spine-search --related --json prints"
expect_same_as_cli "/related?id=$ID_KIDNEY_STONES" --related "$ID_KIDNEY_STONES"
expect_same_as_cli "/related?id=$ID_KIDNEY_STONES&n=2&offset=1" \
    -n 2 --offset 1 --related "$ID_KIDNEY_STONES"
expect_json "assert '$ID_KIDNEY_STONES' not in ids and len(ids) == 2, ids"
t_end

t_begin "/article: the stored article, every section"
get "/article?id=$ID_KIDNEY_STONES"
expect_code 200
expect_json "assert set(doc) == {'id', 'title', 'source', 'url', 'sections'}, doc
assert doc['id'] == '$ID_KIDNEY_STONES' and doc['title'] == 'Kidney Stones', doc
assert doc['source'] == 'NIDDK', doc
assert doc['url'] == 'https://example.org/niddk/kidney-stones', doc['url']
s = doc['sections']
assert len(s) >= 2 and all(set(x) == {'pid', 'question', 'answer'} for x in s), s
assert s[0]['pid'] == '1' and 'Kidney Stones' in s[0]['question'], s[0]
assert all(x['answer'] for x in s), s"
get "/article?id=jl-0004"
expect_code 200
expect_json 'assert doc["id"] == "jl-0004" and len(doc["sections"]) == 1, doc'
t_end

t_begin "/sources: the index's sources and articles, as spine-search --sources --json"
get /sources
expect_code 200
cp "$OUT" "$WORK/sources.http"
expect_exit 0 "$SPINE_SEARCH" -d "$IDX" --sources --json
expect_same_files "/sources against spine-search --sources --json" "$WORK/sources.http" "$OUT"
expect_json "assert doc['articles'] == $ALL_ARTICLES and doc['sources'][0]['source'] == 'NIDDK', doc"
get "/sources?x=1"
expect_code 400
t_end

t_begin "/health and /stats"
get /health
expect_code 200
expect_json "assert doc == {'status': 'ok', 'articles': $ALL_ARTICLES}, doc"
get /stats
expect_code 200
expect_json "assert doc['index'] == '$IDX' and doc['articles'] == $ALL_ARTICLES, doc
assert doc['threads'] == 2 and doc['queries'] >= 12, doc
l = doc['latency_us']
assert l['window'] == doc['queries'] and 0 < l['p50'] <= l['p99'], l"
t_end

t_begin "/: the search page, one file that asks nothing of other hosts"
get /
expect_code 200
expect_true "not text/html" grep -qi '^content-type: text/html; charset=utf-8' "$WORK/headers"
expect_true "no Content-Security-Policy with connect-src 'self'" \
    grep -qi "^content-security-policy: default-src 'none';.*connect-src 'self'" "$WORK/headers"
expect_same_files "the page served" "$E2E_HERE/../../serve/page.html" "$OUT"
expect_out_no_line '<(script|link|img|iframe)[^>]* (src|href)='
# Data goes in as text: the page never parses it as HTML.
expect_out_no_line 'innerHTML|outerHTML|insertAdjacentHTML|document\.write'
expect_out_has 'hi: "ctl"'
get "/?q=kidney"
expect_code 400
t_end

t_begin "bad parameters: 400 with a JSON error naming the parameter"
expect_bad "/search" 400 q
expect_bad "/search?q=" 400 q
expect_bad "/search?q=a&n=10001" 400 n
expect_bad "/search?q=a&n=-1" 400 n
expect_bad "/search?q=a&n=" 400 n
expect_bad "/search?q=a&n=1e3" 400 n
expect_bad "/search?q=a&n=99999999999999999999999" 400 n
expect_bad "/search?q=a&offset=100001" 400 offset
expect_bad "/search?q=a&offset=x" 400 offset
expect_bad "/search?q=a&and=maybe" 400 and
expect_bad "/search?q=a&exact=2" 400 exact
expect_bad "/search?q=a&hi=%3Cb%3E" 400 hi
expect_bad "/search?q=a&source=a%20b" 400 source
expect_bad "/search?q=a&source=a:b" 400 source
expect_bad "/search?q=a&colour=red" 400 colour
expect_bad "/search?q=a*+b*+c*+d*+e*+f*+g*+h*+i*" 400 q
expect_bad "/search?q=%ff%fe" 400 q
expect_bad "/search?q=a%00b" 400 q
expect_bad "/search?q=%zz" 400 q
expect_bad "/search?q=ok&n=%4" 400 n
expect_bad "/related" 400 id
expect_bad "/related?id=$ID_KIDNEY_STONES&n=x" 400 n
expect_bad "/related?id=$ID_KIDNEY_STONES&q=a" 400 q
expect_bad "/article?id=" 400 id
expect_bad "/article?id=$ID_KIDNEY_STONES&n=1" 400 n
expect_bad "/health?x=1" 400 x
t_end

t_begin "a query past libspine's bounds: 400 naming q, not a crash"
long=$(head -c 16385 /dev/zero | tr '\0' 'a')
expect_bad "/search?q=$long" 400 q
words=$(printf 'w%d+' $(seq 1 1100))
expect_bad "/search?q=$words" 400 q
# At the bound itself the query is answered.
expect_same_as_cli "/search?q=$(head -c 16384 /dev/zero | tr '\0' 'a')" \
    "$(head -c 16384 /dev/zero | tr '\0' 'a')"
t_end

t_begin "unknown ids 404 naming id; unknown paths 404; other methods 405"
expect_bad "/related?id=no/such" 404 id
expect_bad "/article?id=no/such" 404 id
expect_bad "/nope" 404 ""
expect_bad "/search/" 404 ""
expect_bad "/Search?q=a" 404 ""
expect_bad "/../etc/passwd" 404 ""
expect_bad "/%zz" 400 ""
get /search -X POST -d 'q=kidney'
expect_code 405
expect_json 'assert set(doc) == {"error"}, doc'
expect_true "no Allow: GET, HEAD header" \
    grep -qi '^allow: GET, HEAD' "$WORK/headers"
get /health -X DELETE
expect_code 405
get /health -I
expect_code 200
expect_out_has "Content-Length: "
expect_out_lacks '"status"'
t_end

t_begin "the access log: one line a request, control characters escaped"
get "/search?q=migraine"
expect_code 200
n=$(wc -l <"$SLOG")
# curl will not send a raw control character in a URL; a socket will.
python3 - "${URL#http://}" <<'PY' >"$WORK/raw" 2>&1
import socket, sys
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(b"GET /x\x1b[31my HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode())
PY
sleep 0.2
cp "$SLOG" "$ERR"
expect_err_line '^[0-9-]{10}T[0-9:]{8}Z GET /search\?q=migraine 200 [0-9]+ [0-9]+$'
expect_err_line '^[0-9-]{10}T[0-9:]{8}Z GET /search\?q=%zz 400 [0-9]+ [0-9]+$'
expect_err_line '^[0-9-]{10}T[0-9:]{8}Z POST /search 405 '
expect_true "a raw ESC reached the log" \
    python3 -c 'import sys; sys.exit(b"\x1b" in open(sys.argv[1], "rb").read())' "$SLOG"
expect_true "the raw request got: $(cat "$WORK/raw")" \
    grep -q '^HTTP/1.1 404' "$WORK/raw"
expect_err_has 'GET /x\x1b[31my 404'
expect_true "no log line for each request ($n lines)" test "$n" -ge 50
t_end

t_begin "garbage on the wire is refused; the server goes on"
python3 - "${URL#http://}" <<'PY' >"$OUT" 2>"$ERR"
import socket, sys
host, port = sys.argv[1].split(":")
junk = [b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
        b"GET /search?q=kidney HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
        b"GET /" + b"a" * 300000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /search?q=a HTTP/1.1\r\n" + b"X: y\r\n" * 20000 + b"\r\n",
        b"GET /search?q=kidney HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
for j in junk:
    s = socket.create_connection((host, int(port)), timeout=10)
    try:
        s.sendall(j)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
print("sent", len(junk))
PY
RC=$?
expect_status 0
get /health
expect_code 200
expect_true "spine-serve died" alive "$SERVER_PID"
t_end

t_begin "--timeout: an idle connection is closed"
reap "$SERVER_PID"
start_server --threads 1 --timeout 1
LAST_CMD="an idle connection to $URL"
python3 - "${URL#http://}" <<'PY' >"$OUT" 2>"$ERR"
import socket, sys, time
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=10)
t0 = time.time()
s.sendall(b"GET /health HTTP/1.1\r\nHo")     # and then nothing
assert s.recv(100) == b"", "the server answered a half request"
took = time.time() - t0
assert 0.5 < took < 8, "closed after %.1f s" % took
print("closed after %.1f s" % took)
PY
RC=$?
expect_status 0
get /health
expect_code 200
t_end

# A loop of requests (keep-alive, over 4 connections) runs while the index
# is rebuilt twice; every answer must be a 200 with well-formed results.
t_begin "a rebuild under a loop of requests: none fails, no restart"
reap "$SERVER_PID"
start_server --threads 2
rm -f "$WORK/stop"
: >"$WORK/progress"
python3 - "${URL#http://}" "$WORK/stop" "$WORK/progress" >"$WORK/loop.out" 2>&1 <<'PY' &
import http.client, json, os, sys, threading
host, port = sys.argv[1].split(":")
stop = sys.argv[2]
progress = open(sys.argv[3], "a", buffering=1)
counts = {"ok": 0, "failed": 0}
errors = []
lock = threading.Lock()
def worker(k):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    queries = ["kidney+stones", "tinnitus", "migraine&n=3", "asthma&and=1"]
    i = 0
    while not os.path.exists(stop) or i < 20:
        q = queries[(i + k) % len(queries)]
        i += 1
        try:
            c.request("GET", "/search?q=" + q)
            r = c.getresponse()
            body = r.read()
            doc = json.loads(body)
            good = r.status == 200 and isinstance(doc.get("hits"), list)
        except Exception as e:
            good, body = False, repr(e).encode()
            c.close()
            c = http.client.HTTPConnection(host, int(port), timeout=30)
        with lock:
            counts["ok" if good else "failed"] += 1
            progress.write("%d\n" % r.status if good else "failed\n")
            if not good and len(errors) < 5:
                errors.append(body[:300])
threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counts["ok"], counts["failed"])
for e in errors:
    print(e)
PY
LOOP_PID=$!
e2e_started "$LOOP_PID"
# progressed -- waits until the loop has answered 20 more requests, so
# that requests run before, between and after the rebuilds.
progressed() {
    local n
    n=$(wc -l <"$WORK/progress")
    wait_lines "$WORK/progress" $((n + 20)) ||
        wait_lines "$WORK/progress" $((n + 20)) ||
        fail "the request loop stalled at $n requests"
}
progressed
run "$SPINE_INDEXER" --no-progress --allow-shrink "$IDX" "$MINI_JSONL"
expect_status 0
progressed
run "$SPINE_INDEXER" --no-progress "$IDX" "$MEDQUAD_MINI" "$MINI_JSONL"
expect_status 0
progressed
run "$SPINE_INDEXER" --no-progress --allow-shrink "$IDX" "$MINI_JSONL"
expect_status 0
progressed
touch "$WORK/stop"
wait "$LOOP_PID"
RC=$?
LAST_CMD="the request loop"
cp "$WORK/loop.out" "$OUT"
expect_status 0
read -r ok failed <"$WORK/loop.out"
expect_eq "failed requests (of $ok ok)" "$failed" 0
expect_true "too few requests: $ok" test "${ok:-0}" -ge 80
# Every query after the swap sees the new index, on either searcher.
for i in 1 2 3 4; do
    expect_same_as_cli "/search?q=kidney" kidney
done
expect_same_as_cli "/search?q=tinnitus" tinnitus
t_end

t_begin "SIGTERM: the server stops cleanly, exit 0"
LAST_CMD="kill -TERM spine-serve"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
RC=$?
cp "$SLOG" "$ERR"
expect_status 0
expect_err_has "spine-serve: SIGTERM: stopping"
t_end

t_begin "start-up errors: no index, a bad address, a port in use"
expect_exit 2 "$SPINE_SERVE" -d "$WORK/none" --listen 127.0.0.1:0
expect_err_one_line "spine-serve: "
expect_exit 2 "$SPINE_SERVE" -d "$IDX" --listen nowhere
expect_err_one_line "spine-serve: --listen wants"
expect_exit 2 "$SPINE_SERVE" -d "$IDX" --listen 127.0.0.1:70000
expect_exit 2 "$SPINE_SERVE" -d "$IDX" --threads 0
expect_exit 2 "$SPINE_SERVE" -d "$IDX" extra
start_server --threads 1
port=${URL##*:}
expect_exit 2 "$SPINE_SERVE" -d "$IDX" --listen "127.0.0.1:$port"
expect_err_has "cannot listen on 127.0.0.1:$port"
reap "$SERVER_PID"
t_end

t_begin "load: wrk over 2,000 distinct queries for 8 s, 2 threads, 8 connections: 0 errors"
if ! command -v wrk >/dev/null; then
    t_skip "wrk is not installed"
else
    # 2,000 distinct queries of one to three words of the fixture corpus,
    # some with a typo (spelling) and some quoted (phrases).
    python3 - "$MEDQUAD_MINI" "$WORK/load-queries.txt" <<'PY'
import os, random, re, sys
words = set()
for top, _, files in os.walk(sys.argv[1]):
    for f in files:
        text = open(os.path.join(top, f), encoding="utf-8").read()
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", text))
words = sorted(words)
rng = random.Random(17)
queries = set()
while len(queries) < 2000:
    q = [rng.choice(words) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.1:
        q[0] = q[0][:-1] + q[0][-1] * 2
    text = " ".join(q)
    if rng.random() < 0.1 and len(q) > 1:
        text = '"%s"' % text
    queries.add(text)
with open(sys.argv[2], "w") as f:
    f.write("\n".join(sorted(queries)) + "\n")
PY
    start_server --threads 2
    run wrk -t2 -c8 -d8s --timeout 5s -s "$E2E_HERE/../../benchmarks/serve.lua" \
        "$URL/" -- "$WORK/load-queries.txt"
    expect_status 0
    expect_out_line '^RESULT requests=[1-9][0-9]* .* errors=0$'
    grep '^RESULT' "$OUT" | sed 's/^/  /'
    reap "$SERVER_PID"
    t_end
fi

t_summary
