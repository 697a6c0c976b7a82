/*
 * pool.c -- the threads of split matches (pool.h), on POSIX threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "pool.h"
#include "util.h"

/* Forks seen by this process: a pool remembers the count it was born at. */
static atomic_ulong forks;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void count_fork(void)
{
    atomic_fetch_add_explicit(&forks, 1, memory_order_relaxed);
}

static void watch_forks(void)
{
    (void)pthread_atfork(NULL, NULL, count_fork);
}

/* A worker's place in its pool: thread k runs job k + 1 of each round
 * after the round it was started in (first): were it to take that one
 * for new, it could run a job of a round already over. */
typedef struct worker {
    spine_pool *pool;
    size_t k;
    unsigned long first;
} worker;

struct spine_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake;            /* a new round, or stop */
    pthread_cond_t done;            /* pending reached 0 */
    pthread_t threads[SPINE_POOL_MAX];
    worker workers[SPINE_POOL_MAX];
    size_t nthreads;
    void (*fn)(void *arg, size_t i);    /* the round's jobs */
    void *arg;
    size_t njobs;
    unsigned long round;            /* bumped by each spine_pool_run() */
    size_t pending;                 /* jobs of the round not yet done */
    int stop;
    unsigned long born;             /* forks when made */
};

static void *serve(void *arg)
{
    worker *w = arg;
    spine_pool *p = w->pool;
    unsigned long seen = w->first;
    pthread_mutex_lock(&p->mu);
    for (;;) {                      /* until spine_pool_free() stops it */
        while (!p->stop && p->round == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        seen = p->round;
        if (w->k + 1 >= p->njobs)
            continue;               /* not needed this round */
        void (*fn)(void *, size_t) = p->fn;
        void *fnarg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(fnarg, w->k + 1);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

spine_pool *spine_pool_new(void)
{
    (void)pthread_once(&atfork_once, watch_forks);
    spine_pool *p = spine_calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->born = atomic_load_explicit(&forks, memory_order_relaxed);
    return p;
}

int spine_pool_inherited(const spine_pool *p)
{
    return p->born != atomic_load_explicit(&forks, memory_order_relaxed);
}

void spine_pool_run(spine_pool *p, size_t njobs,
                    void (*fn)(void *arg, size_t i), void *arg)
{
    /* Threads for jobs 1 .. njobs - 1, as far as they can be started. */
    while (p->nthreads + 1 < njobs && p->nthreads < SPINE_POOL_MAX) {
        worker *w = &p->workers[p->nthreads];
        w->pool = p;
        w->k = p->nthreads;
        w->first = p->round;            /* written by this thread alone */
        if (pthread_create(&p->threads[p->nthreads], NULL, serve, w) != 0)
            break;
        p->nthreads++;
    }
    size_t handed = njobs > 1 ? njobs - 1 : 0;
    if (handed > p->nthreads)
        handed = p->nthreads;
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->njobs = handed + 1;
    p->pending = handed;
    p->round++;
    if (handed)
        pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = handed + 1; i < njobs; i++)     /* no thread for them */
        fn(arg, i);
    if (njobs > 0)
        fn(arg, 0);
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void spine_pool_free(spine_pool *p)
{
    if (!p || spine_pool_inherited(p))
        return;                     /* a forked child's: let it be */
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
