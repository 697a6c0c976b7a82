/*
 * spine/search.h -- answering queries against an index.
 *
 * A spine_searcher holds one open index (and its query parser) and answers
 * any number of queries; opening is the only costly step, so batch callers
 * keep one searcher for all their queries.
 *
 * Query language (Xapian's QueryParser): words, AND/OR/NOT, "phrases",
 * prefix*, +must -mustnot, title:word and source:NAME (a filter; case
 * insensitive), and symptom:word, cause:word and complication:word (the
 * answers of sections of those types, spine_section.type).  Ranking is
 * Xapian's IneB2 (a divergence-from-randomness model) over the article
 * text, where title words count four times, plus the title as a field of
 * its own (the words typed, weighed by their share of the title:
 * libspine/search_int.h, TITLE_LIFT); optionally expanded with terms from
 * the top hits (pseudo-relevance feedback).
 */
#ifndef SPINE_SEARCH_H
#define SPINE_SEARCH_H

#include <stddef.h>

#include "spine/article.h"
#include "spine/error.h"

/* An open index.  A searcher is not thread-safe: one thread at a time may
 * call it (it runs parts of a query on threads of its own, which it keeps
 * to itself; see spine_searcher_set_threads()).  Threads that search at
 * once each open a searcher of their own on the same index. */
typedef struct spine_searcher spine_searcher;

/* Opens the index at dir: its live generation, whole, also while a build
 * swaps in a new one (the open then starts again on the new one).
 * Returns SPINE_ENOTFOUND when there is none, SPINE_ECORRUPT when it
 * cannot be read.  Release with spine_searcher_free().
 *
 * A searcher stays on the generation it opened, whose files it keeps open,
 * until a build swaps in a new one: the next spine_search() or
 * spine_related() then moves it to the new generation (one stat() a query
 * tells), keeping its spine_searcher_set_threads() settings.  Should the
 * new generation not open, it goes on with the one it has. */
int spine_searcher_open(spine_searcher **out, const char *dir,
                        spine_error *err);

/* How a searcher opens a shard set: a stub (Xapian's format; a file, or a
 * directory holding XAPIANDB) that lists local databases ("auto PATH")
 * and remote ones ("remote HOST:PORT", served by spine-tcpsrv), or the
 * index directory of a sharded build (spine_index_options.shards).  Its
 * shards are searched as one index: the same hits, scores and snippets as
 * one index of the same articles, Xapian summing their statistics. */
typedef struct spine_open_options {
    unsigned timeout_ms;     /* bound on each network operation of a
                                remote shard (connecting, each read and
                                write); 0: 10 s */
    int partial;             /* 1: when shards are down, answer from the
                                others and say so (spine_results.missing)
                                instead of failing; a down shard is tried
                                again at most every SPINE_SHARD_RETRY_S
                                seconds, and used again once it answers */
} spine_open_options;

#define SPINE_OPEN_OPTIONS_INIT { .timeout_ms = 0, .partial = 0 }
#define SPINE_SHARD_RETRY_S 2

/* spine_searcher_open() with options (NULL: the defaults).  A shard that
 * does not answer is SPINE_ESHARD, naming it (host:port or path, and the
 * stub line that lists it), unless o->partial. */
int spine_searcher_open_with(spine_searcher **out, const char *dir,
                             const spine_open_options *o, spine_error *err);

/* Releases s.  Accepts NULL. */
void spine_searcher_free(spine_searcher *s);

/* Lets s match one query on up to threads threads at once (0: one per
 * CPU, at most SPINE_MAX_MATCH_THREADS; 1: only on the caller's), each
 * over its own share of the articles through its own handle on the index,
 * opened here.  A query is split only when its words index min_postings
 * articles or more, summed over its words (0: SPINE_SPLIT_POSTINGS), as a
 * split of a cheap query costs more than it saves.  The hits, their order
 * and scores are the same either way; the estimated match count may
 * differ.  spine_searcher_open() calls this with (0, 0) for an index of
 * SPINE_SPLIT_MIN_DOCS articles or more, and goes on with one thread
 * should it fail.  Returns SPINE_EINVAL for too many threads or an index
 * that has changed since s opened it (a rebuild swapped in), another
 * error when the index cannot be opened again; s is then left as it was. */
