/*
 * query.h -- what libspine reads of, and rewrites in, a parsed query: its
 * phrase and NEAR parts, a phrase's words, the query with some of its
 * parts matching nothing, its multi-word synonyms matched whole, and
 * feedback terms added inside its filters.
 * Built on the binding's query walk (xapian_query_type(),
 * _num_subqueries(), _subquery(), _leaf_term()).
 */
#ifndef SPINE_QUERY_H
#define SPINE_QUERY_H

#include <stddef.h>
#include <stdint.h>

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

/* How spine_query_whole_synonyms() learns a term's document frequency:
 * sets *out to the number of documents that hold term[0..len).  ctx is
 * the caller's.  Returns 0 or an XAPIAN_E* code. */
typedef int (*spine_term_freq_fn)(uint32_t *out, const char *term,
                                  size_t len, void *ctx, xapian_error *xe);

/* Sets *out to a new copy of q in which each multi-word synonym is
 * matched whole and counts no more than the words typed.  The query
 * parser's synonym expansion (FLAG_AUTO_SYNONYMS,
 * FLAG_AUTO_MULTIWORD_SYNONYMS) is an OP_SYNONYM of the words typed and
 * their synonyms: one term, weighed with the statistics of them all and
 * the sum of their wdfs.  The indexer stores a multi-word synonym as its
 * terms joined by spaces ("sciatica" -> "Zsciatic Znerv Zpain",
 * synonyms.h), a term no document holds.  An OP_SYNONYM that has one
 * becomes
 *
 *     SYNONYM(typed, c_1, ..., c_k) FILTER (typed OR m_1 OR ... OR m_k)
 *
 * where m_i is what synonym i matches (a term, or the AND of the terms of
 * a multi-word one) and c_i the term counted for it (the term, or the
 * rarest term of a multi-word one, by freq): an article matches through
 * the whole synonym, never through one common word of it ("pain" for
 * "sciatica"), and an occurrence of the synonym counts as one of its
 * rarest word, as much as one of the word typed, not once a word.  The
 * query's weights stay ones that depend on a document's own postings
 * alone, as the matcher's lazy and tiered plans require (match.h).  A
 * synonym under an operator that cannot be rebuilt (OP_SCALE_WEIGHT,
 * OP_ELITE_SET, windowed operators) is left as it is; the query parser
 * puts none there. */
int spine_query_whole_synonyms(xapian_query **out, const xapian_query *q,
                               spine_term_freq_fn freq, void *ctx,
                               xapian_error *xe);

/* Sets *out to a new query: q with extra's weight added (pseudo-relevance
 * feedback's terms), inside q's filters and exclusions, so that they
 * still hold of every match: under a FILTER (source:) or an AND_NOT (NOT,
 * -word) the first subquery takes extra, the others stay as they are.
 * There, extra may also bring in documents q's words missed (OR) when
 * they are alternatives -- a term, an OR, a synonym or a wildcard --
 * unless only_reorder is set; otherwise (only_reorder, or q requires all
 * of its parts: AND, a phrase, a pure filter) it only reorders q's
 * matches (AND_MAYBE).  q and extra stay owned by the caller. */
int spine_query_add_weight(xapian_query **out, const xapian_query *q,
                           const xapian_query *extra, int only_reorder,
                           xapian_error *xe);

/* How spine_query_lift_field() weighs a word typed: sets *w to the
 * scale of field_term, the field's form of body_term (both NUL-terminated;
 * 0 or less: leave the word out).  ctx is the caller's.  Returns 0 or an
 * XAPIAN_E* code. */
typedef int (*spine_field_weight_fn)(double *w, const char *body_term,
                                     const char *field_term, void *ctx,
                                     xapian_error *xe);

/* Sets *out to a new copy of q with a lift by a field: the words typed
 * read again as terms of the field whose terms carry prefix
 * (SPINE_PREFIX_TITLE), each scaled as fn says (a body term "word" or
 * "Zstem" becomes prefix + word or "Z" + prefix + stem; a synonym group
 * is read an alternative at a time, all of whose words the field must
 * hold; left out are the synonyms' counted terms, wildcards, and terms
 * that are no body terms: ids, sources, terms of a field already).  It
 * only adds weight to what matches already, as every document whose
 * field holds a word holds the word (the indexer puts the title in the
 * body too):
 *   - a query of words (terms, wildcards, synonym groups whose
 *     alternatives are a word or the AND of a multi-word one's words, an
 *     OR of those, inside its filters and exclusions) takes the lift as
 *     one more alternative of its OR.  Xapian then counts a title's
 *     document twice in its estimate of the matches (not in its counts);
 *   - any other query, e.g. with a phrase (a title may hold its words
 *     apart) or an AND, has each of its units (a word, a synonym group, a
 *     phrase, an AND: what its ORs combine) become AND_MAYBE(unit, its
 *     lift).
 * One AND_MAYBE over the whole query would leave Xapian's matcher no
 * bound per alternative to prune by: on 300 MedQuAD benchmark queries it
 * cost 506M instructions against 331M for the flat form and 380M for a
 * lift per unit.  q stays owned by the caller. */
int spine_query_lift_field(xapian_query **out, const xapian_query *q,
                           const char *prefix, spine_field_weight_fn fn,
                           void *ctx, xapian_error *xe);

#endif /* SPINE_QUERY_H */
