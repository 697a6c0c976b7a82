/*
 * check_index.c -- unit tests for libspine/index.c: building an index into
 * a new generation, swapping it in, and everything that must not happen
 * when a build fails or is abandoned.
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ceiling.h"
#include "document.h"
#include "fold.h"
#include "heads.h"
#include "spine/index.h"
#include "schema.h"
#include "testutil.h"
#include "tiers.h"
#include "xapian_c.h"

/* ---- test articles ----------------------------------------------------- */

static const spine_section sec_kidney[] = {
    { "1", "What are kidney stones?",
      "Kidney stones are hard deposits that form inside the kidneys." },
    { "2", "How are they treated?",
      "Drink plenty of water; some stones need shock wave lithotripsy." },
};
static const spine_section sec_back[] = {
    { "1", "", "Back pain is common and usually improves with rest." },
};
static const spine_section sec_gout[] = {
    { "1", "What is gout?", "Gout is a form of arthritis caused by urate "
      "crystals \xE2\x80\x94 caf\xC3\xA9 diets are not to blame." },
    { "2", "Who gets it?", "Mostly men over forty." },
    { "3", "", "See a doctor for alphaword." },
};
static const spine_section sec_gout_v2[] = {
    { "1", "What is gout?", "Revised text mentioning betaword." },
};

static const spine_article articles[] = {
    { "NIDDK/1", "Kidney Stones", "https://example.org/kidney", "NIDDK",
      sec_kidney, 2 },
    { "GARD/2", "Back Pain", "", "GARD", sec_back, 1 },
    { "NIDDK/3", "Gout", "https://example.org/gout", "NIDDK", sec_gout, 3 },
};
#define NARTICLES (sizeof articles / sizeof articles[0])
#define NSECTIONS 6

static const spine_article gout_v2 = {
    "NIDDK/3", "Gout (revised)", "", "NIDDK", sec_gout_v2, 1
};

/* ---- fixture ------------------------------------------------------------ */

/* Each test works in its own directory under one per-TCase base.  The base
 * is made and removed by an unchecked fixture in the parent process, so it
 * goes away even when a failing test exits without its teardown. */
static char *base;      /* per-TCase scratch directory */
static char *tmp;       /* the test's scratch directory, under base */
static char *ixdir;     /* tmp/idx: the index directory (not created) */

static void setup_base(void)
{
    base = tu_mkdtemp();
}

static void teardown_base(void)
{
    tu_rmtree(base);
    free(base);
    base = NULL;
}

static void setup(void)
{
    tmp = tu_path(base, "t-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    ixdir = tu_path(tmp, "idx");
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(ixdir);
    free(tmp);
}

/* ---- helpers -------------------------------------------------------------- */

static int exists(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    struct stat st;
    int ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static int is_dir(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    struct stat st;
    int ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return ok;
}

static void make_dir(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    free(p);
}

static void make_file(const char *dir, const char *name, const char *text)
{
    char *p = tu_path(dir, name);
    ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
    free(p);
}

/* The contents of dir/XAPIANDB, in a static buffer ("" when missing). */
static const char *stub(const char *dir)
{
    static char line[256];
    char *p = tu_path(dir, "XAPIANDB");
    FILE *f = fopen(p, "r");
    free(p);
    line[0] = '\0';
    if (f) {
        size_t n = fread(line, 1, sizeof line - 1, f);
        line[n] = '\0';
        fclose(f);
    }
    return line;
}

/* Number of entries in dir whose name ends with suffix. */
static int count_suffix(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    size_t sl = strlen(suffix);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Number of entries in dir whose name starts with "gen-". */
static int count_gens(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "gen-", 4) == 0;
    closedir(d);
    return n;
}

static uint64_t du_sum;
static int du_cb(const char *p, const struct stat *sb, int type,
                 struct FTW *ftw)
{
    (void)p; (void)ftw;
    if (type == FTW_F)
        du_sum += (uint64_t)sb->st_size;
    return 0;
}

static uint64_t du(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    du_sum = 0;
    ck_assert_int_eq(nftw(p, du_cb, 8, FTW_PHYS), 0);
    free(p);
    return du_sum;
}

/* Documents in the index at dir, read through Xapian (via the stub). */
static unsigned doccount(const char *dir)
{
    xapian_database *db = NULL;
    xapian_error xe;
    uint32_t n = 0;
    ck_assert_msg(xapian_database_open(&db, dir, &xe) == 0, "open %s: %s",
                  dir, xe.msg);
    ck_assert_int_eq(xapian_database_doccount(&n, db, &xe), 0);
    xapian_database_free(db);
    return n;
}

static unsigned termfreq(const char *dir, const char *term)
{
    xapian_database *db = NULL;
    xapian_error xe;
    uint32_t n = 0;
    ck_assert_int_eq(xapian_database_open(&db, dir, &xe), 0);
    ck_assert_int_eq(xapian_database_termfreq(&n, db, term, strlen(term),
                                              &xe), 0);
    xapian_database_free(db);
    return n;
}

/* The index's metadata value under key, malloc()ed ("" when unset). */
static char *metadata(const char *dir, const char *key)
{
    xapian_database *db = NULL;
    xapian_error xe;
    char *value = NULL;
    size_t len = 0;
    ck_assert_int_eq(xapian_database_open(&db, dir, &xe), 0);
    ck_assert_int_eq(xapian_database_get_metadata(&value, &len, db, key,
                                                  strlen(key), &xe), 0);
    xapian_database_free(db);
    return value;
}

/* Builds an index at dir from n articles, asserting success. */
static void build(const char *dir, const spine_article *a, size_t n,
                  spine_index_stats *stats)
{
    spine_index *ix = NULL;
    spine_error err;
    spine_error_clear(&err);
    ck_assert_msg(spine_index_begin(&ix, dir, NULL, &err) == SPINE_OK,
                  "begin: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(spine_index_add(ix, &a[i], &err) == SPINE_OK,
                      "add %s: %s", a[i].id, err.msg);
    ck_assert_msg(spine_index_commit(ix, stats, &err) == SPINE_OK,
                  "commit: %s", err.msg);
    spine_index_free(ix);
}

/* The largest sum of one term's wdfs in the index at dir, counted. */
static uint64_t largest_collfreq(const char *dir)
{
    xapian_database *db;
    xapian_termlist *tl;
    xapian_error xe;
    const char *t;
    size_t len;
    uint64_t most = 0;
    ck_assert_int_eq(xapian_database_open(&db, dir, &xe), 0);
    ck_assert_int_eq(xapian_database_allterms(&tl, db, "", 0, &xe), 0);
    while (xapian_termlist_next(&t, &len, NULL, tl, &xe) > 0) {
        xapian_postlist *pl;
        xapian_docid did;
        uint32_t wdf;
        uint64_t sum = 0;
        ck_assert_int_eq(xapian_database_postlist(&pl, db, t, len, &xe), 0);
        while (xapian_postlist_next(&did, &wdf, pl, &xe) > 0)
            sum += wdf;
        xapian_postlist_free(pl);
        if (sum > most)
            most = sum;
    }
    xapian_termlist_free(tl);
    xapian_database_free(db);
    return most;
}

/* Builds from the test articles at dir with a collection-frequency limit
 * (spine_index_options.collfreq_limit), as shards (0: one database);
 * returns the commit's result. */
static int build_limited(const char *dir, uint64_t limit, unsigned shards,
                         spine_error *err)
{
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = NULL;
    o.collfreq_limit = limit;
    o.shards = shards;
    o.allow_shrink = 1;
    ck_assert_int_eq(spine_index_begin(&ix, dir, &o, err), SPINE_OK);
    for (size_t i = 0; i < NARTICLES; i++)
        ck_assert_int_eq(spine_index_add(ix, &articles[i], err), SPINE_OK);
    int rc = spine_index_commit(ix, NULL, err);
    spine_index_free(ix);
    return rc;
}

/* The 32-bit ceiling of collection frequencies (ceiling.h), at a limit
 * small enough to reach: a build whose largest wdf sum is the limit
 * passes, one past it is refused naming the term and leaves the index
 * as it was; a shard set is held to the sum over its shards. */
START_TEST(test_collfreq_ceiling)
{
    char *tmp = tu_mkdtemp();
    char *dir = tu_path(tmp, "ceiling");
    spine_error err;
    ck_assert_int_eq(build_limited(dir, 0, 0, &err), SPINE_OK);
    uint64_t most = largest_collfreq(dir);
    ck_assert_uint_gt(most, 100);
    xapian_database *db;
    xapian_error xe;
    ck_assert_int_eq(xapian_database_open(&db, dir, &xe), 0);
    ck_assert_int_eq(spine_ceiling_check(db, most, dir, &err), SPINE_OK);
    ck_assert_int_eq(spine_ceiling_check(db, most - 1, dir, &err),
                     SPINE_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "the limit given"));
    xapian_database_free(db);

    char *before = metadata(dir, SPINE_META_CHANGE), *after;
    ck_assert_int_eq(build_limited(dir, most - 1, 0, &err), SPINE_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "left as it was"));
    ck_assert_uint_eq(doccount(dir), NARTICLES);
    after = metadata(dir, SPINE_META_CHANGE);
    ck_assert_str_eq(before, after);
    free(after);
    ck_assert_int_eq(build_limited(dir, most, 0, &err), SPINE_OK);

    /* Three shards: each holds a part of the sum, which counts whole. */
    char *set = tu_path(tmp, "ceiling-set");
    ck_assert_int_eq(build_limited(set, most - 1, 3, &err), SPINE_ELIMIT);
    ck_assert_int_eq(build_limited(set, most, 3, &err), SPINE_OK);
    ck_assert_uint_eq(largest_collfreq(set), most);
    free(before);
    free(set);
    free(dir);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_build_layout)
{
    spine_index_stats st;
    memset(&st, 0xEE, sizeof st);
    build(ixdir, articles, NARTICLES, &st);

    ck_assert_str_eq(stub(ixdir), "auto gen-000001\n");
    ck_assert(is_dir(ixdir, "gen-000001"));
    ck_assert(exists(ixdir, ".lock"));
    ck_assert_int_eq(count_suffix(ixdir, ".tmp"), 0);
    ck_assert_int_eq(count_gens(ixdir), 1);

    ck_assert_uint_eq(st.articles, NARTICLES);
    ck_assert_uint_eq(st.sections, NSECTIONS);
    ck_assert_uint_eq(st.replaced, 0);
    uint64_t text = 0;
    for (size_t i = 0; i < NARTICLES; i++)
        text += spine_article_text_bytes(&articles[i]);
    ck_assert_uint_eq(st.text_bytes, text);
    ck_assert_uint_gt(st.stored_bytes, 0);
    ck_assert_uint_gt(st.index_bytes, 0);
    ck_assert_uint_eq(st.index_bytes, du(ixdir, "gen-000001"));

    /* The result is a readable Xapian database with Spine's schema. */
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
    char *schema = metadata(ixdir, SPINE_META_SCHEMA);
    ck_assert_str_eq(schema, SPINE_SCHEMA_VERSION);
    free(schema);

    /* Source and id terms, as schema.h says. */
    ck_assert_uint_eq(termfreq(ixdir, "XSniddk"), 2);
    ck_assert_uint_eq(termfreq(ixdir, "XSgard"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "XSNIDDK"), 0);
    ck_assert_uint_eq(termfreq(ixdir, "QGARD/2"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "Skidney"), 1);
}
END_TEST

