/*
 * snippet.h -- choosing and rendering snippets (internal to libspine).
 */
#ifndef SPINE_SNIPPET_H
#define SPINE_SNIPPET_H

#include "article.h"
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

/* Sets b to the text a snippet is cut from: the section of a whose words
 * match w most often (its pid in *pid, borrowed from a), or the whole
 * article when none does (*pid NULL). */
void spine_snippet_text(spine_buf *b, const char **pid,
                        const spine_article *a, const spine_wanted *w);

/* Turns Xapian's HTML-escaped snippet with SPINE_HI_START/SPINE_HI_END
 * markers into one line of plain text with hi_start/hi_end around matches.
 * Returns a malloc()ed string; free() it. */
char *spine_snippet_render(const char *html, const char *hi_start,
                           const char *hi_end);

#endif /* SPINE_SNIPPET_H */
