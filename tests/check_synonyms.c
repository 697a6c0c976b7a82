/*
 * check_synonyms.c -- unit tests of synonyms in queries (issue 18, item 4)
 * and of feedback inside filters: the typed word ranks above articles
 * that only share a common word with its synonym
 * (libspine/query.c spine_query_whole_synonyms(): a multi-word synonym
 * is matched whole), the rewritten query is ranked exactly by the
 * matcher's lazy and split plans, and --expand keeps a source: filter and
 * a NOT (spine_query_add_weight()).
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "query.h"
#include "spine/index.h"
#include "spine/search.h"
#include "spine_ext.h"
#include "testutil.h"
#include "util.h"
#include "xapian_c.h"
#include "xapian_testutil.h"

/* ---- the corpus: one article names sciatica, two hold "sciatic nerve
 * pain" (its one-way synonym), four say "nerve pain" or "pain" again and
 * again ---------------------------------------------------------------------- */

static const spine_section s_sciatica[] = {
    { "1", "What is sciatica?",
      "Sciatica is felt down the back of one leg.  Sciatica often goes "
      "away with rest and gentle stretching." },
};
static const spine_section s_nerve[] = {
    { "1", "Nerve trouble",
      "Nerve pain, like other nerve pain, may burn.  Nerve pain in the feet "
      "and nerve pain elsewhere respond to the same nerve pain medicines; "
      "nerve pain can last for weeks.  Pain, pain." },
};
static const spine_section s_pinched[] = {
    { "1", "A pinched nerve",
      "A pinched nerve gives nerve pain in the neck or wrist.  Nerve pain "
      "from a pinched nerve is nerve pain; the nerve heals, the pain goes." },
};
static const spine_section s_leg[] = {
    { "1", "Leg pain",
      "Leg pain has many causes: cramps, sciatic nerve pain, or nerve pain "
      "from diabetes." },
};
static const spine_section s_hip[] = {
    { "1", "Hip pain",
      "Hip pain may be nerve pain.  Nerve pain and pain of the thigh are "
      "common; pain, nerve pain, more pain." },
};
static const spine_section s_disc[] = {
    { "1", "Disc pain",
      "A slipped disc presses the sciatic nerve: pain in the buttock." },
};
static const spine_section s_head[] = {
    { "1", "Headache", "Headache is pain in the head; pain killers help." },
};
static const spine_section s_flu[] = {
    { "1", "Influenza", "Influenza is a virus of the nose and lungs." },
};
static const spine_section s_heart[] = {
    { "1", "Heart attack",
      "A heart attack happens when blood stops flowing to the heart." },
};
static const spine_section s_kidney1[] = {
    { "1", "Kidney stones",
      "Kidney stones are hard deposits in the kidney; drink water." },
};
static const spine_section s_kidney2[] = {
    { "1", "Kidney failure",
      "Kidney failure means the kidney no longer filters blood; stones "
      "may be one cause, and kidney stones are treated by urologists." },
};

static const spine_article corpus[] = {
    { "MP/1", "Sciatica", "", "MPlus", s_sciatica, 1 },
    { "NINDS/2", "Nerve Pain", "", "NINDS", s_nerve, 1 },
    { "NINDS/3", "Pinched Nerve", "", "NINDS", s_pinched, 1 },
    { "GARD/4", "Leg Pain", "", "GARD", s_leg, 1 },
    { "GARD/5", "Hip Pain", "", "GARD", s_hip, 1 },
    { "GARD/6", "Disc Pain", "", "GARD", s_disc, 1 },
    { "MP/7", "Headache", "", "MPlus", s_head, 1 },
    { "CDC/8", "Influenza", "", "CDC", s_flu, 1 },
    { "NHLBI/9", "Heart Attack", "", "NHLBI", s_heart, 1 },
    { "NIDDK/10", "Kidney Stones", "", "NIDDK", s_kidney1, 1 },
    { "MP/11", "Kidney Failure", "", "MPlus", s_kidney2, 1 },
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

static const char synonyms[] =
    "sciatica: sciatic nerve pain\n"
    "flu, influenza\n"
    "myocardial infarction: heart attack\n";

/* ---- fixtures ------------------------------------------------------------- */

static char *tmp;
static spine_searcher *S;

static void setup(void)
{
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = NULL;
    spine_error err;
    tmp = tu_mkdtemp();
    char *syn = tu_path(tmp, "syn.txt"), *idx = tu_path(tmp, "idx");
    tu_write_file(syn, synonyms, strlen(synonyms));
    o.synonyms = syn;
    spine_error_clear(&err);
    ck_assert_msg(spine_index_begin(&ix, idx, &o, &err) == SPINE_OK, "%s",
                  err.msg);
    for (size_t i = 0; i < NCORPUS; i++)
        ck_assert_msg(spine_index_add(ix, &corpus[i], &err) == SPINE_OK,
                      "%s", err.msg);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == SPINE_OK, "%s",
                  err.msg);
    spine_index_free(ix);
    ck_assert_msg(spine_searcher_open(&S, idx, &err) == SPINE_OK, "%s",
                  err.msg);
    free(syn);
    free(idx);
}