/* Folding (fold.h): characters outside ASCII lose their accents and
 * case; ASCII bytes are left as they are, so the query parser still
 * reads AND, NOT and capitals. */
static void assert_folds(const char *in, unsigned flags, const char *want)
{
    spine_buf b = SPINE_BUF_INIT;
    size_t n = 99;
    const char *got = spine_fold(&b, in, strlen(in), &n, flags);
    ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0,
                  "fold '%s' (%u): got '%.*s', want '%s'", in, flags, (int)n,
                  got, want);
    spine_buf_free(&b);
}

START_TEST(test_fold)
{
    assert_folds("Ménière", 0, "Meniere");
    assert_folds("MÉNIÈRE AND café", 0, "MeNIeRE AND cafe");
    assert_folds("MÉNIÈRE AND café", SPINE_FOLD_KEEP_CAPITAL,
                 "MENIERE AND cafe");
    assert_folds("Émile", SPINE_FOLD_KEEP_CAPITAL, "Emile");
    assert_folds("Émile", 0, "emile");
    /* Marks written apart from their letters; sharp s; a letter of its
     * own (ø has no accent to strip); Greek capitals and final sigma. */
    assert_folds("Me\xCC\x81nie\xCC\x80re", 0, "Meniere");
    assert_folds("Straße", 0, "Strasse");
    assert_folds("Brøkel", 0, "Brøkel");
    assert_folds("ΣΟΦΊΑ σοφίας", 0, "σοφια σοφιασ");
    /* ASCII is returned as it is, unfolded and uncopied. */
    spine_buf b = SPINE_BUF_INIT;
    size_t n = 0;
    const char *ascii = "Kidney NOT U.S.";
    ck_assert_ptr_eq(spine_fold(&b, ascii, strlen(ascii), &n, 0), ascii);
    ck_assert_uint_eq(n, strlen(ascii));
    ck_assert(!spine_fold_needed(ascii, strlen(ascii)));
    ck_assert(spine_fold_needed("caf\xC3\xA9", 5));
    /* Invalid UTF-8 is left as it is. */
    assert_folds("a\xFF\xFE" "b", 0, "a\xFF\xFE" "b");
    /* A run longer than the stack buffer (300 e-acutes) folds whole. */
    spine_buf long_in = SPINE_BUF_INIT, long_want = SPINE_BUF_INIT;
    for (int i = 0; i < 300; i++) {
        spine_buf_puts(&long_in, "\xC3\x89");
        spine_buf_puts(&long_want, i ? "e" : "E");
    }
    assert_folds(long_in.p, SPINE_FOLD_KEEP_CAPITAL, long_want.p);
    spine_buf_free(&long_in);
    spine_buf_free(&long_want);
    spine_buf_free(&b);
}
END_TEST

/* The index's terms are folded: body, title, stems and source alike. */
static const spine_section sec_meniere[] = {
    { "1", "What is MÉNIÈRE disease?",
      "Ménière disease affects the inner ear." },
};
static const spine_article meniere = {
    "X/1", "Ménière Disease", "", "Clínica", sec_meniere, 1
};

START_TEST(test_folded_terms)
{
    spine_article two[] = { articles[2], meniere };     /* gout: café */
    build(ixdir, two, 2, NULL);
    ck_assert_uint_eq(termfreq(ixdir, "meniere"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "Zmenier"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "Smeniere"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "ZSmenier"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "cafe"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "XSclinica"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "m\xC3\xA9ni\xC3\xA8re"), 0);
    ck_assert_uint_eq(termfreq(ixdir, "caf\xC3\xA9"), 0);
    ck_assert_uint_eq(termfreq(ixdir, "XScl\xC3\xADnica"), 0);
    /* Ids are kept as they are. */
    ck_assert_uint_eq(termfreq(ixdir, "QX/1"), 1);
}
END_TEST