int spine_searcher_set_threads(spine_searcher *s, unsigned threads,
                               unsigned long min_postings, spine_error *err);

#define SPINE_MAX_MATCH_THREADS 8
#define SPINE_SPLIT_POSTINGS 100000
#define SPINE_SPLIT_MIN_DOCS 50000

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
    int autocorrect;         /* 1: a query with unknown words whose spelling
                                correction is close (one edit a word, two
                                for words of eight letters or more) is
                                searched as corrected (needs spelling) */
    int explain;             /* 1: list each hit's matched terms */
    double time_budget;      /* seconds (0: none).  Once a query has taken
                                this long, the optional steps still ahead
                                -- the spelling suggestion, --expand's
                                second match -- are skipped and
                                spine_results.over_budget says so.  Xapian
                                1.4 cannot stop a match part way, so the
                                budget cannot cut one short: the bounds
                                below keep every match bounded. */
    int count;               /* 1: count the whole match exactly, at the
                                cost of visiting every match (a phrase
                                query on an index without positions:
                                checking every candidate): then
                                spine_results.lower == upper == estimated.
                                0: the matcher's estimate, which costs
                                nothing */
    int facets;              /* 1: also count the matches per source
                                (spine_results.facets), over the whole
                                match; implies count.  One counting
                                match per source that the index holds */
    int exhaustive;          /* 1: weigh every match, with none of the
                                planners (tiers, lazy, split) and none of
                                Xapian's pruning: the reference ranking,
                                slower.  Xapian 1.4.22's pruning of an OR
                                query can drop a document that belongs
                                on the page (rarely: 2 of 2,450 benchmark
                                queries on MedQuAD at 10 hits; README,
                                "Known issues"); this finds it */
    unsigned see_also;       /* "See also": list up to this many other
                                conditions for which the query names a
                                symptom, a cause or a complication
                                (spine_results.see_also; at most
                                SPINE_MAX_SEE_ALSO).  0: none */
} spine_query_options;

#define SPINE_MAX_LIMIT 10000
#define SPINE_MAX_SEE_ALSO 50
#define SPINE_QUERY_OPTIONS_INIT                                          \
    { .offset = 0, .limit = 10, .match_all = 0, .snippets = 1,            \
      .spelling = 1, .expand = 0, .snippet_bytes = 200,                   \
      .hi_start = "**", .hi_end = "**", .autocorrect = 1, .explain = 0,  \
      .time_budget = 0, .count = 0, .facets = 0, .exhaustive = 0, \
      .see_also = 0 }

/* One matched query term of a hit (--explain). */
typedef struct spine_term_weight {
    char *term;              /* Xapian term: "Z" + stem, or the word */
    double weight;           /* the most this term adds to any hit's score
                                (Xapian's MSet::get_termweight) */
    unsigned long docs;      /* articles containing the term */
} spine_term_weight;

typedef struct spine_hit {
    unsigned rank;           /* 1-based rank in the whole result list */
    double score;            /* relevance weight (higher is better) */
    char *id;                /* article id */
    char *title;
    char *source;
    char *url;
    char *snippet;           /* NULL when snippets were not asked for */
    char *section;           /* pid of the section the snippet comes from
                                (the best-matching one), or NULL */
    spine_term_weight *explain;  /* matched terms, when asked for */
    size_t nexplain;
} spine_hit;

/* A source and how many articles have it: among an index's articles
 * (spine_searcher_sources()) or among a query's matches (facets). */
typedef struct spine_source_count {
    char *source;            /* as its first article gives it ("NIDDK");
                                "" for the articles without a source.
                                Sources that differ only in the case of
                                ASCII letters are one (source: matches
                                them alike) */
    unsigned long count;
} spine_source_count;

/* A "see also" entry: another condition for which the query's words name
 * a symptom, a cause or a complication (an article whose section of that
 * type holds them all), one entry a condition however many sources
 * describe it. */
typedef struct spine_see_also {
    char *id, *title, *source, *url;   /* owned by the results: the
                                           best-ranked article of the
                                           condition */
    const char *field;       /* where the query matched: "symptom",
                                "cause" or "complication" (static) */
    double score;            /* higher is better */
} spine_see_also;

