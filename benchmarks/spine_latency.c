/*
 * spine_latency.c -- spine-bench-query: Spine's warm query latency, measured
 * in-process through libspine (spine_searcher / spine_search), with the
 * figures spine-bench-peer prints for the peers.
 *
 *   spine-bench-query INDEX_DIR QUERYFILE [--passes N] [--and] [--k N]
 *                     [--snippets] [--spelling] [--threads N]
 *                     [--split-postings N]
 *
 * Spelling suggestions are off unless --spelling is given, because neither
 * peer makes any; snippets are off unless --snippets is given.  --threads
 * and --split-postings set how a costly query may be split over threads
 * (spine_searcher_set_threads).  With SPINE_BENCH_EACH set in the
 * environment, each query's time in the last pass goes to stderr as
 * "microseconds<TAB>query", to find the slow ones.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "spine/search.h"

int main(int argc, char **argv)
{
    bench_query_opts o = BENCH_QUERY_OPTS_INIT;
    bench_queries qs;
    bench_latency lat;
    spine_searcher *s = NULL;
    spine_error err;
    int rc;

    if (argc < 3 || argv[1][0] == '-') {
        fprintf(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
"usage: spine-bench-query INDEX_DIR QUERYFILE [--passes N] [--and] [--k N]\n"
"                         [--snippets] [--spelling] [--threads N]\n"
"                         [--split-postings N]\n"
"Runs one warm-up pass and N measured passes over QUERYFILE against a\n"
"Spine index, in-process, and prints a RESULT line of key=value figures.\n");
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (bench_query_opts_parse(&o, argc, argv, 3) != 0)
        return 2;
    if (o.k > SPINE_MAX_LIMIT) {
        fprintf(stderr, "--k is at most %d\n", SPINE_MAX_LIMIT);
        return 2;
    }
    if (bench_queries_load(&qs, argv[2]) != 0)
        return 2;
    memset(&lat, 0, sizeof lat);

    rc = spine_searcher_open(&s, argv[1], &err);
    if (rc == 0 && o.threads >= 0)
        rc = spine_searcher_set_threads(s, (unsigned)o.threads,
                                        o.split_postings, &err);
    if (rc != 0)
        fprintf(stderr, "spine: %s\n", err.msg);

    spine_query_options qo = SPINE_QUERY_OPTIONS_INIT;
    qo.limit = o.k;
    qo.match_all = o.match_all;
    qo.snippets = o.snippets;
    qo.spelling = o.spelling;

    /* Pass 0 warms the caches and is not recorded. */
    for (unsigned pass = 0; rc == 0 && pass <= o.passes; pass++) {
        double pass_start = bench_now();
        for (size_t i = 0; rc == 0 && i < qs.n; i++) {
            spine_results *r = NULL;
            double t0 = bench_now();
            rc = spine_search(&r, s, qs.q[i], &qo, &err);
            unsigned nhits = r ? (unsigned)r->nhits : 0;
            spine_results_free(r);
            double us = (bench_now() - t0) * 1e6;
            if (rc != 0)
                fprintf(stderr, "spine: query \"%s\": %s\n", qs.q[i],
                        err.msg);
            else if (pass > 0)
                rc = bench_latency_add(&lat, us, nhits);
            if (rc == 0 && pass == o.passes && getenv("SPINE_BENCH_EACH"))
                fprintf(stderr, "%.1f\t%s\n", us, qs.q[i]);
        }
        if (pass > 0)
            lat.wall += bench_now() - pass_start;
    }
    if (rc == 0) {
        char mode[32];
        snprintf(mode, sizeof mode, "%s%s", o.match_all ? "and" : "or",
                 o.snippets ? "+snippets" : "");
        bench_latency_report(&lat, "spine", mode, o.passes);
    }
    spine_searcher_free(s);
    bench_latency_free(&lat);
    bench_queries_free(&qs);
    return rc == 0 ? 0 : 2;
}