START_TEST(test_progress_and_replaced)
{
    spine_index *ix = NULL;
    spine_index_stats st;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_OK);
    for (size_t i = 0; i < NARTICLES; i++)
        ck_assert_int_eq(spine_index_add(ix, &articles[i], NULL), SPINE_OK);
    spine_index_progress(ix, &st);
    ck_assert_uint_eq(st.articles, NARTICLES);
    ck_assert_uint_eq(st.sections, NSECTIONS);

    /* The same id again replaces the earlier article. */
    ck_assert_int_eq(spine_index_add(ix, &gout_v2, NULL), SPINE_OK);
    spine_index_progress(ix, &st);
    ck_assert_uint_eq(st.articles, NARTICLES + 1);   /* adds so far */

    ck_assert_int_eq(spine_index_commit(ix, &st, NULL), SPINE_OK);
    spine_index_free(ix);
    ck_assert_uint_eq(st.articles, NARTICLES);
    ck_assert_uint_eq(st.replaced, 1);
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
    /* The last one wins. */
    ck_assert_uint_eq(termfreq(ixdir, "betaword"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "alphaword"), 0);
    ck_assert_uint_eq(termfreq(ixdir, "QNIDDK/3"), 1);
}
END_TEST

/* Writing each shard out after every article (batch 1) builds the same
 * database as the default batches, and an article replaced in a later
 * batch than its first version stays replaced. */
START_TEST(test_batches)
{
    static const char *const terms[] = {
        "kidney", "Zkidney", "Skidney", "XSniddk", "QGARD/2", "QNIDDK/3",
        "betaword", "alphaword", "Zstone", "pain",
    };
    enum { NTERMS = sizeof terms / sizeof terms[0] };
    unsigned want[NTERMS];
    spine_index_stats st;

    for (int pass = 0; pass < 2; pass++) {
        spine_index *ix = NULL;
        spine_index_options opts = SPINE_INDEX_OPTIONS_INIT;
        opts.threads = 1;
        opts.batch = pass ? 1 : 0;
        ck_assert_int_eq(spine_index_begin(&ix, ixdir, &opts, NULL),
                         SPINE_OK);
        for (size_t i = 0; i < NARTICLES; i++)
            ck_assert_int_eq(spine_index_add(ix, &articles[i], NULL),
                             SPINE_OK);
        ck_assert_int_eq(spine_index_add(ix, &gout_v2, NULL), SPINE_OK);
        ck_assert_int_eq(spine_index_commit(ix, &st, NULL), SPINE_OK);
        spine_index_free(ix);

        ck_assert_uint_eq(st.replaced, 1);
        ck_assert_uint_eq(doccount(ixdir), NARTICLES);
        ck_assert_uint_eq(termfreq(ixdir, "betaword"), 1);
        ck_assert_uint_eq(termfreq(ixdir, "alphaword"), 0);
        for (int i = 0; i < NTERMS; i++) {
            unsigned n = termfreq(ixdir, terms[i]);
            if (pass == 0)
                want[i] = n;
            else
                ck_assert_msg(n == want[i], "%s: %u documents, not %u",
                              terms[i], n, want[i]);
        }
    }
    ck_assert_uint_eq(want[0], 1);          /* the terms are there */
    ck_assert_uint_eq(want[4], 1);
}
END_TEST

START_TEST(test_commit_null_stats_and_options)
{
    spine_index *ix = NULL;
    spine_index_options opts = SPINE_INDEX_OPTIONS_INIT;
    opts.zlib_level = 0;
    opts.spelling = 0;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, &opts, NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_add(ix, &articles[0], NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_OK);
    spine_index_free(ix);
    ck_assert_uint_eq(doccount(ixdir), 1);
}
END_TEST

START_TEST(test_rebuild)
{
    build(ixdir, articles, NARTICLES, NULL);
    ck_assert(is_dir(ixdir, "gen-000001"));

    spine_index_stats st;
    build(ixdir, articles, 2, &st);
    ck_assert_uint_eq(st.articles, 2);
    ck_assert_str_eq(stub(ixdir), "auto gen-000002\n");
    ck_assert(is_dir(ixdir, "gen-000002"));
    ck_assert(!exists(ixdir, "gen-000001"));
    ck_assert_int_eq(count_gens(ixdir), 1);
    ck_assert_int_eq(count_suffix(ixdir, ".tmp"), 0);
    ck_assert_uint_eq(doccount(ixdir), 2);

    build(ixdir, &gout_v2, 1, NULL);
    ck_assert_str_eq(stub(ixdir), "auto gen-000003\n");
    ck_assert(!exists(ixdir, "gen-000002"));
    ck_assert_uint_eq(doccount(ixdir), 1);
}
END_TEST

START_TEST(test_free_without_commit)
{
    build(ixdir, articles, NARTICLES, NULL);

    spine_index *ix = NULL;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_OK);
    ck_assert(is_dir(ixdir, "gen-000002.tmp"));      /* being built */
    ck_assert_int_eq(spine_index_add(ix, &gout_v2, NULL), SPINE_OK);
    spine_index_free(ix);

    ck_assert(!exists(ixdir, "gen-000002.tmp"));
    ck_assert(!exists(ixdir, "gen-000002"));
    ck_assert(is_dir(ixdir, "gen-000001"));
    ck_assert_str_eq(stub(ixdir), "auto gen-000001\n");
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
    ck_assert_uint_eq(termfreq(ixdir, "alphaword"), 1);
    ck_assert_uint_eq(termfreq(ixdir, "betaword"), 0);

    /* Freeing a NULL builder is fine too. */
    spine_index_free(NULL);
}
END_TEST

START_TEST(test_stale_leftovers)
{
    build(ixdir, articles, 1, NULL);
    /* What a killed build and a crashed commit might leave behind. */
    make_dir(ixdir, "gen-000009.tmp");
    make_file(ixdir, "gen-000009.tmp/postlist.glass", "junk");
    make_dir(ixdir, "gen-000007");
    make_file(ixdir, "gen-000007/iamchert", "junk");

    spine_index_stats st;
    build(ixdir, articles, NARTICLES, &st);
    ck_assert(!exists(ixdir, "gen-000009.tmp"));
    ck_assert(!exists(ixdir, "gen-000007"));
    ck_assert(!exists(ixdir, "gen-000001"));
    ck_assert_int_eq(count_gens(ixdir), 1);
    ck_assert_int_eq(count_suffix(ixdir, ".tmp"), 0);

    unsigned gen = 0;
    ck_assert_int_eq(sscanf(stub(ixdir), "auto gen-%6u", &gen), 1);
    ck_assert_uint_gt(gen, 7);
    char name[32];
    snprintf(name, sizeof name, "gen-%06u", gen);
    ck_assert(is_dir(ixdir, name));
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
}
END_TEST

START_TEST(test_stale_leftovers_before_first_build)
{
    /* A first build that was killed leaves a temporary generation in a
     * directory with no stub yet; the next build cleans it up. */
    ck_assert_int_eq(mkdir(ixdir, 0777), 0);
    make_file(ixdir, ".lock", "");
    make_dir(ixdir, "gen-000001.tmp");
    make_file(ixdir, "gen-000001.tmp/termlist.glass", "junk");
    build(ixdir, articles, NARTICLES, NULL);
    ck_assert_int_eq(count_suffix(ixdir, ".tmp"), 0);
    ck_assert_int_eq(count_gens(ixdir), 1);
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
}
END_TEST