typedef struct spine_results {
    char *query;             /* the query as given */
    char *corrected;         /* "did you mean" query, or NULL */
    int auto_corrected;      /* 1: the hits are those of corrected, a close
                                correction of the query as typed
                                (spine_query_options.autocorrect) */
    unsigned long estimated; /* estimated total matches */
    spine_hit *hits;
    size_t nhits;
    int over_budget;         /* 1: the time budget ran out and optional
                                steps were skipped (time_budget) */
    unsigned long lower;     /* bounds on the number of matches, with */
    unsigned long upper;     /* lower <= estimated <= upper; when they are
                                equal, estimated is exact.  A page short
                                of its limit holds the last match, which
                                makes the count exact; an empty page past
                                offset caps upper at offset */
    spine_source_count *facets;  /* with opts->facets: the matches per
                                source, most first (ties by name), sources
                                with none left out; the articles without
                                a source as source "".  Else NULL */
    size_t nfacets;
    char **missing;          /* shards that did not answer (partial
                                searchers only), by name: the hits and
                                counts are of the others.  Else NULL */
    size_t nmissing;
    spine_see_also *see_also;    /* with opts->see_also: other conditions
                                the query is a symptom, cause or
                                complication of, best first (at most
                                opts->see_also, none about the query
                                itself); not NULL, though nsee_also may
                                be 0.  Without: NULL */
    size_t nsee_also;
} spine_results;

/* The longest query spine_search() takes, in bytes and in words (runs of
 * letters and digits), and the most wildcards ("word*") it may hold, each
 * standing for at most its 1,000 most frequent words; past them the query
 * is SPINE_EQUERY.  On MedQuAD a 1,000-word query takes about 0.15 s, and
 * 8 one-letter wildcards 0.4 s.  Queries of more than 32 words get no
 * spelling suggestion. */
#define SPINE_MAX_QUERY_BYTES 16384
#define SPINE_MAX_QUERY_WORDS 1024
#define SPINE_MAX_QUERY_WILDCARDS 8

/* Runs query.  On success *out is released with spine_results_free().  A
 * malformed or too long query (SPINE_MAX_QUERY_*) returns SPINE_EQUERY; a stored record that fails its
 * checksum returns SPINE_ECORRUPT naming the article.  A query that matches
 * nothing succeeds with nhits == 0. */
int spine_search(spine_results **out, spine_searcher *s, const char *query,
                 const spine_query_options *opts, spine_error *err);

/* Lists the articles most related to article id ("see also"): the terms
 * that best characterise the article (Xapian's ESet over that one
 * document) searched as one weighted OR query, the article itself left
 * out.  r->query is the id.  Returns SPINE_ENOTFOUND for an unknown id. */
int spine_related(spine_results **out, spine_searcher *s, const char *id,
                  const spine_query_options *opts, spine_error *err);

/* Releases results.  Accepts NULL. */
void spine_results_free(spine_results *r);

/* Lists the sources of s's index with their number of articles, most
 * first (ties by name), the articles without a source last as source ""
 * (when there are any): from the index's source terms and their document
 * counts, and each source's name as its first article gives it.  Costs
 * one term-list walk and one article head read per source, whatever the
 * size of the index.  On success *out is an array of *n entries (NULL
 * and 0 for an empty index) released with spine_source_counts_free();
 * on error *out is NULL and *n 0.  Like spine_search(), moves s to a new
 * generation a build has swapped in. */
int spine_searcher_sources(spine_source_count **out, size_t *n,
                           spine_searcher *s, spine_error *err);

/* Releases v[0..n), from spine_searcher_sources() or results' facets.
 * Accepts NULL. */
void spine_source_counts_free(spine_source_count *v, size_t n);

/* Reads article id from s's index, whole: title, url, source and every
 * section (pid, question, answer) as stored, its checksums verified.  On
 * success *out is the article, whose strings live until it is released
 * with spine_article_free().  Returns SPINE_ENOTFOUND for an unknown id,
 * SPINE_ECORRUPT naming the article when its record fails to decode, and
 * *out = NULL on any error.  Like spine_search(), moves s to a new
 * generation a build has swapped in. */
int spine_article_get(spine_article **out, spine_searcher *s, const char *id,
                      spine_error *err);

/* Releases an article from spine_article_get().  Accepts NULL. */
void spine_article_free(spine_article *a);

#endif /* SPINE_SEARCH_H */
