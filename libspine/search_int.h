/*
 * search_int.h -- inside the searcher (spine/search.h), in the manner of
 * SQLite's fts5Int.h: what searcher.c (opening an index), search.c
 * (answering queries) and verify.c (phrases on an index without
 * positions) share.  Not for outside programs.
 */
#ifndef SPINE_SEARCH_INT_H
#define SPINE_SEARCH_INT_H

#include "generation.h"
#include "heads.h"
#include "match.h"
#include "phrase.h"
#include "spell.h"
#include "spine/search.h"
#include "synonyms.h"
#include "shardset.h"
#include "xapian_c.h"

/* Ranking constants, tuned on SMART MED (benchmarks/EFFECTIVENESS.md) and
 * checked on MedQuAD's head queries and our own judged MedQuAD queries;
 * the same for every query.
 *   WEIGHTING        IneB2 (divergence from randomness: inverse
 *                    expected document frequency, Bernoulli after-effect,
 *                    normalisation 2) with c = 1, the normalisation done
 *                    by the indexer (schema.h).  On MED Xapian's IneB2 beat
 *                    BM25 at every k1/b we tried (MAP 0.568 against 0.533);
 *                    normalised at index time it scored 0.576, and Xapian's
 *                    matcher did 40% less work (no document lengths).
 *   TITLE_LIFT       the title as a field of its own (BM25F's way): the
 *                    words typed are read again against the title terms,
 *                    whose wdfs the indexer normalised by the title's
 *                    length (SPINE_TITLE_NORM, schema.h), each weighed as
 *                    TITLE_LIFT times the word weighs in the body, so that
 *                    the field shares the body's idf.  A synonym group is
 *                    read an alternative at a time, whole ("stomach flu"
 *                    lifts "Gastroenteritis", not "Flu").  Titles also count
 *                    through the body (wdf SPINE_TITLE_WDF), where a
 *                    topic's articles all saturate.  On the 66 judged
 *                    MedQuAD queries (benchmarks/EFFECTIVENESS-MEDQUAD.md,
 *                    with the corpus's MedlinePlus synonyms) 1, 1.5 and 2
 *                    scored nDCG@10 0.737, 0.734 and 0.726 (MRR 0.927,
 *                    0.935, 0.933); no lift 0.693 / 0.863.  SMART MED did
 *                    not move (MAP 0.575 -> 0.579).  It costs a query
 *                    a quarter more work: on 300 MedQuAD benchmark
 *                    queries callgrind counts 331M instructions against
 *                    261M without it (stock Xapian: 378M), 20M of them
 *                    the look-ups of each word's statistics in both
 *                    fields, the rest matching the title terms.  An
 *                    earlier lift, the title field normalised by the
 *                    article's length and with its own idf, did not
 *                    pay.
 *   EXPAND_DOCS/TERMS/WEIGHT  pseudo-relevance feedback (--expand): the
 *                    best terms of the top documents, each scaled by its
 *                    weight relative to the best one.  EXPAND_K is the
 *                    ESet's wdf saturation in raw counts, Xapian's default
 *                    (scaled to the index's wdf units when set) */
#define WEIGHTING      "ineb2-prenorm"
/* Terms of an OR query that index at least LAZY_SHARE of the articles,
 * and LAZY_POSTINGS or more, are weighed lazily (spine_matcher_set_lazy):
 * only for the best candidates, not posting by posting.  Measured on the
 * 1M-article generated corpus (its 500 growth queries, callgrind over the
 * first 50): 2.91G instructions plain, 2.11G at a share of 0.5, 2.26G at
 * 0.25 and 2.54G at 0.125, where the common terms weigh too much for the
 * first pass to settle the page.  On MedQuAD's 16,000 articles the extra
 * pass costs more than it saves (OR p50 61 -> 90 us): hence the postings
 * floor. */
#define LAZY_SHARE     0.5
#define LAZY_POSTINGS  100000
/* A query of at most TIER_TERMS words, each with an impact tier (schema.h),
 * is matched from the tiers when at most TIER_MAX candidates must be
 * ranked to prove the page (spine_matcher_set_tiers).  On the 1M-article
 * generated corpus (its 500 growth queries; tiers at 1/32) they settle 84
 * of 150 two-term runs, 12 of 102 three-term ones and none of 162 longer,
 * whose weights saturate: every word's tier cap nears its best weight.
 * Two-word queries took 0.78x the time (geometric mean, two alternated
 * rounds), e.g. "therapies adult" 11.2 -> 1.2 ms; longer ones did not
 * gain and paid for the attempt. */
