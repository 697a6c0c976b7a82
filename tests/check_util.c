/*
 * check_util.c -- unit tests for libspine/util.c (buffers, strings, UTF-8
 * validation) and libspine/error.c (the spine_error record).
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "spine/error.h"
#include "util.h"
#include "testutil.h"

/* ---- spine_buf ------------------------------------------------------- */

START_TEST(test_buf_append_and_nul)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_append(&b, "abc", 3);
    ck_assert_uint_eq(b.n, 3);
    ck_assert_uint_ge(b.cap, 4);
    ck_assert_mem_eq(b.p, "abc", 4);          /* includes the NUL */
    spine_buf_append(&b, "defg", 2);          /* only "de" */
    ck_assert_uint_eq(b.n, 5);
    ck_assert_str_eq(b.p, "abcde");
    spine_buf_puts(&b, "!");
    ck_assert_str_eq(b.p, "abcde!");
    /* Appending zero bytes still leaves a terminated buffer. */
    spine_buf_append(&b, "zzz", 0);
    ck_assert_uint_eq(b.n, 6);
    ck_assert_int_eq(b.p[6], '\0');
    spine_buf_free(&b);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_uint_eq(b.cap, 0);
    /* Room reserved and nothing appended: still a string, "" detached
     * (an empty query folded into a reserved buffer read past its end). */
    spine_buf_reserve(&b, 0);
    ck_assert_ptr_nonnull(b.p);
    ck_assert_int_eq(b.p[0], '\0');
    char *s = spine_buf_detach(&b);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(test_buf_embedded_nul)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_append(&b, "a\0b", 3);
    ck_assert_uint_eq(b.n, 3);
    ck_assert_mem_eq(b.p, "a\0b\0", 4);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_buf_growth)
{
    spine_buf b = SPINE_BUF_INIT;
    enum { ROUNDS = 10000 };
    for (int i = 0; i < ROUNDS; i++) {
        char c = (char)('a' + i % 26);
        spine_buf_append(&b, &c, 1);
        ck_assert_int_eq(b.p[b.n], '\0');
        ck_assert_uint_gt(b.cap, b.n);
    }
    ck_assert_uint_eq(b.n, ROUNDS);
    ck_assert_uint_eq(strlen(b.p), ROUNDS);
    for (int i = 0; i < ROUNDS; i++)
        ck_assert_int_eq(b.p[i], 'a' + i % 26);

    /* One big append after many small ones. */
    char *big = malloc(100000);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', 100000);
    spine_buf_append(&b, big, 100000);
    ck_assert_uint_eq(b.n, ROUNDS + 100000);
    ck_assert_int_eq(b.p[ROUNDS - 1], 'a' + (ROUNDS - 1) % 26);
    ck_assert_int_eq(b.p[ROUNDS], 'x');
    ck_assert_int_eq(b.p[b.n - 1], 'x');
    ck_assert_int_eq(b.p[b.n], '\0');
    free(big);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_printf(&b, "%d-%s", 42, "x");
    ck_assert_str_eq(b.p, "42-x");
    ck_assert_uint_eq(b.n, 4);
    spine_buf_printf(&b, "|%05u|%.2f", 7u, 1.5);
    ck_assert_str_eq(b.p, "42-x|00007|1.50");
    ck_assert_uint_eq(b.n, strlen("42-x|00007|1.50"));

    /* Formatted text longer than the initial capacity. */
    char wide[1000];
    memset(wide, 'w', sizeof wide - 1);
    wide[sizeof wide - 1] = '\0';
    spine_buf_printf(&b, "<%s>", wide);
    ck_assert_uint_eq(b.n, 15 + 1 + 999 + 1);
    ck_assert_int_eq(b.p[15], '<');
    ck_assert_int_eq(b.p[16], 'w');
    ck_assert_int_eq(b.p[b.n - 1], '>');
    ck_assert_int_eq(b.p[b.n], '\0');

    /* An empty format changes nothing. */
    size_t before = b.n;
    spine_buf_printf(&b, "%s", "");
    ck_assert_uint_eq(b.n, before);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_buf_reset)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_reset(&b);                      /* zeroed buffer: no crash */
    ck_assert_uint_eq(b.n, 0);
    spine_buf_puts(&b, "hello world");
    size_t cap = b.cap;
    char *mem = b.p;
    spine_buf_reset(&b);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_uint_eq(b.cap, cap);            /* memory is kept */
    ck_assert_ptr_eq(b.p, mem);
    ck_assert_str_eq(b.p, "");
    spine_buf_puts(&b, "again");
    ck_assert_str_eq(b.p, "again");
    ck_assert_uint_eq(b.n, 5);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_buf_detach)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_printf(&b, "id=%s", "7");
    char *s = spine_buf_detach(&b);
    ck_assert_str_eq(s, "id=7");
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_uint_eq(b.cap, 0);
    free(s);

    /* An empty buffer detaches to a fresh "" */
    char *e = spine_buf_detach(&b);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, "");
    free(e);

    /* The buffer is reusable after detaching. */
    spine_buf_puts(&b, "more");
    ck_assert_str_eq(b.p, "more");
    spine_buf_free(&b);
    spine_buf_free(&b);                       /* freeing twice is fine */
}
END_TEST

