/*
 * verify.c -- phrase and NEAR queries on an index without word positions:
 * the candidates the matcher finds for the AND of a phrase's words are
 * checked against their stored text (phrase.h) until the page is settled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "search_int.h"
#include "spine_ext.h"
#include "store.h"
#include "util.h"
#include "xerror.h"

void spine_page_free(page *pg)
{
    spine_match_free(&pg->m);
    free(pg->at);
    free(pg->wt);
    memset(pg, 0, sizeof *pg);
}

/* Remembers the first failure met while verifying (the search reports
 * it): why, when a stored record did not decode (rc), or else Xapian's
 * error xe.  Returns 0, dropping the candidate. */
static int verify_failed(verifier *v, xapian_document *cand, int rc,
                         const spine_error *why, const xapian_error *xe)
{
    if (v->rc != 0)
        return 0;
    v->rc = why ? spine_searcher_record_error(&v->err, v->s, cand, rc, why)
                : spine_searcher_xapian_error(&v->err, v->s, xe);
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
    rc = spine_ext_query_docids_of(&any, s->db, ids, n, xe);
    const xapian_query *pair[2] = { q, any };
    if (rc == 0)
        rc = xapian_query_combine(&one, XAPIAN_QUERY_OP_FILTER,
                                  (xapian_query **)pair, 2, xe);
    if (rc == 0 && !s->check)
        rc = spine_searcher_new_matcher(&s->check, s, xe);
    if (rc == 0)
        spine_matcher_set_exhaustive(s->check, s->match->exhaustive);
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
            v->rc = spine_searcher_xapian_error(&v->err, v->s, &xe);
    }
    free(group);
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

/* Verifies the MSet's candidates in rank order until first + max of them
 * outrank what the next candidate can (outweighs()), asking Xapian for a
 * window of candidates four times larger each time it runs short.  The
 * page keeps the best of them by their verified weights, ties by docid.
 * Candidates are checked in batches: a batch may check some past the
 * point where the page is settled, but those are then left out. */
int spine_match_verified(spine_searcher *s, page *pg, unsigned first,
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

