/*
 * spine_ext.h -- Spine's extensions to Xapian, in the C manner of
 * xapian_c.h: the Xapian subclasses Spine needs, which must be C++
 * (spine_ext.cc), and nothing else.
 *
 *   - The weighting scheme: IneB2 (divergence from randomness: inverse
 *     expected document frequency, Bernoulli after-effect, normalisation 2)
 *     over wdfs that the indexer has already length-normalised
 *     (libspine/schema.h).  Its formula is exported once, here, for the C
 *     code that bounds weights without a match (impact tiers).
 *   - Posting sources: a fixed set of docids, and a docid range, each at
 *     weight 0, for filters that read no posting list.
 *   - A query reader (unserialise) that knows both, for copying a query to
 *     another thread.
 *
 * Conventions are xapian_c.h's: 0 or a negative XAPIAN_E* code, an optional
 * caller-owned xapian_error, out-parameters first, handles freed with the
 * binding's _free functions.  Private to libspine.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_EXT_H
#define SPINE_EXT_H

#include <stddef.h>

#include "xapian_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The weighting scheme's name, as Xapian's registry knows it. */
#define SPINE_EXT_PRENORM_NAME "Spine::PrenormIneB2Weight"

/* The prenormalised IneB2 weight of one posting is
 *
 *     spine_ext_prenorm_part(spine_ext_prenorm_coeff(wqf, N, F, n, scale),
 *                            wdf, scale)
 *
 * = wqf * idf * (F' + 1) / n * tfn / (tfn + 1), with tfn = wdf / scale,
 * F' = F / scale (F: the term's collection frequency in the index's wdf
 * units), n its document frequency, N the document count and
 * idf = log2((N + 1) / (N (1 - e^(-F' / N)) + 0.5)).  No document length
 * is read: the indexer folded it into the wdf. */

/* Returns the weight per unit of spine_ext_prenorm_part() of a term of
 * query frequency wqf, collection frequency collfreq and document
 * frequency n (> 0) in a database of N documents. */
double spine_ext_prenorm_coeff(double wqf, double N, double collfreq,
                               double n, double scale);

/* Returns the weight of a posting of wdf wdf for a term of coefficient
 * coeff. */
double spine_ext_prenorm_part(double coeff, double wdf, double scale);

/* Makes enq weigh by the prenormalised IneB2 scheme above, for an index
 * whose wdfs are scale times the normalised frequency.  XAPIAN_EINVAL
 * unless scale > 0. */
int spine_ext_enquire_set_prenorm(xapian_enquire *enq, double scale,
                                  xapian_error *err);

/* Creates a query matching exactly the documents ids[0..n) (any order;
 * repeats and docid 0 are ignored), each at weight 0: a filter for
 * XAPIAN_QUERY_OP_FILTER that reads no posting list (unlike an OR of id
 * terms, each a B-tree descent).  No ids: a query matching nothing.
 * Release with xapian_query_free(). */
int spine_ext_query_docids(xapian_query **out, const xapian_docid *ids,
                           size_t n, xapian_error *err);

/* The same for the docids of db (borrowed), which may have several shards
 * (xapian_database_add_database(), a stub listing several databases,
 * remote ones included): the query then finds each shard's documents
 * among ids in that shard, by its uuid, wherever it runs.  db NULL is
 * spine_ext_query_docids().  XAPIAN_EINVAL when a shard of db has no
 * uuid. */
int spine_ext_query_docids_of(xapian_query **out, const xapian_database *db,
                              const xapian_docid *ids, size_t n,
                              xapian_error *err);

/* Creates a query matching every docid from lo to hi, at weight 0: the
 * share of a database one part of a split match covers.  Its frequency
 * estimate is the whole database's, so that under an AND Xapian reads the
 * query's own posting lists first and skips this one to their docids; the
 * match counts it gives are then estimates for the whole database, which
 * the caller scales to the share.  Not serialisable. */
int spine_ext_query_docid_range(xapian_query **out, xapian_docid lo,
                                xapian_docid hi, xapian_error *err);

/* Reads back a query written by xapian_query_serialise(), knowing Spine's
 * posting sources (a docid set) and weighting scheme.  Release *out with
 * xapian_query_free(). */
int spine_ext_query_unserialise(xapian_query **out, const char *data,
                                size_t len, xapian_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SPINE_EXT_H */
