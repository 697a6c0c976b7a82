/*
 * shard.h -- one writer of a new generation (internal to libspine).
 *
 * A shard is a Xapian database of its own, fed through a queue by the
 * thread that reads the corpus (spine_shard_enqueue()) and filled by a
 * thread of its own, so that term generation, compression and Xapian's
 * inversion run on every core.  The index (index.c) sends an article always
 * to the shard its id hashes to, so a repeated id replaces the earlier
 * article as it would in one database, and at commit compacts the shards
 * into one.
 */
#ifndef SPINE_SHARD_H
#define SPINE_SHARD_H

#include <pthread.h>
#include <stdint.h>

#include "document.h"
#include "spine/article.h"
#include "spine/error.h"
#include "spine/index.h"
#include "store.h"
#include "synonyms.h"
#include "util.h"
#include "xapian_c.h"

/* Articles wait for their shard's thread in a ring of this many. */
#define SPINE_SHARD_QUEUE_LEN 64

typedef struct spine_shard {
    const spine_index_options *opts;  /* the build's (borrowed); NULL until
                                         opened */
    const double *avlen;            /* the build's mean article length
                                       (schema.h), read for each article */
    const spine_synonyms_lists *extras;  /* what this shard stores for the
                                            whole index, or NULL */
    char *path;                     /* INDEX_DIR/gen-NNNNNN.tmp/shard-K */
    xapian_writable_database *db;
    xapian_database *reader;        /* db, read (its changes included) */
    spine_doc_maker *maker;         /* articles into documents */
    unsigned batched;               /* articles added since the last commit */
    pthread_t thread;
    int started;                    /* thread is running */

    pthread_mutex_t mu;             /* guards the fields below */
    pthread_cond_t more, room;
    spine_article *queue[SPINE_SHARD_QUEUE_LEN];
    size_t head, count;
    int closing;                    /* no more articles will come */
    int rc;                         /* first error, sticky */
    spine_error err;
    uint64_t articles, sections, text_bytes, stored_bytes;
    uint64_t length;                /* of the articles, summed (schema.h) */
} spine_shard;

/* Opens sh (zeroed) as shard number no of a build, a database at
 * dir/shard-no, and starts its thread.  opts and avlen are the build's,
 * borrowed until spine_shard_free(); *avlen must be set before the first
 * article is queued (the thread reads it for articles queued after).  The
 * shard given extras (one of a build's) stores, when it closes, what the
 * whole index holds once: their synonyms and stop words, and avlen.
 * Returns SPINE_OK, or an error naming the shard; either way release sh
 * with spine_shard_free(). */
int spine_shard_open(spine_shard *sh, const char *dir, unsigned no,
                     const spine_index_options *opts, const double *avlen,
                     const spine_synonyms_lists *extras, spine_error *err);

/* Adds to db's spelling dictionary every body word of r's term list
 * (spine_document_spelling_word()), each with its collection frequency
 * in r (the sum of its wdf): what a term generator with
 * XAPIAN_TG_FLAG_SPELLING adds word by word, in one pass over the
 * distinct terms.  r may be db's own committed state, or other databases
 * (a shard set's shards, for its lexicon).  The words are listed first:
 * adding spelling data while walking the same database's term list is
 * not something Xapian promises to support.  Returns 0 or a Xapian
 * error. */
int spine_spelling_fill(xapian_writable_database *db,
                        const xapian_database *r, xapian_error *xe);

/* Returns a deep copy of a in one allocation (free() it), as
 * spine_shard_enqueue() takes it. */
spine_article *spine_shard_copy_article(const spine_article *a);

/* Queues copy (from spine_shard_copy_article(); sh takes it, also on
 * failure) for sh's thread, waiting while the queue is full.  Returns 0,
 * or the first error the thread met (copied into *err): the shard has
 * stopped indexing. */
int spine_shard_enqueue(spine_shard *sh, spine_article *copy,
                        spine_error *err);

/* Tells sh's thread that no more articles will come (it then closes the
 * shard: spelling data, commit, close; or with discard set drops what is
 * still queued), without waiting for it: all shards can finish at once. */
void spine_shard_close_queue(spine_shard *sh, int discard);

/* Closes sh's queue (see spine_shard_close_queue()) and waits for its
 * thread.  Returns the shard's first error (recorded in *err, which may be
 * NULL, unless it is the SPINE_EABORT of a discard) or 0. */
int spine_shard_finish(spine_shard *sh, int discard, spine_error *err);

/* Stops the shard (if running, discarding its queue) and releases it; its
 * files stay.  Accepts a zeroed, never opened sh. */
void spine_shard_free(spine_shard *sh);

#endif /* SPINE_SHARD_H */
