/*
 * search.c -- one open index answering queries: parse with Xapian's query
 * parser, rank with IneB2, then decode only the hits shown and cut snippets.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heads.h"
#include "match.h"
#include "phrase.h"
#include "schema.h"
#include "spine/search.h"
#include "snippet.h"
#include "spine_ext.h"
#include "spell.h"
#include "store.h"
#include "synonyms.h"
#include "util.h"
#include "xapian_c.h"
#include "xerror.h"


/* Xapian's snippets, for queries with wildcards: neither its background
 * model (a term-frequency lookup for every word of the text) nor its
 * exhaustive scan: together they made a snippet cost ~2 ms, and without
 * them ~0.05 ms, with snippets that read as well.  Spine's own snippets
 * (spine_snippet_make) stem only the words that may match: for "kidney
 * stones", 0.5M instructions for ten snippets against Xapian's 1.8M. */
#define SNIPPET_FLAGS 0

/* A snippet is cut from the densest window of SNIPPET_WINDOW halves of its
 * length, not from a whole section (see spine_snippet_text). */
#define SNIPPET_WINDOW 3

/* Ranking constants, tuned on SMART MED (benchmarks/EFFECTIVENESS.md) and
 * checked on MedQuAD's head queries and our own judged MedQuAD queries;
 * the same for every query.
 *   WEIGHTING        IneB2 (divergence from randomness: inverse
 *                    expected document frequency, Bernoulli after-effect,
 *                    normalisation 2) with c = 1, the normalisation done
 *                    by the indexer (schema.h).  On MED Xapian's IneB2 beat
 *                    BM25 at every k1/b we tried (MAP 0.568 against 0.533);
 *                    normalised at index time it scored 0.576, and Xapian's
 *                    matcher did 40% less work (no document lengths).
 *   (titles)         count through the body, where the indexer puts each
 *                    title word with a wdf of SPINE_TITLE_WDF (4: 1, 2 and
 *                    8 did no better).  A query-time lift, the query read
 *                    again against the title field and added at 0.3, cost
 *                    a fifth to a third of each query and did not pay:
 *                    without it MedQuAD (own judgments) scored nDCG@10
 *                    0.662 against 0.652, MED 0.719 against 0.720.
 *   EXPAND_DOCS/TERMS/WEIGHT  pseudo-relevance feedback (--expand): the
 *                    best terms of the top documents, each scaled by its
 *                    weight relative to the best one.  EXPAND_K is the
 *                    ESet's wdf saturation in raw counts, Xapian's default
 *                    (scaled to the index's wdf units when set) */
#define WEIGHTING      "ineb2-prenorm"
/* Terms of an OR query that index at least LAZY_SHARE of the articles,
 * and LAZY_POSTINGS or more, are weighed lazily (spine_matcher_set_lazy):
 * only for the best candidates, not posting by posting.  Measured on the
 * 1M-article generated corpus (its 500 growth queries, callgrind over the
 * first 50): 2.91G instructions plain, 2.11G at a share of 0.5, 2.26G at
 * 0.25 and 2.54G at 0.125, where the common terms weigh too much for the
 * first pass to settle the page.  On MedQuAD's 16,000 articles the extra
 * pass costs more than it saves (OR p50 61 -> 90 us): hence the postings
 * floor. */
#define LAZY_SHARE     0.5
#define LAZY_POSTINGS  100000
/* A query of at most TIER_TERMS words, each with an impact tier (schema.h),
 * is matched from the tiers when at most TIER_MAX candidates must be
 * ranked to prove the page (spine_matcher_set_tiers).  On the 1M-article
 * generated corpus (its 500 growth queries; tiers at 1/32) they settle 84
 * of 150 two-term runs, 12 of 102 three-term ones and none of 162 longer,
 * whose weights saturate: every word's tier cap nears its best weight.
 * Two-word queries took 0.78x the time (geometric mean, two alternated
 * rounds), e.g. "therapies adult" 11.2 -> 1.2 ms; longer ones did not
 * gain and paid for the attempt. */
#define TIER_MAX       1000
#define TIER_TERMS     2
#define EXPAND_K       1.0
#define EXPAND_DOCS    20
#define EXPAND_TERMS   60
#define EXPAND_WEIGHT  1.5

/* --related: how many of the article's best terms (ESet) form the query. */
#define RELATED_TERMS  40

/* Query parser features: the query language, plus the synonym table the
 * indexer loaded (corpus/synonyms.txt) applied to every word and to runs
 * of words. */
#define PARSE_FLAGS (XAPIAN_QP_FLAG_DEFAULT | XAPIAN_QP_FLAG_WILDCARD \
                     | XAPIAN_QP_FLAG_PURE_NOT | XAPIAN_QP_FLAG_AUTO_SYNONYMS \
                     | XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS)
/* The same without the synonym look-ups, for text none of whose words can
 * start one (spine_synonyms_may_match): Xapian looks up every word and
 * every run of words, which doubled the cost of parsing. */
#define PARSE_FLAGS_PLAIN (PARSE_FLAGS & ~(XAPIAN_QP_FLAG_AUTO_SYNONYMS \
                           | XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS))

struct spine_searcher {
    char *dir;
    xapian_database *db;
    xapian_query_parser *qp;
    spine_speller *speller;         /* "did you mean" */
    xapian_stem *stem;
    xapian_stopper *stopper;        /* NULL when the index has no stop list */
    spine_matcher *match;           /* ranks the query: match.h */
    unsigned doccount;
    int positions;                  /* the index holds word positions */
    spine_matcher *check;           /* weighs candidates: reweigh() */
    spine_heads *heads;             /* the heads file, or NULL */
    spine_synonyms *synonyms;       /* the synonym table's words: the
                                       synonym gate's, and the speller's
                                       (which borrows them) */
};

