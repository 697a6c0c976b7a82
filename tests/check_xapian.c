/*
 * check_xapian.c -- Check suite for the C binding of Xapian (xapian-c/).
 *
 * "core" builds a small database through the binding and searches it the
 * way libspine will; "errors" drives every failure path the header
 * promises: missing, locked, closed and corrupt databases, malformed
 * queries, NULL arguments and out-of-range indices.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spine_ext.h"
#include "testutil.h"
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

/* ------------------------------------------------------------------------
 * A small test corpus
 */

struct sample {
    const char *id;       /* unique term */
    const char *title;
    const char *body;
    const char *source;   /* boolean term XS<source>, value slot 1 */
    const char *year;     /* value slot 0 */
};

static const struct sample samples[] = {
    { "Qdoc1", "Diabetes overview",
      "Diabetes is a disease in which blood glucose levels are too high. "
      "Insulin helps the body use glucose.", "nih", "2001" },
    { "Qdoc2", "Heart attack",
      "A heart attack happens when blood flow to the heart is blocked.",
      "cdc", "2005" },
    { "Qdoc3", "Running for health",
      "Runners running in the park stay healthy; exercise helps the heart.",
      "nih", "2010" },
};

/* Indexes one sample into doc through tg (title twice: plain and "S"). */
static void index_sample(xapian_term_generator *tg, xapian_document *doc,
                         const struct sample *s)
{
    xapian_error err;
    char source[32];

    OK(xapian_term_generator_set_document(tg, doc, &err));
    OK(xapian_term_generator_index_text(tg, S(s->title), 1, "S", &err));
    OK(xapian_term_generator_increase_termpos(tg, 100, &err));
    OK(xapian_term_generator_index_text(tg, S(s->title), 1, NULL, &err));
    OK(xapian_term_generator_increase_termpos(tg, 100, &err));
    OK(xapian_term_generator_index_text(tg, S(s->body), 1, "", &err));
    snprintf(source, sizeof source, "XS%s", s->source);
    OK(xapian_document_add_boolean_term(doc, S(source), &err));
    OK(xapian_document_add_boolean_term(doc, S(s->id), &err));
    OK(xapian_document_set_data(doc, S(s->title), &err));
    OK(xapian_document_add_value(doc, 0, S(s->year), &err));
    OK(xapian_document_add_value(doc, 1, S(s->source), &err));
}

/* Builds the sample database at path: the three samples, then a
 * replacement of doc2 by its unique term, with spelling data. */
static void build_db(const char *path)
{
    xapian_error err;
    xapian_writable_database *wdb;
    xapian_term_generator *tg;
    xapian_stem *stem;
    xapian_docid did;

    OK(xapian_writable_database_open(&wdb, path,
                                     XAPIAN_DB_CREATE_OR_OVERWRITE, &err));
    OK(xapian_stem_new(&stem, "english", &err));
    OK(xapian_term_generator_new(&tg, &err));
    OK(xapian_term_generator_set_stemmer(tg, stem, &err));
    OK(xapian_term_generator_set_stemming_strategy(tg, XAPIAN_STEM_SOME,
                                                   &err));
    OK(xapian_term_generator_set_database(tg, wdb, &err));
    OK(xapian_term_generator_set_flags(tg, XAPIAN_TG_FLAG_SPELLING, &err));
    xapian_stem_free(stem);  /* tg keeps its own reference */

    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        index_sample(tg, doc, &samples[i]);
        OK(xapian_writable_database_add_document(&did, wdb, doc, &err));
        ck_assert_uint_eq(did, i + 1);
        xapian_document_free(doc);
    }

    /* Replace doc2: "blocked" goes, "arteries" arrives, same docid. */
    struct sample s2 = samples[1];
    s2.body = "A heart attack happens when blood flow through the arteries "
              "to the heart stops.";
    xapian_document *doc;
    OK(xapian_document_new(&doc, &err));
    index_sample(tg, doc, &s2);
    OK(xapian_writable_database_replace_document(&did, wdb, S("Qdoc2"), doc,
                                                 &err));
    ck_assert_uint_eq(did, 2);
    xapian_document_free(doc);

    uint32_t n;
    OK(xapian_writable_database_doccount(&n, wdb, &err));
    ck_assert_uint_eq(n, 3);
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_term_generator_free(tg);
    OK(xapian_writable_database_close(wdb, &err));
    xapian_writable_database_free(wdb);
}

/* A query parser configured like libspine's: english, STEM_SOME, the
 * database for spelling and wildcards, "title:" and "source:" fields. */
static xapian_query_parser *make_parser(xapian_database *db)
{
    xapian_error err;
    xapian_query_parser *qp;
    xapian_stem *stem;

    OK(xapian_query_parser_new(&qp, &err));
    OK(xapian_stem_new(&stem, "en", &err));
    OK(xapian_query_parser_set_stemmer(qp, stem, &err));
    xapian_stem_free(stem);
    OK(xapian_query_parser_set_stemming_strategy(qp, XAPIAN_STEM_SOME, &err));
    OK(xapian_query_parser_set_database(qp, db, &err));
    OK(xapian_query_parser_add_prefix(qp, "title", "S", &err));
    OK(xapian_query_parser_add_boolean_prefix(qp, "source", "XS", &err));
    return qp;
}

/* Parses text with flags and runs it, returning the first 10 hits. */
static xapian_mset *search(xapian_database *db, xapian_query_parser *qp,
                           const char *text, unsigned flags)
{
    xapian_error err;
    xapian_query *q;
    xapian_enquire *enq;
    xapian_mset *mset;

    OK(xapian_query_parser_parse(&q, qp, S(text), flags, &err));
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&mset, enq, 0, 10, 0, &err));
    xapian_query_free(q);
    xapian_enquire_free(enq);
    return mset;
}

/* ------------------------------------------------------------------------
 * core
 */

START_TEST(test_version_and_strerror)
{
    ck_assert_str_eq(xapian_version_string(), "1.4.22");
    ck_assert_str_eq(xapian_strerror(XAPIAN_OK), "OK");
    ck_assert_str_eq(xapian_strerror(XAPIAN_ENOTFOUND), "ENOTFOUND");
    ck_assert_str_eq(xapian_strerror(XAPIAN_EQUERY), "EQUERY");
    ck_assert_str_eq(xapian_strerror(XAPIAN_ENETWORK), "ENETWORK");
    ck_assert_str_eq(xapian_strerror(XAPIAN_EMODIFIED), "EMODIFIED");
    ck_assert_str_eq(xapian_strerror(42), "unknown error code");
}
END_TEST

