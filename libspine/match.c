/*
 * match.c -- the matcher (match.h): its settings, the plan that picks how a
 * page is found, and split matching (parts on threads, ranked together).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "pool.h"
#include "spine_ext.h"
#include "util.h"

/* Records code and msg in xe (which may be NULL) and returns code. */
static int refuse(xapian_error *xe, int code, const char *msg)
{
    if (xe) {
        xe->code = code;
        snprintf(xe->msg, sizeof xe->msg, "%s", msg);
    }
    return code;
}

void spine_hits_push(spine_hits *h, double w, xapian_docid did)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->v = spine_realloc(h->v, h->cap * sizeof *h->v);
    }
    h->v[h->n++] = (spine_scored){ w, did };
}

void spine_hits_free(spine_hits *h)
{
    free(h->v);
    memset(h, 0, sizeof *h);
}

unsigned spine_match_page_end(unsigned first, unsigned maxitems)
{
    return maxitems > UINT_MAX - first ? UINT_MAX : first + maxitems;
}

/* Sets enq's weighting scheme to m's. */
static int weigh_as(xapian_enquire *enq, const spine_matcher *m,
                    xapian_error *xe)
{
    if (m->scale > 0)
        return spine_ext_enquire_set_prenorm(enq, m->scale, xe);
    if (m->scheme)
        return xapian_enquire_set_weighting(enq, m->scheme, m->params,
                                            m->nparams, xe);
    return 0;                           /* Xapian's default */
}

int spine_match_enquire_like(xapian_enquire **out, const spine_matcher *m,
                             xapian_database *db, const xapian_query *q,
                             xapian_error *xe)
{
    int rc = xapian_enquire_new(out, db, xe);
    if (rc == 0)
        rc = weigh_as(*out, m, xe);
    if (rc == 0)
        rc = xapian_enquire_set_query(*out, q, xe);
    if (rc != 0) {
        xapian_enquire_free(*out);
        *out = NULL;
    }
    return rc;
}

