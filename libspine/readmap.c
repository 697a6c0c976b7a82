/*
 * readmap.c -- block reads of open index files served from memory maps
 * (readmap.h).
 *
 * The maps live in a table indexed by descriptor number.  A slot is written
 * by the thread that opened or closes that descriptor and read by any
 * thread that preads it, so slots are atomic pointers: a reader sees either
 * no map or a complete one.  A descriptor is never pread while it is being
 * closed (that would be a bug in the caller, map or no map), so a map is
 * never unmapped under a reader.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
/* Fortified builds wrap open() and pread() in inline functions; this file
 * defines the functions themselves. */
#undef _FORTIFY_SOURCE

#include "readmap.h"

#if defined(__linux__) && __SIZEOF_POINTER__ == 8

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Descriptors at or above this are never mapped: their reads take the
 * system call.  An index holds five tables, two handles for a split
 * match: far below, unless the host program keeps many files open. */
#define READMAP_MAX_FD 4096

/* A captured descriptor.  p is NULL until the file is mapped; then p and
 * size (stored before p, read after it) never change until close. */
typedef struct readmap {
    _Atomic(const unsigned char *) p;
    size_t size;
    atomic_uint reads;              /* reads before the map */
    unsigned after;                 /* map at this read */
} readmap;

static _Atomic(readmap *) maps[READMAP_MAX_FD];
static atomic_uint map_after = SPINE_READMAP_AFTER_READS;
static atomic_uint nmaps;               /* descriptors with a map */
static _Thread_local int capturing;     /* inside a capture */
static _Thread_local unsigned captured; /* files this capture took */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void release(readmap *m)
{
    const unsigned char *p = atomic_load(&m->p);
    if (p) {
        munmap((void *)p, m->size);
        atomic_fetch_sub(&nmaps, 1);
    }
    free(m);
}

/* Files fd, just opened, as a descriptor to map once it has been read
 * map_after times.  Any failure leaves fd to the system call. */
static void capture_fd(int fd)
{
    if (fd < 0 || fd >= READMAP_MAX_FD)
        return;
    readmap *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->after = atomic_load(&map_after);
    readmap *old = atomic_exchange(&maps[fd], m);
    if (old)                    /* fd was closed behind our back: dup2() */
        release(old);
    captured++;
}

/* Maps m's file, fd; called by the one reader that counted up to
 * m->after.  A failure leaves m unmapped for good. */
static void map_now(readmap *m, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
        return;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return;
    m->size = (size_t)st.st_size;
    atomic_store_explicit(&m->p, (const unsigned char *)p,
                          memory_order_release);
    atomic_fetch_add(&nmaps, 1);
}

static void forget_fd(int fd)
{
    if (fd < 0 || fd >= READMAP_MAX_FD)
        return;
    readmap *m = atomic_exchange(&maps[fd], NULL);
    if (m)
        release(m);
}

void spine_readmap_capture_begin(void)
{
    const char *off = getenv("SPINE_NO_READMAP");
    capturing = !(off && *off && strcmp(off, "0") != 0);
    captured = 0;
}

unsigned spine_readmap_capture_end(void)
{
    capturing = 0;
    return captured;
}

void spine_readmap_set_after(unsigned reads)
{
    atomic_store(&map_after, reads);
}

unsigned spine_readmap_count(void)
{
    return atomic_load(&nmaps);
}

/* The C library's functions, replaced.  Each does what the C library's
 * does, through the same system call, and keeps errno as it would. */

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
#ifdef O_TMPFILE
    int takes_mode = flags & (O_CREAT | O_TMPFILE);
#else
    int takes_mode = flags & O_CREAT;
#endif
    if (takes_mode) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    if (fd >= 0 && capturing && (flags & O_ACCMODE) == O_RDONLY
        && has_suffix(path, ".glass")) {
        int saved = errno;
        capture_fd(fd);
        errno = saved;
    }
    return fd;
}

int open64(const char *path, int flags, ...)
    __attribute__((nonnull(1), alias("open")));

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    if (fd >= 0 && fd < READMAP_MAX_FD && off >= 0) {
        readmap *m = atomic_load_explicit(&maps[fd], memory_order_acquire);
        if (m) {
            const unsigned char *p = atomic_load_explicit(
                &m->p, memory_order_acquire);
            if (!p && atomic_fetch_add_explicit(&m->reads, 1,
                                                memory_order_relaxed)
                      == m->after) {
                int saved = errno;
                map_now(m, fd);
                errno = saved;
                p = atomic_load_explicit(&m->p, memory_order_acquire);
            }
            if (p && (size_t)off <= m->size && n <= m->size - (size_t)off) {
                memcpy(buf, p + off, n);
                return (ssize_t)n;
            }
        }
    }
    return (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
    __attribute__((alias("pread")));

int close(int fd)
{
    forget_fd(fd);
    return (int)syscall(SYS_close, fd);
}

/* dup2() and dup3() close newfd first when it is open: its map goes. */
int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd != newfd)
        forget_fd(newfd);
    return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

int dup2(int oldfd, int newfd)
{
    if (oldfd == newfd)         /* dup3() refuses this; dup2() checks oldfd */
        return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
    return dup3(oldfd, newfd, 0);
}

#ifdef SYS_close_range
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int close_range(unsigned first, unsigned last, int flags)
{
    /* With CLOSE_RANGE_CLOEXEC nothing closes before an exec. */
    if (!(flags & CLOSE_RANGE_CLOEXEC))
        for (unsigned fd = first; fd <= last && fd < READMAP_MAX_FD; fd++)
            forget_fd((int)fd);
    return (int)syscall(SYS_close_range, first, last, flags);
}
#endif

#else /* no interposition: captures map nothing */

void spine_readmap_capture_begin(void) {}
unsigned spine_readmap_capture_end(void) { return 0; }
void spine_readmap_set_after(unsigned reads) { (void)reads; }
unsigned spine_readmap_count(void) { return 0; }

#endif
