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

#include "xapian_c.h"

/* Writes the tiers of every term of db that indexes min_tf documents or
 * more, under prefix (not empty), reading each such posting list once:
 * call it after the last document is added.  The metadata is written
 * with db's next commit.  Sets *nterms (if not NULL) to the number of
 * terms tiered.  XAPIAN_EINVAL unless 0 < size < min_tf and share >= 2. */
int spine_tiers_write(xapian_writable_database *db, const char *prefix,
                      unsigned min_tf, unsigned size, unsigned share,
                      unsigned *nterms, xapian_error *xe);

#endif /* SPINE_TIERS_H */