int spine_matcher_new(spine_matcher **out, xapian_database *db,
                      const char *scheme, const double *params,
                      size_t nparams, xapian_error *xe)
{
    spine_matcher *m = spine_calloc(1, sizeof *m);
    *out = NULL;
    m->db = db;
    if (nparams > sizeof m->params / sizeof m->params[0])
        nparams = sizeof m->params / sizeof m->params[0];
    if (scheme && strcmp(scheme, "ineb2-prenorm") == 0)
        m->scale = nparams ? params[0] : 1;
    else if (scheme) {
        m->scheme = spine_strdup(scheme);
        if (nparams)
            memcpy(m->params, params, nparams * sizeof *params);
        m->nparams = nparams;
    }
    int rc = xapian_enquire_new(&m->enq, db, xe);
    if (rc == 0)
        rc = weigh_as(m->enq, m, xe);
    if (rc != 0) {
        spine_matcher_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* Frees m's helper handles and stops their threads. */
static void drop_helpers(spine_matcher *m)
{
    spine_pool_free(m->pool);
    m->pool = NULL;
    for (size_t i = 0; i < m->nhelpers; i++)
        xapian_database_free(m->helpers[i]);
    free(m->helpers);
    m->helpers = NULL;
    m->nhelpers = 0;
}

void spine_matcher_free(spine_matcher *m)
{
    if (!m)
        return;
    drop_helpers(m);
    xapian_enquire_free(m->enq);
    free(m->scheme);
    free(m->tier_prefix);
    free(m);
}

xapian_enquire *spine_matcher_enquire(spine_matcher *m)
{
    return m->enq;
}

int spine_matcher_set_query(spine_matcher *m, const xapian_query *q,
                            xapian_error *xe)
{
    int rc = xapian_enquire_set_query(m->enq, q, xe);
    if (rc == 0)
        m->query = q;
    return rc;
}

int spine_matcher_set_collapse_key(spine_matcher *m, xapian_slot slot,
                                   unsigned collapse_max, xapian_error *xe)
{
    int rc = xapian_enquire_set_collapse_key(m->enq, slot, collapse_max, xe);
    if (rc == 0)
        m->collapsing = collapse_max != 0;
    return rc;
}

/* Sets *same to 1 when a and b are handles on one database at one
 * revision: the same uuid, document count and last docid. */
static int same_database(int *same, xapian_database *a, xapian_database *b,
                         xapian_error *xe)
{
    char *ua = NULL, *ub = NULL;
    uint64_t ra, rb;
    uint32_t na = 0, nb = 0;
    xapian_docid la = 0, lb = 0;
    int rc = xapian_database_identity(&ua, &ra, a, xe);
    if (rc == 0)
        rc = xapian_database_identity(&ub, &rb, b, xe);
    if (rc == 0)
        rc = xapian_database_doccount(&na, a, xe);
    if (rc == 0)
        rc = xapian_database_doccount(&nb, b, xe);
    if (rc == 0)
        rc = xapian_database_lastdocid(&la, a, xe);
    if (rc == 0)
        rc = xapian_database_lastdocid(&lb, b, xe);
    *same = rc == 0 && strcmp(ua, ub) == 0 && na == nb && la == lb;
    free(ua);
    free(ub);
    return rc;
}

int spine_matcher_set_split(spine_matcher *m, xapian_database **helpers,
                            size_t nhelpers, double min_postings,
                            xapian_error *xe)
{
    int rc = 0, same = 1;
    size_t bad = 0;
    if (nhelpers > SPINE_POOL_MAX)
        same = 0;
    for (size_t i = 0; rc == 0 && same && i < nhelpers; i++) {
        rc = same_database(&same, m->db, helpers[i], xe);
        bad = i;
    }
    if (rc == 0 && !same) {
        char msg[128];
        snprintf(msg, sizeof msg, "spine_matcher_set_split: helper %zu is "
                 "not a handle on the matcher's database as it now is", bad);
        rc = refuse(xe, XAPIAN_EINVAL, msg);
    }
    if (rc != 0) {
        for (size_t i = 0; i < nhelpers; i++)
            xapian_database_free(helpers[i]);
        return rc;
    }
    drop_helpers(m);                    /* and the old helpers' threads */
    if (nhelpers) {
        m->helpers = spine_calloc(nhelpers, sizeof *m->helpers);
        memcpy(m->helpers, helpers, nhelpers * sizeof *helpers);
        m->nhelpers = nhelpers;
        m->pool = spine_pool_new();
    }
    m->split_min = min_postings;
    return 0;
}

int spine_matcher_set_lazy(spine_matcher *m, double min_share,
                           double min_postings, xapian_error *xe)
{
    if (!(min_share >= 0 && min_share <= 1) || !(min_postings >= 0))
        return refuse(xe, XAPIAN_EINVAL, "spine_matcher_set_lazy: share "
                      "outside [0, 1] or negative postings");
    m->lazy_share = min_share;
    m->lazy_min = min_postings;
    return 0;
}

int spine_match_parts(size_t *out, const spine_matcher *m,
                      const xapian_query *q, xapian_error *xe)
{
    *out = 1;
    if (m->nhelpers == 0)
        return 0;
    /* q's postings: over its distinct terms, the documents each indexes. */
    char *terms = NULL;
    size_t n = 0;
    double postings = 0;
    int rc = xapian_query_terms(&terms, &n, q, xe);
    const char *t = terms;
    for (size_t i = 0; rc == 0 && i < n; i++, t += strlen(t) + 1) {
        uint32_t tf = 0;
        rc = xapian_database_termfreq(&tf, m->db, t, strlen(t), xe);
        postings += tf;
    }
    free(terms);
    if (rc == 0 && postings >= m->split_min)
        *out = m->nhelpers + 1;
    return rc;
}

/* One part of a split match: its enquire, and what its match gave. */
typedef struct part {
    xapian_enquire *enq;
    unsigned want, checkatleast;
    xapian_mset *got;
    int rc;
    xapian_error xe;
} part;

static void run_part(void *arg, size_t i)
{
    part *p = (part *)arg + i;
    p->rc = xapian_enquire_get_mset(&p->got, p->enq, 0, p->want,
                                    p->checkatleast, &p->xe);
}

static int by_weight(const void *a, const void *b)
{
    const spine_scored *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return (x->did > y->did) - (x->did < y->did);
}

/* Builds part i's enquire: over its share [lo, hi] of the docids, on its
 * own handle, with its own copy of q (read back from qs, q's
 * serialisation: Xapian's handles are counted without atomics, so no
 * object is shared between threads), all before any thread starts. */
static int make_part(part *p, spine_matcher *m, size_t i,
                     const xapian_query *q, const char *qs, size_t qslen,
                     xapian_docid lo, xapian_docid hi, xapian_error *xe)
{
    xapian_query *copy = NULL, *range = NULL, *filtered = NULL;
    int rc = 0;
    if (i > 0)
        rc = spine_ext_query_unserialise(&copy, qs, qslen, xe);
    if (rc == 0)
        rc = spine_ext_query_docid_range(&range, lo, hi, xe);
    xapian_query *pair[2] = { i > 0 ? copy : (xapian_query *)q, range };
    if (rc == 0)
        rc = xapian_query_combine(&filtered, XAPIAN_QUERY_OP_FILTER, pair, 2,
                                  xe);
    if (rc == 0)
        rc = spine_match_enquire_like(&p->enq, m,
                                      i ? m->helpers[i - 1] : m->db,
                                      filtered, xe);
    xapian_query_free(filtered);
    xapian_query_free(range);
    xapian_query_free(copy);
    return rc;
}

/* Adds part p's hits to hits and its counts to c.  With more than one
 * part, a part's counts are exact when its bounds meet; else its estimate
 * (made for the whole database: spine_ext_query_docid_range()) is scaled
 * to its share [lo, hi] of the last docid. */
static int gather(spine_hits *hits, spine_counts *c, const part *p,
                  size_t parts, xapian_docid lo, xapian_docid hi,
                  xapian_docid last, xapian_error *xe)
{
    unsigned size = xapian_mset_size(p->got);
    for (unsigned k = 0; k < size; k++) {
        double w;
        xapian_docid did;
        int rc = xapian_mset_weight(&w, p->got, k, xe);
        if (rc == 0)
            rc = xapian_mset_docid(&did, p->got, k, xe);
        if (rc != 0)
            return rc;
        spine_hits_push(hits, w, did);
    }
    unsigned glo = xapian_mset_matches_lower_bound(p->got);
    unsigned gup = xapian_mset_matches_upper_bound(p->got);
    double est = xapian_mset_matches_estimated(p->got);
    if (parts > 1) {
        if (gup > hi - lo + 1)
            gup = hi - lo + 1;
        if (glo != xapian_mset_matches_upper_bound(p->got))
            est = fmin(fmax(est * (hi - lo + 1) / last, glo), gup);
    }
    c->lower += glo;
    c->upper += gup;
    c->estimated += (unsigned)(est + 0.5);
    return 0;
}

int spine_match_best(spine_matcher *m, const xapian_query *q, size_t parts,
                     unsigned want, unsigned checkatleast, double min_weight,
                     spine_hits *hits, spine_counts *c, xapian_error *xe)
{
    xapian_docid last = 0;
    char *qs = NULL;
    size_t qslen = 0;
    part *pt = spine_calloc(parts, sizeof *pt);
    xapian_docid *lo = spine_calloc(parts, sizeof *lo);
    xapian_docid *hi = spine_calloc(parts, sizeof *hi);
    int rc = xapian_database_lastdocid(&last, m->db, xe);

    hits->n = 0;
    memset(c, 0, sizeof *c);
    /* Only a split needs the copies. */
    if (rc == 0 && parts > 1)
        rc = xapian_query_serialise(&qs, &qslen, q, xe);
    for (size_t i = 0; rc == 0 && i < parts; i++) {
        lo[i] = (xapian_docid)(1 + (uint64_t)last * i / parts);
        hi[i] = (xapian_docid)((uint64_t)last * (i + 1) / parts);
        pt[i].want = want;
        pt[i].checkatleast = checkatleast;
        if (parts == 1)
            rc = spine_match_enquire_like(&pt[i].enq, m, m->db, q, xe);
        else
            rc = make_part(&pt[i], m, i, q, qs, qslen, lo[i], hi[i], xe);
        if (rc == 0 && min_weight > 0)
            rc = xapian_enquire_set_cutoff(pt[i].enq, 0, min_weight, xe);
    }
    if (rc == 0 && parts > 1) {
        if (spine_pool_inherited(m->pool)) {    /* a forked child */
            spine_pool_free(m->pool);
            m->pool = spine_pool_new();
        }
        spine_pool_run(m->pool, parts, run_part, pt);
    } else if (rc == 0) {
        run_part(pt, 0);
    }
    for (size_t i = 0; rc == 0 && i < parts; i++)
        if (pt[i].rc != 0) {
            rc = pt[i].rc;
            if (xe)
                *xe = pt[i].xe;
        }
    for (size_t i = 0; rc == 0 && i < parts; i++)
        rc = gather(hits, c, &pt[i], parts, lo[i], hi[i], last, xe);
    if (rc == 0 && hits->n > 0) {
        qsort(hits->v, hits->n, sizeof *hits->v, by_weight);
        if (hits->n > want)
            hits->n = want;
    }
    for (size_t i = 0; i < parts; i++) {
        xapian_mset_free(pt[i].got);
        xapian_enquire_free(pt[i].enq);
    }
    free(pt);
    free(lo);
    free(hi);
    free(qs);
    return rc;
}

int spine_match_rank_among(xapian_mset **out, spine_matcher *m,
                           const spine_scored *hits, size_t n,
                           unsigned first, unsigned maxitems,
                           xapian_error *xe)
{
    xapian_docid *ids = spine_calloc(n ? n : 1, sizeof *ids);
    xapian_query *best = NULL, *filtered = NULL;
    for (size_t i = 0; i < n; i++)
        ids[i] = hits[i].did;
    *out = NULL;
    int rc = spine_ext_query_docids_of(&best, m->db, ids, n, xe);
    xapian_query *pair[2] = { (xapian_query *)m->query, best };
    if (rc == 0)
        rc = xapian_query_combine(&filtered, XAPIAN_QUERY_OP_FILTER, pair, 2,
                                  xe);
    if (rc == 0)
        rc = xapian_enquire_set_query(m->enq, filtered, xe);
    if (rc == 0) {
        rc = xapian_enquire_get_mset(out, m->enq, first, maxitems, 0, xe);
        /* Snippets and matching terms read the query back from the
         * enquire: restore it. */
        xapian_error ignored;
        int restored = xapian_enquire_set_query(m->enq, m->query,
                                                rc == 0 ? xe : &ignored);
        if (rc == 0)
            rc = restored;
    }
    xapian_query_free(filtered);
    xapian_query_free(best);
    free(ids);
    return rc;
}

spine_counts spine_match_lazy_counts(spine_counts c,
                                     const spine_freq_term *terms, size_t n,
                                     int wrapped, unsigned size)
{
    double est = c.estimated, up = c.upper, lo = c.lower;
    for (size_t i = 0; i < n; i++) {
        up += terms[i].tf;
        if (wrapped)
            continue;
        est += terms[i].tf - est * terms[i].tf / size;
        lo = fmax(lo, terms[i].tf);
    }
    up = fmin(up, size);
    spine_counts out;
    out.lower = (unsigned)lo;
    out.upper = (unsigned)up;
    out.estimated = (unsigned)(fmin(fmax(est, lo), up) + 0.5);
    return out;
}

void spine_match_free(spine_match *r)
{
    xapian_mset_free(r->mset);
    memset(r, 0, sizeof *r);
}

/* Fills r's counts from Xapian's own, for a page of one match. */
static void own_counts(spine_match *r)
{
    r->lower = xapian_mset_matches_lower_bound(r->mset);
    r->estimated = xapian_mset_matches_estimated(r->mset);
    r->upper = xapian_mset_matches_upper_bound(r->mset);
}

/* Sets r's counts to c. */
static void set_counts(spine_match *r, spine_counts c)
{
    r->lower = c.lower;
    r->estimated = c.estimated;
    r->upper = c.upper;
}

void spine_matcher_set_exhaustive(spine_matcher *m, int on)
{
    m->exhaustive = on;
}

int spine_matcher_run(spine_match *out, spine_matcher *m, unsigned first,
                      unsigned maxitems, unsigned checkatleast,
                      xapian_error *xe)
{
    int plain = m->collapsing || maxitems == 0 || m->exhaustive, rc = 0;
    int done = 0;
    if (m->exhaustive)
        checkatleast = UINT_MAX;        /* Xapian checks them all */
    double floor = 0, tier_floor = 0;
    spine_counts counts = { 0, 0, 0 }, tcounts = { 0, 0, 0 };

    memset(out, 0, sizeof *out);
    out->parts = 1;
    if (!m->query)
        return refuse(xe, XAPIAN_EINVAL, "spine_matcher_run: no query");
    if (!plain && m->scale > 0 && m->tier_prefix && !checkatleast)
        rc = done = spine_match_tiers(out, m, first, maxitems, &tier_floor,
                                      &tcounts, xe);
    if (rc == 0 && !done && !plain && m->lazy_share > 0 && m->scale > 0)
        rc = done = spine_match_lazy(out, m, first, maxitems, checkatleast,
                                     &floor, &counts, xe);
    if (rc < 0)
        return rc;
    if (done)
        return 0;
    if (tier_floor > floor) {
        floor = tier_floor;
        counts = tcounts;
    }
    size_t parts = 1;
    if (!plain)
        rc = spine_match_parts(&parts, m, m->query, xe);
    if (rc == 0 && parts > 1) {
        spine_hits hits = { NULL, 0, 0 };
        spine_counts c;
        rc = spine_match_best(m, m->query, parts,
                              spine_match_page_end(first, maxitems),
                              checkatleast, floor, &hits, &c, xe);
        if (rc == 0)
            rc = spine_match_rank_among(&out->mset, m, hits.v, hits.n, first,
                                        maxitems, xe);
        spine_hits_free(&hits);
        out->parts = (unsigned)parts;
        /* A cutoff changes Xapian's counts: keep the estimates. */
        set_counts(out, floor > 0 ? counts : c);
        return rc;
    }
    if (rc == 0)
        rc = xapian_enquire_set_cutoff(m->enq, 0, floor, xe);
    if (rc == 0) {
        rc = xapian_enquire_get_mset(&out->mset, m->enq, first, maxitems,
                                     checkatleast, xe);
        xapian_error ignored;
        int reset = xapian_enquire_set_cutoff(m->enq, 0, 0,
                                              rc == 0 ? xe : &ignored);
        if (rc == 0)
            rc = reset;
    }
    if (rc == 0 && floor > 0)
        set_counts(out, counts);        /* as above */
    else if (rc == 0)
        own_counts(out);
    return rc;
}