/* Reads the stop list the indexer stored (one word a line) and hands it to
 * the two query parsers: question boilerplate ("what are the ... of") then
 * no longer outweighs the content words.  Xapian keeps stop words inside
 * phrases and after '+'. */
static int load_stopwords(spine_searcher *s, xapian_error *xe)
{
    char *list = NULL;
    size_t len = 0;
    int rc = xapian_database_get_metadata(&list, &len, s->db,
                                          SPINE_META_STOPWORDS,
                                          strlen(SPINE_META_STOPWORDS), xe);
    if (rc == 0 && len)
        rc = xapian_stopper_new(&s->stopper, xe);
    for (size_t i = 0; rc == 0 && len && i < len; ) {
        size_t n = strcspn(list + i, "\n");
        if (n)
            rc = xapian_stopper_add(s->stopper, list + i, n, xe);
        i += n + 1;
    }
    if (rc == 0 && s->stopper)
        rc = xapian_query_parser_set_stopper(s->qp, s->stopper, xe);
    free(list);
    return rc;
}


/* Creates a query parser for s's index that knows the query language's
 * fields (title:, source:); with stem set, words are stemmed as the
 * indexer stemmed them. */
static int new_parser(xapian_query_parser **out, spine_searcher *s, int stem,
                      xapian_error *xe)
{
    int rc = xapian_query_parser_new(out, xe);
    if (rc == 0 && stem)
        rc = xapian_query_parser_set_stemmer(*out, s->stem, xe);
    if (rc == 0 && stem)
        rc = xapian_query_parser_set_stemming_strategy(*out, XAPIAN_STEM_SOME,
                                                       xe);
    if (rc == 0)
        rc = xapian_query_parser_set_database(*out, s->db, xe);
    if (rc == 0)
        rc = xapian_query_parser_add_prefix(*out, "title", SPINE_PREFIX_TITLE,
                                            xe);
    if (rc == 0)
        rc = xapian_query_parser_add_boolean_prefix(*out, "source",
                                                    SPINE_PREFIX_SOURCE, xe);
    return rc;
}

/* Creates an enquire session on s's index that ranks as Spine ranks. */
static int new_matcher(spine_matcher **out, spine_searcher *s,
                       xapian_error *xe)
{
    int rc = spine_matcher_new(out, s->db, WEIGHTING,
                               (const double[]){ SPINE_WDF_SCALE }, 1, xe);
    if (rc == 0)
        rc = spine_matcher_set_lazy(*out, LAZY_SHARE, LAZY_POSTINGS, xe);
    if (rc == 0)
        rc = spine_matcher_set_tiers(*out, SPINE_META_TIERS, TIER_TERMS,
                                     TIER_MAX, xe);
    /* The ESet's wdf saturation, in the index's wdf units (schema.h). */
    if (rc == 0)
        rc = xapian_enquire_set_expansion_scheme(
            spine_matcher_enquire(*out), "trad", EXPAND_K * SPINE_WDF_SCALE,
            xe);
    return rc;
}

int spine_searcher_open(spine_searcher **out, const char *dir,
                        spine_error *err)
{
    spine_searcher *s = spine_calloc(1, sizeof *s);
    xapian_error xe;
    char *schema = NULL;
    size_t schema_len = 0;
    int rc;

    *out = NULL;
    s->dir = spine_strdup(dir);
    rc = xapian_database_open(&s->db, dir, &xe);
    if (rc == XAPIAN_ENOTFOUND || rc == XAPIAN_EOPENING) {
        rc = spine_error_set(err, SPINE_ENOTFOUND, "no index at %s (build "
                             "one with spine-index)", dir);
        goto fail;
    }
    if (rc == 0)
        rc = xapian_database_get_metadata(&schema, &schema_len, s->db,
                                          SPINE_META_SCHEMA,
                                          strlen(SPINE_META_SCHEMA), &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, dir);
        goto fail;
    }
    if (strcmp(schema, SPINE_SCHEMA_VERSION) != 0) {
        rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a Spine index of "
                             "schema %s (found \"%s\"); rebuild it", dir,
                             SPINE_SCHEMA_VERSION, schema);
        goto fail;
    }
    rc = spine_heads_open(&s->heads, dir, s->db, err);
    if (rc != SPINE_OK)
        goto fail;
    rc = xapian_database_doccount(&s->doccount, s->db, &xe);
    if (rc == 0)
        rc = xapian_database_has_positions(&s->positions, s->db, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&s->stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc == 0)
        rc = new_parser(&s->qp, s, 1, &xe);
    if (rc == 0)
        rc = load_stopwords(s, &xe);
    if (rc == 0)
        rc = spine_synonyms_open(&s->synonyms, s->db, &xe);
    /* Spelling has a parser of its own, without stemming: it corrects the
     * words as typed. */
    xapian_query_parser *spell_qp = NULL;
    if (rc == 0)
        rc = new_parser(&spell_qp, s, 0, &xe);
    if (rc == 0)
        rc = spine_speller_new(&s->speller, s->db, spell_qp, PARSE_FLAGS,
                               s->synonyms, &xe);
    else
        xapian_query_parser_free(spell_qp);
    if (rc == 0)
        rc = new_matcher(&s->match, s, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, dir);
        goto fail;
    }
    /* Splitting only saves time: should the helper handles fail to open
     * (no file descriptors left, or a rebuild swapped the index in since
     * s opened it), s matches on one thread. */
    if (s->doccount >= SPINE_SPLIT_MIN_DOCS)
        (void)spine_searcher_set_threads(s, 0, 0, NULL);
    free(schema);
    *out = s;
    return SPINE_OK;

fail:
    free(schema);
    spine_searcher_free(s);
    return rc;
}

