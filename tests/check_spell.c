/*
 * check_spell.c -- unit tests for libspine/spell.c: which corrections are
 * searched without asking (close typos, never a word of hunspell's
 * English or medical dictionary, never quoted text or a field name), the
 * misspelt field names refused, closeness in characters, and what happens
 * when the dictionaries are missing.
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spell.h"
#include "spine/index.h"
#include "spine/search.h"
#include "testutil.h"
#include "util.h"

/* ---- the corpus ----------------------------------------------------------- */

/* Each article holds a word close to a real word that no article uses:
 * methane (methadone), restrain (eyestrain), waterhouse (warehouse),
 * dressing (crossing), are (pre of pre-school), diurnal (diuril),
 * enclosed (unclosed), tilt and source (the fields titl: and sourc:),
 * cystinuric (the medical word cystinuria). */
static const spine_section s_methane[] = {
    { "1", "", "Gut bacteria make methane.  Methane comes with bloating, "
      "and a breath test measures the methane." },
};
static const spine_section s_restrain[] = {
    { "1", "", "Nurses restrain a confused patient only to prevent harm; "
      "to restrain is the last resort." },
};
static const spine_section s_waterhouse[] = {
    { "1", "", "Waterhouse syndrome is bleeding into the adrenal glands "
      "during a severe infection." },
};
static const spine_section s_dressing[] = {
    { "1", "", "The wound is enclosed in a dressing.  A wet dressing is "
      "changed; an enclosed wound heals well." },
};
static const spine_section s_sleep[] = {
    { "1", "", "Sleep keeps a diurnal rhythm.  Night shifts upset the "
      "diurnal cycle." },
};
static const spine_section s_asthma[] = {
    { "1", "", "Asthma narrows the airways.  Children with asthma are "
      "helped at school by an inhaler they are shown how to use." },
};
static const spine_section s_kidney[] = {
    { "1", "", "Kidney stones are hard lumps that form in the kidney." },
};
static const spine_section s_tilt[] = {
    { "1", "", "A tilt table test finds the source of fainting: the tilt "
      "shows the source." },
};
/* "ø" is a letter of its own, which folding (fold.h) keeps: "ö" would
 * fold to "o", and "brokel" would be a word of the index. */
static const spine_section s_brokel[] = {
    { "1", "", "Brøkel palsy, a made-up name for this test, weakens the "
      "hands.  Brøkel described it." },
};
static const spine_section s_cystin[] = {
    { "1", "", "Cystinuric patients form stones of cystine; cystinuric "
      "stones need much water." },
};

static const spine_article corpus[] = {
    { "T/1", "Methane", "", "NIDDK", s_methane, 1 },
    { "T/2", "Restraint", "", "CC", s_restrain, 1 },
    { "T/3", "Waterhouse Syndrome", "", "GARD", s_waterhouse, 1 },
    { "T/4", "Wound Dressings", "", "CC", s_dressing, 1 },
    { "T/5", "Sleep", "", "NHLBI", s_sleep, 1 },
    { "T/6", "Asthma", "", "NHLBI", s_asthma, 1 },
    { "T/7", "Kidney Stones", "", "NIDDK", s_kidney, 1 },
    { "T/8", "Tilt Table Test", "", "NHLBI", s_tilt, 1 },
    { "T/9", "Brøkel Palsy", "", "GARD", s_brokel, 1 },
    { "T/10", "Cystinuric Stones", "", "GARD", s_cystin, 1 },
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

/* ---- fixtures -------------------------------------------------------------- */

static char *tmp;
static char *ixdir;
static spine_searcher *S;

static void setup_index(void)
{
    spine_index *ix = NULL;
    spine_error err;
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    tmp = tu_mkdtemp();
    ixdir = tu_path(tmp, "idx");
    spine_error_clear(&err);
    ck_assert_msg(spine_index_begin(&ix, ixdir, &o, &err) == SPINE_OK,
                  "begin: %s", err.msg);
    for (size_t i = 0; i < NCORPUS; i++)
        ck_assert_msg(spine_index_add(ix, &corpus[i], &err) == SPINE_OK,
                      "add: %s", err.msg);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == SPINE_OK,
                  "commit: %s", err.msg);
    spine_index_free(ix);
}

static void teardown_index(void)
{
    tu_rmtree(tmp);
    free(ixdir);
    free(tmp);
}

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

/* Runs q with spelling on; returns the results (spine_results_free()). */
static spine_results *spell(const char *q)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    spine_results *r = NULL;
    spine_error err;
    spine_error_clear(&err);
    o.snippets = 0;
    int rc = spine_search(&r, S, q, &o, &err);
    ck_assert_msg(rc == SPINE_OK, "query '%s': %s", q, err.msg);
    return r;
}

/* q is offered the correction want, and searched as corrected (applied 1)
 * or as typed (0). */
