/*
 * bench.h -- helpers shared by the benchmark programs: a monotonic clock,
 * the query file, latency percentiles and on-disk sizes.
 *
 * Every program prints its figures as one "key=value ..." line prefixed with
 * "RESULT", so scripts/bench.sh can read them without guessing at prose.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_BENCH_H
#define SPINE_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Seconds from an arbitrary origin (CLOCK_MONOTONIC). */
double bench_now(void);

/* The query file: one query per line, blank lines and lines starting with
 * '#' skipped.  Loaded whole; release with bench_queries_free(). */
typedef struct bench_queries {
    char **q;
    size_t n;
} bench_queries;

/* Returns 0, or -1 with a message on stderr naming the file. */
int bench_queries_load(bench_queries *out, const char *path);
void bench_queries_free(bench_queries *qs);

/* Latency samples in microseconds, one per query answered in a measured
 * pass (warm-up passes are not recorded). */
typedef struct bench_latency {
    double *us;
    size_t n, cap;
    double wall;             /* seconds spent in measured passes */
    uint64_t hits;           /* hits returned, summed over measured queries */
    uint64_t empty;          /* measured queries that returned no hit */
} bench_latency;

/* Returns 0, or -1 when out of memory. */
int bench_latency_add(bench_latency *lat, double us, unsigned nhits);

/* Prints the RESULT line: queries, passes, p50/p95/p99/max (us), qps, and
 * the mean hits per query, tagged with engine and mode.  Sorts lat->us. */
void bench_latency_report(bench_latency *lat, const char *engine,
                          const char *mode, unsigned passes);
void bench_latency_free(bench_latency *lat);

/* Total st_size of the regular files under path (a file or a directory),
 * the same measure spine-index reports.  0 when path does not exist. */
uint64_t bench_disk_bytes(const char *path);

/* Removes path recursively (a file or a directory); missing is fine.
 * Returns 0 or -1. */
int bench_remove_tree(const char *path);

/* Common command-line options of the query programs. */
typedef struct bench_query_opts {
    unsigned passes;         /* measured passes after the warm-up (>= 1) */
    unsigned k;              /* hits per query */
    int match_all;           /* 1: AND semantics, 0: OR */
    int snippets;            /* 1: build snippets for the hits */
    int spelling;            /* 1: ask for a spelling suggestion (Spine) */
    int threads;             /* threads a query may be split over (Spine;
                                -1: the searcher's default, 0: per CPU) */
    unsigned split_postings; /* the least postings a split query has (Spine;
                                0: the searcher's default) */
} bench_query_opts;

#define BENCH_QUERY_OPTS_INIT { 5, 10, 0, 0, 0, -1, 0 }

/* Parses --passes N, --k N, --and, --snippets, --spelling, --threads N,
 * --split-postings N
 * from argv[first..]
 * into *o.  Returns 0, or -1 with a message on stderr. */
int bench_query_opts_parse(bench_query_opts *o, int argc, char **argv,
                           int first);

#endif /* SPINE_BENCH_H */