void spine_searcher_free(spine_searcher *s)
{
    if (!s)
        return;
    spine_matcher_free(s->match);
    spine_matcher_free(s->check);
    xapian_query_parser_free(s->qp);
    spine_speller_free(s->speller);
    xapian_stem_free(s->stem);
    xapian_stopper_free(s->stopper);
    spine_heads_free(s->heads);
    xapian_database_free(s->db);
    spine_synonyms_free(s->synonyms);       /* after the speller's */
    free(s->dir);
    free(s);
}

int spine_searcher_set_threads(spine_searcher *s, unsigned threads,
                               unsigned long min_postings, spine_error *err)
{
    if (threads == 0)
        threads = spine_online_cpus(SPINE_MAX_MATCH_THREADS);
    if (threads > SPINE_MAX_MATCH_THREADS)
        return spine_error_set(err, SPINE_EINVAL, "at most %d threads can "
                               "match a query", SPINE_MAX_MATCH_THREADS);
    xapian_database *helper[SPINE_MAX_MATCH_THREADS];
    xapian_error xe;
    unsigned n = 0;
    int rc = 0;
    while (n + 1 < threads) {           /* bounded by threads */
        rc = xapian_database_open(&helper[n], s->dir, &xe);
        if (rc != 0)
            break;
        n++;
    }
    /* The matcher takes the helpers over, or frees them. */
    if (rc == 0)
        rc = spine_matcher_set_split(s->match, helper, n,
                                     min_postings ? (double)min_postings
                                                  : SPINE_SPLIT_POSTINGS,
                                     &xe);
    else
        for (unsigned i = 0; i < n; i++)
            xapian_database_free(helper[i]);
    return rc == 0 ? SPINE_OK : spine_error_from_xapian(err, &xe, s->dir);
}

unsigned spine_searcher_doccount(const spine_searcher *s)
{
    return s->doccount;
}

/* Source terms are stored lower-cased; lower-case what follows "source:" so
 * that source:NIDDK and source:niddk filter alike. */
