/*
 * seealso.h -- "See also" (internal to libspine): the other conditions a
 * query names a symptom, a cause or a complication of, from the articles'
 * typed fields (schema.h: SPINE_PREFIX_SYMPTOM, _CAUSE, _COMPLICATION).
 */
#ifndef SPINE_SEEALSO_H
#define SPINE_SEEALSO_H

#include "search_int.h"

/* The most words of a query that gets a "see also" list: a symptom or a
 * condition is named in a few words; a longer query is a question, whose
 * words all in one typed field would be chance. */
#define SPINE_SEE_ALSO_MAX_WORDS 6

/* Fills r->see_also with up to n (<= SPINE_MAX_SEE_ALSO) conditions for
 * which text -- the query as searched: corrected when it was -- names a
 * symptom, a cause or a complication, best first: articles whose
 * symptoms, causes or complications field holds every word of text
 * (stemmed, stop words dropped; fields, negated words, operators and
 * quotes left out), ranked with Spine's weight over those fields and lifted
 * by the number of articles (sources) that say so of the same condition,
 * one entry a condition (SPINE_SLOT_CONDITION), without the articles
 * about the query itself (whose title words the query's words cover, or
 * whose title holds them all).
 * Text of no words, or of more than SPINE_SEE_ALSO_MAX_WORDS, lists
 * nothing.  Returns SPINE_OK, or an error reading the index (r->see_also
 * then NULL). */
int spine_see_also_find(spine_results *r, spine_searcher *s,
                        const char *text, unsigned n, spine_error *err);

#endif /* SPINE_SEEALSO_H */
