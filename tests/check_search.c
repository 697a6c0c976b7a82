/*
 * check_search.c -- unit tests for libspine/search.c and libspine/format.c:
 * queries against a small index built from in-memory articles, snippets,
 * spelling, errors, and the text and JSON output.
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spine/format.h"
#include "heads.h"
#include "spine/index.h"
#include "schema.h"
#include "util.h"
#include "spine/search.h"
#include "snippet.h"
#include "testutil.h"
#include "xapian_c.h"

/* ---- the corpus ----------------------------------------------------------- */

static const spine_section s_kidney[] = {
    { "1", "What are kidney stones?",
      "Kidney stones are hard deposits of minerals and salts that form "
      "inside your kidneys.  A stone may stay in the kidney or travel down "
      "the urinary tract." },
    { "2", "How are kidney stones treated?",
      "Small stones often pass on their own if you drink plenty of water." },
};
static const spine_section s_gall[] = {
    { "1", "What are gallstones?",
      "Gallstones are hardened deposits of digestive fluid in the "
      "gallbladder.  Unlike kidney stones, they form from bile." },
};
static const spine_section s_back[] = {
    { "1", "", "Lower back pain is felt near the spine.  Rest & exercise "
      "<both> help; heavy lifting makes it worse." },
};
static const spine_section s_bp[] = {
    { "1", "What is high blood pressure?",
      "High blood pressure, also called hypertension, raises the risk of "
      "heart disease and stroke." },
};
static const spine_section s_circ[] = {
    { "1", "What causes poor circulation?",
      "Poor blood flow can change the pressure you feel in your legs." },
};
static const spine_section s_diab[] = {
    { "1", "", "Diabetes affects blood sugar.  Damage to the kidney is a "
      "common complication of diabetes." },
};
static const spine_section s_uti[] = {
    { "1", "What is a urinary tract infection?",
      "A urinary tract infection is caused by bacteria.  Drinking water "
      "helps flush them out." },
};
static const spine_section s_cyst[] = {
    { "1", "What is cystinuria?",
      "Cystinuria is a rare inherited disorder that causes cystine stones "
      "in the kidneys, bladder and ureters." },
};

/* A run of 70 letters: too long for the term generator to index as a
 * word, so the words either side of it are adjacent terms. */
#define LONG_RUN_70 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
static const spine_section s_runs[] = {
    { "1", "Who tracks sickle cell trait?",
      "The U.S. Army tracks it.  Carriers of the trait " LONG_RUN_70
      " rarely fall ill." },
};

static const spine_article corpus[] = {
    { "NIDDK/1", "Kidney Stones", "https://example.org/kidney-stones",
      "NIDDK", s_kidney, 2 },
    { "NIDDK/2", "Gallstones", "https://example.org/gallstones", "NIDDK",
      s_gall, 1 },
    { "GARD/3", "Back Pain", "", "GARD", s_back, 1 },
    { "NHLBI/4", "High Blood Pressure", "https://example.org/bp", "NHLBI",
      s_bp, 1 },
    { "GARD/5", "Circulation Problems", "", "GARD", s_circ, 1 },
    { "CDC/6", "Diabetes", "https://example.org/diabetes", "CDC", s_diab, 1 },
    { "NIDDK/7", "Urinary Tract Infection", "", "NIDDK", s_uti, 1 },
    { "GARD/8", "Cystinuria", "", "GARD", s_cyst, 1 },
    { "CDC/9", "Sickle Cell Trait", "", "CDC", s_runs, 1 },
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

/* ---- fixtures -------------------------------------------------------------- */

static char *tmp;
static char *ixdir;
static spine_searcher *S;

/* 1: the next index is built with word positions (spine-index
 * --positions); phrases are then matched from the index, not checked
 * against the stored text. */
static int with_positions;

static void build_index(const char *dir)
{
    spine_index *ix = NULL;
    spine_error err;
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    o.positions = with_positions;
    spine_error_clear(&err);
    ck_assert_msg(spine_index_begin(&ix, dir, &o, &err) == SPINE_OK,
                  "begin: %s", err.msg);
    for (size_t i = 0; i < NCORPUS; i++)
        ck_assert_msg(spine_index_add(ix, &corpus[i], &err) == SPINE_OK,
                      "add: %s", err.msg);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == SPINE_OK,
                  "commit: %s", err.msg);
    spine_index_free(ix);
}

/* Unchecked fixture: one index for the whole TCase. */
static void setup_index(void)
{
    tmp = tu_mkdtemp();
    ixdir = tu_path(tmp, "idx");
    build_index(ixdir);
}

static void setup_index_positions(void)
{
    with_positions = 1;
    setup_index();
    with_positions = 0;
}

static void teardown_index(void)
{
    tu_rmtree(tmp);
    free(ixdir);
    free(tmp);
}

/* Checked fixture: a searcher per test. */
static void setup_searcher(void)
{
    spine_error err;
    spine_error_clear(&err);
    ck_assert_msg(spine_searcher_open(&S, ixdir, &err) == SPINE_OK,
                  "open: %s", err.msg);
}

static void teardown_searcher(void)
{
    spine_searcher_free(S);
    S = NULL;
}

/* ---- helpers -------------------------------------------------------------- */

static spine_query_options opts_default(void)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    o.limit = 100;
    o.spelling = 0;
    return o;
}

static spine_results *run(const char *q, const spine_query_options *o)
{
    spine_results *r = NULL;
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_search(&r, S, q, o, &err);
    ck_assert_msg(rc == SPINE_OK, "query '%s': %s (%s)", q,
                  spine_strerror(rc), err.msg);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->query, q);
    return r;
}

/* Runs q (limit 100, no snippets) and returns the hit ids sorted and joined
 * with spaces, e.g. "GARD/3 NIDDK/1": malloc()ed. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *ids(const char *q, int match_all)
{
    spine_query_options o = opts_default();
    o.snippets = 0;
    o.match_all = match_all;
    spine_results *r = run(q, &o);
    char **v = calloc(r->nhits + 1, sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < r->nhits; i++)
        v[i] = r->hits[i].id;
    qsort(v, r->nhits, sizeof *v, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < r->nhits; i++)
        len += strlen(v[i]) + 1;
    char *out = calloc(1, len);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < r->nhits; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, v[i]);
    }
    free(v);
    spine_results_free(r);
    return out;
}

#define ASSERT_IDS(q, all, want)                                            \
    do {                                                                    \
        char *got_ = ids((q), (all));                                       \
        ck_assert_msg(strcmp(got_, (want)) == 0,                            \
                      "query '%s'%s: got [%s], want [%s]", (q),             \
                      (all) ? " (AND)" : "", got_, (want));                 \
        free(got_);                                                         \
    } while (0)

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_doccount)
{
    ck_assert_uint_eq(spine_searcher_doccount(S), NCORPUS);
}
END_TEST

START_TEST(test_ranking)
{
    spine_query_options o = opts_default();
    spine_results *r = run("kidney stones", &o);
    ck_assert_uint_ge(r->nhits, 3);
    ck_assert_str_eq(r->hits[0].id, "NIDDK/1");
    ck_assert_str_eq(r->hits[0].title, "Kidney Stones");
    ck_assert_str_eq(r->hits[0].source, "NIDDK");
    ck_assert_str_eq(r->hits[0].url, "https://example.org/kidney-stones");
    /* Ranks count from 1 and scores do not increase down the list. */
    for (size_t i = 0; i < r->nhits; i++) {
        ck_assert_uint_eq(r->hits[i].rank, i + 1);
        ck_assert(r->hits[i].score > 0);
        if (i)
            ck_assert(r->hits[i].score <= r->hits[i - 1].score);
    }
    ck_assert_uint_ge(r->estimated, r->nhits);
    spine_results_free(r);

    /* The article about back pain beats none: it is the only match. */
    r = run("lifting", &o);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "GARD/3");
    ck_assert_str_eq(r->hits[0].url, "");
    spine_results_free(r);
}
END_TEST

START_TEST(test_or_and)
{
    /* kidney: 1, 2, 6, 8 (kidneys); stones: 1, 2, 8. */
    ASSERT_IDS("kidney stones", 0, "CDC/6 GARD/8 NIDDK/1 NIDDK/2");
    ASSERT_IDS("kidney stones", 1, "GARD/8 NIDDK/1 NIDDK/2");
    ASSERT_IDS("diabetes bacteria", 0, "CDC/6 NIDDK/7");
    ASSERT_IDS("diabetes bacteria", 1, "");
    /* Explicit operators are honoured whatever the default. */
    ASSERT_IDS("diabetes OR bacteria", 1, "CDC/6 NIDDK/7");
    ASSERT_IDS("kidney AND bile", 0, "NIDDK/2");
}
END_TEST

START_TEST(test_phrase)
{
    /* Both articles have the two words; only one has them together. */
    ASSERT_IDS("blood pressure", 1, "GARD/5 NHLBI/4");
    ASSERT_IDS("\"blood pressure\"", 0, "NHLBI/4");
    ASSERT_IDS("\"pressure blood\"", 0, "");
    ASSERT_IDS("\"cystine stones\"", 0, "GARD/8");
}
END_TEST

/* Phrases whose words an article holds apart: found by an index with
 * positions, and by one without (Spine's default) through the check
 * against the stored text; both TCases run this. */
START_TEST(test_phrase_words_apart)
{
    /* Adjacent across a section break, or a question and its answer:
     * never a phrase. */
    ASSERT_IDS("tract how", 1, "NIDDK/1");
    ASSERT_IDS("\"tract how\"", 0, "");
    ASSERT_IDS("\"treated small\"", 0, "");
    ASSERT_IDS("\"urinary tract\"", 0, "NIDDK/1 NIDDK/7");
    /* Title-field phrases look at the title alone. */
    ASSERT_IDS("title:\"blood pressure\"", 0, "NHLBI/4");
    ASSERT_IDS("title:\"pressure blood\"", 0, "");
    ASSERT_IDS("title:\"kidney stones\"", 0, "NIDDK/1");
    /* "U.S." is the word "us"; a run of letters too long to be a word
     * is skipped, and the words either side of it are adjacent. */
    ASSERT_IDS("\"us army\"", 0, "CDC/9");
    ASSERT_IDS("\"trait rarely\"", 0, "CDC/9");
    ASSERT_IDS("\"trait fall\"", 0, "");
    /* NEAR: "blood flow can change the pressure" is 5 words apart. */
    ASSERT_IDS("blood NEAR pressure", 0, "GARD/5 NHLBI/4");
    ASSERT_IDS("blood NEAR/2 pressure", 0, "NHLBI/4");
    /* A phrase with a filter, and under AND. */
    ASSERT_IDS("\"kidney stones\" source:NIDDK", 0, "NIDDK/1 NIDDK/2");
    ASSERT_IDS("\"kidney stones\" bile", 1, "NIDDK/2");
    ASSERT_IDS("\"stones kidney\" bile", 1, "");
    /* The count is of the documents that hold the phrase. */
    spine_query_options o = opts_default();
    spine_results *r = run("\"blood pressure\"", &o);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_uint_eq(r->estimated, 1);
    spine_results_free(r);
}
END_TEST

/* OR with a phrase, and a document that holds the phrase's words apart
 * and matches through another word ("legs", "hypertension"): it matches
 * by that word alone, with or without positions in the index. */
START_TEST(test_phrase_or)
{
    ASSERT_IDS("\"pressure blood\" OR hypertension", 0, "NHLBI/4");
    ASSERT_IDS("\"pressure blood\" OR legs", 0, "GARD/5");
    ASSERT_IDS("\"blood pressure\" OR legs", 0, "GARD/5 NHLBI/4");
}
END_TEST

/* Asserts that query gives the same page on the test index (S) as on
 * searcher pos: the same hits, in the same order, with the same weights. */
static void assert_same_hits(const char *query, const spine_query_options *o,
                             spine_searcher *pos)
{
    spine_error err;
    spine_results *a = run(query, o), *b = NULL;
    ck_assert_int_eq(spine_search(&b, pos, query, o, &err), SPINE_OK);
    ck_assert_msg(a->nhits == b->nhits, "%s (%u at %u): %zu hits, want %zu",
                  query, o->limit, o->offset, a->nhits, b->nhits);
    for (size_t k = 0; k < a->nhits; k++) {
        ck_assert_msg(strcmp(a->hits[k].id, b->hits[k].id) == 0,
                      "%s (%u at %u): hit %zu is %s, want %s", query,
                      o->limit, o->offset, k, a->hits[k].id, b->hits[k].id);
        ck_assert_msg(fabs(a->hits[k].score - b->hits[k].score) < 1e-9,
                      "%s: %s weighs %g, want %g", query, a->hits[k].id,
                      a->hits[k].score, b->hits[k].score);
        ck_assert_msg((a->hits[k].snippet == NULL)
                      == (b->hits[k].snippet == NULL), "%s: %s: snippet "
                      "only on one side", query, a->hits[k].id);
        if (a->hits[k].snippet)
            ck_assert_str_eq(a->hits[k].snippet, b->hits[k].snippet);
    }
    spine_results_free(a);
    spine_results_free(b);
}