START_TEST(test_killed_during_first_swap)
{
    /* A first build killed inside the commit, after the generation was
     * renamed into place but before the new stub was renamed over: the
     * directory holds .lock, gen-000001 and XAPIANDB.tmp.  index.h promises
     * that a killed rebuild's leftovers are removed by the next rebuild. */
    ck_assert_int_eq(mkdir(ixdir, 0777), 0);
    make_file(ixdir, ".lock", "");
    make_dir(ixdir, "gen-000001");
    make_file(ixdir, "XAPIANDB.tmp", "auto gen-000001\n");
    spine_index *ix = NULL;
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_index_begin(&ix, ixdir, NULL, &err);
    ck_assert_msg(rc == SPINE_OK, "begin after a killed first commit: %s "
                  "(%s)", spine_strerror(rc), err.msg);
    ck_assert_int_eq(spine_index_add(ix, &articles[0], NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_OK);
    spine_index_free(ix);
    ck_assert_uint_eq(doccount(ixdir), 1);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_locked)
{
    spine_index *a = NULL, *b = NULL;
    spine_error err;
    ck_assert_int_eq(spine_index_begin(&a, ixdir, NULL, NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_add(a, &articles[0], NULL), SPINE_OK);

    /* flock locks belong to open file descriptions: a second open() in this
     * same process conflicts with the first. */
    b = (spine_index *)&b;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_begin(&b, ixdir, NULL, &err), SPINE_ELOCKED);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(err.code, SPINE_ELOCKED);
    ck_assert_ptr_nonnull(strstr(err.msg, "locked"));

    /* The refused builder touched nothing: the first carries on. */
    ck_assert(is_dir(ixdir, "gen-000001.tmp"));
    ck_assert_int_eq(spine_index_add(a, &articles[1], NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(a, NULL, NULL), SPINE_OK);
    /* Still locked until freed, even after the commit. */
    ck_assert_int_eq(spine_index_begin(&b, ixdir, NULL, NULL), SPINE_ELOCKED);
    spine_index_free(a);
    ck_assert_uint_eq(doccount(ixdir), 2);

    /* Released: a new build may start. */
    ck_assert_int_eq(spine_index_begin(&b, ixdir, NULL, NULL), SPINE_OK);
    spine_index_free(b);
    ck_assert_str_eq(stub(ixdir), "auto gen-000001\n");
}
END_TEST

START_TEST(test_empty_commit)
{
    build(ixdir, articles, NARTICLES, NULL);

    spine_index *ix = NULL;
    spine_error err;
    spine_index_stats st = { 0 };
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_OK);
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_commit(ix, &st, &err), SPINE_EINVAL);
    ck_assert_int_eq(err.code, SPINE_EINVAL);
    ck_assert(err.msg[0] != '\0');
    spine_index_free(ix);

    ck_assert_str_eq(stub(ixdir), "auto gen-000001\n");
    ck_assert(is_dir(ixdir, "gen-000001"));
    ck_assert_int_eq(count_gens(ixdir), 1);
    ck_assert_uint_eq(doccount(ixdir), NARTICLES);
}
END_TEST

START_TEST(test_empty_first_build)
{
    /* With no index yet, an empty build leaves no index behind. */
    spine_index *ix = NULL;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_OK);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_EINVAL);
    spine_index_free(ix);
    ck_assert(!exists(ixdir, "XAPIANDB"));
    ck_assert_int_eq(count_gens(ixdir), 0);
}
END_TEST

START_TEST(test_foreign_dir)
{
    /* A directory holding someone else's files. */
    ck_assert_int_eq(mkdir(ixdir, 0777), 0);
    make_file(ixdir, "notes.txt", "my notes\n");
    make_dir(ixdir, "photos");
    make_file(ixdir, "photos/a.jpg", "jpeg");

    spine_index *ix = (spine_index *)&ix;
    spine_error err;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, &err), SPINE_EINVAL);
    ck_assert_ptr_null(ix);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a Spine index"));
    ck_assert(exists(ixdir, "notes.txt"));
    ck_assert(exists(ixdir, "photos/a.jpg"));
    ck_assert_int_eq(count_gens(ixdir), 0);
    ck_assert(!exists(ixdir, "XAPIANDB"));
}
END_TEST

START_TEST(test_foreign_dir_with_gen_names)
{
    /* Someone else's files whose names happen to start with "gen-": the
     * refusal must come before anything is swept. */
    ck_assert_int_eq(mkdir(ixdir, 0777), 0);
    make_file(ixdir, "notes.txt", "my notes\n");
    make_file(ixdir, "gen-report.txt", "generated report\n");
    make_dir(ixdir, "gen-000004");
    make_file(ixdir, "gen-000004/data", "precious");

    spine_index *ix = NULL;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_EINVAL);
    ck_assert_ptr_null(ix);
    ck_assert(exists(ixdir, "notes.txt"));
    ck_assert_msg(exists(ixdir, "gen-report.txt"),
                  "gen-report.txt was deleted from a foreign directory");
    ck_assert_msg(exists(ixdir, "gen-000004/data"),
                  "gen-000004 was deleted from a foreign directory");
}
END_TEST

START_TEST(test_uncreatable)
{
    make_file(tmp, "plain", "a regular file\n");
    char *under = tu_path(tmp, "plain/idx");
    char *file = tu_path(tmp, "plain");
    spine_index *ix = (spine_index *)&ix;
    spine_error err;

    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_begin(&ix, under, NULL, &err), SPINE_EIO);
    ck_assert_ptr_null(ix);
    ck_assert_int_eq(err.code, SPINE_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, under));

    /* The index path is itself a regular file. */
    ix = (spine_index *)&ix;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_begin(&ix, file, NULL, &err), SPINE_EIO);
    ck_assert_ptr_null(ix);
    ck_assert(err.msg[0] != '\0');

    /* A missing parent directory. */
    char *deep = tu_path(tmp, "no/such/dir");
    ck_assert_int_eq(spine_index_begin(&ix, deep, NULL, NULL), SPINE_EIO);
    ck_assert_ptr_null(ix);
    free(deep);
    free(under);
    free(file);
}
END_TEST

START_TEST(test_bad_articles)
{
    spine_index *ix = NULL;
    spine_error err;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, NULL, NULL), SPINE_OK);

    spine_article no_id = articles[0];
    no_id.id = "";
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_add(ix, &no_id, &err), SPINE_EINVAL);
    ck_assert(err.msg[0] != '\0');
    no_id.id = NULL;
    ck_assert_int_eq(spine_index_add(ix, &no_id, NULL), SPINE_EINVAL);

    spine_article no_text = articles[0];
    no_text.nsections = 0;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_index_add(ix, &no_text, &err), SPINE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, articles[0].id));

    /* Rejected articles are not counted and not indexed. */
    spine_index_stats st;
    spine_index_progress(ix, &st);
    ck_assert_uint_eq(st.articles, 0);
    ck_assert_int_eq(spine_index_commit(ix, NULL, NULL), SPINE_EINVAL);
    spine_index_free(ix);
}
END_TEST

START_TEST(test_bad_zlib_level)
{
    spine_index *ix = NULL;
    spine_index_options opts = SPINE_INDEX_OPTIONS_INIT;
    opts.zlib_level = 12;
    /* Refused up front: adds are indexed later, by worker threads. */
    spine_error err;
    ck_assert_int_eq(spine_index_begin(&ix, ixdir, &opts, &err), SPINE_EINVAL);
    ck_assert_ptr_null(ix);
    ck_assert_ptr_nonnull(strstr(err.msg, "level"));
    ck_assert(!exists(ixdir, "XAPIANDB"));
}
END_TEST

/* Term weights carry the length normalisation (schema.h): the index
 * records the articles' mean length, and each word occurrence of an
 * article adds the wdf unit of its length, the title's SPINE_TITLE_WDF
 * times over. */
