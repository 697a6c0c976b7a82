/*
 * spine/index.h -- building an index, atomically.
 *
 * An index is a directory:
 *     INDEX_DIR/XAPIANDB     a Xapian stub file naming the live generation
 *     INDEX_DIR/gen-NNNNNN/  the live Xapian (glass) database
 *     INDEX_DIR/.lock        held (flock) by the one indexer at work
 * A rebuild writes a new generation under a temporary name beside the live
 * one (as one shard per thread, compacted into one database at the end),
 * renames it into place when complete, and only then replaces XAPIANDB
 * with rename(2).  Readers open INDEX_DIR and see the old generation or the
 * new one, never a half-built one; a failed or killed rebuild leaves the
 * previous index intact and searchable (its leftovers are removed by the
 * next rebuild).
 */
#ifndef SPINE_INDEX_H
#define SPINE_INDEX_H

#include <stdint.h>
#include <stdio.h>

#include "spine/article.h"
#include "spine/error.h"

typedef struct spine_index spine_index;

typedef struct spine_index_options {
    int zlib_level;          /* stored text compression, 0-9 (default 1:
                                on MedQuAD level 6 took 2.9 s more CPU
                                of 23 for a 1.5% smaller index) */
    int spelling;            /* 1: record spelling data for "did you mean" */
    int threads;             /* indexing threads (shards); 0: one per CPU */
    const char *synonyms;    /* synonym file to load, or NULL (see below) */
    const char *stopwords;   /* query stop-word file to store, or NULL */
    int positions;           /* 1: store word positions (see below) */
    unsigned batch;          /* articles a shard inverts in memory before
                                writing them out; 0: SPINE_INDEX_BATCH */
    int allow_shrink;        /* 1: a rebuild may leave fewer than half the
                                live index's articles (see
                                spine_index_commit()) */
    double avlen;            /* > 0: the mean article length the weights
                                assume (schema.h), instead of the mean of
                                the first articles: a rebuild that weighs
                                as an updated index does (tests) */
    unsigned shards;         /* 0 or 1: one database; 2 to
                                SPINE_MAX_SHARDS: a shard set (below) */
    uint64_t collfreq_limit; /* 0: Xapian's 32-bit ceiling; smaller: the
                                same check at a ceiling tests can reach
                                (a term's wdf sum past it is SPINE_ELIMIT;
                                see spine_index_commit()) */
} spine_index_options;

#define SPINE_INDEX_OPTIONS_INIT                                          \
    { .zlib_level = 1, .spelling = 1, .threads = 0, .synonyms = NULL,     \
      .stopwords = NULL, .positions = 0, .batch = 0, .allow_shrink = 0,  \
      .avlen = 0, .shards = 0, .collfreq_limit = 0 }

/* A shard set: the generation is a directory holding N databases built
 * side by side, one thread each, every article in the shard its id
 * hashes to, and a lexicon, which holds what the whole index holds once
 * (the spelling dictionary of all the shards' words, synonyms, stop
 * words, the mean article length) and no article; and a Xapian stub,
 *     INDEX_DIR/gen-NNNNNN/XAPIANDB   auto lexicon, auto shard-0, ...
 * so that any Xapian tool opens the set as one database.  Searched as one
 * (spine/search.h), a set gives the hits, scores and snippets of one index
 * of the same articles; each shard can be served on its own by
 * spine-tcpsrv, and a stub a user writes may list the lexicon and the
 * shards, local or remote.  Updates (spine_update_begin()) change a set
 * in place: each article goes to the shard that holds its id, or the one
 * its id hashes to. */
#define SPINE_MAX_SHARDS 64

/* Each shard writes its postings out every SPINE_INDEX_BATCH articles.
 * Xapian's own default, 10,000 documents, is slower here: its in-memory
 * posting maps outgrow the CPU caches.  One 100k-article generated corpus
 * (benchmarks/make_corpus.py) took 196 s at 10,000, 182 s at 2,000 and
 * 142 s at 500, peaking at 653, 161 and 77 MB; the index is the same. */
#define SPINE_INDEX_BATCH 500

