/*
 * match.h -- the matcher: how Spine finds one page of a query's hits.
 *
 * Xapian matches a query in one pass over its terms' posting lists.  The
 * matcher plans, in C, over Xapian's plain matches (xapian_c.h):
 *
 *   tiers (tiers.c)  a query of one or two common words is answered from
 *                    their impact tiers when those prove the page;
 *   lazy (lazy.c)    the common words of an OR are left out of a first
 *                    pass for the best few candidates, which the whole
 *                    query then ranks, when that proves the page;
 *   split (match.c)  the docids are cut into ranges matched at once, each
 *                    on its own thread (pool.h) and database handle, and
 *                    the best of all ranked in one more match;
 *   else             one Xapian match.
 *
 * Every plan gives the hits, order and weights of one Xapian match of the
 * whole query: a page found otherwise is always ranked by a match of the
 * query itself over its candidates (spine_match_rank_among()), so the MSet
 * a caller reads hits, weights, matching terms and snippets from is
 * Xapian's own.  Only the match counts may be estimated differently.
 * Lazy and tiered plans need a weight that does not depend on the rest of
 * the query and rises with the wdf alone: the "ineb2-prenorm" scheme.
 */
#ifndef SPINE_MATCH_H
#define SPINE_MATCH_H

#include <stddef.h>

#include "xapian_c.h"

typedef struct spine_matcher spine_matcher;

/* One page of hits and what is known of the rest. */
typedef struct spine_match {
    xapian_mset *mset;          /* the page: Xapian's own MSet (owned) */
    unsigned lower, estimated, upper;   /* match counts */
    unsigned parts;             /* parts it was matched in at once */
    int tiered;                 /* 1: found from impact tiers alone */
} spine_match;

/* Creates a matcher over db (borrowed: it must outlive the matcher) that
 * weighs by scheme: "ineb2-prenorm" with params[0] its scale (see
 * spine_ext.h), any name xapian_enquire_set_weighting() knows, or NULL
 * for Xapian's default (BM25).  Release with spine_matcher_free(). */
int spine_matcher_new(spine_matcher **out, xapian_database *db,
                      const char *scheme, const double *params,
                      size_t nparams, xapian_error *xe);

/* Stops the matcher's threads and releases it.  Accepts NULL. */
void spine_matcher_free(spine_matcher *m);

/* The matcher's enquire (borrowed), for what is asked of the query set
 * beside a page: ESets, matching terms, the expansion scheme.  Set its
 * query through spine_matcher_set_query() only. */
xapian_enquire *spine_matcher_enquire(spine_matcher *m);

/* Sets the query later matches run.  q is borrowed: it must stay alive
 * while spine_matcher_run() runs it. */
int spine_matcher_set_query(spine_matcher *m, const xapian_query *q,
                            xapian_error *xe);

/* Keeps at most collapse_max hits per value in slot (0: none).  A
 * collapsing match is always one Xapian match. */
int spine_matcher_set_collapse_key(spine_matcher *m, xapian_slot slot,
                                   unsigned collapse_max, xapian_error *xe);

/* Lets matches run in parts at once: the docids are cut into 1 + nhelpers
 * even ranges, the first matched on the calling thread, each other on a
 * thread of the matcher's over one of helpers[0..nhelpers), handles
 * opened separately on the same database, which the matcher takes over
 * (it frees them).  Only a query whose terms index min_postings documents
 * or more, summed over its distinct terms, is split.  Its hits and
 * weights are an unsplit match's; its counts are sums over the parts.
 * nhelpers 0 turns splitting off.  XAPIAN_EINVAL, with the helpers freed
 * and the matcher as it was, when a helper is not on the matcher's
 * database as it now is (another uuid, document count or last docid) or
 * there are more than SPINE_POOL_MAX. */
int spine_matcher_set_split(spine_matcher *m, xapian_database **helpers,
                            size_t nhelpers, double min_postings,
                            xapian_error *xe);

/* Lets matches leave the common terms of an OR out of a first pass
 * (lazy.c): terms that index at least min_share of the documents, and at
 * least min_postings.  min_share 0 (the default) turns it off.
 * XAPIAN_EINVAL for a share outside [0, 1] or negative postings. */
int spine_matcher_set_lazy(spine_matcher *m, double min_share,
                           double min_postings, xapian_error *xe);

/* Lets matches answer from the impact tiers stored under prefix
 * (tiers.h), when the matcher's database is one database that has them:
 * a query that is an OR of at most max_terms distinct terms, each with a
 * tier, proven from at most max_candidates candidates.  prefix "" (or a
 * database without tiers) turns it off. */
int spine_matcher_set_tiers(spine_matcher *m, const char *prefix,
                            unsigned max_terms, unsigned max_candidates,
                            xapian_error *xe);

/* With on set, later runs weigh every match of the query: one Xapian
 * match asked to check them all (no planner, no pruning).  Off by
 * default. */
