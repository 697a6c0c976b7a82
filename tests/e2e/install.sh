#!/usr/bin/env bash
# install.sh -- cmake --install end to end: the installed tree (programs,
# libspine.a, public headers, spine.pc, man pages), both programs'
# --version, and examples/search.c built against the installed tree alone
# with pkg-config, searching an index the installed spine-index built.
# GPL-2.0-or-later.
#
# Environment (tests/CMakeLists.txt sets it): SPINE_BUILD_DIR, the build
# tree to install; SPINE_CMAKE and SPINE_CC, the cmake and C compiler it
# was configured with.  cmake --install leaves install_manifest.txt in the
# build tree, as any install does.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD=${SPINE_BUILD_DIR:-$E2E_HERE/../../build}
CMAKE=${SPINE_CMAKE:-cmake}
CC=${SPINE_CC:-cc}
EXAMPLE="$E2E_HERE/../../examples/search.c"
PUBLIC_HEADERS="$E2E_HERE/../../include/spine"
PREFIX="$WORK/prefix"

# cache_dir VAR DEFAULT -- an install directory (GNUInstallDirs) as the
# build tree was configured with it.
cache_dir() {
    local v
    v=$(sed -n "s/^$1:PATH=//p" "$BUILD/CMakeCache.txt" 2>/dev/null)
    echo "${v:-$2}"
}
BINDIR=$PREFIX/$(cache_dir CMAKE_INSTALL_BINDIR bin)
LIBDIR=$PREFIX/$(cache_dir CMAKE_INSTALL_LIBDIR lib)
INCLUDEDIR=$PREFIX/$(cache_dir CMAKE_INSTALL_INCLUDEDIR include)
MANDIR=$PREFIX/$(cache_dir CMAKE_INSTALL_MANDIR share/man)
# Only the installed spine.pc (and the system's, for what it requires).
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"

t_begin "cmake --install --prefix puts the tree under the prefix"
expect_exit 0 "$CMAKE" --install "$BUILD" --prefix "$PREFIX"
if ! e2e_live; then
    E2E_FAILED=$((E2E_FAILED + 1))
    t_summary     # every later case needs the installed tree
fi
t_end

t_begin "tree: programs, libspine.a, spine.pc, man pages"
for f in "$BINDIR/spine-index" "$BINDIR/spine-search" "$BINDIR/spine-serve"; do
    expect_true "$f is not an executable file" test -f "$f" -a -x "$f"
done
for f in "$LIBDIR/libspine.a" "$LIBDIR/pkgconfig/spine.pc" \
         "$MANDIR/man1/spine-index.1" "$MANDIR/man1/spine-search.1" \
         "$MANDIR/man1/spine-serve.1"; do
    expect_true "$f is not there" test -s "$f"
done
t_end

# spine-tcpsrv and spine/tcpsrv.h come with the build option that makes
# them (SPINE_XAPIAN_SERVER_HEADERS), and without it not at all.
if [ -x "$BUILD/bin/spine-tcpsrv" ]; then
    t_begin "tree: spine-tcpsrv, its man page and spine/tcpsrv.h"
    expect_true "spine-tcpsrv is not installed" test -x "$BINDIR/spine-tcpsrv"
    expect_true "spine-tcpsrv.1 is not installed" test -s "$MANDIR/man1/spine-tcpsrv.1"
    TCPSRV_HEADER=""
else
    t_begin "tree: no spine-tcpsrv and no spine/tcpsrv.h in a build without them"
    expect_true "spine-tcpsrv is installed" test ! -e "$BINDIR/spine-tcpsrv"
    TCPSRV_HEADER=tcpsrv.h
fi
t_end

t_begin "tree: the public headers, version.h among them, and no other"
for h in "$PUBLIC_HEADERS"/*.h; do
    [ "${h##*/}" != "$TCPSRV_HEADER" ] || continue
    expect_same_files "installed ${h##*/}" "$h" "$INCLUDEDIR/spine/${h##*/}"
done
expect_true "spine/version.h is not installed" test -s "$INCLUDEDIR/spine/version.h"
want=$(for h in "$PUBLIC_HEADERS"/*.h version.h; do
           [ "${h##*/}" = "$TCPSRV_HEADER" ] || echo "spine/${h##*/}"
       done | LC_ALL=C sort | tr '\n' ' ')