START_TEST(test_length_normalised_wdf)
{
    /* 2 title words counted 5 times, then 4 + 10 and 4 + 10 words. */
    ck_assert_uint_eq(spine_document_length(&articles[0]), 38);
    ck_assert_uint_eq(spine_document_wdf_unit(100, 100), SPINE_WDF_SCALE);
    ck_assert_uint_eq(spine_document_wdf_unit(300, 100),
                      (unsigned)round(SPINE_WDF_SCALE * log2(4.0 / 3)));
    ck_assert_uint_eq(spine_document_wdf_unit(0, 100),
                      spine_document_wdf_unit(1, 100));
    ck_assert_uint_eq(spine_document_wdf_unit(UINT64_MAX, 1), 1);

    build(ixdir, articles, NARTICLES, NULL);
    double avlen = 0;
    for (size_t i = 0; i < NARTICLES; i++)
        avlen += (double)spine_document_length(&articles[i]) / NARTICLES;

    char *meta = metadata(ixdir, SPINE_META_AVLEN);
    ck_assert_double_eq_tol(strtod(meta, NULL), avlen, 0.001);
    free(meta);

    xapian_database *db = NULL;
    xapian_error xe;
    uint64_t cf = 0;
    ck_assert_int_eq(xapian_database_open(&db, ixdir, &xe), 0);

    /* "gout": the title (x SPINE_TITLE_WDF), then two body occurrences,
     * all in NIDDK/3. */
    unsigned unit = spine_document_wdf_unit(
        spine_document_length(&articles[2]), avlen);
    ck_assert_int_eq(xapian_database_collection_freq(&cf, db, "Zgout", 5,
                                                     &xe), 0);
    ck_assert_uint_eq(cf, (SPINE_TITLE_WDF + 2) * unit);
    /* The shorter article's words weigh more. */
    ck_assert_uint_gt(spine_document_wdf_unit(
                          spine_document_length(&articles[1]), avlen), unit);
    xapian_database_free(db);
}
END_TEST

/* avlen is the mean length of the first SPINE_AVLEN_SAMPLE articles: those
 * after them (longer here) do not move it, and every article is indexed. */
START_TEST(test_avlen_sample)
{
    static const spine_section short_sec[] = { { "1", "", "alpha beta" } };
    static const spine_section long_sec[] = {
        { "1", "", "one two three four five six seven eight nine ten "
                   "eleven twelve thirteen fourteen fifteen" } };
    const size_t n = SPINE_AVLEN_SAMPLE + 50;
    spine_article *a = calloc(n, sizeof *a);
    char (*ids)[16] = calloc(n, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "A/%zu", i);
        a[i] = (spine_article){ ids[i], "Title", "", "X",
                                i < SPINE_AVLEN_SAMPLE ? short_sec : long_sec,
                                1 };
    }
    build(ixdir, a, n, NULL);
    ck_assert_uint_eq(doccount(ixdir), n);

    /* The title word 5 times, then 2 words; stored exactly (%.17g), as
     * updates weigh new articles with it. */
    char *meta = metadata(ixdir, SPINE_META_AVLEN);
    ck_assert_str_eq(meta, "7");
    free(meta);
    free(ids);
    free(a);
}
END_TEST

START_TEST(test_heads_file)
{
    /* The heads file holds, for every docid, exactly the head in the
     * document's value slot, and belongs to that one revision of the
     * database. */
    build(ixdir, articles, NARTICLES, NULL);
    xapian_database *db = NULL;
    xapian_error xe;
    spine_heads *h = NULL;
    spine_error err;
    ck_assert_int_eq(xapian_database_open(&db, ixdir, &xe), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_nonnull(h);
    unsigned n = doccount(ixdir);
    for (xapian_docid did = 1; did <= n; did++) {
        xapian_document *doc = NULL;
        const char *want, *got;
        size_t want_len, got_len;
        ck_assert_int_eq(xapian_database_get_document(&doc, db, did, &xe), 0);
        ck_assert_int_eq(xapian_document_get_value(&want, &want_len, doc,
                                                   SPINE_SLOT_HEAD, &xe), 0);
        ck_assert_uint_gt(want_len, 20);
        ck_assert_int_eq(spine_heads_get(h, did, &got, &got_len, &err),
                         SPINE_OK);
        ck_assert_uint_eq(got_len, want_len);
        ck_assert_int_eq(memcmp(got, want, want_len), 0);
        xapian_document_free(doc);
    }
    const char *p;
    size_t len;
    ck_assert_int_eq(spine_heads_get(h, 0, &p, &len, &err), SPINE_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(spine_heads_get(h, n + 1, &p, &len, &err), SPINE_OK);
    ck_assert_uint_eq(len, 0);
    spine_heads_free(h);
    xapian_database_free(db);

    /* Changed in place (a new revision), the database no longer matches
     * the file: it is left unused, not trusted. */
    char *gen = tu_path(ixdir, "gen-000001");
    xapian_writable_database *w = NULL;
    ck_assert_int_eq(xapian_writable_database_open(&w, gen, XAPIAN_DB_OPEN,
                                                   &xe), 0);
    ck_assert_int_eq(xapian_writable_database_set_metadata(w, "k", 1, "v", 1,
                                                           &xe), 0);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_writable_database_free(w);
    ck_assert_int_eq(xapian_database_open(&db, ixdir, &xe), 0);
    h = (spine_heads *)&h;
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_null(h);
    xapian_database_free(db);

    /* An index directory with no live generation has no heads file. */
    ck_assert_int_eq(xapian_database_open(&db, gen, &xe), 0);
    h = (spine_heads *)&h;
    ck_assert_int_eq(spine_heads_open(&h, gen, db, &err), SPINE_OK);
    ck_assert_ptr_null(h);
    xapian_database_free(db);
    free(gen);
}
END_TEST

START_TEST(test_heads_pages)
{
    /* The offset table is read 512 entries at a time: over three pages,
     * every head (those whose offsets straddle two pages too), in any
     * order, is exactly its document's value slot. */
    const size_t n = 1100;
    spine_article *a = calloc(n, sizeof *a);
    char (*ids)[16] = calloc(n, sizeof *ids);
    char (*titles)[32] = calloc(n, sizeof *titles);
    static const spine_section sec[] = { { "1", "", "alpha beta gamma" } };
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "P/%zu", i);
        snprintf(titles[i], sizeof titles[i], "Title %zu", i * 7919);
        a[i] = (spine_article){ ids[i], titles[i], "", "X", sec, 1 };
    }
    build(ixdir, a, n, NULL);
    ck_assert_uint_eq(doccount(ixdir), n);
    xapian_database *db = NULL;
    xapian_error xe;
    spine_heads *h = NULL;
    spine_error err;
    ck_assert_int_eq(xapian_database_open(&db, ixdir, &xe), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_nonnull(h);
    const xapian_docid order[] = { 1100, 512, 513, 1, 1024, 1025, 511, 700 };
    for (size_t k = 0; k < sizeof order / sizeof *order + n; k++) {
        xapian_docid did = k < sizeof order / sizeof *order
                               ? order[k]
                               : (xapian_docid)(k - sizeof order
                                                / sizeof *order + 1);
        xapian_document *doc = NULL;
        const char *want, *got;
        size_t want_len, got_len;
        ck_assert_int_eq(xapian_database_get_document(&doc, db, did, &xe), 0);
        ck_assert_int_eq(xapian_document_get_value(&want, &want_len, doc,
                                                   SPINE_SLOT_HEAD, &xe), 0);
        ck_assert_int_eq(spine_heads_get(h, did, &got, &got_len, &err),
                         SPINE_OK);
        ck_assert_uint_eq(got_len, want_len);
        ck_assert_int_eq(memcmp(got, want, want_len), 0);
        xapian_document_free(doc);
    }
    spine_heads_free(h);
    xapian_database_free(db);
    free(titles);
    free(ids);
    free(a);
}
END_TEST

/* Reads all of path (at most 1 MiB) into a malloc()ed buffer; *n bytes. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *bytes = malloc(1 << 20);
    *n = fread(bytes, 1, 1 << 20, f);
    fclose(f);
    return bytes;
}

/* Reads the little-endian u64 at bytes + at. */
static uint64_t le64_at(const unsigned char *bytes, uint64_t at)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | bytes[at + i];
    return v;
}

