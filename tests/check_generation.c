/*
 * check_generation.c -- unit tests of searchers and generations: a searcher
 * that opens while a build swaps in a new generation gets a whole one, and
 * a searcher that stays open moves to the new generation at its next
 * query (libspine/searcher.c, generation.c).
 *
 * The races are lost on purpose, not by luck: spine_searcher_open_hook
 * rebuilds the index at the worst moments of an open.
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "search_int.h"
#include "spine/index.h"
#include "spine/search.h"
#include "testutil.h"

/* Four articles; a build indexes the first n of them, so that the number
 * of articles tells which build a searcher sees. */
static const spine_section sec[] = {
    { "1", "What are kidney stones?",
      "Hard deposits of minerals that form inside the kidneys." },
    { "2", "What is a heart attack?",
      "Damage to the heart muscle when its blood supply is cut off." },
    { "3", "What helps back pain?",
      "Gentle exercise and good posture help most back pain." },
    { "4", "What is asthma?",
      "A long-term disease of the airways that makes breathing hard." },
};

static const spine_article corpus[] = {
    { "a1", "Kidney stones", "https://example.org/a1", "TEST", &sec[0], 1 },
    { "a2", "Heart attack", "https://example.org/a2", "TEST", &sec[1], 1 },
    { "a3", "Back pain", "https://example.org/a3", "TEST", &sec[2], 1 },
    { "a4", "Asthma", "https://example.org/a4", "TEST", &sec[3], 1 },
};

static char *tmp;
static char *ixdir;

/* Builds (or rebuilds) the index at dir from the first n articles (a
 * rebuild from fewer is meant: allowed to shrink). */
static void build(const char *dir, size_t n)
{
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = NULL;
    spine_error err;
    spine_error_clear(&err);
    o.allow_shrink = 1;
    ck_assert_msg(spine_index_begin(&ix, dir, &o, &err) == SPINE_OK,
                  "begin: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(spine_index_add(ix, &corpus[i], &err) == SPINE_OK,
                      "add: %s", err.msg);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == SPINE_OK,
                  "commit: %s", err.msg);
    spine_index_free(ix);
}

static void setup(void)
{
    tmp = tu_mkdtemp();
    ixdir = tu_path(tmp, "idx");
    build(ixdir, 4);
}

static void teardown(void)
{
    spine_searcher_open_hook = NULL;
    tu_rmtree(tmp);
    free(ixdir);
    free(tmp);
}

/* Number of hits of query q on s (which must answer). */
static size_t hits(spine_searcher *s, const char *q)
{
    spine_results *r = NULL;
    spine_error err;
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    o.spelling = 0;
    spine_error_clear(&err);
    ck_assert_msg(spine_search(&r, s, q, &o, &err) == SPINE_OK,
                  "search '%s': %s", q, err.msg);
    size_t n = r->nhits;
    spine_results_free(r);
    return n;
}

/* ---- an open that loses the race --------------------------------------- */

static int hook_step;           /* the step at which to rebuild */
static int hook_fired;          /* rebuilds done by the hook so far */
static size_t hook_articles;    /* articles of the hook's rebuild */
static char *hook_gen;          /* the generation the open had read */

/* Rebuilds the index once, at step hook_step of an open (see
 * spine_searcher_open_hook): at step 0 the generation the open read from
 * the stub is swept before the open can hold it; at steps 1 and 2 the
 * open holds it, and the rebuild must leave it be. */
static void rebuild_hook(int step, const char *path)
{
    if (step != hook_step || hook_fired)
        return;
    hook_fired = 1;
    free(hook_gen);
    hook_gen = path ? strdup(path) : NULL;
    build(ixdir, hook_articles);
}

START_TEST(test_open_during_swap)
{
    /* SPINE_RACE_ROUNDS raises the number of rounds (the closing note's
     * 1,000); the suite runs a few of each kind. */
    const char *env = getenv("SPINE_RACE_ROUNDS");
    int rounds = env ? atoi(env) : 12;
    size_t live = 4;                    /* articles of the live build */
    spine_searcher_open_hook = rebuild_hook;
    for (int i = 0; i < rounds; i++) {
        spine_searcher *s = NULL;
        spine_error err;
        struct stat st;
        hook_step = i % 3;
        hook_fired = 0;
        hook_articles = 1 + (size_t)i % 4;
        spine_error_clear(&err);
        ck_assert_msg(spine_searcher_open(&s, ixdir, &err) == SPINE_OK,
                      "round %d (step %d): %s", i, hook_step, err.msg);
        ck_assert_int_eq(hook_fired, 1);
        /* A whole generation: the new one when the old was swept before
         * the hold, else the old one, held and left on disk for the next
         * build to sweep.  Its count, its heads, its answers. */
        size_t want = hook_step == 0 ? hook_articles : live;
        ck_assert_msg(spine_searcher_doccount(s) == want, "round %d (step "
                      "%d): %u articles, want %zu", i, hook_step,
                      spine_searcher_doccount(s), want);
        ck_assert_ptr_nonnull(s->heads);
        ck_assert_uint_eq(hits(s, "kidney"), 1);
        ck_assert_int_eq(stat(hook_gen, &st) == 0, hook_step != 0);
        spine_searcher_free(s);
        live = hook_articles;
    }
    /* A build with no reader about sweeps what was held. */
    build(ixdir, 2);
    ck_assert_int_ne(access(hook_gen, F_OK), 0);
    free(hook_gen);
    hook_gen = NULL;
}
END_TEST

