/*
 * check_update.c -- changing an index in place (spine/index.h
 * spine_update_*), tested against rebuilds: after any sequence of adds,
 * replaces and deletes, an updated index answers every query with the
 * hits, order, scores, snippets and suggestions of a rebuild from the same
 * articles in the same order, weighed for the same mean length.
 */
#include <check.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "spine/index.h"
#include "spine/search.h"
#include "testutil.h"
#include "tiers.h"
#include "xapian_c.h"

static char *base;

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

/* ---- a random collection ------------------------------------------------- */

/* Words, the first ones far more common (Zipf-like draws), so that some
 * terms index most articles and get impact tiers. */
static const char *const vocab[] = {
    "pain", "kidney", "stone", "back", "bone", "heart", "blood", "skin",
    "fever", "cough", "sleep", "joint", "muscle", "nerve", "liver", "lung",
    "asthma", "gout", "rash", "ulcer", "migraine", "anemia", "sciatica",
    "eczema", "hernia", "scoliosis", "tendon", "cartilage", "vertebra",
    "spasm", "inflammation", "infection", "fracture", "diet", "exercise",
    "surgery", "therapy", "dialysis", "insulin", "vaccine", "allergy",
    "pollen", "dizziness", "nausea", "fatigue", "osteoporosis", "arthritis",
    "bronchitis", "tonsil", "sinus", "cataract", "glaucoma", "retina",
    "hearing", "tinnitus", "vertigo", "stroke", "seizure", "tremor",
    "numbness",
};
#define NVOCAB (sizeof vocab / sizeof *vocab)
static const char *const sources[] = { "NIDDK", "CDC", "GARD" };

static unsigned long rng = 12345;

static unsigned next_rand(void)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(rng >> 33);
}

static const char *draw_word(void)
{
    /* The minimum of two uniform draws: low indexes are more likely. */
    unsigned a = next_rand() % NVOCAB, b = next_rand() % NVOCAB;
    unsigned c = next_rand() % NVOCAB;
    unsigned m = a < b ? a : b;
    return vocab[m < c ? m : c];
}

/* One article of the model: its fields own their text. */
typedef struct art {
    char id[16];
    char title[64];
    char source[8];
    char body[1024];
    char pid[8];
    spine_section sec;
    spine_article a;
} art;

static void make_article(art *x, const char *id)
{
    snprintf(x->id, sizeof x->id, "%s", id);
    snprintf(x->title, sizeof x->title, "%s %s", draw_word(), draw_word());
    snprintf(x->source, sizeof x->source, "%s", sources[next_rand() % 3]);
    snprintf(x->pid, sizeof x->pid, "1");
    size_t n = 5 + next_rand() % 60, at = 0;
    for (size_t i = 0; i < n && at + 40 < sizeof x->body; i++)
        at += (size_t)snprintf(x->body + at, sizeof x->body - at, "%s%s",
                               i ? " " : "", draw_word());
    x->sec = (spine_section){ x->pid, "", x->body };
    x->a = (spine_article){ x->id, x->title, "", x->source, &x->sec, 1 };
}

/* The articles an index should hold, in docid order: a put of an id
 * there moves it last (a replaced article takes a new docid). */
typedef struct model {
    art **v;
    size_t n, cap;
    unsigned next_id;
} model;

static void model_remove(model *m, size_t i)
{
    free(m->v[i]);
    memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof *m->v);
    m->n--;
}

static void model_append(model *m, art *x)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n++] = x;
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i]);
    free(m->v);
}

static art *new_art(model *m)
{
    art *x = calloc(1, sizeof *x);
    char id[16];
    snprintf(id, sizeof id, "A%05u", m->next_id++);
    make_article(x, id);
    return x;
}

/* Builds the index at dir from m's articles, in order, on one thread (so
 * that docids follow that order), weighed for avlen (0: the sample's); as
 * a set of that many shards unless shards is 0. */
