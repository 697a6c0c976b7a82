/*
 * snippet.h -- choosing and rendering snippets (internal to libspine).
 */
#ifndef SPINE_SNIPPET_H
#define SPINE_SNIPPET_H

#include "spine/article.h"
#include "util.h"
#include "xapian_c.h"

/* Markers handed to Xapian's snippet(): control characters that never
 * occur in indexed text, replaced by the caller's markers afterwards (the
 * caller's markers could be anything, and Xapian HTML-escapes its output). */
#define SPINE_HI_START "\x02"
#define SPINE_HI_END   "\x03"

/* Query terms as the words they stand for: "Zstone" and "ZSstone" (stems)
 * and "stones", "Sstones" (words as typed).  One malloc()ed block of
 * NUL-separated strings from Xapian, pointed into. */
typedef struct spine_wanted {
    char *buf;               /* Xapian's terms (freed with the struct) */
    const char **word;       /* pointers into buf */
    int *stemmed;            /* word[i] is a stem */
    size_t n;
    unsigned char first[256];  /* first[c]: some word starts with byte c */
} spine_wanted;

/* Releases w's memory (not w itself).  Accepts a zeroed w. */
void spine_wanted_free(spine_wanted *w);

/* Fills *w with the terms hit i of mset matched (Xapian's matching terms:
 * reads the document's term list).  Returns 0 or an XAPIAN_E* code. */
int spine_wanted_hit(spine_wanted *w, const xapian_enquire *enq,
                     xapian_mset *mset, unsigned i, xapian_error *xe);

/* Fills *w with the terms of query q.  Returns 0 or an XAPIAN_E* code. */
int spine_wanted_query(spine_wanted *w, const xapian_query *q,
                       xapian_error *xe);

/* Bits of the cut argument: which ends of the text spine_snippet_text()
 * cut off. */
#define SPINE_CUT_HEAD 1u
#define SPINE_CUT_TAIL 2u

/* Sets b to the text a snippet is cut from: the section of a whose words
 * match w most often (its pid in *pid, borrowed from a), or the whole
 * article when none does (*pid NULL); then, if that is longer than window
 * bytes (0: no limit), the window of it where w's words are densest, with
 * *cut saying which ends were cut (SPINE_CUT_* bits). */
void spine_snippet_text(spine_buf *b, const char **pid, unsigned *cut,
                        const spine_article *a, const spine_wanted *w,
                        size_t window);

/* Turns Xapian's HTML-escaped snippet with SPINE_HI_START/SPINE_HI_END
 * markers into one line of plain text with hi_start/hi_end around matches,
 * and "..." at each end the text was cut at (cut, from spine_snippet_text)
 * unless Xapian put one there.  Returns a malloc()ed string; free() it. */
char *spine_snippet_render(const char *html, const char *hi_start,
                           const char *hi_end, unsigned cut);

/* Cuts a snippet of about bytes bytes from text[0..len) (the window
 * spine_snippet_text() chose; cut says which of its ends were cut) where
 * w's words are densest, and renders it as spine_snippet_render() does:
 * one line, hi_start/hi_end around each word that is a query word of w
 * (as typed, or a word whose stem under stem is a query stem: exactly the
 * words Xapian would match; a word is folded as terms are, fold.h, and
 * marked as written), "..." at each end where text was left out.
 * Stems only the words that start with the letter of some query stem.
 * Returns a malloc()ed string; free() it. */
char *spine_snippet_make(const char *text, size_t len, const spine_wanted *w,
                         const xapian_stem *stem, size_t bytes,
                         const char *hi_start, const char *hi_end,
                         unsigned cut);

#endif /* SPINE_SNIPPET_H */