/* Writes v at bytes + at, little-endian. */
static void put_le64_at(unsigned char *bytes, uint64_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        bytes[at + i] = (unsigned char)(v >> (8 * i));
}

/* Asserts that h serves every article's head as the heads file bytes[]
 * (whose offset table starts at byte table) holds it: each entry is the
 * docid, 4 bytes, then the head. */
static void assert_heads_as_written(spine_heads *h, const unsigned char *bytes,
                                    uint64_t table)
{
    spine_error err;
    const char *p;
    size_t len;
    for (uint32_t did = 1; did <= NARTICLES; did++) {
        uint64_t from = le64_at(bytes, table + 8 * (did - 1));
        uint64_t to = le64_at(bytes, table + 8 * did);
        ck_assert_uint_eq(bytes[from] | bytes[from + 1] << 8
                          | bytes[from + 2] << 16
                          | (uint32_t)bytes[from + 3] << 24, did);
        ck_assert_int_eq(spine_heads_get(h, did, &p, &len, &err), SPINE_OK);
        ck_assert_uint_eq(len, to - from - 4);
        ck_assert_int_eq(memcmp(p, bytes + from + 4, len), 0);
    }
}

/* Builds the fixture index and reads its heads file (named *file, free
 * it) into a malloc()ed buffer of *n bytes, whose offset table starts at
 * byte *table. */
static unsigned char *built_heads(char **file, size_t *n, uint64_t *table)
{
    build(ixdir, articles, NARTICLES, NULL);
    *file = tu_path(ixdir, "gen-000001/" SPINE_HEADS_FILE);
    unsigned char *bytes = slurp(*file, n);
    *table = le64_at(bytes, 16);
    ck_assert_uint_eq(*n, *table + 8 * (NARTICLES + 1));
    return bytes;
}

/* Points docid 1's table entry of heads file bytes (offset table at
 * table) at docid 2's entry, leaving docid 2's empty. */
static void point_first_at_second(unsigned char *bytes, uint64_t table)
{
    uint64_t two = le64_at(bytes, table + 8), three = le64_at(bytes,
                                                             table + 16);
    put_le64_at(bytes, table, two);
    put_le64_at(bytes, table + 8, three);
}

START_TEST(test_heads_damaged)
{
    /* The heads file is read, never mapped: cut short under an open handle
     * (or before it opens), or holding offsets outside its heads, it gives
     * SPINE_ECORRUPT naming the file, never a SIGBUS (this test runs in a
     * forked child, so a signal would fail it). */
    char *file;
    size_t n;
    uint64_t table;
    unsigned char *bytes = built_heads(&file, &n, &table);

    xapian_database *db = NULL;
    xapian_error xe;
    spine_heads *h = NULL;
    spine_error err;
    const char *p;
    size_t len;
    ck_assert_int_eq(xapian_database_open(&db, ixdir, &xe), 0);

    /* A table entry pointing past the heads, into the table. */
    unsigned char *bad = malloc(n);
    memcpy(bad, bytes, n);
    bad[table + 8] = (unsigned char)(table + 8);
    bad[table + 9] = (unsigned char)((table + 8) >> 8);
    ck_assert_int_eq(tu_write_file(file, bad, n), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_nonnull(h);
    spine_error_clear(&err);
    ck_assert_int_eq(spine_heads_get(h, 1, &p, &len, &err), SPINE_ECORRUPT);
    ck_assert_int_eq(err.code, SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, SPINE_HEADS_FILE) != NULL, "message: %s",
                  err.msg);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(len, 0);
    /* An entry ending before it starts. */
    ck_assert_int_eq(spine_heads_get(h, 2, &p, &len, &err), SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, SPINE_HEADS_FILE) != NULL, "message: %s",
                  err.msg);
    spine_heads_free(h);

    /* Docid 1's table entry pointing at docid 2's head, a valid head
     * of another article (docid 2's entry then empty: read from its value
     * slot): refused, never served as docid 1's. */
    memcpy(bad, bytes, n);
    point_first_at_second(bad, table);
    ck_assert_int_eq(tu_write_file(file, bad, n), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_nonnull(h);
    spine_error_clear(&err);
    ck_assert_int_eq(spine_heads_get(h, 1, &p, &len, &err), SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, file) != NULL
                  && strstr(err.msg, "docid 1 holds the head of docid 2"),
                  "message: %s", err.msg);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(spine_heads_get(h, 2, &p, &len, &err), SPINE_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(spine_heads_get(h, 3, &p, &len, &err), SPINE_OK);
    ck_assert_uint_gt(len, 0);
    spine_heads_free(h);

    /* An entry too short to hold a docid. */
    memcpy(bad, bytes, n);
    put_le64_at(bad, table + 8, le64_at(bytes, table) + 3);
    put_le64_at(bad, table + 16, le64_at(bytes, table) + 3);
    ck_assert_int_eq(tu_write_file(file, bad, n), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_int_eq(spine_heads_get(h, 1, &p, &len, &err), SPINE_ECORRUPT);
    ck_assert_msg(strstr(err.msg, "too short"), "message: %s", err.msg);
    spine_heads_free(h);

    /* A file of version 1 (heads without docids) is not used: the value
     * slot is read, as for an index without one. */
    memcpy(bad, bytes, n);
    memcpy(bad, "SPINEHD1", 8);
    ck_assert_int_eq(tu_write_file(file, bad, n), 0);
    h = (spine_heads *)&h;
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_null(h);
    free(bad);

    /* Cut short under an open handle that has read nothing yet: without
     * its table, to half, to nothing.  No lookup can be answered. */
    const off_t sizes[] = { (off_t)table, (off_t)(n / 2), 0 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
        ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
        ck_assert_ptr_nonnull(h);
        ck_assert_int_eq(truncate(file, sizes[k]), 0);
        spine_error_clear(&err);
        for (uint32_t did = 1; did <= NARTICLES; did++) {
            ck_assert_int_eq(spine_heads_get(h, did, &p, &len, &err),
                             SPINE_ECORRUPT);
            ck_assert_msg(strstr(err.msg, file) != NULL
                          && strstr(err.msg, "cut short") != NULL,
                          "message: %s", err.msg);
        }
        /* Beyond the count there is nothing to read, so nothing fails. */
        ck_assert_int_eq(spine_heads_get(h, NARTICLES + 1, &p, &len, &err),
                         SPINE_OK);
        ck_assert_uint_eq(len, 0);
        spine_heads_free(h);
    }

    /* Cut under a handle that has read its table: a head the cut leaves
     * whole is served as written (and then kept: heads.h). */
    ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
    ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err), SPINE_OK);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(spine_heads_get(h, 1, &p, &len, &err), SPINE_OK);
    ck_assert_int_eq(truncate(file, (off_t)table), 0);
    assert_heads_as_written(h, bytes, table);
    /* Every head read is kept: cut to nothing, they are served still. */
    ck_assert_int_eq(truncate(file, 0), 0);
    assert_heads_as_written(h, bytes, table);
    spine_heads_free(h);

    /* Cut short before it opens: refused at open, naming the file. */
    const size_t cuts[] = { n - 1, table, n / 2, 40, 0 };
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        ck_assert_int_eq(tu_write_file(file, bytes, cuts[k]), 0);
        h = (spine_heads *)&h;
        ck_assert_int_eq(spine_heads_open(&h, ixdir, db, &err),
                         SPINE_ECORRUPT);
        ck_assert_ptr_null(h);
        ck_assert_msg(strstr(err.msg, file) != NULL, "message: %s", err.msg);
    }
    xapian_database_free(db);
    free(bytes);
    free(file);
}
END_TEST

/* ---- checking an index (spine_index_check) --------------------------- */