static char *normalise_query(const char *q)
{
    char *out = spine_strdup(q);
    static const char field[] = "source:";
    for (char *p = strstr(out, field); p; p = strstr(p, field)) {
        int at_word_start = (p == out) || !isalnum((unsigned char)p[-1]);
        p += sizeof field - 1;
        if (!at_word_start)
            continue;
        for (; *p && !isspace((unsigned char)*p) && *p != ')'; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return out;
}

/* Fills hit->explain from the terms hit i matched. */
static int explain_hit(spine_hit *hit, xapian_mset *mset,
                       const spine_wanted *w, xapian_error *xe)
{
    hit->explain = spine_calloc(w->n ? w->n : 1, sizeof *hit->explain);
    const char *t = w->buf;
    for (size_t k = 0; k < w->n; k++, t += strlen(t) + 1) {
        double weight;
        uint32_t freq;
        int rc = xapian_mset_termweight(&weight, &freq, mset, t, strlen(t),
                                        xe);
        if (rc != 0)
            return rc;
        hit->explain[k].term = spine_strdup(t);
        hit->explain[k].weight = weight;
        hit->explain[k].docs = freq;
        hit->nexplain = k + 1;
    }
    return 0;
}

/* Sets err to code rc for doc's stored record, which did not decode
 * (why), naming the article: its id is also kept outside the record.
 * Returns rc. */
static int record_error(spine_error *err, const spine_searcher *s,
                        xapian_document *doc, int rc, const spine_error *why)
{
    const char *id = "";
    size_t idlen = 0;
    if (doc)
        xapian_document_get_value(&id, &idlen, doc, SPINE_SLOT_ID, NULL);
    return spine_error_set(err, rc, "%s: article %.*s: %s", s->dir,
                           (int)idlen, id, why->msg);
}

/* Fills hit i of mset: decodes the stored record (verifying its checksum)
 * and, if asked, cuts a snippet from its best section and lists the
 * matched terms. */
static int fill_hit(spine_hit *hit, spine_searcher *s, xapian_mset *mset,
                    unsigned i, xapian_docid did, const spine_wanted *qw,
                    int wildcards, const spine_query_options *opts,
                    spine_buf *text, spine_error *err)
{
    xapian_document *doc = NULL;
    spine_record *rec = NULL;
    spine_wanted w = { 0 };
    xapian_error xe;
    const char *data;
    size_t len;
    int rc;

    rc = xapian_mset_weight(&hit->score, mset, i, &xe);
    /* Without a snippet, the record's head is all a hit needs: from the
     * heads file (heads.h), else from the copy in its value slot.  With
     * one, the whole record.  A heads file cut short fails the search. */
    len = 0;
    if (rc == 0 && !opts->snippets && s->heads
        && (rc = spine_heads_get(s->heads, did, &data, &len, err)) != 0)
        goto cleanup;                               /* else len may be 0 */
    if (rc == 0 && len == 0)
        rc = xapian_mset_document(&doc, mset, i, &xe);
    if (rc == 0 && len == 0 && !opts->snippets)
        rc = xapian_document_get_value(&data, &len, doc, SPINE_SLOT_HEAD,
                                       &xe);
    if (rc == 0 && len == 0)
        rc = xapian_document_get_data(&data, &len, doc, &xe);
    if (rc == 0 && opts->explain)
        rc = spine_wanted_hit(&w, spine_matcher_enquire(s->match), mset, i, &xe);
    if (rc == 0 && opts->explain)
        rc = explain_hit(hit, mset, &w, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, s->dir);
        goto cleanup;
    }
    /* The text is inflated only when a snippet is cut from it. */
    spine_error why;
    rc = opts->snippets ? spine_store_decode(&rec, data, len, &why)
                        : spine_store_decode_meta(&rec, data, len, &why);
    if (rc != 0) {
        if (!doc)
            xapian_mset_document(&doc, mset, i, NULL);
        record_error(err, s, doc, rc, &why);
        goto cleanup;
    }
    const spine_article *a = &rec->article;
    hit->id = spine_strdup(a->id);
    hit->title = spine_strdup(a->title);
    hit->source = spine_strdup(a->source);
    hit->url = spine_strdup(a->url);
    if (opts->snippets) {
        char *html = NULL;
        size_t html_len;
        const char *pid;
        unsigned cut;
        spine_snippet_text(text, &pid, &cut, a, qw,
                           opts->snippet_bytes * SNIPPET_WINDOW / 2);
        if (pid)
            hit->section = spine_strdup(pid);
        if (!wildcards) {
            hit->snippet = spine_snippet_make(text->p, text->n, qw, s->stem,
                                              opts->snippet_bytes,
                                              opts->hi_start, opts->hi_end,
                                              cut);
            goto cleanup;
        }
        rc = xapian_mset_snippet(&html, &html_len, mset, text->p, text->n,
                                 opts->snippet_bytes, s->stem,
                                 SNIPPET_FLAGS, SPINE_HI_START, SPINE_HI_END,
                                 "...", &xe);
        if (rc != 0) {
            rc = spine_error_from_xapian(err, &xe, hit->id);
            goto cleanup;
        }
        hit->snippet = spine_snippet_render(html, opts->hi_start,
                                            opts->hi_end, cut);
        free(html);
    }

cleanup:
    spine_wanted_free(&w);
    spine_record_free(rec);
    xapian_document_free(doc);
    return rc;
}

/* A phrase or NEAR query on an index without word positions: Xapian
 * matches each phrase as the AND of its words.  When the query asks for
 * a phrase in so many words (quotes, NEAR, ADJ), verify() checks the
 * candidates that hold a phrase's words against their stored text
 * (phrase.h).  One that holds them but not the phrase is weighed again
 * with that phrase matching nothing, as an index with positions would
 * weigh it, and dropped if it no longer matches.  Phrases the parser
 * makes of joined words ("x-linked", "e.g") stay ANDs: their words seldom
 * meet apart, and checking costs a re-read of each candidate.  phrases is
 * NULL when no verification is needed. */
typedef struct verifier {
    spine_searcher *s;
    spine_phrases *phrases;
    const xapian_query *q;          /* the query being run */
    int rc;                         /* first failure; the search fails */
    spine_error err;
} verifier;

/* Remembers the first failure met while verifying (the search reports
 * it): why, when a stored record did not decode (rc), or else Xapian's
 * error xe.  Returns 0, dropping the candidate. */
static int verify_failed(verifier *v, xapian_document *cand, int rc,
                         const spine_error *why, const xapian_error *xe)
{
    if (v->rc != 0)
        return 0;
    v->rc = why ? record_error(&v->err, v->s, cand, rc, why)
                : spine_error_from_xapian(&v->err, xe, v->s->dir);
    return 0;
}

/* A candidate of a phrase query, as verify() leaves it. */
enum { CAND_DROP, CAND_KEEP, CAND_REWEIGH };

typedef struct candidate {
    unsigned at;                    /* position in the MSet */
    double relaxed;                 /* its weight in the MSet */
    double w;                       /* its weight once verified */
    int state;                      /* CAND_* */
    uint64_t set;                   /* CAND_REWEIGH: the phrases it lacks */
    xapian_docid did;
} candidate;

/* Weighs candidates c[0..n), which all hold the words of phrases they do
 * not hold, by q: v->q with those phrases matching nothing, as an index
 * with positions would evaluate it for them.  The ones q still matches
 * are kept with their weight under q; the others are dropped.  One
 * Xapian match serves them all. */
static int reweigh(verifier *v, const xapian_query *q, candidate **c,
                   size_t n, xapian_error *xe)
{
    spine_searcher *s = v->s;
    xapian_docid *ids = spine_calloc(n ? n : 1, sizeof *ids);
    xapian_query *any = NULL, *one = NULL;
    spine_match m = { 0 };
    int rc = 0;

    for (size_t k = 0; k < n; k++) {
        c[k]->state = CAND_DROP;
        ids[k] = c[k]->did;
    }
    rc = spine_ext_query_docids(&any, ids, n, xe);
    const xapian_query *pair[2] = { q, any };
    if (rc == 0)
        rc = xapian_query_combine(&one, XAPIAN_QUERY_OP_FILTER,
                                  (xapian_query **)pair, 2, xe);
    if (rc == 0 && !s->check)
        rc = new_matcher(&s->check, s, xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->check, one, xe);
    if (rc == 0)
        rc = spine_matcher_run(&m, s->check, 0, (unsigned)n, 0, xe);
    for (unsigned i = 0; rc == 0 && i < xapian_mset_size(m.mset); i++) {
        xapian_docid did;
        double w;
        rc = xapian_mset_docid(&did, m.mset, i, xe);
        if (rc == 0)
            rc = xapian_mset_weight(&w, m.mset, i, xe);
        for (size_t k = 0; rc == 0 && k < n; k++)
            if (c[k]->did == did) {
                c[k]->state = CAND_KEEP;
                c[k]->w = w;
            }
    }
    spine_match_free(&m);
    xapian_query_free(one);
    xapian_query_free(any);
    free(ids);
    return rc;
}

/* Checks candidate c (document cand) against its stored text: sets
 * c->state to CAND_KEEP when it holds every phrase it holds the words of
 * (its relaxed weight stands), to CAND_REWEIGH with c->set when it lacks
 * some (reweigh_all() settles it), or to CAND_DROP on failure, which v->rc
 * then holds. */
static void verify(verifier *v, xapian_document *cand, candidate *c)
{
    spine_record *rec = NULL;
    xapian_error xe;
    spine_error why;
    const char *data;
    size_t len;
    unsigned flips = 0;

    c->state = CAND_DROP;
    if (v->rc != 0)
        return;
    /* The pair set may rule every phrase out: then the article is not
     * read.  (An index built without pair sets gives an empty value.) */
    int rc = xapian_document_get_value(&data, &len, cand, SPINE_SLOT_PAIRS,
                                       &xe);
    if (rc == 0 && spine_phrases_prefilter(v->phrases, data, len) > 0) {
        rc = xapian_document_get_data(&data, &len, cand, &xe);
        if (rc == 0) {
            rc = spine_store_decode(&rec, data, len, &why);
            if (rc != 0) {
                verify_failed(v, cand, rc, &why, NULL);
                return;
            }
        }
    }
    if (rc == 0)
        rc = spine_phrases_flip(&flips, v->phrases,
                                rec ? &rec->article : NULL, &xe);
    spine_record_free(rec);
    if (rc == 0 && flips)
        c->set = spine_phrases_flipped_set(v->phrases);
    if (rc == 0 && flips && c->set == 0) {
        /* Too many phrases to name as a set: weigh it alone, now. */
        xapian_query *q = NULL;
        rc = spine_phrases_unflipped(&q, v->phrases, v->q, &xe);
        if (rc == 0)
            rc = reweigh(v, q, &c, 1, &xe);
        xapian_query_free(q);
    } else if (rc == 0) {
        c->state = flips ? CAND_REWEIGH : CAND_KEEP;
    }
    if (rc != 0) {
        c->state = CAND_DROP;
        verify_failed(v, cand, rc, NULL, &xe);
    }
}

/* Settles the candidates c[0..n) that verify() left to reweigh: those
 * that lack the same phrases are weighed together. */
static void reweigh_all(verifier *v, candidate *c, size_t n)
{
    candidate **group = spine_calloc(n ? n : 1, sizeof *group);
    xapian_error xe;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (c[i].state != CAND_REWEIGH)
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (c[j].state == CAND_REWEIGH && c[j].set == c[i].set)
                group[k++] = &c[j];
        xapian_query *q = NULL;
        rc = spine_phrases_unflipped_set(&q, v->phrases, c[i].set, v->q,
                                         &xe);
        if (rc == 0)
            rc = reweigh(v, q, group, k, &xe);
        xapian_query_free(q);
    }
    if (rc != 0) {
        for (size_t i = 0; i < n; i++)
            if (c[i].state == CAND_REWEIGH)
                c[i].state = CAND_DROP;
        if (v->rc == 0)
            v->rc = spine_error_from_xapian(&v->err, &xe, v->s->dir);
    }
    free(group);
}

