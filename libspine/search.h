/*
 * search.h -- answering queries against an index.
 *
 * A spine_searcher holds one open index (and its query parser) and answers
 * any number of queries; opening is the only costly step, so batch callers
 * keep one searcher for all their queries.
 *
 * Query language (Xapian's QueryParser): words, AND/OR/NOT, "phrases",
 * prefix*, +must -mustnot, title:word and source:NAME (a filter; case
 * insensitive).  Ranking is BM25 over the article text, with a lift for
 * articles whose title matches; optionally expanded with terms from the
 * top hits (pseudo-relevance feedback).
 */
#ifndef SPINE_SEARCH_H
#define SPINE_SEARCH_H

#include <stddef.h>

#include "spine_error.h"

typedef struct spine_searcher spine_searcher;

/* Opens the index at dir.  Returns SPINE_ENOTFOUND when there is none,
 * SPINE_ECORRUPT when it cannot be read.  Release with spine_searcher_free(). */
int spine_searcher_open(spine_searcher **out, const char *dir,
                        spine_error *err);

/* Releases s.  Accepts NULL. */
void spine_searcher_free(spine_searcher *s);

/* Number of articles in the open index. */
unsigned spine_searcher_doccount(const spine_searcher *s);

/* Highlight markers placed around matched words in snippets.  The snippet
 * text itself is plain UTF-8 (no HTML escapes). */
typedef struct spine_query_options {
    unsigned offset;         /* skip this many hits */
    unsigned limit;          /* return at most this many (<= SPINE_MAX_LIMIT) */
    int match_all;           /* 1: words are ANDed; 0: ORed (default) */
    int snippets;            /* 1: build snippets (decompresses each hit) */
    int spelling;            /* 1: suggest a correction for unknown words */
    int expand;              /* 1: pseudo-relevance feedback (slower) */
    size_t snippet_bytes;    /* target snippet length */
    const char *hi_start;    /* e.g. "\033[1m" or "**" */
    const char *hi_end;
} spine_query_options;

#define SPINE_MAX_LIMIT 10000
#define SPINE_QUERY_OPTIONS_INIT { 0, 10, 0, 1, 1, 0, 200, "**", "**" }

typedef struct spine_hit {
    unsigned rank;           /* 1-based rank in the whole result list */
    double score;            /* BM25 weight */
    char *id;                /* article id */
    char *title;
    char *source;
    char *url;
    char *snippet;           /* NULL when snippets were not asked for */
} spine_hit;

typedef struct spine_results {
    char *query;             /* the query as given */
    char *corrected;         /* "did you mean" query, or NULL */
    unsigned long estimated; /* estimated total matches */
    spine_hit *hits;
    size_t nhits;
} spine_results;

/* Runs query.  On success *out is released with spine_results_free().  A
 * malformed query returns SPINE_EQUERY; a stored record that fails its
 * checksum returns SPINE_ECORRUPT naming the article.  A query that matches
 * nothing succeeds with nhits == 0. */
int spine_search(spine_results **out, spine_searcher *s, const char *query,
                 const spine_query_options *opts, spine_error *err);

/* Releases results.  Accepts NULL. */
void spine_results_free(spine_results *r);

#endif /* SPINE_SEARCH_H */