#define TIER_MAX       1000
#define TIER_TERMS     2
/* Queries of more words than this get no spelling suggestion: on MedQuAD
 * spelling took 80% of the time of a 1,000-word query (0.38 s against
 * 0.08 s without). */
#define SPELL_MAX_WORDS 32
/* A wildcard ("oste*") stands for at most WILDCARD_TERMS words, its most
 * frequent ones (Xapian's default has no limit; on a large index "a*"
 * would be tens of thousands of posting lists). */
#define WILDCARD_TERMS 1000
#define TITLE_LIFT     1.0
#define EXPAND_K       1.0
#define EXPAND_DOCS    20
#define EXPAND_TERMS   60
#define EXPAND_WEIGHT  1.5

/* Query parser features: the query language, plus the synonym table the
 * indexer loaded (corpus/synonyms.txt) applied to every word and to runs
 * of words. */
#define PARSE_FLAGS (XAPIAN_QP_FLAG_DEFAULT | XAPIAN_QP_FLAG_WILDCARD \
                     | XAPIAN_QP_FLAG_PURE_NOT | XAPIAN_QP_FLAG_AUTO_SYNONYMS \
                     | XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS)
/* The same without the synonym look-ups, for text none of whose words can
 * start one (spine_synonyms_may_match): Xapian looks up every word and
 * every run of words, which doubled the cost of parsing. */
#define PARSE_FLAGS_PLAIN (PARSE_FLAGS & ~(XAPIAN_QP_FLAG_AUTO_SYNONYMS \
                           | XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS))

struct spine_searcher {
    char *dir;                      /* the index directory, as given */
    char *path;                     /* the database opened: its live
                                       generation, or dir itself for a stub
                                       written by hand */
    spine_stub stub;                /* the stub when s was opened */
    spine_stub failed;              /* a stub whose index did not open */
    unsigned threads;               /* spine_searcher_set_threads()' */
    unsigned long min_postings;     /* arguments, when the caller set */
    int threads_set;                /* them: kept for a new generation */
    struct gen_file {               /* the generation's files, as opened */
        char *name;
        long long size;
    } *files;
    size_t nfiles;
    xapian_database *db;
    xapian_query_parser *qp;
    spine_speller *speller;         /* "did you mean" */
    xapian_stem *stem;
    xapian_stopper *stopper;        /* NULL when the index has no stop list */
    spine_matcher *match;           /* ranks the query: match.h */
    unsigned doccount;
    int positions;                  /* the index holds word positions */
    spine_matcher *check;           /* weighs candidates: reweigh() */
    spine_heads *heads;             /* the heads file, or NULL */
    spine_synonyms *synonyms;       /* the synonym table's words: the
                                       synonym gate's, and the speller's
                                       (which borrows them) */
    spine_shardset shards;          /* what db searches (shardset.h) */
    spine_open_options open;        /* as opened: timeout, partial */
    time_t retry_at;                /* a shard is down: when to try again */
};

/* Opens s's index again, shard by shard, as s was opened, and moves s to
 * it: after a query failed because a shard did not answer.  Returns
 * SPINE_OK, or the open's error (naming a shard that is down, unless s
 * is partial), s then left as it was. */
int spine_searcher_reopen(spine_searcher *s, spine_error *err);

/* For a partial searcher with shards down: at most every
 * SPINE_SHARD_RETRY_S seconds, opens its index again and moves to it when
 * more shards answer.  Nothing otherwise. */
void spine_searcher_retry_shards(spine_searcher *s);

/* Moves s to the index's live generation when a build has swapped in a
 * new one since s opened it (its stub changed): opens it whole, then
 * replaces s's contents, keeping the caller's thread settings.  One stat()
 * when nothing changed.  Should the new one not open, s goes on answering
 * from the generation it has, whose files it holds open.  Returns 1 when s
 * moved, else 0. */
int spine_searcher_refresh(spine_searcher *s);

