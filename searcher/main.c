/*
 * spine-search -- the query binary: options -> libspine -> printed results.
 *
 * Exit status, like grep: 0 a hit was found, 1 no hits, 2 an error (missing
 * or corrupt index, bad option, bad query), with a one-line message on
 * stderr.  -n 0 counts: 0 when articles match.  --batch: 2 when any
 * query failed, else 0 when any found a hit.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "spine/format.h"
#include "spine/search.h"
#include "spine/version.h"

enum { EXIT_HITS = 0, EXIT_NOHITS = 1, EXIT_ERROR = 2 };

/* --see-also's default in text output. */
#define SEE_ALSO_TEXT 5

typedef struct cli {
    spine_query_options qopts;
    int json;
    int batch;
    const char *related;    /* --related ID, or NULL */
    int threads;            /* --threads N, or -1 for the default */
    int sources;            /* --sources */
    int see_also_set;       /* --see-also given */
} cli;

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-search [options] QUERY...\n"
"       spine-search [options] --batch < queries.txt\n"
"       spine-search [options] --related ID\n"
"       spine-search [-d DIR] [--json] --sources\n"
"Searches a Spine index.  Query syntax: words, AND/OR/NOT, \"a phrase\",\n"
"prefix*, +required -excluded, title:word, source:NAME, and the typed\n"
"sections' fields symptom:word, cause:word, complication:word.\n"
"\n"
"  -d, --index DIR      index to search (default $SPINE_INDEX, else\n"
"                       %s)\n"
"  -n, --limit N        show at most N hits (default 10, at most %u);\n"
"                       0: only count the matches, exactly\n"
"      --offset N       skip the first N hits\n"
"      --facets         also count the matches per source, over the\n"
"                       whole match (exactly: slower)\n"
"      --sources        list the index's sources and their articles\n"
"      --and            require every word (default: rank by any word)\n"
"      --expand         add terms from the best hits (pseudo-relevance\n"
"                       feedback): better ranking, several times slower\n"
"      --json           one JSON object per query on one line\n"
"      --batch          read one query per line from standard input\n"
"      --no-snippets    do not show snippets (faster)\n"
"      --no-spelling    do not suggest spelling corrections\n"
"      --exact          search the query as typed even when it finds\n"
"                       nothing and a spelling correction would\n"
"      --related ID     list the articles most related to article ID\n"
"      --see-also N     after the hits, list up to N other conditions of\n"
"                       which the query names a symptom, a cause or a\n"
"                       complication (at most %u; default 5 in text, 0\n"
"                       with --json or -n 0; 0: none)\n"
"      --explain        show each hit's matched terms and their weights\n"
"      --color WHEN     highlight with bold: auto (default), always, never;\n"
"                       without bold, matches are marked **like this**\n"
"      --time-budget MS once a query has taken MS milliseconds, skip\n"
"                       what is optional (the spelling suggestion,\n"
"                       --expand); JSON says \"over_budget\": true\n"
"      --exhaustive     weigh every match (no shortcuts): the reference\n"
"                       ranking, slower (README: Known issues)\n"
"      --timeout MS     wait at most MS milliseconds for each answer of\n"
"                       a remote shard (default 10000); a shard that does\n"
"                       not answer fails the search, naming it\n"
"      --partial        when shards of a shard set do not answer, show\n"
"                       the results of the others, marked incomplete\n"
"                       (JSON: \"incomplete\", \"missing_shards\")\n"
"      --threads N      match a costly query on up to N threads at once,\n"
"                       each over a share of the articles (default: one\n"
"                       per CPU for an index of %u articles or more, else\n"
"                       1; 0: one per CPU, at most %d)\n"
"  -h, --help           show this help\n"
"      --version        show the versions of Spine and Xapian\n"
"\n"
"Exit status: 0 hits found (-n 0: articles match), 1 none, 2 error\n"
"(with --batch: 2 when any query failed).\n",
            SPINE_DEFAULT_INDEX, SPINE_MAX_LIMIT, SPINE_MAX_SEE_ALSO,
            SPINE_SPLIT_MIN_DOCS,
            SPINE_MAX_MATCH_THREADS);
}