/* The problems the last check() reported, a line each:
 * "FILE|DOCID|ID|WHAT" (ID "-" when unknown). */
static char found[16384];

static void collect(const spine_check_problem *p, void *payload)
{
    size_t n = strlen(found);
    (void)payload;
    snprintf(found + n, sizeof found - n, "%s|%u|%s|%s\n", p->file,
             (unsigned)p->docid, p->id ? p->id : "-", p->what);
}

/* Checks the index at ixdir, reporting at most max problems (0: the
 * default) into found, and returns the report, asserting the check ran
 * and counted each problem it reported. */
static spine_check_report check(unsigned max)
{
    spine_check_options opts = SPINE_CHECK_OPTIONS_INIT;
    spine_check_report r;
    spine_error err;
    found[0] = '\0';
    opts.on_problem = collect;
    opts.max_problems = max;
    ck_assert_msg(spine_index_check(&r, ixdir, &opts, &err) == SPINE_OK,
                  "check: %s", err.msg);
    unsigned lines = 0;
    for (const char *p = found; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(r.problems, lines);
    return r;
}

/* Asserts that a reported problem's line holds "/file|", then a, then b
 * (NULL: anything). */
static void assert_found(const char *file, const char *a, const char *b)
{
    char want[256];
    snprintf(want, sizeof want, "/%s|", file);
    for (const char *line = found; *line; line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        const char *f = strstr(line, want), *x = f ? strstr(f, a) : NULL;
        if (f && f < end && x && x < end && (!b || (strstr(x, b) != NULL
                                                    && strstr(x, b) < end)))
            return;
    }
    ck_abort_msg("no problem in %s with '%s' and '%s'; found:\n%s", file, a,
                 b ? b : "", found);
}

/* The path of file name of the fixture index's one generation (free it). */
static char *gen_file(const char *name)
{
    char *gen = tu_path(ixdir, "gen-000001");
    char *p = tu_path(gen, name);
    free(gen);
    return p;
}

START_TEST(test_check_clean)
{
    build(ixdir, articles, NARTICLES, NULL);
    spine_check_report r = check(0);
    ck_assert_msg(r.problems == 0, "found:\n%s", found);
    ck_assert_str_eq(r.generation, "gen-000001");
    ck_assert_uint_eq(r.articles, NARTICLES);
    ck_assert_int_eq(r.heads, SPINE_CHECK_HEADS_USED);
    ck_assert_uint_eq(r.tiers, 0);
    ck_assert_int_eq(r.stopped, 0);

    /* Without options, and on no index at all. */
    spine_error err;
    ck_assert_int_eq(spine_index_check(&r, ixdir, NULL, &err), SPINE_OK);
    ck_assert_uint_eq(r.problems, 0);
    char *none = tu_path(tmp, "none");
    ck_assert_int_eq(spine_index_check(&r, none, NULL, &err),
                     SPINE_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, none) != NULL, "message: %s", err.msg);
    free(none);
}
END_TEST

START_TEST(test_check_flipped_record)
{
    /* One byte of a stored record's compressed text flipped: Xapian's
     * tables are sound, the record's checksum is not; its heads (which do
     * not hold the text) still are. */
    build(ixdir, articles, NARTICLES, NULL);
    char *file = gen_file("docdata.glass");
    size_t n;
    unsigned char *bytes = slurp(file, &n);
    unsigned char *rec = NULL;      /* the first record's header */
    for (size_t i = 0; !rec && i + 4 <= n; i++)
        if (memcmp(bytes + i, "SPN\2", 4) == 0)
            rec = bytes + i;
    ck_assert_ptr_nonnull(rec);
    uint32_t meta_len = rec[9] | rec[10] << 8 | rec[11] << 16
                      | (uint32_t)rec[12] << 24;
    rec[21 + meta_len + 4] ^= 0x10;
    ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, 1);
    ck_assert_uint_eq(r.articles, NARTICLES);
    assert_found("docdata.glass", "|stored record: ", NULL);
    ck_assert_msg(strstr(found, "|0|") == NULL && strstr(found, "|-|") == NULL,
                  "no docid or article id: %s", found);
    free(bytes);
    free(file);
}
END_TEST

/* Builds the fixture index and opens its generation for writing (a
 * change made through it is a new revision: the heads file is then
 * another revision's, unused). */
static xapian_writable_database *built_writable(void)
{
    xapian_writable_database *w = NULL;
    xapian_error xe;
    build(ixdir, articles, NARTICLES, NULL);
    char *gen = gen_file(".");
    ck_assert_int_eq(xapian_writable_database_open(&w, gen, XAPIAN_DB_OPEN,
                                                   &xe), 0);
    free(gen);
    return w;
}

START_TEST(test_check_pairs_damaged)
{
    /* Docid 1's pair set (phrase.h) with a byte flipped, written back
     * through Xapian. */
    xapian_writable_database *w = built_writable();
    xapian_database *db = NULL;
    xapian_document *doc = NULL;
    xapian_error xe;
    const char *v, *id;
    size_t len, idlen;
    ck_assert_int_eq(xapian_writable_database_reader(&db, w, &xe), 0);
    ck_assert_int_eq(xapian_database_get_document(&doc, db, 1, &xe), 0);
    ck_assert_int_eq(xapian_document_get_value(&v, &len, doc,
                                               SPINE_SLOT_PAIRS, &xe), 0);
    ck_assert_uint_gt(len, 4);
    char *pairs = malloc(len);
    memcpy(pairs, v, len);
    pairs[len - 1] ^= 0x01;
    ck_assert_int_eq(xapian_document_add_value(doc, SPINE_SLOT_PAIRS, pairs,
                                               len, &xe), 0);
    ck_assert_int_eq(xapian_document_get_value(&id, &idlen, doc,
                                               SPINE_SLOT_ID, &xe), 0);
    char term[64];
    snprintf(term, sizeof term, "%s%.*s", SPINE_PREFIX_ID, (int)idlen, id);
    xapian_docid did = 0;
    ck_assert_int_eq(xapian_writable_database_replace_document(
                         &did, w, term, strlen(term), doc, &xe), 0);
    ck_assert_uint_eq(did, 1);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_document_free(doc);
    xapian_database_free(db);
    xapian_writable_database_free(w);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, 1);
    assert_found("postlist.glass", "|1|", "its pair set (value slot 1) is "
                 "not the stored record's");
    free(pairs);
}
END_TEST

START_TEST(test_check_heads_swapped)
{
    /* Docid 1's entry pointed at docid 2's (which is left empty). */
    char *file;
    size_t n;
    uint64_t table;
    unsigned char *bytes = built_heads(&file, &n, &table);
    point_first_at_second(bytes, table);
    ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, 2);
    assert_found(SPINE_HEADS_FILE, "|1|", "docid 1 holds the head of docid 2");
    assert_found(SPINE_HEADS_FILE, "|2|", "has no entry for it");
    free(bytes);
    free(file);
}
END_TEST

START_TEST(test_check_max_problems)
{
    /* Every heads entry's docid damaged: one problem each, or as many as
     * asked for, and then the report says it stopped. */
    char *file;
    size_t n;
    uint64_t table;
    unsigned char *bytes = built_heads(&file, &n, &table);
    for (uint32_t did = 1; did <= NARTICLES; did++)
        bytes[le64_at(bytes, table + 8 * (did - 1))] ^= 0x40;
    ck_assert_int_eq(tu_write_file(file, bytes, n), 0);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, NARTICLES);
    ck_assert_int_eq(r.stopped, 0);
    r = check(2);
    ck_assert_uint_eq(r.problems, 2);
    ck_assert_int_eq(r.stopped, 1);
    free(bytes);
    free(file);
}
END_TEST

/* A problem callback that rebuilds the index the first time it is
 * called. */