/* Opens the index at s's directory again, as spine_searcher_open() would,
 * and moves s to it when it is not the revision s reads (a generation
 * swapped in, or a change committed into the live one: an update, which
 * leaves the stub's contents as they were), keeping the caller's thread
 * settings.  For a query that failed reading the index: the revision it
 * read may have been overwritten by later commits.  Returns 1 when s
 * moved, 0 when it reads the index as it is (or the index does not
 * open). */
int spine_searcher_reload(spine_searcher *s);

/* Finds article id in s's index: sets *did to its document and appends
 * its id term (SPINE_PREFIX_ID + id) to idterm, which the caller frees.
 * Returns 0; SPINE_ENOTFOUND naming the id when no article has it; else
 * the error of the look-up (spine_searcher_xapian_error()).  In fetch.c. */
int spine_searcher_find(spine_searcher *s, const char *id, spine_buf *idterm,
                        xapian_docid *did, spine_error *err);

/* Sets err from xe, an error s met answering a query, and returns the
 * SPINE_E* code: spine_error_from_xapian()'s, except that a read error or
 * corruption (SPINE_EIO, SPINE_ECORRUPT) is SPINE_ECORRUPT naming the
 * file of s's generation that was cut short or removed since s opened it,
 * or else the index, with a pointer to spine-index --check. */
int spine_searcher_xapian_error(spine_error *err, const spine_searcher *s,
                                const xapian_error *xe);

/* For tests: when set, called while a searcher opens the generation at
 * path (NULL for a stub written by hand): step 0 right after reading the
 * stub, before holding the generation (spine_generation_hold()); 1 before
 * Xapian opens it; 2 before the heads file is opened.  A test rebuilds the
 * index there to lose the race on purpose. */
extern void (*spine_searcher_open_hook)(int step, const char *path);

/* Creates a matcher on s's index that ranks as Spine ranks (WEIGHTING,
 * lazily and from tiers as above). */
int spine_searcher_new_matcher(spine_matcher **out, spine_searcher *s,
                               xapian_error *xe);

/* Sets err to code rc for doc's stored record, which did not decode
 * (why), naming the article: its id is also kept outside the record.
 * Returns rc. */
int spine_searcher_record_error(spine_error *err, const spine_searcher *s,
                                xapian_document *doc, int rc,
                                const spine_error *why);

/* A phrase or NEAR query on an index without word positions: Xapian
 * matches each phrase as the AND of its words.  When the query asks for
 * a phrase in so many words (quotes, NEAR, ADJ), verify() checks the
 * candidates that hold a phrase's words against their stored text
 * (phrase.h).  One that holds them but not the phrase is weighed again
 * with that phrase matching nothing, as an index with positions would
 * weigh it, and dropped if it no longer matches.  Phrases the parser
 * makes of joined words ("x-linked", "e.g") stay ANDs: their words seldom
 * meet apart, and checking costs a re-read of each candidate.  phrases is
 * NULL when no verification is needed. */
typedef struct verifier {
    spine_searcher *s;
    spine_phrases *phrases;
    const xapian_query *q;          /* the query being run */
    int rc;                         /* first failure; the search fails */
    spine_error err;
} verifier;

/* The hits of one page of results: positions in an MSet. */
typedef struct page {
    spine_match m;                  /* m.mset holds the hits */
    unsigned *at;                   /* the hits' positions in mset, or NULL:
                                       the hits are mset's, in order */
    double *wt;                     /* their weights, or NULL: mset's */
    unsigned n;                     /* number of hits */
    unsigned estimated;             /* matches in all, estimated */
} page;

/* Releases pg's match and arrays, and empties it. */
void spine_page_free(page *pg);

/* Position in pg->m.mset of the page's hit k. */
static inline unsigned page_at(const page *pg, unsigned k)
{
    return pg->at ? pg->at[k] : k;
}

/* A hit of a page and its docid, for reading hits in docid order. */
typedef struct hit_order {
    xapian_docid did;
    unsigned k;                     /* its place on the page */
} hit_order;

static inline int by_docid(const void *a, const void *b)
{
    const hit_order *x = a, *y = b;
    return (x->did > y->did) - (x->did < y->did);
}

/* Verifies the candidates of v's phrase query for the page (first, max)
 * into *pg (verify.c). */
int spine_match_verified(spine_searcher *s, page *pg, unsigned first,
                         unsigned max, verifier *v, xapian_error *xe);

#endif /* SPINE_SEARCH_INT_H */