START_TEST(test_index_counts)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);

    uint32_t n;
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 3);
    OK(xapian_database_termfreq(&n, db, S("blood"), &err));
    ck_assert_uint_eq(n, 2);
    OK(xapian_database_termfreq(&n, db, S("Zdiabet"), &err));  /* stemmed */
    ck_assert_uint_eq(n, 1);
    OK(xapian_database_termfreq(&n, db, S("Sheart"), &err));   /* prefixed */
    ck_assert_uint_eq(n, 1);
    OK(xapian_database_termfreq(&n, db, S("XSnih"), &err));
    ck_assert_uint_eq(n, 2);
    /* The replacement took effect. */
    OK(xapian_database_termfreq(&n, db, S("blocked"), &err));
    ck_assert_uint_eq(n, 0);
    OK(xapian_database_termfreq(&n, db, S("arteries"), &err));
    ck_assert_uint_eq(n, 1);

    xapian_document *doc;
    const char *p;
    size_t len;
    OK(xapian_database_get_document(&doc, db, 2, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_uint_eq(len, strlen("Heart attack"));
    ck_assert_int_eq(memcmp(p, "Heart attack", len), 0);
    const char *year, *source;
    size_t year_len, source_len;
    OK(xapian_document_get_value(&year, &year_len, doc, 0, &err));
    OK(xapian_document_get_value(&source, &source_len, doc, 1, &err));
    /* Reading slot 1 left the slot 0 pointer valid. */
    ck_assert_uint_eq(year_len, 4);
    ck_assert_int_eq(memcmp(year, "2005", 4), 0);
    ck_assert_uint_eq(source_len, 3);
    ck_assert_int_eq(memcmp(source, "cdc", 3), 0);
    OK(xapian_document_get_value(&p, &len, doc, 7, &err));  /* unset */
    ck_assert_uint_eq(len, 0);
    xapian_document_free(doc);

    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_document_standalone)
{
    xapian_error err;
    xapian_document *doc;
    const char *p;
    size_t len;

    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_uint_eq(len, 0);
    /* Data is a byte string: embedded NULs survive. */
    OK(xapian_document_set_data(doc, "a\0b", 3, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(p, "a\0b", 3), 0);
    OK(xapian_document_add_term(doc, S("word"), 3, &err));
    OK(xapian_document_set_data(doc, NULL, 0, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_uint_eq(len, 0);
    xapian_document_free(doc);
}
END_TEST

START_TEST(test_parse_and_search)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_mset *m;

    /* Default operator OR: either word. */
    m = search(db, qp, "diabetes attack", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    ck_assert_uint_eq(xapian_mset_matches_estimated(m), 2);
    ck_assert_uint_le(xapian_mset_matches_lower_bound(m), 2);
    ck_assert_uint_ge(xapian_mset_matches_upper_bound(m), 2);
    xapian_mset_free(m);

    /* Default operator AND: both words. */
    OK(xapian_query_parser_set_default_op(qp, XAPIAN_QUERY_OP_AND, &err));
    m = search(db, qp, "blood heart", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 2);
    xapian_mset_free(m);
    OK(xapian_query_parser_set_default_op(qp, XAPIAN_QUERY_OP_OR, &err));

    /* Phrases respect word order (positions were indexed). */
    m = search(db, qp, "\"blood glucose\"", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 1);
    xapian_mset_free(m);
    m = search(db, qp, "\"glucose blood\"", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 0);
    xapian_mset_free(m);
    /* increase_termpos keeps phrases from spanning title and body. */
    m = search(db, qp, "\"overview diabetes\"", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 0);
    xapian_mset_free(m);

    /* A probabilistic field: "heart" is in doc3's body but not its title. */
    m = search(db, qp, "title:heart", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 2);
    xapian_mset_free(m);

    /* A boolean filter. */
    m = search(db, qp, "heart source:nih", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 3);
    xapian_mset_free(m);

    /* A wildcard, expanded against the database. */
    m = search(db, qp, "glu*", XAPIAN_QP_FLAG_DEFAULT | XAPIAN_QP_FLAG_WILDCARD);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 1);
    xapian_mset_free(m);

    /* Stemming: "runs" finds "running"/"runners" through Zrun. */
    m = search(db, qp, "runs", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 3);
    xapian_mset_free(m);

    /* An empty query string parses to the empty query. */
    xapian_query *q;
    OK(xapian_query_parser_parse(&q, qp, "", 0, XAPIAN_QP_FLAG_DEFAULT, &err));
    ck_assert_int_eq(xapian_query_empty(q), 1);
    xapian_query_free(q);

    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_mset_accessors)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);

    /* "heart" twice in doc2 (title and body), once in doc3. */
    xapian_mset *m = search(db, qp, "heart", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 2);

    double w0, w1;
    unsigned rank, cc;
    int pct;
    OK(xapian_mset_weight(&w0, m, 0, &err));
    OK(xapian_mset_weight(&w1, m, 1, &err));
    ck_assert_double_gt(w0, 0.0);
    ck_assert_double_ge(w0, w1);
    OK(xapian_mset_rank(&rank, m, 1, &err));
    ck_assert_uint_eq(rank, 1);
    OK(xapian_mset_percent(&pct, m, 0, &err));
    ck_assert_int_eq(pct, 100);
    OK(xapian_mset_collapse_count(&cc, m, 0, &err));
    ck_assert_uint_eq(cc, 0);
    ck_assert_uint_eq(hit(m, 0), 2);

    xapian_document *doc;
    const char *p;
    size_t len;
    OK(xapian_mset_document(&doc, m, 0, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_uint_eq(len, strlen("Heart attack"));
    ck_assert_int_eq(memcmp(p, "Heart attack", len), 0);
    xapian_document_free(doc);

    /* The MSet outlives the parser and database handles. */
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    OK(xapian_mset_document(&doc, m, 1, &err));
    OK(xapian_document_get_data(&p, &len, doc, &err));
    ck_assert_int_eq(memcmp(p, "Running for health", len), 0);
    xapian_document_free(doc);
    xapian_mset_free(m);
    free(path);
}
END_TEST

START_TEST(test_enquire_options)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query *q;
    xapian_enquire *enq;
    xapian_mset *m;

    /* "the" is in docs 1 and 3 (both nih): collapsing on the source slot
     * keeps one of them and counts the other. */
    OK(xapian_query_new_term(&q, S("the"), &err));
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_set_weighting_bm25(enq, 1, 0, 1, 0.5, 0.5, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 10, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 3);
    xapian_mset_free(m);

    OK(xapian_enquire_set_collapse_key(enq, 1, 1, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 10, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    unsigned cc0, cc1;
    OK(xapian_mset_collapse_count(&cc0, m, 0, &err));
    OK(xapian_mset_collapse_count(&cc1, m, 1, &err));
    ck_assert_uint_eq(cc0 + cc1, 1);
    xapian_mset_free(m);

    /* Collapse off again; paging with first = 1. */
    OK(xapian_enquire_set_collapse_key(enq, 1, 0, &err));
    OK(xapian_enquire_get_mset(&m, enq, 1, 10, 0, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    unsigned rank;
    OK(xapian_mset_rank(&rank, m, 0, &err));
    ck_assert_uint_eq(rank, 1);
    xapian_mset_free(m);

    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* Runs enq's query; returns the best hit's weight (and the hit count in
 * *hits, if asked). */
static double top_weight(xapian_enquire *enq, unsigned *hits)
{
    xapian_error err;
    xapian_mset *m;
    double w = 0;
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    if (hits)
        *hits = xapian_mset_size(m);
    if (xapian_mset_size(m))
        OK(xapian_mset_weight(&w, m, 0, &err));
    xapian_mset_free(m);
    return w;
}

/* Runs "helps" filtered by the documents ids[0..n); returns the hit count
 * and the first hit's docid and weight. */
static unsigned filtered(xapian_enquire *enq, const xapian_query *q,
                         const xapian_docid *ids, size_t n,
                         xapian_docid *first, double *w)
{
    xapian_error err;
    xapian_query *f, *both;
    xapian_mset *m;
    OK(spine_ext_query_docids(&f, ids, n, &err));
    xapian_query *pair[2] = { (xapian_query *)q, f };
    OK(xapian_query_combine(&both, XAPIAN_QUERY_OP_FILTER, pair, 2, &err));
    OK(xapian_enquire_set_query(enq, both, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    unsigned size = xapian_mset_size(m);
    if (size) {
        OK(xapian_mset_docid(first, m, 0, &err));
        OK(xapian_mset_weight(w, m, 0, &err));
    }
    xapian_mset_free(m);
    xapian_query_free(both);
    xapian_query_free(f);
    return size;
}

/* A docid query filters to its documents, in any order, repeats and
 * docid 0 ignored, and leaves the weights alone; none matches nothing. */
START_TEST(test_query_docids)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query *q;
    xapian_enquire *enq;
    xapian_docid did = 0;
    double w = 0, w3 = 0;

    OK(xapian_query_new_term(&q, S("helps"), &err));   /* docs 1 and 3 */
    OK(xapian_enquire_new(&enq, db, &err));
    ck_assert_uint_eq(filtered(enq, q, (const xapian_docid[]){ 3, 2, 3, 0 },
                               4, &did, &w3), 1);
    ck_assert_uint_eq(did, 3);
    ck_assert_uint_eq(filtered(enq, q, (const xapian_docid[]){ 3, 1 }, 2,
                               &did, &w), 2);
    ck_assert_uint_eq(filtered(enq, q, (const xapian_docid[]){ 1 }, 1, &did,
                               &w), 1);
    ck_assert_uint_eq(did, 1);
    ck_assert_uint_eq(filtered(enq, q, NULL, 0, &did, &w), 0);
    ck_assert_uint_eq(filtered(enq, q, (const xapian_docid[]){ 0, 2 }, 2,
                               &did, &w), 0);

    /* The weight is the term's alone. */
    xapian_mset *m;
    double plain = 0;
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    for (unsigned i = 0; i < xapian_mset_size(m); i++) {
        OK(xapian_mset_docid(&did, m, i, &err));
        if (did == 3)
            OK(xapian_mset_weight(&plain, m, i, &err));
    }
    xapian_mset_free(m);
    ck_assert(plain > 0);
    ck_assert_double_eq_tol(w3, plain, 1e-12);

    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* XAPIAN_DB_NO_SYNC rides on a mode: what a no-sync database commits is
 * there to read; the flag alone is not a mode. */
START_TEST(test_no_sync)
{
    xapian_error err;
    xapian_writable_database *wdb;
    xapian_document *doc;
    char *path = tu_path(tmp, "nosync");

    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE
                                     | XAPIAN_DB_NO_SYNC, &err));
    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_add_term(doc, S("kept"), 1, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    xapian_document_free(doc);
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    uint32_t n;
    OK(xapian_database_termfreq(&n, db, S("kept"), &err));
    ck_assert_uint_eq(n, 1);
    xapian_database_free(db);

    ck_assert_int_eq(xapian_writable_database_open(&wdb, path,
                                                   XAPIAN_DB_NO_SYNC, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(wdb);
    free(path);
}
END_TEST

/* Every scheme xapian_enquire_set_weighting() names can rank a match, and
 * an unknown name is refused (the previous scheme stays in force). */
START_TEST(test_weighting_schemes)
{
    static const char *const names[] = {
        "bm25+", "pl2", "pl2+", "dph", "dlh", "inl2", "ifb2", "ineb2", "bb2",
        "lm"
    };
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query *q;
    xapian_enquire *enq;
    unsigned nbm25, n;

    OK(xapian_query_new_term(&q, S("arteries"), &err));
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    double bm25 = top_weight(enq, &nbm25);
    ck_assert_uint_gt(nbm25, 0);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        OK(xapian_enquire_set_weighting(enq, names[i], NULL, 0, &err));
        top_weight(enq, &n);
        ck_assert_msg(n == nbm25, "%s: %u hits, not %u", names[i], n, nbm25);
    }
    /* A parameter reaches the scheme: IneB2's c changes the weight. */
    OK(xapian_enquire_set_weighting(enq, "ineb2", (const double[]){ 1 }, 1,
                                    &err));
    double w = top_weight(enq, NULL);
    ck_assert(w != bm25);
    OK(xapian_enquire_set_weighting(enq, "ineb2", (const double[]){ 8 }, 1,
                                    &err));
    double w2 = top_weight(enq, NULL);
    ck_assert(w2 != w);

    ck_assert_int_eq(xapian_enquire_set_weighting(enq, "okapi", NULL, 0,
                                                  &err), XAPIAN_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "okapi"));
    ck_assert(top_weight(enq, NULL) == w2);
    /* Spine's own scheme has its own setter (spine_ext.h). */
    ck_assert_int_eq(xapian_enquire_set_weighting(enq, "ineb2-prenorm",
                                                  (const double[]){ 32 }, 1,
                                                  &err), XAPIAN_EINVAL);
    ck_assert(top_weight(enq, NULL) == w2);

    /* The expansion schemes: "trad" with k >= 0, "bo1". */
    ck_assert_int_eq(xapian_enquire_set_expansion_scheme(enq, "trad", -1,
                                                         &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_expansion_scheme(enq, "rocchio", 1,
                                                         &err), XAPIAN_EINVAL);
    OK(xapian_enquire_set_expansion_scheme(enq, "trad", 32, &err));
    OK(xapian_enquire_set_expansion_scheme(enq, "bo1", 0, &err));

    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_query_building)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query *sub[2], *q;
    xapian_enquire *enq;
    xapian_mset *m;
    char *desc;

    OK(xapian_query_new_term(&sub[0], S("heart"), &err));
    OK(xapian_query_new_term(&sub[1], S("XSnih"), &err));
    ck_assert_int_eq(xapian_query_empty(sub[0]), 0);
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_FILTER, sub, 2, &err));
    OK(xapian_query_describe(&desc, q, &err));
    ck_assert_str_eq(desc, "Query((heart FILTER XSnih))");
    free(desc);
    xapian_query_free(sub[0]);
    xapian_query_free(sub[1]);

    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    ck_assert_uint_eq(hit(m, 0), 3);
    xapian_mset_free(m);
    xapian_enquire_free(enq);
    xapian_query_free(q);

    /* No subqueries: Xapian's empty query. */
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, NULL, 0, &err));
    ck_assert_int_eq(xapian_query_empty(q), 1);
    xapian_query_free(q);

    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_relevance_tools)
{
    /* The calls behind title lifts, feedback, --related and --explain:
     * scale, AND_MAYBE, query terms, find_docid, ESet, matching terms and
     * term weights. */
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query *heart, *nih, *scaled, *pair[2], *q;
    xapian_enquire *enq;
    xapian_mset *m;
    char *terms, *desc;
    size_t n;

    OK(xapian_query_new_term(&heart, S("heart"), &err));
    OK(xapian_query_new_term(&nih, S("XSnih"), &err));
    OK(xapian_query_scale(&scaled, nih, 2.5, &err));
    pair[0] = heart;
    pair[1] = scaled;
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_AND_MAYBE, pair, 2, &err));
    OK(xapian_query_describe(&desc, q, &err));
    ck_assert_str_eq(desc, "Query((heart AND_MAYBE 2.5 * XSnih))");
    free(desc);
    OK(xapian_query_terms(&terms, &n, q, &err));
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(terms, "XSnih");           /* sorted: 'X' < 'h' */
    ck_assert_str_eq(terms + strlen(terms) + 1, "heart");
    free(terms);
    xapian_query *none = (xapian_query *)&none;
    ck_assert_int_eq(xapian_query_scale(&none, NULL, 1, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(none);

    /* AND_MAYBE keeps heart's matches (docs 2 and 3); the boolean term
     * adds no weight, so the order is heart's own. */
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 0, &err));
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    OK(xapian_enquire_matching_terms(&terms, &n, enq, m, 0, &err));
    ck_assert_uint_ge(n, 1);
    ck_assert_ptr_nonnull(strstr(terms, "heart"));
    free(terms);
    double w;
    uint32_t freq;
    OK(xapian_mset_termweight(&w, &freq, m, S("heart"), &err));
    ck_assert(w > 0);
    ck_assert_uint_eq(freq, 2);
    ck_assert_int_eq(xapian_enquire_matching_terms(&terms, &n, enq, m, 9,
                                                   &err), XAPIAN_ERANGE);

    /* find_docid by unique term; 0 when none has it. */
    xapian_docid did;
    OK(xapian_database_find_docid(&did, db, S("Qdoc3"), &err));
    ck_assert_uint_eq(did, 3);
    OK(xapian_database_find_docid(&did, db, S("Qnone"), &err));
    ck_assert_uint_eq(did, 0);

    /* ESet of doc 1 (diabetes) suggests its own words, best first. */
    xapian_eset *es;
    xapian_docid rel = 1;
    ck_assert_int_eq(xapian_enquire_get_eset(&es, enq, 20, &rel, 1, 8, &err),
                     XAPIAN_EINVAL);
    OK(xapian_enquire_get_eset(&es, enq, 20, &rel, 1,
                               XAPIAN_ESET_EXACT_TERMFREQ, &err));
    ck_assert_uint_gt(xapian_eset_size(es), 0);
    int saw_glucose = 0;
    double prev = 1e300;
    for (unsigned i = 0; i < xapian_eset_size(es); i++) {
        const char *t;
        size_t len;
        OK(xapian_eset_term(&t, &len, &w, es, i, &err));
        ck_assert(w <= prev);
        prev = w;
        saw_glucose |= len == 7 && memcmp(t, "glucose", 7) == 0;
    }
    ck_assert(saw_glucose);
    const char *t;
    size_t len;
    ck_assert_int_eq(xapian_eset_term(&t, &len, &w, es, 999, &err),
                     XAPIAN_ERANGE);
    xapian_eset_free(es);

    xapian_mset_free(m);
    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_query_free(scaled);
    xapian_query_free(nih);
    xapian_query_free(heart);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_stem_and_stopper)
{
    xapian_error err;
    xapian_stem *stem;
    xapian_stopper *stop;
    xapian_query_parser *qp;
    xapian_query *q;
    char *word, *desc;

    OK(xapian_stem_new(&stem, "english", &err));
    OK(xapian_stem_word(&word, stem, S("running"), &err));
    ck_assert_str_eq(word, "run");
    free(word);
    OK(xapian_stem_word(&word, stem, "", 0, &err));
    ck_assert_str_eq(word, "");
    free(word);
    xapian_stem_free(stem);

    OK(xapian_stem_new(&stem, "none", &err));
    OK(xapian_stem_word(&word, stem, S("running"), &err));
    ck_assert_str_eq(word, "running");
    free(word);
    xapian_stem_free(stem);

    /* The stopper outlives the caller's handle inside the parser. */
    OK(xapian_stopper_new(&stop, &err));
    OK(xapian_stopper_add(stop, S("the"), &err));
    OK(xapian_query_parser_new(&qp, &err));
    OK(xapian_query_parser_set_stopper(qp, stop, &err));
    xapian_stopper_free(stop);
    OK(xapian_query_parser_parse(&q, qp, S("the heart"),
                                 XAPIAN_QP_FLAG_DEFAULT, &err));
    OK(xapian_query_describe(&desc, q, &err));
    ck_assert_str_eq(desc, "Query(heart@2)");
    free(desc);
    xapian_query_free(q);
    xapian_query_parser_free(qp);

    /* In the term generator (default STOP_STEMMED) a stop word keeps its
     * unstemmed term but gets no stemmed one. */
    char *path = tu_path(tmp, "db");
    xapian_writable_database *wdb;
    xapian_term_generator *tg;
    xapian_document *doc;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    OK(xapian_stopper_new(&stop, &err));
    OK(xapian_stopper_add(stop, S("the"), &err));
    OK(xapian_stem_new(&stem, "english", &err));
    OK(xapian_term_generator_new(&tg, &err));
    OK(xapian_term_generator_set_stemmer(tg, stem, &err));
    OK(xapian_term_generator_set_stopper(tg, stop, &err));
    xapian_stopper_free(stop);
    xapian_stem_free(stem);
    OK(xapian_document_new(&doc, &err));
    OK(xapian_term_generator_set_document(tg, doc, &err));
    OK(xapian_term_generator_index_text(tg, S("the hearts"), 1, NULL, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_term_generator_free(tg);
    xapian_document_free(doc);
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    uint32_t n;
    OK(xapian_database_termfreq(&n, db, S("Zheart"), &err));
    ck_assert_uint_eq(n, 1);
    OK(xapian_database_termfreq(&n, db, S("the"), &err));
    ck_assert_uint_eq(n, 1);
    OK(xapian_database_termfreq(&n, db, S("Zthe"), &err));
    ck_assert_uint_eq(n, 0);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_without_positions)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    xapian_writable_database *wdb;
    xapian_term_generator *tg;
    xapian_document *doc;

    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    xapian_stem *stem;
    OK(xapian_stem_new(&stem, "english", &err));
    OK(xapian_term_generator_new(&tg, &err));
    OK(xapian_term_generator_set_stemmer(tg, stem, &err));
    xapian_stem_free(stem);
    OK(xapian_document_new(&doc, &err));
    OK(xapian_term_generator_set_document(tg, doc, &err));
    OK(xapian_term_generator_index_text_without_positions(
        tg, S("blood glucose"), 2, NULL, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_document_free(doc);
    xapian_term_generator_free(tg);
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_mset *m = search(db, qp, "blood glucose", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    xapian_mset_free(m);
    /* With no positions in the database, Xapian 1.4 runs a phrase as AND,
     * so even the reversed phrase matches (with positions it does not:
     * see test_parse_and_search). */
    m = search(db, qp, "\"glucose blood\"", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 1);
    xapian_mset_free(m);
    int has = -1;
    OK(xapian_database_has_positions(&has, db, &err));
    ck_assert_int_eq(has, 0);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);

    /* build_db() indexes with positions. */
    path = tu_path(tmp, "db-positions");
    build_db(path);
    db = open_db(path);
    OK(xapian_database_has_positions(&has, db, &err));
    ck_assert_int_eq(has, 1);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* Parses text with a parser on no database (phrases, NEAR, fields). */
static xapian_query *parse_only(const char *text)
{
    xapian_error err;
    xapian_query_parser *qp;
    xapian_query *q;
    OK(xapian_query_parser_new(&qp, &err));
    OK(xapian_query_parser_add_prefix(qp, "title", "S", &err));
    OK(xapian_query_parser_parse(&q, qp, S(text), XAPIAN_QP_FLAG_DEFAULT,
                                 &err));
    xapian_query_parser_free(qp);
    return q;
}

/* Walks q (xapian_query_type(), _num_subqueries(), _subquery()) for its
 * outermost phrase and NEAR subqueries: returns their number, and in
 * *words the subqueries of the first one (0 when none). */
static size_t positional_parts(const xapian_query *q, size_t *words)
{
    xapian_error err;
    int type = xapian_query_type(q);
    if (type == XAPIAN_QUERY_OP_PHRASE || type == XAPIAN_QUERY_OP_NEAR) {
        if (*words == 0)
            *words = xapian_query_num_subqueries(q);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < xapian_query_num_subqueries(q); i++) {
        xapian_query *sub;
        OK(xapian_query_subquery(&sub, q, i, &err));
        n += positional_parts(sub, words);
        xapian_query_free(sub);
    }
    return n;
}

/* The parser's phrases and NEARs (quoted text, NEAR, hyphenated words),
 * under any operator, are found by walking the query: what libspine's
 * query.c does with these primitives. */
START_TEST(test_query_positional)
{
    static const struct { const char *text; size_t parts, words; }
    cases[] = {
        { "blood glucose", 0, 0 },
        { "\"blood glucose\"", 1, 2 },
        { "\"blood glucose\" insulin \"type 2\"", 2, 2 },
        { "blood NEAR glucose", 1, 2 },
        { "title:\"blood glucose\" OR sugar", 1, 2 },
        { "x-linked", 1, 2 },
        { "sugar NOT \"blood glucose levels\"", 1, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xapian_query *q = parse_only(cases[i].text);
        size_t words = 0, n = positional_parts(q, &words);
        ck_assert_msg(n == cases[i].parts, "%s: %zu parts", cases[i].text,
                      n);
        ck_assert_msg(words == cases[i].words, "%s: %zu words",
                      cases[i].text, words);
        xapian_query_free(q);
    }
    size_t words = 0;
    ck_assert_uint_eq(positional_parts(NULL, &words), 0);
}
END_TEST

START_TEST(test_query_matches_document)
{
    static const struct { const char *text; int match; } cases[] = {
        { "\"blood glucose\"", 1 },
        { "\"glucose blood\"", 0 },
        { "\"glucose levels\"", 1 },
        { "\"blood levels\"", 0 },
        { "blood NEAR/2 levels", 1 },
        { "blood NEAR/1 levels", 0 },
        { "title:\"fasting sugar\"", 1 },
        { "\"fasting sugar\"", 0 },
        { "\"glucose blood\" OR levels", 1 },
        { "\"glucose blood\" AND levels", 0 },
        { "glucose", 1 },
        { "insulin", 0 },
    };
    xapian_error err;
    xapian_term_generator *tg;
    xapian_document *doc;
    OK(xapian_term_generator_new(&tg, &err));
    OK(xapian_document_new(&doc, &err));
    OK(xapian_term_generator_set_document(tg, doc, &err));
    OK(xapian_term_generator_index_text(tg, S("Fasting sugar"), 1, "S",
                                        &err));
    OK(xapian_term_generator_increase_termpos(tg, 100, &err));
    OK(xapian_term_generator_index_text(tg, S("Blood glucose levels"), 1,
                                        NULL, &err));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xapian_query *q = parse_only(cases[i].text);
        int m = -1;
        OK(xapian_query_matches_document(&m, q, doc, &err));
        ck_assert_msg(m == cases[i].match, "%s: %d", cases[i].text, m);
        xapian_query_free(q);
    }
    int m = -1;
    ck_assert_int_eq(xapian_query_matches_document(&m, NULL, doc, &err),
                     XAPIAN_EINVAL);
    xapian_document_free(doc);
    xapian_term_generator_free(tg);
}
END_TEST

/* A query is walked as Xapian holds it: its operator, its subqueries (each
 * handed out as a new handle on the one subquery object), a term's text;
 * past the last subquery, a leaf's, or a term of a non-term, is an
 * error. */
START_TEST(test_query_walking)
{
    xapian_error err;
    xapian_query *q = parse_only("blood glucose"), *s0, *s0b, *s1, *none;
    char *term;
    size_t len = 99;

    ck_assert_int_eq(xapian_query_type(q), XAPIAN_QUERY_OP_OR);
    ck_assert_uint_eq(xapian_query_num_subqueries(q), 2);
    OK(xapian_query_subquery(&s0, q, 0, &err));
    OK(xapian_query_subquery(&s0b, q, 0, &err));
    OK(xapian_query_subquery(&s1, q, 1, &err));
    ck_assert_int_eq(xapian_query_type(s0), XAPIAN_QUERY_LEAF_TERM);
    ck_assert_uint_eq(xapian_query_num_subqueries(s0), 0);
    OK(xapian_query_leaf_term(&term, &len, s0, &err));
    ck_assert_str_eq(term, "blood");
    ck_assert_uint_eq(len, 5);
    free(term);
    OK(xapian_query_leaf_term(&term, NULL, s1, &err));
    ck_assert_str_eq(term, "glucose");
    free(term);
    /* Two handles on one subquery are the same; two subqueries, or two
     * queries built alike, are not. */
    ck_assert(s0 != s0b);
    ck_assert_int_eq(xapian_query_same(s0, s0b), 1);
    ck_assert_int_eq(xapian_query_same(s0, s0), 1);
    ck_assert_int_eq(xapian_query_same(s0, s1), 0);
    ck_assert_int_eq(xapian_query_same(q, s0), 0);
    ck_assert_int_eq(xapian_query_same(s0, NULL), 0);
    ck_assert_int_eq(xapian_query_same(NULL, NULL), 0);
    xapian_query *again = parse_only("blood glucose");
    ck_assert_int_eq(xapian_query_same(q, again), 0);
    xapian_query_free(again);

    /* Past the last, or below a leaf: ERANGE, *out NULL; the text of an
     * operator: EINVAL. */
    none = s1;
    ck_assert_int_eq(xapian_query_subquery(&none, q, 2, &err),
                     XAPIAN_ERANGE);
    ck_assert_ptr_null(none);
    ck_assert_int_eq(xapian_query_subquery(&none, s0, 0, &err),
                     XAPIAN_ERANGE);
    ck_assert_int_eq(xapian_query_leaf_term(&term, &len, q, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(term);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(xapian_query_subquery(&none, NULL, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_type(NULL),
                     XAPIAN_QUERY_LEAF_MATCH_NOTHING);
    ck_assert_uint_eq(xapian_query_num_subqueries(NULL), 0);
    xapian_query_free(s0);
    xapian_query_free(s0b);
    xapian_query_free(s1);
    xapian_query_free(q);

    /* Combined queries keep the caller's subqueries themselves. */
    xapian_query *t[2], *f, *scaled, *ids;
    OK(xapian_query_new_term(&t[0], S("heart"), &err));
    OK(xapian_query_new_term(&t[1], S("XSnih"), &err));
    OK(xapian_query_combine(&f, XAPIAN_QUERY_OP_FILTER, t, 2, &err));
    ck_assert_int_eq(xapian_query_type(f), XAPIAN_QUERY_OP_FILTER);
    ck_assert_uint_eq(xapian_query_num_subqueries(f), 2);
    OK(xapian_query_subquery(&s1, f, 1, &err));
    ck_assert_int_eq(xapian_query_same(s1, t[1]), 1);
    ck_assert_int_eq(xapian_query_same(s1, t[0]), 0);
    xapian_query_free(s1);
    OK(xapian_query_scale(&scaled, t[0], 2, &err));
    ck_assert_int_eq(xapian_query_type(scaled), XAPIAN_QUERY_OP_SCALE_WEIGHT);
    ck_assert_uint_eq(xapian_query_num_subqueries(scaled), 1);
    OK(spine_ext_query_docids(&ids, (const xapian_docid[]){ 1, 2 }, 2,
                              &err));
    ck_assert_int_eq(xapian_query_type(ids),
                     XAPIAN_QUERY_LEAF_POSTING_SOURCE);
    ck_assert_uint_eq(xapian_query_num_subqueries(ids), 0);
    xapian_query_free(ids);
    xapian_query_free(scaled);
    xapian_query_free(f);
    xapian_query_free(t[0]);
    xapian_query_free(t[1]);

    /* A phrase: its words in order. */
    q = parse_only("\"blood glucose levels\"");
    ck_assert_int_eq(xapian_query_type(q), XAPIAN_QUERY_OP_PHRASE);
    ck_assert_uint_eq(xapian_query_num_subqueries(q), 3);
    OK(xapian_query_subquery(&s0, q, 2, &err));
    OK(xapian_query_leaf_term(&term, NULL, s0, &err));
    ck_assert_str_eq(term, "levels");
    free(term);
    xapian_query_free(s0);
    xapian_query_free(q);

    /* Xapian's empty query. */
    OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, NULL, 0, &err));
    ck_assert_int_eq(xapian_query_type(q), XAPIAN_QUERY_LEAF_MATCH_NOTHING);
    ck_assert_uint_eq(xapian_query_num_subqueries(q), 0);
    xapian_query_free(q);
}
END_TEST

/* Runs enq's query for its first 10 hits into ids[] and w[]; returns the
 * hit count. */
static unsigned page(xapian_enquire *enq, xapian_docid ids[10], double w[10])
{
    xapian_error err;
    xapian_mset *m;
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 10, &err));
    unsigned n = xapian_mset_size(m);
    ck_assert_uint_le(n, 10);
    for (unsigned i = 0; i < n; i++) {
        ids[i] = hit(m, i);
        OK(xapian_mset_weight(&w[i], m, i, &err));
    }
    xapian_mset_free(m);
    return n;
}

/* A weight cutoff leaves out the hits under it, and no other; a percent
 * cutoff leaves out the hits of a lower percent; settings out of range
 * are refused, and (0, 0) brings every hit back. */
START_TEST(test_enquire_cutoff)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_query *q;
    xapian_enquire *enq;
    xapian_docid all[10], cut[10];
    double wall[10], wcut[10];

    OK(xapian_query_parser_parse(&q, qp, S("heart blood the insulin"),
                                 XAPIAN_QP_FLAG_DEFAULT, &err));
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    unsigned n = page(enq, all, wall);
    ck_assert_uint_eq(n, 3);
    ck_assert(wall[0] > wall[1] && wall[1] > wall[2]);

    /* Between the second and the third: two left, the same two. */
    double mid = (wall[1] + wall[2]) / 2;
    OK(xapian_enquire_set_cutoff(enq, 0, mid, &err));
    ck_assert_uint_eq(page(enq, cut, wcut), 2);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_uint_eq(cut[i], all[i]);
        ck_assert(wcut[i] == wall[i]);
    }
    /* Above the best: none. */
    OK(xapian_enquire_set_cutoff(enq, 0, wall[0] * 2, &err));
    ck_assert_uint_eq(page(enq, cut, wcut), 0);
    /* A percent cutoff at the best hit's percent keeps the hits that
     * reach it (Xapian's percent also counts the query terms matched). */
    xapian_mset *m;
    int pct[3];
    unsigned at_best = 0;
    OK(xapian_enquire_set_cutoff(enq, 0, 0, &err));
    OK(xapian_enquire_get_mset(&m, enq, 0, 10, 10, &err));
    for (unsigned i = 0; i < 3; i++) {
        OK(xapian_mset_percent(&pct[i], m, i, &err));
        at_best += pct[i] >= pct[0];
    }
    xapian_mset_free(m);
    ck_assert_int_gt(pct[0], pct[2]);
    OK(xapian_enquire_set_cutoff(enq, pct[0], 0, &err));
    ck_assert_uint_eq(page(enq, cut, wcut), at_best);
    ck_assert_uint_eq(cut[0], all[0]);

    ck_assert_int_eq(xapian_enquire_set_cutoff(enq, 101, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_cutoff(enq, -1, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_cutoff(enq, 0, -0.5, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_cutoff(enq, 0, NAN, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_cutoff(NULL, 0, 0, &err),
                     XAPIAN_EINVAL);
    /* The refused settings left the last one (a percent) in force. */
    ck_assert_uint_eq(page(enq, cut, wcut), at_best);
    OK(xapian_enquire_set_cutoff(enq, 0, 0, &err));
    ck_assert_uint_eq(page(enq, cut, wcut), 3);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(cut[i], all[i]);

    xapian_enquire_free(enq);
    xapian_query_free(q);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* The database of the list tests: four documents,
 *   1: x (wdf 3), xa      2: y, xb (wdf 2)
 *   3: x, xa              4: x (wdf 7), z         */
static xapian_database *build_lists_db(const char *path)
{
    static const struct { const char *term; unsigned wdf; } docs[4][2] = {
        { { "x", 3 }, { "xa", 1 } }, { { "y", 1 }, { "xb", 2 } },
        { { "x", 1 }, { "xa", 1 } }, { { "x", 7 }, { "z", 1 } },
    };
    xapian_error err;
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    for (size_t i = 0; i < 4; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        for (size_t k = 0; k < 2; k++)
            OK(xapian_document_add_term(doc, S(docs[i][k].term),
                                        docs[i][k].wdf, &err));
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    return open_db(path);
}

/* Changing documents in place: a document's term list with wdfs,
 * skip_to, deletion, the spelling dictionary up and down, compaction
 * keeping docids, and a reader whose revision two commits overwrote. */
START_TEST(test_changes_in_place)
{
    xapian_error err;
    char *path = tu_path(tmp, "lists");
    xapian_database *db = build_lists_db(path);
    xapian_termlist *tl;
    const char *t;
    size_t len;
    uint32_t tf, wdf;
    xapian_docid did;

    /* Document 4: x (wdf 7), z (1). */
    OK(xapian_database_termlist(&tl, db, 4, &err));
    ck_assert_int_eq(xapian_termlist_wdf(&wdf, tl, &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 1);
    ck_assert_str_eq(t, "x");
    ck_assert_uint_eq(tf, 3);
    OK(xapian_termlist_wdf(&wdf, tl, &err));
    ck_assert_uint_eq(wdf, 7);
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 1);
    ck_assert_str_eq(t, "z");
    OK(xapian_termlist_wdf(&wdf, tl, &err));
    ck_assert_uint_eq(wdf, 1);
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 0);
    xapian_termlist_free(tl);
    ck_assert_int_eq(xapian_database_termlist(&tl, db, 9, &err),
                     XAPIAN_ERANGE);

    xapian_postlist *pl;
    OK(xapian_database_postlist(&pl, db, S("x"), &err));
    ck_assert_int_eq(xapian_postlist_skip_to(&did, &wdf, pl, 2, &err), 1);
    ck_assert_uint_eq(did, 3);
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 1);
    ck_assert_uint_eq(did, 4);
    ck_assert_uint_eq(wdf, 7);
    ck_assert_int_eq(xapian_postlist_skip_to(&did, &wdf, pl, 5, &err), 0);
    xapian_postlist_free(pl);

    /* An older reader, then two commits: the revision it reads is gone. */
    xapian_database *old = open_db(path);
    xapian_writable_database *w;
    OK(xapian_writable_database_open(&w, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_writable_database_add_spelling(w, S("kidney"), 5, &err));
    OK(xapian_writable_database_remove_spelling(w, S("kidney"), 2, &err));
    OK(xapian_writable_database_remove_spelling(w, S("absent"), 1, &err));
    OK(xapian_writable_database_delete_document(w, 1, &err));
    ck_assert_int_eq(xapian_writable_database_delete_document(w, 1, &err),
                     XAPIAN_ERANGE);
    OK(xapian_writable_database_commit(w, &err));
    xapian_writable_database_free(w);
    xapian_database_free(old);

    /* A reader whose revision two commits overwrote: DatabaseModifiedError.
     * Enough documents for blocks below the root, rewritten twice. */
    char *big = tu_path(tmp, "big");
    OK(xapian_writable_database_open(&w, big, XAPIAN_DB_CREATE, &err));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3000; i++) {
            xapian_document *doc;
            char term[32];
            int n = snprintf(term, sizeof term, "t%05d", i);
            OK(xapian_document_new(&doc, &err));
            OK(xapian_document_add_term(doc, term, (size_t)n,
                                        (unsigned)round + 1, &err));
            OK(xapian_document_set_data(doc, S("some data to take room"),
                                        &err));
            OK(xapian_writable_database_replace_document(NULL, w, term,
                                                         (size_t)n, doc,
                                                         &err));
            xapian_document_free(doc);
        }
        OK(xapian_writable_database_commit(w, &err));
        if (round == 0)
            old = open_db(big);
    }
    xapian_writable_database_free(w);
    int rc = 0;
    for (int i = 0; i < 3000 && rc == 0; i += 97) {
        char term[32];
        int n = snprintf(term, sizeof term, "t%05d", i);
        rc = xapian_database_postlist(&pl, old, term, (size_t)n, &err);
        if (rc == 0)
            while ((rc = xapian_postlist_next(&did, &wdf, pl, &err)) > 0)
                ;
        xapian_postlist_free(pl);
    }
    ck_assert_int_eq(rc, XAPIAN_EMODIFIED);
    xapian_database_free(old);
    free(big);

    xapian_database_free(db);
    db = open_db(path);
    OK(xapian_database_spellings(&tl, db, &err));
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 1);
    ck_assert_str_eq(t, "kidney");
    ck_assert_uint_eq(tf, 3);
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 0);
    xapian_termlist_free(tl);

    /* Compacted without renumbering, document 2 keeps its docid. */
    char *dest = tu_path(tmp, "compact");
    ck_assert_int_eq(xapian_database_compact_flags(db, dest, 1 << 20, &err),
                     XAPIAN_EINVAL);
    OK(xapian_database_compact_flags(db, dest, XAPIAN_COMPACT_NO_RENUMBER,
                                     &err));
    xapian_database *c = open_db(dest);
    OK(xapian_database_postlist(&pl, c, S("xb"), &err));
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 1);
    ck_assert_uint_eq(did, 2);
    xapian_postlist_free(pl);
    xapian_database_free(c);
    xapian_database_free(db);
    free(dest);
    free(path);
}
END_TEST

/* A posting list gives its docids ascending with their wdfs, then 0 (and
 * 0 again); an unknown term's is empty. */
START_TEST(test_postlist)
{
    xapian_error err;
    char *path = tu_path(tmp, "lists");
    xapian_database *db = build_lists_db(path);
    xapian_postlist *pl;
    xapian_docid did;
    uint32_t wdf;

    OK(xapian_database_postlist(&pl, db, S("x"), &err));
    ck_assert_ptr_nonnull(pl);
    static const xapian_docid want_did[] = { 1, 3, 4 };
    static const uint32_t want_wdf[] = { 3, 1, 7 };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 1);
        ck_assert_uint_eq(did, want_did[i]);
        ck_assert_uint_eq(wdf, want_wdf[i]);
    }
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 0);
    ck_assert_uint_eq(did, 0);
    ck_assert_uint_eq(wdf, 0);
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 0);
    xapian_postlist_free(pl);

    OK(xapian_database_postlist(&pl, db, S("xb"), &err));
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 1);
    ck_assert_uint_eq(did, 2);
    ck_assert_uint_eq(wdf, 2);
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 0);
    xapian_postlist_free(pl);

    OK(xapian_database_postlist(&pl, db, S("nowhere"), &err));
    ck_assert_ptr_nonnull(pl);
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 0);
    ck_assert_uint_eq(did, 0);
    xapian_postlist_free(pl);

    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_database_postlist(&pl, NULL, S("x"), &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(pl);
    xapian_postlist_free(NULL);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* Reads tl to its end into buf as "term:termfreq " items. */
static void read_terms(char *buf, size_t size, xapian_termlist *tl)
{
    xapian_error err;
    const char *t;
    size_t len, at = 0;
    uint32_t tf;
    int rc;
    buf[0] = 0;
    while ((rc = xapian_termlist_next(&t, &len, &tf, tl, &err)) == 1) {
        ck_assert_uint_eq(strlen(t), len);
        at += (size_t)snprintf(buf + at, size - at, "%s:%u ", t,
                               (unsigned)tf);
        ck_assert_uint_lt(at, size);
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(xapian_termlist_next(&t, &len, &tf, tl, &err), 0);
    ck_assert_ptr_null(t);
}

/* The term list gives the terms under a prefix in byte order, with the
 * documents that hold each; "" lists all; no term, none. */
START_TEST(test_allterms)
{
    xapian_error err;
    char *path = tu_path(tmp, "lists");
    xapian_database *db = build_lists_db(path);
    xapian_termlist *tl;
    char buf[256];

    OK(xapian_database_allterms(&tl, db, S("x"), &err));
    read_terms(buf, sizeof buf, tl);
    ck_assert_str_eq(buf, "x:3 xa:2 xb:1 ");
    xapian_termlist_free(tl);

    OK(xapian_database_allterms(&tl, db, S("xa"), &err));
    read_terms(buf, sizeof buf, tl);
    ck_assert_str_eq(buf, "xa:2 ");
    xapian_termlist_free(tl);

    OK(xapian_database_allterms(&tl, db, S(""), &err));
    read_terms(buf, sizeof buf, tl);
    ck_assert_str_eq(buf, "x:3 xa:2 xb:1 y:1 z:1 ");
    xapian_termlist_free(tl);

    OK(xapian_database_allterms(&tl, db, S("q"), &err));
    read_terms(buf, sizeof buf, tl);
    ck_assert_str_eq(buf, "");
    xapian_termlist_free(tl);

    /* termfreq is optional. */
    const char *t;
    size_t len;
    OK(xapian_database_allterms(&tl, db, S("z"), &err));
    ck_assert_int_eq(xapian_termlist_next(&t, &len, NULL, tl, &err), 1);
    ck_assert_str_eq(t, "z");
    xapian_termlist_free(tl);

    ck_assert_int_eq(xapian_termlist_next(&t, &len, NULL, NULL, &err),
                     XAPIAN_EINVAL);
    xapian_termlist_free(NULL);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* A writable database's reader sees what is not committed yet: the
 * documents, their terms and the last docid; a reader opened from disk
 * sees the last commit. */
START_TEST(test_writable_reader)
{
    xapian_error err;
    char *path = tu_path(tmp, "lists");
    xapian_database_free(build_lists_db(path));
    xapian_writable_database *wdb;
    xapian_database *r, *disk;
    xapian_document *doc;
    xapian_docid did, last;
    uint32_t n;

    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_writable_database_reader(&r, wdb, &err));
    OK(xapian_database_lastdocid(&last, r, &err));
    ck_assert_uint_eq(last, 4);
    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_add_term(doc, S("fresh"), 1, &err));
    OK(xapian_writable_database_add_document(&did, wdb, doc, &err));
    xapian_document_free(doc);
    ck_assert_uint_eq(did, 5);

    OK(xapian_database_doccount(&n, r, &err));
    ck_assert_uint_eq(n, 5);
    OK(xapian_database_termfreq(&n, r, S("fresh"), &err));
    ck_assert_uint_eq(n, 1);
    OK(xapian_database_lastdocid(&last, r, &err));
    ck_assert_uint_eq(last, 5);
    xapian_postlist *pl;
    uint32_t wdf;
    OK(xapian_database_postlist(&pl, r, S("fresh"), &err));
    ck_assert_int_eq(xapian_postlist_next(&did, &wdf, pl, &err), 1);
    ck_assert_uint_eq(did, 5);
    xapian_postlist_free(pl);

    disk = open_db(path);
    OK(xapian_database_doccount(&n, disk, &err));
    ck_assert_uint_eq(n, 4);
    OK(xapian_database_lastdocid(&last, disk, &err));
    ck_assert_uint_eq(last, 4);
    xapian_database_free(disk);

    xapian_database_free(r);
    ck_assert_int_eq(xapian_writable_database_reader(&r, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(r);
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    free(path);
}
END_TEST

/* A document built posting by posting (word positions given) matches a
 * phrase query in the order it was given, not another. */
START_TEST(test_document_add_posting)
{
    static const struct { const char *text; int match; } cases[] = {
        { "\"blood glucose\"", 1 },
        { "\"glucose levels\"", 1 },
        { "\"blood glucose levels\"", 1 },
        { "\"glucose blood\"", 0 },
        { "\"blood levels\"", 0 },
        { "blood NEAR/2 levels", 1 },
        { "\"levels rise\"", 1 },
        { "\"glucose rise\"", 0 },
    };
    xapian_error err;
    xapian_document *doc;
    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_add_posting(doc, S("blood"), 1, 1, &err));
    OK(xapian_document_add_posting(doc, S("glucose"), 2, 1, &err));
    OK(xapian_document_add_posting(doc, S("levels"), 3, 1, &err));
    OK(xapian_document_add_posting(doc, S("levels"), 10, 1, &err));
    OK(xapian_document_add_posting(doc, S("rise"), 11, 1, &err));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xapian_query *q = parse_only(cases[i].text);
        int m = -1;
        OK(xapian_query_matches_document(&m, q, doc, &err));
        ck_assert_msg(m == cases[i].match, "%s: %d", cases[i].text, m);
        xapian_query_free(q);
    }
    ck_assert_int_eq(xapian_document_add_posting(NULL, S("x"), 1, 1, &err),
                     XAPIAN_EINVAL);
    xapian_document_free(doc);
}
END_TEST

/* Runs q on enq for its first 10 hits, as "docid:weight " items. */
static void describe_hits(char *buf, size_t size, xapian_enquire *enq,
                          const xapian_query *q)
{
    xapian_error err;
    xapian_docid ids[10];
    double w[10];
    OK(xapian_enquire_set_query(enq, q, &err));
    unsigned n = page(enq, ids, w);
    size_t at = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        at += (size_t)snprintf(buf + at, size - at, "%u:%.17g ",
                               (unsigned)ids[i], w[i]);
        ck_assert_uint_lt(at, size);
    }
}

