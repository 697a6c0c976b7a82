#!/usr/bin/env bash
# Builds libxapian.a -- Debian's own xapian-core source, the version
# libxapian-dev installed, configured as Debian configures it -- so that
# spine-search can be linked statically (cmake -DSPINE_XAPIAN_STATIC=PATH).
# A static spine-search loads no shared library at all: on the benchmark
# machine that is what makes a one-query process fast (benchmarks/RESULTS.md,
# "Whole process").  Prints the path of libxapian.a on stdout.
#
# With --headers it keeps, from the same verified source, the two headers
# of Xapian's remote server (net/tcpserver.h, net/remotetcpserver.h),
# which libxapian-dev does not ship though libxapian exports the classes,
# and prints the directory to give cmake as
# -DSPINE_XAPIAN_SERVER_HEADERS=DIR (spine-tcpsrv is built on them).
# That needs only the download (about 3 MB), not the build.
#
#   scripts/xapian-static.sh            build once, then reuse the cached copy
#   scripts/xapian-static.sh --headers  fetch the headers once, then reuse them
#
# Cache: var/xapian-static/VERSION/libxapian.a and VERSION/include/.  The
# build takes about 4 minutes on two cores; it keeps the headers too.  Only
# versions whose source checksum is listed below are used.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=library
case ${1:-} in
    "") ;;
    --headers) mode=headers ;;
    *) echo "usage: $0 [--headers]" >&2; exit 2 ;;
esac
. "$root/scripts/deps.sh"
SPINE_DEPS="$SPINE_DEPS curl xz-utils ca-certificates"
[ "$mode" = headers ] || SPINE_DEPS="$SPINE_DEPS uuid-dev"
spine_install_deps >&2

version=$(pkg-config --modversion xapian-core)
# SHA-256 of xapian-core_VERSION.orig.tar.xz, as Debian's .dsc lists it.
case $version in
    1.4.22) sha=05884af00b06702ce486057d62a3bfbe6606cf965ada0f5ea570b328a2fa1ea8 ;;
    *) echo "xapian-static: no checksum known for xapian-core $version;" \
            "add it to $0" >&2
       exit 2 ;;
esac

dest="$root/var/xapian-static/$version"
inc="$dest/include"
server_headers="net/tcpserver.h net/remotetcpserver.h"
if [ "$mode" = headers ] && [ -f "$inc/net/tcpserver.h" ] &&
   [ -f "$inc/net/remotetcpserver.h" ]; then
    echo "$inc"
    exit 0
fi
if [ "$mode" = library ] && [ -f "$dest/libxapian.a" ]; then
    echo "$dest/libxapian.a"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/spine-xapian.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball="xapian-core_$version.orig.tar.xz"
echo "xapian-static: fetching $tarball from deb.debian.org" >&2
curl -sSfL --retry 3 -o "$work/$tarball" \
    "http://deb.debian.org/debian/pool/main/x/xapian-core/$tarball"
echo "$sha  $work/$tarball" | sha256sum -c --quiet - >&2 || {
    echo "xapian-static: $tarball does not match its checksum" >&2; exit 2; }
tar -xJf "$work/$tarball" -C "$work"
src="$work/xapian-core-$version"

# The server headers, with the version they belong to (CMake checks it
# against the installed Xapian: a class laid out by another version's
# header would not match the library's).  Kept whole under a private name,
# then renamed, so that a reader never sees half of them.
mkdir -p "$dest"
if [ ! -f "$inc/net/tcpserver.h" ] || [ ! -f "$inc/net/remotetcpserver.h" ]; then
    part=$(mktemp -d "$dest/include.XXXXXX")
    mkdir "$part/net"
    for h in $server_headers; do
        cp "$src/$h" "$part/$h"
    done
    echo "$version" >"$part/xapian-version"
    chmod 755 "$part"
    rm -rf "$inc"
    mv -T "$part" "$inc" 2>/dev/null || rm -rf "$part"
fi
if [ "$mode" = headers ]; then
    echo "$inc"
    exit 0
fi

# Debian's flags (dpkg-buildflags) without -g; configure's own defaults
# otherwise, as debian/rules leaves them on amd64.  Only the library is built.
echo "xapian-static: building libxapian.a (a few minutes)" >&2
(cd "$src" &&
    ./configure -q --enable-static --disable-shared --disable-documentation \
        CPPFLAGS="-Wdate-time -D_FORTIFY_SOURCE=2" \
        CXXFLAGS="-O2 -fstack-protector-strong -Wformat -Werror=format-security" \
        >"$work/configure.log" 2>&1 &&
    make -j"$(nproc)" libxapian.la >"$work/make.log" 2>&1) || {
    tail -n 30 "$work"/*.log >&2
    echo "xapian-static: the build failed" >&2
    exit 2
}
# A private temporary name: two builds at once each rename a whole file.
part=$(mktemp "$dest/libxapian.a.XXXXXX")
cp "$src/.libs/libxapian.a" "$part"
mv "$part" "$dest/libxapian.a"
echo "$dest/libxapian.a"