/* An index without positions answers phrase queries as one with them
 * does: the same hits, in the same order, with the same weights. */
START_TEST(test_phrase_same_as_positions)
{
    static const char *const queries[] = {
        "\"blood pressure\"", "\"pressure blood\" OR legs",
        "\"blood pressure\" OR legs OR kidney", "\"kidney stones\" water",
        "\"stones kidney\" OR bile", "blood NEAR/2 pressure OR flow",
        "title:\"blood pressure\" OR heart", "\"urinary tract\" -bacteria",
        /* Acronyms, and words either side of a run too long to index. */
        "\"us army\"", "\"u s army\"", "\"trait rarely\" OR kidney",
        "\"the trait\" OR \"of the\"", "\"army tracks\" stones",
    };
    spine_searcher *pos = NULL;
    spine_error err;
    char *dir = tu_path(tmp, "idx-positions");
    with_positions = 1;
    build_index(dir);
    with_positions = 0;
    ck_assert_int_eq(spine_searcher_open(&pos, dir, &err), SPINE_OK);
    /* Pages of several sizes and offsets: the check settles at each. */
    static const unsigned pages[][2] = { { 10, 0 }, { 1, 0 }, { 2, 1 },
                                         { 1, 3 } };
    spine_query_options o = opts_default();
    o.snippets = 0;
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        o.limit = pages[p][0];
        o.offset = pages[p][1];
        for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
            assert_same_hits(queries[i], &o, pos);
    }
    spine_searcher_free(pos);
    free(dir);
}
END_TEST

/* ---- accent and case folding (fold.h) ------------------------------------ */

static const spine_section s_men1[] = {
    { "1", "What is Ménière disease?",
      "Ménière disease brings spells of vertigo and ringing ears." },
};
static const spine_section s_men2[] = {
    { "1", "", "With Meniere disease, driving may have to stop for a while." },
};
static const spine_section s_men3[] = {
    { "1", "", "Patients with MÉNIÈRE keep a diary; the disease comes and "
      "goes." },
};
static const spine_section s_cafe[] = {
    { "1", "", "Café au lait spots are flat, light brown patches." },
};
static const spine_section s_drive[] = {
    { "1", "", "Driving after a stroke needs a road test." },
};
static const spine_article accented[] = {
    { "A/1", "Ménière Disease", "", "Clínica", s_men1, 1 },
    { "A/2", "Meniere and driving", "", "AccentHealth", s_men2, 1 },
    { "A/3", "Living with MÉNIÈRE", "", "AccentHealth", s_men3, 1 },
    { "A/4", "Café au lait spots", "", "Clínica", s_cafe, 1 },
    { "A/5", "Driving after a stroke", "", "AccentHealth", s_drive, 1 },
};

/* Opens in *out a searcher on a new index of the accented articles at
 * tmp/name, with word positions when positions is set. */
static void open_accented(spine_searcher **out, const char *name,
                          int positions)
{
    spine_index *ix = NULL;
    spine_error err;
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    char *dir = tu_path(tmp, name);
    o.positions = positions;
    spine_error_clear(&err);
    ck_assert_msg(spine_index_begin(&ix, dir, &o, &err) == SPINE_OK,
                  "begin: %s", err.msg);
    for (size_t i = 0; i < sizeof accented / sizeof accented[0]; i++)
        ck_assert_int_eq(spine_index_add(ix, &accented[i], &err), SPINE_OK);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == SPINE_OK,
                  "commit: %s", err.msg);
    spine_index_free(ix);
    ck_assert_int_eq(spine_searcher_open(out, dir, &err), SPINE_OK);
    free(dir);
}

/* Every spelling of a word finds the articles of every other, as words,
 * phrases (checked against the stored text, and with positions), title
 * and source filters and beside AND, OR, NOT and NEAR in capitals. */
START_TEST(test_folding)
{
    static const struct { const char *q, *want; } cases[] = {
        { "Meniere", "A/1 A/2 A/3" }, { "Ménière", "A/1 A/2 A/3" },
        { "MÉNIÈRE", "A/1 A/2 A/3" }, { "meniere", "A/1 A/2 A/3" },
        { "cafe", "A/4" }, { "CAFÉ", "A/4" },
        { "\"ménière disease\"", "A/1 A/2" },
        { "\"MENIERE DISEASE\"", "A/1 A/2" },
        { "title:ménière", "A/1 A/2 A/3" }, { "title:MÉNIÈRE", "A/1 A/2 A/3" },
        { "source:clinica", "A/1 A/4" }, { "source:CLÍNICA", "A/1 A/4" },
        { "Ménière AND driving", "A/2" }, { "MÉNIÈRE NOT driving", "A/1 A/3" },
        { "café OR MÉNIÈRE", "A/1 A/2 A/3 A/4" },
        { "Ménière NEAR disease", "A/1 A/2 A/3" },
        { "Ménière NEAR/2 disease", "A/1 A/2" },
    };
    spine_searcher *s = S, *pos = NULL, *plain = NULL;
    open_accented(&plain, "idx-accented", 0);
    open_accented(&pos, "idx-accented-positions", 1);
    spine_query_options o = opts_default();
    o.snippets = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        S = plain;
        char *got = ids(cases[i].q, 0);
        ck_assert_msg(strcmp(got, cases[i].want) == 0,
                      "query '%s': got [%s], want [%s]", cases[i].q, got,
                      cases[i].want);
        free(got);
        assert_same_hits(cases[i].q, &o, pos);
    }
    S = s;
    spine_searcher_free(pos);
    spine_searcher_free(plain);
}
END_TEST

/* Snippets mark the words of the text as written, found by their folded
 * terms: "meniere" marks "Ménière" and "MÉNIÈRE", "Ménière" "Meniere". */
START_TEST(test_folding_snippets)
{
    spine_searcher *s = S, *plain = NULL;
    open_accented(&plain, "idx-accented-snippets", 0);
    S = plain;
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    static const struct { const char *q, *id, *want; } cases[] = {
        { "meniere", "A/1", "[Ménière] disease brings" },
        { "meniere", "A/3", "with [MÉNIÈRE] keep" },
        { "Ménière", "A/2", "With [Meniere] disease" },
        /* Stemmed: "menieres" stems as "meniere" does. */
        { "menieres", "A/1", "[Ménière] disease brings" },
        { "\"meniere disease\"", "A/1", "[Ménière] [disease] brings" },
        { "cafe", "A/4", "[Café] au lait" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spine_results *r = run(cases[i].q, &o);
        const char *sn = NULL;
        for (size_t k = 0; k < r->nhits; k++)
            if (strcmp(r->hits[k].id, cases[i].id) == 0)
                sn = r->hits[k].snippet;
        ck_assert_msg(sn && strstr(sn, cases[i].want), "'%s' on %s: "
                      "snippet '%s', want '%s' in it", cases[i].q,
                      cases[i].id, sn ? sn : "(no hit)", cases[i].want);
        spine_results_free(r);
    }
    S = s;
    spine_searcher_free(plain);
}
END_TEST

/* A searcher that splits every query over three threads answers as one
 * that does not: the same hits in the same order, with the same weights
 * and snippets, for OR, AND, phrases, filters, wildcards and pages. */
START_TEST(test_split_threads)
{
    static const char *const queries[] = {
        "kidney stones", "blood pressure OR flow", "kidney water",
        "\"kidney stones\" water", "source:GARD kidney OR blood",
        "kidney -bacteria", "stone*", "title:kidney OR pain",
        "urinary tract infection", "what causes poor circulation",
    };
    static const unsigned pages[][2] = { { 10, 0 }, { 1, 0 }, { 2, 1 },
                                         { 3, 4 } };
    spine_searcher *split = NULL;
    spine_error err;
    ck_assert_int_eq(spine_searcher_open(&split, ixdir, &err), SPINE_OK);
    ck_assert_int_eq(spine_searcher_set_threads(split, 3, 1, &err),
                     SPINE_OK);
    spine_query_options o = opts_default();
    for (int all = 0; all <= 1; all++) {
        o.match_all = all;
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
            o.limit = pages[p][0];
            o.offset = pages[p][1];
            for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
                assert_same_hits(queries[i], &o, split);
        }
    }
    ck_assert_int_eq(spine_searcher_set_threads(split,
                                                SPINE_MAX_MATCH_THREADS + 1,
                                                0, &err), SPINE_EINVAL);
    spine_searcher_free(split);
}
END_TEST

START_TEST(test_title_field)
{
    /* "stones" is in four texts but in one title. */
    ASSERT_IDS("title:stones", 0, "NIDDK/1");
    ASSERT_IDS("title:pain", 0, "GARD/3");
    ASSERT_IDS("title:hypertension", 0, "");
    ASSERT_IDS("hypertension", 0, "NHLBI/4");
    /* A word found only in a title is found by a plain query too. */
    ASSERT_IDS("problems", 0, "GARD/5");
}
END_TEST

START_TEST(test_source_filter)
{
    ASSERT_IDS("source:niddk", 0, "NIDDK/1 NIDDK/2 NIDDK/7");
    ASSERT_IDS("source:NIDDK", 0, "NIDDK/1 NIDDK/2 NIDDK/7");
    ASSERT_IDS("source:Niddk", 0, "NIDDK/1 NIDDK/2 NIDDK/7");
    ASSERT_IDS("kidney source:GARD", 0, "GARD/8");
    ASSERT_IDS("kidney source:gard", 0, "GARD/8");
    ASSERT_IDS("stones source:NIDDK", 0, "NIDDK/1 NIDDK/2");
    ASSERT_IDS("source:nosuch", 0, "");
    /* Two values of one filter are ORed. */
    ASSERT_IDS("source:CDC source:NHLBI", 0, "CDC/6 CDC/9 NHLBI/4");
}
END_TEST

START_TEST(test_wildcard)
{
    ASSERT_IDS("cystin*", 0, "GARD/8");
    ASSERT_IDS("gall*", 0, "NIDDK/2");
    ASSERT_IDS("hyperten*", 0, "NHLBI/4");
    ASSERT_IDS("zzq*", 0, "");
}
END_TEST

START_TEST(test_not)
{
    ASSERT_IDS("kidney NOT gallstones", 0, "CDC/6 GARD/8 NIDDK/1");
    ASSERT_IDS("kidney -diabetes", 0, "GARD/8 NIDDK/1 NIDDK/2");
    ASSERT_IDS("kidney AND NOT source:niddk", 0, "CDC/6 GARD/8");
}
END_TEST

START_TEST(test_offset_limit)
{
    spine_query_options o = opts_default();
    o.snippets = 0;
    spine_results *all = run("kidney", &o);
    ck_assert_uint_eq(all->nhits, 4);

    o.limit = 2;
    spine_results *p1 = run("kidney", &o);
    ck_assert_uint_eq(p1->nhits, 2);
    o.offset = 2;
    spine_results *p2 = run("kidney", &o);
    ck_assert_uint_eq(p2->nhits, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(p1->hits[i].rank, i + 1);
        ck_assert_str_eq(p1->hits[i].id, all->hits[i].id);
        ck_assert_uint_eq(p2->hits[i].rank, i + 3);
        ck_assert_str_eq(p2->hits[i].id, all->hits[i + 2].id);
    }
    /* Past the end: nothing, successfully. */
    o.offset = 10;
    spine_results *p3 = run("kidney", &o);
    ck_assert_uint_eq(p3->nhits, 0);
    /* limit 0 returns no hits. */
    o.offset = 0;
    o.limit = 0;
    spine_results *p4 = run("kidney", &o);
    ck_assert_uint_eq(p4->nhits, 0);
    /* The maximum limit itself is allowed. */
    o.limit = SPINE_MAX_LIMIT;
    spine_results *p5 = run("kidney", &o);
    ck_assert_uint_eq(p5->nhits, 4);
    spine_results_free(all);
    spine_results_free(p1);
    spine_results_free(p2);
    spine_results_free(p3);
    spine_results_free(p4);
    spine_results_free(p5);
}
END_TEST