START_TEST(test_buf_reserve)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_reserve(&b, 1000);
    ck_assert_uint_ge(b.cap, 1001);
    ck_assert_uint_eq(b.n, 0);
    char *mem = b.p;
    for (int i = 0; i < 1000; i++)
        spine_buf_append(&b, "q", 1);
    ck_assert_ptr_eq(b.p, mem);               /* no reallocation needed */
    ck_assert_uint_eq(b.n, 1000);
    spine_buf_free(&b);
}
END_TEST

/* ---- strings ------------------------------------------------------------ */

START_TEST(test_strndup)
{
    char *s = spine_strndup("abcdef", 3);
    ck_assert_str_eq(s, "abc");
    free(s);
    s = spine_strndup("", 0);
    ck_assert_str_eq(s, "");
    free(s);
    /* Copies exactly n bytes even when they are not NUL-terminated. */
    char raw[4] = { 'x', 'y', 'z', 'w' };
    s = spine_strndup(raw, 4);
    ck_assert_str_eq(s, "xyzw");
    free(s);
    s = spine_strdup("kidney");
    ck_assert_str_eq(s, "kidney");
    free(s);
}
END_TEST

/* ---- UTF-8 ------------------------------------------------------------ */

START_TEST(test_utf8_valid)
{
    static const char *ok[] = {
        "",
        "plain ascii",
        "caf\xC3\xA9",                        /* U+00E9 */
        "\xE2\x82\xAC 5",                     /* U+20AC euro sign */
        "\xE4\xB8\xAD\xE6\x96\x87",           /* two CJK characters */
        "\xF0\x9F\x98\x80",                   /* U+1F600 */
        "\xC2\x80",                           /* smallest 2-byte value */
        "\xE0\xA0\x80",                       /* smallest 3-byte value */
        "\xF0\x90\x80\x80",                   /* smallest 4-byte value */
        "\xEF\xBF\xBF",                       /* U+FFFF */
        "\xF4\x8F\xBF\xBF",                   /* U+10FFFF, the last one */
        "\xED\x9F\xBF",                       /* U+D7FF, just below surrogates */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t bad = 12345;
        ck_assert_msg(spine_utf8_valid(ok[i], strlen(ok[i]), &bad) == 1,
                      "case %zu should be valid", i);
        ck_assert_uint_eq(bad, 12345);        /* untouched when valid */
        ck_assert_int_eq(spine_utf8_valid(ok[i], strlen(ok[i]), NULL), 1);
    }
}
END_TEST

