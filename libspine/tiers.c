/*
 * tiers.c -- impact tiers (tiers.h): written by the indexer, read by the
 * matcher's tiered plan (match.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "spine_ext.h"
#include "tiers.h"
#include "util.h"

/* Relative slack in the bounds of a tiered match, for rounding: Xapian
 * sums a document's weight in its own order. */
#define TIER_EPS 1e-9

/* Xapian refuses metadata keys longer than 245 bytes. */
#define TIER_KEY_MAX 240

/* ---- writing ------------------------------------------------------------ */

/* A posting: its wdf and docid. */
typedef struct posting {
    uint32_t wdf;
    xapian_docid did;
} posting;

/* Is a heavier than b: a higher wdf, or the same and a lower docid? */
static int heavier(const posting *a, const posting *b)
{
    return a->wdf > b->wdf || (a->wdf == b->wdf && a->did < b->did);
}

/* Defines static void NAME(TYPE *v, size_t len, size_t n), which moves
 * the n first of v[0..len) in the strict order BEFORE(a, b) to v[0..n),
 * in no order (quickselect; the order being strict, which they are is
 * determined).  Every element in [0, lo) comes before every one in
 * [lo, len), and every one in [0, hi) before every one in [hi, len); n
 * stays in [lo, hi].  A macro, as each use is on a hot path and a
 * comparison through a function pointer would double its cost. */
#define DEFINE_SELECT(NAME, TYPE, BEFORE)                                   \
    static void NAME(TYPE *v, size_t len, size_t n)                       \
    {                                                                     \
        size_t lo = 0, hi = len;                                          \
        while (hi - lo > 1) {           /* shrinks by at least one */     \
            TYPE t = v[lo + (hi - lo) / 2];                               \
            v[lo + (hi - lo) / 2] = v[hi - 1];                            \
            v[hi - 1] = t;                                                \
            size_t at = lo;                                               \
            for (size_t i = lo; i < hi - 1; i++)                          \
                if (BEFORE(&v[i], &v[hi - 1])) {                          \
                    t = v[i];                                             \
                    v[i] = v[at];                                         \
                    v[at++] = t;                                          \
                }                                                         \
            t = v[at];                  /* the pivot, in its place */     \
            v[at] = v[hi - 1];                                            \
            v[hi - 1] = t;                                                \
            if (at == n)                                                  \
                return;                                                   \
            if (at < n)                                                   \
                lo = at + 1;                                              \
            else                                                          \
                hi = at;                                                  \
        }                                                                 \
    }

/* select_heaviest(): the n heaviest postings. */
DEFINE_SELECT(select_heaviest, posting, heavier)

static int by_docid(const void *a, const void *b)
{
    const posting *x = a, *y = b;
    return (x->did > y->did) - (x->did < y->did);
}

/* Stores under key (keylen bytes) the tier of postings v[0..n), in docid
 * order, whose term's other postings weigh at most cap (the format of
 * tiers.h). */
static int put_tier(xapian_writable_database *db, const char *key,
                    size_t keylen, const posting *v, size_t n, uint32_t cap,
                    xapian_error *xe)
{
    size_t bytes = 8 + 8 * n;
    unsigned char *blob = spine_malloc(bytes);
    spine_put_le32(blob, (uint32_t)n);
    spine_put_le32(blob + 4, cap);
    for (size_t i = 0; i < n; i++) {
        spine_put_le32(blob + 8 + 4 * i, v[i].did);
        spine_put_le32(blob + 8 + 4 * (n + i), v[i].wdf);
    }
    int rc = xapian_writable_database_set_metadata(db, key, keylen,
                                                   (const char *)blob, bytes,
                                                   xe);
    free(blob);
    return rc;
}

/* Writes term's tier from its postings v[0..len) (reordered). */
static int write_tier(xapian_writable_database *db, const char *prefix,
                      const char *term, posting *v, size_t len,
                      unsigned size, unsigned share, xapian_error *xe)
{
    size_t n = len / share > size ? len / share : size;
    if (n > len)
        n = len;
    if (n < len)
        select_heaviest(v, len, n);
    uint32_t rest = 0;
    for (size_t i = n; i < len; i++)
        if (v[i].wdf > rest)
            rest = v[i].wdf;
    qsort(v, n, sizeof *v, by_docid);
    spine_buf key = SPINE_BUF_INIT;
    spine_buf_puts(&key, prefix);
    spine_buf_puts(&key, term);
    int rc = put_tier(db, key.p, key.n, v, n, rest, xe);
    spine_buf_free(&key);
    return rc;
}