START_TEST(test_default_options)
{
    /* NULL options mean SPINE_QUERY_OPTIONS_INIT: 10 hits, "**" markers. */
    spine_results *r = NULL;
    ck_assert_int_eq(spine_search(&r, S, "hypertension", NULL, NULL),
                     SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_ptr_nonnull(r->hits[0].snippet);
    ck_assert_ptr_nonnull(strstr(r->hits[0].snippet, "**hypertension**"));
    spine_results_free(r);
    spine_results_free(NULL);
}
END_TEST

START_TEST(test_snippet_markers)
{
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    spine_results *r = run("hypertension", &o);
    ck_assert_uint_eq(r->nhits, 1);
    const char *sn = r->hits[0].snippet;
    ck_assert_ptr_nonnull(sn);
    ck_assert_msg(strstr(sn, "[hypertension]") != NULL, "snippet: %s", sn);
    ck_assert_ptr_null(strstr(sn, "\x02"));
    ck_assert_ptr_null(strstr(sn, "\x03"));
    ck_assert_ptr_null(strchr(sn, '\n'));
    spine_results_free(r);

    /* Multi-byte markers, e.g. a terminal's bold. */
    o.hi_start = "\033[1m";
    o.hi_end = "\033[0m";
    r = run("bacteria", &o);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_msg(strstr(r->hits[0].snippet, "\033[1mbacteria\033[0m") != NULL,
                  "snippet: %s", r->hits[0].snippet);
    spine_results_free(r);
}
END_TEST

START_TEST(test_snippet_no_html_escapes)
{
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    spine_results *r = run("exercise", &o);
    ck_assert_uint_eq(r->nhits, 1);
    const char *sn = r->hits[0].snippet;
    ck_assert_msg(strstr(sn, "Rest & [exercise] <both> help") != NULL,
                  "snippet: %s", sn);
    ck_assert_ptr_null(strstr(sn, "&amp;"));
    ck_assert_ptr_null(strstr(sn, "&lt;"));
    ck_assert_ptr_null(strstr(sn, "&gt;"));
    spine_results_free(r);
}
END_TEST

START_TEST(test_snippet_stemmed)
{
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    spine_results *r = run("stone", &o);
    ck_assert_uint_ge(r->nhits, 1);
    int found = 0;
    for (size_t i = 0; i < r->nhits; i++) {
        if (strcmp(r->hits[i].id, "NIDDK/1") != 0)
            continue;
        found = 1;
        const char *sn = r->hits[i].snippet;
        ck_assert_msg(strstr(sn, "[stones]") || strstr(sn, "[Stones]"),
                      "snippet: %s", sn);
    }
    ck_assert(found);
    spine_results_free(r);
}
END_TEST

START_TEST(test_snippets_off)
{
    spine_query_options o = opts_default();
    o.snippets = 0;
    spine_results *r = run("kidney", &o);
    ck_assert_uint_eq(r->nhits, 4);
    for (size_t i = 0; i < r->nhits; i++) {
        ck_assert_ptr_null(r->hits[i].snippet);
        ck_assert_ptr_nonnull(r->hits[i].id);   /* still decoded */
        ck_assert(r->hits[i].title[0] != '\0');
    }
    spine_results_free(r);
}
END_TEST

START_TEST(test_spelling)
{
    spine_query_options o = opts_default();
    o.spelling = 1;
    spine_results *r = run("kidny", &o);
    ck_assert_ptr_nonnull(r->corrected);
    ck_assert_str_eq(r->corrected, "kidney");
    spine_results_free(r);

    o.spelling = 0;
    r = run("kidny", &o);
    ck_assert_ptr_null(r->corrected);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);

    /* A correctly spelt query gets no correction. */
    o.spelling = 1;
    r = run("kidney", &o);
    ck_assert_ptr_null(r->corrected);
    spine_results_free(r);
}
END_TEST

START_TEST(test_no_match)
{
    spine_query_options o = opts_default();
    spine_results *r = run("xylophone", &o);
    ck_assert_uint_eq(r->nhits, 0);
    ck_assert_uint_eq(r->estimated, 0);
    spine_results_free(r);
}
END_TEST

