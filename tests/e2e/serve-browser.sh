#!/usr/bin/env bash
# serve-browser.sh -- spine-serve's search page in headless Chromium, driven
# through the DevTools protocol over a pipe (Python's standard library, no
# driver to install): type "kidney stones" and press Enter, see the
# kidney-stone articles with highlighted snippets, click a hit and see its
# article; a title holding <script> and <img onerror> shows as text.  A
# screenshot of the results is kept in the build tree
# (test-artifacts/serve-page.png).  Skipped, and counted as passed, when
# Chromium is not installed or cannot start here.  GPL-2.0-or-later.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPINE_SERVE="$SPINE_BIN/spine-serve"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
ARTIFACTS="${SPINE_BUILD_DIR:-$WORK}/test-artifacts"

t_begin "the search page in headless Chromium"
if [ -z "$CHROMIUM" ]; then
    t_skip "no chromium installed (Debian: apt-get install chromium)"
    t_summary
fi
if [ ! -x "$SPINE_SERVE" ]; then
    fail "$SPINE_SERVE not found"
    t_end
    t_summary
fi

# The fixtures, and an article whose fields try to be HTML.
cat >"$WORK/hostile.jsonl" <<'EOF'
{"id":"evil-1","title":"<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> Kidney trick","source":"Evil<b>","url":"javascript:window.pwned=3","body":"Kidney stones and <img src=y onerror=\"window.pwned=4\"> kidney stones again."}
EOF
build_index "$WORK/idx" "$MEDQUAD_MINI" "$WORK/hostile.jsonl"
"$SPINE_SERVE" -d "$WORK/idx" --listen 127.0.0.1:0 --threads 2 \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
e2e_started $!
wait_lines "$WORK/serve.out" 1
URL=$(sed -n 's#^listening on \(http://127\.0\.0\.1:[0-9]*/\)$#\1#p' "$WORK/serve.out")
mkdir -p "$ARTIFACTS"

LAST_CMD="chromium (DevTools over a pipe) on $URL"
python3 - "$CHROMIUM" "$URL" "$WORK/chrome" "$ARTIFACTS/serve-page.png" \
    >"$OUT" 2>"$ERR" <<'PY'
import base64, json, os, subprocess, sys, time

chromium, url, profile, shot = sys.argv[1:5]
SKIP = 77

# Chromium reads commands from fd 3 and writes answers to fd 4, each a
# JSON text ended by NUL.
to_r, to_w = os.pipe()
from_r, from_w = os.pipe()
def child_fds():
    # Out of the way first: either end may itself be fd 3 or 4.
    r, w = os.dup(to_r), os.dup(from_w)
    os.dup2(r, 3)
    os.dup2(w, 4)
proc = subprocess.Popen(
    [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
     "--remote-debugging-pipe", "--user-data-dir=" + profile,
     "--no-first-run", "--window-size=1100,900", "about:blank"],
    pass_fds=(3, 4), preexec_fn=child_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_r)
os.close(from_w)
wfile = os.fdopen(to_w, "wb", buffering=0)
rfile = os.fdopen(from_r, "rb", buffering=0)
buf = b""
next_id = 0
deadline = time.time() + 300

def receive():
    global buf
    while b"\0" not in buf:
        if time.time() > deadline:
            raise TimeoutError("Chromium said nothing for too long")
        chunk = rfile.read(65536)
        if not chunk:
            raise EOFError("Chromium closed its pipe")
        buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)

def send(method, params=None, session=None):
    global next_id
    next_id += 1
    m = {"id": next_id, "method": method, "params": params or {}}
    if session:
        m["sessionId"] = session
    wfile.write(json.dumps(m).encode() + b"\0")
    while True:
        r = receive()
        if r.get("id") == next_id:
            if "error" in r:
                raise RuntimeError("%s: %s" % (method, r["error"]))
            return r.get("result", {})

def js(session, expr):
    r = send("Runtime.evaluate", {"expression": expr, "awaitPromise": True,
                                  "returnByValue": True}, session)
    if "exceptionDetails" in r:
        raise RuntimeError("script failed: %s" % r["exceptionDetails"])
    return r["result"].get("value")

# wait_for(session, test): polls the page until test (an expression) is
# truthy, for up to 30 s; returns its value.
def wait_for(session, test):
    return js(session, """new Promise((done) => {
        const t0 = Date.now();
        (function poll() {
            let v = null;
            try { v = (%s); } catch (e) { v = null; }
            if (v || Date.now() - t0 > 30000) done(v || null);
            else setTimeout(poll, 50);
        })();
    })""" % test)