static void build_set(const char *dir, const model *m, double avlen,
                      unsigned shards)
{
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix;
    spine_error err;
    o.threads = 1;
    o.shards = shards;
    o.avlen = avlen;
    o.allow_shrink = 1;
    ck_assert_int_eq(spine_index_begin(&ix, dir, &o, &err), 0);
    for (size_t i = 0; i < m->n; i++)
        ck_assert_int_eq(spine_index_add(ix, &m->v[i]->a, &err), 0);
    ck_assert_msg(spine_index_commit(ix, NULL, &err) == 0, "%s", err.msg);
    spine_index_free(ix);
}

static void build(const char *dir, const model *m, double avlen)
{
    build_set(dir, m, avlen, 0);
}

/* The live generation's directory of the index at dir (static buffer). */
static const char *live_gen(const char *dir)
{
    static char path[512];
    char line[64] = "";
    char *stub = tu_path(dir, "XAPIANDB");
    FILE *f = fopen(stub, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    free(stub);
    line[strcspn(line, "\n")] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, line + 5);    /* "auto " */
    return path;
}

/* Gives the index at dir impact tiers small enough for a few hundred
 * articles (min_tf, size), in place of the build's (none under 8192
 * articles), so that updates have tiers to keep and queries use them. */
static void small_tiers(const char *dir, unsigned min_tf, unsigned size)
{
    xapian_writable_database *w;
    xapian_error xe;
    unsigned n = 0;
    ck_assert_int_eq(xapian_writable_database_open(&w, live_gen(dir),
                                                   XAPIAN_DB_OPEN, &xe), 0);
    ck_assert_int_eq(spine_tiers_write(w, SPINE_META_TIERS, min_tf, size, 4,
                                       &n, &xe), 0);
    ck_assert_uint_gt(n, 3);
    ck_assert_int_eq(xapian_writable_database_commit(w, &xe), 0);
    ck_assert_int_eq(xapian_writable_database_close(w, &xe), 0);
    xapian_writable_database_free(w);
}

/* Metadata key of the index at dir, as a number. */
static double meta_number(const char *dir, const char *key)
{
    xapian_database *db;
    xapian_error xe;
    char *v = NULL;
    size_t len = 0;
    ck_assert_int_eq(xapian_database_open(&db, dir, &xe), 0);
    ck_assert_int_eq(xapian_database_get_metadata(&v, &len, db, key,
                                                  strlen(key), &xe), 0);
    ck_assert_uint_gt(len, 0);
    double x = strtod(v, NULL);
    free(v);
    xapian_database_free(db);
    return x;
}

static double index_avlen(const char *dir)
{
    return meta_number(dir, SPINE_META_AVLEN);
}

/* Runs query on both searchers and requires the same answer: suggestion,
 * hits, order, scores (exactly), titles and snippets. */
static void same_answer(spine_searcher *a, spine_searcher *b,
                        const char *query, unsigned limit)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    spine_results *ra, *rb;
    spine_error err;
    o.limit = limit;
    o.snippets = 1;
    ck_assert_msg(spine_search(&ra, a, query, &o, &err) == 0, "%s: %s",
                  query, err.msg);
    ck_assert_msg(spine_search(&rb, b, query, &o, &err) == 0, "%s: %s",
                  query, err.msg);
    ck_assert_msg((ra->corrected == NULL) == (rb->corrected == NULL)
                  && (!ra->corrected
                      || strcmp(ra->corrected, rb->corrected) == 0),
                  "%s: suggested %s, rebuilt %s", query,
                  ra->corrected ? ra->corrected : "nothing",
                  rb->corrected ? rb->corrected : "nothing");
    ck_assert_msg(ra->nhits == rb->nhits, "%s: %zu hits, rebuilt %zu", query,
                  ra->nhits, rb->nhits);
    for (size_t i = 0; i < ra->nhits; i++) {
        spine_hit *x = &ra->hits[i], *y = &rb->hits[i];
        ck_assert_msg(strcmp(x->id, y->id) == 0 && x->score == y->score,
                      "%s: hit %zu is %s (%.17g), rebuilt %s (%.17g)", query,
                      i + 1, x->id, x->score, y->id, y->score);
        ck_assert_str_eq(x->title, y->title);
        ck_assert_str_eq(x->snippet ? x->snippet : "",
                         y->snippet ? y->snippet : "");
    }
    spine_results_free(ra);
    spine_results_free(rb);
}

