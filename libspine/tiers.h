/*
 * tiers.h -- impact tiers: for every common term, its postings of highest
 * wdf, stored in the index so that a query of one or two common terms can
 * be answered, and proven, without reading their posting lists (the
 * matcher's tiered plan: match.h, spine_matcher_set_tiers()).
 *
 * The format, as Xapian metadata of the database (little-endian u32s):
 *   prefix         min_tf, size: the settings the tiers were made with
 *   prefix + term  k, cap, then k docids ascending, then their k wdfs:
 *                  the term's k postings of highest wdf (ties: the lower
 *                  docid), k = size or 1/share of its list if more, and
 *                  cap, the highest wdf among its other postings.
 * A term whose key would pass Xapian's key limit goes without a tier.
 */
#ifndef SPINE_TIERS_H
#define SPINE_TIERS_H

#include <stddef.h>
#include <stdint.h>

#include "xapian_c.h"

/* Writes the tiers of every term of db that indexes min_tf documents or
 * more, under prefix (not empty), reading each such posting list once:
 * call it after the last document is added.  The metadata is written
 * with db's next commit.  Sets *nterms (if not NULL) to the number of
 * terms tiered.  XAPIAN_EINVAL unless 0 < size < min_tf and share >= 2. */
int spine_tiers_write(xapian_writable_database *db, const char *prefix,
                      unsigned min_tf, unsigned size, unsigned share,
                      unsigned *nterms, xapian_error *xe);

/* Brings db's tiers under prefix up to date after documents changed in
 * place (an update: update.c), for each term of terms (nterms of them,
 * each NUL-terminated, one after another): every term of every document
 * deleted or added.  gone lists the docids deleted (ascending, ngone of
 * them); every docid from first_added on was added.  A term's tier keeps
 * its cap: the docids gone leave it, and the documents added whose wdf
 * passes the cap join it, so that it still holds every posting above its
 * cap; it is made again from the term's postings (as
 * spine_tiers_write() would, with its settings and share) when the term
 * has just reached the settings' min_tf or when fewer than size postings
 * would be left, and removed when the term indexes fewer than min_tf
 * documents.  Does nothing on a database without tiers.  The metadata is
 * written with db's next commit.  Sets *nwritten (if not NULL) to the
 * tiers written or removed.  Returns 0 or an XAPIAN_E* code. */
int spine_tiers_update(xapian_writable_database *db, const char *prefix,
                       const char *terms, size_t nterms, unsigned share,
                       const xapian_docid *gone, size_t ngone,
                       xapian_docid first_added, unsigned *nwritten,
                       xapian_error *xe);

/* ---- the stored form, read back (for spine_index_check()) ------------- */

/* What a stored item of the tiers is: */
enum {
    SPINE_TIER_ABSENT    = 0,   /* not stored */
    SPINE_TIER_PRESENT   = 1,   /* stored, and its length fits its format */
    SPINE_TIER_MALFORMED = -1   /* stored, but of a length it cannot have */
};

/* Reads the settings db's tiers under prefix were made with: sets *state
 * (SPINE_TIER_*) and, when present, *min_tf and *size.  Returns 0 or an
 * XAPIAN_E* code. */
int spine_tiers_settings(int *state, unsigned *min_tf, unsigned *size,
                         const xapian_database *db, const char *prefix,
                         xapian_error *xe);

/* Whether spine_tiers_write() gives a term of len bytes a tier under
 * prefix: 0 when its key would pass Xapian's key limit. */
int spine_tiers_key_fits(const char *prefix, size_t len);

/* A term's tier as stored, decoded: nothing in it is checked. */
typedef struct spine_tier {
    uint32_t k;                 /* its postings */
    uint32_t cap;               /* the highest wdf of the term's others */
    uint32_t *docids;           /* k docids, as stored */
    uint32_t *wdfs;             /* and their k wdfs */
} spine_tier;

/* Reads term's tier under prefix from db into *t: sets *state
 * (SPINE_TIER_*); when SPINE_TIER_PRESENT, *t holds it (release with
 * spine_tier_free()), else *t is empty.  Returns 0 or an XAPIAN_E*
 * code. */
int spine_tier_read(spine_tier *t, int *state, const xapian_database *db,
                    const char *prefix, const char *term, xapian_error *xe);

/* Releases what *t holds and empties it.  Accepts an empty tier. */
void spine_tier_free(spine_tier *t);

#endif /* SPINE_TIERS_H */
