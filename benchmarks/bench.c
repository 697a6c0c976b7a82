/*
 * bench.c -- helpers shared by the benchmark programs (see bench.h).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_queries_load(bench_queries *out, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, qcap = 0;
    ssize_t len;
    int rc = 0;

    out->q = NULL;
    out->n = 0;
    if (!f) {
        fprintf(stderr, "cannot open query file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (out->n == qcap) {
            size_t ncap = qcap ? qcap * 2 : 1024;
            char **nq = realloc(out->q, ncap * sizeof *nq);
            if (!nq) {
                rc = -1;
                break;
            }
            out->q = nq;
            qcap = ncap;
        }
        if (!(out->q[out->n] = strdup(line)))
            rc = -1;
        else
            out->n++;
    }
    if (rc == 0 && ferror(f))
        rc = -1;
    if (rc == 0 && out->n == 0) {
        fprintf(stderr, "query file %s holds no query\n", path);
        rc = -1;
    } else if (rc != 0) {
        fprintf(stderr, "cannot read query file %s\n", path);
    }
    free(line);
    fclose(f);
    if (rc != 0)
        bench_queries_free(out);
    return rc;
}

void bench_queries_free(bench_queries *qs)
{
    if (!qs)
        return;
    for (size_t i = 0; i < qs->n; i++)
        free(qs->q[i]);
    free(qs->q);
    qs->q = NULL;
    qs->n = 0;
}

int bench_latency_add(bench_latency *lat, double us, unsigned nhits)
{
    if (lat->n == lat->cap) {
        size_t ncap = lat->cap ? lat->cap * 2 : 4096;
        double *nu = realloc(lat->us, ncap * sizeof *nu);
        if (!nu)
            return -1;
        lat->us = nu;
        lat->cap = ncap;
    }
    lat->us[lat->n++] = us;
    lat->hits += nhits;
    if (nhits == 0)
        lat->empty++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples. */
static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

void bench_latency_report(bench_latency *lat, const char *engine,
                          const char *mode, unsigned passes)
{
    qsort(lat->us, lat->n, sizeof *lat->us, cmp_double);
    printf("RESULT engine=%s mode=%s queries=%zu passes=%u p50_us=%.1f "
           "p95_us=%.1f p99_us=%.1f max_us=%.1f qps=%.1f hits_per_query=%.2f "
           "empty=%llu\n",
           engine, mode, lat->n, passes, percentile(lat->us, lat->n, 50),
           percentile(lat->us, lat->n, 95), percentile(lat->us, lat->n, 99),
           lat->n ? lat->us[lat->n - 1] : 0.0,
           lat->wall > 0 ? (double)lat->n / lat->wall : 0.0,
           lat->n ? (double)lat->hits / (double)lat->n : 0.0,
           (unsigned long long)lat->empty);
}

void bench_latency_free(bench_latency *lat)
{
    if (!lat)
        return;
    free(lat->us);
    memset(lat, 0, sizeof *lat);
}

static uint64_t du_total;

static int du_visit(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (type == FTW_F)
        du_total += (uint64_t)sb->st_size;
    return 0;
}

uint64_t bench_disk_bytes(const char *path)
{
    du_total = 0;
    if (nftw(path, du_visit, 16, FTW_PHYS) != 0)
        return 0;
    return du_total;
}

static int rm_visit(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

int bench_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_visit, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static int parse_uint(unsigned *out, const char *s, const char *opt,
                      unsigned min)
{
    char *end;
    errno = 0;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < min || v > 1000000) {
        fprintf(stderr, "%s wants a number >= %u\n", opt, min);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int bench_query_opts_parse(bench_query_opts *o, int argc, char **argv,
                           int first)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--passes") == 0) {
            if (parse_uint(&o->passes, i + 1 < argc ? argv[++i] : NULL, a, 1))
                return -1;
        } else if (strcmp(a, "--k") == 0) {
            if (parse_uint(&o->k, i + 1 < argc ? argv[++i] : NULL, a, 1))
                return -1;
        } else if (strcmp(a, "--and") == 0) {
            o->match_all = 1;
        } else if (strcmp(a, "--snippets") == 0) {
            o->snippets = 1;
        } else if (strcmp(a, "--spelling") == 0) {
            o->spelling = 1;
        } else if (strcmp(a, "--threads") == 0) {
            unsigned n;
            if (parse_uint(&n, i + 1 < argc ? argv[++i] : NULL, a, 0))
                return -1;
            o->threads = (int)n;
        } else if (strcmp(a, "--split-postings") == 0) {
            if (parse_uint(&o->split_postings, i + 1 < argc ? argv[++i] : NULL,
                           a, 1))
                return -1;
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return -1;
        }
    }
    return 0;
}
