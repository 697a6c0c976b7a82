/*
 * search.c -- one open index answering queries: parse with Xapian's query
 * parser, rank with IneB2, then decode only the hits shown and cut snippets.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "query.h"
#include "schema.h"
#include "search_int.h"
#include "seealso.h"
#include "snippet.h"
#include "spine_ext.h"
#include "store.h"
#include "util.h"
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

/* --related: how many of the article's best terms (ESet) form the query. */
#define RELATED_TERMS  40

/* The query as Xapian's parser is to read it.  Its words are folded as
 * the indexer folds text (fold.h), so that "Ménière" and "MÉNIÈRE" read
 * "Meniere" and "MENIERE", whose terms are the index's "meniere".  Only
 * characters outside ASCII change: the operators (AND, OR, NOT, NEAR,
 * which the parser knows by their capitals), field names and the rest of
 * the syntax stay as typed, and so does a word's first capital
 * (SPINE_FOLD_KEEP_CAPITAL), which keeps it unstemmed as the unfolded
 * word would be.  Source terms are stored lower-cased; lower-case what
 * follows "source:" so that source:NIDDK and source:niddk filter alike. */
static char *normalise_query(const char *q)
{
    spine_buf folded = SPINE_BUF_INIT;
    spine_fold_append(&folded, q, strlen(q), SPINE_FOLD_KEEP_CAPITAL);
    char *out = spine_buf_detach(&folded);
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
        rc = spine_searcher_xapian_error(err, s, &xe);
        goto cleanup;
    }
    /* The text is inflated only when a snippet is cut from it. */
    spine_error why;
    rc = opts->snippets ? spine_store_decode(&rec, data, len, &why)
                        : spine_store_decode_meta(&rec, data, len, &why);
    if (rc != 0) {
        if (!doc)
            xapian_mset_document(&doc, mset, i, NULL);
        spine_searcher_record_error(err, s, doc, rc, &why);
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

/* Runs the query set on s->match for ranks first .. first+max-1 into *pg,
 * through verify() when v->phrases is set. */
static int match(spine_searcher *s, page *pg, unsigned first, unsigned max,
                 verifier *v, xapian_error *xe)
{
    if (v->phrases)
        return spine_match_verified(s, pg, first, max, v, xe);
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
    /* Exact frequencies: a shard set would estimate them from the shards
     * that hold the relevance set (one database is the same either way). */
    int rc = xapian_enquire_get_eset(&eset, spine_matcher_enquire(s->match),
                                     3 * maxterms, rel, nrel,
                                     XAPIAN_ESET_EXACT_TERMFREQ, xe);
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
 * term's weight, inside the query's filters and NOTs
 * (spine_query_add_weight()).  With match_all the added terms only reorder
 * the matches; otherwise they may also bring in documents the words
 * missed.  Costs a second match and reading the top documents' term
 * lists. */
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
        /* Inside the query's filters and exclusions: "kidney
         * source:NIDDK" stays NIDDK's. */
        if (rc == 0)
            rc = spine_query_add_weight(&both, *q, scaled, match_all, xe);
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
    spine_page_free(&top);
    return rc;
}

/* The number of documents of s's index that hold term (a
 * spine_term_freq_fn). */
static int term_freq(uint32_t *out, const char *term, size_t len, void *ctx,
                     xapian_error *xe)
{
    spine_searcher *s = ctx;
    return xapian_database_termfreq(out, s->db, term, len, xe);
}

/* The prenormalised IneB2 coefficient of term in s's index (0 when no
 * article holds it). */
static int coefficient(double *out, spine_searcher *s, const char *term,
                       xapian_error *xe)
{
    uint32_t n = 0, N = 0;
    uint64_t F = 0;
    size_t len = strlen(term);
    *out = 0;
    int rc = xapian_database_termfreq(&n, s->db, term, len, xe);
    if (rc == 0 && n)
        rc = xapian_database_collection_freq(&F, s->db, term, len, xe);
    if (rc == 0 && n)
        rc = xapian_database_doccount(&N, s->db, xe);
    if (rc == 0 && n)
        *out = spine_ext_prenorm_coeff(1, N, (double)F, n, SPINE_WDF_SCALE);
    return rc;
}

/* How much a word typed weighs in the title field (a
 * spine_field_weight_fn): TITLE_LIFT times what it weighs in the body,
 * so that the title field shares the body's idf (as BM25F's fields do)
 * rather than its own, in which every word is rare: a title that holds a
 * common word of the query ("Falls" for "hair falling out") is lifted
 * as little as the word counts.  The field first: most words typed are
 * in no title, and then the body is not looked up. */
static int title_weight(double *w, const char *body_term,
                        const char *field_term, void *ctx, xapian_error *xe)
{
    spine_searcher *s = ctx;
    double body = 0, field = 0;
    *w = 0;
    int rc = coefficient(&field, s, field_term, xe);
    if (rc == 0 && field > 0)
        rc = coefficient(&body, s, body_term, xe);
    if (rc == 0 && field > 0)
        *w = TITLE_LIFT * body / field;
    return rc;
}

/* Parses text into *q: the query language with synonyms, a multi-word
 * synonym matched whole (spine_query_whole_synonyms()). */
static int parse(spine_searcher *s, xapian_query **q, const char *text,
                 const spine_query_options *opts, xapian_error *xe)
{
    int op = opts->match_all ? XAPIAN_QUERY_OP_AND : XAPIAN_QUERY_OP_OR;
    int synonyms = 1;
    xapian_query *parsed = NULL, *body = NULL;
    *q = NULL;
    int rc = xapian_query_parser_set_default_op(s->qp, op, xe);
    if (rc == 0)
        rc = spine_synonyms_may_match(&synonyms, s->synonyms, s->stem, text,
                                      xe);
    if (rc == 0)
        rc = xapian_query_parser_parse(&parsed, s->qp, text, strlen(text),
                                       synonyms ? PARSE_FLAGS
                                                : PARSE_FLAGS_PLAIN, xe);
    if (rc == 0 && synonyms)
        rc = spine_query_whole_synonyms(&body, parsed, term_freq, s, xe);
    else if (rc == 0) {
        body = parsed;
        parsed = NULL;
    }
    /* The title as a field of its own: the words typed, read again
     * against the title terms, whose wdfs the indexer normalised by the
     * title's length (schema.h), lift the articles whose titles they
     * cover, over the body's weight, which saturates (TITLE_LIFT). */
    if (rc == 0)
        rc = spine_query_lift_field(q, body, SPINE_PREFIX_TITLE, title_weight,
                                    s, xe);
    xapian_query_free(parsed);
    xapian_query_free(body);
    return rc;
}

/* Has the query r answers, started at t0 (spine_now()), spent opts' time
 * budget?  Then an optional step is to be skipped: returns 1 and marks r
 * so. */
static int spent(const spine_query_options *opts, double t0,
                 spine_results *r)
{
    if (opts->time_budget > 0 && spine_now() - t0 >= opts->time_budget)
        r->over_budget = 1;
    return r->over_budget;
}

/* Runs *q, parsed from text, (expanding it first if asked) for the page
 * opts asks for, verifying the candidates of a phrase query through v
 * (set up here) when the index has no positions. */
static int run(spine_searcher *s, xapian_query **q, const char *text,
               page *pg, const spine_query_options *opts, double t0,
               spine_results *r, verifier *v, xapian_error *xe)
{
    int rc = 0;
    v->s = s;
    v->q = *q;
    int asked = strchr(text, '"') || strstr(text, "NEAR")
                || strstr(text, "ADJ");
    if (!s->positions && asked && spine_query_positional(*q))
        rc = spine_phrases_new(&v->phrases, *q, xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->match, *q, xe);
    if (rc == 0 && opts->expand && !spent(opts, t0, r))
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
        return spine_searcher_xapian_error(err, s, &xe);
    r->hits = spine_calloc(pg->n ? pg->n : 1, sizeof *r->hits);
    r->nhits = pg->n;
    hit_order *order = spine_calloc(pg->n ? pg->n : 1, sizeof *order);
    for (unsigned k = 0; k < pg->n && rc == 0; k++) {
        order[k].k = k;
        rc = xapian_mset_docid(&order[k].did, pg->m.mset, page_at(pg, k), &xe);
        if (rc != 0)
            rc = spine_searcher_xapian_error(err, s, &xe);
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

/* ---- counts and sources ------------------------------------------------ */

/* Sets r's match counts from page pg of ranks opts->offset on (verified
 * through v when it checked a phrase's candidates).  Xapian's bounds hold
 * for a page of its own; a verified page only drops candidates, so its
 * candidates' upper bound holds and the hits shown are a lower one.  Two
 * facts of any page tighten them: a page short of its limit holds the
 * last match, so the count is exact (verification then checked every
 * candidate: its estimate is the count); an empty page past offset leaves
 * at most offset matches. */
static void set_counts(spine_results *r, const page *pg, const verifier *v,
                       const spine_query_options *opts)
{
    unsigned long shown = (unsigned long)opts->offset + pg->n;
    unsigned long lo = v->phrases ? shown : pg->m.lower;
    unsigned long up = pg->m.upper, est = pg->estimated;
    if (opts->limit && pg->n < opts->limit && (pg->n || v->phrases))
        lo = up = est = pg->n ? shown : est;
    if (opts->limit && pg->n == 0 && up > opts->offset)
        up = opts->offset;
    if (lo > up)
        lo = up;
    r->lower = lo;
    r->upper = up;
    r->estimated = est < lo ? lo : est > up ? up : est;
}

/* Sets *out to the number of documents q matches, counted exactly: a
 * match on enq (weighing nothing) that returns no hits but
 * is asked to check every document (Xapian's checkatleast, meant for
 * counts and facets), whose bounds then meet. */
static int count_exact(unsigned long *out, xapian_enquire *enq,
                       const xapian_query *q, unsigned doccount,
                       xapian_error *xe)
{
    xapian_mset *m = NULL;
    int rc = xapian_enquire_set_query(enq, q, xe);
    if (rc == 0)
        rc = xapian_enquire_get_mset(&m, enq, 0, 0, doccount + 1, xe);
    *out = rc == 0 ? xapian_mset_matches_lower_bound(m) : 0;
    xapian_mset_free(m);
    return rc;
}

/* The source terms of an index (SPINE_PREFIX_SOURCE + the source,
 * lower-cased) and how many articles hold each, as Xapian lists them. */
typedef struct source_terms {
    char **term;
    uint32_t *tf;
    size_t n;
    unsigned long sum;              /* of tf: articles with a source */
} source_terms;

static void source_terms_free(source_terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->term[i]);
    free(t->term);
    free(t->tf);
    memset(t, 0, sizeof *t);
}

/* Lists s's source terms into *t (empty first), from Xapian's list of all
 * terms with the source prefix. */
static int source_terms_list(source_terms *t, spine_searcher *s,
                             xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    size_t cap = 0;
    int rc = xapian_database_allterms(&tl, s->db, SPINE_PREFIX_SOURCE,
                                      strlen(SPINE_PREFIX_SOURCE), xe);
    for (;;) {
        const char *term;
        size_t len;
        uint32_t tf;
        if (rc == 0)
            rc = xapian_termlist_next(&term, &len, &tf, tl, xe);
        if (rc <= 0)
            break;
        if (t->n == cap) {
            cap = cap ? 2 * cap : 16;
            t->term = spine_realloc(t->term, cap * sizeof *t->term);
            t->tf = spine_realloc(t->tf, cap * sizeof *t->tf);
        }
        t->term[t->n] = spine_strndup(term, len);
        t->tf[t->n++] = tf;
        t->sum += tf;
        rc = 0;
    }
    xapian_termlist_free(tl);
    return rc < 0 ? rc : 0;
}

/* Sets *name (malloc()ed) to the source of the first article that holds
 * term, as that article's record gives it: the terms are lower-cased. */
static int source_name(char **name, spine_searcher *s, const char *term,
                       spine_error *err)
{
    xapian_postlist *pl = NULL;
    xapian_document *doc = NULL;
    spine_record *rec = NULL;
    xapian_docid did = 0;
    uint32_t wdf;
    xapian_error xe;
    const char *data = NULL;
    size_t len = 0;

    *name = NULL;
    int rc = xapian_database_postlist(&pl, s->db, term, strlen(term), &xe);
    if (rc == 0)
        rc = xapian_postlist_next(&did, &wdf, pl, &xe);
    xapian_postlist_free(pl);
    if (rc < 0)
        return spine_searcher_xapian_error(err, s, &xe);
    if (rc == 0) {                      /* the index changed under us */
        *name = spine_strdup(term + strlen(SPINE_PREFIX_SOURCE));
        return 0;
    }
    /* The head, as fill_hit() reads it without a snippet. */
    if (s->heads && (rc = spine_heads_get(s->heads, did, &data, &len,
                                          err)) != 0)
        return rc;
    rc = 0;
    if (len == 0)
        rc = xapian_database_get_document(&doc, s->db, did, &xe);
    if (rc == 0 && len == 0)
        rc = xapian_document_get_value(&data, &len, doc, SPINE_SLOT_HEAD,
                                       &xe);
    if (rc == 0 && len == 0)
        rc = xapian_document_get_data(&data, &len, doc, &xe);
    if (rc != 0) {
        rc = spine_searcher_xapian_error(err, s, &xe);
    } else {
        spine_error why;
        rc = spine_store_decode_meta(&rec, data, len, &why);
        if (rc != 0) {
            if (!doc)
                xapian_database_get_document(&doc, s->db, did, NULL);
            spine_searcher_record_error(err, s, doc, rc, &why);
        } else {
            *name = spine_strdup(rec->article.source);
        }
    }
    spine_record_free(rec);
    xapian_document_free(doc);
    return rc;
}

static int by_count(const void *a, const void *b)
{
    const spine_source_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->source, y->source);
}

/* Appends (term's source name, count) to v[*n] when count is not 0. */
static int add_source(spine_source_count *v, size_t *n, spine_searcher *s,
                      const char *term, unsigned long count,
                      spine_error *err)
{
    if (count == 0)
        return 0;
    int rc = source_name(&v[*n].source, s, term, err);
    if (rc == 0)
        v[(*n)++].count = count;
    return rc;
}

/* Sorts v[0..n) by count, then appends the articles without a source,
 * none of them when none. */
static size_t finish_sources(spine_source_count *v, size_t n,
                             unsigned long none)
{
    qsort(v, n, sizeof *v, by_count);
    if (none) {
        v[n].source = spine_strdup("");
        v[n++].count = none;
    }
    return n;
}

int spine_searcher_sources(spine_source_count **out, size_t *n,
                           spine_searcher *s, spine_error *err)
{
    source_terms t = { 0 };
    xapian_error xe;
    uint32_t docs = 0;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    spine_searcher_refresh(s);
    int rc = source_terms_list(&t, s, &xe);
    if (rc == 0)
        rc = xapian_database_doccount(&docs, s->db, &xe);
    if (rc != 0) {
        source_terms_free(&t);
        return spine_searcher_xapian_error(err, s, &xe);
    }
    spine_source_count *v = spine_calloc(t.n + 1, sizeof *v);
    for (size_t i = 0; rc == 0 && i < t.n; i++)
        rc = add_source(v, &k, s, t.term[i], t.tf[i], err);
    if (rc == 0)
        k = finish_sources(v, k, docs > t.sum ? docs - t.sum : 0);
    source_terms_free(&t);
    if (rc != 0 || k == 0) {
        spine_source_counts_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

void spine_source_counts_free(spine_source_count *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].source);
    free(v);
}

/* The query whose matches are counted: q itself, or, when v checked q's
 * phrases against the stored text (an index without positions), the
 * documents that pass, found by checking every candidate: Xapian's own
 * matches of q are then those of the AND of each phrase's words.
 * *set is NULL for q itself, else a new query the caller frees. */
static int counted_set(xapian_query **set, spine_searcher *s, verifier *v,
                       xapian_error *xe)
{
    page all = { 0 };
    *set = NULL;
    if (!v->phrases)
        return 0;
    int rc = spine_match_verified(s, &all, 0, s->doccount, v, xe);
    xapian_docid *ids = spine_calloc(all.n ? all.n : 1, sizeof *ids);
    for (unsigned k = 0; rc == 0 && v->rc == 0 && k < all.n; k++)
        rc = xapian_mset_docid(&ids[k], all.m.mset, page_at(&all, k), xe);
    if (rc == 0 && v->rc == 0)
        rc = spine_ext_query_docids_of(set, s->db, ids, all.n, xe);
    free(ids);
    spine_page_free(&all);
    return rc;
}

/* Counts the whole match of q (set on s->match; its phrases checked
 * through v) exactly into r's counts and, with opts->facets, per source
 * into r->facets: one counting match per source the index holds, of q
 * filtered by the source's term, and one of q alone unless every article
 * has a source (the sources' counts then sum to it). */
static int count_whole(spine_results *r, spine_searcher *s,
                       const xapian_query *q, verifier *v,
                       const spine_query_options *opts, spine_error *err)
{
    xapian_query *set = NULL, *term = NULL, *one = NULL;
    xapian_enquire *enq = NULL;
    source_terms t = { 0 };
    unsigned long total = 0, sum = 0;
    xapian_error xe;
    size_t k = 0;

    int rc = counted_set(&set, s, v, &xe);
    if (rc != 0 || v->rc != 0)
        goto done;
    const xapian_query *all = set ? set : q;
    rc = xapian_enquire_new(&enq, s->db, &xe);
    if (rc == 0)
        rc = xapian_enquire_set_weighting_bool(enq, &xe);
    if (rc == 0 && opts->facets)
        rc = source_terms_list(&t, s, &xe);
    if (rc == 0 && (!opts->facets || t.sum < s->doccount))
        rc = count_exact(&total, enq, all, s->doccount, &xe);
    if (rc != 0)
        goto done;
    if (opts->facets)
        r->facets = spine_calloc(t.n + 1, sizeof *r->facets);
    for (size_t i = 0; rc == 0 && i < t.n; i++) {
        unsigned long c = 0;
        rc = xapian_query_new_term(&term, t.term[i], strlen(t.term[i]),
                                   &xe);
        const xapian_query *pair[2] = { all, term };
        if (rc == 0)
            rc = xapian_query_combine(&one, XAPIAN_QUERY_OP_FILTER,
                                      (xapian_query **)pair, 2, &xe);
        if (rc == 0)
            rc = count_exact(&c, enq, one, s->doccount, &xe);
        xapian_query_free(one);
        xapian_query_free(term);
        one = term = NULL;
        if (rc != 0)
            goto done;
        sum += c;
        rc = add_source(r->facets, &k, s, t.term[i], c, err);
        if (rc != 0)
            goto failed;
    }
    if (opts->facets && t.sum >= s->doccount)
        total = sum;
    if (opts->facets)
        r->nfacets = finish_sources(r->facets, k,
                                    total > sum ? total - sum : 0);
    r->lower = r->upper = r->estimated = total;

done:
    if (rc != 0)
        rc = spine_searcher_xapian_error(err, s, &xe);
failed:
    if (rc == 0 && v->rc != 0) {
        rc = v->rc;
        *err = v->err;
    }
    if (rc != 0 && r->facets && !r->nfacets)
        r->nfacets = k;                 /* spine_results_free() frees them */
    xapian_enquire_free(enq);
    xapian_query_free(set);
    source_terms_free(&t);
    return rc;
}

static int check_limit(const spine_query_options *opts, spine_error *err)
{
    if (opts->limit > SPINE_MAX_LIMIT)
        return spine_error_set(err, SPINE_EINVAL, "limit %u is over the "
                               "maximum of %u", opts->limit, SPINE_MAX_LIMIT);
    if (opts->see_also > SPINE_MAX_SEE_ALSO)
        return spine_error_set(err, SPINE_EINVAL, "see also %u is over the "
                               "maximum of %u", opts->see_also,
                               SPINE_MAX_SEE_ALSO);
    return 0;
}

/* Counts the words of query into *words: runs of ASCII letters and digits
 * and of bytes past 0x7f, as the query parser finds them (near enough to
 * bound its work); and into *wildcards those that end in '*'. */
static void count_words(const char *query, size_t *words, size_t *wildcards)
{
    int in_word = 0;
    *words = *wildcards = 0;
    for (const unsigned char *p = (const unsigned char *)query; *p; p++) {
        int w = isalnum(*p) || *p >= 0x80;
        *words += w && !in_word;
        *wildcards += in_word && *p == '*';
        in_word = w;
    }
}

/* Refuses a query past the bounds of spine/search.h; sets *words to its
 * number of words. */
static int check_query(const char *query, size_t *words, spine_error *err)
{
    size_t len = strlen(query), wildcards;
    if (len > SPINE_MAX_QUERY_BYTES)
        return spine_error_set(err, SPINE_EQUERY, "query too long: %zu "
                               "bytes, at most %d", len,
                               SPINE_MAX_QUERY_BYTES);
    count_words(query, words, &wildcards);
    if (*words > SPINE_MAX_QUERY_WORDS)
        return spine_error_set(err, SPINE_EQUERY, "query too long: %zu "
                               "words, at most %d", *words,
                               SPINE_MAX_QUERY_WORDS);
    if (wildcards > SPINE_MAX_QUERY_WILDCARDS)
        return spine_error_set(err, SPINE_EQUERY, "too many wildcards: %zu, "
                               "at most %d", wildcards,
                               SPINE_MAX_QUERY_WILDCARDS);
    return 0;
}

static int search_once(spine_results **out, spine_searcher *s,
                       const char *query, const spine_query_options *opts,
                       spine_error *err)
{
    static const spine_query_options defaults = SPINE_QUERY_OPTIONS_INIT;
    double t0 = spine_now();
    spine_results *r = spine_calloc(1, sizeof *r);
    xapian_query *q = NULL;
    page pg = { 0 };
    xapian_error xe;
    char *norm = NULL;
    int rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    spine_searcher_refresh(s);
    size_t words = 0;
    rc = check_limit(opts, err);
    if (rc == 0)
        rc = check_query(query, &words, err);
    if (rc != 0)
        goto fail;
    r->query = spine_strdup(query);
    norm = normalise_query(query);

    int close = 0;
    /* A misspelt field name is the query's fault whatever the options:
     * searched as text, its field would be quietly dropped. */
    rc = spine_speller_check_fields(norm, &xe);
    if (rc == 0)
        rc = parse(s, &q, norm, opts, &xe);
    /* Spelling is for what people type: past a few dozen words the query
     * was pasted, and correcting it would cost most of its time. */
    if (rc == 0 && opts->spelling && words <= SPELL_MAX_WORDS
        && !spent(opts, t0, r))
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
        /* The parser's own complaint is the query's fault; anything else
         * (the spelling or synonym table unreadable) is the index's. */
        rc = xe.code == XAPIAN_EQUERY
                 ? spine_error_from_xapian(err, &xe, "bad query")
                 : spine_searcher_xapian_error(err, s, &xe);
        goto fail;
    }
    verifier v = { 0 };
    spine_matcher_set_exhaustive(s->match, opts->exhaustive);
    rc = run(s, &q, r->auto_corrected ? r->corrected : norm, &pg, opts, t0,
             r, &v, &xe);
    if (rc == 0 && v.rc == 0)
        set_counts(r, &pg, &v, opts);
    if (rc == 0 && v.rc == 0 && (opts->count || opts->facets)) {
        rc = count_whole(r, s, q, &v, opts, err);
        if (rc != 0) {
            spine_phrases_free(v.phrases);
            goto fail;
        }
    }
    spine_phrases_free(v.phrases);
    if (rc == 0 && v.rc != 0) {
        rc = v.rc;
        *err = v.err;
        goto fail;
    }
    if (rc != 0) {
        rc = spine_searcher_xapian_error(err, s, &xe);
        goto fail;
    }
    /* Xapian's own snippets know what a wildcard expanded to. */
    rc = fill_hits(r, s, &pg, q, strchr(norm, '*') != NULL, opts, err);
    if (rc != 0)
        goto fail;
    /* "See also" (seealso.h), for the query as searched. */
    if (opts->see_also > 0)
        rc = spine_see_also_find(r, s,
                                 r->auto_corrected ? r->corrected : norm,
                                 opts->see_also, err);
    if (rc != 0)
        goto fail;
    spine_page_free(&pg);
    xapian_query_free(q);
    free(norm);
    *out = r;
    return SPINE_OK;

fail:
    spine_page_free(&pg);
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

static int related_once(spine_results **out, spine_searcher *s,
                        const char *id, const spine_query_options *opts,
                        spine_error *err)
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
    spine_searcher_refresh(s);
    spine_matcher_set_exhaustive(s->match, opts && opts->exhaustive);
    rc = check_limit(opts, err);
    if (rc != 0)
        goto done;
    r->query = spine_strdup(id);
    rc = spine_searcher_find(s, id, &idterm, &did, err);
    if (rc != 0)
        goto done;
    rc = related_query(s, &q, did, idterm.p, &xe);
    if (rc == 0)
        rc = spine_matcher_set_query(s->match, q, &xe);
    verifier none = { 0 };
    if (rc == 0)
        rc = match(s, &pg, opts->offset, opts->limit, &none, &xe);
    if (rc != 0) {
        rc = spine_searcher_xapian_error(err, s, &xe);
        goto done;
    }
    set_counts(r, &pg, &none, opts);
    if (opts->count || opts->facets)
        rc = count_whole(r, s, q, &none, opts, err);
    if (rc == 0)
        rc = fill_hits(r, s, &pg, q, 0, opts, err);

done:
    spine_page_free(&pg);
    xapian_query_free(q);
    spine_buf_free(&idterm);
    if (rc != 0) {
        spine_results_free(r);
        return rc;
    }
    *out = r;
    return SPINE_OK;
}