static void expect_bad(const char *s, size_t len, size_t want_at)
{
    size_t bad = (size_t)-1;
    ck_assert_int_eq(spine_utf8_valid(s, len, &bad), 0);
    ck_assert_uint_eq(bad, want_at);
    ck_assert_int_eq(spine_utf8_valid(s, len, NULL), 0);
}

START_TEST(test_control_len)
{
    /* C0, DEL and C1 are controls; text, and bytes that only look like
     * the start of a C1 control, are not. */
    ck_assert_uint_eq(spine_control_len("\x1b[1m", 4), 1);
    ck_assert_uint_eq(spine_control_len("\n", 1), 1);
    ck_assert_uint_eq(spine_control_len("\x7f", 1), 1);
    ck_assert_uint_eq(spine_control_len("\xc2\x9b" "1m", 4), 2);
    ck_assert_uint_eq(spine_control_len("\xc2\x80", 2), 2);
    ck_assert_uint_eq(spine_control_len("\xc2\x9b", 1), 0);  /* cut short */
    ck_assert_uint_eq(spine_control_len("\xc2\xa0", 2), 0);  /* U+00A0 */
    ck_assert_uint_eq(spine_control_len("a", 1), 0);
    ck_assert_uint_eq(spine_control_len(" ", 1), 0);
    ck_assert_uint_eq(spine_control_len("\xc3\xa9", 2), 0);
    ck_assert_uint_eq(spine_control_len("", 0), 0);
}
END_TEST

START_TEST(test_utf8_lone_continuation)
{
    expect_bad("ab\x80" "c", 4, 2);
    expect_bad("\xBF", 1, 0);
    /* A continuation byte right after a complete character. */
    expect_bad("\xC3\xA9\xA9", 3, 2);
}
END_TEST

START_TEST(test_utf8_truncated)
{
    expect_bad("ab\xE2\x82", 4, 2);           /* 3-byte sequence, 2 given */
    expect_bad("x\xC3", 2, 1);                /* 2-byte sequence, 1 given */
    expect_bad("\xF0\x9F\x98", 3, 0);         /* 4-byte sequence, 3 given */
    /* Truncated by a non-continuation byte in the middle of the text. */
    expect_bad("ok\xE2\x82z tail", 9, 2);
    /* The length, not the NUL, ends the text: cutting a valid string
     * inside a character makes it invalid. */
    expect_bad("caf\xC3\xA9", 4, 3);
}
END_TEST

START_TEST(test_utf8_overlong)
{
    expect_bad("\xC0\x80", 2, 0);             /* NUL, overlong 2 bytes */
    expect_bad("a\xC1\xBF", 3, 1);            /* '?', overlong 2 bytes */
    expect_bad("ab\xE0\x80\x80", 5, 2);       /* NUL, overlong 3 bytes */
    expect_bad("\xE0\x9F\xBF", 3, 0);         /* U+07FF in 3 bytes */
    expect_bad("\xF0\x8F\xBF\xBF", 4, 0);     /* U+FFFF in 4 bytes */
}
END_TEST

START_TEST(test_utf8_surrogate)
{
    expect_bad("\xED\xA0\x80", 3, 0);         /* U+D800 */
    expect_bad("zz\xED\xBF\xBF", 5, 2);       /* U+DFFF */
}
END_TEST

START_TEST(test_utf8_too_big)
{
    expect_bad("\xF4\x90\x80\x80", 4, 0);     /* U+110000 */
    expect_bad("a\xF5\x80\x80\x80", 5, 1);    /* lead byte past F4 */
    expect_bad("\xFF", 1, 0);
}
END_TEST

START_TEST(test_utf8_nul)
{
    expect_bad("abc\0def", 7, 3);
    expect_bad("\0", 1, 0);
    expect_bad("\xC3\xA9\0", 3, 2);
}
END_TEST

