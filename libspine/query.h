/*
 * query.h -- what libspine reads of, and rewrites in, a parsed query: its
 * phrase and NEAR parts, a phrase's words, and the query with some of its
 * parts matching nothing.  Built on the binding's query walk
 * (xapian_query_type(), _num_subqueries(), _subquery(), _leaf_term()).
 */
#ifndef SPINE_QUERY_H
#define SPINE_QUERY_H

#include <stddef.h>

#include "xapian_c.h"

/* Returns 1 when q has a phrase or NEAR subquery anywhere (or the walk
 * ran out of memory: the caller then looks closer), 0 otherwise. */
int spine_query_positional(const xapian_query *q);

/* Sets *out to a malloc()ed array of *n new handles on q's phrase and
 * NEAR subqueries, outermost ones only, in query order (none: *out NULL).
 * Release each with xapian_query_free() and the array with free(). */
int spine_query_positional_parts(xapian_query ***out, size_t *n,
                                 const xapian_query *q, xapian_error *xe);

/* Sets *out to a new copy of q in which each subquery that is one of
 * parts[0..n) (handles spine_query_positional_parts() gave for q itself)
 * matches nothing.  XAPIAN_ERROR when a part sits under an operator
 * whose parameters Xapian does not hand back (OP_SCALE_WEIGHT,
 * OP_ELITE_SET, windowed operators); the query parser builds none. */
int spine_query_without(xapian_query **out, const xapian_query *q,
                        xapian_query *const *parts, size_t n,
                        xapian_error *xe);

/* For a phrase (XAPIAN_QUERY_OP_PHRASE) whose subqueries are all terms:
 * sets *out to a malloc()ed buffer of its *n terms in phrase order,
 * NUL-separated, and *strict to 1 when its words must stand next to each
 * other (a window of *n positions: what the query parser makes of quoted
 * text), 0 when they may stand further apart (ADJ/k).  For any other
 * query *out is NULL and *n 0. */
int spine_query_phrase_terms(char **out, size_t *n, int *strict,
                             const xapian_query *q, xapian_error *xe);

#endif /* SPINE_QUERY_H */