/* Captures what fn writes into a string (malloc()ed). */
static char *capture_text(const spine_results *r, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    *rc = spine_format_text(f, r);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

static char *capture_json(const spine_results *r, unsigned offset, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    *rc = spine_format_json(f, r, offset);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

START_TEST(test_format_json)
{
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    spine_results *r = run("kidney OR exercise", &o);
    ck_assert_uint_eq(r->nhits, 5);
    int rc;
    char *out = capture_json(r, 3, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    /* One object on one line. */
    char *nl = strchr(out, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_int_eq(nl[1], '\0');

    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    ck_assert_msg(root != NULL, "json: %s in %s", jerr.text, out);
    ck_assert(json_is_object(root));
    ck_assert_str_eq(json_string_value(json_object_get(root, "query")),
                     "kidney OR exercise");
    ck_assert(json_is_null(json_object_get(root, "corrected")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "estimated")),
                     (json_int_t)r->estimated);
    /* offset is echoed as given. */
    ck_assert_int_eq(json_integer_value(json_object_get(root, "offset")), 3);
    json_t *hits = json_object_get(root, "hits");
    ck_assert(json_is_array(hits));
    ck_assert_uint_eq(json_array_size(hits), r->nhits);
    for (size_t i = 0; i < r->nhits; i++) {
        json_t *h = json_array_get(hits, i);
        const spine_hit *w = &r->hits[i];
        ck_assert_int_eq(json_integer_value(json_object_get(h, "rank")),
                         w->rank);
        ck_assert_uint_eq(w->rank, i + 1);
        ck_assert_str_eq(json_string_value(json_object_get(h, "id")), w->id);
        ck_assert(json_is_real(json_object_get(h, "score")));
        ck_assert_double_eq_tol(json_real_value(json_object_get(h, "score")),
                                w->score, 1e-9 * (1 + w->score));
        ck_assert_str_eq(json_string_value(json_object_get(h, "title")),
                         w->title);
        ck_assert_str_eq(json_string_value(json_object_get(h, "source")),
                         w->source);
        ck_assert_str_eq(json_string_value(json_object_get(h, "url")),
                         w->url);
        ck_assert_str_eq(json_string_value(json_object_get(h, "snippet")),
                         w->snippet);
        ck_assert_uint_eq(json_object_size(h), 8);   /* + "section" */
    }
    /* + "auto_corrected", "over_budget" */
    ck_assert_uint_eq(json_object_size(root), 7);
    /* The back pain snippet keeps & and < literally through JSON. */
    int literal = 0;
    for (size_t i = 0; i < r->nhits; i++)
        if (!strcmp(r->hits[i].id, "GARD/3"))
            literal = strstr(r->hits[i].snippet, "& [exercise] <both>") != NULL;
    ck_assert(literal);
    json_decref(root);
    free(out);
    spine_results_free(r);

    /* Without snippets, with a correction. */
    o.snippets = 0;
    o.spelling = 1;
    r = run("kidny stones", &o);
    ck_assert_ptr_nonnull(r->corrected);
    out = capture_json(r, 0, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    root = json_loads(out, 0, &jerr);
    ck_assert_msg(root != NULL, "json: %s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "corrected")),
                     r->corrected);
    hits = json_object_get(root, "hits");
    ck_assert_uint_ge(json_array_size(hits), 1);
    ck_assert(json_is_null(json_object_get(json_array_get(hits, 0),
                                           "snippet")));
    json_decref(root);
    free(out);
    spine_results_free(r);
}
END_TEST

START_TEST(test_format_text)
{
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    o.spelling = 1;
    /* Two edits from "kidney" (Levenshtein): too far to search without
     * asking. */
    spine_results *r = run("kidnye stones", &o);
    ck_assert_ptr_nonnull(r->corrected);
    ck_assert_str_eq(r->corrected, "kidney stones");
    ck_assert_int_eq(r->auto_corrected, 0);
    int rc;
    char *out = capture_text(r, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    ck_assert_msg(strncmp(out, "Did you mean: kidney stones?\n\n"
                          "1-3 of 3 articles\n\n1. ", 50) == 0,
                  "text output: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "1. Kidney Stones [NIDDK]\n"));
    ck_assert_ptr_nonnull(strstr(out, "https://example.org/kidney-stones"));
    ck_assert_ptr_nonnull(strstr(out, "[stones]"));
    free(out);
    spine_results_free(r);

    /* No correction, no "Did you mean" line. */
    o.spelling = 0;
    r = run("exercise", &o);
    out = capture_text(r, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    ck_assert_ptr_null(strstr(out, "Did you mean"));
    ck_assert_msg(strncmp(out, "1 of 1 article\n\n1. Back Pain [GARD]\n",
                          36) == 0, "text output: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "Rest & [exercise] <both>"));
    free(out);
    spine_results_free(r);

    /* No hits: nothing at all. */
    r = run("xylophone", &o);
    out = capture_text(r, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    ck_assert_str_eq(out, "");
    free(out);
    spine_results_free(r);
}
END_TEST

/* ---- counts, facets and sources ----------------------------------------- */

/* Runs q as o asks, then once per source filtered by it ("q
 * source:NAME", every hit), and checks that r's facets (o with facets)
 * are those hit counts, and its count their sum: the plain path is the
 * reference for the counting one. */
static void assert_facets_as_filtered(const char *q, spine_query_options o)
{
    static const char *const sources[] = { "NIDDK", "GARD", "NHLBI", "CDC" };
    o.facets = 1;
    spine_results *r = run(q, &o);
    unsigned long sum = 0;
    ck_assert_uint_eq(r->lower, r->upper);
    ck_assert_uint_eq(r->estimated, r->lower);
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        spine_query_options plain = opts_default();
        plain.snippets = 0;
        plain.match_all = o.match_all;
        char fq[256];
        snprintf(fq, sizeof fq, "(%s) source:%s", q, sources[i]);
        spine_results *f = run(fq, &plain);
        unsigned long got = 0;
        for (size_t k = 0; k < r->nfacets; k++)
            if (!strcmp(r->facets[k].source, sources[i]))
                got = r->facets[k].count;
        ck_assert_msg(got == f->nhits, "%s: %s has %lu, filtered %zu", q,
                      sources[i], got, f->nhits);
        sum += got;
        spine_results_free(f);
    }
    ck_assert_msg(sum == r->estimated, "%s: facets sum to %lu, count %lu",
                  q, sum, r->estimated);
    for (size_t k = 0; k < r->nfacets; k++) {
        ck_assert_uint_gt(r->facets[k].count, 0);
        if (k)
            ck_assert_uint_ge(r->facets[k - 1].count, r->facets[k].count);
    }
    spine_results_free(r);
}

/* The counts: exact when asked (count, facets) and whenever a page falls
 * short of its limit; an empty page past the end caps them at offset. */
START_TEST(test_counts)
{
    spine_query_options o = opts_default();
    o.snippets = 0;
    spine_results *r = run("kidney", &o);          /* limit 100: short */
    ck_assert_uint_eq(r->nhits, 4);
    ck_assert_uint_eq(r->lower, 4);
    ck_assert_uint_eq(r->upper, 4);
    ck_assert_uint_eq(r->estimated, 4);
    ck_assert_ptr_null(r->facets);
    spine_results_free(r);

    o.limit = 1;
    r = run("kidney OR blood", &o);
    ck_assert_uint_le(r->lower, r->estimated);
    ck_assert_uint_ge(r->upper, r->estimated);
    spine_results_free(r);
    o.count = 1;
    r = run("kidney OR blood", &o);                /* 4 + 3, one both */
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_uint_eq(r->lower, 6);
    ck_assert_uint_eq(r->upper, 6);
    ck_assert_uint_eq(r->estimated, 6);
    spine_results_free(r);

    /* Past the end: no hits, the count still there. */
    o.count = 0;
    o.limit = 10;
    o.offset = 20;
    r = run("kidney", &o);
    ck_assert_uint_eq(r->nhits, 0);
    ck_assert_uint_le(r->upper, 20);
    ck_assert_uint_ge(r->estimated, 1);
    spine_results_free(r);
    o.count = 1;
    r = run("kidney", &o);
    ck_assert_uint_eq(r->nhits, 0);
    ck_assert_uint_eq(r->estimated, 4);
    ck_assert_uint_eq(r->lower, r->upper);
    spine_results_free(r);

    /* A count alone: limit 0. */
    o.offset = 0;
    o.limit = 0;
    r = run("kidney", &o);
    ck_assert_uint_eq(r->nhits, 0);
    ck_assert_uint_eq(r->estimated, 4);
    ck_assert_uint_eq(r->lower, 4);
    spine_results_free(r);

    /* A phrase checked against the text: only what passes counts. */
    r = run("\"blood pressure\"", &o);
    ck_assert_uint_eq(r->estimated, 1);
    ck_assert_uint_eq(r->lower, r->upper);
    spine_results_free(r);
    o.count = 0;
    o.limit = 10;
    r = run("\"blood pressure\"", &o);             /* short page: exact */
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_uint_eq(r->estimated, 1);
    ck_assert_uint_eq(r->lower, r->upper);
    spine_results_free(r);

    /* --related counts too. */
    spine_results *rel = NULL;
    spine_error err;
    o.count = 1;
    o.limit = 1;
    ck_assert_int_eq(spine_related(&rel, S, "NIDDK/1", &o, &err), SPINE_OK);
    ck_assert_uint_eq(rel->lower, rel->upper);
    ck_assert_uint_ge(rel->estimated, rel->nhits);
    spine_results_free(rel);
}
END_TEST

/* Facets count the whole match per source, as filtering by each source
 * finds it: words, OR, AND, NOT, wildcards, phrases (checked against the
 * text on an index without positions, where Xapian's own match is the
 * AND of the words) and --expand, on any page. */
START_TEST(test_facets)
{
    static const char *const queries[] = {
        "kidney", "kidney OR blood OR stones", "stones -kidney", "sto*",
        "\"blood pressure\"", "\"blood pressure\" OR legs",
        "\"kidney stones\" water", "blood NEAR/2 pressure", "xylophone",
    };
    spine_query_options o = opts_default();
    o.snippets = 0;
    o.limit = 1;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        assert_facets_as_filtered(queries[i], o);
    o.match_all = 1;
    assert_facets_as_filtered("kidney stones", o);
    o.match_all = 0;

    /* --expand: the expanded query is counted (a source: filter does not
     * hold its added terms, so filtering is no reference here): the
     * facets sum to its matches, all listed on a page of 100. */
    o.expand = 1;
    o.facets = 1;
    o.limit = 100;
    spine_results *r = run("kidney", &o);
    unsigned long sum = 0;
    for (size_t k = 0; k < r->nfacets; k++)
        sum += r->facets[k].count;
    ck_assert_uint_eq(sum, r->nhits);
    ck_assert_uint_eq(r->estimated, r->nhits);
    spine_results_free(r);

    /* "blood pressure" as a phrase is in NHLBI/4 alone; GARD/5 has both
     * words apart, which the AND of the words would count. */
    o.expand = 0;
    o.limit = 0;
    r = run("\"blood pressure\"", &o);
    ck_assert_uint_eq(r->nfacets, 1);
    ck_assert_str_eq(r->facets[0].source, "NHLBI");
    ck_assert_uint_eq(r->facets[0].count, 1);
    spine_results_free(r);
    /* Names as the articles give them, most first, ties by name. */
    r = run("kidney OR stones OR blood OR pressure OR bile", &o);
    ck_assert_uint_eq(r->nfacets, 4);
    for (size_t k = 0; k < r->nfacets; k++) {
        const spine_source_count *f = &r->facets[k];
        ck_assert_msg(!strcmp(f->source, "NIDDK") || !strcmp(f->source, "GARD")
                      || !strcmp(f->source, "CDC")
                      || !strcmp(f->source, "NHLBI"), "%s", f->source);
        if (k && f[-1].count == f->count)
            ck_assert_int_lt(strcmp(f[-1].source, f->source), 0);
    }
    spine_results_free(r);
    /* Nothing matches: an empty list, not NULL. */
    r = run("xylophone", &o);
    ck_assert_ptr_nonnull(r->facets);
    ck_assert_uint_eq(r->nfacets, 0);
    spine_results_free(r);
}
END_TEST

START_TEST(test_sources)
{
    spine_source_count *v = NULL;
    size_t n = 99;
    spine_error err;
    ck_assert_int_eq(spine_searcher_sources(&v, &n, S, &err), SPINE_OK);
    ck_assert_uint_eq(n, 4);
    static const char *const want[] = { "GARD", "NIDDK", "CDC", "NHLBI" };
    static const unsigned long counts[] = { 3, 3, 2, 1 };
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(v[i].source, want[i]);
        ck_assert_uint_eq(v[i].count, counts[i]);
    }
    spine_source_counts_free(v, n);
    spine_source_counts_free(NULL, 0);
}
END_TEST

/* Sources that differ in case are one, named by their first article;
 * articles without a source are listed last as "", also among facets. */
START_TEST(test_sources_unnamed)
{
    static const spine_section sec[] = { { "1", "", "Tinnitus rings." } };
    static const spine_article arts[] = {
        { "a", "A", "", "Bulk", sec, 1 },
        { "b", "B", "", "bulk", sec, 1 },
        { "c", "C", "", "", sec, 1 },
        { "d", "D", "", "Other", sec, 1 },
    };
    char *dir = tu_path(tmp, "idx-unnamed");
    spine_index *ix = NULL;
    spine_error err;
    spine_index_options io = SPINE_INDEX_OPTIONS_INIT;
    ck_assert_int_eq(spine_index_begin(&ix, dir, &io, &err), SPINE_OK);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(spine_index_add(ix, &arts[i], &err), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, &err), SPINE_OK);
    spine_index_free(ix);
    spine_searcher *s = NULL;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);

    spine_source_count *v = NULL;
    size_t n = 0;
    ck_assert_int_eq(spine_searcher_sources(&v, &n, s, &err), SPINE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0].source, "Bulk");
    ck_assert_uint_eq(v[0].count, 2);
    ck_assert_str_eq(v[1].source, "Other");
    ck_assert_uint_eq(v[1].count, 1);
    ck_assert_str_eq(v[2].source, "");
    ck_assert_uint_eq(v[2].count, 1);
    spine_source_counts_free(v, n);

    spine_query_options o = opts_default();
    o.facets = 1;
    o.limit = 1;
    spine_results *r = NULL;
    ck_assert_int_eq(spine_search(&r, s, "tinnitus", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->estimated, 4);
    ck_assert_uint_eq(r->nfacets, 3);
    ck_assert_str_eq(r->facets[2].source, "");
    ck_assert_uint_eq(r->facets[2].count, 1);
    spine_results_free(r);
    spine_searcher_free(s);
    free(dir);
}
END_TEST

static char *capture(int (*fn)(FILE *, const spine_results *),
                     const spine_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fn(f, r), SPINE_OK);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

/* "See also" (spine_query_options.see_also): the other conditions whose
 * typed sections name the query, one entry for a condition two sources
 * describe, without the article about the query; bounded, off at 0 (no
 * list), refused past SPINE_MAX_SEE_ALSO; formatted as text and JSON; the
 * entries' strings are the results' (freed by spine_results_free(), which
 * ASan checks).  Types are not stored: an article read back has "". */
START_TEST(test_see_also)
{
    static const spine_section back[] = {
        { .pid = "1", .question = "", .type = "symptoms",
          .answer = "Back pain is an ache in the lower back." },
    };
    static const spine_section stones_a[] = {
        { .pid = "1", .question = "", .type = "information",
          .answer = "Hard lumps form in the kidney." },
        { .pid = "2", .question = "", .type = "symptoms",
          .answer = "Sudden pain in your back or side." },
    };
    static const spine_section stones_b[] = {
        { .pid = "1", .question = "", .type = "symptoms",
          .answer = "Pain that starts in the back and moves to the groin." },
    };
    static const spine_section gout[] = {
        { .pid = "1", .question = "", .type = "symptoms",
          .answer = "Pain and swelling of the big toe." },
        { .pid = "2", .question = "", .type = "information",
          .answer = "Unlike back pain, gout comes from crystals." },
    };
    static const spine_section shingles[] = {
        { .pid = "1", .question = "", .type = "causes",
          .answer = "An old chickenpox virus wakes, often after back "
                    "surgery or a bout of pain and stress." },
    };
    static const spine_article arts[] = {
        { "m/1", "Back Pain", "", "Clinic", back, 1 },
        { "m/2", "Kidney Stones", "https://example.org/ks", "Clinic",
          stones_a, 2 },
        { "r/2", "Kidney stones", "", "Registry", stones_b, 1 },
        { "m/3", "Gout", "", "Clinic", gout, 2 },
        { "m/4", "Shingles", "", "Clinic", shingles, 1 },
    };
    char *dir = tu_path(tmp, "idx-seealso");
    spine_index *ix = NULL;
    spine_error err;
    spine_index_options io = SPINE_INDEX_OPTIONS_INIT;
    ck_assert_int_eq(spine_index_begin(&ix, dir, &io, &err), SPINE_OK);
    for (size_t i = 0; i < sizeof arts / sizeof arts[0]; i++)
        ck_assert_int_eq(spine_index_add(ix, &arts[i], &err), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, &err), SPINE_OK);
    spine_index_free(ix);
    spine_searcher *s = NULL;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);

    spine_query_options o = opts_default();
    spine_results *r = NULL;
    ck_assert_int_eq(spine_search(&r, s, "back pain", &o, &err), SPINE_OK);
    ck_assert_ptr_null(r->see_also);            /* not asked */
    ck_assert_uint_eq(r->nsee_also, 0);
    spine_results_free(r);

    o.see_also = 10;
    ck_assert_int_eq(spine_search(&r, s, "back pain", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nsee_also, 2);
    /* Kidney stones, once for both sources, from its symptoms; Shingles
     * from its causes; not Back Pain (the query's own), not Gout (back
     * pain outside its typed sections). */
    int sh = strcmp(r->see_also[0].id, "m/4") != 0;  /* Shingles' */
    const spine_see_also *ks = &r->see_also[!sh], *shing = &r->see_also[sh];
    ck_assert(strcmp(ks->id, "m/2") == 0 || strcmp(ks->id, "r/2") == 0);
    ck_assert_str_eq(ks->field, "symptom");
    ck_assert_str_eq(ks->source, ks->id[0] == 'm' ? "Clinic" : "Registry");
    ck_assert(strncmp(ks->title, "Kidney", 6) == 0);
    ck_assert_str_eq(shing->id, "m/4");
    ck_assert_str_eq(shing->title, "Shingles");
    ck_assert_str_eq(shing->source, "Clinic");
    ck_assert_str_eq(shing->url, "");
    ck_assert_str_eq(shing->field, "cause");
    ck_assert(r->see_also[0].score >= r->see_also[1].score);
    ck_assert(r->see_also[1].score > 0);
    char *text = capture(spine_format_text, r);
    ck_assert_ptr_nonnull(strstr(text, "See also:\n"));
    ck_assert_ptr_nonnull(strstr(text, "  Shingles [Clinic]: back pain is a "
                                       "cause\n"));
    free(text);
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    ck_assert_int_eq(spine_format_json(f, r, 0), SPINE_OK);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(json, "\"see_also\":[{\"id\":"));
    ck_assert_ptr_nonnull(strstr(json, "\"field\":\"cause\""));
    free(json);
    spine_results_free(r);

    o.see_also = 1;
    ck_assert_int_eq(spine_search(&r, s, "back pain", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nsee_also, 1);
    spine_results_free(r);

    /* Asked, with nothing to list: an empty list. */
    ck_assert_int_eq(spine_search(&r, s, "crystals", &o, &err), SPINE_OK);
    ck_assert_ptr_nonnull(r->see_also);
    ck_assert_uint_eq(r->nsee_also, 0);
    spine_results_free(r);

    o.see_also = SPINE_MAX_SEE_ALSO + 1;
    ck_assert_int_eq(spine_search(&r, s, "back pain", &o, &err),
                     SPINE_EINVAL);
    ck_assert_ptr_null(r);

    /* The field symptom: reads the typed sections alone. */
    o.see_also = 0;
    ck_assert_int_eq(spine_search(&r, s, "symptom:toe", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "m/3");
    spine_results_free(r);
    ck_assert_int_eq(spine_search(&r, s, "symptom:crystals", &o, &err),
                     SPINE_OK);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);

    spine_article *a = NULL;
    ck_assert_int_eq(spine_article_get(&a, s, "m/2", &err), SPINE_OK);
    ck_assert_str_eq(a->sections[1].type, "");
    spine_article_free(a);
    spine_searcher_free(s);
    free(dir);
}
END_TEST

/* The count line, the facets line and JSON, the error object and the
 * source listings, on results made by hand. */
START_TEST(test_format_counts)
{
    spine_hit hits[2] = { { 0 }, { 0 } };
    for (int i = 0; i < 2; i++) {
        hits[i].rank = 11 + (unsigned)i;
        hits[i].id = hits[i].title = (char *)"T";
        hits[i].source = hits[i].url = (char *)"";
    }
    spine_source_count fc[2] = { { (char *)"NIDDK\x1b", 80 },
                                 { (char *)"", 12 } };
    spine_results r = { 0 };
    r.query = (char *)"q";
    r.hits = hits;
    r.nhits = 2;
    r.estimated = 92;
    r.lower = 80;
    r.upper = 120;
    char *out = capture(spine_format_count, &r);
    ck_assert_str_eq(out, "11-12 of about 92 articles\n");
    free(out);
    r.lower = r.upper = 92;
    r.facets = fc;
    r.nfacets = 2;
    out = capture(spine_format_count, &r);
    ck_assert_str_eq(out, "11-12 of 92 articles\n"
                          "By source: NIDDK\\x1b 80, (no source) 12\n");
    free(out);
    out = capture(spine_format_text, &r);
    ck_assert_msg(strncmp(out, "11-12 of 92 articles\nBy source: ", 32) == 0
                  && strstr(out, "12\n\n11. T\n"), "text: %s", out);
    free(out);
    /* One hit; then none: the count alone; nothing matches: nothing. */
    r.nhits = 1;
    r.facets = NULL;
    r.estimated = r.lower = r.upper = 1;
    out = capture(spine_format_count, &r);
    ck_assert_str_eq(out, "11 of 1 article\n");
    free(out);
    r.nhits = 0;
    r.estimated = 92;
    r.upper = 100;
    out = capture(spine_format_count, &r);
    ck_assert_str_eq(out, "about 92 articles\n");
    free(out);
    r.estimated = r.lower = r.upper = 0;
    out = capture(spine_format_count, &r);
    ck_assert_str_eq(out, "");
    free(out);

    /* JSON: "facets" only when there are facets. */
    int rc;
    r.facets = fc;
    r.nfacets = 2;
    out = capture_json(&r, 10, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    ck_assert_msg(strstr(out, ",\"hits\":[],\"facets\":[{\"source\":"
                                 "\"NIDDK\\u001B\",\"count\":80},{\"source\":"
                                 "\"\",\"count\":12}]}\n"), "json: %s", out);
    free(out);
    r.facets = NULL;
    out = capture_json(&r, 10, &rc);
    ck_assert_ptr_null(strstr(out, "facets"));
    free(out);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(spine_format_json_error(f, "a \"b", "bad query: x"),
                     SPINE_OK);
    ck_assert_int_eq(spine_format_sources_json(f, fc, 2), SPINE_OK);
    ck_assert_int_eq(spine_format_sources_text(f, fc, 2), SPINE_OK);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_str_eq(buf,
        "{\"query\":\"a \\\"b\",\"error\":\"bad query: x\",\"hits\":[]}\n"
        "{\"articles\":92,\"sources\":[{\"source\":\"NIDDK\\u001B\","
        "\"count\":80},{\"source\":\"\",\"count\":12}]}\n"
        "      80  NIDDK\\x1b\n"
        "      12  (no source)\n"
        "      92  articles in all\n");
    free(buf);
}
END_TEST

START_TEST(test_format_escapes)
{
    /* Text that could drive a terminal -- ESC, BEL, a C1 CSI (U+009B), an
     * invalid byte -- is written as \xNN in every field; valid UTF-8 and
     * the caller's highlight markers are left alone. */
    spine_hit hit = { 0 };
    hit.rank = 1;
    hit.id = (char *)"x1";
    hit.title = (char *)"Caf\xc3\xa9 \x1b[2Jtitle\x07";
    hit.source = (char *)"SRC\xc2\x9b" "1m";
    hit.url = (char *)"https://example.org/\xff";
    hit.snippet = (char *)"\x1b[1mword\x1b[0m";
    spine_results r = { .query = (char *)"q\x1b]0;owned\x07",
                        .corrected = (char *)"fix\n", .auto_corrected = 1,
                        .estimated = 1, .hits = &hit, .nhits = 1 };
    int rc;
    char *out = capture_text(&r, &rc);
    ck_assert_int_eq(rc, SPINE_OK);
    ck_assert_msg(strstr(out, "Showing results for: fix\\x0a (search instead "
                         "for: q\\x1b]0;owned\\x07 with --exact)"),
                  "text output: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "1. Caf\xc3\xa9 \\x1b[2Jtitle\\x07 "
                                      "[SRC\\xc2\\x9b1m]\n"));
    ck_assert_ptr_nonnull(strstr(out, "https://example.org/\\xff\n"));
    ck_assert_ptr_nonnull(strstr(out, "   \x1b[1mword\x1b[0m\n"));
    free(out);
}
END_TEST

START_TEST(test_snippet_controls)
{
    /* Controls in stored text never reach a snippet: they fold into
     * spaces like layout whitespace. */
    spine_query_options o = opts_default();
    o.hi_start = "[";
    o.hi_end = "]";
    spine_wanted w = { 0 };
    xapian_query *q = NULL;
    xapian_error xe;
    ck_assert_int_eq(xapian_query_new_term(&q, "Zkidney", 7, &xe), 0);
    ck_assert_int_eq(spine_wanted_query(&w, q, &xe), 0);
    static const char text[] = "The\x1b kidney\x07\x07" "filters \xc2\x9b"
                               "blood\x7f.";
    xapian_stem *stem = NULL;
    ck_assert_int_eq(xapian_stem_new(&stem, "english", &xe), 0);
    char *snip = spine_snippet_make(text, sizeof text - 1, &w, stem, 200,
                                    o.hi_start, o.hi_end, 0);
    ck_assert_str_eq(snip, "The [kidney] filters blood .");
    free(snip);
    char *html = spine_snippet_render("a\x1b[1m \x02" "b\x03\xc2\x85" "c", "<", ">",
                                      0);
    ck_assert_str_eq(html, "a [1m <b> c");
    free(html);
    xapian_stem_free(stem);
    xapian_query_free(q);
    spine_wanted_free(&w);
}
END_TEST

START_TEST(test_reopen_after_rebuild)
{
    /* A searcher opened on one generation keeps it until its next query
     * (check_generation.c follows it there); a new searcher opens the new
     * one. */
    char *dir = tu_path(tmp, "rebuild");
    build_index(dir);
    spine_searcher *old = NULL;
    ck_assert_int_eq(spine_searcher_open(&old, dir, NULL), SPINE_OK);
    spine_index *ix = NULL;
    spine_index_options shrink = SPINE_INDEX_OPTIONS_INIT;
    shrink.allow_shrink = 1;            /* 9 articles down to 1 */
    ck_assert_int_eq(spine_index_begin(&ix, dir, &shrink, NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_add(ix, &corpus[2], NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_OK);
    spine_index_free(ix);

    ck_assert_uint_eq(spine_searcher_doccount(old), NCORPUS);
    spine_searcher *fresh = NULL;
    ck_assert_int_eq(spine_searcher_open(&fresh, dir, NULL), SPINE_OK);
    ck_assert_uint_eq(spine_searcher_doccount(fresh), 1);
    spine_results *r = NULL;
    ck_assert_int_eq(spine_search(&r, fresh, "exercise", NULL, NULL),
                     SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    spine_results_free(r);
    spine_searcher_free(fresh);
    spine_searcher_free(old);
    free(dir);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_missing_index)
{
    spine_searcher *s = (spine_searcher *)&s;
    spine_error err;
    char *missing = tu_path(tmp, "no-such-index");
    spine_error_clear(&err);
    ck_assert_int_eq(spine_searcher_open(&s, missing, &err), SPINE_ENOTFOUND);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, SPINE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, missing));
    free(missing);

    /* An empty directory is no index either. */
    char *empty = tu_path(tmp, "empty");
    ck_assert_int_eq(mkdir(empty, 0777), 0);
    ck_assert_int_eq(spine_searcher_open(&s, empty, NULL), SPINE_ENOTFOUND);
    ck_assert_ptr_null(s);
    free(empty);
}
END_TEST

START_TEST(test_not_spine_schema)
{
    /* A plain Xapian database, not written by Spine. */
    char *dir = tu_path(tmp, "plain-xapian");
    xapian_writable_database *w = NULL;
    xapian_document *doc = NULL;
    xapian_error xe;
    ck_assert_int_eq(xapian_writable_database_open(&w, dir,
                                                   XAPIAN_DB_CREATE, &xe), 0);
    ck_assert_int_eq(xapian_document_new(&doc, &xe), 0);
    ck_assert_int_eq(xapian_document_add_term(doc, "kidney", 6, 1, &xe), 0);
    ck_assert_int_eq(xapian_writable_database_add_document(NULL, w, doc, &xe),
                     0);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_document_free(doc);
    xapian_writable_database_free(w);

    spine_searcher *s = (spine_searcher *)&s;
    spine_error err;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_ECORRUPT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a Spine index"));
    free(dir);
}
END_TEST

START_TEST(test_limit_too_big)
{
    spine_query_options o = opts_default();
    o.limit = SPINE_MAX_LIMIT + 1;
    spine_results *r = (spine_results *)&r;
    spine_error err;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_search(&r, S, "kidney", &o, &err), SPINE_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.msg, "limit"));
    o.limit = (unsigned)-1;
    ck_assert_int_eq(spine_search(&r, S, "kidney", &o, NULL), SPINE_EINVAL);
}
END_TEST

START_TEST(test_query_bounds)
{
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    spine_buf q = SPINE_BUF_INIT;

    /* SPINE_MAX_QUERY_WORDS words pass; one more is refused, named. */
    for (int i = 0; i < SPINE_MAX_QUERY_WORDS; i++)
        spine_buf_puts(&q, i % 2 ? "kidney " : "stones ");
    ck_assert_int_eq(spine_search(&r, S, q.p, &o, &err), SPINE_OK);
    ck_assert_uint_gt(r->nhits, 0);
    spine_results_free(r);
    spine_buf_puts(&q, "x");
    spine_error_clear(&err);
    ck_assert_int_eq(spine_search(&r, S, q.p, &o, &err), SPINE_EQUERY);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.msg, "1025 words, at most 1024"), "%s", err.msg);

    /* Bytes: a query of one long word. */
    q.n = 0;
    for (int i = 0; i <= SPINE_MAX_QUERY_BYTES; i++)
        spine_buf_append(&q, "a", 1);
    ck_assert_int_eq(spine_search(&r, S, q.p, &o, &err), SPINE_EQUERY);
    ck_assert_msg(strstr(err.msg, "16385 bytes, at most 16384"), "%s",
                  err.msg);

    /* Wildcards: eight pass, a ninth is refused. */
    o.spelling = 0;
    ck_assert_int_eq(spine_search(&r, S, "k* s* p* b* a* d* u* e*", &o, &err),
                     SPINE_OK);
    ck_assert_uint_gt(r->nhits, 0);
    spine_results_free(r);
    ck_assert_int_eq(spine_search(&r, S, "k* s* p* b* a* d* u* e* g*", &o,
                                  &err), SPINE_EQUERY);
    ck_assert_msg(strstr(err.msg, "too many wildcards: 9, at most 8"), "%s",
                  err.msg);

    /* Spelling: a typed query is corrected, a pasted one is not. */
    o.spelling = 1;
    ck_assert_int_eq(spine_search(&r, S, "kidnye stones", &o, NULL),
                     SPINE_OK);
    ck_assert_ptr_nonnull(r->corrected);
    spine_results_free(r);
    q.n = 0;
    spine_buf_puts(&q, "kidnye");
    for (int i = 0; i < 40; i++)
        spine_buf_puts(&q, " stones");
    ck_assert_int_eq(spine_search(&r, S, q.p, &o, NULL), SPINE_OK);
    ck_assert_ptr_null(r->corrected);
    spine_results_free(r);
    spine_buf_free(&q);
}
END_TEST

START_TEST(test_time_budget)
{
    /* A budget already spent when the suggestion's turn comes: no
     * suggestion, and the results say why; the hits are still there. */
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    o.spelling = 1;
    o.expand = 1;
    o.time_budget = 1e-9;
    ck_assert_int_eq(spine_search(&r, S, "kidnye stones", &o, NULL),
                     SPINE_OK);
    ck_assert_int_eq(r->over_budget, 1);
    ck_assert_ptr_null(r->corrected);
    ck_assert_uint_gt(r->nhits, 0);
    spine_results_free(r);
    /* Without one (and with a generous one), the same query is
     * corrected. */
    o.time_budget = 0;
    ck_assert_int_eq(spine_search(&r, S, "kidnye stones", &o, NULL),
                     SPINE_OK);
    ck_assert_int_eq(r->over_budget, 0);
    ck_assert_ptr_nonnull(r->corrected);
    spine_results_free(r);
    o.time_budget = 60;
    ck_assert_int_eq(spine_search(&r, S, "kidnye stones", &o, NULL),
                     SPINE_OK);
    ck_assert_int_eq(r->over_budget, 0);
    ck_assert_ptr_nonnull(r->corrected);
    spine_results_free(r);
}
END_TEST

START_TEST(test_malformed_query)
{
    /* Xapian 1.4's parser retries most bad syntax without its special
     * features, but a dangling boolean operator is refused outright. */
    static const char *bad[] = { "(kidney OR", "kidney AND", "NOT",
                                 "OR OR" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spine_results *r = (spine_results *)&r;
        spine_error err;
        spine_error_clear(&err);
        int rc = spine_search(&r, S, bad[i], NULL, &err);
        ck_assert_msg(rc == SPINE_EQUERY, "'%s': rc %d", bad[i], rc);
        ck_assert_ptr_null(r);
        ck_assert(err.msg[0] != '\0');
    }
    /* The searcher still works after a bad query. */
    spine_query_options o = opts_default();
    spine_results *r = run("hypertension", &o);
    ck_assert_uint_eq(r->nhits, 1);
    spine_results_free(r);
}
END_TEST

START_TEST(test_corrupt_record)
{
    /* Build a private index, then damage the stored record of one
     * article in its live generation: flip a byte in the compressed data
     * and put the document back under the same unique id term. */
    char *dir = tu_path(tmp, "corrupt");
    build_index(dir);
    char *gen = tu_path(dir, "gen-000001");
    const char *victim = "GARD/8";
    char qterm[64];
    snprintf(qterm, sizeof qterm, "%s%s", SPINE_PREFIX_ID, victim);

    xapian_database *rdb = NULL;
    xapian_writable_database *w = NULL;
    xapian_document *doc = NULL;
    xapian_error xe;
    const char *data;
    size_t len;
    /* Find the victim's document by the id kept in its value slot (shards
     * built in parallel leave no telling docid order). */
    ck_assert_int_eq(xapian_database_open(&rdb, gen, &xe), 0);
    const char *val;
    size_t vlen = 0;
    for (xapian_docid did = 1; did <= NCORPUS; did++) {
        xapian_document_free(doc);
        ck_assert_int_eq(xapian_database_get_document(&doc, rdb, did, &xe),
                         0);
        ck_assert_int_eq(xapian_document_get_value(&val, &vlen, doc,
                                                   SPINE_SLOT_ID, &xe), 0);
        if (vlen == strlen(victim) && memcmp(val, victim, vlen) == 0)
            break;
    }
    ck_assert_uint_eq(vlen, strlen(victim));
    ck_assert_int_eq(memcmp(val, victim, vlen), 0);
    ck_assert_int_eq(xapian_document_get_data(&data, &len, doc, &xe), 0);
    ck_assert_uint_gt(len, 20);
    char *bad = malloc(len);
    memcpy(bad, data, len);
    bad[len - 5] ^= 0x5A;                /* inside the zlib stream */
    ck_assert_int_eq(xapian_document_set_data(doc, bad, len, &xe), 0);
    free(bad);

    ck_assert_int_eq(xapian_writable_database_open(&w, gen, XAPIAN_DB_OPEN,
                                                   &xe), 0);
    ck_assert_msg(xapian_writable_database_replace_document(
                      NULL, w, qterm, strlen(qterm), doc, &xe) == 0,
                  "replace: %s", xe.msg);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_writable_database_free(w);
    xapian_document_free(doc);
    xapian_database_free(rdb);

    spine_searcher *s = NULL;
    spine_error err;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
    ck_assert_uint_eq(spine_searcher_doccount(s), NCORPUS);

    /* A query that shows the damaged article fails, naming it. */
    spine_query_options o = opts_default();
    spine_results *r = (spine_results *)&r;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_search(&r, s, "cystinuria", &o, &err),
                     SPINE_ECORRUPT);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(err.code, SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, victim) != NULL, "message: %s", err.msg);
    /* Without snippets only the stored fields are read (and checked by
     * their own checksum): the damaged text is never inflated, so the
     * article still lists, with its title. */
    o.snippets = 0;
    r = NULL;
    ck_assert_int_eq(spine_search(&r, s, "cystinuria", &o, &err), SPINE_OK);
    ck_assert_uint_ge(r->nhits, 1);
    int listed = 0;
    for (size_t i = 0; i < r->nhits; i++)
        listed |= strcmp(r->hits[i].id, victim) == 0;
    ck_assert(listed);
    spine_results_free(r);
    /* Fetched whole, the damaged article fails its checksum, named. */
    spine_article *a = (spine_article *)&a;
    ck_assert_int_eq(spine_article_get(&a, s, victim, &err), SPINE_ECORRUPT);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err.msg, victim) != NULL, "message: %s", err.msg);

    /* Queries whose hits are intact still work: only hits shown are
     * decoded. */
    r = NULL;
    ck_assert_int_eq(spine_search(&r, s, "hypertension", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    spine_results_free(r);
    spine_searcher_free(s);

    /* The copy of the fields a listing reads (SPINE_SLOT_HEAD) has its own
     * checksum too: damaged, the listing fails, naming the article. */
    ck_assert_int_eq(xapian_writable_database_open(&w, gen, XAPIAN_DB_OPEN,
                                                   &xe), 0);
    ck_assert_int_eq(xapian_database_open(&rdb, gen, &xe), 0);
    xapian_docid vid;
    ck_assert_int_eq(xapian_database_find_docid(&vid, rdb, qterm,
                                                strlen(qterm), &xe), 0);
    ck_assert_int_eq(xapian_database_get_document(&doc, rdb, vid, &xe), 0);
    ck_assert_int_eq(xapian_document_get_value(&val, &vlen, doc,
                                               SPINE_SLOT_HEAD, &xe), 0);
    ck_assert_uint_gt(vlen, 21);
    bad = malloc(vlen);
    memcpy(bad, val, vlen);
    bad[vlen - 1] ^= 0x20;              /* inside the fields */
    ck_assert_int_eq(xapian_document_add_value(doc, SPINE_SLOT_HEAD, bad,
                                               vlen, &xe), 0);
    free(bad);
    ck_assert_int_eq(xapian_writable_database_replace_document(
                         NULL, w, qterm, strlen(qterm), doc, &xe), 0);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_writable_database_free(w);
    xapian_document_free(doc);
    xapian_database_free(rdb);
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
    r = (spine_results *)&r;
    ck_assert_int_eq(spine_search(&r, s, "cystinuria", &o, &err),
                     SPINE_ECORRUPT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.msg, victim) != NULL, "message: %s", err.msg);
    spine_searcher_free(s);
    free(gen);
    free(dir);
}
END_TEST