/* Every query kind over both indexes, and --related of a few articles. */
static void same_answers(const char *updated, const char *rebuilt,
                         const model *m)
{
    spine_searcher *a, *b;
    spine_error err;
    ck_assert_int_eq(spine_searcher_open(&a, updated, &err), 0);
    ck_assert_int_eq(spine_searcher_open(&b, rebuilt, &err), 0);
    char q[128];
    for (size_t i = 0; i < NVOCAB; i++) {
        same_answer(a, b, vocab[i], 10);                /* one word */
        snprintf(q, sizeof q, "%s %s", vocab[i], vocab[(i * 7 + 3) % NVOCAB]);
        same_answer(a, b, q, i % 2 ? 10 : 50);          /* two */
        snprintf(q, sizeof q, "\"%s %s\"", vocab[i % 8], vocab[i]);
        same_answer(a, b, q, 10);                       /* a phrase */
        snprintf(q, sizeof q, "title:%s source:%s", vocab[i],
                 sources[i % 3]);
        same_answer(a, b, q, 10);                       /* fields */
    }
    same_answer(a, b, "kidny stnoe", 10);               /* typos */
    same_answer(a, b, "migrane pian", 10);
    same_answer(a, b, "pain back bone heart blood", 20);
    for (size_t i = 0; i < m->n; i += m->n / 5 + 1) {
        spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
        spine_results *ra, *rb;
        ck_assert_int_eq(spine_related(&ra, a, m->v[i]->id, &o, &err), 0);
        ck_assert_int_eq(spine_related(&rb, b, m->v[i]->id, &o, &err), 0);
        ck_assert_uint_eq(ra->nhits, rb->nhits);
        for (size_t k = 0; k < ra->nhits; k++) {
            ck_assert_str_eq(ra->hits[k].id, rb->hits[k].id);
            ck_assert(ra->hits[k].score == rb->hits[k].score);
        }
        spine_results_free(ra);
        spine_results_free(rb);
    }
    spine_searcher_free(a);
    spine_searcher_free(b);
}

/* Requires the same spelling dictionaries (words and frequencies). */
static void same_spelling(const char *updated, const char *rebuilt)
{
    xapian_database *a, *b;
    xapian_termlist *ta, *tb;
    xapian_error xe;
    ck_assert_int_eq(xapian_database_open(&a, updated, &xe), 0);
    ck_assert_int_eq(xapian_database_open(&b, rebuilt, &xe), 0);
    ck_assert_int_eq(xapian_database_spellings(&ta, a, &xe), 0);
    ck_assert_int_eq(xapian_database_spellings(&tb, b, &xe), 0);
    size_t words = 0;
    for (;;) {
        const char *x, *y;
        size_t xl, yl;
        uint32_t xf, yf;
        int ma = xapian_termlist_next(&x, &xl, &xf, ta, &xe);
        int mb = xapian_termlist_next(&y, &yl, &yf, tb, &xe);
        ck_assert_int_eq(ma, mb);
        if (ma <= 0)
            break;
        ck_assert_str_eq(x, y);
        ck_assert_msg(xf == yf, "spelling '%s': %u, rebuilt %u", x, xf, yf);
        words++;
    }
    ck_assert_uint_gt(words, NVOCAB / 2);
    xapian_termlist_free(ta);
    xapian_termlist_free(tb);
    xapian_database_free(a);
    xapian_database_free(b);
}

static void check_sound(const char *dir)
{
    spine_check_report rep;
    spine_error err;
    ck_assert_int_eq(spine_index_check(&rep, dir, NULL, &err), 0);
    ck_assert_msg(rep.problems == 0, "%s: %llu problems", dir,
                  (unsigned long long)rep.problems);
}