/* A query read back from its serialisation (spine_ext_query_unserialise)
 * matches what it matched, with the same weights: terms, a phrase, a
 * scaled subquery and a docid-set filter; garbage is refused. */
START_TEST(test_query_serialise)
{
    static const char *const texts[] = {
        "heart blood", "\"blood glucose\" OR heart", "title:heart OR the",
        "blood -heart",
    };
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_enquire *enq;
    OK(xapian_enquire_new(&enq, db, &err));
    char before[512], after[512];

    for (size_t i = 0; i < sizeof texts / sizeof texts[0] + 2; i++) {
        xapian_query *q, *back;
        if (i < sizeof texts / sizeof texts[0]) {
            OK(xapian_query_parser_parse(&q, qp, S(texts[i]),
                                         XAPIAN_QP_FLAG_DEFAULT, &err));
        } else {
            /* "the OR blood", scaled, filtered by docids 3 and 1 (or 2). */
            xapian_query *parsed, *scaled, *ids, *pair[2];
            OK(xapian_query_parser_parse(&parsed, qp, S("the blood"),
                                         XAPIAN_QP_FLAG_DEFAULT, &err));
            OK(xapian_query_scale(&scaled, parsed, 2.5, &err));
            if (i == sizeof texts / sizeof texts[0])
                OK(spine_ext_query_docids(&ids, (const xapian_docid[]){ 3, 1 },
                                          2, &err));
            else
                OK(spine_ext_query_docids(&ids, (const xapian_docid[]){ 2 },
                                          1, &err));
            pair[0] = scaled;
            pair[1] = ids;
            OK(xapian_query_combine(&q, XAPIAN_QUERY_OP_FILTER, pair, 2,
                                    &err));
            xapian_query_free(parsed);
            xapian_query_free(scaled);
            xapian_query_free(ids);
        }
        char *data;
        size_t len;
        OK(xapian_query_serialise(&data, &len, q, &err));
        ck_assert_uint_gt(len, 0);
        OK(spine_ext_query_unserialise(&back, data, len, &err));
        free(data);
        ck_assert_int_eq(xapian_query_type(back), xapian_query_type(q));
        ck_assert_uint_eq(xapian_query_num_subqueries(back),
                          xapian_query_num_subqueries(q));
        describe_hits(before, sizeof before, enq, q);
        describe_hits(after, sizeof after, enq, back);
        ck_assert_msg(strlen(before) > 0, "query %zu matches nothing", i);
        ck_assert_str_eq(after, before);
        xapian_query_free(back);
        xapian_query_free(q);
    }

    /* Not a serialised query.  (Not one that opens like a multi-way
     * operator, 0xe0 and up: Xapian 1.4 leaks the operator it has begun
     * when its subqueries fail to read.) */
    xapian_query *bad = NULL;
    ck_assert_int_lt(spine_ext_query_unserialise(&bad, S("junk"), &err), 0);
    ck_assert_ptr_null(bad);

    xapian_enquire_free(enq);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* A docid range query (spine_ext_query_docid_range) filters to the
 * documents from lo to hi, weights untouched. */
START_TEST(test_query_docid_range)
{
    xapian_error err;
    char *path = tu_path(tmp, "lists");
    xapian_database *db = build_lists_db(path);
    xapian_query *x, *range, *both;
    xapian_enquire *enq;
    xapian_docid all[10], cut[10];
    double wall[10], wcut[10];

    OK(xapian_query_new_term(&x, S("x"), &err));      /* docs 1, 3, 4 */
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_enquire_set_query(enq, x, &err));
    ck_assert_uint_eq(page(enq, all, wall), 3);

    static const struct { xapian_docid lo, hi; unsigned n; } cases[] = {
        { 2, 3, 1 }, { 1, 4, 3 }, { 3, 9, 2 }, { 5, 9, 0 }, { 2, 2, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OK(spine_ext_query_docid_range(&range, cases[i].lo, cases[i].hi,
                                       &err));
        xapian_query *pair[2] = { x, range };
        OK(xapian_query_combine(&both, XAPIAN_QUERY_OP_FILTER, pair, 2,
                                &err));
        OK(xapian_enquire_set_query(enq, both, &err));
        unsigned n = page(enq, cut, wcut);
        ck_assert_msg(n == cases[i].n, "[%u, %u]: %u hits",
                      (unsigned)cases[i].lo, (unsigned)cases[i].hi, n);
        for (unsigned k = 0; k < n; k++) {
            ck_assert_uint_ge(cut[k], cases[i].lo);
            ck_assert_uint_le(cut[k], cases[i].hi);
            for (unsigned j = 0; j < 3; j++)
                if (all[j] == cut[k])
                    ck_assert(wcut[k] == wall[j]);
        }
        xapian_query_free(both);
        xapian_query_free(range);
    }

    xapian_enquire_free(enq);
    xapian_query_free(x);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_snippet)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_stem *stem;
    char *snip;
    size_t len;

    OK(xapian_stem_new(&stem, "english", &err));
    xapian_mset *m = search(db, qp, "runs", XAPIAN_QP_FLAG_DEFAULT);
    const char *text = "Runners & joggers love running.";
    OK(xapian_mset_snippet(&snip, &len, m, S(text), 200, stem,
                           XAPIAN_SNIPPET_DEFAULT, "<b>", "</b>", "...",
                           &err));
    ck_assert_uint_eq(len, strlen(snip));
    /* "runs" matched the stem of "running" (and "runners" is not "run"). */
    ck_assert_ptr_nonnull(strstr(snip, "<b>running</b>"));
    ck_assert_ptr_nonnull(strstr(snip, "&amp;"));  /* HTML-escaped */
    free(snip);

    /* Without a match and with EMPTY_WITHOUT_MATCH, the snippet is "". */
    OK(xapian_mset_snippet(&snip, NULL, m, S("nothing relevant here"), 200,
                           stem, XAPIAN_SNIPPET_EMPTY_WITHOUT_MATCH,
                           "<b>", "</b>", "...", &err));
    ck_assert_str_eq(snip, "");
    free(snip);

    /* A long text is cut to about length bytes and marked with omit. */
    char longtext[2048] = "";
    for (int i = 0; i < 60; i++)
        strcat(longtext, "filler words ");
    strcat(longtext, "running ");
    for (int i = 0; i < 60; i++)
        strcat(longtext, "filler words ");
    OK(xapian_mset_snippet(&snip, &len, m, S(longtext), 60, stem,
                           XAPIAN_SNIPPET_DEFAULT, "[", "]", "~", &err));
    ck_assert_ptr_nonnull(strstr(snip, "[running]"));
    ck_assert_uint_lt(len, 120);
    ck_assert_ptr_nonnull(strchr(snip, '~'));
    free(snip);

    xapian_stem_free(stem);
    xapian_mset_free(m);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_spelling)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    char *s;

    /* The term generator fed the spelling table (FLAG_SPELLING). */
    OK(xapian_database_spelling_suggestion(&s, db, S("diabetis"), 0, &err));
    ck_assert_str_eq(s, "diabetes");
    free(s);
    OK(xapian_database_spelling_suggestion(&s, db, S("zzzzzz"), 2, &err));
    ck_assert_str_eq(s, "");
    free(s);

    xapian_query_parser *qp = make_parser(db);
    xapian_query *q;
    OK(xapian_query_parser_parse(&q, qp, S("diabetis blood"),
                                 XAPIAN_QP_FLAG_DEFAULT |
                                 XAPIAN_QP_FLAG_SPELLING_CORRECTION, &err));
    ck_assert_str_eq(xapian_query_parser_corrected(qp), "diabetes blood");
    xapian_query_free(q);
    /* The next parse replaces the correction. */
    OK(xapian_query_parser_parse(&q, qp, S("diabetes blood"),
                                 XAPIAN_QP_FLAG_DEFAULT |
                                 XAPIAN_QP_FLAG_SPELLING_CORRECTION, &err));
    ck_assert_str_eq(xapian_query_parser_corrected(qp), "");
    xapian_query_free(q);
    xapian_query_parser_free(qp);
    ck_assert_str_eq(xapian_query_parser_corrected(NULL), "");

    /* Words added by hand. */
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_writable_database_add_spelling(wdb, S("cardiology"), 1, &err));
    OK(xapian_writable_database_add_synonym(wdb, S("heart"), S("cardiac"),
                                            &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    int changed;
    OK(xapian_database_reopen(&changed, db, &err));
    OK(xapian_database_spelling_suggestion(&s, db, S("cardiolgy"), 0, &err));
    ck_assert_str_eq(s, "cardiology");
    free(s);

    int any;
    OK(xapian_database_has_spellings(&any, db, &err));
    ck_assert_int_eq(any, 1);
    xapian_database_free(db);

    /* A database without spelling data. */
    char *bare = tu_path(tmp, "bare");
    OK(xapian_writable_database_open(&wdb, bare, XAPIAN_DB_CREATE_OR_OPEN,
                                     &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);
    db = open_db(bare);
    OK(xapian_database_has_spellings(&any, db, &err));
    ck_assert_int_eq(any, 0);
    xapian_database_free(db);
    free(bare);
    free(path);
}
END_TEST

START_TEST(test_wildcard_limit)
{
    /* set_max_expansion(): past the limit, the most frequent terms only,
     * or an error. */
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_query *q;
    xapian_enquire *enq;
    xapian_mset *all, *one;
    unsigned n_all, n_one;
    OK(xapian_enquire_new(&enq, db, &err));
    OK(xapian_query_parser_parse(&q, qp, S("h*"), XAPIAN_QP_FLAG_WILDCARD,
                                 &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&all, enq, 0, 100, 0, &err));
    xapian_query_free(q);
    OK(xapian_query_parser_set_max_expansion(qp, 1,
                                            XAPIAN_WILDCARD_LIMIT_MOST_FREQUENT,
                                            XAPIAN_QP_FLAG_WILDCARD, &err));
    OK(xapian_query_parser_parse(&q, qp, S("h*"), XAPIAN_QP_FLAG_WILDCARD,
                                 &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    OK(xapian_enquire_get_mset(&one, enq, 0, 100, 0, &err));
    xapian_query_free(q);
    n_all = xapian_mset_size(all);
    n_one = xapian_mset_size(one);
    ck_assert_uint_gt(n_one, 0);
    ck_assert_uint_lt(n_one, n_all);
    xapian_mset_free(all);
    xapian_mset_free(one);

    OK(xapian_query_parser_set_max_expansion(qp, 1,
                                            XAPIAN_WILDCARD_LIMIT_ERROR,
                                            XAPIAN_QP_FLAG_WILDCARD, &err));
    OK(xapian_query_parser_parse(&q, qp, S("h*"), XAPIAN_QP_FLAG_WILDCARD,
                                 &err));
    OK(xapian_enquire_set_query(enq, q, &err));
    ck_assert_int_ne(xapian_enquire_get_mset(&all, enq, 0, 100, 0, &err),
                     XAPIAN_OK);
    xapian_query_free(q);
    ck_assert_int_eq(xapian_query_parser_set_max_expansion(qp, 1, 7, 0, &err),
                     XAPIAN_EINVAL);
    xapian_enquire_free(enq);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

/* Spelling data from the term list, as a shard makes it: the terms not_x()
 * takes reach the spelling table, each with its collection frequency;
 * the suggestions follow those frequencies. */
static int not_x(const char *term, size_t len)
{
    return len && term[len - 1] != 'x';
}

START_TEST(test_spelling_from_terms)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err));
    static const char *const docs[][3] = {
        { "cardiology", "cardiologx", "cardiologo" },
        { "cardiology", "cardiologx", NULL },
        { "cardiology", "cardiologx", NULL },
    };
    for (size_t i = 0; i < 3; i++) {
        xapian_document *doc;
        OK(xapian_document_new(&doc, &err));
        for (size_t k = 0; k < 3 && docs[i][k]; k++)
            OK(xapian_document_add_term(doc, docs[i][k], strlen(docs[i][k]),
                                        2, &err));
        OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
        xapian_document_free(doc);
    }
    OK(xapian_writable_database_commit(wdb, &err));
    /* The spelling data of a shard (libspine/shard.c): the accepted terms
     * of the term list, listed first, each with its collection frequency. */
    xapian_database *r;
    xapian_termlist *tl;
    const char *t;
    size_t len;
    int seen = 0, more;
    char words[3][16];
    size_t nwords = 0;
    OK(xapian_writable_database_reader(&r, wdb, &err));
    OK(xapian_database_allterms(&tl, r, S(""), &err));
    while ((more = xapian_termlist_next(&t, &len, NULL, tl, &err)) == 1) {
        seen++;
        if (not_x(t, len)) {
            ck_assert_uint_lt(len, sizeof words[0]);
            memcpy(words[nwords++], t, len + 1);
        }
    }
    ck_assert_int_eq(more, 0);
    xapian_termlist_free(tl);
    ck_assert_int_eq(seen, 3);                  /* every distinct term */
    ck_assert_uint_eq(nwords, 2);
    for (size_t i = 0; i < nwords; i++) {
        uint64_t freq;
        OK(xapian_database_collection_freq(&freq, r, S(words[i]), &err));
        ck_assert_uint_eq(freq, strcmp(words[i], "cardiology") ? 2 : 6);
        OK(xapian_writable_database_add_spelling(wdb, S(words[i]),
                                                 (unsigned)freq, &err));
    }
    xapian_database_free(r);
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    char *s;
    /* cardiology (wdf 2 in 3 documents) outweighs cardiologo (1). */
    OK(xapian_database_spelling_suggestion(&s, db, S("cardiologz"), 1, &err));
    ck_assert_str_eq(s, "cardiology");
    free(s);
    OK(xapian_database_spelling_suggestion(&s, db, S("cardiologoo"), 1,
                                           &err));
    ck_assert_str_eq(s, "cardiologo");
    free(s);
    /* cardiologx was refused: nothing is one edit from "cardiologxx". */
    OK(xapian_database_spelling_suggestion(&s, db, S("cardiologxx"), 1,
                                           &err));
    ck_assert_str_eq(s, "");
    free(s);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_synonyms)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE_OR_OPEN,
                                     &err));
    char *keys;
    size_t nkeys;
    xapian_database *db = open_db(path);
    OK(xapian_database_synonym_keys(&keys, &nkeys, db, &err));
    ck_assert_uint_eq(nkeys, 0);
    free(keys);
    xapian_database_free(db);

    OK(xapian_writable_database_add_synonym(wdb, S("cardiac"), S("heart"),
                                            &err));
    OK(xapian_writable_database_add_synonym(wdb, S("heart attack"),
                                            S("infarct"), &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);

    /* Keys in order, multi-word ones whole. */
    db = open_db(path);
    OK(xapian_database_synonym_keys(&keys, &nkeys, db, &err));
    ck_assert_uint_eq(nkeys, 2);
    ck_assert_str_eq(keys, "cardiac");
    ck_assert_str_eq(keys + strlen("cardiac") + 1, "heart attack");
    free(keys);

    xapian_query_parser *qp = make_parser(db);
    xapian_mset *m = search(db, qp, "cardiac", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 0);
    xapian_mset_free(m);
    m = search(db, qp, "cardiac",
               XAPIAN_QP_FLAG_DEFAULT | XAPIAN_QP_FLAG_AUTO_SYNONYMS);
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    xapian_mset_free(m);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_reopen)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    int changed = -1;

    xapian_writable_database *wdb;
    xapian_document *doc;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_add_term(doc, S("extra"), 1, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_document_free(doc);
    xapian_writable_database_free(wdb);

    uint32_t n;
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 3);       /* still the old revision */
    OK(xapian_database_reopen(&changed, db, &err));
    ck_assert_int_eq(changed, 1);
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 4);
    OK(xapian_database_reopen(NULL, db, &err));

    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_compact)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    char *dest = tu_path(tmp, "compact");
    build_db(path);
    xapian_database *db = open_db(path);

    OK(xapian_database_compact(db, dest, &err));
    xapian_database_free(db);

    /* A multi-file glass directory, not a single file. */
    struct stat st;
    ck_assert_int_eq(stat(dest, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    char *iam = tu_path(dest, "iamglass");
    ck_assert_int_eq(stat(iam, &st), 0);
    free(iam);

    db = open_db(dest);
    uint32_t n;
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 3);
    OK(xapian_database_termfreq(&n, db, S("blood"), &err));
    ck_assert_uint_eq(n, 2);
    char *s;
    OK(xapian_database_spelling_suggestion(&s, db, S("diabetis"), 0, &err));
    ck_assert_str_eq(s, "diabetes");
    free(s);
    xapian_database_free(db);
    free(dest);
    free(path);
}
END_TEST

