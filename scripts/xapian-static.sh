#!/usr/bin/env bash
# Builds libxapian.a -- Debian's own xapian-core source, the version
# libxapian-dev installed, configured as Debian configures it -- so that
# spine-search can be linked statically (cmake -DSPINE_XAPIAN_STATIC=PATH).
# A static spine-search loads no shared library at all: on the benchmark
# machine that is what makes a one-query process fast (benchmarks/RESULTS.md,
# "Whole process").  Prints the path of libxapian.a on stdout.
#
#   scripts/xapian-static.sh         build once, then reuse the cached copy
#
# Cache: var/xapian-static/VERSION/libxapian.a.  Takes about 4 minutes on two
# cores.  Only versions whose source checksum is listed below are built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/deps.sh"
SPINE_DEPS="$SPINE_DEPS uuid-dev curl xz-utils ca-certificates"
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
if [ -f "$dest/libxapian.a" ]; then
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

# Debian's flags (dpkg-buildflags) without -g; configure's own defaults
# otherwise, as debian/rules leaves them on amd64.  Only the library is built.
echo "xapian-static: building libxapian.a (a few minutes)" >&2
src="$work/xapian-core-$version"
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
mkdir -p "$dest"
# A private temporary name: two builds at once each rename a whole file.
part=$(mktemp "$dest/libxapian.a.XXXXXX")
cp "$src/.libs/libxapian.a" "$part"
mv "$part" "$dest/libxapian.a"
echo "$dest/libxapian.a"