/* One change of random puts (new ids, ids there, some given unchanged)
 * and deletes (some of ids not there), applied to the index at dir and
 * to m. */
static double random_change(const char *dir, model *m, unsigned puts,
                            unsigned deletes)
{
    spine_update *u;
    spine_update_stats st;
    spine_error err;
    uint64_t added = 0, replaced = 0, unchanged = 0, deleted = 0, missing = 0;
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    for (unsigned i = 0; i < deletes; i++) {
        int found = -1;
        if (m->n > 1 && next_rand() % 8) {
            size_t k = next_rand() % m->n;
            ck_assert_int_eq(spine_update_delete(u, m->v[k]->id, &found,
                                                 &err), 0);
            ck_assert_int_eq(found, 1);
            model_remove(m, k);
            deleted++;
        } else {
            ck_assert_int_eq(spine_update_delete(u, "no-such-id", &found,
                                                 &err), 0);
            ck_assert_int_eq(found, 0);
            missing++;
        }
    }
    for (unsigned i = 0; i < puts; i++) {
        unsigned kind = next_rand() % 4;
        if (kind == 0 && m->n) {            /* given again, unchanged */
            art *x = m->v[next_rand() % m->n];
            ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
            unchanged++;
        } else if (kind == 1 && m->n) {     /* replaced: goes last */
            size_t k = next_rand() % m->n;
            art *x = calloc(1, sizeof *x);
            make_article(x, m->v[k]->id);
            ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
            model_remove(m, k);
            model_append(m, x);
            replaced++;
        } else {                            /* a new id */
            art *x = new_art(m);
            ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
            model_append(m, x);
            added++;
        }
    }
    ck_assert_msg(spine_update_commit(u, &st, &err) == 0, "%s", err.msg);
    spine_update_free(u);
    ck_assert_uint_eq(st.added, added);
    ck_assert_uint_eq(st.replaced, replaced);
    ck_assert_uint_eq(st.unchanged, unchanged);
    ck_assert_uint_eq(st.deleted, deleted);
    ck_assert_uint_eq(st.missing, missing);
    ck_assert_uint_eq(st.articles, m->n);
    ck_assert(st.avlen_weighed > 0);
    ck_assert_int_eq(st.announced, 1);
    return st.avlen_now;
}

/* Runs query on both shard sets and requires the same answer, but for the
 * order of ties: a set numbers its documents across shards, and a
 * shard's docids keep the gaps its deletes left, so equal weights may
 * come in another order (and, at the page's end, be other documents). */
static void same_set_answer(spine_searcher *a, spine_searcher *b,
                            const char *query)
{
    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    spine_results *ra, *rb;
    spine_error err;
    o.limit = 20;
    o.exhaustive = 1;
    ck_assert_int_eq(spine_search(&ra, a, query, &o, &err), 0);
    ck_assert_int_eq(spine_search(&rb, b, query, &o, &err), 0);
    ck_assert_msg((ra->corrected == NULL) == (rb->corrected == NULL)
                  && (!ra->corrected
                      || strcmp(ra->corrected, rb->corrected) == 0),
                  "%s: suggested %s, rebuilt %s", query,
                  ra->corrected ? ra->corrected : "nothing",
                  rb->corrected ? rb->corrected : "nothing");
    ck_assert_uint_eq(ra->nhits, rb->nhits);
    for (size_t i = 0; i < ra->nhits; i++) {
        double x = ra->hits[i].score, y = rb->hits[i].score;
        ck_assert_msg(fabs(x - y) <= 1e-9 * fmax(1, fabs(x)), "%s: hit %zu "
                      "weighs %.17g, rebuilt %.17g", query, i + 1, x, y);
    }
    /* Each run of equal weights before the last holds the same ids. */
    for (size_t i = 0; i < ra->nhits; ) {
        size_t j = i;
        while (j < ra->nhits
               && fabs(ra->hits[j].score - ra->hits[i].score) <= 1e-9)
            j++;
        for (size_t k = i; j < ra->nhits && k < j; k++) {
            int found = 0;
            for (size_t l = i; l < j && !found; l++)
                found = strcmp(ra->hits[k].id, rb->hits[l].id) == 0;
            ck_assert_msg(found, "%s: %s is not among the rebuilt set's "
                          "hits of its weight", query, ra->hits[k].id);
        }
        i = j;
    }
    spine_results_free(ra);
    spine_results_free(rb);
}