void spine_matcher_set_exhaustive(spine_matcher *m, int on);

/* Matches the query set for ranks first .. first + maxitems - 1 into *out
 * (release with spine_match_free()).  checkatleast asks for at least that
 * many matches counted exactly (0: the fastest estimate); it keeps the
 * tiers out.  On failure *out is empty. */
int spine_matcher_run(spine_match *out, spine_matcher *m, unsigned first,
                      unsigned maxitems, unsigned checkatleast,
                      xapian_error *xe);

/* Releases a match's MSet and empties it.  Accepts an empty one. */
void spine_match_free(spine_match *r);

/* ---- inside the matcher (match.c, lazy.c, tiers.c) ---------------------- */

/* A hit: its weight and docid. */
typedef struct spine_scored {
    double w;
    xapian_docid did;
} spine_scored;

/* A growable array of hits. */
typedef struct spine_hits {
    spine_scored *v;
    size_t n, cap;
} spine_hits;

void spine_hits_push(spine_hits *h, double w, xapian_docid did);
void spine_hits_free(spine_hits *h);

/* Match counts. */
typedef struct spine_counts {
    unsigned lower, estimated, upper;
} spine_counts;

/* The rank after a page of maxitems from first, saturating. */
unsigned spine_match_page_end(unsigned first, unsigned maxitems);

/* The number of parts to match q in: 1 + the helpers when q's postings
 * reach the split threshold, else 1.  Returns 0 or an XAPIAN_E* code. */
int spine_match_parts(size_t *out, const spine_matcher *m,
                      const xapian_query *q, xapian_error *xe);

/* Runs q for its best want hits of weight min_weight or more (0: any)
 * into hits (best first, ties by docid, as Xapian ranks) and *c, in parts
 * at once (spine_match_parts()). */
int spine_match_best(spine_matcher *m, const xapian_query *q, size_t parts,
                     unsigned want, unsigned checkatleast, double min_weight,
                     spine_hits *hits, spine_counts *c, xapian_error *xe);

/* Sets *out to ranks first .. first + maxitems - 1 of the matcher's query
 * among the documents of hits[0..n) alone, in a match on the matcher's
 * own enquire (filtered by a docid set), so that the MSet is Xapian's. */
int spine_match_rank_among(xapian_mset **out, spine_matcher *m,
                           const spine_scored *hits, size_t n,
                           unsigned first, unsigned maxitems,
                           xapian_error *xe);

/* A term left out of a lazy match's first pass, or one of a tiered match. */
typedef struct spine_freq_term {
    char *term;
    unsigned tf;                /* documents that hold it */
} spine_freq_term;

/* Estimates the counts of a query from those of its first pass (c) and the
 * frequencies of the terms left out of it, terms[0..n), as Xapian
 * estimates an OR term by term.  Under a filter (wrapped), their
 * documents may not match at all: the estimate is then the first pass's,
 * and only the upper bound counts them. */
spine_counts spine_match_lazy_counts(spine_counts c,
                                     const spine_freq_term *terms, size_t n,
                                     int wrapped, unsigned size);

/* The lazy plan (lazy.c).  Returns 1 with *out set when it proves the
 * page; 0 when not, with *floor the weight the page's last hit must reach
 * (0 when unknown) and *counts the estimated counts; or an XAPIAN_E*
 * code. */
int spine_match_lazy(spine_match *out, spine_matcher *m, unsigned first,
                     unsigned maxitems, unsigned checkatleast, double *floor,
                     spine_counts *counts, xapian_error *xe);

/* The tiered plan (tiers.c), returning as spine_match_lazy(). */
int spine_match_tiers(spine_match *out, spine_matcher *m, unsigned first,
                      unsigned maxitems, double *floor, spine_counts *counts,
                      xapian_error *xe);

/* What the planners read of a matcher. */
struct spine_matcher {
    xapian_database *db;        /* borrowed */
    xapian_enquire *enq;
    const xapian_query *query;  /* borrowed; NULL until set */
    char *scheme;               /* NULL: Xapian's default */
    double params[8];
    size_t nparams;
    double scale;               /* > 0: "ineb2-prenorm" at that scale */
    int collapsing;
    int exhaustive;             /* spine_matcher_set_exhaustive() */
    xapian_database **helpers;  /* one per extra thread */
    size_t nhelpers;
    struct spine_pool *pool;
    double split_min;
    double lazy_share, lazy_min;
    char *tier_prefix;          /* NULL: no tiers */
    unsigned tier_min_tf, tier_size, tier_max, tier_terms;
};

/* Makes a new enquire over db that weighs as m does, with query q. */
int spine_match_enquire_like(xapian_enquire **out, const spine_matcher *m,
                             xapian_database *db, const xapian_query *q,
                             xapian_error *xe);

#endif /* SPINE_MATCH_H */
