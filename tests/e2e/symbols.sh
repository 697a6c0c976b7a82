#!/usr/bin/env bash
# symbols.sh -- no Spine library or program defines a C library function
# (open, pread, close, read, mmap, ...): one that did would replace the C
# library's in every program linking it.  nm --defined-only on libspine.a
# and on both programs; a program linked -static (SPINE_XAPIAN_STATIC)
# holds the C library itself, so its own objects are read instead.
# GPL-2.0-or-later.
#
# Environment: SPINE_BUILD_DIR (the build tree, for libspine.a and the
# programs' objects) and SPINE_CC (to build the check's own control case).

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD=${SPINE_BUILD_DIR:-$E2E_HERE/../../build}
CC=${SPINE_CC:-cc}
LIBC_FUNCS="open open64 openat openat64 creat creat64 pread pread64 pwrite
pwrite64 read write close close_range dup dup2 dup3 mmap mmap64 munmap
lseek lseek64 fstat fstat64 stat stat64"

# libc_defs -- reads nm -A output and prints "file: type name" for each C
# library function it shows defined (text, weak or indirect symbols).
libc_defs() {
    awk -v names="$LIBC_FUNCS" '
        BEGIN { n = split(names, a, /[ \n]+/); for (i = 1; i <= n; i++) f[a[i]] = 1 }
        $(NF-1) ~ /^[TWi]$/ && ($NF in f) { print $1, $(NF-1), $NF }'
}

# expect_no_libc_defs FILE... -- none of the files defines one.
expect_no_libc_defs() {
    local defs
    e2e_live || return 1
    run nm -A --defined-only "$@"
    expect_status 0 || return 1
    defs=$(libc_defs <"$OUT")
    [ -z "$defs" ] || fail "C library functions defined: $(tr '\n' ';' <<<"$defs")"
}

t_begin "control: the check finds a pread defined in an object"
printf '%s\n' '#include <sys/types.h>' \
    'ssize_t pread(int fd, void *buf, size_t n, off_t off)' \
    '{ (void)fd; (void)buf; (void)n; (void)off; return -1; }' >"$WORK/pread.c"
expect_exit 0 "$CC" -c -o "$WORK/pread.o" "$WORK/pread.c"
expect_true "libc_defs missed the pread in pread.o" \
    grep -q ' T pread$' <<<"$(nm -A --defined-only "$WORK/pread.o" | libc_defs)"
t_end

t_begin "libspine.a defines no C library function"
expect_true "$BUILD/libspine/libspine.a is not there (set SPINE_BUILD_DIR)" \
    test -f "$BUILD/libspine/libspine.a"
expect_no_libc_defs "$BUILD/libspine/libspine.a"
t_end

progs=(spine-index spine-search spine-serve)
[ ! -x "$SPINE_BIN/spine-tcpsrv" ] || progs+=(spine-tcpsrv)   # when built
for prog in "${progs[@]}"; do
    t_begin "$prog defines no C library function"
    if readelf -lW "$SPINE_BIN/$prog" | grep -q 'program interpreter'; then
        expect_no_libc_defs "$SPINE_BIN/$prog"
    else
        # Linked -static: the C library is inside; read the objects that
        # are Spine's (libspine.a is checked above).
        mapfile -t objs < <(find "$BUILD" -path "*/$prog.dir/*.o")
        expect_true "no objects of the static $prog under $BUILD" test "${#objs[@]}" -gt 0
        expect_no_libc_defs "${objs[@]}"
    fi
    t_end
done

t_summary