/* Every listing (no snippets) of the queries below, as one string: rank,
 * id, title, source, URL and score of each hit. */
static char *listings(spine_searcher *s, spine_error *err, int *rc)
{
    static const char *const queries[] = {
        "kidney stones", "pain", "blood", "children", "gout OR uric",
        "\"kidney stones\"", "title:stones", "source:gard disease",
    };
    spine_buf out = SPINE_BUF_INIT;
    spine_query_options o = opts_default();
    o.snippets = 0;
    *rc = SPINE_OK;
    for (size_t q = 0; q < sizeof queries / sizeof *queries && !*rc; q++) {
        spine_results *r = NULL;
        *rc = spine_search(&r, s, queries[q], &o, err);
        for (size_t i = 0; r && i < r->nhits; i++) {
            const spine_hit *h = &r->hits[i];
            spine_buf_printf(&out, "%s %u %s|%s|%s|%s %.9g\n", queries[q],
                             h->rank, h->id, h->title, h->source, h->url,
                             h->score);
        }
        spine_results_free(r);
    }
    return spine_buf_detach(&out);
}

START_TEST(test_heads_file)
{
    /* Hits listed without snippets come from the heads file (heads.h):
     * the same listing as from the value slot, which an index without the
     * file uses. */
    char *dir = tu_path(tmp, "heads");
    build_index(dir);
    char *file = tu_path(dir, "gen-000001/" SPINE_HEADS_FILE);
    spine_searcher *s = NULL;
    spine_error err;
    int rc;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
    char *with = listings(s, &err, &rc);
    ck_assert_msg(rc == SPINE_OK, "%s", err.msg);
    ck_assert_uint_gt(strlen(with), 200);
    spine_searcher_free(s);

    FILE *f = fopen(file, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *bytes = malloc(1 << 20);
    size_t n = fread(bytes, 1, 1 << 20, f);
    fclose(f);
    ck_assert_uint_gt(n, 72);
    ck_assert_int_eq(remove(file), 0);
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
    char *without = listings(s, &err, &rc);
    ck_assert_msg(rc == SPINE_OK, "%s", err.msg);
    ck_assert_str_eq(with, without);
    spine_searcher_free(s);

    /* Heads carry their checksum: damaged in the file, a listing fails,
     * naming the article, as from the value slot. */
    uint64_t table = 0;
    for (int i = 7; i >= 0; i--)
        table = table << 8 | bytes[16 + i];
    ck_assert_uint_lt(table, n);
    for (uint64_t at = 80; at < table; at += 16)
        bytes[at] ^= 0x20;
    ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
    char *bad = listings(s, &err, &rc);
    ck_assert_int_eq(rc, SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, "article ") != NULL, "message: %s",
                  err.msg);
    free(bad);
    spine_searcher_free(s);

    /* A file that is not a heads file at all is refused at open. */
    ck_assert_int_eq(tu_write_file(file, "SPINEHD0 and the rest", 21), 0);
    s = (spine_searcher *)&s;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_ECORRUPT);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, SPINE_HEADS_FILE) != NULL, "message: %s",
                  err.msg);
    free(bytes);
    free(with);
    free(without);
    free(file);
    free(dir);
}
END_TEST