got=$(cd "$INCLUDEDIR" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
expect_eq "files under include/" "$got" "$want"
t_end

t_begin "libspine.a holds the binding: no xapian_c archive beside it"
run nm --defined-only "$LIBDIR/libspine.a"
expect_status 0
expect_out_line ' T xapian_version_string$'
expect_out_line ' T spine_search$'
expect_true "more than libspine.a under lib/" test "$(find "$LIBDIR" -name '*.a' | wc -l)" = 1
t_end

t_begin "--version: spine-search and spine-index print their and Xapian's versions"
expect_exit 0 pkg-config --modversion spine
version=$(cat "$OUT")
expect_exit 0 pkg-config --modversion xapian-core
xapian=$(cat "$OUT")
expect_exit 0 "$BINDIR/spine-search" --version
expect_out_line "^spine-search $version \\(Xapian $xapian\\)$"
expect_err_empty
expect_exit 0 "$BINDIR/spine-index" --version
expect_out_line "^spine-index $version \\(Xapian $xapian\\)$"
expect_err_empty
expect_true "version $version is not MAJOR.MINOR.PATCH" grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' <<<"$version"
expect_true "version.h does not define SPINE_VERSION_STRING \"$version\"" \
    grep -qF "#define SPINE_VERSION_STRING \"$version\"" "$INCLUDEDIR/spine/version.h"
t_end

t_begin "--help lists --version"
expect_exit 0 "$BINDIR/spine-search" --help
expect_out_has "--version"
expect_exit 0 "$BINDIR/spine-index" --help
expect_out_has "--version"
t_end

t_begin "man pages: every section, and groff finds nothing to warn about"
for page in spine-index spine-search; do
    for sect in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT \
                FILES EXAMPLES "SEE ALSO"; do
        expect_true "$page.1 lacks section $sect" \
            grep -qE "^\\.SH \"?$sect\"?$" "$MANDIR/man1/$page.1"
    done
    expect_true "$page.1 does not document --version" \
        grep -qF -- '\-\-version' "$MANDIR/man1/$page.1"
done
if command -v groff >/dev/null; then
    for page in spine-index spine-search; do
        run groff -man -Tutf8 -ww -z "$MANDIR/man1/$page.1"
        expect_status 0
        expect_err_empty
    done
    t_end
else
    t_skip "no groff to check the pages with (apt-get install groff-base)"
fi

t_begin "examples/search.c builds with pkg-config against the installed tree"
expect_exit 0 pkg-config --cflags --libs spine
read -ra flags <"$OUT"
expect_out_has "-I$PREFIX/"
expect_out_has "-L$PREFIX/"
expect_exit 0 "$CC" -Wall -Wextra -Werror -std=c11 -o "$WORK/search" "$EXAMPLE" "${flags[@]}"
expect_err_empty
t_end
built=$E2E_CASE_FAILED

IDX="$WORK/mini"
t_begin "the installed spine-index builds an index of the fixtures"
expect_exit 0 "$BINDIR/spine-index" --no-progress "$IDX" "$MEDQUAD_MINI"
t_end

t_begin "example: \"kidney stones\" lists the kidney-stone articles first, as spine-search does"
if [ "$built" = 0 ]; then
    expect_exit 0 "$WORK/search" "$IDX" "kidney stones"
    expect_err_empty
    expect_out_line '^1\. Kidney Stones( in Adults)? <https://example\.org/(niddk/kidney-stones|mplus/kidney-stones-adults)>$'
    expect_out_line '^2\. Kidney Stones( in Adults)? <https://example\.org/(niddk/kidney-stones|mplus/kidney-stones-adults)>$'
    cp "$OUT" "$WORK/example.out"
    expect_exit 0 "$BINDIR/spine-search" -d "$IDX" --json --no-snippets kidney stones
    expect_true "the example's hits differ from spine-search's" python3 -c '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
want = ["%d. %s <%s>" % (h["rank"], h["title"], h["url"]) for h in hits]
got = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert got == want, (got, want)' "$OUT" "$WORK/example.out"
    t_end
else
    t_skip "the example did not build"
fi

t_begin "example: a missing index -> non-zero exit and the error message"
if [ "$built" = 0 ]; then
    run "$WORK/search" "$WORK/no-such-index" "kidney stones"
    expect_true "exit status 0 for a missing index" test "$RC" != 0
    expect_err_one_line "$WORK/search: "
    expect_err_has "$WORK/no-such-index"
    expect_out_empty
    t_end
else
    t_skip "the example did not build"
fi

t_summary