/* Sets *terms to the terms of r that index min_tf documents or more and
 * whose key under prefix fits, NUL-separated, *n of them: listed before
 * any tier is written, as the tiers go into the table being walked. */
static int common_terms(spine_buf *terms, size_t *n, xapian_database *r,
                        const char *prefix, unsigned min_tf,
                        xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    size_t plen = strlen(prefix);
    size_t longest = plen < TIER_KEY_MAX ? TIER_KEY_MAX - plen : 0;
    const char *t;
    size_t len;
    uint32_t tf;
    int rc = xapian_database_allterms(&tl, r, "", 0, xe), more = rc == 0;
    *n = 0;
    while (more && (more = xapian_termlist_next(&t, &len, &tf, tl, xe)) > 0)
        if (tf >= min_tf && len <= longest) {
            spine_buf_append(terms, t, len + 1);
            (*n)++;
        }
    xapian_termlist_free(tl);
    return rc != 0 ? rc : more < 0 ? more : 0;
}

int spine_tiers_write(xapian_writable_database *db, const char *prefix,
                      unsigned min_tf, unsigned size, unsigned share,
                      unsigned *nterms, xapian_error *xe)
{
    if (!prefix || !*prefix || size == 0 || min_tf <= size || share < 2) {
        if (xe) {
            xe->code = XAPIAN_EINVAL;
            snprintf(xe->msg, sizeof xe->msg, "spine_tiers_write: need a "
                     "prefix, 0 < size < min_tf and share >= 2");
        }
        return XAPIAN_EINVAL;
    }
    xapian_database *r = NULL;
    spine_buf terms = SPINE_BUF_INIT;
    size_t n = 0, cap = 0;
    posting *v = NULL;
    int rc = xapian_writable_database_reader(&r, db, xe);
    if (rc == 0)
        rc = common_terms(&terms, &n, r, prefix, min_tf, xe);
    const char *t = terms.p;
    for (size_t i = 0; rc == 0 && i < n; i++, t += strlen(t) + 1) {
        xapian_postlist *pl = NULL;
        size_t len = 0;
        xapian_docid did;
        uint32_t wdf;
        rc = xapian_database_postlist(&pl, r, t, strlen(t), xe);
        int more = rc == 0;
        while (more && (more = xapian_postlist_next(&did, &wdf, pl, xe)) > 0) {
            if (len == cap) {
                cap = cap ? 2 * cap : 4096;
                v = spine_realloc(v, cap * sizeof *v);
            }
            v[len++] = (posting){ wdf, did };
        }
        xapian_postlist_free(pl);
        if (more < 0)
            rc = more;
        if (rc == 0)
            rc = write_tier(db, prefix, t, v, len, size, share, xe);
    }
    if (rc == 0) {
        unsigned char head[8];
        spine_put_le32(head, min_tf);
        spine_put_le32(head + 4, size);
        rc = xapian_writable_database_set_metadata(db, prefix, strlen(prefix),
                                                   (const char *)head, 8, xe);
    }
    if (rc == 0 && nterms)
        *nterms = (unsigned)n;
    free(v);
    spine_buf_free(&terms);
    xapian_database_free(r);
    return rc;
}

/* Reads every posting of term into *v (grown as needed; *cap its room),
 * *len of them. */
static int read_postings(xapian_database *r, const char *term, posting **v,
                         size_t *cap, size_t *len, xapian_error *xe)
{
    xapian_postlist *pl = NULL;
    xapian_docid did;
    uint32_t wdf;
    int rc = xapian_database_postlist(&pl, r, term, strlen(term), xe);
    int more = rc == 0;
    *len = 0;
    while (more && (more = xapian_postlist_next(&did, &wdf, pl, xe)) > 0) {
        if (*len == *cap) {
            *cap = *cap ? 2 * *cap : 4096;
            *v = spine_realloc(*v, *cap * sizeof **v);
        }
        (*v)[(*len)++] = (posting){ wdf, did };
    }
    xapian_postlist_free(pl);
    return rc != 0 ? rc : more < 0 ? more : 0;
}