START_TEST(test_metadata)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE_OR_OPEN,
                                     &err));
    OK(xapian_writable_database_set_metadata(wdb, S("spine:schema"),
                                             "v\0001", 3, &err));
    OK(xapian_writable_database_commit(wdb, &err));
    xapian_writable_database_free(wdb);

    xapian_database *db = open_db(path);
    char *v;
    size_t len;
    OK(xapian_database_get_metadata(&v, &len, db, S("spine:schema"), &err));
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(v, "v\0001", 3), 0);
    ck_assert_int_eq(v[3], '\0');
    free(v);
    OK(xapian_database_get_metadata(&v, &len, db, S("unset"), &err));
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(v, "");
    free(v);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_transactions)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_writable_database *wdb;
    xapian_document *doc;
    uint32_t n;

    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_document_new(&doc, &err));
    OK(xapian_document_add_term(doc, S("pending"), 1, &err));

    /* Cancel discards. */
    OK(xapian_writable_database_begin_transaction(wdb, 1, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    OK(xapian_writable_database_doccount(&n, wdb, &err));
    ck_assert_uint_eq(n, 4);
    OK(xapian_writable_database_cancel_transaction(wdb, &err));
    OK(xapian_writable_database_doccount(&n, wdb, &err));
    ck_assert_uint_eq(n, 3);

    /* Commit keeps, durably (flushed). */
    OK(xapian_writable_database_begin_transaction(wdb, 1, &err));
    OK(xapian_writable_database_add_document(NULL, wdb, doc, &err));
    OK(xapian_writable_database_commit_transaction(wdb, &err));
    xapian_database *db = open_db(path);
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 4);
    xapian_database_free(db);

    xapian_document_free(doc);
    OK(xapian_writable_database_close(wdb, &err));
    xapian_writable_database_free(wdb);
    free(path);
}
END_TEST

