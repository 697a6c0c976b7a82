/*
 * ceiling.c -- the 32-bit ceiling of collection frequencies (ceiling.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ceiling.h"
#include "util.h"
#include "xerror.h"

/* Sums term's wdf over db in 64 bits into *sum. */
static int exact_sum(uint64_t *sum, const xapian_database *db,
                     const char *term, size_t len, xapian_error *xe)
{
    xapian_postlist *pl = NULL;
    xapian_docid did;
    uint32_t wdf;
    int rc = xapian_database_postlist(&pl, db, term, len, xe), more = 0;
    *sum = 0;
    while (rc == 0 && (more = xapian_postlist_next(&did, &wdf, pl, xe)) > 0)
        *sum += wdf;
    xapian_postlist_free(pl);
    return rc ? rc : more;
}

int spine_ceiling_check(const xapian_database *db, uint64_t limit,
                        const char *what, spine_error *err)
{
    xapian_termlist *tl = NULL;
    xapian_error xe;
    uint64_t total = 0, sum = 0;
    const char *t;
    size_t len;
    uint32_t tf, wub;
    int more = 0;

    if (limit == 0)
        limit = SPINE_COLLFREQ_MAX;
    int rc = xapian_database_total_length(&total, db, &xe);
    if (rc == 0 && total <= limit)
        return SPINE_OK;                /* no term can sum to more */
    if (rc == 0)
        rc = xapian_database_allterms(&tl, db, "", 0, &xe);
    while (rc == 0 && (more = xapian_termlist_next(&t, &len, &tf, tl,
                                                   &xe)) > 0) {
        rc = xapian_database_wdf_upper_bound(&wub, db, t, len, &xe);
        if (rc != 0 || (uint64_t)tf * wub <= limit)
            continue;
        rc = exact_sum(&sum, db, t, len, &xe);
        if (rc == 0 && sum > limit)
            break;
    }
    if (rc == 0 && more < 0)
        rc = more;
    if (rc != 0) {
        xapian_termlist_free(tl);
        return spine_error_from_xapian(err, &xe, what);
    }
    if (more > 0) {
        rc = spine_error_set(err, SPINE_ELIMIT, "%s: the term '%.*s' would "
                             "sum its weights to %" PRIu64 ", past %s (%"
                             PRIu64 "): Xapian would wrap the sum and rank "
                             "the term wrongly.  A shard set shares the "
                             "limit (Xapian sums the shards' frequencies in "
                             "32 bits): index fewer articles in one index or "
                             "set.  The index is left as it was", what,
                             (int)(len > 64 ? 64 : len), t, sum,
                             limit == SPINE_COLLFREQ_MAX
                                 ? "Xapian's 32-bit collection frequency"
                                 : "the limit given", limit);
    }
    xapian_termlist_free(tl);
    return rc;
}