START_TEST(test_heads_cut_short)
{
    /* The heads file cut short under open searchers (a searcher reads it
     * with pread(), never through a map, which would die of SIGBUS): one
     * that has read nothing of it fails the listings without snippets,
     * which need heads past the cut, with SPINE_ECORRUPT naming the file;
     * one that listed them before the cut lists them again from what it
     * kept, unchanged; a search with snippets does not use the file and
     * goes on. */
    char *dir = tu_path(tmp, "heads-cut");
    build_index(dir);
    char *file = tu_path(dir, "gen-000001/" SPINE_HEADS_FILE);
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    const off_t sizes[] = { st.st_size / 2, 0 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        spine_searcher *s = NULL, *fresh = NULL;
        spine_error err;
        int rc;
        ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_OK);
        char *before = listings(s, &err, &rc);
        ck_assert_msg(rc == SPINE_OK, "%s", err.msg);
        ck_assert_int_eq(spine_searcher_open(&fresh, dir, &err), SPINE_OK);
        ck_assert_int_eq(truncate(file, sizes[k]), 0);
        spine_error_clear(&err);
        char *after = listings(fresh, &err, &rc);
        ck_assert_int_eq(rc, SPINE_ECORRUPT);
        ck_assert_int_eq(err.code, SPINE_ECORRUPT);
        ck_assert_msg(strstr(err.msg, file) != NULL, "message: %s", err.msg);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
        free(after);
        spine_searcher_free(fresh);
        char *again = listings(s, &err, &rc);
        ck_assert_msg(rc == SPINE_OK, "%s", err.msg);
        ck_assert_str_eq(again, before);
        free(again);
        free(before);

        spine_query_options o = opts_default();
        spine_results *r = NULL;
        ck_assert_int_eq(spine_search(&r, s, "kidney stones", &o, &err),
                         SPINE_OK);
        ck_assert_uint_gt(r->nhits, 0);
        spine_results_free(r);
        spine_searcher_free(s);

        /* Opened after the cut, the file is refused at once. */
        s = (spine_searcher *)&s;
        ck_assert_int_eq(spine_searcher_open(&s, dir, &err), SPINE_ECORRUPT);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err.msg, file) != NULL, "message: %s", err.msg);
        tu_rmtree(dir);
        build_index(dir);
    }
    free(file);
    free(dir);
}
END_TEST

/* ---- synonyms, stop words, typos, related, sections ---------------------- */

/* Builds the corpus into tmpdir/name with the given word lists (file
 * contents, NULL for none) and opens a searcher on it. */