/* A query that failed reading the index is asked again, at most
 * CHANGED_TRIES times in all, when the index was changed in place under
 * it (spine-index updates commit into the live generation: a reader's
 * revision stays readable across one commit, not two), on the index as
 * it is now. */
#define CHANGED_TRIES 3

/* Whether a query that failed with rc is asked again: an error reading
 * the index, on a searcher that spine_searcher_reload() moved to a newer
 * revision. */
static int ask_again(spine_searcher *s, int rc, int tries)
{
    return (rc == SPINE_EIO || rc == SPINE_ECORRUPT)
           && tries < CHANGED_TRIES && spine_searcher_reload(s) == 1;
}

/* Whether a query that failed because a shard did not answer is asked
 * again: on the shard set opened afresh, which names the shard down in
 * *err when s is not partial (a restarted server answers again). */
static int ask_shards_again(spine_searcher *s, int rc, int tries,
                            spine_error *err)
{
    return rc == SPINE_ESHARD && tries < CHANGED_TRIES
           && spine_searcher_reopen(s, err) == SPINE_OK;
}

/* Names in r the shards s answered without. */
static void note_missing(spine_results *r, const spine_searcher *s)
{
    if (!s->shards.down)
        return;
    r->missing = spine_calloc(s->shards.down, sizeof *r->missing);
    for (size_t i = 0; i < s->shards.n; i++)
        if (!s->shards.v[i].up)
            r->missing[r->nmissing++] = spine_strdup(s->shards.v[i].name);
}

