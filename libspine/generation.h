/*
 * generation.h -- the files of an index directory (internal to libspine):
 * its generations, the stub that names the live one, the lock, and the
 * sweep of what earlier runs left behind.
 *
 * The layout and its guarantees are spine/index.h's:
 *     INDEX_DIR/XAPIANDB         "auto gen-NNNNNN": the live generation
 *     INDEX_DIR/gen-NNNNNN/      a generation (a Xapian database, and
 *                                readers.lock: spine_generation_hold())
 *     INDEX_DIR/gen-NNNNNN.tmp/  the one being built (its shards, merged)
 *     INDEX_DIR/.lock            flock()ed by the one indexer at work
 * A build takes the lock and a new number (spine_generation_begin()), fills
 * its temporary directory, then swaps it in (spine_generation_commit()):
 * renamed into place, then named by a new stub renamed over the old one.
 * Only names of this layout are ever removed.
 *
 * Readers find the live generation with spine_generation_live_dir() and
 * hold it while they open it (spine_generation_hold()).
 */
#ifndef SPINE_GENERATION_H
#define SPINE_GENERATION_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "spine/error.h"

/* What a reader saw of an index directory's stub: enough to tell, with
 * one stat(), that it has been replaced since.  Every build writes a new
 * stub and renames it over the old one, so a new stub has a new inode, or
 * at least a new change time, even when the inode number is reused. */
typedef struct spine_stub {
    int exists;                     /* 0: no stub (no index, or removed) */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
} spine_stub;

/* Sets *st to the identity of dir's stub as it is now. */
void spine_stub_look(const char *dir, spine_stub *st);

/* Returns 1 when a and b describe the same stub, unchanged (two missing
 * stubs are the same), else 0. */
int spine_stub_same(const spine_stub *a, const spine_stub *b);

/* The name of a Xapian stub file: an index directory's, naming its live
 * generation, and a shard set's generation's, listing its databases. */
#define SPINE_STUB_NAME "XAPIANDB"

/* Returns 1 when the generation at gen_dir is a shard set (spine/index.h:
 * a directory holding a stub of its lexicon and shards), 0 when it is one
 * database. */
int spine_generation_is_set(const char *gen_dir);

/* Returns the path of the live generation's directory of the index at dir
 * (malloc()ed: free() it), or NULL when there is no stub or it names
 * anything but exactly one local generation (a stub written by hand:
 * several databases, remote shards); Xapian then opens dir itself. */
char *spine_generation_live_dir(const char *dir);

/* Holds the generation at gen_dir against removal while a reader opens it:
 * takes its readers' lock (gen_dir/readers.lock) shared, waiting only for
 * a removal already under way.  A build removes an old generation only
 * when it can take that lock exclusive, at once; it leaves one a reader
 * holds for its next sweep.  So a generation held is whole, or gone
 * (removed before the hold: its files are missing).  Returns the hold (a
 * file descriptor), or -1 when the generation has no such file (gone, or
 * built before readers' locks).  Release it with
 * spine_generation_release() once the files are open. */
int spine_generation_hold(const char *gen_dir);

/* Releases a hold of spine_generation_hold(); accepts -1. */
void spine_generation_release(int hold);

/* Returns the sum of the sizes of the regular files below path (a
 * generation's directory).  Not safe for concurrent calls. */
uint64_t spine_generation_disk_bytes(const char *path);

/* A generation being built, and the lock held while it is. */
typedef struct spine_generation spine_generation;

/* Starts a new generation of the index at dir (created if missing): refuses
 * (SPINE_EINVAL) a directory that holds anything an index does not and no
 * live generation, takes the lock (SPINE_ELOCKED when another indexer holds
 * it), removes what earlier runs left (temporary generations, any
 * generation but the live one) and creates the new generation's temporary
 * directory, numbered after the highest in use.  Returns SPINE_OK (release
 * *out with spine_generation_free()) or an error naming the directory
 * (SPINE_EIO, ...) with *out NULL, no build directory left and the lock
 * released. */
int spine_generation_begin(spine_generation **out, const char *dir,
                           spine_error *err);

/* The directory the new generation is built in (INDEX_DIR/gen-NNNNNN.tmp):
 * borrowed, valid until spine_generation_free(). */
const char *spine_generation_build_dir(const spine_generation *g);

/* Swaps in the database at built (a directory inside the build directory):
 * renames it to the generation's own name (gen-NNNNNN), points the stub at
 * it (a new stub made durable, then renamed over the old one) and removes
 * the older generations and the build directory; sets *bytes to the size
 * of the new generation on disk.  Returns SPINE_OK, or SPINE_EIO naming
 * the file, with the previous generation still live. */
int spine_generation_commit(spine_generation *g, const char *built,
                            uint64_t *bytes, spine_error *err);

/* Takes the lock of the index at dir for a change made in place to its
 * live generation (an update: update.c), and removes what earlier runs
 * left behind, as spine_generation_begin() does; no new generation is
 * made.  Returns SPINE_OK with *out (release with spine_generation_free()),
 * SPINE_ELOCKED when another writer holds the lock, or SPINE_ENOTFOUND
 * when dir has no live generation. */
int spine_generation_lock_live(spine_generation **out, const char *dir,
                               spine_error *err);

/* The index directory of g (borrowed, valid until
 * spine_generation_free()). */
const char *spine_generation_index_dir(const spine_generation *g);

/* The live generation's directory of g from spine_generation_lock_live()
 * (borrowed, valid until spine_generation_free()). */
const char *spine_generation_live(const spine_generation *g);

/* Tells readers that g's live generation changed in place: writes the
 * stub again, naming the same generation (a new file renamed over the old
 * one), so that a searcher that stays open sees a new stub at its next
 * query (spine_searcher_refresh()) and opens the index as it now is.
 * Returns SPINE_OK or SPINE_EIO naming the file; either way the stub names
 * the live generation. */
int spine_generation_announce(spine_generation *g, spine_error *err);

/* Releases g: removes the build directory unless it was committed, and
 * releases the lock.  Accepts NULL. */
void spine_generation_free(spine_generation *g);

#endif /* SPINE_GENERATION_H */