static int build_with_lists(spine_searcher **out, const char *dir,
                            const char *synonyms, const char *stopwords,
                            spine_error *err)
{
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    char *syn = tu_path(dir, "syn.txt"), *stop = tu_path(dir, "stop.txt");
    char *idx = tu_path(dir, "idx");
    spine_index *ix = NULL;
    int rc;
    if (synonyms) {
        tu_write_file(syn, synonyms, strlen(synonyms));
        o.synonyms = syn;
    }
    if (stopwords) {
        tu_write_file(stop, stopwords, strlen(stopwords));
        o.stopwords = stop;
    }
    o.threads = 2;
    rc = spine_index_begin(&ix, idx, &o, err);
    for (size_t i = 0; rc == 0 && i < NCORPUS; i++)
        rc = spine_index_add(ix, &corpus[i], err);
    if (rc == 0)
        rc = spine_index_commit(ix, NULL, err);
    spine_index_free(ix);
    if (rc == 0)
        rc = spine_searcher_open(out, idx, err);
    free(syn);
    free(stop);
    free(idx);
    return rc;
}

static const char *first_id(spine_searcher *s, const char *q)
{
    static char id[64];
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    ck_assert_msg(spine_search(&r, s, q, &o, &err) == SPINE_OK, "%s",
                  err.msg);
    snprintf(id, sizeof id, "%s", r->nhits ? r->hits[0].id : "");
    spine_results_free(r);
    return id;
}

START_TEST(test_synonym_lookup)
{
    char *dir = tu_mkdtemp();
    spine_searcher *s = NULL;
    spine_error err;
    /* Neither "nephrolithiasis" nor "backache" occurs in the corpus: only
     * the synonym table can lead to the articles. */
    ck_assert_msg(build_with_lists(&s, dir,
                                   "# comment\n"
                                   "nephrolithiasis: kidney stones\n"
                                   "\n"
                                   "backache, back pain  # equivalents\n"
                                   "raised blood pressure: hypertension\n",
                                   NULL, &err) == SPINE_OK, "%s", err.msg);
    ck_assert_str_eq(first_id(s, "nephrolithiasis"), "NIDDK/1");
    ck_assert_str_eq(first_id(s, "Backache"), "GARD/3");
    ck_assert_str_eq(first_id(s, "backaches"), "GARD/3");   /* by stem */
    ck_assert_str_eq(first_id(s, "raised blood pressure"), "NHLBI/4");
    /* A query none of whose words is in a key is parsed without the
     * look-ups; these all have one, however written. */
    ck_assert_str_eq(first_id(s, "(Nephrolithiasis)"), "NIDDK/1");
    ck_assert_str_eq(first_id(s, "title:backache"), "GARD/3");
    ck_assert_str_eq(first_id(s, "diet raised blood pressure"), "NHLBI/4");
    spine_searcher_free(s);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_stem_keeps_prefix)
{
    /* The synonym gate (search.c, may_stem_to_synonym) skips stemming a
     * word that begins with no synonym word less its last letter.  That
     * rests on English stemming keeping a prefix of the word and changing
     * or adding at most one last letter, save three irregular forms:
     * check it on words whose endings the stemmer rewrites. */
    static const char *const words[] = {
        "happy", "hoping", "hopping", "possibility", "generalization",
        "relational", "sensitivity", "analogies", "conditional", "agreed",
        "cried", "ties", "skies", "ugly", "early", "only", "gently",
        "kidneys", "stones", "children", "feet", "backaches", "digitizer",
        "operator", "reasonably", "fulness", "hopefulness", "formality",
        "electrical", "electricity", "adjustable", "dependent", "activate",
        "angularity", "controlling", "news", "atlas", "succeeded", "inning",
        "dying", "lying", "tying",
    };
    xapian_stem *st = NULL;
    xapian_error xe;
    ck_assert_int_eq(xapian_stem_new(&st, SPINE_STEM_LANGUAGE, &xe), 0);
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        const char *w = words[i];
        char *stem = NULL;
        ck_assert_int_eq(xapian_stem_word(&stem, st, w, strlen(w), &xe), 0);
        size_t n = strlen(stem);
        int irregular = !strcmp(w, "dying") || !strcmp(w, "lying")
                        || !strcmp(w, "tying");
        ck_assert_msg(n >= 1 && n - 1 <= strlen(w), "%s -> %s", w, stem);
        ck_assert_msg(irregular == (memcmp(stem, w, n - 1) != 0),
                      "%s -> %s", w, stem);
        free(stem);
    }
    xapian_stem_free(st);
}
END_TEST

START_TEST(test_synonym_bad_line)
{
    static const char *bad[] = {
        "kidney stones, nephrolithiasis\nlonely phrase\n",
        "a, b\nkidney: \n",
        "a, b\n: kidney\n",
        "a, b\nheart-attack, infarction\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *dir = tu_mkdtemp();
        spine_searcher *s = NULL;
        spine_error err;
        ck_assert_int_eq(build_with_lists(&s, dir, bad[i], NULL, &err),
                         SPINE_EPARSE);
        ck_assert_msg(strstr(err.msg, "syn.txt:2:") != NULL, "%s", err.msg);
        ck_assert_ptr_null(s);
        tu_rmtree(dir);
        free(dir);
    }
}
END_TEST

START_TEST(test_stopwords)
{
    char *dir = tu_mkdtemp();
    spine_searcher *s = NULL;
    spine_error err;
    ck_assert_msg(build_with_lists(&s, dir, NULL, "# question words\n"
                                   "what is a\nare the\n", &err) == SPINE_OK,
                  "%s", err.msg);
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    /* Without the stop list "what is a" would match every question. */
    ck_assert_int_eq(spine_search(&r, s, "what is a cystinuria", &o, &err),
                     SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "GARD/8");
    spine_results_free(r);
    spine_searcher_free(s);
    tu_rmtree(dir);
    free(dir);

    dir = tu_mkdtemp();
    ck_assert_int_eq(build_with_lists(&s, dir, NULL, "what is\nnot-a-word\n",
                                      &err), SPINE_EPARSE);
    ck_assert_msg(strstr(err.msg, "stop.txt:2:") != NULL, "%s", err.msg);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_autocorrect)
{
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    o.spelling = 1;
    ck_assert_int_eq(spine_search(&r, S, "cystinurea", &o, &err), SPINE_OK);
    ck_assert_str_eq(r->corrected, "cystinuria");
    ck_assert_int_eq(r->auto_corrected, 1);
    ck_assert_uint_ge(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "GARD/8");
    spine_results_free(r);
    /* Known words do not stop a close correction of the unknown one:
     * "stones" alone would also find the gallstone and cystinuria
     * articles, "kidney stones" is what was meant. */
    ck_assert_int_eq(spine_search(&r, S, "kidny stones", &o, &err),
                     SPINE_OK);
    ck_assert_str_eq(r->corrected, "kidney stones");
    ck_assert_int_eq(r->auto_corrected, 1);
    ck_assert_str_eq(r->hits[0].id, "NIDDK/1");
    spine_results_free(r);
    o.autocorrect = 0;                                  /* --exact */
    ck_assert_int_eq(spine_search(&r, S, "cystinurea", &o, &err), SPINE_OK);
    ck_assert_int_eq(r->auto_corrected, 0);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);
}
END_TEST

/* A word that no article uses but a synonym key does is known: it is
 * neither corrected nor suggested against ("bacterium" is two edits from
 * the articles' "bacteria", close enough to correct, but it is a key of
 * the synonym table and finds them through it). */
START_TEST(test_synonym_words_known)
{
    char *dir = tu_mkdtemp();
    spine_searcher *s = NULL;
    spine_error err;
    ck_assert_msg(build_with_lists(&s, dir, "bacterium: bacteria\n", NULL,
                                   &err) == SPINE_OK,
                  "%s", err.msg);
    spine_query_options o = opts_default();
    o.spelling = 1;
    spine_results *r = NULL;
    ck_assert_int_eq(spine_search(&r, s, "bacterium", &o, &err), SPINE_OK);
    ck_assert_ptr_null(r->corrected);
    ck_assert_int_eq(r->auto_corrected, 0);
    ck_assert_uint_ge(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, "NIDDK/7");
    spine_results_free(r);
    spine_searcher_free(s);
    tu_rmtree(dir);
    free(dir);

    /* Without the synonym the same word is unknown, and "bacteria" is
     * offered; but "bacterium" is a word of hunspell's English
     * dictionary, so it is not replaced without asking (check_spell). */
    dir = tu_mkdtemp();
    ck_assert_int_eq(build_with_lists(&s, dir, NULL, NULL, &err), SPINE_OK);
    ck_assert_int_eq(spine_search(&r, s, "bacterium", &o, &err), SPINE_OK);
    ck_assert_ptr_nonnull(r->corrected);
    ck_assert_str_eq(r->corrected, "bacteria");
    ck_assert_int_eq(r->auto_corrected, 0);
    spine_results_free(r);
    spine_searcher_free(s);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_related)
{
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    ck_assert_int_eq(spine_related(&r, S, "NIDDK/1", &o, &err), SPINE_OK);
    ck_assert_uint_ge(r->nhits, 1);
    for (size_t i = 0; i < r->nhits; i++)
        ck_assert_str_ne(r->hits[i].id, "NIDDK/1");
    ck_assert_str_eq(r->query, "NIDDK/1");
    spine_results_free(r);
    ck_assert_int_eq(spine_related(&r, S, "NIDDK/99", &o, &err),
                     SPINE_ENOTFOUND);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.msg, "NIDDK/99"));
}
END_TEST

/* spine_article_get(): the article as it was indexed, every section in
 * order; an unknown id is SPINE_ENOTFOUND, naming it. */
START_TEST(test_article_get)
{
    spine_article *a = (spine_article *)&a;
    spine_error err;
    ck_assert_msg(spine_article_get(&a, S, "NIDDK/1", &err) == SPINE_OK,
                  "%s", err.msg);
    ck_assert_str_eq(a->id, "NIDDK/1");
    ck_assert_str_eq(a->title, "Kidney Stones");
    ck_assert_str_eq(a->url, "https://example.org/kidney-stones");
    ck_assert_str_eq(a->source, "NIDDK");
    ck_assert_uint_eq(a->nsections, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_str_eq(a->sections[i].pid, s_kidney[i].pid);
        ck_assert_str_eq(a->sections[i].question, s_kidney[i].question);
        ck_assert_str_eq(a->sections[i].answer, s_kidney[i].answer);
    }
    spine_article_free(a);
    ck_assert_int_eq(spine_article_get(&a, S, "GARD/3", &err), SPINE_OK);
    ck_assert_str_eq(a->url, "");
    ck_assert_str_eq(a->sections[0].answer, s_back[0].answer);
    spine_article_free(a);
    a = (spine_article *)&a;
    ck_assert_int_eq(spine_article_get(&a, S, "NIDDK/99", &err),
                     SPINE_ENOTFOUND);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err.msg, "NIDDK/99"));
    /* An id is a whole term: a prefix of one finds nothing. */
    ck_assert_int_eq(spine_article_get(&a, S, "NIDDK/", &err),
                     SPINE_ENOTFOUND);
    spine_article_free(NULL);
}
END_TEST

/* Makes a snippet of text for the query terms terms[0..n) (Xapian's form:
 * "Zstone" a stem, "kidney" a word as typed). */
static char *make_snippet(const char *text, const char *const *terms,
                          size_t n, size_t bytes, unsigned cut)
{
    xapian_error xe;
    xapian_stem *stem;
    xapian_query **parts = calloc(n, sizeof *parts), *q;
    spine_wanted w;
    ck_assert_int_eq(xapian_stem_new(&stem, "english", &xe), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(xapian_query_new_term(&parts[i], terms[i],
                                               strlen(terms[i]), &xe), 0);
    ck_assert_int_eq(xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, parts, n,
                                          &xe), 0);
    ck_assert_int_eq(spine_wanted_query(&w, q, &xe), 0);
    char *sn = spine_snippet_make(text, strlen(text), &w, stem, bytes, "[",
                                  "]", cut);
    spine_wanted_free(&w);
    xapian_query_free(q);
    for (size_t i = 0; i < n; i++)
        xapian_query_free(parts[i]);
    free(parts);
    xapian_stem_free(stem);
    return sn;
}

/* Spine's snippets mark exactly the words Xapian would match: a word whose
 * stem is a query stem (even when the stem is not a prefix of it: "happy"
 * stems to "happi"), a word as typed in any case; not a longer word that
 * merely starts with a stem.  Layout whitespace folds; nothing is escaped;
 * "..." marks text left out, at either end. */