/* ---- tests ----------------------------------------------------------------- */

/* Changes to a shard set: the same answers and spelling dictionary as a
 * set rebuilt from the same articles (weighed alike), and a sound set. */
START_TEST(test_set_changes_equal_rebuild)
{
    char *updated = tu_path(base, "set-updated");
    char *rebuilt = tu_path(base, "set-rebuilt");
    model m = { 0 };
    rng = 77;
    for (int i = 0; i < 300; i++)
        model_append(&m, new_art(&m));
    build_set(updated, &m, 0, 3);
    double avlen = index_avlen(updated);
    for (int round = 0; round < 3; round++) {
        random_change(updated, &m, 30 + next_rand() % 30,
                      10 + next_rand() % 20);
        check_sound(updated);
        tu_rmtree(rebuilt);
        build_set(rebuilt, &m, avlen, 3);
        spine_searcher *a, *b;
        spine_error err;
        ck_assert_int_eq(spine_searcher_open(&a, updated, &err), 0);
        ck_assert_int_eq(spine_searcher_open(&b, rebuilt, &err), 0);
        char q[128];
        for (size_t i = 0; i < NVOCAB; i++) {
            same_set_answer(a, b, vocab[i]);
            snprintf(q, sizeof q, "%s %s", vocab[i],
                     vocab[(i * 7 + 3) % NVOCAB]);
            same_set_answer(a, b, q);
            snprintf(q, sizeof q, "\"%s %s\"", vocab[i % 8], vocab[i]);
            same_set_answer(a, b, q);
        }
        same_set_answer(a, b, "kidny stnoe");
        same_set_answer(a, b, "migrane pian");
        spine_searcher_free(a);
        spine_searcher_free(b);
        same_spelling(updated, rebuilt);
    }
    model_free(&m);
    free(updated);
    free(rebuilt);
}
END_TEST

/* The differential test: random changes, then the updated index against a
 * rebuild of the same articles, after every change and after
 * compaction. */
START_TEST(test_random_changes_equal_rebuild)
{
    char *updated = tu_path(base, _i ? "updated1" : "updated0");
    char *rebuilt = tu_path(base, _i ? "rebuilt1" : "rebuilt0");
    model m = { 0 };
    rng = 1000 + (unsigned long)_i;
    for (int i = 0; i < 400; i++)
        model_append(&m, new_art(&m));
    build(updated, &m, 0);
    small_tiers(updated, 120, 80);
    double avlen = index_avlen(updated);
    for (int round = 0; round < 4; round++) {
        double now = random_change(updated, &m, 40 + next_rand() % 40,
                                   10 + next_rand() % 30);
        check_sound(updated);
        tu_rmtree(rebuilt);
        build(rebuilt, &m, avlen);
        /* The mean length the update reports is the rebuild's. */
        ck_assert_double_eq_tol(now, meta_number(rebuilt, SPINE_META_LENGTH)
                                         / (double)m.n, 1e-9);
        same_answers(updated, rebuilt, &m);
        same_spelling(updated, rebuilt);
    }
    /* Compaction keeps the answers (and the tiers stay sound). */
    spine_index_stats st;
    spine_error err;
    ck_assert_int_eq(spine_index_compact(updated, &st, &err), 0);
    ck_assert_uint_eq(st.articles, m.n);
    check_sound(updated);
    same_answers(updated, rebuilt, &m);
    model_free(&m);
    free(updated);
    free(rebuilt);
}
END_TEST

/* A tier keeps every posting above its cap through deletes of its own
 * docids and adds of heavy documents, and is made again or removed when
 * its term turns common or rare (checked by spine_index_check()). */