/* The hits of one page of results: positions in an MSet. */
typedef struct page {
    spine_match m;                  /* m.mset holds the hits */
    unsigned *at;                   /* the hits' positions in mset, or NULL:
                                       the hits are mset's, in order */
    double *wt;                     /* their weights, or NULL: mset's */
    unsigned n;                     /* number of hits */
    unsigned estimated;             /* matches in all, estimated */
} page;

static void page_free(page *pg)
{
    spine_match_free(&pg->m);
    free(pg->at);
    free(pg->wt);
    memset(pg, 0, sizeof *pg);
}

/* Position in pg->m.mset of the page's hit k. */
static unsigned page_at(const page *pg, unsigned k)
{
    return pg->at ? pg->at[k] : k;
}

/* Candidates are checked in batches, so that those that lack a phrase
 * are weighed again in one Xapian match: VERIFY_FIRST_BATCH at first (a
 * batch may check candidates past the point where the page is settled),
 * each batch twice the last, up to VERIFY_BATCH. */
#define VERIFY_FIRST_BATCH 4
#define VERIFY_BATCH 32

/* Does a hit of weight w and docid d rank above every candidate from c on
 * (in the MSet's order: by relaxed weight, then docid)?  A candidate
 * weighs at most its relaxed weight once verified, and ties go to the
 * lower docid. */
static int outweighs(double w, xapian_docid d, const candidate *c)
{
    return w > c->relaxed || (w == c->relaxed && d < c->did);
}

/* A hit of a page and its docid, for reading hits in docid order. */
typedef struct hit_order {
    xapian_docid did;
    unsigned k;                     /* its place on the page */
} hit_order;

static int by_docid(const void *a, const void *b)
{
    const hit_order *x = a, *y = b;
    return (x->did > y->did) - (x->did < y->did);
}

/* Verifies the MSet's candidates in rank order until first + max of them
 * outrank what the next candidate can (outweighs()), asking Xapian for a
 * window of candidates four times larger each time it runs short.  The
 * page keeps the best of them by their verified weights, ties by docid.
 * Candidates are checked in batches: a batch may check some past the
 * point where the page is settled, but those are then left out. */