START_TEST(test_snippet_make)
{
    static const char *const terms[] = { "Zstone", "Zhappi", "kidney" };
    char *sn = make_snippet("Stones at Stonehenge,\n\n  happy KIDNEY & <b>",
                            terms, 3, 200, 0);
    ck_assert_str_eq(sn, "[Stones] at Stonehenge, [happy] [KIDNEY] & <b>");
    free(sn);
    sn = make_snippet("stoned kidneys", terms, 3, 200,
                      SPINE_CUT_HEAD | SPINE_CUT_TAIL);
    ck_assert_str_eq(sn, "...[stoned] kidneys...");
    free(sn);

    /* A long text: the window around the match, cut between words. */
    spine_buf text = SPINE_BUF_INIT;
    for (int i = 0; i < 20; i++)
        spine_buf_puts(&text, "Filler words say little. ");
    spine_buf_puts(&text, "Here a kidney stone forms. ");
    for (int i = 0; i < 20; i++)
        spine_buf_puts(&text, "More filler follows. ");
    sn = make_snippet(text.p, terms, 3, 80, 0);
    ck_assert_msg(strstr(sn, "[kidney] [stone] forms.") != NULL, "%s", sn);
    ck_assert_msg(strncmp(sn, "...", 3) == 0 && sn[3] != ' ', "%s", sn);
    ck_assert_msg(strcmp(sn + strlen(sn) - 3, "...") == 0, "%s", sn);
    ck_assert_msg(strlen(sn) <= 80 + 4 + 6, "%s", sn);
    ck_assert_msg(!strstr(sn, "fille...") && !strstr(sn, "...ller"), "%s", sn);
    free(sn);

    /* No match: the text's start. */
    sn = make_snippet(text.p, terms + 2, 0, 40, 0);
    ck_assert_msg(strncmp(sn, "Filler words", 12) == 0, "%s", sn);
    free(sn);
    spine_buf_free(&text);
}
END_TEST

/* A wildcard's snippet still marks what it expanded to (Xapian's snippet
 * knows the expansion). */
START_TEST(test_snippet_wildcard)
{
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    ck_assert_int_eq(spine_search(&r, S, "hypert*", &o, &err), SPINE_OK);
    ck_assert_uint_ge(r->nhits, 1);
    ck_assert_msg(strstr(r->hits[0].snippet, "**hypertension**") != NULL,
                  "snippet: %s", r->hits[0].snippet);
    spine_results_free(r);
}
END_TEST

/* A long section is cut to its densest window before Xapian sees it: the
 * snippet still shows the match, far from the start, with "..." at both
 * cut ends; a match at the very start gets no leading "...". */
START_TEST(test_snippet_window)
{
    spine_buf text = SPINE_BUF_INIT;
    for (int i = 0; i < 60; i++)
        spine_buf_puts(&text, "Filler words say little of any use here. ");
    spine_buf_puts(&text, "Only here does the zygomatic arch appear, "
                          "the zygomatic bone of the cheek. ");
    for (int i = 0; i < 60; i++)
        spine_buf_puts(&text, "More filler follows and it says nothing. ");
    spine_section sec[] = { { "1", "", text.p } };
    spine_section head[] = { { "1", "", "Quadriceps muscles straighten "
                                        "the knee. Nothing else here." } };
    spine_article arts[] = {
        { "T/1", "Long Article", "", "T", sec, 1 },
        { "T/2", "Short Article", "", "T", head, 1 },
    };
    char *dir = tu_mkdtemp(), *idx = tu_path(dir, "idx");
    spine_index *ix = NULL;
    spine_searcher *s = NULL;
    spine_results *r = NULL;
    spine_error err;
    ck_assert_int_eq(spine_index_begin(&ix, idx, NULL, &err), SPINE_OK);
    for (size_t i = 0; i < 2; i++)
        ck_assert_int_eq(spine_index_add(ix, &arts[i], &err), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, &err), SPINE_OK);
    spine_index_free(ix);
    ck_assert_int_eq(spine_searcher_open(&s, idx, &err), SPINE_OK);

    spine_query_options o = opts_default();
    ck_assert_int_eq(spine_search(&r, s, "zygomatic", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    const char *sn = r->hits[0].snippet;
    ck_assert_msg(strstr(sn, "**zygomatic** arch") != NULL, "snippet: %s", sn);
    ck_assert_msg(strncmp(sn, "...", 3) == 0, "snippet: %s", sn);
    ck_assert_msg(strcmp(sn + strlen(sn) - 3, "...") == 0, "snippet: %s", sn);
    ck_assert_msg(strlen(sn) < 2 * o.snippet_bytes, "snippet: %s", sn);
    spine_results_free(r);

    ck_assert_int_eq(spine_search(&r, s, "quadriceps", &o, &err), SPINE_OK);
    ck_assert_uint_eq(r->nhits, 1);
    sn = r->hits[0].snippet;
    ck_assert_msg(strncmp(sn, "**Quadriceps** muscles", 22) == 0,
                  "snippet: %s", sn);
    spine_results_free(r);

    spine_searcher_free(s);
    spine_buf_free(&text);
    tu_rmtree(dir);
    free(idx);
    free(dir);
}
END_TEST

/* spine_snippet_text() cuts a long section to the window where the query
 * words are densest, on word boundaries, and says which ends it cut;
 * spine_snippet_render() marks those ends with "..." once. */
START_TEST(test_snippet_text_window)
{
    spine_buf text = SPINE_BUF_INIT, b = SPINE_BUF_INIT;
    spine_buf_puts(&text, "Zygomatic first. ");
    for (int i = 0; i < 40; i++)
        spine_buf_puts(&text, "Filler words say little of any use here. ");
    spine_buf_puts(&text, "The zygomatic arch and the zygomatic bone. ");
    for (int i = 0; i < 40; i++)
        spine_buf_puts(&text, "More filler follows and it says nothing. ");
    spine_section sec[] = { { "7", "", text.p } };
    spine_article a = { "T/1", "T", "", "T", sec, 1 };
    xapian_query *q = NULL;
    xapian_error xe;
    spine_wanted w;
    const char *pid;
    unsigned cut;
    ck_assert_int_eq(xapian_query_new_term(&q, "Zzygomat", 8, &xe), 0);
    ck_assert_int_eq(spine_wanted_query(&w, q, &xe), 0);

    spine_snippet_text(&b, &pid, &cut, &a, &w, 0);
    ck_assert_str_eq(pid, "7");
    ck_assert_uint_eq(cut, 0);
    ck_assert_uint_gt(b.n, strlen(text.p));          /* the whole section */

    spine_snippet_text(&b, &pid, &cut, &a, &w, 200);
    ck_assert_uint_le(b.n, 200);
    ck_assert_uint_eq(cut, SPINE_CUT_HEAD | SPINE_CUT_TAIL);
    /* The two matches together, not the lone one at the start. */
    ck_assert_msg(strstr(b.p, "zygomatic arch and the zygomatic bone"),
                  "window: %s", b.p);
    /* Whole words: in the section, a space comes just before and after. */
    const char *at = strstr(text.p, b.p);
    ck_assert_ptr_nonnull(at);
    ck_assert_msg(at > text.p && at[-1] == ' ' && at[b.n] == ' ',
                  "window: %s", b.p);

    char *out = spine_snippet_render("x \002y\003 z", "[", "]",
                                     SPINE_CUT_HEAD | SPINE_CUT_TAIL);
    ck_assert_str_eq(out, "...x [y] z...");
    free(out);
    out = spine_snippet_render("...x z...", "[", "]",
                               SPINE_CUT_HEAD | SPINE_CUT_TAIL);
    ck_assert_str_eq(out, "...x z...");
    free(out);
    out = spine_snippet_render("x z", "[", "]", 0);
    ck_assert_str_eq(out, "x z");
    free(out);

    spine_wanted_free(&w);
    xapian_query_free(q);
    spine_buf_free(&b);
    spine_buf_free(&text);
}
END_TEST

START_TEST(test_best_section_explain)
{
    spine_query_options o = opts_default();
    spine_results *r = NULL;
    spine_error err;
    o.explain = 1;
    ck_assert_int_eq(spine_search(&r, S, "plenty water", &o, &err), SPINE_OK);
    ck_assert_str_eq(r->hits[0].id, "NIDDK/1");
    ck_assert_str_eq(r->hits[0].section, "2");
    ck_assert_ptr_nonnull(strstr(r->hits[0].snippet, "**water**"));
    ck_assert_uint_ge(r->hits[0].nexplain, 2);
    for (size_t k = 0; k < r->hits[0].nexplain; k++) {
        const spine_term_weight *t = &r->hits[0].explain[k];
        ck_assert_msg(strstr(t->term, "plenti") || strstr(t->term, "water"),
                      "%s", t->term);
        ck_assert(t->weight > 0 && t->docs >= 1);
    }
    spine_results_free(r);
}
END_TEST

static Suite *search_suite(void)
{
    Suite *s = suite_create("search");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, setup_index, teardown_index);
    tcase_add_checked_fixture(core, setup_searcher, teardown_searcher);
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_doccount);
    tcase_add_test(core, test_snippet_window);
    tcase_add_test(core, test_snippet_make);
    tcase_add_test(core, test_snippet_wildcard);
    tcase_add_test(core, test_snippet_text_window);
    tcase_add_test(core, test_ranking);
    tcase_add_test(core, test_or_and);
    tcase_add_test(core, test_phrase);
    tcase_add_test(core, test_phrase_words_apart);
    tcase_add_test(core, test_phrase_or);
    tcase_add_test(core, test_phrase_same_as_positions);
    tcase_add_test(core, test_folding);
    tcase_add_test(core, test_folding_snippets);
    tcase_add_test(core, test_split_threads);
    tcase_add_test(core, test_title_field);
    tcase_add_test(core, test_source_filter);
    tcase_add_test(core, test_wildcard);
    tcase_add_test(core, test_not);
    tcase_add_test(core, test_offset_limit);
    tcase_add_test(core, test_default_options);
    tcase_add_test(core, test_snippet_markers);
    tcase_add_test(core, test_snippet_no_html_escapes);
    tcase_add_test(core, test_snippet_stemmed);
    tcase_add_test(core, test_snippets_off);
    tcase_add_test(core, test_spelling);
    tcase_add_test(core, test_no_match);
    tcase_add_test(core, test_format_json);
    tcase_add_test(core, test_format_text);
    tcase_add_test(core, test_format_escapes);
    tcase_add_test(core, test_snippet_controls);
    tcase_add_test(core, test_reopen_after_rebuild);
    tcase_add_test(core, test_synonym_lookup);
    tcase_add_test(core, test_stem_keeps_prefix);
    tcase_add_test(core, test_synonym_bad_line);
    tcase_add_test(core, test_stopwords);
    tcase_add_test(core, test_autocorrect);
    tcase_add_test(core, test_synonym_words_known);
    tcase_add_test(core, test_related);
    tcase_add_test(core, test_article_get);
    tcase_add_test(core, test_best_section_explain);
    tcase_add_test(core, test_counts);
    tcase_add_test(core, test_facets);
    tcase_add_test(core, test_sources);
    tcase_add_test(core, test_sources_unnamed);
    tcase_add_test(core, test_see_also);
    tcase_add_test(core, test_format_counts);
    suite_add_tcase(s, core);

    /* The same phrase tests on an index with word positions. */
    TCase *pos = tcase_create("positions");
    tcase_add_unchecked_fixture(pos, setup_index_positions, teardown_index);
    tcase_add_checked_fixture(pos, setup_searcher, teardown_searcher);
    tcase_set_timeout(pos, 60);
    tcase_add_test(pos, test_phrase);
    tcase_add_test(pos, test_phrase_words_apart);
    tcase_add_test(pos, test_phrase_or);
    tcase_add_test(pos, test_facets);
    suite_add_tcase(s, pos);

    TCase *errors = tcase_create("errors");
    tcase_add_unchecked_fixture(errors, setup_index, teardown_index);
    tcase_add_checked_fixture(errors, setup_searcher, teardown_searcher);
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_missing_index);
    tcase_add_test(errors, test_not_spine_schema);
    tcase_add_test(errors, test_limit_too_big);
    tcase_add_test(errors, test_query_bounds);
    tcase_add_test(errors, test_time_budget);
    tcase_add_test(errors, test_malformed_query);
    tcase_add_test(errors, test_corrupt_record);
    tcase_add_test(errors, test_heads_file);
    tcase_add_test(errors, test_heads_cut_short);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(search_suite());
}