static int by_did(const void *a, const void *b)
{
    xapian_docid x = *(const xapian_docid *)a, y = *(const xapian_docid *)b;
    return (x > y) - (x < y);
}

/* Brings term's tier (blob, len bytes, as stored) up to date in place of
 * rewriting it: drops the docids in gone, and adds the postings of docids
 * from first_added on whose wdf passes the cap.  Every posting outside
 * the tier still weighs at most its cap.  Sets *keep when the tier then
 * holds size postings or more; writes it when it changed. */
static int amend_tier(xapian_writable_database *db, xapian_database *r,
                      const char *key, size_t keylen, const char *term,
                      const unsigned char *blob, size_t len,
                      const xapian_docid *gone, size_t ngone,
                      xapian_docid first_added, unsigned size, int *keep,
                      xapian_error *xe)
{
    uint32_t k = spine_get_le32(blob), cap = spine_get_le32(blob + 4);
    size_t n = 0, room = (size_t)k + 16;
    posting *v = spine_malloc(room * sizeof *v);
    int changed = 0, rc = 0;
    (void)len;
    for (uint32_t i = 0; i < k; i++) {
        xapian_docid d = spine_get_le32(blob + 8 + 4 * (size_t)i);
        if (ngone && bsearch(&d, gone, ngone, sizeof *gone, by_did)) {
            changed = 1;
            continue;
        }
        v[n++] = (posting){ spine_get_le32(blob + 8 + 4 * ((size_t)k + i)),
                            d };
    }
    /* The documents added, all after the tier's own docids. */
    xapian_postlist *pl = NULL;
    xapian_docid did;
    uint32_t wdf;
    rc = xapian_database_postlist(&pl, r, term, strlen(term), xe);
    int more = rc == 0 ? xapian_postlist_skip_to(&did, &wdf, pl, first_added,
                                                 xe)
                       : 0;
    while (more > 0) {
        if (wdf > cap) {
            if (n == room) {
                room *= 2;
                v = spine_realloc(v, room * sizeof *v);
            }
            v[n++] = (posting){ wdf, did };
            changed = 1;
        }
        more = xapian_postlist_next(&did, &wdf, pl, xe);
    }
    xapian_postlist_free(pl);
    if (rc == 0 && more < 0)
        rc = more;
    *keep = n >= size;
    if (rc == 0 && changed && *keep)
        rc = put_tier(db, key, keylen, v, n, cap, xe);
    free(v);
    return rc;
}