static int match_verified(spine_searcher *s, page *pg, unsigned first,
                          unsigned max, verifier *v, xapian_error *xe)
{
    /* No page reaches past the last document. */
    if (first > s->doccount)
        first = s->doccount;
    if (max > s->doccount - first)
        max = s->doccount - first;
    unsigned want = first + max, window = want < 10 ? 20 : 2 * want;
    unsigned *at = spine_calloc(want + 1, sizeof *at);
    double *wt = spine_calloc(want + 1, sizeof *wt);
    xapian_docid *did = spine_calloc(want + 1, sizeof *did);
    candidate batch[VERIFY_BATCH];
    hit_order order[VERIFY_BATCH];
    size_t limit = VERIFY_FIRST_BATCH;
    unsigned kept = 0, passed = 0, checked = 0, size = 0;
    int rc = 0, settled = 0;

    memset(batch, 0, sizeof batch);
    while (!settled) {
        spine_match_free(&pg->m);
        rc = spine_matcher_run(&pg->m, s->match, 0, window, 0, xe);
        if (rc != 0)
            break;
        size = xapian_mset_size(pg->m.mset);
        while (!settled && rc == 0 && v->rc == 0 && checked < size) {
            /* The next batch, up to a candidate the page outweighs. */
            size_t n = 0;
            for (unsigned k = checked; rc == 0 && k < size
                                       && n < limit; k++) {
                candidate *c = &batch[n];
                rc = xapian_mset_weight(&c->relaxed, pg->m.mset, k, xe);
                c->w = c->relaxed;
                if (rc == 0)
                    rc = xapian_mset_docid(&c->did, pg->m.mset, k, xe);
                if (rc != 0 || want == 0
                    || (kept == want && outweighs(wt[want - 1],
                                                  did[want - 1], c)))
                    break;
                c->at = k;
                n++;
            }
            /* Checked in docid order, for fewer block reads (see
             * fill_hits()); the batch stays in rank order. */
            for (size_t i = 0; i < n; i++)
                order[i] = (hit_order){ batch[i].did, (unsigned)i };
            qsort(order, n, sizeof *order, by_docid);
            for (size_t i = 0; rc == 0 && i < n; i++) {
                candidate *c = &batch[order[i].k];
                xapian_document *doc = NULL;
                rc = xapian_mset_document(&doc, pg->m.mset, c->at, xe);
                if (rc == 0)
                    verify(v, doc, c);
                xapian_document_free(doc);
            }
            if (rc != 0 || v->rc != 0)
                break;
            reweigh_all(v, batch, n);
            if (limit < VERIFY_BATCH)
                limit *= 2;
            /* In rank order, as one at a time would have taken them. */
            settled = n == 0;
            for (size_t i = 0; i < n && !settled; i++) {
                candidate *c = &batch[i];
                settled = kept == want
                          && outweighs(wt[want - 1], did[want - 1], c);
                if (settled)
                    break;
                checked = c->at + 1;
                if (c->state != CAND_KEEP)
                    continue;
                /* Insert by weight, equal weights by docid as Xapian
                 * ranks them; keep the best want. */
                unsigned j = kept < want ? kept++ : want;
                for (; j > 0 && (wt[j - 1] < c->w || (wt[j - 1] == c->w
                                                      && did[j - 1] > c->did));
                     j--) {
                    at[j] = at[j - 1];
                    wt[j] = wt[j - 1];
                    did[j] = did[j - 1];
                }
                at[j] = c->at;
                wt[j] = c->w;
                did[j] = c->did;
                passed++;
            }
        }
        if (rc != 0 || v->rc != 0 || settled || size < window
            || window > s->doccount)
            break;
        window *= 4;
    }
    free(did);
    /* Every candidate seen: the count is exact; else scale Xapian's
     * estimate by the share that passed. */
    unsigned est = pg->m.estimated;
    pg->estimated = !settled && checked == size ? passed
                  : checked ? (unsigned)((double)est * passed / checked + 0.5)
                  : est;
    if (pg->estimated < passed)
        pg->estimated = passed;
    pg->n = kept > first ? kept - first : 0;
    memmove(at, at + first, pg->n * sizeof *at);
    memmove(wt, wt + first, pg->n * sizeof *wt);
    pg->at = at;
    pg->wt = wt;
    return rc;
}

/* Runs the query set on s->match for ranks first .. first+max-1 into *pg,
 * through verify() when v->phrases is set. */
static int match(spine_searcher *s, page *pg, unsigned first, unsigned max,
                 verifier *v, xapian_error *xe)
{
    if (v->phrases)
        return match_verified(s, pg, first, max, v, xe);
    int rc = spine_matcher_run(&pg->m, s->match, first, max, 0, xe);
    if (rc == 0) {
        pg->n = xapian_mset_size(pg->m.mset);
        pg->estimated = pg->m.estimated;
    }
    return rc;
}

/* Is term a body word (unprefixed, or its stemmed "Z" form)?  Expansion
 * must not pick up ids, sources or title-field terms. */
static int body_term(const char *t, size_t len)
{
    if (len && t[0] == 'Z')
        t++, len--;
    return len && !isupper((unsigned char)t[0]);
}

/* Sets *out to the OR of the best maxterms body terms that Xapian's ESet
 * suggests for the relevance set rel[0..nrel), each scaled by its weight
 * relative to the best one's; NULL when no term qualifies.  The ESet is
 * asked for 3 * maxterms terms, as prefixed ones are skipped.  Used by
 * feedback (--expand) and by --related. */
static int eset_query(spine_searcher *s, xapian_query **out,
                      const xapian_docid *rel, unsigned nrel,
                      unsigned maxterms, xapian_error *xe)
{
    xapian_eset *eset = NULL;
    xapian_query **terms = spine_calloc(maxterms, sizeof *terms);
    unsigned nterms = 0;
    double best = 0;

    *out = NULL;
    int rc = xapian_enquire_get_eset(&eset, spine_matcher_enquire(s->match),
                                     3 * maxterms, rel, nrel, xe);
    unsigned n = xapian_eset_size(eset);
    for (unsigned i = 0; rc == 0 && i < n && nterms < maxterms; i++) {
        const char *t;
        size_t len;
        double w;
        xapian_query *one = NULL;
        rc = xapian_eset_term(&t, &len, &w, eset, i, xe);
        if (rc != 0 || !body_term(t, len))
            continue;
        if (best == 0)
            best = w;
        rc = xapian_query_new_term(&one, t, len, xe);
        if (rc == 0)
            rc = xapian_query_scale(&terms[nterms], one, w / best, xe);
        if (rc == 0)
            nterms++;
        xapian_query_free(one);
    }
    if (rc == 0 && nterms)
        rc = xapian_query_combine(out, XAPIAN_QUERY_OP_OR, terms, nterms, xe);
    for (unsigned i = 0; i < nterms; i++)
        xapian_query_free(terms[i]);
    free(terms);
    xapian_eset_free(eset);
    return rc;
}