#define ASSERT_FIX(q, want, applied)                                        \
    do {                                                                    \
        spine_results *r_ = spell(q);                                       \
        ck_assert_msg(r_->corrected && strcmp(r_->corrected, (want)) == 0,  \
                      "'%s': corrected to '%s', want '%s'", (q),            \
                      r_->corrected ? r_->corrected : "(none)", (want));    \
        ck_assert_msg(r_->auto_corrected == (applied),                      \
                      "'%s' -> '%s': auto_corrected %d, want %d", (q),      \
                      r_->corrected, r_->auto_corrected, (applied));        \
        spine_results_free(r_);                                             \
    } while (0)

/* Runs spine_search(q) and asserts it fails with SPINE_EQUERY saying
 * msg. */
static void assert_refused(const char *q, const char *msg)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    spine_results *r = NULL;
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_search(&r, S, q, &o, &err);
    ck_assert_msg(rc == SPINE_EQUERY, "'%s': %s (%s), want EQUERY", q,
                  spine_strerror(rc), err.msg);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.msg, msg) != NULL, "'%s': '%s' lacks '%s'", q,
                  err.msg, msg);
}

/* Standard error goes to a file of the test's own until stderr_end(),
 * which returns what was written (malloc()ed). */
static int saved_fd = -1;
static char *stderr_path;

static void stderr_begin(const char *dir)
{
    stderr_path = tu_path(dir, "stderr");
    fflush(stderr);
    saved_fd = dup(2);
    int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    close(fd);
}

static char *stderr_end(void)
{
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    FILE *f = fopen(stderr_path, "r");
    ck_assert_ptr_nonnull(f);
    char *text = calloc(1, 4096);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, 4095, f);
    text[n] = '\0';
    fclose(f);
    free(stderr_path);
    return text;
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- core ----------------------------------------------------------------- */

/* Closeness counts characters, not bytes, and folds ASCII case only. */
START_TEST(test_close)
{
    ck_assert_int_eq(spine_speller_close("kidny", 5, "kidney", 6), 1);
    ck_assert_int_eq(spine_speller_close("Kidny", 5, "kidney", 6), 1);
    ck_assert_int_eq(spine_speller_close("fabry", 5, "carry", 5), 0);
    /* Eight characters or more: two edits. */
    ck_assert_int_eq(spine_speller_close("osteoperosys", 12,
                                         "osteoporosis", 12), 1);
    ck_assert_int_eq(spine_speller_close("eyestrain", 9, "restrain", 8),
                     1);
    /* One character, two bytes: one edit (bytes would make it two). */
    ck_assert_int_eq(spine_speller_close("brokel", 6, "brökel", 7), 1);
    ck_assert_int_eq(spine_speller_close("ménière", 9, "méniére", 9), 1);
    /* Eight characters allow two edits, but seven characters in nine
     * bytes one. */
    ck_assert_int_eq(spine_speller_close("ménières", 10, "mániares", 9),
                     1);
    ck_assert_int_eq(spine_speller_close("ménière", 9, "mániére", 9), 0);
    /* A byte that is not UTF-8 is a character of its own. */
    ck_assert_int_eq(spine_speller_close("ab\xff", 3, "abc", 3), 1);
    ck_assert_int_eq(spine_speller_close("a\xff\xfe", 3, "abc", 3), 0);
    /* Past 64 characters nothing is close. */
    char longw[80];
    memset(longw, 'a', sizeof longw);
    ck_assert_int_eq(spine_speller_close(longw, 64, longw, 64), 1);
    ck_assert_int_eq(spine_speller_close(longw, 65, longw, 65), 0);
}
END_TEST

/* Real words that no article uses are offered a correction but searched
 * as typed: "methadone" is not "methane". */
START_TEST(test_dictionary_words_kept)
{
    ASSERT_FIX("methadone", "methane", 0);
    ASSERT_FIX("Eyestrain", "restrain", 0);
    ASSERT_FIX("warehouse", "waterhouse", 0);
    ASSERT_FIX("crossing", "dressing", 0);
    /* A word of a hyphenated compound: "pre" is not a word, "preschool"
     * is. */
    ASSERT_FIX("pre-school", "are-school", 0);
    /* A medical word, a brand name the medical dictionary has. */
    ASSERT_FIX("(diuril)", "(diurnal)", 0);
    ASSERT_FIX("cystinuria", "cystinuric", 0);
}
END_TEST

/* Typos are still corrected, also beside a dictionary word, which stays
 * as typed. */
START_TEST(test_typos_corrected)
{
    ASSERT_FIX("kidny", "kidney", 1);
    ASSERT_FIX("kidny stones", "kidney stones", 1);
    ASSERT_FIX("kidny methadone", "kidney methadone", 1);
    ASSERT_FIX("methadone kidny", "methadone kidney", 1);
    /* A correction of one character in two bytes is close. */
    ASSERT_FIX("brokel", "brøkel", 1);
    /* A far correction is only offered. */
    ASSERT_FIX("kidny diuril", "kidney diurnal", 0);
}
END_TEST