START_TEST(test_tiers_follow_changes)
{
    char *dir = tu_path(base, "tiers");
    model m = { 0 };
    spine_error err;
    rng = 77;
    for (int i = 0; i < 300; i++)
        model_append(&m, new_art(&m));
    build(dir, &m, 0);
    small_tiers(dir, 100, 60);
    /* Delete many articles at once: tiers run short and are made again. */
    spine_update *u;
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    for (int i = 0; i < 150; i++) {
        ck_assert_int_eq(spine_update_delete(u, m.v[0]->id, NULL, &err), 0);
        model_remove(&m, 0);
    }
    /* Short articles of one word repeated weigh most: they join tiers. */
    for (int i = 0; i < 20; i++) {
        art *x = new_art(&m);
        snprintf(x->body, sizeof x->body, "%s %s %s", vocab[i % 3],
                 vocab[i % 3], vocab[i % 3]);
        ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
        model_append(&m, x);
    }
    spine_update_stats st;
    ck_assert_int_eq(spine_update_commit(u, &st, &err), 0);
    spine_update_free(u);
    ck_assert_uint_gt(st.tiers, 0);
    check_sound(dir);
    model_free(&m);
    free(dir);
}
END_TEST

/* A change is all or nothing: one dropped (freed uncommitted) leaves no
 * trace, and a change with nothing in it commits nothing. */
START_TEST(test_uncommitted_change_leaves_nothing)
{
    char *dir = tu_path(base, "cancel");
    model m = { 0 };
    spine_error err;
    rng = 5;
    for (int i = 0; i < 20; i++)
        model_append(&m, new_art(&m));
    build(dir, &m, 0);
    spine_update *u;
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    ck_assert_int_eq(spine_update_delete(u, m.v[0]->id, NULL, &err), 0);
    art *x = new_art(&m);
    snprintf(x->body, sizeof x->body, "zebrafish");
    ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
    /* A second writer meanwhile is refused. */
    spine_update *other;
    ck_assert_int_eq(spine_update_begin(&other, dir, NULL, &err),
                     SPINE_ELOCKED);
    spine_update_free(u);                       /* not committed */
    spine_searcher *s;
    spine_results *r;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 20);
    ck_assert_int_eq(spine_search(&r, s, "zebrafish", NULL, &err), 0);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);
    spine_searcher_free(s);
    free(x);

    /* Nothing but missing ids: nothing committed, the stub unchanged. */
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    int found = 1;
    ck_assert_int_eq(spine_update_delete(u, "nope", &found, &err), 0);
    ck_assert_int_eq(found, 0);
    spine_update_stats st;
    ck_assert_int_eq(spine_update_commit(u, &st, &err), 0);
    ck_assert_uint_eq(st.missing, 1);
    ck_assert_uint_eq(st.articles, 20);
    spine_update_free(u);
    model_free(&m);
    free(dir);
}
END_TEST

/* Deleting every article is refused; the index stays whole. */
START_TEST(test_no_empty_index)
{
    char *dir = tu_path(base, "empty");
    model m = { 0 };
    spine_error err;
    rng = 9;
    for (int i = 0; i < 3; i++)
        model_append(&m, new_art(&m));
    build(dir, &m, 0);
    spine_update *u;
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    for (size_t i = 0; i < m.n; i++)
        ck_assert_int_eq(spine_update_delete(u, m.v[i]->id, NULL, &err), 0);
    ck_assert_int_eq(spine_update_commit(u, NULL, &err), SPINE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "without articles"));
    spine_update_free(u);
    check_sound(dir);
    spine_searcher *s;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 3);
    spine_searcher_free(s);
    model_free(&m);
    free(dir);
}
END_TEST

/* A rebuild from a few articles refuses to drop the rest (naming both
 * counts) unless allowed to shrink; an update has no index to change
 * when there is none. */