/* Runs one of search_once() and related_once() as spine_search() and
 * spine_related() promise. */
static int answer(spine_results **out, spine_searcher *s, const char *what,
                  const spine_query_options *opts, spine_error *err,
                  int (*once)(spine_results **, spine_searcher *,
                              const char *, const spine_query_options *,
                              spine_error *))
{
    int rc;
    spine_searcher_retry_shards(s);
    for (int tries = 1; ; tries++) {
        rc = once(out, s, what, opts, err);
        spine_matcher_set_exhaustive(s->match, 0);
        if (rc == SPINE_OK) {
            note_missing(*out, s);
            return rc;
        }
        if (!ask_again(s, rc, tries) && !ask_shards_again(s, rc, tries, err))
            return rc;
    }
}

int spine_search(spine_results **out, spine_searcher *s, const char *query,
                 const spine_query_options *opts, spine_error *err)
{
    return answer(out, s, query, opts, err, search_once);
}

int spine_related(spine_results **out, spine_searcher *s, const char *id,
                  const spine_query_options *opts, spine_error *err)
{
    return answer(out, s, id, opts, err, related_once);
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
    spine_source_counts_free(r->facets, r->nfacets);
    for (size_t i = 0; i < r->nmissing; i++)
        free(r->missing[i]);
    free(r->missing);
    for (size_t i = 0; i < r->nsee_also; i++) {
        free(r->see_also[i].id);
        free(r->see_also[i].title);
        free(r->see_also[i].source);
        free(r->see_also[i].url);
    }
    free(r->see_also);
    free(r->query);
    free(r->corrected);
    free(r);
}
