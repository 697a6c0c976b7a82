/*
 * ceiling.h -- the 32-bit ceiling of Xapian 1.4's collection frequencies
 * (internal to libspine).
 *
 * Xapian 1.4 keeps a term's collection frequency (the sum of its wdf over
 * the documents) in 32 bits: in a glass database, and in the statistics a
 * match sums over the shards of a sharded one (local or remote), where
 * Spine's weight reads it (spine_ext.h).  A sum past 2^32 - 1 wraps
 * without a word, and the term's weight is then wrong everywhere.
 * Spine's wdfs are scaled (schema.h, SPINE_WDF_SCALE), so a common word
 * reaches it at about 4.5 million MedQuAD-sized articles in one index or
 * one shard set: splitting into shards does not lift it.  Builds and
 * updates check the database they are about to make live, and refuse one
 * past it.
 */
#ifndef SPINE_CEILING_H
#define SPINE_CEILING_H

#include <stdint.h>

#include "spine/error.h"
#include "xapian_c.h"

/* The largest collection frequency Xapian 1.4 holds: 2^32 - 1. */
#define SPINE_COLLFREQ_MAX UINT64_C(0xffffffff)

/* Checks that no term of db (one database, or the shards of a set) sums
 * its wdfs past limit (0: SPINE_COLLFREQ_MAX).  Nothing is read when the
 * whole database's length is within it; else only the posting lists of
 * terms whose document frequency times largest wdf passes it, summed in
 * 64 bits (Xapian's own sums may have wrapped).  Returns SPINE_OK, or
 * SPINE_ELIMIT naming what (the index) and the first such term, with its
 * sum, or a Xapian error. */
int spine_ceiling_check(const xapian_database *db, uint64_t limit,
                        const char *what, spine_error *err);

#endif /* SPINE_CEILING_H */