/* Word positions are what Xapian matches phrases ("kidney stones" in
 * quotes, hyphenated words) and NEAR with; they were 44% of the MedQuAD
 * index.  Without them (the default) Xapian matches a phrase as the AND of
 * its words, and the searcher checks the candidates of a quoted phrase or
 * NEAR against their stored text (phrase.h): the same hits and weights as
 * with positions, at the cost of re-reading candidates for those queries.
 * Phrases made of joined words ("x-linked") stay ANDs.  positions = 1
 * stores them, for collections searched mostly by phrase. */

/* The synonym file (corpus/synonyms.txt) is plain UTF-8 text, one group a
 * line, '#' starting a comment:
 *     heart attack, myocardial infarction      equivalents: each finds all
 *     backache: back pain                      one way: backache finds back
 *                                              pain, not the other way
 * Phrases are words (letters and digits) separated by spaces.  They go into
 * Xapian's synonym table, where the searcher's query parser finds them
 * (FLAG_AUTO_SYNONYMS / FLAG_AUTO_MULTIWORD_SYNONYMS): a one-word phrase
 * under the word and under "Z" + its stem (and "S"/"ZS" for the title
 * field), a longer one under its words joined by single spaces.  A phrase
 * synonym is stored whole, its words' stems joined by spaces ("Zback
 * Zpain"), and the searcher matches it whole: the articles that hold all
 * of its words, counted as often as its rarest word occurs there
 * (spine_query_whole_synonyms(), libspine/query.h).
 *
 * The stop-word file lists words (any number a line, '#' comments) that
 * the searcher's query parser drops outside phrases; it is stored in the
 * index metadata (SPINE_META_STOPWORDS).
 *
 * Both files are read by spine_index_begin(): a bad line fails it with
 * SPINE_EPARSE naming the file and line, a missing file with SPINE_EIO. */

typedef struct spine_index_stats {
    uint64_t articles;       /* documents in the new index */
    uint64_t sections;       /* sections indexed */
    uint64_t replaced;       /* articles whose id repeated (last one kept) */
    uint64_t text_bytes;     /* article text indexed */
    uint64_t stored_bytes;   /* compressed records stored */
    uint64_t index_bytes;    /* size on disk of the new generation */
} spine_index_stats;

/* Starts a rebuild of the index at dir (created if missing).  Takes the
 * index lock (SPINE_ELOCKED if another indexer holds it) and opens a new,
 * empty generation.  On success *out is released with spine_index_free(),
 * after spine_index_commit() to keep the result. */
int spine_index_begin(spine_index **out, const char *dir,
                      const spine_index_options *opts, spine_error *err);

/* Queues article a (copied; a need not outlive the call) for indexing by a
 * worker thread.  An id seen before in this build replaces the earlier
 * article.  Returns 0, SPINE_EINVAL for an article without id or text, or
 * an error a worker met earlier (Xapian, I/O): the build is then lost and
 * only spine_index_free() remains to be called. */
int spine_index_add(spine_index *ix, const spine_article *a, spine_error *err);

/* Finishes the build: commits the new generation, swaps it in atomically and
 * removes the previous one.  Fills *stats (may be NULL).  Refuses (SPINE_EINVAL)
 * to swap in an index with no articles, leaving the old one, and
 * (SPINE_EINVAL too) one with fewer than half the articles of the live index,
 * unless opts->allow_shrink: adding a few articles is an update
 * (spine_update_begin()), and a rebuild from them alone would drop the
 * rest; the message names both counts.  Refuses (SPINE_ELIMIT) an index
 * in which a term's wdfs would sum past Xapian's 32-bit collection
 * frequency (opts->collfreq_limit), naming the term: Xapian would wrap
 * the sum and weigh the term wrongly; a shard set shares that limit.
 * After this call (whatever its result) only spine_index_free() may be
 * called. */
int spine_index_commit(spine_index *ix, spine_index_stats *stats,
                       spine_error *err);

/* Releases ix.  If spine_index_commit() did not succeed, the new generation
 * is deleted and the live index is untouched.  Accepts NULL. */
void spine_index_free(spine_index *ix);

/* Writes the stats so far (articles and sections queued) into *stats. */
void spine_index_progress(const spine_index *ix, spine_index_stats *stats);

/* ---- changing an index in place ----------------------------------------- */

