/*
 * check_phrase.c -- unit tests for the pair sets of libspine/phrase.c:
 * what an article's set rules out, and that a set it cannot read rules
 * nothing out.  (check_search runs phrase queries end to end.)
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "phrase.h"
#include "schema.h"
#include "testutil.h"
#include "util.h"
#include "xapian_c.h"

#define RUN70 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
#define RUN63 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"

static const spine_section sections[] = {
    { "1", "When should I see a doctor?",
      "See your doctor if the pain lasts.  The U.S. Army pays for it." },
    { "2", "What else?",
      "Rest, alpha " RUN70 " beta, kappa " RUN63 " delta." },
};
static const spine_article article = {
    "T/1", "Eye Care", "", "T", sections, 2
};

static spine_buf set;

static void build_set(void)
{
    spine_phrase_pairs *pp = spine_phrase_pairs_new();
    spine_phrase_pairs_build(pp, &article, &set);
    spine_phrase_pairs_free(pp);
}

static void free_set(void)
{
    spine_buf_free(&set);
}

/* The phrases of query text, as the searcher's parser reads them
 * (title: is the title prefix). */
static spine_phrases *phrases_of(const char *text)
{
    xapian_query_parser *qp = NULL;
    xapian_query *q = NULL;
    spine_phrases *p = NULL;
    xapian_error xe;
    ck_assert_int_eq(xapian_query_parser_new(&qp, &xe), 0);
    ck_assert_int_eq(xapian_query_parser_add_prefix(qp, "title",
                                                    SPINE_PREFIX_TITLE, &xe),
                     0);
    ck_assert_int_eq(xapian_query_parser_parse(&q, qp, text, strlen(text),
                                               XAPIAN_QP_FLAG_DEFAULT, &xe),
                     0);
    ck_assert_int_eq(spine_phrases_new(&p, q, &xe), 0);
    ck_assert_msg(p != NULL, "%s: no phrase", text);
    xapian_query_free(q);
    xapian_query_parser_free(qp);
    return p;
}

/* How many phrases of text the set leaves to check against the text. */
static unsigned left(const char *text, const void *s, size_t len)
{
    spine_phrases *p = phrases_of(text);
    unsigned n = spine_phrases_prefilter(p, s, len);
    /* The marks are spent by the flip that follows; with no text, the
     * flips are exactly the phrases ruled out. */
    unsigned flips = 99;
    xapian_error xe;
    if (n == 0) {
        ck_assert_int_eq(spine_phrases_flip(&flips, p, NULL, &xe), 0);
        ck_assert_msg(flips > 0, "%s: ruled out, no flip", text);
    }
    spine_phrases_free(p);
    return n;
}

#define LEFT(text, want) \
    ck_assert_msg(left(text, set.p, set.n) == (want), "%s: %u left, want %u", \
                  text, left(text, set.p, set.n), (unsigned)(want))

START_TEST(test_rules_out)
{
    /* "see a doctor", "see your doctor": never "see doctor". */
    LEFT("\"see doctor\"", 0);
    LEFT("\"a doctor\"", 1);
    LEFT("\"see your doctor\"", 1);
    LEFT("\"see your friend\"", 0);
    /* Case does not matter; the title is read too. */
    LEFT("\"See A Doctor\"", 1);
    LEFT("\"eye care\"", 1);
    LEFT("title:\"eye care\"", 1);
    LEFT("title:\"care eye\"", 0);
    /* Nothing pairs a question's last word with its answer's first. */
    LEFT("\"doctor see\"", 0);
    /* Two phrases: one ruled out, one left. */
    LEFT("\"see doctor\" \"a doctor\"", 1);
    LEFT("\"see doctor\" \"doctor a\"", 0);
}
END_TEST

START_TEST(test_acronyms_and_long_runs)
{
    /* "U.S." reads as "us" and as "u", "s". */
    LEFT("\"us army\"", 1);
    LEFT("\"u s army\"", 1);
    LEFT("\"the us\"", 1);
    /* A run of 64 or more letters may be skipped by the term generator:
     * its neighbours may be adjacent.  A shorter one is a word.  (Hashes
     * can collide: the words here were chosen so that no pair of this
     * article shares a hash with "kappa delta".) */
    LEFT("\"alpha beta\"", 1);
    LEFT("\"kappa delta\"", 0);
    LEFT("\"kappa " RUN63 "\"", 1);
}
END_TEST