START_TEST(test_add_database)
{
    xapian_error err;
    char *a = tu_path(tmp, "a");
    char *b = tu_path(tmp, "b");
    build_db(a);
    build_db(b);

    xapian_database *db = open_db(a);
    xapian_database *other = open_db(b);
    size_t shards = 0;
    xapian_docid last = 0;
    OK(xapian_database_shards(&shards, db, &err));
    ck_assert_uint_eq(shards, 1);
    OK(xapian_database_lastdocid(&last, db, &err));
    ck_assert_uint_eq(last, 3);
    OK(xapian_database_add_database(db, other, &err));
    xapian_database_free(other);  /* db keeps the shard */
    OK(xapian_database_shards(&shards, db, &err));
    ck_assert_uint_eq(shards, 2);
    /* Docids interleave: the shards' 3 documents are 1..6 together. */
    OK(xapian_database_lastdocid(&last, db, &err));
    ck_assert_uint_eq(last, 6);

    uint32_t n;
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 6);
    OK(xapian_database_termfreq(&n, db, S("blood"), &err));
    ck_assert_uint_eq(n, 4);
    xapian_query_parser *qp = make_parser(db);
    xapian_mset *m = search(db, qp, "diabetes", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 2);
    xapian_mset_free(m);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_stub_directory)
{
    xapian_error err;
    char *stub = tu_path(tmp, "stub");
    char *shard = tu_path(stub, "shard");
    char *file = tu_path(stub, "XAPIANDB");

    ck_assert_int_eq(mkdir(stub, 0700), 0);
    build_db(shard);
    ck_assert_int_eq(tu_write_file(file, S("auto shard\n")), 0);

    xapian_database *db = open_db(stub);
    uint32_t n;
    OK(xapian_database_doccount(&n, db, &err));
    ck_assert_uint_eq(n, 3);
    xapian_database_free(db);
    free(file);
    free(shard);
    free(stub);
}
END_TEST