/* Rebuilds the index at every attempt of an open, before it can hold the
 * generation it read. */
static void always_hook(int step, const char *path)
{
    (void)path;
    if (step == 0) {
        hook_fired++;
        build(ixdir, 1 + (size_t)hook_fired % 4);
    }
}

START_TEST(test_open_gives_up)
{
    /* An index swapped at every attempt: the open gives up with an error
     * that says so, after a bounded number of attempts. */
    spine_searcher *s = (spine_searcher *)&s;
    spine_error err;
    hook_fired = 0;
    spine_searcher_open_hook = always_hook;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_searcher_open(&s, ixdir, &err), SPINE_EIO);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "while being opened"));
    ck_assert_int_gt(hook_fired, 1);
    ck_assert_int_lt(hook_fired, 20);
}
END_TEST

/* ---- a searcher that stays open ----------------------------------------- */

START_TEST(test_follows_rebuild)
{
    spine_searcher *s = NULL;
    ck_assert_int_eq(spine_searcher_open(&s, ixdir, NULL), SPINE_OK);
    ck_assert_int_eq(spine_searcher_set_threads(s, 2, 1, NULL), SPINE_OK);
    ck_assert_uint_eq(hits(s, "asthma"), 1);

    build(ixdir, 2);                /* asthma is gone */
    ck_assert_uint_eq(spine_searcher_doccount(s), 4);  /* until a query */
    ck_assert_uint_eq(hits(s, "asthma"), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 2);
    ck_assert_uint_eq(hits(s, "heart"), 1);
    /* The thread settings came along. */
    ck_assert_int_eq(s->threads_set, 1);
    ck_assert_uint_eq(s->threads, 2);

    build(ixdir, 4);
    ck_assert_uint_eq(hits(s, "asthma"), 1);
    spine_results *r = NULL;
    ck_assert_int_eq(spine_related(&r, s, "a4", NULL, NULL), SPINE_OK);
    spine_results_free(r);
    spine_searcher_free(s);
}
END_TEST

START_TEST(test_keeps_old_when_new_fails)
{
    spine_searcher *s = NULL;
    ck_assert_int_eq(spine_searcher_open(&s, ixdir, NULL), SPINE_OK);
    /* A stub naming a generation that is not there: s goes on answering
     * from the one it has. */
    char *stub = tu_path(ixdir, "XAPIANDB");
    static const char bad[] = "auto gen-999999\n";
    ck_assert_int_eq(tu_write_file(stub, bad, sizeof bad - 1), 0);
    ck_assert_uint_eq(hits(s, "asthma"), 1);
    ck_assert_uint_eq(hits(s, "asthma"), 1);
    ck_assert_uint_eq(spine_searcher_doccount(s), 4);
    /* The next good build is picked up. */
    build(ixdir, 1);
    ck_assert_uint_eq(hits(s, "asthma"), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 1);
    free(stub);
    spine_searcher_free(s);
}
END_TEST

/* ---- damage under an open searcher -------------------------------------- */

START_TEST(test_spelling_table_cut)
{
    /* A spelling table cut short: the suggestion fails as damage to the
     * index, not as a bad query (as it used to). */
    spine_searcher *s = NULL;
    spine_results *r = NULL;
    spine_error err;
    char *gen = spine_generation_live_dir(ixdir);
    char *path = tu_path(gen, "spelling.glass");
    ck_assert_int_eq(truncate(path, 100), 0);
    spine_error_clear(&err);
    int rc = spine_searcher_open(&s, ixdir, &err);
    if (rc == SPINE_OK)
        rc = spine_search(&r, s, "kidnye", NULL, &err);
    ck_assert_msg(rc == SPINE_ECORRUPT || rc == SPINE_EIO, "rc %d", rc);
    ck_assert_msg(!strstr(err.msg, "bad query") && strstr(err.msg, ixdir),
                  "%s", err.msg);
    free(path);
    free(gen);
    spine_searcher_free(s);
}
END_TEST

START_TEST(test_spelling_table_removed)
{
    /* Xapian takes a missing spelling table for an empty dictionary; the
     * index's metadata says there was one, so the open fails, named. */
    spine_searcher *s = (spine_searcher *)&s;
    spine_error err;
    char *gen = spine_generation_live_dir(ixdir);
    char *path = tu_path(gen, "spelling.glass");
    ck_assert_int_eq(unlink(path), 0);
    spine_error_clear(&err);
    ck_assert_int_eq(spine_searcher_open(&s, ixdir, &err), SPINE_ECORRUPT);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, "spelling dictionary is missing"), "%s",
                  err.msg);

    /* An index built without spelling data opens. */
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = NULL;
    o.spelling = 0;
    o.allow_shrink = 1;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, &o, NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_add(ix, &corpus[0], NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_OK);
    spine_index_free(ix);
    ck_assert_int_eq(spine_searcher_open(&s, ixdir, &err), SPINE_OK);
    ck_assert_uint_eq(hits(s, "kidney"), 1);
    spine_searcher_free(s);
    free(path);
    free(gen);
}
END_TEST

static Suite *generation_suite(void)
{
    Suite *s = suite_create("generation");
    TCase *tc = tcase_create("generation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_open_during_swap);
    tcase_add_test(tc, test_open_gives_up);
    tcase_add_test(tc, test_follows_rebuild);
    tcase_add_test(tc, test_keeps_old_when_new_fails);
    tcase_add_test(tc, test_spelling_table_cut);
    tcase_add_test(tc, test_spelling_table_removed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(generation_suite());
}
