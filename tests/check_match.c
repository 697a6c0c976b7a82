/*
 * check_match.c -- Check suite for the matcher (libspine/match.h): split
 * matches on threads, lazy matches, impact tiers (tiers.h), and the
 * weighting scheme they rest on (spine_ext.h's prenormalised IneB2).
 *
 * Every plan must give the page one Xapian match of the whole query gives:
 * each test compares a matcher with a plan against a plain matcher (no
 * split, lazy or tiers: one Xapian match), page by page, hit by hit.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "match.h"
#include "spine_ext.h"
#include "testutil.h"
#include "tiers.h"
#include "xapian_c.h"
#include "xapian_testutil.h"

/* A fresh temporary directory per test (each test runs in its own fork). */
static char *tmp;

static void setup(void)
{
    tmp = tu_mkdtemp();
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
    tmp = NULL;
}

/* A matcher on db weighing by scheme with params[0..n). */
static spine_matcher *matcher(xapian_database *db, const char *scheme,
                              const double *params, size_t n)
{
    xapian_error err;
    spine_matcher *m;
    OK(spine_matcher_new(&m, db, scheme, params, n, &err));
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Runs m for the page (first, max), asserting success. */
static spine_match run(spine_matcher *m, unsigned first, unsigned max)
{
    xapian_error err;
    spine_match r;
    OK(spine_matcher_run(&r, m, first, max, 0, &err));
    ck_assert_ptr_nonnull(r.mset);
    return r;
}

/* Lets m split over nhelpers fresh handles on path (the matcher takes
 * them over). */
static void split_over(spine_matcher *m, const char *path, size_t nhelpers,
                       double min_postings)
{
    xapian_error err;
    xapian_database *h[4];
    ck_assert_uint_le(nhelpers, 4);
    for (size_t i = 0; i < nhelpers; i++)
        h[i] = open_db(path);
    OK(spine_matcher_set_split(m, h, nhelpers, min_postings, &err));
}

/* ------------------------------------------------------------------------
 * split
 */

/* A database of n documents for split matches: "a" in every one (wdf from
 * 1 to 7), "b" in every third, "c" in every seventh, "rare" in two;
 * value slot 0 holds the docid modulo 4, for collapsing. */
static xapian_database *build_split_db(const char *path, unsigned n)
{
    xapian_error err;
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    for (unsigned i = 1; i <= n; i++) {
        xapian_document *doc;
        char v[2] = { (char)('0' + i % 4), 0 };
        OK(xapian_document_new(&doc, &err));
        OK(xapian_document_add_term(doc, S("a"), 1 + i * 5 % 7, &err));
        if (i % 3 == 0)
            OK(xapian_document_add_term(doc, S("b"), 1 + i % 5, &err));
        if (i % 7 == 0)
            OK(xapian_document_add_term(doc, S("c"), 2, &err));
        if (i == 40 || i == n - 3)
            OK(xapian_document_add_term(doc, S("rare"), 1, &err));
        OK(xapian_document_add_value(doc, 0, S(v), &err));
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    return open_db(path);
}

/* Sets t[0..4) to term queries for build_split_db()'s "a", "b", "c" and
 * "rare"; free each with xapian_query_free(). */
static void split_db_terms(xapian_query *t[4])
{
    static const char *const terms[] = { "a", "b", "c", "rare" };
    xapian_error err;
    for (size_t i = 0; i < 4; i++)
        OK(xapian_query_new_term(&t[i], S(terms[i]), &err));
}

/* Asserts that split's page (first, max) is the same as whole's (one
 * Xapian match): parts as given, the same docids in the same order, the
 * same weights; counts within their bounds, and exact where the unsplit
 * ones are. */
static void assert_split_page(spine_matcher *whole, spine_matcher *split,
                              unsigned first, unsigned max, unsigned parts)
{
    xapian_error err;
    spine_match ra = run(whole, first, max), rb = run(split, first, max);
    const xapian_mset *a = ra.mset, *b = rb.mset;
    ck_assert_uint_eq(ra.parts, 1);
    ck_assert_uint_eq(rb.parts, parts);
    ck_assert_uint_eq(xapian_mset_size(b), xapian_mset_size(a));
    for (unsigned i = 0; i < xapian_mset_size(a); i++) {
        double wa, wb;
        ck_assert_uint_eq(hit(b, i), hit(a, i));
        OK(xapian_mset_weight(&wa, a, i, &err));
        OK(xapian_mset_weight(&wb, b, i, &err));
        ck_assert_msg(fabs(wa - wb) <= 1e-12 * wa, "hit %u weighs %.17g, "
                      "want %.17g", i, wb, wa);
    }
    unsigned lo = rb.lower, est = rb.estimated, up = rb.upper;
    ck_assert_uint_le(lo, est);
    ck_assert_uint_le(est, up);
    ck_assert_uint_le(lo, ra.upper);
    ck_assert_uint_ge(up, ra.lower);
    if (ra.lower == ra.upper && lo == up)
        ck_assert_uint_eq(est, ra.estimated);
    /* One match: the counts are Xapian's own. */
    ck_assert_uint_eq(ra.lower, xapian_mset_matches_lower_bound(a));
    ck_assert_uint_eq(ra.estimated, xapian_mset_matches_estimated(a));
    ck_assert_uint_eq(ra.upper, xapian_mset_matches_upper_bound(a));
    spine_match_free(&ra);
    spine_match_free(&rb);
    ck_assert_ptr_null(ra.mset);
}

/* A match split over three threads (spine_matcher_set_split) gives the
 * pages an unsplit match gives, for OR, AND and filtered queries; a query
 * below the postings threshold, or with a collapse key set, is not split;
 * a helper on another database is refused, and the matcher stays as it
 * was. */
START_TEST(test_split)
{
    xapian_error err;
    char *path = tu_path(tmp, "split"), *other = tu_path(tmp, "other");
    xapian_database *db = build_split_db(path, 300);
    spine_matcher *whole = matcher(db, "ineb2", NULL, 0),
                  *split = matcher(db, "ineb2", NULL, 0);
    split_over(split, path, 2, 1);      /* the matcher owns the handles */

    xapian_query *t[4], *q[4];
    split_db_terms(t);
    OK(xapian_query_combine(&q[0], XAPIAN_QUERY_OP_OR, t, 4, &err));
    OK(xapian_query_combine(&q[1], XAPIAN_QUERY_OP_AND, t, 2, &err));
    OK(xapian_query_combine(&q[2], XAPIAN_QUERY_OP_OR, t + 1, 3, &err));
    /* A docid filter: copied to each thread through serialise(). */
    static const xapian_docid ids[] = { 3, 7, 21, 40, 150, 297 };
    xapian_query *f;
    OK(spine_ext_query_docids(&f, ids, 6, &err));
    xapian_query *pair[2] = { q[0], f };
    OK(xapian_query_combine(&q[3], XAPIAN_QUERY_OP_FILTER, pair, 2, &err));
    static const unsigned pages[][2] = { { 0, 10 }, { 0, 1 }, { 5, 10 },
                                         { 95, 10 }, { 0, 400 } };
    for (size_t i = 0; i < 4; i++) {
        OK(spine_matcher_set_query(whole, q[i], &err));
        OK(spine_matcher_set_query(split, q[i], &err));
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++)
            assert_split_page(whole, split, pages[p][0], pages[p][1], 3);
    }

    /* Postings below the threshold, or a collapse key: not split. */
    split_over(split, path, 1, 1e9);
    assert_split_page(whole, split, 0, 10, 1);
    split_over(split, path, 1, 1);
    assert_split_page(whole, split, 0, 10, 2);
    OK(spine_matcher_set_collapse_key(whole, 0, 1, &err));
    OK(spine_matcher_set_collapse_key(split, 0, 1, &err));
    assert_split_page(whole, split, 0, 10, 1);

    /* A handle on another database (or revision) is refused, and freed
     * by the matcher; the matcher splits as before. */
    xapian_database *odb = build_split_db(other, 30);
    ck_assert_int_eq(spine_matcher_set_split(split, &odb, 1, 1, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "helper 0"));
    OK(spine_matcher_set_collapse_key(whole, 0, 0, &err));
    OK(spine_matcher_set_collapse_key(split, 0, 0, &err));
    assert_split_page(whole, split, 0, 10, 2);

    spine_matcher_free(whole);
    spine_matcher_free(split);
    for (size_t i = 0; i < 4; i++) {
        xapian_query_free(t[i]);
        xapian_query_free(q[i]);
    }
    xapian_query_free(f);
    xapian_database_free(db);
    free(path);
    free(other);
}
END_TEST

/* The number of threads of this process (Linux: /proc/self/task). */
static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Whether m's best ten for its query are those of whole, as docids, found
 * in parts parts. */
static int same_page(spine_matcher *whole, spine_matcher *m, unsigned parts)
{
    xapian_error err;
    spine_match a, b;
    if (spine_matcher_run(&a, whole, 0, 10, 0, &err) != XAPIAN_OK)
        return 0;
    if (spine_matcher_run(&b, m, 0, 10, 0, &err) != XAPIAN_OK) {
        spine_match_free(&a);
        return 0;
    }
    int same = b.parts == parts && xapian_mset_size(a.mset) == 10
               && xapian_mset_size(b.mset) == 10;
    for (unsigned i = 0; same && i < 10; i++)
        same = hit(a.mset, i) == hit(b.mset, i);
    spine_match_free(&a);
    spine_match_free(&b);
    return same;
}

/* A split match runs its parts on threads that the matcher keeps from
 * one match to the next, and joins when it is freed or given other
 * helpers; in the child of a fork(), which has none of them, it still
 * matches (on threads of its own) and can be freed. */
START_TEST(test_split_threads)
{
    xapian_error err;
    char *path = tu_path(tmp, "threads");
    xapian_database *db = build_split_db(path, 300);
    spine_matcher *whole = matcher(db, NULL, NULL, 0),
                  *split = matcher(db, NULL, NULL, 0);
    xapian_query *t[4], *q;
    split_db_terms(t);
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, t, 4, &err));
    OK(spine_matcher_set_query(whole, q, &err));
    OK(spine_matcher_set_query(split, q, &err));

    const int base = count_threads();
    split_over(split, path, 2, 1);
    ck_assert_int_eq(count_threads(), base);    /* none before a match */
    for (int i = 0; i < 20; i++) {
        ck_assert(same_page(whole, split, 3));
        ck_assert_int_eq(count_threads(), base + 2);
    }

    /* Fewer helpers: the old threads are joined, one started. */
    split_over(split, path, 1, 1);
    ck_assert_int_eq(count_threads(), base);
    ck_assert(same_page(whole, split, 2));
    ck_assert_int_eq(count_threads(), base + 1);

    /* A child process: the parent's thread is not there. */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        alarm(20);                      /* should it hang, it dies */
        int ok = same_page(whole, split, 2) && count_threads() == 2
                 && same_page(whole, split, 2);
        spine_matcher_free(split);
        _exit(ok ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert(same_page(whole, split, 2));      /* the parent's still run */

    spine_matcher_free(split);
    ck_assert_int_eq(count_threads(), base);
    spine_matcher_free(whole);
    for (size_t i = 0; i < 4; i++)
        xapian_query_free(t[i]);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* ------------------------------------------------------------------------
 * tiers
 */

/* A database of n documents for tiered matches: "a" in every third (and
 * every fifth), "b" in every fifth and every third but one, "c" in every
 * other, "rare" in three, at wdfs spread from 1 to a few hundred, as
 * normalised wdfs are.  The documents with both "a" and "b" have both at
 * high wdfs, yet short of the 16 highest of either (test_tiers): the
 * best for "a OR b", outside tiers that small. */
static xapian_database *build_tier_db(const char *path, unsigned n)
{
    xapian_error err;
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    for (unsigned i = 1; i <= n; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        int both = i % 15 == 0;
        if (i % 3 == 0 || i % 5 == 0)
            OK(xapian_document_add_term(doc, S("a"),
                                        both ? 250 : 1 + i * 37 % 97 * 3,
                                        &err));
        if (i % 3 == 1 || i % 5 == 0)
            OK(xapian_document_add_term(doc, S("b"),
                                        both ? 300 : 1 + i * 53 % 89 * 4,
                                        &err));
        if (i % 2 == 0)
            OK(xapian_document_add_term(doc, S("c"), 1 + i * 29 % 61 * 5,
                                        &err));
        if (i % 150 == 7)
            OK(xapian_document_add_term(doc, S("rare"), 9, &err));
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    return open_db(path);
}

/* Asserts that tiered gives each page of pages[0..n) that whole gives
 * (whole's database may lack tiers), hits and weights, with counts in
 * bounds; returns how many of them came from the tiers. */
static unsigned assert_tier_pages(spine_matcher *whole, spine_matcher *tiered,
                                  const unsigned (*pages)[2], size_t n)
{
    xapian_error err;
    unsigned from_tiers = 0;
    for (size_t p = 0; p < n; p++) {
        spine_match ra = run(whole, pages[p][0], pages[p][1]),
                    rb = run(tiered, pages[p][0], pages[p][1]);
        const xapian_mset *a = ra.mset, *b = rb.mset;
        ck_assert_uint_eq(xapian_mset_size(b), xapian_mset_size(a));
        for (unsigned k = 0; k < xapian_mset_size(a); k++) {
            double wa, wb;
            ck_assert_uint_eq(hit(b, k), hit(a, k));
            OK(xapian_mset_weight(&wa, a, k, &err));
            OK(xapian_mset_weight(&wb, b, k, &err));
            ck_assert_msg(fabs(wa - wb) <= 1e-12 * wa, "page %zu hit %u "
                          "weighs %.17g, want %.17g", p, k, wb, wa);
        }
        ck_assert_uint_le(rb.lower, rb.estimated);
        ck_assert_uint_le(rb.estimated, rb.upper);
        ck_assert_uint_ge(rb.upper, ra.lower);
        ck_assert(!ra.tiered);
        ck_assert_uint_eq(ra.parts, 1);
        ck_assert_uint_eq(rb.parts, 1);
        from_tiers += rb.tiered;
        spine_match_free(&ra);
        spine_match_free(&rb);
    }
    return from_tiers;
}

/* Writes tiers (min_tf 100, size, share) under "T:" into the database at
 * path and opens it; *nterms is the number of terms tiered. */
static xapian_database *tier_db(const char *path, unsigned size,
                                unsigned share, unsigned *nterms)
{
    xapian_error err;
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(spine_tiers_write(wdb, "T:", 100, size, share, nterms, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    return open_db(path);
}

/* A matcher on db weighing by "ineb2-prenorm", with tiers ("T:", two
 * terms at most) when tiers is set. */
static spine_matcher *tier_matcher(xapian_database *db, int tiers)
{
    static const double scale[] = { 32 };
    xapian_error err;
    spine_matcher *m = matcher(db, "ineb2-prenorm", scale, 1);
    if (tiers)
        OK(spine_matcher_set_tiers(m, "T:", 2, 1000, &err));
    return m;
}

/* Tiered matches (spine_matcher_set_tiers) give the pages an ordinary
 * match gives, with the same weights; they answer one- and two-term ORs
 * (a repeated term too) from the tiers when the tiers hold the page, and
 * leave other queries, pages the tiers cannot settle, and databases
 * without tiers, to the ordinary match; bad tier settings are refused. */
START_TEST(test_tiers)
{
    xapian_error err;
    char *path = tu_path(tmp, "tiers"), *small = tu_path(tmp, "small"),
         *bare = tu_path(tmp, "bare");
    xapian_database_free(build_tier_db(path, 400));
    xapian_database_free(build_tier_db(small, 400));
    xapian_database *bdb = build_tier_db(bare, 400);
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, bare, XAPIAN_DB_OPEN, &err));
    ck_assert_int_eq(spine_tiers_write(wdb, "T:", 100, 100, 4, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(spine_tiers_write(wdb, "T:", 100, 10, 1, NULL, &err),
                     XAPIAN_EINVAL);
    xapian_writable_database_free(wdb);
    unsigned nterms = 0;
    xapian_database *db = tier_db(path, 50, 4, &nterms);
    ck_assert_uint_eq(nterms, 3);               /* a, b and c */
    /* Tiers of 16: the best of "a OR b" lie outside them. */
    xapian_database *sdb = tier_db(small, 16, 100, &nterms);

    spine_matcher *whole = tier_matcher(db, 0),
                  *tiered = tier_matcher(db, 1),
                  *untiered = tier_matcher(bdb, 1),
                  *stiered = tier_matcher(sdb, 1);
    xapian_query *t[4], *q[6];
    static const char *const names[] = { "a", "b", "c", "rare" };
    for (size_t i = 0; i < 4; i++)
        OK(xapian_query_new_term(&t[i], S(names[i]), &err));
    q[0] = t[0];                                /* one term */
    q[1] = t[1];
    OK(xapian_query_combine(&q[2], XAPIAN_QUERY_OP_OR, t, 2, &err));
    xapian_query *bc[3] = { t[1], t[2], t[2] };   /* "c" twice */
    OK(xapian_query_combine(&q[3], XAPIAN_QUERY_OP_OR, bc, 3, &err));
    OK(xapian_query_combine(&q[4], XAPIAN_QUERY_OP_OR, t, 3, &err));
    xapian_query *ar[2] = { t[0], t[3] };       /* "rare" has no tier */
    OK(xapian_query_combine(&q[5], XAPIAN_QUERY_OP_OR, ar, 2, &err));
    static const unsigned pages[][2] = { { 0, 10 }, { 0, 1 }, { 3, 5 },
                                         { 0, 12 } };
    static const unsigned short_pages[][2] = { { 0, 1 }, { 1, 1 },
                                               { 0, 2 } };
    unsigned from_tiers[6], from_small = 0;
    for (size_t i = 0; i < 6; i++) {
        OK(spine_matcher_set_query(whole, q[i], &err));
        OK(spine_matcher_set_query(tiered, q[i], &err));
        OK(spine_matcher_set_query(untiered, q[i], &err));
        OK(spine_matcher_set_query(stiered, q[i], &err));
        from_tiers[i] = assert_tier_pages(whole, tiered, pages, 4);
        ck_assert_uint_eq(assert_tier_pages(whole, untiered, pages, 4), 0);
        from_small += assert_tier_pages(whole, stiered, short_pages, 3);
    }
    /* One and two terms, each with a tier, are answered from the tiers;
     * three terms, or a term without one, never. */
    ck_assert_uint_gt(from_tiers[0] + from_tiers[1], 0);
    ck_assert_uint_gt(from_tiers[2] + from_tiers[3], 0);
    ck_assert_uint_eq(from_tiers[4], 0);
    ck_assert_uint_eq(from_tiers[5], 0);
    ck_assert_uint_gt(from_small, 0);

    spine_matcher_free(whole);
    spine_matcher_free(tiered);
    spine_matcher_free(untiered);
    spine_matcher_free(stiered);
    for (size_t i = 2; i < 6; i++)
        xapian_query_free(q[i]);
    for (size_t i = 0; i < 4; i++)
        xapian_query_free(t[i]);
    xapian_database_free(db);
    xapian_database_free(sdb);
    xapian_database_free(bdb);
    free(path);
    free(small);
    free(bare);
}
END_TEST

/* A tiered match that cannot prove its page does not answer from the
 * tiers: here the best document for "a OR b" has both terms at a wdf
 * below every tier posting, and so outweighs every document of a tier. */
START_TEST(test_tiers_bound)
{
    xapian_error err;
    char *path = tu_path(tmp, "bound");
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    for (unsigned i = 0; i < 50; i++) {         /* bounded */
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        if (i < 8)                              /* "a"'s tier */
            OK(xapian_document_add_term(doc, S("a"), 100 - i, &err));
        else if (i < 16)                        /* "b"'s tier */
            OK(xapian_document_add_term(doc, S("b"), 100 - i + 8, &err));
        else if (i < 21) {                      /* the best: 16; fillers */
            OK(xapian_document_add_term(doc, S("a"), i == 16 ? 50 : 1,
                                        &err));
            OK(xapian_document_add_term(doc, S("b"), i == 16 ? 50 : 1,
                                        &err));
        } else {
            OK(xapian_document_add_term(doc, S("c"), 1, &err));
        }
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(spine_tiers_write(wdb, "T:", 10, 8, 100, NULL, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    xapian_database *db = open_db(path);
    spine_matcher *whole = tier_matcher(db, 0), *tiered = tier_matcher(db, 1);
    xapian_query *t[2], *q;
    OK(xapian_query_new_term(&t[0], S("a"), &err));
    OK(xapian_query_new_term(&t[1], S("b"), &err));
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, t, 2, &err));
    OK(spine_matcher_set_query(whole, q, &err));
    OK(spine_matcher_set_query(tiered, q, &err));
    static const unsigned page[][2] = { { 0, 1 } };
    ck_assert_uint_eq(assert_tier_pages(whole, tiered, page, 1), 0);
    spine_match r = run(tiered, 0, 1);
    ck_assert_uint_eq(hit(r.mset, 0), 17);      /* docid of i == 16 */
    spine_match_free(&r);
    /* "a" alone: its tier holds the page. */
    OK(spine_matcher_set_query(whole, t[0], &err));
    OK(spine_matcher_set_query(tiered, t[0], &err));
    ck_assert_uint_eq(assert_tier_pages(whole, tiered, page, 1), 1);

    spine_matcher_free(whole);
    spine_matcher_free(tiered);
    xapian_query_free(t[0]);
    xapian_query_free(t[1]);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* ------------------------------------------------------------------------
 * lazy
 */

/* Lazy matches (spine_matcher_set_lazy) give the pages an ordinary match
 * gives, whether the first pass settles the page, a second pass does, or
 * the whole query runs (a page deeper than the rare terms reach), alone
 * or split over threads, under a filter and a NOT, and under an
 * AND_MAYBE that only reorders (a title lift), whose right side holds a
 * common term or a rare one, over the whole query or per word; bad
 * settings are refused. */
START_TEST(test_lazy)
{
    xapian_error err;
    char *path = tu_path(tmp, "lazy");
    xapian_database *db = build_split_db(path, 600);
    static const double scale[] = { 32 };
    spine_matcher *whole = matcher(db, "ineb2-prenorm", scale, 1),
                  *lazy = matcher(db, "ineb2-prenorm", scale, 1),
                  *both = matcher(db, "ineb2-prenorm", scale, 1);
    /* "a" (every document) and "b" (a third) are common at 0.3. */
    OK(spine_matcher_set_lazy(lazy, 0.3, 0, &err));
    OK(spine_matcher_set_lazy(both, 0.3, 0, &err));
    split_over(both, path, 1, 1);

    xapian_query *t[4], *q[8], *f, *not_c, *lift, *scaled[2], *per[3];
    split_db_terms(t);
    OK(xapian_query_combine(&q[0], XAPIAN_QUERY_OP_OR, t, 4, &err));
    OK(xapian_query_combine(&q[1], XAPIAN_QUERY_OP_OR, t, 3, &err));
    xapian_query *ar[2] = { t[0], t[3] };
    OK(xapian_query_combine(&q[2], XAPIAN_QUERY_OP_OR, ar, 2, &err));
    static const xapian_docid ids[] = { 7, 14, 21, 40, 150, 297, 300, 597 };
    OK(spine_ext_query_docids(&f, ids, 8, &err));
    xapian_query *pair[2] = { q[0], f };
    OK(xapian_query_combine(&q[3], XAPIAN_QUERY_OP_FILTER, pair, 2, &err));
    not_c = t[2];
    xapian_query *pair2[2] = { q[1], not_c };
    OK(xapian_query_combine(&q[4], XAPIAN_QUERY_OP_AND_NOT, pair2, 2, &err));
    /* A lift that only reorders (AND_MAYBE, as the searcher's title
     * field): of a common term and another, and of the rarest alone. */
    xapian_query *ac[2] = { t[0], t[2] };
    OK(xapian_query_combine(&lift, XAPIAN_QUERY_OP_OR, ac, 2, &err));
    OK(xapian_query_scale(&scaled[0], lift, 0.7, &err));
    OK(xapian_query_scale(&scaled[1], t[3], 3.0, &err));
    xapian_query *pair3[2] = { q[0], scaled[0] };
    OK(xapian_query_combine(&q[5], XAPIAN_QUERY_OP_AND_MAYBE, pair3, 2, &err));
    xapian_query *pair4[2] = { q[3], scaled[1] };
    OK(xapian_query_combine(&q[6], XAPIAN_QUERY_OP_AND_MAYBE, pair4, 2, &err));
    /* A lift per word (spine_query_lift_field()): the common words' lifts
     * stay in the first pass on their own. */
    xapian_query *am0[2] = { t[0], scaled[1] }, *am1[2] = { t[1], scaled[0] };
    OK(xapian_query_combine(&per[0], XAPIAN_QUERY_OP_AND_MAYBE, am0, 2, &err));
    OK(xapian_query_combine(&per[1], XAPIAN_QUERY_OP_AND_MAYBE, am1, 2, &err));
    OK(xapian_query_copy(&per[2], t[2], &err));
    OK(xapian_query_combine(&q[7], XAPIAN_QUERY_OP_OR, per, 3, &err));
    static const unsigned pages[][2] = { { 0, 10 }, { 0, 1 }, { 5, 10 },
                                         { 0, 100 }, { 295, 10 },
                                         { 0, 700 } };
    for (size_t i = 0; i < 8; i++) {
        OK(spine_matcher_set_query(whole, q[i], &err));
        OK(spine_matcher_set_query(lazy, q[i], &err));
        OK(spine_matcher_set_query(both, q[i], &err));
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
            assert_split_page(whole, lazy, pages[p][0], pages[p][1], 1);
            spine_match r = run(both, pages[p][0], pages[p][1]);
            unsigned parts = r.parts;
            spine_match_free(&r);
            assert_split_page(whole, both, pages[p][0], pages[p][1], parts);
        }
    }
    ck_assert_int_eq(spine_matcher_set_lazy(lazy, 1.5, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(spine_matcher_set_lazy(lazy, 0.5, -1, &err),
                     XAPIAN_EINVAL);
    spine_matcher_free(whole);
    spine_matcher_free(lazy);
    spine_matcher_free(both);
    for (size_t i = 0; i < 4; i++)
        xapian_query_free(t[i]);
    for (size_t i = 0; i < 8; i++)
        xapian_query_free(q[i]);
    for (size_t i = 0; i < 3; i++)
        xapian_query_free(per[i]);
    xapian_query_free(lift);
    for (size_t i = 0; i < 2; i++)
        xapian_query_free(scaled[i]);
    xapian_query_free(f);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* ------------------------------------------------------------------------
 * the weight
 */

/* The prenormalised IneB2 weight (spine_ext_enquire_set_prenorm) weighs
 * a posting from its wdf alone, as IneB2 over wdfs that hold scale times
 * the normalised frequency: doc 1 (wdf 32) and doc 2 (wdf 96, and a much
 * longer document) score as the formula says, length unread; a matcher
 * on "ineb2-prenorm" weighs the same; a scale that is not positive is
 * refused. */
START_TEST(test_weighting_prenorm)
{
    static const unsigned wdf[] = { 32, 96, 0 };
    xapian_error err;
    xapian_writable_database *wdb;
    xapian_docid did;
    char *path = tu_path(tmp, "prenorm");

    OK(xapian_writable_database_open(&wdb, path,
                                     XAPIAN_DB_CREATE_OR_OVERWRITE, &err));
    for (size_t i = 0; i < 3; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        if (wdf[i])
            OK(xapian_document_add_term(doc, S("t"), wdf[i], &err));
        OK(xapian_document_add_term(doc, S("filler"), i == 1 ? 5000 : 32,
                                    &err));
        OK(xapian_writable_database_add_document(&did, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    xapian_query *q;
    xapian_enquire *enq;
    xapian_mset *m;
    OK(xapian_query_new_term(&q, S("t"), &err));
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(spine_ext_enquire_set_prenorm(enq, 32, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 2);

    /* N 3, n 2, F (128 / 32) 4: coefficient idf (F + 1) / n. */
    double N = 3, F = 4, n = 2;
    double idf = log2((N + 1) / (N * (1 - exp(-F / N)) + 0.5));
    double coeff = idf * (F + 1) / n;
    double w0, w1;
    xapian_docid d0, d1;
    OK(xapian_mset_weight(&w0, m, 0, &err));
    OK(xapian_mset_weight(&w1, m, 1, &err));
    OK(xapian_mset_docid(&d0, m, 0, &err));
    OK(xapian_mset_docid(&d1, m, 1, &err));
    ck_assert_uint_eq(d0, 2);
    ck_assert_uint_eq(d1, 1);
    ck_assert_double_eq_tol(w0, coeff * 96 / (96 + 32), 1e-9);
    ck_assert_double_eq_tol(w1, coeff * 32 / (32 + 32), 1e-9);
    xapian_mset_free(m);

    /* The formula's C half, as the tiers bound weights with it. */
    ck_assert_double_eq_tol(spine_ext_prenorm_part(
                                spine_ext_prenorm_coeff(1, N, 128, n, 32),
                                96, 32), w0, 1e-9);

    /* The matcher's "ineb2-prenorm" is the same weight. */
    spine_matcher *sm = matcher(db, "ineb2-prenorm", (const double[]){ 32 },
                                1);
    OK(spine_matcher_set_query(sm, q, &err));
    spine_match r = run(sm, 0, 10);
    ck_assert_uint_eq(xapian_mset_size(r.mset), 2);
    double mw;
    ck_assert_uint_eq(hit(r.mset, 0), 2);
    OK(xapian_mset_weight(&mw, r.mset, 0, &err));
    ck_assert_double_eq_tol(mw, w0, 1e-12);
    spine_match_free(&r);
    spine_matcher_free(sm);

    ck_assert_int_eq(spine_ext_enquire_set_prenorm(enq, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(spine_ext_enquire_set_prenorm(enq, -1, &err),
                     XAPIAN_EINVAL);

    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

static Suite *match_suite(void)
{
    Suite *s = suite_create("match");

    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_weighting_prenorm);
    tcase_add_test(core, test_split);
    tcase_add_test(core, test_split_threads);
    tcase_add_test(core, test_tiers);
    tcase_add_test(core, test_tiers_bound);
    tcase_add_test(core, test_lazy);
    suite_add_tcase(s, core);

    return s;
}

int main(void)
{
    return tu_run_suite(match_suite());
}