/* ------------------------------------------------------------------------
 * errors
 */

START_TEST(test_missing_database)
{
    xapian_error err;
    xapian_database *db = (xapian_database *)&err;  /* must be reset */
    char *path = tu_path(tmp, "nonexistent");

    int rc = xapian_database_open(&db, path, &err);
    ck_assert_int_eq(rc, XAPIAN_ENOTFOUND);
    ck_assert_int_eq(err.code, XAPIAN_ENOTFOUND);
    ck_assert_ptr_null(db);
    ck_assert_msg(strncmp(err.msg, "DatabaseNotFoundError: ", 23) == 0,
                  "msg: %s", err.msg);
    /* Xapian's whole message, its context in parentheses included (the
     * last byte used to be cut off). */
    ck_assert_msg(strstr(err.msg, "(No such file or directory)"), "msg: %s",
                  err.msg);

    /* DB_OPEN does not create. */
    xapian_writable_database *wdb = (xapian_writable_database *)&err;
    rc = xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err);
    ck_assert_int_eq(rc, XAPIAN_ENOTFOUND);
    ck_assert_ptr_null(wdb);

    /* err may be NULL. */
    ck_assert_int_eq(xapian_database_open(&db, path, NULL), XAPIAN_ENOTFOUND);
    ck_assert_ptr_null(db);
    free(path);
}
END_TEST