static void rebuild_once(const spine_check_problem *p, void *payload)
{
    int *done = payload;
    (void)p;
    if (!*done)
        build(ixdir, articles, NARTICLES, NULL);
    *done = 1;
}

START_TEST(test_check_rebuilt_meanwhile)
{
    /* A verdict on a generation no longer live is not given. */
    build(ixdir, articles, NARTICLES, NULL);
    char *file = gen_file(SPINE_HEADS_FILE);
    ck_assert_int_eq(truncate(file, 100), 0);
    spine_check_options opts = SPINE_CHECK_OPTIONS_INIT;
    spine_check_report r;
    spine_error err;
    int done = 0;
    opts.on_problem = rebuild_once;
    opts.payload = &done;
    ck_assert_int_eq(spine_index_check(&r, ixdir, &opts, &err), SPINE_ERROR);
    ck_assert_int_eq(done, 1);
    ck_assert_msg(strstr(err.msg, "rebuilt while it was checked") != NULL,
                  "message: %s", err.msg);
    check(0);
    ck_assert_msg(found[0] == '\0', "found:\n%s", found);
    free(file);
}
END_TEST

START_TEST(test_check_truncated_table)
{
    /* postlist.glass cut to half: named, and no record can be read. */
    build(ixdir, articles, NARTICLES, NULL);
    char *file = gen_file("postlist.glass");
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_int_eq(truncate(file, st.st_size / 2), 0);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, 2);
    assert_found("postlist.glass", "Xapian cannot check it: ", NULL);
    assert_found("gen-000001", "Xapian cannot open it", NULL);
    ck_assert_uint_eq(r.articles, 0);
    ck_assert_int_eq(r.heads, SPINE_CHECK_HEADS_UNCHECKED);
    free(file);

    /* A table Spine always writes removed (Xapian's check passes it). */
    build(ixdir, articles, NARTICLES, NULL);
    char *gen = tu_path(ixdir, "gen-000002");
    file = tu_path(gen, "termlist.glass");
    ck_assert_int_eq(unlink(file), 0);
    r = check(0);
    assert_found("termlist.glass", "missing", NULL);
    free(file);
    free(gen);
}
END_TEST

START_TEST(test_check_tier_damaged)
{
    /* Tiers for every term of two articles or more, written into the
     * fixture's generation, check clean; then one tier's first wdf is
     * raised and another term's tier is removed. */
    xapian_writable_database *w = built_writable();
    xapian_error xe;
    unsigned nterms = 0;
    ck_assert_int_eq(spine_tiers_write(w, SPINE_META_TIERS, 2, 1, 2, &nterms,
                                       &xe), 0);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    ck_assert_uint_ge(nterms, 2);
    spine_check_report r = check(0);
    ck_assert_msg(r.problems == 0, "found:\n%s", found);
    ck_assert_uint_eq(r.tiers, nterms);
    ck_assert_int_eq(r.heads, SPINE_CHECK_HEADS_UNUSED);

    /* The first two terms of two articles or more. */
    xapian_database *db = NULL;
    xapian_termlist *tl = NULL;
    const char *t;
    size_t len;
    uint32_t tf;
    char *terms[2] = { NULL, NULL };
    ck_assert_int_eq(xapian_writable_database_reader(&db, w, &xe), 0);
    ck_assert_int_eq(xapian_database_allterms(&tl, db, "", 0, &xe), 0);
    for (int k = 0; k < 2 && xapian_termlist_next(&t, &len, &tf, tl, &xe) > 0;)
        if (tf >= 2)
            terms[k++] = strdup(t);
    xapian_termlist_free(tl);
    ck_assert_ptr_nonnull(terms[1]);
    char key[256], *blob = NULL;
    size_t blen = 0;
    snprintf(key, sizeof key, "%s%s", SPINE_META_TIERS, terms[0]);
    ck_assert_int_eq(xapian_database_get_metadata(&blob, &blen, db, key,
                                                  strlen(key), &xe), 0);
    uint32_t k = (uint32_t)(blen - 8) / 8;
    blob[8 + 4 * k] += 1;           /* the first wdf, little-endian */
    ck_assert_int_eq(xapian_writable_database_set_metadata(w, key,
                                                           strlen(key), blob,
                                                           blen, &xe), 0);
    snprintf(key, sizeof key, "%s%s", SPINE_META_TIERS, terms[1]);
    ck_assert_int_eq(xapian_writable_database_set_metadata(w, key,
                                                           strlen(key), "", 0,
                                                           &xe), 0);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    xapian_database_free(db);
    xapian_writable_database_free(w);
    r = check(0);
    ck_assert_uint_eq(r.problems, 2);
    char what[300];
    snprintf(what, sizeof what, "the impact tier of '%s' gives docid",
             terms[0]);
    assert_found("postlist.glass", what, NULL);
    snprintf(what, sizeof what, "'%s' indexes", terms[1]);
    assert_found("postlist.glass", what, "but has no impact tier");
    free(blob);
    free(terms[0]);
    free(terms[1]);
}
END_TEST

START_TEST(test_check_stub)
{
    /* The stub naming a generation that is not there, or none. */
    build(ixdir, articles, NARTICLES, NULL);
    char *file = tu_path(ixdir, "XAPIANDB");
    ck_assert_int_eq(tu_write_file(file, "auto gen-000009\n", 16), 0);
    spine_check_report r = check(0);
    ck_assert_uint_eq(r.problems, 1);
    ck_assert_str_eq(r.generation, "gen-000009");
    assert_found("XAPIANDB", "names gen-000009, which is not there", NULL);
    ck_assert_int_eq(tu_write_file(file, "remote localhost 1\n", 19), 0);
    r = check(0);
    ck_assert_uint_eq(r.problems, 1);
    assert_found("XAPIANDB", "names no generation", NULL);
    free(file);
}
END_TEST

static Suite *index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, setup_base, teardown_base);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_build_layout);
    tcase_add_test(core, test_fold);
    tcase_add_test(core, test_folded_terms);
    tcase_add_test(core, test_progress_and_replaced);
    tcase_add_test(core, test_batches);
    tcase_add_test(core, test_commit_null_stats_and_options);
    tcase_add_test(core, test_rebuild);
    tcase_add_test(core, test_free_without_commit);
    tcase_add_test(core, test_stale_leftovers);
    tcase_add_test(core, test_stale_leftovers_before_first_build);
    tcase_add_test(core, test_killed_during_first_swap);
    tcase_add_test(core, test_length_normalised_wdf);
    tcase_add_test(core, test_avlen_sample);
    tcase_add_test(core, test_heads_file);
    tcase_add_test(core, test_heads_pages);
    tcase_add_test(core, test_check_clean);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_unchecked_fixture(errors, setup_base, teardown_base);
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_locked);
    tcase_add_test(errors, test_empty_commit);
    tcase_add_test(errors, test_empty_first_build);
    tcase_add_test(errors, test_foreign_dir);
    tcase_add_test(errors, test_foreign_dir_with_gen_names);
    tcase_add_test(errors, test_heads_damaged);
    tcase_add_test(errors, test_uncreatable);
    tcase_add_test(errors, test_bad_articles);
    tcase_add_test(errors, test_bad_zlib_level);
    tcase_add_test(errors, test_check_flipped_record);
    tcase_add_test(errors, test_check_pairs_damaged);
    tcase_add_test(errors, test_check_heads_swapped);
    tcase_add_test(errors, test_check_max_problems);
    tcase_add_test(errors, test_check_truncated_table);
    tcase_add_test(errors, test_check_tier_damaged);
    tcase_add_test(errors, test_check_stub);
    tcase_add_test(errors, test_check_rebuilt_meanwhile);
    tcase_add_test(errors, test_collfreq_ceiling);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(index_suite());
}
