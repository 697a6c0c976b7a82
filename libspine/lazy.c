/*
 * lazy.c -- lazy matching (max-score evaluation; exact): the common terms
 * of an OR are left out of a first pass for its best few hits, which the
 * whole query then ranks; the page is kept only when nothing outside can
 * reach it.  See spine_match_lazy() below and match.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "util.h"

/* The most candidates a lazy match ranks by the whole query. */
#define LAZY_MAX_WINDOW 2000

/* The terms a lazy match leaves out. */
typedef struct lazy_terms {
    spine_freq_term *v;
    size_t n;
} lazy_terms;

static void lazy_terms_free(lazy_terms *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].term);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Splits q for a lazy match: *reduced is q without the terms of its
 * top-level OR (under any FILTER or AND_NOT, and on the left of an
 * AND_MAYBE) that index at least min_tf documents, which are added to
 * lazy; the rarest is kept should all qualify.  Sets *found to 0 when q
 * has no such OR or no term to leave out (then *reduced is NULL).
 *
 * The searcher lifts words by a field (spine_query_lift_field()): an
 * alternative AND_MAYBE(word, lift) of a common word leaves the word out
 * and keeps its lift in the first pass as an alternative of its own, and
 * for AND_MAYBE(l, r...) over a whole query *reduced is OR(l reduced,
 * r...).  The first pass then also takes documents that match a lift
 * alone, but weighs every document that matches q at least its weight
 * in q less the left-out words', which is what the proof of the page
 * needs; the page itself is ranked by q (spine_match_rank_among()). */
static int leave_out_common(int *found, xapian_query **reduced,
                            lazy_terms *lazy, xapian_database *db,
                            const xapian_query *q, double min_tf,
                            xapian_error *xe)
{
    int op = xapian_query_type(q), rc = 0;
    size_t n = xapian_query_num_subqueries(q);
    *found = 0;
    *reduced = NULL;
    if ((op == XAPIAN_QUERY_OP_FILTER || op == XAPIAN_QUERY_OP_AND_NOT
         || op == XAPIAN_QUERY_OP_AND_MAYBE) && n >= 2) {
        /* An AND_MAYBE's first pass takes its other sides as
         * alternatives (see above). */
        int join = op == XAPIAN_QUERY_OP_AND_MAYBE ? XAPIAN_QUERY_OP_OR : op;
        xapian_query **sub = spine_calloc(n, sizeof *sub);
        xapian_query *first = NULL;
        rc = xapian_query_subquery(&first, q, 0, xe);
        if (rc == 0)
            rc = leave_out_common(found, &sub[0], lazy, db, first, min_tf,
                                  xe);
        for (size_t i = 1; rc == 0 && *found && i < n; i++)
            rc = xapian_query_subquery(&sub[i], q, i, xe);
        if (rc == 0 && *found)
            rc = xapian_query_combine(reduced, join, sub, n, xe);
        for (size_t i = 0; i < n; i++)
            xapian_query_free(sub[i]);
        free(sub);
        xapian_query_free(first);
        return rc;
    }
    if (op != XAPIAN_QUERY_OP_OR)
        return 0;

    xapian_query **keep = spine_calloc(2 * n, sizeof *keep);
    xapian_query **common = spine_calloc(n, sizeof *common);
    xapian_query **lifts = spine_calloc(n, sizeof *lifts);
    spine_freq_term *freq = spine_calloc(n, sizeof *freq);
    size_t nkeep = 0, ncommon = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        xapian_query *sub = NULL, *word = NULL, *lift = NULL;
        rc = xapian_query_subquery(&sub, q, i, xe);
        /* A word, or a word with its lift (AND_MAYBE(word, lift): the
         * searcher's title field), whose lift then stays in the first
         * pass as an alternative of its own. */
        int type = rc == 0 ? xapian_query_type(sub) : -1;
        if (type == XAPIAN_QUERY_OP_AND_MAYBE
            && xapian_query_num_subqueries(sub) == 2) {
            rc = xapian_query_subquery(&word, sub, 0, xe);
            if (rc == 0 && xapian_query_type(word) == XAPIAN_QUERY_LEAF_TERM)
                rc = xapian_query_subquery(&lift, sub, 1, xe);
            else {
                xapian_query_free(word);
                word = NULL;
            }
        } else if (type == XAPIAN_QUERY_LEAF_TERM)
            rc = xapian_query_copy(&word, sub, xe);
        if (rc == 0 && word) {
            char *t = NULL;
            size_t len = 0;
            uint32_t tf = 0;
            rc = xapian_query_leaf_term(&t, &len, word, xe);
            if (rc == 0)
                rc = xapian_database_termfreq(&tf, db, t, len, xe);
            xapian_query_free(word);
            if (rc == 0 && tf >= min_tf) {
                freq[ncommon] = (spine_freq_term){ t, tf };
                lifts[ncommon] = lift;
                common[ncommon++] = sub;
                continue;
            }
            free(t);
        }
        xapian_query_free(lift);
        if (rc == 0)
            keep[nkeep++] = sub;
        else
            xapian_query_free(sub);
    }
    if (rc == 0 && nkeep == 0 && ncommon > 0) {
        size_t r = 0;                   /* the rarest: the first least */
        for (size_t i = 1; i < ncommon; i++)
            if (freq[i].tf < freq[r].tf)
                r = i;
        keep[nkeep++] = common[r];      /* with its lift */
        free(freq[r].term);
        xapian_query_free(lifts[r]);
        memmove(&common[r], &common[r + 1],
                (ncommon - r - 1) * sizeof *common);
        memmove(&lifts[r], &lifts[r + 1], (ncommon - r - 1) * sizeof *lifts);
        memmove(&freq[r], &freq[r + 1], (ncommon - r - 1) * sizeof *freq);
        ncommon--;
    }
    for (size_t i = 0; i < ncommon; i++)
        if (lifts[i]) {
            keep[nkeep++] = lifts[i];
            lifts[i] = NULL;
        }
    if (rc == 0 && ncommon > 0) {
        if (nkeep == 1) {
            *reduced = keep[0];
            keep[0] = NULL;
        } else {
            rc = xapian_query_combine(reduced, XAPIAN_QUERY_OP_OR, keep,
                                      nkeep, xe);
        }
    }
    size_t owned = ncommon;             /* terms freq[] still owns */
    if (rc == 0 && ncommon > 0) {
        lazy->v = spine_realloc(lazy->v,
                                (lazy->n + ncommon) * sizeof *lazy->v);
        memcpy(lazy->v + lazy->n, freq, ncommon * sizeof *freq);
        lazy->n += ncommon;
        owned = 0;                      /* lazy owns them now */
        *found = 1;
    }
    for (size_t i = 0; i < owned; i++)
        free(freq[i].term);
    for (size_t i = 0; i < ncommon; i++) {
        xapian_query_free(common[i]);
        xapian_query_free(lifts[i]);
    }
    for (size_t i = 0; i < nkeep; i++)
        xapian_query_free(keep[i]);
    free(freq);
    free(keep);
    free(common);
    free(lifts);
    return rc;
}