START_TEST(test_long_message_truncated)
{
    xapian_error err;
    xapian_database *db;
    char path[1024];

    /* A path far longer than the message buffer, of two-byte characters
     * ("é"), so that the cut must be moved back to a character boundary.
     * Short components keep it merely missing rather than invalid, and the
     * two prefix lengths put the cut on both parities. */
    for (int odd = 0; odd < 2; odd++) {
        snprintf(path, sizeof path, "%s/%s", tmp, odd ? "x" : "xy");
        while (strlen(path) < 600)
            strcat(path, "/\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
        memset(err.msg, 'X', sizeof err.msg);
        ck_assert_int_eq(xapian_database_open(&db, path, &err),
                         XAPIAN_ENOTFOUND);
        size_t len = strnlen(err.msg, sizeof err.msg);
        ck_assert_uint_lt(len, sizeof err.msg);
        ck_assert_uint_ge(len, sizeof err.msg - 2);
        /* The message ends on a whole "é", never on a dangling lead byte. */
        ck_assert_int_eq((unsigned char)err.msg[len - 1], 0xa9);
        ck_assert_int_eq((unsigned char)err.msg[len - 2], 0xc3);
    }
}
END_TEST

START_TEST(test_locked_database)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    xapian_writable_database *w1, *w2 = (xapian_writable_database *)&err;

    OK(xapian_writable_database_open(&w1, path, XAPIAN_DB_CREATE_OR_OPEN,
                                     &err));
    int rc = xapian_writable_database_open(&w2, path,
                                           XAPIAN_DB_CREATE_OR_OPEN, &err);
    ck_assert_int_eq(rc, XAPIAN_ELOCKED);
    ck_assert_ptr_null(w2);
    ck_assert_msg(strstr(err.msg, "DatabaseLockError") != NULL, "msg: %s",
                  err.msg);

    /* Readers are not blocked, and closing releases the lock. */
    xapian_database *db = open_db(path);
    xapian_database_free(db);
    OK(xapian_writable_database_close(w1, &err));
    OK(xapian_writable_database_open(&w2, path, XAPIAN_DB_OPEN, &err));
    xapian_writable_database_free(w2);
    xapian_writable_database_free(w1);

    /* Freeing without close releases it too. */
    OK(xapian_writable_database_open(&w1, path, XAPIAN_DB_OPEN, &err));
    xapian_writable_database_free(w1);
    OK(xapian_writable_database_open(&w2, path, XAPIAN_DB_OPEN, &err));
    xapian_writable_database_free(w2);
    free(path);
}
END_TEST

START_TEST(test_create_existing)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_writable_database *wdb = (xapian_writable_database *)&err;
    int rc = xapian_writable_database_open(&wdb, path, XAPIAN_DB_CREATE, &err);
    ck_assert_int_eq(rc, XAPIAN_EDATABASE);  /* DatabaseCreateError */
    ck_assert_ptr_null(wdb);
    ck_assert_msg(strstr(err.msg, "DatabaseCreateError") != NULL, "msg: %s",
                  err.msg);

    rc = xapian_writable_database_open(&wdb, path, 99, &err);
    ck_assert_int_eq(rc, XAPIAN_EINVAL);
    ck_assert_ptr_null(wdb);
    free(path);
}
END_TEST

START_TEST(test_malformed_query)
{
    xapian_error err;
    xapian_query_parser *qp;
    xapian_query *q = (xapian_query *)&err;

    OK(xapian_query_parser_new(&qp, &err));
    /* 1.4 retries a failed parse without operators; a bare operator fails
     * both ways and so raises QueryParserError. */
    int rc = xapian_query_parser_parse(&q, qp, S("heart AND"),
                                       XAPIAN_QP_FLAG_DEFAULT, &err);
    ck_assert_int_eq(rc, XAPIAN_EQUERY);
    ck_assert_ptr_null(q);
    ck_assert_str_eq(err.msg,
                     "QueryParserError: Syntax: <expression> AND <expression>");

    rc = xapian_query_parser_parse(&q, qp, S("OR"), XAPIAN_QP_FLAG_DEFAULT,
                                   NULL);
    ck_assert_int_eq(rc, XAPIAN_EQUERY);

    /* Without FLAG_BOOLEAN, "AND" is just a word. */
    OK(xapian_query_parser_parse(&q, qp, S("heart AND"), 0, &err));
    xapian_query_free(q);
    xapian_query_parser_free(qp);
}
END_TEST

START_TEST(test_closed_database)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    uint32_t n = 99;

    OK(xapian_database_close(db, &err));
    int rc = xapian_database_termfreq(&n, db, S("blood"), &err);
    ck_assert_int_eq(rc, XAPIAN_ECLOSED);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strstr(err.msg, "DatabaseClosedError") != NULL, "msg: %s",
                  err.msg);
    xapian_document *doc = (xapian_document *)&err;
    rc = xapian_database_get_document(&doc, db, 1, &err);
    ck_assert_int_eq(rc, XAPIAN_ECLOSED);
    ck_assert_ptr_null(doc);
    /* close() twice is harmless. */
    OK(xapian_database_close(db, &err));
    xapian_database_free(db);

    xapian_writable_database *wdb;
    OK(xapian_writable_database_open(&wdb, path, XAPIAN_DB_OPEN, &err));
    OK(xapian_writable_database_close(wdb, &err));
    OK(xapian_document_new(&doc, &err));
    ck_assert_int_eq(xapian_writable_database_add_document(NULL, wdb, doc,
                                                           &err),
                     XAPIAN_ECLOSED);
    xapian_document_free(doc);
    xapian_writable_database_free(wdb);
    free(path);
}
END_TEST