int spine_tiers_update(xapian_writable_database *db, const char *prefix,
                       const char *terms, size_t nterms, unsigned share,
                       const xapian_docid *gone, size_t ngone,
                       xapian_docid first_added, unsigned *nwritten,
                       xapian_error *xe)
{
    xapian_database *r = NULL;
    spine_buf key = SPINE_BUF_INIT;
    posting *v = NULL;
    size_t cap = 0;
    unsigned min_tf = 0, size = 0, written = 0;
    int state = SPINE_TIER_ABSENT;
    int rc = xapian_writable_database_reader(&r, db, xe);
    if (rc == 0)
        rc = spine_tiers_settings(&state, &min_tf, &size, r, prefix, xe);
    if (rc != 0 || state != SPINE_TIER_PRESENT || size == 0
        || min_tf <= size || share < 2)
        goto done;                      /* an index without tiers */
    const char *t = terms;
    for (size_t i = 0; rc == 0 && i < nterms; i++, t += strlen(t) + 1) {
        uint32_t tf = 0;
        char *blob = NULL;
        size_t len = 0;
        if (!spine_tiers_key_fits(prefix, strlen(t)))
            continue;
        spine_buf_reset(&key);
        spine_buf_puts(&key, prefix);
        spine_buf_puts(&key, t);
        rc = xapian_database_termfreq(&tf, r, t, strlen(t), xe);
        if (rc == 0)
            rc = xapian_database_get_metadata(&blob, &len, r, key.p, key.n,
                                              xe);
        int whole = rc == 0 && len >= 8
                    && len == 8 + 8 * (size_t)spine_get_le32(
                                          (const unsigned char *)blob);
        int keep = 0;
        if (rc == 0 && tf < min_tf) {
            /* Too rare for a tier now: one kept would go stale. */
            if (len)
                rc = xapian_writable_database_set_metadata(db, key.p, key.n,
                                                           "", 0, xe);
            written += len > 0;
        } else if (rc == 0 && whole) {
            rc = amend_tier(db, r, key.p, key.n, t,
                            (const unsigned char *)blob, len, gone, ngone,
                            first_added, size, &keep, xe);
        }
        /* A term that has just become common, or whose tier lost too
         * many of its postings: its tier is made again, as a build would
         * make it. */
        if (rc == 0 && tf >= min_tf && !keep) {
            size_t n = 0;
            rc = read_postings(r, t, &v, &cap, &n, xe);
            if (rc == 0)
                rc = write_tier(db, prefix, t, v, n, size, share, xe);
            written++;
        }
        free(blob);
    }
done:
    if (nwritten)
        *nwritten = written;
    free(v);
    spine_buf_free(&key);
    xapian_database_free(r);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int spine_matcher_set_tiers(spine_matcher *m, const char *prefix,
                            unsigned max_terms, unsigned max_candidates,
                            xapian_error *xe)
{
    char *head = NULL;
    size_t len = 0, shards = 0;
    uint32_t docs = 0;
    free(m->tier_prefix);
    m->tier_prefix = NULL;
    /* Metadata and docids are a single database's. */
    int rc = *prefix ? xapian_database_shards(&shards, m->db, xe) : 0;
    if (rc == 0 && shards == 1)
        rc = xapian_database_get_metadata(&head, &len, m->db, prefix,
                                          strlen(prefix), xe);
    if (rc == 0 && len == 8)
        rc = xapian_database_doccount(&docs, m->db, xe);
    if (rc == 0 && len == 8) {
        const unsigned char *h = (const unsigned char *)head;
        m->tier_min_tf = spine_get_le32(h);
        m->tier_size = spine_get_le32(h + 4);
        m->tier_max = max_candidates;
        m->tier_terms = max_terms;
        /* Under min_tf documents no term has a tier: then a query need
         * not look up its terms' frequencies to find that out. */
        if (m->tier_size > 0 && m->tier_min_tf > m->tier_size
            && docs >= m->tier_min_tf)
            m->tier_prefix = spine_strdup(prefix);
    }
    free(head);
    return rc;
}

/* ---- the stored form, read back ----------------------------------------- */

int spine_tiers_settings(int *state, unsigned *min_tf, unsigned *size,
                         const xapian_database *db, const char *prefix,
                         xapian_error *xe)
{
    char *head = NULL;
    size_t len = 0;
    *state = SPINE_TIER_ABSENT;
    *min_tf = *size = 0;
    int rc = xapian_database_get_metadata(&head, &len, db, prefix,
                                          strlen(prefix), xe);
    if (rc == 0 && len == 8) {
        *state = SPINE_TIER_PRESENT;
        *min_tf = spine_get_le32((const unsigned char *)head);
        *size = spine_get_le32((const unsigned char *)head + 4);
    } else if (rc == 0 && len > 0) {
        *state = SPINE_TIER_MALFORMED;
    }
    free(head);
    return rc;
}

int spine_tiers_key_fits(const char *prefix, size_t len)
{
    size_t plen = strlen(prefix);
    return plen < TIER_KEY_MAX && len <= TIER_KEY_MAX - plen;
}

int spine_tier_read(spine_tier *t, int *state, const xapian_database *db,
                    const char *prefix, const char *term, xapian_error *xe)
{
    char *blob = NULL;
    size_t len = 0;
    spine_buf key = SPINE_BUF_INIT;
    memset(t, 0, sizeof *t);
    *state = SPINE_TIER_ABSENT;
    spine_buf_puts(&key, prefix);
    spine_buf_puts(&key, term);
    int rc = xapian_database_get_metadata(&blob, &len, db, key.p, key.n, xe);
    spine_buf_free(&key);
    const unsigned char *b = (const unsigned char *)blob;
    uint32_t k = rc == 0 && len >= 8 ? spine_get_le32(b) : 0;
    if (rc == 0 && len > 0)
        *state = len >= 8 && (len - 8) / 8 == k && (len - 8) % 8 == 0
                     ? SPINE_TIER_PRESENT
                     : SPINE_TIER_MALFORMED;
    if (*state == SPINE_TIER_PRESENT) {
        t->k = k;
        t->cap = spine_get_le32(b + 4);
        t->docids = spine_calloc(k ? k : 1, sizeof *t->docids);
        t->wdfs = spine_calloc(k ? k : 1, sizeof *t->wdfs);
        for (uint32_t i = 0; i < k; i++) {
            t->docids[i] = spine_get_le32(b + 8 + 4 * (size_t)i);
            t->wdfs[i] = spine_get_le32(b + 8 + 4 * ((size_t)k + i));
        }
    }
    free(blob);
    return rc;
}

void spine_tier_free(spine_tier *t)
{
    free(t->docids);
    free(t->wdfs);
    memset(t, 0, sizeof *t);
}

/* ---- the tiered plan ---------------------------------------------------- */

/* One term of a tiered match: its tier's postings, by docid (borrowed from
 * blob), its coefficient (spine_ext_prenorm_coeff(), its wqf included)
 * and cap, the most any of its postings outside the tier weighs. */
typedef struct tier_list {
    char *blob;
    const unsigned char *ids, *wdfs;
    uint32_t k, at;
    double coeff, cap;
} tier_list;

/* A candidate: a document of some tier, and bounds on its weight. */
typedef struct cand {
    xapian_docid id;
    double p, u;
} cand;

/* Is a ranked above b: more weight, or the same and a lower docid? */
static int outranks(const spine_scored *a, const spine_scored *b)
{
    return a->w > b->w || (a->w == b->w && a->did < b->did);
}

/* select_best(): the n best hits, in rank order. */
DEFINE_SELECT(select_best, spine_scored, outranks)

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sets *terms to the terms of q when it is one term or an OR of terms, in
 * byte order, repeats kept (*n of them; free each and the array); else
 * *n = 0. */
static int or_terms(char ***terms, size_t *n, const xapian_query *q,
                    xapian_error *xe)
{
    int op = xapian_query_type(q), rc = 0;
    size_t k = op == XAPIAN_QUERY_LEAF_TERM ? 1
             : op == XAPIAN_QUERY_OP_OR ? xapian_query_num_subqueries(q) : 0;
    *terms = spine_calloc(k ? k : 1, sizeof **terms);
    *n = 0;
    if (op == XAPIAN_QUERY_LEAF_TERM)
        return xapian_query_leaf_term(&(*terms)[(*n)++], NULL, q, xe);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        xapian_query *sub = NULL;
        rc = xapian_query_subquery(&sub, q, i, xe);
        if (rc == 0 && xapian_query_type(sub) != XAPIAN_QUERY_LEAF_TERM) {
            xapian_query_free(sub);
            for (size_t j = 0; j < *n; j++)
                free((*terms)[j]);
            *n = 0;
            return 0;
        }
        if (rc == 0)
            rc = xapian_query_leaf_term(&(*terms)[(*n)++], NULL, sub, xe);
        xapian_query_free(sub);
    }
    qsort(*terms, *n, sizeof **terms, by_name);
    return rc;
}

