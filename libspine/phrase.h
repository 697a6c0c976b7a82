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

#include <stdint.h>

#include "spine/article.h"
#include "util.h"
#include "xapian_c.h"

typedef struct spine_phrases spine_phrases;

/* Collects the phrase and NEAR subqueries of q (q itself is not kept).
 * *out is NULL when q has none: there is nothing to check.  Otherwise
 * release it with spine_phrases_free().  Returns 0 or a XAPIAN_E* code. */
int spine_phrases_new(spine_phrases **out, const xapian_query *q,
                      xapian_error *xe);

/* Reads an article's pair set (set, len bytes: its SPINE_SLOT_PAIRS
 * value; len 0 when the index has none) and marks the quoted phrases the
 * set rules out: the article cannot hold them.  Returns how many phrases
 * the set leaves for spine_phrases_flip() to check against the text; 0
 * means the article need not be read.  The marks last until that call. */
unsigned spine_phrases_prefilter(spine_phrases *p, const void *set,
                                 size_t len);

/* Sets *flips to the number of phrases article a holds every word of
 * but nowhere the phrase itself: Xapian's relaxed match counts them as
 * matched there, an index with positions would not.  Phrases the last
 * spine_phrases_prefilter() ruled out count without a look; a may be
 * NULL when that call left none to check.  Returns 0 or a XAPIAN_E*
 * code. */
int spine_phrases_flip(unsigned *flips, spine_phrases *p,
                       const spine_article *a, xapian_error *xe);

/* After spine_phrases_flip(), sets *out to a new copy of q (the query p
 * was made from, or one that contains it) in which the phrases that
 * flipped match nothing: the query as an index with positions would
 * evaluate it for that article.  Release with xapian_query_free(). */
int spine_phrases_unflipped(xapian_query **out, const spine_phrases *p,
                            const xapian_query *q, xapian_error *xe);

/* The phrases the last spine_phrases_flip() flipped, as a set: bit i
 * stands for the i-th phrase.  0 when none flipped, or when p has more
 * than 64 phrases (SPINE_PHRASES_SET_MAX) and sets cannot name them. */
#define SPINE_PHRASES_SET_MAX 64
uint64_t spine_phrases_flipped_set(const spine_phrases *p);

/* spine_phrases_unflipped() for the phrases of set (from
 * spine_phrases_flipped_set(), not 0), whichever article flipped them. */
int spine_phrases_unflipped_set(xapian_query **out, spine_phrases *p,
                                uint64_t set, const xapian_query *q,
                                xapian_error *xe);

/* Releases p.  Accepts NULL. */
void spine_phrases_free(spine_phrases *p);

/* Pair sets, built by the indexer into each document's SPINE_SLOT_PAIRS
 * value: hashes of every two words of the article's title, questions
 * and answers, folded as terms are (fold.h), that could be adjacent terms
 * (see phrase.c), cut to seven
 * bits more than it takes to count the article's pairs, so that a pair
 * the article lacks passes at most one time in 128, whatever its length
 * (which costs only a read of the article).  Encoded as a format byte,
 * the bits kept, the byte lengths of 16 buckets (the hashes by their top
 * four bits), then each bucket's sorted hashes as gaps, all LEB128: two
 * or three bytes a pair.
 *
 * A spine_phrase_pairs holds the builder's scratch space, for one thread
 * at a time: spine_phrase_pairs_new() returns one (never NULL),
 * spine_phrase_pairs_free() releases it (accepts NULL).
 * spine_phrase_pairs_build() replaces out's contents with a's set. */
typedef struct spine_phrase_pairs spine_phrase_pairs;
spine_phrase_pairs *spine_phrase_pairs_new(void);
void spine_phrase_pairs_free(spine_phrase_pairs *pp);
void spine_phrase_pairs_build(spine_phrase_pairs *pp, const spine_article *a,
                              spine_buf *out);

#endif /* SPINE_PHRASE_H */