START_TEST(test_utf8_first_bad_reported)
{
    /* Two faults: the offset is the first one's. */
    expect_bad("good \xC3\xA9 \x80 \xED\xA0\x80", 13, 8);
}
END_TEST

/* ---- spine_error ------------------------------------------------------ */

START_TEST(test_error_set)
{
    spine_error err;
    spine_error_clear(&err);
    ck_assert_int_eq(err.code, SPINE_OK);
    ck_assert_str_eq(err.msg, "");
    int rc = spine_error_set(&err, SPINE_EPARSE, "%s:%d: bad field %s",
                             "file.xml", 12, "Focus");
    ck_assert_int_eq(rc, SPINE_EPARSE);
    ck_assert_int_eq(err.code, SPINE_EPARSE);
    ck_assert_str_eq(err.msg, "file.xml:12: bad field Focus");
    spine_error_clear(&err);
    ck_assert_int_eq(err.code, SPINE_OK);
    ck_assert_str_eq(err.msg, "");
}
END_TEST

START_TEST(test_error_set_null)
{
    ck_assert_int_eq(spine_error_set(NULL, SPINE_EIO, "x %d", 1), SPINE_EIO);
    ck_assert_int_eq(spine_error_set(NULL, SPINE_ECORRUPT, "y"),
                     SPINE_ECORRUPT);
    spine_error_clear(NULL);
}
END_TEST

START_TEST(test_error_truncates)
{
    spine_error err;
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    ck_assert_int_eq(spine_error_set(&err, SPINE_EINVAL, "%s", longmsg),
                     SPINE_EINVAL);
    ck_assert_uint_eq(strlen(err.msg), sizeof err.msg - 1);
    ck_assert_int_eq(err.msg[0], 'm');
}
END_TEST

START_TEST(test_strerror)
{
    ck_assert_str_eq(spine_strerror(SPINE_OK), "OK");
    ck_assert_str_eq(spine_strerror(SPINE_ENOTFOUND), "ENOTFOUND");
    ck_assert_str_eq(spine_strerror(SPINE_ECORRUPT), "ECORRUPT");
    ck_assert_str_eq(spine_strerror(SPINE_EQUERY), "EQUERY");
    ck_assert_str_eq(spine_strerror(-999), "ERROR");
}
END_TEST

START_TEST(test_trim)
{
    size_t len = 9;
    const char *s = spine_trim(" \t ab c\r\n", &len);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(strncmp(s, "ab c", 4), 0);
    len = 4;
    spine_trim(" \n\v\f", &len);
    ck_assert_uint_eq(len, 0);
    len = 3;
    s = spine_trim("abc", &len);
    ck_assert_uint_eq(len, 3);
    ck_assert(spine_is_space(' ') && spine_is_space('\f'));
    ck_assert(!spine_is_space('a') && !spine_is_space(0xA0));
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_trim);
    tcase_add_test(core, test_buf_append_and_nul);
    tcase_add_test(core, test_buf_embedded_nul);
    tcase_add_test(core, test_buf_growth);
    tcase_add_test(core, test_buf_printf);
    tcase_add_test(core, test_buf_reset);
    tcase_add_test(core, test_buf_detach);
    tcase_add_test(core, test_buf_reserve);
    tcase_add_test(core, test_strndup);
    tcase_add_test(core, test_utf8_valid);
    tcase_add_test(core, test_control_len);
    tcase_add_test(core, test_error_set);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_utf8_lone_continuation);
    tcase_add_test(errors, test_utf8_truncated);
    tcase_add_test(errors, test_utf8_overlong);
    tcase_add_test(errors, test_utf8_surrogate);
    tcase_add_test(errors, test_utf8_too_big);
    tcase_add_test(errors, test_utf8_nul);
    tcase_add_test(errors, test_utf8_first_bad_reported);
    tcase_add_test(errors, test_error_set_null);
    tcase_add_test(errors, test_error_truncates);
    tcase_add_test(errors, test_strerror);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(util_suite());
}