START_TEST(test_rules_nothing_out)
{
    /* NEAR and unordered phrases are never ruled out by pairs. */
    LEFT("see NEAR doctor", 1);
    /* No set (an index built without them), another format, a set cut
     * short: nothing is ruled out. */
    ck_assert_uint_eq(left("\"see doctor\"", "", 0), 1);
    ck_assert_uint_eq(left("\"see doctor\"", "\x7f", 1), 1);
    for (size_t n = 1; n < 18; n++)
        ck_assert_msg(left("\"see doctor\"", set.p, n) == 1,
                      "set cut to %zu bytes", n);
    /* A set of an article without any two words rules every phrase out. */
    static const spine_section one[] = { { "1", "", "Word." } };
    static const spine_article lone = { "T/2", "", "", "T", one, 1 };
    spine_buf s2 = SPINE_BUF_INIT;
    spine_phrase_pairs *pp = spine_phrase_pairs_new();
    spine_phrase_pairs_build(pp, &lone, &s2);
    ck_assert_uint_eq(left("\"see doctor\"", s2.p, s2.n), 0);
    spine_phrase_pairs_free(pp);
    spine_buf_free(&s2);
}
END_TEST

START_TEST(test_damaged_sets_are_safe)
{
    /* Every byte changed in turn: the look-up stays within the set (the
     * sanitizer build checks) and answers. */
    for (size_t i = 0; i < set.n; i++) {
        char *copy = malloc(set.n);
        memcpy(copy, set.p, set.n);
        copy[i] ^= (char)0xFF;
        unsigned n = left("\"see your doctor\"", copy, set.n);
        ck_assert_uint_le(n, 1);
        free(copy);
    }
}
END_TEST

START_TEST(test_set_size)
{
    /* Two or three bytes a pair, after a header of 18 bytes. */
    ck_assert_uint_gt(set.n, 18);
    ck_assert_uint_lt(set.n, 18 + 3 * 40);
}
END_TEST

/* Accented text (schema 3): pair sets and the check against the text read
 * it folded, as the terms are made ("Ménière" is "meniere"), so a phrase
 * of the folded words is neither ruled out nor flipped where the text
 * holds it, and flipped where its words stand apart. */
static const spine_section accented[] = {
    { "1", "What is M\xC3\xA9ni\xC3\xA8re disease?",
      "MÉNIÈRE DISEASE upsets balance.  Ménière described it; this "
      "disease is rare.  Caf\xC3\xA9 au lait spots are another thing." },
};
static const spine_article accented_article = {
    "T/3", "Ménière disease", "", "T", accented, 1
};

/* Flips of the phrases of text on a (after its pair set's prefilter). */
static unsigned flips_on(const char *text, const spine_article *a)
{
    spine_buf s2 = SPINE_BUF_INIT;
    spine_phrase_pairs *pp = spine_phrase_pairs_new();
    spine_phrase_pairs_build(pp, a, &s2);
    spine_phrases *p = phrases_of(text);
    unsigned flips = 99;
    xapian_error xe;
    spine_phrases_prefilter(p, s2.p, s2.n);
    ck_assert_int_eq(spine_phrases_flip(&flips, p, a, &xe), 0);
    spine_phrases_free(p);
    spine_phrase_pairs_free(pp);
    spine_buf_free(&s2);
    return flips;
}

START_TEST(test_folded)
{
    spine_buf s2 = SPINE_BUF_INIT;
    spine_phrase_pairs *pp = spine_phrase_pairs_new();
    spine_phrase_pairs_build(pp, &accented_article, &s2);
    ck_assert_uint_eq(left("\"meniere disease\"", s2.p, s2.n), 1);
    ck_assert_uint_eq(left("title:\"meniere disease\"", s2.p, s2.n), 1);
    ck_assert_uint_eq(left("\"cafe au lait\"", s2.p, s2.n), 1);
    ck_assert_uint_eq(left("\"disease meniere\"", s2.p, s2.n), 0);
    spine_phrase_pairs_free(pp);
    spine_buf_free(&s2);

    ck_assert_uint_eq(flips_on("\"meniere disease\"", &accented_article), 0);
    ck_assert_uint_eq(flips_on("title:\"meniere disease\"",
                               &accented_article), 0);
    ck_assert_uint_eq(flips_on("\"cafe au lait\"", &accented_article), 0);
    ck_assert_uint_eq(flips_on("meniere NEAR/1 rare", &accented_article), 1);
    ck_assert_uint_eq(flips_on("meniere NEAR/8 rare", &accented_article), 0);
    /* Both words are there, never side by side in this order. */
    ck_assert_uint_eq(flips_on("\"disease meniere\"", &accented_article), 1);
    ck_assert_uint_eq(flips_on("\"meniere described disease\"",
                               &accented_article), 1);
}
END_TEST

static Suite *phrase_suite(void)
{
    Suite *s = suite_create("phrase");
    TCase *tc = tcase_create("pairs");
    tcase_add_checked_fixture(tc, build_set, free_set);
    tcase_add_test(tc, test_rules_out);
    tcase_add_test(tc, test_acronyms_and_long_runs);
    tcase_add_test(tc, test_rules_nothing_out);
    tcase_add_test(tc, test_damaged_sets_are_safe);
    tcase_add_test(tc, test_set_size);
    tcase_add_test(tc, test_folded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(phrase_suite());
}