/* An update adds, replaces and deletes articles of the live index without
 * rebuilding it, as one atomic change: a Xapian transaction on the live
 * generation, committed whole or not at all (a failure, a cancel or a
 * kill -9 at any moment leaves the index as it was).  Searchers keep
 * answering throughout; one that stays open sees the change at its next
 * query.  The result is the index a rebuild would make of the same
 * articles, given in the same order (a replaced article goes last), with
 * one difference: articles are weighed for the mean article length the
 * index was built with (schema.h), not that of the articles now in it,
 * until the next rebuild.  Spelling data, impact tiers and the heads file
 * follow every change.  The synonyms, stop words and positions are the
 * index's own. */
typedef struct spine_update spine_update;

typedef struct spine_update_stats {
    uint64_t added;          /* articles of an id new to the index */
    uint64_t replaced;       /* articles of an id it had, changed */
    uint64_t unchanged;      /* articles given exactly as stored: left */
    uint64_t deleted;        /* articles deleted by id */
    uint64_t missing;        /* ids to delete that the index lacks */
    uint64_t articles;       /* articles in the index */
    uint64_t tiers;          /* impact tiers written or removed */
    uint64_t index_bytes;    /* size on disk of the live generation */
    double avlen_weighed;    /* the mean article length (words) articles
                                are weighed for: the build's */
    double avlen_now;        /* the mean length of the articles now in the
                                index, or 0 when unknown (an index built
                                before Spine kept it): the drift is
                                avlen_now / avlen_weighed - 1 */
    int announced;           /* 1: committed cleanly and searchers told;
                                0: committed, but something after the
                                commit failed (spine_update_commit()) */
} spine_update_stats;

/* Starts a change of the index at dir: takes the index lock (SPINE_ELOCKED
 * when another writer holds it; SPINE_ENOTFOUND when there is no index)
 * and opens its live generation for writing (each database of a shard
 * set).  opts (may be NULL: the defaults) gives the zlib level of the text
 * stored and the collection-frequency limit spine_update_commit() checks
 * (as spine_index_commit() does); its other fields do not apply.  On success release *out with spine_update_free(), after
 * spine_update_commit() to keep the change. */
int spine_update_begin(spine_update **out, const char *dir,
                       const spine_index_options *opts, spine_error *err);

/* Adds article a (copied), or replaces the article of its id; an article
 * given exactly as stored is left (stats' unchanged).  Returns SPINE_OK,
 * SPINE_EINVAL for an article without id or text (the update goes on), or
 * another error, after which only spine_update_free() remains. */
int spine_update_put(spine_update *u, const spine_article *a,
                     spine_error *err);

/* Deletes the article of id id.  Sets *found (may be NULL) to 0 when the
 * index has none (counted in stats' missing; not an error).  Returns
 * SPINE_OK or an error, after which only spine_update_free() remains. */
int spine_update_delete(spine_update *u, const char *id, int *found,
                        spine_error *err);

/* Writes the counts so far into *stats. */
void spine_update_progress(const spine_update *u, spine_update_stats *stats);

/* Commits the change, whole, and tells searchers (spine/search.h) to look
 * again.  Fills *stats (may be NULL).  Returns SPINE_OK once the change
 * is in the index; should a step after the commit fail (Xapian's last
 * fsync(), closing the database, writing the stub again), stats'
 * announced is 0 and *err says what failed, as a warning: the change is
 * in, but its durability is in doubt, or searchers that stay open see it
 * only after the next change.  Returns an error, with the index as it
 * was, when the commit itself fails; SPINE_EINVAL for a change that would
 * leave the index without articles.  A change with nothing in it commits
 * nothing.  After this call (whatever its result) only
 * spine_update_free() may be called. */
int spine_update_commit(spine_update *u, spine_update_stats *stats,
                        spine_error *err);

/* Releases u, dropping the change unless spine_update_commit() succeeded,
 * and the lock.  Accepts NULL. */
void spine_update_free(spine_update *u);

/* Compacts the index at dir into a new generation, swapped in as a
 * rebuild is (atomically; readers keep answering): Xapian's compaction
 * of the live generation, keeping every docid, so the space deleted and
 * replaced articles left is given back and postings are packed again;
 * then its impact tiers and heads file are made afresh.  Sets
 * stats->articles and ->index_bytes (the new size; stats may be NULL).
 * Returns SPINE_OK, SPINE_ELOCKED, SPINE_ENOTFOUND or an error naming the
 * file, with the live index untouched. */