/* Quoted text is searched as typed: a correction is only offered. */
START_TEST(test_quotes)
{
    ASSERT_FIX("\"unclosed", "\"enclosed", 0);
    ASSERT_FIX("\"kidny stones\"", "\"kidney stones\"", 0);
    /* Outside the quotes the typo is still corrected. */
    ASSERT_FIX("\"kidny stones\" methane kidny", "\"kidny stones\" methane "
               "kidney", 1);
}
END_TEST

/* A word that is nearly a field name, before a colon, is refused. */
START_TEST(test_field_names)
{
    assert_refused("titl:asthma", "unknown field 'titl' (did you mean "
                   "title:?)");
    assert_refused("sourc:NHLBI asthma", "unknown field 'sourc' (did you "
                   "mean source:?)");
    assert_refused("asthma titel:children", "unknown field 'titel'");
    assert_refused("Title:asthma", "unknown field 'Title' (did you mean "
                   "title:?)");
    assert_refused("(sorce:gard OR kidney)", "unknown field 'sorce'");
    /* The fields themselves, text with colons, quoted text: searched
     * (spell() asserts it). */
    const char *fine[] = { "title:asthma", "source:NHLBI asthma",
                           "re:asthma", "ratio 3:1", "\"titl:asthma\"",
                           "titl: asthma" };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        spine_results_free(spell(fine[i]));
    /* A field's name and a filter's value are never corrected; the words
     * beside them are. */
    spine_results *r = spell("source:nhlbi asthmaa");
    ck_assert_ptr_nonnull(r->corrected);
    ck_assert_str_eq(r->corrected, "source:nhlbi asthma");
    ck_assert_int_eq(r->auto_corrected, 1);
    ck_assert_uint_eq(r->nhits, 1);
    spine_results_free(r);
    ck_assert_int_eq(spine_speller_check_fields("sourse:x", NULL),
                     XAPIAN_EQUERY);
    ck_assert_int_eq(spine_speller_check_fields("a \"titl:x\" b", NULL), 0);
    ck_assert_int_eq(spine_speller_check_fields("", NULL), 0);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

/* Without dictionaries the speller behaves as it did before them, and
 * says so once. */
START_TEST(test_no_dictionaries)
{
    char *dir = tu_mkdtemp();
    ck_assert_int_eq(setenv("SPINE_HUNSPELL_DIR", dir, 1), 0);
    stderr_begin(dir);
    spine_results *r = spell("methadone");
    spine_results *r2 = spell("warehouse");
    char *err = stderr_end();
    ck_assert_str_eq(r->corrected, "methane");
    ck_assert_int_eq(r->auto_corrected, 1);
    ck_assert_int_eq(r2->auto_corrected, 1);
    ck_assert_int_eq(count(err, "no dictionary"), 1);
    ck_assert_ptr_nonnull(strstr(err, "en_US.dic (install hunspell-en-us)"));
    spine_results_free(r);
    spine_results_free(r2);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* With the English dictionary alone, English words are kept and medical
 * ones corrected, with a note about the medical one. */
START_TEST(test_no_medical_dictionary)
{
    char *dir = tu_mkdtemp();
    char *aff = tu_path(dir, "en_US.aff"), *dic = tu_path(dir, "en_US.dic");
    ck_assert_int_eq(symlink(SPINE_HUNSPELL_DIR "/en_US.aff", aff), 0);
    ck_assert_int_eq(symlink(SPINE_HUNSPELL_DIR "/en_US.dic", dic), 0);
    ck_assert_int_eq(setenv("SPINE_HUNSPELL_DIR", dir, 1), 0);
    stderr_begin(dir);
    spine_results *r = spell("cystinuria");
    spine_results *r2 = spell("warehouse");
    char *err = stderr_end();
    ck_assert_int_eq(r->auto_corrected, 1);
    ck_assert_int_eq(r2->auto_corrected, 0);
    ck_assert_int_eq(count(err, "no dictionary"), 1);
    ck_assert_ptr_nonnull(strstr(err, "(install hunspell-en-med)"));
    spine_results_free(r);
    spine_results_free(r2);
    free(err);
    free(aff);
    free(dic);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_free_null)
{
    spine_speller_free(NULL);
}
END_TEST

static Suite *spell_suite(void)
{
    Suite *s = suite_create("spell");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, setup_index, teardown_index);
    tcase_add_checked_fixture(core, setup_searcher, teardown_searcher);
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_close);
    tcase_add_test(core, test_dictionary_words_kept);
    tcase_add_test(core, test_typos_corrected);
    tcase_add_test(core, test_quotes);
    tcase_add_test(core, test_field_names);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_unchecked_fixture(errors, setup_index, teardown_index);
    tcase_add_checked_fixture(errors, setup_searcher, teardown_searcher);
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_no_dictionaries);
    tcase_add_test(errors, test_no_medical_dictionary);
    tcase_add_test(errors, test_free_null);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(spell_suite());
}