START_TEST(test_null_arguments)
{
    xapian_error err;
    xapian_database *db = (xapian_database *)&err;
    xapian_query *q = (xapian_query *)&err;
    char *s = (char *)&err;
    uint32_t n = 7;

    ck_assert_int_eq(xapian_database_open(&db, NULL, &err), XAPIAN_EINVAL);
    ck_assert_ptr_null(db);
    ck_assert_int_eq(err.code, XAPIAN_EINVAL);
    ck_assert_msg(strstr(err.msg, "'path'") != NULL, "msg: %s", err.msg);

    ck_assert_int_eq(xapian_database_open(NULL, "x", &err), XAPIAN_EINVAL);
    ck_assert_msg(strstr(err.msg, "'out'") != NULL, "msg: %s", err.msg);

    ck_assert_int_eq(xapian_database_doccount(&n, NULL, &err), XAPIAN_EINVAL);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strstr(err.msg, "'db'") != NULL, "msg: %s", err.msg);

    ck_assert_int_eq(xapian_database_termfreq(&n, NULL, S("x"), NULL),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_database_spelling_suggestion(&s, NULL, S("x"), 0,
                                                         &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(xapian_database_add_database(NULL, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_database_close(NULL, &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_database_reopen(NULL, NULL, &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_writable_database_commit(NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_writable_database_replace_document(
                         NULL, NULL, S("Q1"), NULL, &err), XAPIAN_EINVAL);

    xapian_document *doc;
    OK(xapian_document_new(&doc, &err));
    /* A NULL pointer is fine only for empty text. */
    ck_assert_int_eq(xapian_document_set_data(doc, NULL, 3, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_document_add_term(doc, NULL, 1, 1, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_document_get_data(NULL, NULL, doc, &err),
                     XAPIAN_EINVAL);
    xapian_document_free(doc);

    xapian_query_parser *qp;
    OK(xapian_query_parser_new(&qp, &err));
    ck_assert_int_eq(xapian_query_parser_parse(&q, qp, NULL, 5, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(xapian_query_parser_set_stemmer(qp, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_parser_add_prefix(qp, "title", NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_msg(strstr(err.msg, "'prefix'") != NULL, "msg: %s", err.msg);
    /* Bad enumerated values are EINVAL too. */
    ck_assert_int_eq(xapian_query_parser_set_default_op(qp, 42, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_parser_set_stemming_strategy(qp, 9, &err),
                     XAPIAN_EINVAL);
    xapian_query_parser_free(qp);

    xapian_query *subs[2] = { NULL, NULL };
    ck_assert_int_eq(xapian_query_combine(&q, XAPIAN_QUERY_OP_AND, subs, 2,
                                          &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_combine(&q, 77, NULL, 0, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_describe(&s, NULL, &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_query_empty(NULL), 1);

    ck_assert_int_eq(xapian_term_generator_index_text(NULL, S("x"), 1, NULL,
                                                      &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_new(NULL, NULL, &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_enquire_set_query(NULL, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_stem_new(NULL, "english", &err), XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_stopper_add(NULL, S("the"), &err),
                     XAPIAN_EINVAL);
    ck_assert_uint_eq(xapian_mset_size(NULL), 0);
    ck_assert_uint_eq(xapian_mset_matches_estimated(NULL), 0);
    double w = 1.0;
    ck_assert_int_eq(xapian_mset_weight(&w, NULL, 0, &err), XAPIAN_EINVAL);
    ck_assert_double_eq(w, 0.0);
}
END_TEST

START_TEST(test_range_errors)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    xapian_database *db = open_db(path);
    xapian_query_parser *qp = make_parser(db);
    xapian_mset *m = search(db, qp, "heart", XAPIAN_QP_FLAG_DEFAULT);
    ck_assert_uint_eq(xapian_mset_size(m), 2);

    xapian_docid did = 5;
    ck_assert_int_eq(xapian_mset_docid(&did, m, 2, &err), XAPIAN_ERANGE);
    ck_assert_uint_eq(did, 0);
    ck_assert_int_eq(err.code, XAPIAN_ERANGE);
    ck_assert_msg(strstr(err.msg, "past the end") != NULL, "msg: %s",
                  err.msg);
    xapian_document *doc = (xapian_document *)&err;
    ck_assert_int_eq(xapian_mset_document(&doc, m, 100, &err), XAPIAN_ERANGE);
    ck_assert_ptr_null(doc);
    unsigned u;
    int pct;
    ck_assert_int_eq(xapian_mset_rank(&u, m, 2, NULL), XAPIAN_ERANGE);
    ck_assert_int_eq(xapian_mset_percent(&pct, m, 2, NULL), XAPIAN_ERANGE);
    ck_assert_int_eq(xapian_mset_collapse_count(&u, m, -1u, NULL),
                     XAPIAN_ERANGE);
    char *snip = (char *)&err;
    ck_assert_int_eq(xapian_mset_snippet(&snip, NULL, m, S("x"), 10, NULL,
                                         0, NULL, "", "", &err),
                     XAPIAN_EINVAL);
    ck_assert_ptr_null(snip);

    /* A docid that does not exist: DocNotFoundError. */
    ck_assert_int_eq(xapian_database_get_document(&doc, db, 999, &err),
                     XAPIAN_ERANGE);
    ck_assert_ptr_null(doc);
    ck_assert_msg(strstr(err.msg, "DocNotFoundError") != NULL, "msg: %s",
                  err.msg);

    xapian_mset_free(m);
    xapian_query_parser_free(qp);
    xapian_database_free(db);
    free(path);
}
END_TEST

START_TEST(test_unknown_stemmer)
{
    xapian_error err;
    xapian_stem *stem = (xapian_stem *)&err;
    int rc = xapian_stem_new(&stem, "klingon", &err);
    ck_assert_int_eq(rc, XAPIAN_EINVAL);
    ck_assert_ptr_null(stem);
    ck_assert_msg(strstr(err.msg, "InvalidArgumentError") != NULL &&
                  strstr(err.msg, "klingon") != NULL, "msg: %s", err.msg);
}
END_TEST

/* Overwrites every byte of path with junk, keeping its size. */
static void scribble(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_gt(st.st_size, 0);
    char *junk = malloc((size_t)st.st_size);
    ck_assert_ptr_nonnull(junk);
    for (off_t i = 0; i < st.st_size; i++)
        junk[i] = (char)(0x5a ^ (i * 31));
    ck_assert_int_eq(tu_write_file(path, junk, (size_t)st.st_size), 0);
    free(junk);
}

START_TEST(test_corrupt_database)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    build_db(path);
    char *table = tu_path(path, "postlist.glass");
    scribble(table);
    free(table);

    /* Either opening or the first read must fail with an error code. */
    xapian_database *db;
    int rc = xapian_database_open(&db, path, &err);
    if (rc == XAPIAN_OK) {
        uint32_t n;
        rc = xapian_database_termfreq(&n, db, S("blood"), &err);
        xapian_database_free(db);
    } else {
        ck_assert_ptr_null(db);
    }
    ck_assert_int_eq(rc, XAPIAN_ECORRUPT);
    ck_assert_msg(strstr(err.msg, "DatabaseCorruptError") != NULL, "msg: %s",
                  err.msg);

    /* A junk version file is caught on open. */
    char *iam = tu_path(path, "iamglass");
    scribble(iam);
    free(iam);
    rc = xapian_database_open(&db, path, &err);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_null(db);
    free(path);
}
END_TEST

/* The bytes a FILE written by a test holds, read back from the start. */
static long written(FILE *f)
{
    ck_assert_int_eq(fflush(f), 0);
    return ftell(f);
}

START_TEST(test_database_check)
{
    xapian_error err;
    char *path = tu_path(tmp, "db");
    char *table = tu_path(path, "postlist.glass");
    size_t errors = 99;
    build_db(path);

    /* Sound: no errors, as a whole and table by table; Xapian's report
     * goes where it is asked to, longer when asked for statistics. */
    OK(xapian_database_check(&errors, path, 0, NULL, &err));
    ck_assert_uint_eq(errors, 0);
    errors = 99;
    OK(xapian_database_check(&errors, table, 0, NULL, &err));
    ck_assert_uint_eq(errors, 0);
    FILE *out = tmpfile(), *stats = tmpfile();
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(stats);
    OK(xapian_database_check(&errors, path, 0, out, &err));
    OK(xapian_database_check(&errors, path, XAPIAN_DBCHECK_SHOW_STATS, stats,
                             &err));
    ck_assert_int_gt(written(out), 0);
    ck_assert_int_gt(written(stats), written(out));
    fclose(out);
    fclose(stats);

    /* Errors are codes, never exceptions: no database there, no
     * arguments. */
    char *none = tu_path(tmp, "nonexistent");
    errors = 99;
    int rc = xapian_database_check(&errors, none, 0, NULL, &err);
    ck_assert_int_eq(rc, XAPIAN_EOPENING);
    ck_assert_int_eq(err.code, XAPIAN_EOPENING);
    ck_assert_uint_eq(errors, 0);
    free(none);
    ck_assert_int_eq(xapian_database_check(NULL, path, 0, NULL, &err),
                     XAPIAN_EINVAL);
    ck_assert_int_eq(xapian_database_check(&errors, NULL, 0, NULL, &err),
                     XAPIAN_EINVAL);

    /* A table cut short: Xapian cannot read it, as a whole or alone (it
     * throws: an error, not a count). */
    ck_assert_int_eq(truncate(table, 4096), 0);
    errors = 99;
    ck_assert_int_eq(xapian_database_check(&errors, path, 0, NULL, &err),
                     XAPIAN_EDATABASE);
    ck_assert_uint_eq(errors, 0);
    ck_assert_int_eq(xapian_database_check(&errors, table, 0, NULL, &err),
                     XAPIAN_EDATABASE);
    free(table);
    free(path);
}
END_TEST

START_TEST(test_remote_refused)
{
    xapian_error err;
    xapian_database *db = (xapian_database *)&err;

    /* Find a free port, then connect to it with nobody listening. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t salen = sizeof sa;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
    close(fd);

    int rc = xapian_database_open_remote(&db, "127.0.0.1", ntohs(sa.sin_port),
                                         2000, &err);
    ck_assert_int_eq(rc, XAPIAN_ENETWORK);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(err.msg, "NetworkError") != NULL, "msg: %s",
                  err.msg);
    ck_assert_int_eq(xapian_database_open_remote(&db, NULL, 1, 0, &err),
                     XAPIAN_EINVAL);
}
END_TEST

START_TEST(test_free_null)
{
    xapian_database_free(NULL);
    xapian_writable_database_free(NULL);
    xapian_document_free(NULL);
    xapian_stem_free(NULL);
    xapian_stopper_free(NULL);
    xapian_term_generator_free(NULL);
    xapian_query_parser_free(NULL);
    xapian_query_free(NULL);
    xapian_enquire_free(NULL);
    xapian_mset_free(NULL);
}
END_TEST

static Suite *xapian_suite(void)
{
    Suite *s = suite_create("xapian");

    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_version_and_strerror);
    tcase_add_test(core, test_index_counts);
    tcase_add_test(core, test_no_sync);
    tcase_add_test(core, test_document_standalone);
    tcase_add_test(core, test_parse_and_search);
    tcase_add_test(core, test_mset_accessors);
    tcase_add_test(core, test_enquire_options);
    tcase_add_test(core, test_weighting_schemes);
    tcase_add_test(core, test_query_docids);
    tcase_add_test(core, test_query_building);
    tcase_add_test(core, test_relevance_tools);
    tcase_add_test(core, test_stem_and_stopper);
    tcase_add_test(core, test_without_positions);
    tcase_add_test(core, test_query_positional);
    tcase_add_test(core, test_query_matches_document);
    tcase_add_test(core, test_query_walking);
    tcase_add_test(core, test_enquire_cutoff);
    tcase_add_test(core, test_postlist);
    tcase_add_test(core, test_changes_in_place);
    tcase_add_test(core, test_allterms);
    tcase_add_test(core, test_writable_reader);
    tcase_add_test(core, test_document_add_posting);
    tcase_add_test(core, test_query_serialise);
    tcase_add_test(core, test_query_docid_range);
    tcase_add_test(core, test_snippet);
    tcase_add_test(core, test_spelling);
    tcase_add_test(core, test_wildcard_limit);
    tcase_add_test(core, test_spelling_from_terms);
    tcase_add_test(core, test_synonyms);
    tcase_add_test(core, test_reopen);
    tcase_add_test(core, test_compact);
    tcase_add_test(core, test_metadata);
    tcase_add_test(core, test_transactions);
    tcase_add_test(core, test_add_database);
    tcase_add_test(core, test_stub_directory);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_missing_database);
    tcase_add_test(errors, test_long_message_truncated);
    tcase_add_test(errors, test_locked_database);
    tcase_add_test(errors, test_create_existing);
    tcase_add_test(errors, test_malformed_query);
    tcase_add_test(errors, test_closed_database);
    tcase_add_test(errors, test_null_arguments);
    tcase_add_test(errors, test_range_errors);
    tcase_add_test(errors, test_unknown_stemmer);
    tcase_add_test(errors, test_corrupt_database);
    tcase_add_test(errors, test_database_check);
    tcase_add_test(errors, test_remote_refused);
    tcase_add_test(errors, test_free_null);
    suite_add_tcase(s, errors);

    return s;
}

int main(void)
{
    return tu_run_suite(xapian_suite());
}