int spine_match_lazy(spine_match *out, spine_matcher *m, unsigned first,
                     unsigned maxitems, unsigned checkatleast, double *floor,
                     spine_counts *counts, xapian_error *xe)
{
    uint32_t size = 0;
    xapian_query *reduced = NULL;
    lazy_terms lazy = { NULL, 0 };
    spine_hits hits = { NULL, 0, 0 };
    spine_counts c, ignored;
    spine_match r = { NULL, 0, 0, 0, 1, 0 };
    size_t parts = 1;
    int found = 0, settled = 0;

    *floor = 0;
    int rc = xapian_database_doccount(&size, m->db, xe);
    const double min_tf = fmax(m->lazy_share * size, m->lazy_min);
    if (rc != 0 || min_tf > size)       /* no term can be that common */
        return rc;
    rc = leave_out_common(&found, &reduced, &lazy, m->db, m->query, min_tf,
                          xe);
    const unsigned want = spine_match_page_end(first, maxitems);
    if (rc != 0 || !found || want > LAZY_MAX_WINDOW / 4)
        goto done;
    const unsigned k = 2 * want + 10;
    rc = spine_match_parts(&parts, m, reduced, xe);
    if (rc == 0)
        rc = spine_match_best(m, reduced, parts, k, checkatleast, 0, &hits,
                              &c, xe);
    if (rc == 0)
        rc = spine_match_rank_among(&r.mset, m, hits.v, hits.n, first,
                                    maxitems, xe);
    if (rc != 0 || xapian_mset_size(r.mset) < maxitems)
        goto done;
    r.parts = (unsigned)parts;
    spine_counts est = spine_match_lazy_counts(
        c, lazy.v, lazy.n, xapian_query_type(m->query) != XAPIAN_QUERY_OP_OR,
        size);
    r.lower = est.lower;
    r.estimated = est.estimated;
    r.upper = est.upper;
    *counts = est;

    /* A document outside the first pass's k best weighs at most w_K + M:
     * the k-th hit's weight there (0 when fewer matched) plus M, the most
     * the left-out terms together add. */
    double most = 0, w = 0;
    for (size_t i = 0; rc == 0 && i < lazy.n; i++) {
        double tw;
        uint32_t tf;
        rc = xapian_mset_termweight(&tw, &tf, r.mset, lazy.v[i].term,
                                    strlen(lazy.v[i].term), xe);
        most += tw;
    }
    if (rc == 0)
        rc = xapian_mset_weight(&w, r.mset, maxitems - 1, xe);
    if (rc != 0)
        goto done;
    *floor = w * (1 - 1e-12);
    double kth = hits.n < k ? 0 : hits.v[hits.n - 1].w;
    if (w > (kth + most) * (1 + 1e-12)) {
        settled = 1;
        goto done;
    }
    /* Else a second pass takes every document of first-pass weight w - M
     * or more (a weight cutoff, which Xapian prunes by from the start):
     * no other can reach w.  Only when the first pass's weights,
     * extrapolated, promise few enough candidates. */
    double reach = (w - most) * (1 - 1e-12);
    if (hits.n < k || reach <= 0)
        goto done;
    /* How deep the first pass would have to go to reach that weight, from
     * the slope of its second half (weights level off with depth, so
     * this errs towards trying). */
    double slope = (hits.v[k / 2].w - hits.v[hits.n - 1].w)
                   / (k - 1 - k / 2);
    if (!(slope > 0)
        || k + (hits.v[hits.n - 1].w - reach) / slope > LAZY_MAX_WINDOW)
        goto done;
    rc = spine_match_best(m, reduced, parts, LAZY_MAX_WINDOW, 0, reach,
                          &hits, &ignored, xe);
    if (rc != 0 || hits.n >= LAZY_MAX_WINDOW)
        goto done;
    xapian_mset_free(r.mset);
    r.mset = NULL;
    rc = spine_match_rank_among(&r.mset, m, hits.v, hits.n, first, maxitems,
                                xe);
    settled = rc == 0 && xapian_mset_size(r.mset) >= maxitems;

done:
    if (settled)
        *out = r;
    else
        spine_match_free(&r);
    spine_hits_free(&hits);
    lazy_terms_free(&lazy);
    xapian_query_free(reduced);
    return rc != 0 ? rc : settled;
}
