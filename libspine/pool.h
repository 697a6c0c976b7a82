/*
 * pool.h -- threads a searcher keeps for the parts of its split matches
 * (match.c), so that a split match starts none: starting and joining a
 * thread cost 30 to 50 us on the benchmark machine, waking a waiting one
 * 12 us.
 *
 * Job i of a round goes to thread i - 1 (started when first needed); job
 * 0 runs on the caller's thread.  A child process of fork() has none of
 * its parent's threads: a pool made before a fork is "inherited" in the
 * child, where it can be neither used nor destroyed (its threads cannot
 * be joined, its lock may be held by a thread that is not there), so
 * spine_pool_free() lets it go without touching it.
 */
#ifndef SPINE_POOL_H
#define SPINE_POOL_H

#include <stddef.h>

typedef struct spine_pool spine_pool;

/* Returns a new pool with no thread yet (never NULL: spine_malloc). */
spine_pool *spine_pool_new(void);

/* Returns 1 when this process was forked since p was made (p must then
 * only be freed), else 0. */
int spine_pool_inherited(const spine_pool *p);

/* Runs fn(arg, i) for every i < njobs at once: i = 0 on the calling
 * thread, each other on a thread of p's (at most SPINE_POOL_MAX), and
 * returns when all are done.  A job for which no thread could be started
 * runs on the calling thread, first.  One round at a time: a pool is used
 * by one thread. */
void spine_pool_run(spine_pool *p, size_t njobs,
                    void (*fn)(void *arg, size_t i), void *arg);

/* Stops and joins p's threads and releases p; in the child of a fork
 * (spine_pool_inherited()), only forgets it.  Accepts NULL. */
void spine_pool_free(spine_pool *p);

/* The most threads a pool starts. */
#define SPINE_POOL_MAX 16

#endif /* SPINE_POOL_H */
