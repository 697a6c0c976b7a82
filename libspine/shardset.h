/*
 * shardset.h -- opening what a path names as the shards Spine searches
 * (internal to libspine).
 *
 * Xapian opens a stub file (or a directory holding one, XAPIANDB) as the
 * databases it lists, searched as one: "auto PATH" or "glass PATH" a local
 * database (or another stub), "remote HOST:PORT" one served over Xapian's
 * remote protocol (spine-tcpsrv).  A shard set is such a stub: the one a
 * sharded build writes into its generation (lexicon and shards), or a
 * manifest a user writes, listing local and remote shards.  Xapian would
 * open it whole or fail whole, with its own network timeouts and no word
 * of which shard failed; Spine reads the stub itself and opens each shard
 * on its own, so that a remote one gets the searcher's timeout, a shard
 * that fails is named, and a set may answer without it when asked to.
 */
#ifndef SPINE_SHARDSET_H
#define SPINE_SHARDSET_H

#include <stddef.h>

#include "spine/error.h"
#include "xapian_c.h"

/* One shard: a leaf of the stubs, a database. */
typedef struct spine_shard_ref {
    char *name;                 /* as users know it: a path, HOST:PORT */
    char *where;                /* "FILE:LINE" of the stub line, or NULL */
    char *path;                 /* local: its path; NULL when remote */
    char *host;                 /* remote: host and port */
    unsigned port;
    int up;                     /* opened into the set's database */
    char *why;                  /* down: why, else NULL */
} spine_shard_ref;

typedef struct spine_shardset {
    spine_shard_ref *v;
    size_t n;
    size_t down;                /* shards not open */
    size_t remote;              /* remote shards */
    xapian_error failed;        /* Xapian's error for the shard that
                                   failed spine_shardset_open() */
} spine_shardset;

/* The default bound on each network operation of a remote shard. */
#define SPINE_SHARD_TIMEOUT_MS 10000

/* Lists into *set (zeroed; release with spine_shardset_free()) the shards
 * path names: a database directory (one shard), a directory holding a
 * stub, or a stub file, whose lines are read as Xapian reads them (paths
 * relative to the stub's directory, stubs within stubs).  Returns
 * SPINE_OK, SPINE_ENOTFOUND when path is missing, or SPINE_EINVAL naming
 * the stub's file and line for a line Spine does not take (remote shards
 * run as programs, "remote :PROG", among them). */
int spine_shardset_list(spine_shardset *set, const char *path,
                        spine_error *err);

/* Opens each shard of set (remote ones with each network operation
 * bounded by timeout_ms, 0: SPINE_SHARD_TIMEOUT_MS) and combines those
 * open into *out, one database searching them all in the set's order
 * (release with xapian_database_free()).  A shard that does not open
 * fails the whole (SPINE_ESHARD naming it, or the local error) unless
 * partial is set: it is then left down, its reason in why, and the set
 * answers from the others, SPINE_ESHARD only when none opens.  Two shards
 * that are the same database (by uuid) are SPINE_EINVAL. */
int spine_shardset_open(xapian_database **out, spine_shardset *set,
                        unsigned timeout_ms, int partial, spine_error *err);

/* Releases set's shards and lists.  Accepts an empty set. */
void spine_shardset_free(spine_shardset *set);

#endif /* SPINE_SHARDSET_H */