static void teardown(void)
{
    spine_searcher_free(S);
    S = NULL;
    tu_rmtree(tmp);
    free(tmp);
    tmp = NULL;
}

/* The hits of q (all of them, no snippets), asserted to succeed. */
static spine_results *search(const char *q, int expand)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    spine_results *r = NULL;
    spine_error err;
    o.limit = 100;
    o.spelling = 0;
    o.snippets = 0;
    o.expand = expand;
    ck_assert_msg(spine_search(&r, S, q, &o, &err) == SPINE_OK, "%s: %s", q,
                  err.msg);
    return r;
}

/* Does r list article id? */
static int has(const spine_results *r, const char *id)
{
    for (size_t i = 0; i < r->nhits; i++)
        if (strcmp(r->hits[i].id, id) == 0)
            return 1;
    return 0;
}

/* ---- the typed word first ---------------------------------------------------- */

/* "sciatica" ranks the Sciatica article first.  Its one-way synonym
 * "sciatic nerve pain" used to be three synonyms, one a word, so that
 * every "nerve" and "pain" counted as sciatica and the articles that say
 * "nerve pain" most outranked it; matched whole, the synonym finds only
 * the articles that hold all of it, each occurrence counting as one of
 * its rarest word ("sciatic"), not once a word: the articles titled
 * "... Pain" rank below. */
START_TEST(test_typed_word_first)
{
    spine_results *r = search("sciatica", 0);
    ck_assert_uint_eq(r->nhits, 3);
    ck_assert_str_eq(r->hits[0].id, "MP/1");
    ck_assert(has(r, "GARD/4") && has(r, "GARD/6"));
    ck_assert(!has(r, "NINDS/2") && !has(r, "MP/7"));
    spine_results_free(r);
    /* Inside a longer query, and in the title field. */
    r = search("sciatica stretching", 0);
    ck_assert_str_eq(r->hits[0].id, "MP/1");
    spine_results_free(r);
    r = search("title:sciatica", 0);
    ck_assert_str_eq(r->hits[0].id, "MP/1");
    spine_results_free(r);
}
END_TEST

/* Equivalents still find what they did: "flu" (in no article) finds
 * Influenza; a multi-word key ("myocardial infarction", in no article)
 * finds the heart attack article through its multi-word synonym; the
 * query language around a synonym still holds (NOT, source:). */
START_TEST(test_synonyms_still_find)
{
    spine_results *r = search("flu", 0);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "CDC/8");
    spine_results_free(r);
    r = search("myocardial infarction", 0);
    ck_assert_uint_ge(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "NHLBI/9");
    spine_results_free(r);
    r = search("sciatica NOT buttock", 0);
    ck_assert(has(r, "MP/1") && has(r, "GARD/4") && !has(r, "GARD/6"));
    spine_results_free(r);
    r = search("sciatica source:GARD", 0);
    ck_assert_uint_eq(r->nhits, 2);
    for (size_t i = 0; i < r->nhits; i++)
        ck_assert_str_eq(r->hits[i].source, "GARD");
    spine_results_free(r);
}
END_TEST

/* A document frequency for the structure tests: the term's length. */
static int freq_len(uint32_t *out, const char *term, size_t len, void *ctx,
                    xapian_error *xe)
{
    (void)term;
    (void)ctx;
    (void)xe;
    *out = (uint32_t)len;
    return 0;
}