try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget",
                   {"targetId": target, "flatten": True})["sessionId"]
except Exception as e:
    print("SKIP: Chromium does not start here: %s" % e)
    proc.kill()
    sys.exit(SKIP)

failed = []
def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failed.append(what)

try:
    send("Page.enable", {}, session)
    send("Page.navigate", {"url": url}, session)
    check("the page loads with a focused query box",
          wait_for(session, "document.activeElement && document.activeElement.id === 'q'"))
    # Type the query as a person would, and press Enter.
    send("Input.insertText", {"text": "kidney stones"}, session)
    for kind in ("keyDown", "keyUp"):
        send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter",
             "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}, session)
    titles = wait_for(session, """(() => {
        const t = [...document.querySelectorAll('#hits > li > .title')];
        return t.length ? t.map((e) => e.textContent) : null; })()""")
    check("results listed: %r" % (titles,), bool(titles))
    titles = titles or []
    check("kidney-stone articles first", len(titles) >= 2
          and all("Kidney" in t for t in titles[:2]))
    marks = js(session, "[...document.querySelectorAll('#hits mark')].map((m) => m.textContent.toLowerCase())")
    check("snippets highlight the words: %r" % marks[:6],
          len(marks) >= 4 and all(m.startswith(("kidney", "stone")) for m in marks))
    check("the match count is shown",
          "of about" in js(session, "document.getElementById('status').textContent"))
    check("the location says the query", "q=kidney+stones" in js(session, "location.hash"))
    # The hostile article: its fields are text, nothing of them ran.
    evil = js(session, """(() => {
        const li = document.querySelector('#hits > li[data-id="evil-1"]');
        return li && { title: li.querySelector('.title').textContent,
                       meta: li.querySelector('.meta').innerHTML,
                       imgs: document.querySelectorAll('#hits img, #hits script').length,
                       links: [...li.querySelectorAll('a')].length }; })()""")
    check("a title holding <script> is listed as text: %r" % (evil,),
          bool(evil) and evil["title"].startswith("<script>window.pwned=1</script><img"))
    check("no element made of the data, no javascript: link",
          bool(evil) and evil["imgs"] == 0 and evil["links"] == 0
          and "Evil&lt;b&gt;" in evil["meta"])
    check("no script of the data ran", js(session, "window.pwned === undefined"))
    shot_data = send("Page.captureScreenshot", {"format": "png"}, session)["data"]
    with open(shot, "wb") as f:
        f.write(base64.b64decode(shot_data))
    check("screenshot saved", os.path.getsize(shot) > 10000)
    # Click the first hit, as a mouse would.
    box = js(session, """(() => { const r = document.querySelector('#hits > li > .title')
        .getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()""")
    for kind in ("mousePressed", "mouseReleased"):
        send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
             "button": "left", "clickCount": 1}, session)
    art = wait_for(session, """(() => { const a = document.getElementById('article');
        return !a.hidden && a.querySelector('h2') && a.querySelectorAll('h3').length > 1
               ? { h2: a.querySelector('h2').textContent, text: a.textContent } : null; })()""")
    check("clicking a hit opens its article: %r" % ((art or {}).get("h2"),),
          bool(art) and art["h2"] == titles[0] and "kidney" in art["text"].lower())
    related = wait_for(session, "document.querySelectorAll('#article .related li').length")
    check("the article lists related articles", bool(related))
    # Esc goes back to the results.
    for kind in ("keyDown", "keyUp"):
        send("Input.dispatchKeyEvent", {"type": kind, "key": "Escape",
             "code": "Escape", "windowsVirtualKeyCode": 27}, session)
    check("Esc returns to the results", wait_for(session,
          "!document.getElementById('results').hidden && document.querySelectorAll('#hits > li').length"))
except Exception as e:
    check("the browser session: %s" % e, False)
finally:
    try:
        send("Browser.close")
    except Exception:
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
sys.exit(1 if failed else 0)
PY
RC=$?
if [ "$RC" = 77 ]; then
    t_skip "$(grep '^SKIP' "$OUT" | head -n 1)"
    t_summary
fi
sed 's/^/    /' "$OUT"
expect_status 0
t_end

t_summary