/* Pseudo-relevance feedback: takes the top EXPAND_DOCS hits of the query
 * set on s->match as relevant, asks Xapian for the terms that best tell them
 * apart (ESet), and adds them, each weighted by its share of the best
 * term's weight.  With match_all the added terms only reorder the matches;
 * otherwise they may also bring in documents the words missed.  Costs a
 * second match and reading the top documents' term lists. */
static int expand(spine_searcher *s, xapian_query **q, int match_all,
                  verifier *v, xapian_error *xe)
{
    page top = { 0 };
    xapian_query *any = NULL, *scaled = NULL, *both = NULL;
    xapian_docid rel[EXPAND_DOCS];
    unsigned nrel = 0;

    int rc = match(s, &top, 0, EXPAND_DOCS, v, xe);
    if (rc == 0)
        nrel = top.n;
    for (unsigned i = 0; rc == 0 && i < nrel; i++)
        rc = xapian_mset_docid(&rel[i], top.m.mset, page_at(&top, i), xe);
    if (rc == 0 && nrel)
        rc = eset_query(s, &any, rel, nrel, EXPAND_TERMS, xe);
    if (rc == 0 && any) {
        rc = xapian_query_scale(&scaled, any, EXPAND_WEIGHT, xe);
        xapian_query *pair[2] = { *q, scaled };
        if (rc == 0)
            rc = xapian_query_combine(&both, match_all
                                      ? XAPIAN_QUERY_OP_AND_MAYBE
                                      : XAPIAN_QUERY_OP_OR, pair, 2, xe);
        if (rc == 0)
            rc = spine_matcher_set_query(s->match, both, xe);
        if (rc == 0) {
            xapian_query_free(*q);
            *q = both;
            v->q = both;
            both = NULL;
        }
    }
    xapian_query_free(any);
    xapian_query_free(scaled);
    xapian_query_free(both);
    page_free(&top);
    return rc;
}

/* Parses text into *q: the query language with synonyms. */
static int parse(spine_searcher *s, xapian_query **q, const char *text,
                 const spine_query_options *opts, xapian_error *xe)
{
    int op = opts->match_all ? XAPIAN_QUERY_OP_AND : XAPIAN_QUERY_OP_OR;
    int synonyms = 1;
    int rc = xapian_query_parser_set_default_op(s->qp, op, xe);
    if (rc == 0)
        rc = spine_synonyms_may_match(&synonyms, s->synonyms, s->stem, text,
                                      xe);
    if (rc == 0)
        rc = xapian_query_parser_parse(q, s->qp, text, strlen(text),
                                       synonyms ? PARSE_FLAGS
                                                : PARSE_FLAGS_PLAIN, xe);
    return rc;
}

/* Runs *q, parsed from text, (expanding it first if asked) for the page
 * opts asks for, verifying the candidates of a phrase query through v
 * (set up here) when the index has no positions. */
static int run(spine_searcher *s, xapian_query **q, const char *text,
               page *pg, const spine_query_options *opts, verifier *v,
               xapian_error *xe)
{
    int rc = 0;
    v->s = s;
    v->q = *q;
    int asked = strchr(text, '"') || strstr(text, "NEAR")
                || strstr(text, "ADJ");
    if (!s->positions && asked && xapian_query_positional(*q))
        rc = spine_phrases_new(&v->phrases, *q, xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->match, *q, xe);
    if (rc == 0 && opts->expand)
        rc = expand(s, q, opts->match_all, v, xe);
    if (rc == 0)
        rc = match(s, pg, opts->offset, opts->limit, v, xe);
    return rc;
}

/* Fills r's hits from page pg.  The hits are read in docid order and
 * listed in rank order: Xapian's docdata B-tree then moves one way through
 * its branch blocks instead of back and forth, which saves 3.1 of 15.5
 * block reads (pread) a query on MedQuAD's benchmark queries. */
static int fill_hits(spine_results *r, spine_searcher *s, const page *pg,
                     const xapian_query *q, int wildcards,
                     const spine_query_options *opts, spine_error *err)
{
    spine_buf text = SPINE_BUF_INIT;
    spine_wanted qw = { 0 };
    xapian_error xe;
    int rc = 0;
    if (opts->snippets && spine_wanted_query(&qw, q, &xe) != 0)
        return spine_error_from_xapian(err, &xe, s->dir);
    r->estimated = pg->estimated;
    r->hits = spine_calloc(pg->n ? pg->n : 1, sizeof *r->hits);
    r->nhits = pg->n;
    hit_order *order = spine_calloc(pg->n ? pg->n : 1, sizeof *order);
    for (unsigned k = 0; k < pg->n && rc == 0; k++) {
        order[k].k = k;
        rc = xapian_mset_docid(&order[k].did, pg->m.mset, page_at(pg, k), &xe);
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, s->dir);
    }
    qsort(order, pg->n, sizeof *order, by_docid);
    for (unsigned i = 0; i < pg->n && rc == 0; i++) {
        unsigned k = order[i].k;
        r->hits[k].rank = opts->offset + k + 1;
        rc = fill_hit(&r->hits[k], s, pg->m.mset, page_at(pg, k),
                      order[i].did, &qw, wildcards, opts, &text, err);
        if (rc == 0 && pg->wt)
            r->hits[k].score = pg->wt[k];
    }
    free(order);
    spine_wanted_free(&qw);
    spine_buf_free(&text);
    return rc;
}