/* Fills the candidates of lists[0..nl) in docid order (a k-way merge):
 * p, the sum of a document's weights in the tiers it is in; u, p plus the
 * caps of the others (B, the sum of all caps, less its tiers' caps). */
static cand *merge_tiers(size_t *ncands, tier_list *lists, size_t nl,
                         size_t total, double B, double scale)
{
    cand *c = spine_calloc(total ? total : 1, sizeof *c);
    size_t n = 0;
    for (;;) {                          /* bounded by the postings */
        xapian_docid d = 0;
        for (size_t i = 0; i < nl; i++) {
            if (lists[i].at == lists[i].k)
                continue;
            xapian_docid x = spine_get_le32(lists[i].ids + 4 * lists[i].at);
            if (d == 0 || x < d)
                d = x;
        }
        if (d == 0)
            break;
        double p = 0, u = B;
        for (size_t i = 0; i < nl; i++) {
            tier_list *l = &lists[i];
            if (l->at < l->k && spine_get_le32(l->ids + 4 * l->at) == d) {
                double w = spine_ext_prenorm_part(
                    l->coeff, spine_get_le32(l->wdfs + 4 * l->at), scale);
                p += w;
                u += w - l->cap;
                l->at++;
            }
        }
        c[n++] = (cand){ d, p, u };
    }
    *ncands = n;
    return c;
}