static int parse_uint(const char *opt, const char *arg, unsigned max,
                      unsigned *out)
{
    unsigned long long v;
    if (cli_number("spine-search", opt, arg, 0, max, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Prints "spine-search: " and msg, made safe for a terminal (it may hold
 * the query or text of the index), on a line of its own. */
static void complain(const char *msg)
{
    fputs("spine-search: ", stderr);
    spine_format_escaped(stderr, msg);
    fputc('\n', stderr);
}

/* Says on stderr why a search that ran lists nothing: nothing matches,
 * or the page asked for lies past the last match. */
static void say_none(const spine_results *res, const char *query,
                     const cli *c)
{
    if (res->estimated == 0) {
        fputs("spine-search: no articles match '", stderr);
        spine_format_escaped(stderr, query);
        fputs("'\n", stderr);
    } else if (c->qopts.limit) {
        fprintf(stderr, "spine-search: no articles at offset %u: '",
                c->qopts.offset);
        spine_format_escaped(stderr, query);
        fprintf(stderr, "' matches %s%lu\n",
                res->lower == res->upper ? "" : "about ", res->estimated);
    }
}

/* Answers one query; returns EXIT_HITS, EXIT_NOHITS or EXIT_ERROR.  With
 * a limit of 0 (a count), EXIT_HITS when articles match. */
static int answer(spine_searcher *s, const char *query, const cli *c)
{
    spine_results *res = NULL;
    spine_error err;
    int rc = c->related ? spine_related(&res, s, c->related, &c->qopts, &err)
                        : spine_search(&res, s, query, &c->qopts, &err);
    if (rc != 0) {
        complain(err.msg);
        /* In a batch, keep one answer per query so a script stays in
         * step, and say which failed. */
        if (c->json && c->batch) {
            spine_format_json_error(stdout, query, err.msg);
        } else if (c->batch) {
            fputs("# ", stdout);
            spine_format_escaped(stdout, query);
            fputs("\nerror: ", stdout);
            spine_format_escaped(stdout, err.msg);
            putchar('\n');
        }
        return EXIT_ERROR;
    }
    if (c->batch && !c->json) {
        fputs("# ", stdout);
        spine_format_escaped(stdout, query);
        putchar('\n');
    }
    if (c->json) {
        rc = spine_format_json(stdout, res, c->qopts.offset);
    } else {
        rc = spine_format_text(stdout, res);
        /* A count, or a page past the end: the count alone. */
        if (rc == 0 && res->nhits == 0)
            rc = spine_format_count(stdout, res);
    }
    int found = c->qopts.limit ? res->nhits > 0 : res->estimated > 0;
    if (!c->json && !c->batch && res->nhits == 0)
        say_none(res, query, c);
    spine_results_free(res);
    if (rc != 0) {
        fprintf(stderr, "spine-search: cannot write results\n");
        return EXIT_ERROR;
    }
    return found ? EXIT_HITS : EXIT_NOHITS;
}

/* Lists the index's sources (--sources). */
static int list_sources(spine_searcher *s, const cli *c)
{
    spine_source_count *v = NULL;
    size_t n = 0;
    spine_error err;
    if (spine_searcher_sources(&v, &n, s, &err) != 0) {
        complain(err.msg);
        return EXIT_ERROR;
    }
    int rc = c->json ? spine_format_sources_json(stdout, v, n)
                     : spine_format_sources_text(stdout, v, n);
    spine_source_counts_free(v, n);
    if (rc != 0) {
        fprintf(stderr, "spine-search: cannot write results\n");
        return EXIT_ERROR;
    }
    return EXIT_HITS;
}

static int run_batch(spine_searcher *s, const cli *c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int any_hits = 0, any_error = 0;
    opterr = 0;             /* our own one-line messages, below */
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        int st = answer(s, line, c);
        any_hits |= st == EXIT_HITS;
        any_error |= st == EXIT_ERROR;
        /* A script may be reading our answers as it writes queries. */
        fflush(stdout);
    }
    free(line);
    if (any_error)
        return EXIT_ERROR;
    return any_hits ? EXIT_HITS : EXIT_NOHITS;
}

/* Returns the n words of w joined by single spaces, in a malloc()ed
 * string ("" for none), or NULL when memory runs out. */
static char *join_words(char *const *w, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(w[i]) + 1;
    char *out = malloc(len), *at = out;
    if (!out)
        return NULL;
    *at = '\0';
    for (int i = 0; i < n; i++) {
        if (at > out)
            *at++ = ' ';
        size_t k = strlen(w[i]);
        memcpy(at, w[i], k + 1);
        at += k;
    }
    return out;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "index",       required_argument, NULL, 'd' },
        { "limit",       required_argument, NULL, 'n' },
        { "offset",      required_argument, NULL, 'o' },
        { "and",         no_argument,       NULL, 'a' },
        { "expand",      no_argument,       NULL, 'x' },
        { "json",        no_argument,       NULL, 'j' },
        { "batch",       no_argument,       NULL, 'b' },
        { "no-snippets", no_argument,       NULL, 'N' },
        { "no-spelling", no_argument,       NULL, 'S' },
        { "exact",       no_argument,       NULL, 'E' },
        { "related",     required_argument, NULL, 'r' },
        { "explain",     no_argument,       NULL, 'X' },
        { "color",       required_argument, NULL, 'c' },
        { "colour",      required_argument, NULL, 'c' },
        { "threads",     required_argument, NULL, 't' },
        { "time-budget", required_argument, NULL, 'B' },
        { "facets",      no_argument,       NULL, 'F' },
        { "sources",     no_argument,       NULL, 'L' },
        { "timeout",     required_argument, NULL, 'T' },
        { "partial",     no_argument,       NULL, 'P' },
        { "exhaustive",  no_argument,       NULL, 'W' },
        { "see-also",    required_argument, NULL, 'A' },
        { "help",        no_argument,       NULL, 'h' },
        { "version",     no_argument,       NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    cli c = { SPINE_QUERY_OPTIONS_INIT, 0, 0, NULL, -1, 0, 0 };
    unsigned threads;
    spine_open_options oopts = SPINE_OPEN_OPTIONS_INIT;
    const char *dir = getenv("SPINE_INDEX");
    const char *color = "auto";
    int opt;

    if (!dir || !*dir)
        dir = SPINE_DEFAULT_INDEX;
    while ((opt = getopt_long(argc, argv, ":d:n:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'n':
            if (parse_uint("--limit", optarg, SPINE_MAX_LIMIT,
                           &c.qopts.limit) != 0)
                return EXIT_ERROR;
            break;
        case 'o':
            if (parse_uint("--offset", optarg, 100000000u,
                           &c.qopts.offset) != 0)
                return EXIT_ERROR;
            break;
        case 'a': c.qopts.match_all = 1; break;
        case 'x': c.qopts.expand = 1; break;
        case 'j': c.json = 1; break;
        case 'b': c.batch = 1; break;
        case 'N': c.qopts.snippets = 0; break;
        case 'S': c.qopts.spelling = 0; break;
        case 'E': c.qopts.autocorrect = 0; break;
        case 'r': c.related = optarg; break;
        case 'X': c.qopts.explain = 1; break;
        case 'F': c.qopts.facets = 1; break;
        case 'L': c.sources = 1; break;
        case 'c': color = optarg; break;
        case 'B': {
            unsigned ms;
            if (parse_uint("--time-budget", optarg, 3600000u, &ms) != 0)
                return EXIT_ERROR;
            c.qopts.time_budget = ms / 1000.0;
            break;
        }
        case 'T':
            if (parse_uint("--timeout", optarg, 3600000u,
                           &oopts.timeout_ms) != 0)
                return EXIT_ERROR;
            if (oopts.timeout_ms == 0) {
                fprintf(stderr, "spine-search: --timeout wants a number of "
                        "milliseconds above 0\n");
                return EXIT_ERROR;
            }
            break;
        case 'P': oopts.partial = 1; break;
        case 'W': c.qopts.exhaustive = 1; break;
        case 'A':
            if (parse_uint("--see-also", optarg, SPINE_MAX_SEE_ALSO,
                           &c.qopts.see_also) != 0)
                return EXIT_ERROR;
            c.see_also_set = 1;
            break;
        case 't':
            if (parse_uint("--threads", optarg, SPINE_MAX_MATCH_THREADS,
                           &threads) != 0)
                return EXIT_ERROR;
            c.threads = (int)threads;
            break;
        case 'h': usage(stdout); return EXIT_HITS;
        case 'V':
            printf("spine-search %s (Xapian %s)\n", spine_version(),
                   spine_xapian_version());
            return EXIT_HITS;
        default:            /* '?' unknown, ':' missing argument */
            cli_bad_option("spine-search", opt, argv, longopts);
            return EXIT_ERROR;
        }
    }
    if (strcmp(color, "auto") && strcmp(color, "always")
        && strcmp(color, "never")) {
        fprintf(stderr, "spine-search: --color wants auto, always or never, "
                "not '%s'\n", color);
        return EXIT_ERROR;
    }
    int bold = !strcmp(color, "always")
            || (!strcmp(color, "auto") && !c.json && isatty(STDOUT_FILENO));
    c.qopts.hi_start = bold ? "\033[1m" : "**";
    c.qopts.hi_end = bold ? "\033[0m" : "**";

    /* The words of the query, joined by spaces. */
    char *query = join_words(argv + optind, argc - optind);
    if (!query) {
        fprintf(stderr, "spine-search: out of memory\n");
        return EXIT_ERROR;
    }
    /* "See also": a few entries for people, none for programs unless
     * asked (JSON readers see a key they did not ask for), nor for a
     * count (-n 0), which prints the count alone. */
    if (!c.see_also_set)
        c.qopts.see_also = c.json || c.qopts.limit == 0 ? 0 : SEE_ALSO_TEXT;
    /* -n 0 asks for the count alone: an exact one. */
    c.qopts.count = c.qopts.limit == 0;
    if (c.sources && (c.batch || c.related || *query)) {
        fprintf(stderr, "spine-search: --sources lists the index's sources; "
                "give it no query, --batch or --related\n");
        free(query);
        return EXIT_ERROR;
    }
    if (c.related && (c.batch || *query)) {
        fprintf(stderr, "spine-search: --related takes an article id, not "
                "a query\n");
        free(query);
        return EXIT_ERROR;
    }
    if (!c.batch && !c.related && !c.sources && *query == 0) {
        fprintf(stderr, "spine-search: no query given (see --help)\n");
        free(query);
        return EXIT_ERROR;
    }
    if (c.batch && *query) {
        fprintf(stderr, "spine-search: --batch reads queries from standard "
                "input; do not also give one\n");
        free(query);
        return EXIT_ERROR;
    }

    spine_searcher *s;
    spine_error err;
    if (spine_searcher_open_with(&s, dir, &oopts, &err) != 0
        || (c.threads >= 0
            && spine_searcher_set_threads(s, (unsigned)c.threads, 0, &err)
                   != 0)) {
        complain(err.msg);
        spine_searcher_free(s);
        free(query);
        return EXIT_ERROR;
    }
    int status = c.sources ? list_sources(s, &c)
               : c.batch ? run_batch(s, &c)
               : answer(s, c.related ? c.related : query, &c);
    spine_searcher_free(s);
    free(query);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "spine-search: cannot write results\n");
        return EXIT_ERROR;
    }
    return status;
}
