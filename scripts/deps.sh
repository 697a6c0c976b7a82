# scripts/deps.sh -- sourced by the other scripts: installs the Debian
# packages Spine needs to build and test, if any is missing.  The hunspell
# dictionaries are read by spine-search at run time (libspine/spell.c: a
# word in them is never corrected without asking).  utf8proc folds accents
# and case out of terms (libspine/fold.c).
SPINE_DEPS="build-essential cmake pkg-config libxapian-dev zlib1g-dev check \
libxml2-dev libjansson-dev python3 gzip \
libmicrohttpd-dev curl \
libhunspell-dev hunspell-en-us hunspell-en-med \
libutf8proc-dev"

# What the test suite needs besides: a browser for the search page's test
# (tests/e2e/serve-browser.sh drives headless Chromium), wrk for
# spine-serve's load case (tests/e2e/serve.sh) and the stock xapian-tcpsrv,
# which tests/e2e/tcpsrv.sh shows refusing Spine's queries.
SPINE_TEST_DEPS="chromium wrk xapian-tools"

# What scripts/fuzz.sh needs besides: clang and its libFuzzer runtime.
SPINE_FUZZ_DEPS="clang libclang-rt-14-dev"

spine_install_deps() {
    spine_install_packages $SPINE_DEPS
}

spine_install_test_deps() {
    spine_install_packages $SPINE_TEST_DEPS
}

spine_install_fuzz_deps() {
    spine_install_packages $SPINE_FUZZ_DEPS
}

spine_install_packages() {    # spine_install_packages PACKAGE...
    local missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
            || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "spine: installing:$missing" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "spine: please install as root:$missing" >&2; return 1; }
        sudo=sudo
    fi
    $sudo apt-get update -qq && \
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}