/* The tiered plan (exact): the best documents of an OR of common terms,
 * found among their tiers without reading their posting lists.  Each
 * candidate d weighs at least p(d) and at most u(d) (merge_tiers()); a
 * document in no tier weighs at most B, the sum of the caps.  A floor t
 * for the page's last weight w comes from the page's last p(d), then from
 * a first few candidates of highest u(d) ranked by the whole query; every
 * candidate with u(d) >= t is then ranked so.  When w outweighs B the
 * page is settled: no other document can reach w.  The weights are
 * checked against Xapian's own (each hit's must lie between its p(d) and
 * u(d)).  With a weight that saturates, B nears the page's weight as terms
 * are added: hence m->tier_terms. */
int spine_match_tiers(spine_match *out, spine_matcher *m, unsigned first,
                      unsigned maxitems, double *floor, spine_counts *counts,
                      xapian_error *xe)
{
    char **terms = NULL;
    size_t nterms = 0, nl = 0, ncands = 0, total = 0;
    tier_list *lists = NULL;
    spine_freq_term *freqs = NULL;
    unsigned *wqf = NULL;
    cand *cands = NULL;
    spine_scored *reach = NULL;
    spine_match r = { NULL, 0, 0, 0, 1, 1 };
    uint32_t N = 0;
    double B = 0;
    int settled = 0;

    *floor = 0;
    int rc = or_terms(&terms, &nterms, m->query, xe);
    if (rc != 0 || nterms == 0)
        goto done;
    /* A term given j times weighs j times as much (wqf j). */
    wqf = spine_calloc(nterms, sizeof *wqf);
    for (size_t i = 0; i < nterms; i++) {
        if (nl > 0 && strcmp(terms[i], terms[nl - 1]) == 0) {
            wqf[nl - 1]++;
            free(terms[i]);
            continue;
        }
        terms[nl] = terms[i];
        wqf[nl++] = 1;
    }
    nterms = nl;
    const unsigned want = spine_match_page_end(first, maxitems);
    if (want > m->tier_size / 8 || nterms > m->tier_terms)
        goto done;
    rc = xapian_database_doccount(&N, m->db, xe);
    freqs = spine_calloc(nterms, sizeof *freqs);
    for (size_t i = 0; rc == 0 && i < nterms; i++) {
        freqs[i].term = terms[i];       /* borrowed */
        rc = xapian_database_termfreq(&freqs[i].tf, m->db, terms[i],
                                      strlen(terms[i]), xe);
        if (rc == 0 && freqs[i].tf < m->tier_min_tf)
            goto done;
    }
    lists = spine_calloc(nterms, sizeof *lists);
    spine_buf key = SPINE_BUF_INIT;
    for (size_t i = 0; rc == 0 && i < nterms; i++) {
        tier_list *l = &lists[i];
        uint64_t cf = 0;
        size_t len = 0;
        rc = xapian_database_collection_freq(&cf, m->db, terms[i],
                                             strlen(terms[i]), xe);
        l->coeff = spine_ext_prenorm_coeff(wqf[i], N, (double)cf,
                                           freqs[i].tf, m->scale);
        spine_buf_reset(&key);
        spine_buf_puts(&key, m->tier_prefix);
        spine_buf_puts(&key, terms[i]);
        if (rc == 0)
            rc = xapian_database_get_metadata(&l->blob, &len, m->db, key.p,
                                              key.n, xe);
        const unsigned char *b = (const unsigned char *)l->blob;
        l->k = rc == 0 && len >= 8 ? spine_get_le32(b) : 0;
        if (rc == 0 && (l->k == 0 || len != 8 + 8 * (size_t)l->k)) {
            spine_buf_free(&key);
            goto done;                  /* not tiered */
        }
        if (rc != 0)
            break;
        l->cap = spine_ext_prenorm_part(l->coeff, spine_get_le32(b + 4),
                                        m->scale);
        l->ids = b + 8;
        l->wdfs = l->ids + 4 * (size_t)l->k;
        total += l->k;
        B += l->cap;
    }
    spine_buf_free(&key);
    if (rc != 0)
        goto done;
    *counts = spine_match_lazy_counts((spine_counts){ 0, 0, 0 }, freqs,
                                      nterms, 0, N);

    cands = merge_tiers(&ncands, lists, nterms, total, B, m->scale);
    if (ncands < want)
        goto done;
    /* t: the page's last p(d).  (reach holds p, then u, by docid.) */
    reach = spine_calloc(ncands, sizeof *reach);
    for (size_t i = 0; i < ncands; i++)
        reach[i] = (spine_scored){ cands[i].p, cands[i].id };
    if (want < ncands)
        select_best(reach, ncands, want);
    double pmax = reach[0].w;           /* the want-th highest p */
    for (size_t i = 1; i < want; i++)
        if (reach[i].w < pmax)
            pmax = reach[i].w;
    double t = pmax * (1 - TIER_EPS);
    /* A first few, those of highest bound, ranked by the whole query:
     * their page's last weight is a closer floor than t, as p(d) counts
     * only the tiers a document is in. */
    for (size_t i = 0; i < ncands; i++)
        reach[i] = (spine_scored){ cands[i].u, cands[i].id };
    size_t few = ncands < 2 * (size_t)want + 30 ? ncands
                                                : 2 * (size_t)want + 30;
    if (few < ncands)
        select_best(reach, ncands, few);
    xapian_mset *page = NULL;
    rc = spine_match_rank_among(&page, m, reach, few, 0, want, xe);
    if (rc == 0 && xapian_mset_size(page) == want) {
        double w;
        rc = xapian_mset_weight(&w, page, want - 1, xe);
        if (rc == 0 && w * (1 - TIER_EPS) > t)
            t = w * (1 - TIER_EPS);
    }
    xapian_mset_free(page);
    if (rc != 0)
        goto done;
    *floor = t;
    size_t n = 0;
    for (size_t i = 0; i < ncands; i++)
        if (cands[i].u * (1 + TIER_EPS) >= t) {
            if (n == m->tier_max)
                goto done;
            reach[n++] = (spine_scored){ cands[i].u, cands[i].id };
        }
    rc = spine_match_rank_among(&r.mset, m, reach, n, first, maxitems, xe);
    if (rc != 0 || xapian_mset_size(r.mset) < maxitems)
        goto done;
    /* The weights worked out here must be Xapian's: each hit's lies
     * between its p(d) and u(d) (cands is in docid order). */
    for (unsigned k = 0; k < xapian_mset_size(r.mset); k++) {
        xapian_docid did;
        double x;
        rc = xapian_mset_docid(&did, r.mset, k, xe);
        if (rc == 0)
            rc = xapian_mset_weight(&x, r.mset, k, xe);
        if (rc != 0)
            goto done;
        size_t lo = 0, hi = ncands;     /* the first with id >= did */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cands[mid].id < did)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == ncands || cands[lo].id != did
            || x < cands[lo].p * (1 - TIER_EPS)
            || x > cands[lo].u * (1 + TIER_EPS))
            goto done;
    }
    double w;
    rc = xapian_mset_weight(&w, r.mset, maxitems - 1, xe);
    if (rc == 0 && w > B * (1 + TIER_EPS)) {
        settled = 1;
        r.lower = counts->lower;
        r.estimated = counts->estimated;
        r.upper = counts->upper;
    }

done:
    if (settled)
        *out = r;
    else
        spine_match_free(&r);
    for (size_t i = 0; lists && i < nterms; i++)
        free(lists[i].blob);
    free(lists);
    for (size_t i = 0; i < nterms; i++)
        free(terms[i]);
    free(terms);
    free(freqs);
    free(wqf);
    free(cands);
    free(reach);
    return rc != 0 ? rc : settled;
}
