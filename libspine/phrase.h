/*
 * phrase.h -- phrase and NEAR queries on an index without word positions.
 *
 * Without positions Xapian matches a phrase ("kidney stones" in quotes, a
 * hyphenated word, NEAR) as the AND of its words.  A spine_phrases checks
 * the documents such a match returns against their stored text: it finds
 * the article's units (the title; each section's question with its answer)
 * that hold every word of a phrase, indexes only those again, with
 * positions, and asks Xapian whether the phrase matches there.  (In the
 * index units lie SPINE_SECTION_GAP positions apart, so only a NEAR wider
 * than that could match across two of them; it is checked within one.)
 */
#ifndef SPINE_PHRASE_H
#define SPINE_PHRASE_H

#include "article.h"
#include "xapian_c.h"

typedef struct spine_phrases spine_phrases;

/* Collects the phrase and NEAR subqueries of q (q itself is not kept).
 * *out is NULL when q has none: there is nothing to check.  Otherwise
 * release it with spine_phrases_free().  Returns 0 or a XAPIAN_E* code. */
int spine_phrases_new(spine_phrases **out, const xapian_query *q,
                      xapian_error *xe);

/* Sets *flips to the number of phrases article a holds every word of
 * but nowhere the phrase itself: Xapian's relaxed match counts them as
 * matched there, an index with positions would not.  Returns 0 or a
 * XAPIAN_E* code. */
int spine_phrases_flip(unsigned *flips, spine_phrases *p,
                       const spine_article *a, xapian_error *xe);

/* After spine_phrases_flip(), sets *out to a new copy of q (the query p
 * was made from, or one that contains it) in which the phrases that
 * flipped match nothing: the query as an index with positions would
 * evaluate it for that article.  Release with xapian_query_free(). */
int spine_phrases_unflipped(xapian_query **out, const spine_phrases *p,
                            const xapian_query *q, xapian_error *xe);

/* Releases p.  Accepts NULL. */
void spine_phrases_free(spine_phrases *p);

#endif /* SPINE_PHRASE_H */