int spine_index_compact(const char *dir, spine_index_stats *stats,
                        spine_error *err);

/* ---- checking an index -------------------------------------------------- */

/* One damaged item found by spine_index_check(), lent to the callback for
 * the call only. */
typedef struct spine_check_problem {
    const char *file;        /* the file at fault: INDEX_DIR/XAPIANDB, or one
                                of the live generation (".../heads.spine",
                                ".../docdata.glass"), or the generation's
                                directory when Xapian cannot tell */
    uint32_t docid;          /* the document concerned, or 0 */
    const char *id;          /* its article id, or NULL when unknown */
    const char *what;        /* what is wrong, one line */
} spine_check_problem;

typedef struct spine_check_options {
    unsigned max_problems;   /* stop after this many; 0: the default,
                                SPINE_CHECK_MAX_PROBLEMS */
    /* Called once for each problem, in the order found; may be NULL. */
    void (*on_problem)(const spine_check_problem *p, void *payload);
    void *payload;
    FILE *xapian_report;     /* if not NULL, Xapian's own report of its
                                check is written here, as Xapian words it */
} spine_check_options;

#define SPINE_CHECK_OPTIONS_INIT { 0, NULL, NULL, NULL }
#define SPINE_CHECK_MAX_PROBLEMS 20

/* What the heads file of the generation checked is to searches. */
enum {
    SPINE_CHECK_HEADS_UNCHECKED = 0, /* the check stopped before it */
    SPINE_CHECK_HEADS_NONE      = 1, /* no file: listings read the value
                                        slot */
    SPINE_CHECK_HEADS_USED      = 2, /* read by searches: every entry
                                        checked */
    SPINE_CHECK_HEADS_UNUSED    = 3  /* an older version's, or another
                                        revision's: searches ignore it */
};

typedef struct spine_check_report {
    char generation[32];     /* the live generation checked, "gen-NNNNNN"
                                ("" when the stub names none) */
    uint64_t articles;       /* documents whose stored record was read */
    uint64_t tiers;          /* impact tiers checked */
    int heads;               /* SPINE_CHECK_HEADS_* */
    uint64_t problems;       /* problems reported */
    int stopped;             /* 1: stopped at max_problems, so more may be
                                damaged than was reported */
} spine_check_report;

/* Checks the whole of the index at dir, reading but never changing it:
 *   - the stub XAPIANDB names one generation, which is there;
 *   - Xapian's own check of that generation's tables (each named when one
 *     fails), and the tables Spine writes are all there;
 *   - the schema is the one this Spine reads;
 *   - every document's stored record decodes and passes its checksums,
 *     and its id, its id term, its pair set (phrase queries) and the
 *     copies of its head in the value slot and in heads.spine are the
 *     record's own; a heads file entry belongs to the document it is read
 *     for, and there is none for a docid without a document;
 *   - every impact tier a query may use (those of terms indexing as many
 *     articles as the tiers' settings say) is there and holds what its
 *     term's postings give: docids ascending, each a posting of the term
 *     with the wdf stored, and no other posting above the stored cap.
 * It reads every record (on MedQuAD, 1.3 s in all) and, for the tiers,
 * the posting lists of common terms: about as long as a rebuild's last
 * steps, not its indexing.
 *
 * Each damaged item is handed to opts->on_problem (opts may be NULL: the
 * defaults) and counted in *report; the check stops after max_problems,
 * or at damage that leaves nothing further readable (the stub, a database
 * Xapian cannot open, another schema).  Returns SPINE_OK when the check
 * ran (report->problems says whether the index is sound: 0), or, with
 * the report as far as it got, SPINE_ENOTFOUND when there is no index at
 * dir, SPINE_ENOMEM, or SPINE_ERROR when the index was rebuilt while it
 * was checked (its verdict would be on a generation no longer live; check
 * again). */
int spine_index_check(spine_check_report *report, const char *dir,
                      const spine_check_options *opts, spine_error *err);

#endif /* SPINE_INDEX_H */
