/*
 * fold.h -- accent and case folding of words (internal to libspine).
 *
 * Terms are made from folded text, at index time and at query time, so
 * that "Ménière", "Meniere" and "MÉNIÈRE" are one word.  Folding is
 * utf8proc's: each character outside ASCII is decomposed (canonically),
 * its marks (accents) stripped, case-folded ("ß" is "ss") and what is
 * left composed again.  ASCII bytes are left exactly as they are: Xapian
 * lower-cases ASCII words itself, and the query parser reads AND, OR, NOT
 * and NEAR, and initialisms ("U.S."), by their capitals.  Text without a
 * byte above 0x7f is never touched, so folding costs English text a scan.
 *
 * Stored text is never folded: snippets show articles as written.
 */
#ifndef SPINE_FOLD_H
#define SPINE_FOLD_H

#include <stddef.h>

#include "util.h"

/* Whether s[0..len) has a byte above 0x7f, i.e. whether folding may
 * change it. */
int spine_fold_needed(const char *s, size_t len);

/* Bits for spine_fold_append(). */
/* A run of characters outside ASCII that begins with a capital (Lu, Lt)
 * begins with a capital when folded too ("É" is "E", not "e"): Xapian's
 * query parser stems a word unless it begins with a capital, so a query
 * word keeps its capital to be read as the unfolded word would be. */
#define SPINE_FOLD_KEEP_CAPITAL 1u

/* Appends s[0..len) folded (see above) to out.  ASCII bytes are copied;
 * each run of bytes above 0x7f is folded as a whole, so that a base
 * letter and its combining marks go together; a run that is not valid
 * UTF-8 is copied unchanged.  flags: SPINE_FOLD_* bits. */
void spine_fold_append(spine_buf *out, const char *s, size_t len,
                       unsigned flags);

/* Returns s[0..len) folded: s itself when spine_fold_needed() says it
 * need not be (*outlen = len), else scratch->p, which holds the folded
 * text (*outlen bytes, NUL-terminated) until scratch next changes.  s
 * need not be NUL-terminated; when it is not, neither is a returned s. */
const char *spine_fold(spine_buf *scratch, const char *s, size_t len,
                       size_t *outlen, unsigned flags);

#endif /* SPINE_FOLD_H */