START_TEST(test_rebuild_refuses_to_shrink)
{
    char *dir = tu_path(base, "shrink");
    model m = { 0 }, few = { 0 };
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix;
    spine_error err;
    rng = 11;
    for (int i = 0; i < 10; i++)
        model_append(&m, new_art(&m));
    build(dir, &m, 0);
    for (int i = 0; i < 4; i++)
        model_append(&few, new_art(&m));
    ck_assert_int_eq(spine_index_begin(&ix, dir, &o, &err), 0);
    for (size_t i = 0; i < few.n; i++)
        ck_assert_int_eq(spine_index_add(ix, &few.v[i]->a, &err), 0);
    ck_assert_int_eq(spine_index_commit(ix, NULL, &err), SPINE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "leave 4 articles of the 10"));
    spine_index_free(ix);
    spine_searcher *s;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 10);
    spine_searcher_free(s);
    build(dir, &few, 0);                    /* allow_shrink */
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 4);
    spine_searcher_free(s);

    char *none = tu_path(base, "none");
    spine_update *u;
    ck_assert_int_eq(spine_update_begin(&u, none, NULL, &err),
                     SPINE_ENOTFOUND);
    free(none);
    model_free(&m);
    model_free(&few);
    free(dir);
}
END_TEST

/* A searcher that stays open sees each change at its next query. */
START_TEST(test_open_searcher_follows_changes)
{
    char *dir = tu_path(base, "follow");
    model m = { 0 };
    spine_error err;
    spine_results *r;
    rng = 21;
    for (int i = 0; i < 30; i++)
        model_append(&m, new_art(&m));
    build(dir, &m, 0);
    spine_searcher *s;
    ck_assert_int_eq(spine_searcher_open(&s, dir, &err), 0);
    ck_assert_int_eq(spine_search(&r, s, "quokka", NULL, &err), 0);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);

    spine_update *u;
    art *x = new_art(&m);
    snprintf(x->body, sizeof x->body, "a quokka is a small marsupial");
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    ck_assert_int_eq(spine_update_put(u, &x->a, &err), 0);
    ck_assert_int_eq(spine_update_commit(u, NULL, &err), 0);
    spine_update_free(u);
    ck_assert_int_eq(spine_search(&r, s, "quokka", NULL, &err), 0);
    ck_assert_uint_eq(r->nhits, 1);
    ck_assert_str_eq(r->hits[0].id, x->id);
    spine_results_free(r);
    ck_assert_uint_eq(spine_searcher_doccount(s), 31);

    /* Two commits in a row (the revision the searcher had open is then
     * overwritten): the next query still answers, from the new state. */
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
        ck_assert_int_eq(spine_update_delete(u, m.v[k]->id, NULL, &err), 0);
        ck_assert_int_eq(spine_update_commit(u, NULL, &err), 0);
        spine_update_free(u);
    }
    ck_assert_int_eq(spine_search(&r, s, "pain", NULL, &err), 0);
    ck_assert_uint_eq(spine_searcher_doccount(s), 29);
    spine_results_free(r);
    ck_assert_int_eq(spine_update_begin(&u, dir, NULL, &err), 0);
    ck_assert_int_eq(spine_update_delete(u, x->id, NULL, &err), 0);
    ck_assert_int_eq(spine_update_commit(u, NULL, &err), 0);
    spine_update_free(u);
    ck_assert_int_eq(spine_search(&r, s, "quokka", NULL, &err), 0);
    ck_assert_uint_eq(r->nhits, 0);
    spine_results_free(r);
    spine_searcher_free(s);
    free(x);
    model_free(&m);
    free(dir);
}
END_TEST

static Suite *update_suite(void)
{
    Suite *s = suite_create("update");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, setup_base, teardown_base);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_random_changes_equal_rebuild, 0, 2);
    tcase_add_test(tc, test_set_changes_equal_rebuild);
    tcase_add_test(tc, test_tiers_follow_changes);
    tcase_add_test(tc, test_uncommitted_change_leaves_nothing);
    tcase_add_test(tc, test_no_empty_index);
    tcase_add_test(tc, test_rebuild_refuses_to_shrink);
    tcase_add_test(tc, test_open_searcher_follows_changes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(update_suite());
}
