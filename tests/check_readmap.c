/*
 * check_readmap.c -- unit tests for libspine/readmap.c: index files opened
 * inside a capture are read through a map once read often enough, with the
 * bytes and the results pread() gives, and a closed descriptor is never
 * served from its old map.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#define _GNU_SOURCE             /* close_range() */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readmap.h"
#include "testutil.h"

#define FILE_BYTES 65536
#define READS      200          /* well past the reads before a map */

static char *tmp;

static void setup(void)
{
    tmp = tu_mkdtemp();
    unsetenv("SPINE_NO_READMAP");
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

/* Writes FILE_BYTES bytes to dir/name, byte i being (i * mul + add) % 251,
 * and returns the path (free() it). */
static char *write_pattern(const char *name, unsigned mul, unsigned add)
{
    static unsigned char data[FILE_BYTES];
    for (size_t i = 0; i < FILE_BYTES; i++)
        data[i] = (unsigned char)((i * mul + add) % 251);
    char *path = tu_path(tmp, name);
    ck_assert_int_eq(tu_write_file(path, data, sizeof data), 0);
    return path;
}

/* Reads READS ranges of fd at scattered offsets and checks each against
 * the pattern write_pattern(mul, add) wrote. */
static void assert_reads(int fd, unsigned mul, unsigned add)
{
    unsigned char buf[300];
    for (unsigned r = 0; r < READS; r++) {
        size_t off = (size_t)r * 7919 % (FILE_BYTES - sizeof buf);
        size_t n = 1 + r % sizeof buf;
        ck_assert_int_eq(pread(fd, buf, n, (off_t)off), (ssize_t)n);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(buf[i] == ((off + i) * mul + add) % 251,
                          "read %u: byte %zu of %zu at %zu is %u", r, i, n,
                          off, buf[i]);
    }
}

/* Opens path with flags inside a capture; *taken gets what the capture
 * reports. */
static int open_captured(const char *path, int flags, unsigned *taken)
{
    spine_readmap_capture_begin();
    int fd = open(path, flags);
    *taken = spine_readmap_capture_end();
    return fd;
}

/* Opens path (written by write_pattern(mul, add)) inside a capture and
 * reads it until it is mapped; returns the descriptor. */
static int open_mapped(const char *path, unsigned mul, unsigned add)
{
    unsigned before = spine_readmap_count(), taken;
    int fd = open_captured(path, O_RDONLY, &taken);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(taken, 1);
    assert_reads(fd, mul, add);
    ck_assert_uint_eq(spine_readmap_count(), before + 1);
    return fd;
}

START_TEST(test_mapped_reads)
{
    char *path = write_pattern("postlist.glass", 31, 7);
    unsigned before = spine_readmap_count(), taken;
    int fd = open_captured(path, O_RDONLY, &taken);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(taken, 1);
    ck_assert_uint_eq(spine_readmap_count(), before);   /* not yet read */
    assert_reads(fd, 31, 7);
    ck_assert_uint_eq(spine_readmap_count(), before + 1);

    /* At and past the end, as pread() answers: short, then nothing. */
    unsigned char buf[100];
    ck_assert_int_eq(pread(fd, buf, sizeof buf, FILE_BYTES - 10), 10);
    ck_assert_uint_eq(buf[9], ((FILE_BYTES - 1) * 31u + 7) % 251);
    ck_assert_int_eq(pread(fd, buf, sizeof buf, FILE_BYTES), 0);
    ck_assert_int_eq(pread(fd, buf, sizeof buf, 4 * FILE_BYTES), 0);
    errno = 0;
    ck_assert_int_eq(pread(fd, buf, sizeof buf, -1), -1);
    ck_assert_int_eq(errno, EINVAL);

    ck_assert_int_eq(close(fd), 0);
    ck_assert_uint_eq(spine_readmap_count(), before);
    free(path);
}
END_TEST

/* A descriptor number reused for another file reads that file. */
START_TEST(test_closed_descriptor_reused)
{
    char *a = write_pattern("termlist.glass", 13, 1);
    char *b = write_pattern("other.glass", 17, 5);
    int fd = open_mapped(a, 13, 1);
    ck_assert_int_eq(close(fd), 0);
    int again = open(b, O_RDONLY);         /* outside any capture */
    ck_assert_int_eq(again, fd);           /* the lowest free number */
    assert_reads(again, 17, 5);
    ck_assert_int_eq(close(again), 0);
    free(a);
    free(b);
}
END_TEST

/* dup2() onto a mapped descriptor, and close_range() over one, drop its
 * map as close() does. */
START_TEST(test_other_closes)
{
    char *a = write_pattern("position.glass", 11, 2);
    char *b = write_pattern("other", 19, 3);
    unsigned before = spine_readmap_count();
    int fd = open_mapped(a, 11, 2);
    int other = open(b, O_RDONLY);
    ck_assert_int_eq(dup2(other, fd), fd);
    ck_assert_uint_eq(spine_readmap_count(), before);
    assert_reads(fd, 19, 3);
    ck_assert_int_eq(dup2(fd, fd), fd);             /* a no-op */
    ck_assert_int_eq(close(other), 0);
    ck_assert_int_eq(close(fd), 0);
    errno = 0;
    ck_assert_int_eq(dup2(fd, fd), -1);
    ck_assert_int_eq(errno, EBADF);

    fd = open_mapped(a, 11, 2);
    ck_assert_int_eq(close_range((unsigned)fd, (unsigned)fd, 0), 0);
    ck_assert_uint_eq(spine_readmap_count(), before);
    free(a);
    free(b);
}
END_TEST

/* Only read-only opens of ".glass" files inside a capture are taken, and
 * none when SPINE_NO_READMAP is set. */
START_TEST(test_what_is_captured)
{
    char *glass = write_pattern("docdata.glass", 3, 0);
    char *other = write_pattern("heads.spine", 3, 0);
    unsigned before = spine_readmap_count(), taken;
    int fd;

    fd = open(glass, O_RDONLY);
    assert_reads(fd, 3, 0);
    ck_assert_uint_eq(spine_readmap_count(), before);
    ck_assert_int_eq(close(fd), 0);

    fd = open_captured(glass, O_RDWR, &taken);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(taken, 0);
    ck_assert_int_eq(close(fd), 0);

    fd = open_captured(other, O_RDONLY, &taken);
    ck_assert_uint_eq(taken, 0);
    ck_assert_int_eq(close(fd), 0);

    setenv("SPINE_NO_READMAP", "1", 1);
    fd = open_captured(glass, O_RDONLY, &taken);
    ck_assert_uint_eq(taken, 0);
    assert_reads(fd, 3, 0);
    ck_assert_uint_eq(spine_readmap_count(), before);
    ck_assert_int_eq(close(fd), 0);
    free(glass);
    free(other);
}
END_TEST

/* The replaced functions fail as the C library's do, errno included. */
START_TEST(test_errors)
{
    unsigned taken;
    char *missing = tu_path(tmp, "missing.glass");
    errno = 0;
    ck_assert_int_eq(open_captured(missing, O_RDONLY, &taken), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_uint_eq(taken, 0);

    char buf[8];
    errno = 0;
    ck_assert_int_eq(pread(-1, buf, sizeof buf, 0), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(close(-1), -1);
    ck_assert_int_eq(errno, EBADF);

    /* open() with O_CREAT passes its mode on. */
    char *made = tu_path(tmp, "made");
    int fd = open(made, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(access(made, R_OK | W_OK), 0);
    ck_assert_int_eq(open(made, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
    ck_assert_int_eq(errno, EEXIST);
    free(made);
    free(missing);
}
END_TEST

static Suite *readmap_suite(void)
{
    Suite *s = suite_create("readmap");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_mapped_reads);
    tcase_add_test(core, test_closed_descriptor_reused);
    tcase_add_test(core, test_other_closes);
    tcase_add_test(core, test_what_is_captured);
    tcase_add_test(core, test_errors);
    suite_add_tcase(s, core);
    return s;
}

int main(void)
{
    return tu_run_suite(readmap_suite());
}