/* The rewrite itself: SYNONYM(Za, "Zbb Zc", Zd) under an OR and a FILTER
 * becomes SYNONYM(Za, Zc, Zd) FILTER (Za OR (Zbb AND Zc) OR Zd), Zc being
 * the rarest word of the multi-word synonym; a query without a
 * multi-word synonym comes back as it was. */
START_TEST(test_rewrite_shape)
{
    xapian_error err;
    xapian_query *t[4], *syn, *or2, *filt, *out, *sub, *in, *x;
    OK(xapian_query_new_term(&t[0], S("Za"), &err));
    OK(xapian_query_new_term(&t[1], S("Zbb Zc"), &err));
    OK(xapian_query_new_term(&t[2], S("Zd"), &err));
    OK(xapian_query_new_term(&t[3], S("XSf"), &err));
    OK(xapian_query_combine(&syn, XAPIAN_QUERY_OP_SYNONYM, t, 3, &err));
    xapian_query *po[2] = { syn, t[2] };
    OK(xapian_query_combine(&or2, XAPIAN_QUERY_OP_OR, po, 2, &err));
    xapian_query *pf[2] = { or2, t[3] };
    OK(xapian_query_combine(&filt, XAPIAN_QUERY_OP_FILTER, pf, 2, &err));
    OK(spine_query_whole_synonyms(&out, filt, freq_len, NULL, &err));
    ck_assert_int_eq(xapian_query_type(out), XAPIAN_QUERY_OP_FILTER);
    OK(xapian_query_subquery(&sub, out, 0, &err));
    ck_assert_int_eq(xapian_query_type(sub), XAPIAN_QUERY_OP_OR);
    OK(xapian_query_subquery(&in, sub, 0, &err));
    xapian_query_free(sub);
    /* in: SYNONYM(...) FILTER OR(...) */
    ck_assert_int_eq(xapian_query_type(in), XAPIAN_QUERY_OP_FILTER);
    OK(xapian_query_subquery(&sub, in, 0, &err));
    ck_assert_int_eq(xapian_query_type(sub), XAPIAN_QUERY_OP_SYNONYM);
    ck_assert_uint_eq(xapian_query_num_subqueries(sub), 3);
    char *term = NULL;
    size_t len = 0;
    OK(xapian_query_subquery(&x, sub, 1, &err));
    OK(xapian_query_leaf_term(&term, &len, x, &err));
    ck_assert_str_eq(term, "Zc");
    free(term);
    xapian_query_free(x);
    xapian_query_free(sub);
    OK(xapian_query_subquery(&sub, in, 1, &err));
    ck_assert_int_eq(xapian_query_type(sub), XAPIAN_QUERY_OP_OR);
    ck_assert_uint_eq(xapian_query_num_subqueries(sub), 3);
    OK(xapian_query_subquery(&x, sub, 1, &err));
    ck_assert_int_eq(xapian_query_type(x), XAPIAN_QUERY_OP_AND);
    ck_assert_uint_eq(xapian_query_num_subqueries(x), 2);
    xapian_query_free(x);
    xapian_query_free(sub);
    xapian_query_free(in);
    xapian_query_free(out);

    /* No multi-word synonym: the same query back. */
    xapian_query *single;
    xapian_query *ps[2] = { t[0], t[2] };
    OK(xapian_query_combine(&single, XAPIAN_QUERY_OP_SYNONYM, ps, 2, &err));
    OK(spine_query_whole_synonyms(&out, single, freq_len, NULL, &err));
    ck_assert(xapian_query_same(out, single));
    xapian_query_free(out);
    xapian_query_free(single);
    OK(spine_query_whole_synonyms(&out, t[1], freq_len, NULL, &err));
    ck_assert(xapian_query_same(out, t[1]));   /* not under a synonym */
    xapian_query_free(out);

    xapian_query_free(filt);
    xapian_query_free(or2);
    xapian_query_free(syn);
    for (size_t i = 0; i < 4; i++)
        xapian_query_free(t[i]);
}
END_TEST

/* The rewritten shape (an OR holding a SYNONYM filtered by an OR that
 * holds an AND, with a FILTER and an AND_NOT around it) is ranked exactly by the lazy and the
 * split plans: the same hits, order and weights as one Xapian match. */