static int check_limit(const spine_query_options *opts, spine_error *err)
{
    if (opts->limit > SPINE_MAX_LIMIT)
        return spine_error_set(err, SPINE_EINVAL, "limit %u is over the "
                               "maximum of %u", opts->limit, SPINE_MAX_LIMIT);
    return 0;
}

int spine_search(spine_results **out, spine_searcher *s, const char *query,
                 const spine_query_options *opts, spine_error *err)
{
    static const spine_query_options defaults = SPINE_QUERY_OPTIONS_INIT;
    spine_results *r = spine_calloc(1, sizeof *r);
    xapian_query *q = NULL;
    page pg = { 0 };
    xapian_error xe;
    char *norm = NULL;
    int rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    rc = check_limit(opts, err);
    if (rc != 0)
        goto fail;
    r->query = spine_strdup(query);
    norm = normalise_query(query);

    int close = 0;
    rc = parse(s, &q, norm, opts, &xe);
    if (rc == 0 && opts->spelling)
        rc = spine_speller_correct(&r->corrected, &close, s->speller, norm,
                                   &xe);
    /* Typos: a query whose unknown words have a close correction is
     * searched as corrected instead (and says so; --exact searches it as
     * typed).  "Unknown" is in neither the index nor the synonym table, so
     * the known words of "kidny stones" still find something, but the
     * articles about kidney stones are what was meant. */
    if (rc == 0 && r->corrected && opts->autocorrect && close) {
        xapian_query_free(q);
        q = NULL;
        rc = parse(s, &q, r->corrected, opts, &xe);
        r->auto_corrected = 1;
    }
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, "bad query");
        goto fail;
    }
    verifier v = { 0 };
    rc = run(s, &q, r->auto_corrected ? r->corrected : norm, &pg, opts, &v,
             &xe);
    spine_phrases_free(v.phrases);
    if (rc == 0 && v.rc != 0) {
        rc = v.rc;
        *err = v.err;
        goto fail;
    }
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, s->dir);
        goto fail;
    }
    /* Xapian's own snippets know what a wildcard expanded to. */
    rc = fill_hits(r, s, &pg, q, strchr(norm, '*') != NULL, opts, err);
    if (rc != 0)
        goto fail;
    page_free(&pg);
    xapian_query_free(q);
    free(norm);
    *out = r;
    return SPINE_OK;

fail:
    page_free(&pg);
    xapian_query_free(q);
    free(norm);
    spine_results_free(r);
    return rc;
}

/* The query for --related: the article's best RELATED_TERMS body terms
 * (ESet of the one document), each weighted by its share of the best
 * term's weight, ORed, the article itself excluded. */
static int related_query(spine_searcher *s, xapian_query **out,
                         xapian_docid did, const char *idterm,
                         xapian_error *xe)
{
    xapian_query *self = NULL, *any = NULL;

    *out = NULL;
    int rc = xapian_query_new_term(&self, idterm, strlen(idterm), xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->match, self, xe);
    if (rc == 0)
        rc = eset_query(s, &any, &did, 1, RELATED_TERMS, xe);
    /* An article with no usable terms is related to nothing. */
    if (rc == 0 && !any)
        rc = xapian_query_combine(&any, XAPIAN_QUERY_OP_OR, NULL, 0, xe);
    xapian_query *pair[2] = { any, self };
    if (rc == 0)
        rc = xapian_query_combine(out, XAPIAN_QUERY_OP_AND_NOT, pair, 2, xe);
    xapian_query_free(any);
    xapian_query_free(self);
    return rc;
}

int spine_related(spine_results **out, spine_searcher *s, const char *id,
                  const spine_query_options *opts, spine_error *err)
{
    static const spine_query_options defaults = SPINE_QUERY_OPTIONS_INIT;
    spine_results *r = spine_calloc(1, sizeof *r);
    xapian_query *q = NULL;
    page pg = { 0 };
    xapian_docid did = 0;
    xapian_error xe;
    spine_buf idterm = SPINE_BUF_INIT;
    int rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    rc = check_limit(opts, err);
    if (rc != 0)
        goto done;
    r->query = spine_strdup(id);
    spine_buf_puts(&idterm, SPINE_PREFIX_ID);
    spine_buf_puts(&idterm, id);
    rc = xapian_database_find_docid(&did, s->db, idterm.p, idterm.n, &xe);
    if (rc == 0 && did == 0) {
        rc = spine_error_set(err, SPINE_ENOTFOUND, "no article with id '%s' "
                             "in %s", id, s->dir);
        goto done;
    }
    if (rc == 0)
        rc = related_query(s, &q, did, idterm.p, &xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->match, q, &xe);
    verifier none = { 0 };
    if (rc == 0)
        rc = match(s, &pg, opts->offset, opts->limit, &none, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, s->dir);
        goto done;
    }
    rc = fill_hits(r, s, &pg, q, 0, opts, err);

done:
    page_free(&pg);
    xapian_query_free(q);
    spine_buf_free(&idterm);
    if (rc != 0) {
        spine_results_free(r);
        return rc;
    }
    *out = r;
    return SPINE_OK;
}

void spine_results_free(spine_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhits; i++) {
        spine_hit *h = &r->hits[i];
        free(h->id);
        free(h->title);
        free(h->source);
        free(h->url);
        free(h->snippet);
        free(h->section);
        for (size_t k = 0; k < h->nexplain; k++)
            free(h->explain[k].term);
        free(h->explain);
    }
    free(r->hits);
    free(r->query);
    free(r->corrected);
    free(r);
}