START_TEST(test_plans_exact)
{
    xapian_error err;
    char *path = tu_path(tmp, "plans");
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    for (unsigned i = 1; i <= 600; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        OK(xapian_document_add_term(doc, S("a"), 1 + i * 5 % 7, &err));
        if (i % 3 == 0)
            OK(xapian_document_add_term(doc, S("b"), 1 + i % 5, &err));
        if (i % 7 == 0)
            OK(xapian_document_add_term(doc, S("c"), 2, &err));
        if (i % 11 == 0)
            OK(xapian_document_add_term(doc, S("d"), 1 + i % 4, &err));
        if (i == 40 || i == 597)
            OK(xapian_document_add_term(doc, S("rare"), 1, &err));
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    xapian_database *db = open_db(path);

    /* SYNONYM(rare, "c d", b) OR a, as the parser would give it. */
    xapian_query *t[5], *syn, *any, *q[3], *w;
    static const char *const names[] = { "rare", "c d", "b", "a", "c" };
    for (size_t i = 0; i < 5; i++)
        OK(xapian_query_new_term(&t[i], S(names[i]), &err));
    OK(xapian_query_combine(&syn, XAPIAN_QUERY_OP_SYNONYM, t, 3, &err));
    xapian_query *or2[2] = { syn, t[3] };
    OK(xapian_query_combine(&any, XAPIAN_QUERY_OP_OR, or2, 2, &err));
    OK(spine_query_whole_synonyms(&q[0], any, freq_len, NULL, &err));
    static const xapian_docid ids[] = { 7, 14, 21, 40, 150, 297, 300, 597 };
    OK(spine_ext_query_docids(&w, ids, 8, &err));
    xapian_query *pf[2] = { q[0], w };
    OK(xapian_query_combine(&q[1], XAPIAN_QUERY_OP_FILTER, pf, 2, &err));
    xapian_query *pn[2] = { q[0], t[4] };
    OK(xapian_query_combine(&q[2], XAPIAN_QUERY_OP_AND_NOT, pn, 2, &err));

    static const double scale[] = { 32 };
    spine_matcher *whole, *lazy, *split;
    OK(spine_matcher_new(&whole, db, "ineb2-prenorm", scale, 1, &err));
    OK(spine_matcher_new(&lazy, db, "ineb2-prenorm", scale, 1, &err));
    OK(spine_matcher_new(&split, db, "ineb2-prenorm", scale, 1, &err));
    OK(spine_matcher_set_lazy(lazy, 0.3, 0, &err));     /* "a", "b" */
    xapian_database *helper = open_db(path);
    OK(spine_matcher_set_split(split, &helper, 1, 1, &err));
    static const unsigned pages[][2] = { { 0, 10 }, { 0, 1 }, { 5, 10 },
                                         { 0, 100 }, { 295, 10 } };
    spine_matcher *plan[2] = { lazy, split };
    for (size_t i = 0; i < 3; i++) {
        OK(spine_matcher_set_query(whole, q[i], &err));
        OK(spine_matcher_set_query(lazy, q[i], &err));
        OK(spine_matcher_set_query(split, q[i], &err));
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++)
            for (size_t k = 0; k < 2; k++) {
                spine_match a, b;
                OK(spine_matcher_run(&a, whole, pages[p][0], pages[p][1], 0,
                                     &err));
                OK(spine_matcher_run(&b, plan[k], pages[p][0], pages[p][1],
                                     0, &err));
                ck_assert_uint_eq(xapian_mset_size(b.mset),
                                  xapian_mset_size(a.mset));
                for (unsigned j = 0; j < xapian_mset_size(a.mset); j++) {
                    double wa, wb;
                    ck_assert_uint_eq(hit(b.mset, j), hit(a.mset, j));
                    OK(xapian_mset_weight(&wa, a.mset, j, &err));
                    OK(xapian_mset_weight(&wb, b.mset, j, &err));
                    ck_assert_msg(fabs(wa - wb) <= 1e-12 * wa, "query %zu "
                                  "plan %zu hit %u: %.17g, want %.17g", i,
                                  k, j, wb, wa);
                }
                spine_match_free(&a);
                spine_match_free(&b);
            }
    }
    spine_matcher_free(whole);
    spine_matcher_free(lazy);
    spine_matcher_free(split);
    for (size_t i = 0; i < 3; i++)
        xapian_query_free(q[i]);
    for (size_t i = 0; i < 5; i++)
        xapian_query_free(t[i]);
    xapian_query_free(w);
    xapian_query_free(any);
    xapian_query_free(syn);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* ---- --expand inside filters ----------------------------------------------- */

/* Feedback adds terms of the top hits (here: sciatic, nerve, pain ...)
 * inside the query's source: filter and its NOT: "pinched source:NINDS"
 * stays NINDS's and "pinched NOT hip" keeps Hip Pain out.
 * Without a filter the added terms may bring in more (the plain case
 * still expands). */
START_TEST(test_expand_keeps_filters)
{
    spine_results *r = search("pinched source:NINDS", 1);
    ck_assert_uint_ge(r->nhits, 1);
    for (size_t i = 0; i < r->nhits; i++)
        ck_assert_msg(strcmp(r->hits[i].source, "NINDS") == 0,
                      "hit %zu %s is of %s", i, r->hits[i].id,
                      r->hits[i].source);
    spine_results_free(r);
    r = search("pinched NOT hip", 1);
    ck_assert(has(r, "NINDS/3") && has(r, "GARD/4"));
    ck_assert(!has(r, "GARD/5"));
    spine_results_free(r);
    r = search("-hip pinched", 1);
    ck_assert(has(r, "NINDS/3") && !has(r, "GARD/5"));
    spine_results_free(r);
    /* Unfiltered, feedback brings in articles "pinched" missed. */
    r = search("pinched", 1);
    ck_assert_uint_gt(r->nhits, 1);
    spine_results_free(r);
    r = search("pinched", 0);
    ck_assert_uint_eq(r->nhits, 1);
    spine_results_free(r);
}
END_TEST

/* The query-level rule: inside FILTER and AND_NOT, OR for alternatives,
 * AND_MAYBE for a query that requires all its parts or when asked. */
START_TEST(test_add_weight_shape)
{
    xapian_error err;
    xapian_query *a, *b, *f, *x, *q, *out, *sub;
    OK(xapian_query_new_term(&a, S("a"), &err));
    OK(xapian_query_new_term(&b, S("b"), &err));
    OK(xapian_query_new_term(&f, S("XSf"), &err));
    OK(xapian_query_new_term(&x, S("x"), &err));
    xapian_query *pf[2] = { a, f };
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_FILTER, pf, 2, &err));
    OK(spine_query_add_weight(&out, q, x, 0, &err));
    ck_assert_int_eq(xapian_query_type(out), XAPIAN_QUERY_OP_FILTER);
    OK(xapian_query_subquery(&sub, out, 1, &err));
    ck_assert(xapian_query_same(sub, f));
    xapian_query_free(sub);
    OK(xapian_query_subquery(&sub, out, 0, &err));
    ck_assert_int_eq(xapian_query_type(sub), XAPIAN_QUERY_OP_OR);
    xapian_query_free(sub);
    xapian_query_free(out);
    OK(spine_query_add_weight(&out, q, x, 1, &err));
    OK(xapian_query_subquery(&sub, out, 0, &err));
    ck_assert_int_eq(xapian_query_type(sub), XAPIAN_QUERY_OP_AND_MAYBE);
    xapian_query_free(sub);
    xapian_query_free(out);
    xapian_query_free(q);
    xapian_query *pa[2] = { a, b };
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_AND, pa, 2, &err));
    OK(spine_query_add_weight(&out, q, x, 0, &err));
    ck_assert_int_eq(xapian_query_type(out), XAPIAN_QUERY_OP_AND_MAYBE);
    xapian_query_free(out);
    xapian_query_free(q);
    xapian_query_free(a);
    xapian_query_free(b);
    xapian_query_free(f);
    xapian_query_free(x);
}
END_TEST

static Suite *synonyms_suite(void)
{
    Suite *s = suite_create("synonyms");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_typed_word_first);
    tcase_add_test(core, test_synonyms_still_find);
    tcase_add_test(core, test_rewrite_shape);
    tcase_add_test(core, test_plans_exact);
    tcase_add_test(core, test_expand_keeps_filters);
    tcase_add_test(core, test_add_weight_shape);
    suite_add_tcase(s, core);
    return s;
}

int main(void)
{
    return tu_run_suite(synonyms_suite());
}
