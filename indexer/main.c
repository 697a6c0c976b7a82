/*
 * spine-index -- the batch indexer: reads article sources and (re)builds an
 * index atomically.  Options -> libspine -> exit code.
 *
 * Exit status: 0 the index was built (bad records, if any, were skipped and
 * reported); 1 --strict and bad records were found; 2 error.  Whenever the
 * status is not 0, the existing index is left exactly as it was.
 *
 * spine-index --add / --delete change the live index in place instead
 * (spine/index.h spine_update_begin()), as one atomic change: same exit
 * status.  spine-index --compact compacts it into a new generation.
 *
 * spine-index --check INDEX_DIR verifies an index instead (spine/index.h
 * spine_index_check()): 0 sound, 1 damaged (each damaged item named on
 * standard output), 2 the check could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "spine/corpus.h"
#include "spine/format.h"
#include "spine/index.h"
#include "spine/version.h"

typedef struct run {
    spine_index *ix;              /* a rebuild, or */
    spine_update *up;             /* a change in place */
    spine_corpus_stats stats;
    int strict;
    int quiet;
    int verbose;
    int progress;                 /* 1: redraw a progress line on stderr */
    double start, last_draw;
    uint64_t bad;                 /* rejected records other than "empty" */
    spine_error err;              /* first indexing error */
} run;

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-index [options] [INDEX_DIR [SOURCE...]]\n"
"       spine-index --add [options] INDEX_DIR SOURCE...\n"
"       spine-index --delete ID [--delete ID]... [--add] INDEX_DIR [SOURCE...]\n"
"       spine-index --compact [INDEX_DIR]\n"
"       spine-index --check [-v] [INDEX_DIR]\n"
"Builds (or rebuilds, atomically) the index in INDEX_DIR from each SOURCE:\n"
"a MedQuAD directory of XML files, or a JSON Lines file (plain or gzip)\n"
"with \"id\" and \"body\" (and optionally \"title\", \"url\", \"source\").\n"
"Defaults: INDEX_DIR %s, SOURCE %s.\n"
"\n"
"  --strict           fail (exit 1, index untouched) on any bad record\n"
"  -j, --jobs N       indexing threads (default: one per CPU, at most 8)\n"
"  -l, --level N      zlib level for the stored text, 0-9 (default 1)\n"
"      --no-spelling  do not collect spelling data (no \"did you mean\")\n"
"      --positions    store word positions: phrase and NEAR queries are\n"
"                     then matched from the index instead of by re-reading\n"
"                     candidates (a larger index; see README)\n"
"      --max-record-bytes N  reject records larger than N bytes\n"
"      --synonyms FILE   synonym groups to load (default %s;\n"
"                        one group a line: 'a, b, c' or 'term: a, b')\n"
"      --stopwords FILE  words the searcher drops from queries (default\n"
"                        %s)\n"
"      --shards N     build a shard set of N shards (2-%d), built side by\n"
"                     side and searched as one (README: Shards)\n"
"      --collfreq-limit N  refuse an index where a term's wdfs sum past N\n"
"                     (default and most: 4294967295, Xapian's; for tests)\n"
"      --allow-shrink  let a rebuild leave fewer than half the articles\n"
"                     the index has (refused otherwise: that is an --add)\n"
"      --add          add each SOURCE's articles to the live index, an\n"
"                     article whose id it has replacing its own, in place\n"
"                     of a rebuild: one atomic change\n"
"      --delete ID    delete article ID (repeatable), in the same change\n"
"      --delete-from FILE  delete the ids listed in FILE, one a line\n"
"                     ('-': standard input); deletions come before adds\n"
"      --compact      compact the index (after many changes), online\n"
"      --no-progress  no progress line\n"
"      --check        verify the index instead: Xapian's check of its\n"
"                     tables, every stored record, head and impact tier;\n"
"                     each damaged item is named (with -v, Xapian's own\n"
"                     report too)\n"
"  -q, --quiet        no per-record warnings\n"
"  -v, --verbose      also list articles skipped for having no text\n"
"  -h, --help         show this help\n"
"      --version      show the versions of Spine and Xapian\n"
"\n"
"Exit status: 0 built (or changed), 1 bad records (or ids to delete that\n"
"are not there) with --strict, 2 error; the index is untouched unless 0.\n"
"With --check: 0 sound, 1 damaged, 2 the check could not run.\n",
            SPINE_DEFAULT_INDEX, SPINE_DEFAULT_CORPUS, SPINE_DEFAULT_SYNONYMS,
            SPINE_DEFAULT_STOPWORDS, SPINE_MAX_SHARDS);
}

/* Monotonic seconds, for the progress line and the summary. */
static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(run *r)
{
    if (r->progress && r->last_draw > 0)
        fputs("\r\033[K", stderr);
}

static void draw_progress(run *r)
{
    double now = seconds_now();
    if (!r->progress || now - r->last_draw < 0.2)
        return;
    r->last_draw = now;
    double secs = now - r->start;
    double mb = (double)r->stats.bytes / 1e6;
    fprintf(stderr, "\r\033[K%llu articles, %.1f MB, %.1f MB/s",
            (unsigned long long)r->stats.articles, mb,
            secs > 0 ? mb / secs : 0.0);
}

static int on_article(const spine_article *a, void *payload)
{
    run *r = payload;
    int rc = r->up ? spine_update_put(r->up, a, &r->err)
                   : spine_index_add(r->ix, a, &r->err);
    draw_progress(r);
    return rc;
}

static void on_reject(const char *file, long line, spine_reject why,
                      const char *detail, void *payload)
{
    run *r = payload;
    if (why != SPINE_REJECT_EMPTY)
        r->bad++;
    if (r->quiet || (why == SPINE_REJECT_EMPTY && !r->verbose))
        return;
    clear_progress(r);
    if (line > 0)
        fprintf(stderr, "spine-index: %s:%ld: %s: %s\n", file, line,
                spine_reject_name(why), detail);
    else
        fprintf(stderr, "spine-index: %s: %s: %s\n", file,
                spine_reject_name(why), detail);
}

/* Prints the closing summary on stdout.  st is NULL when the run did not
 * produce a new index (then the figures are what was read). */
static void print_summary(const run *r, const spine_index_stats *st,
                          const char *dir)
{
    double secs = seconds_now() - r->start;
    double mb = (double)r->stats.bytes / 1e6;
    uint64_t skipped = 0;
    for (int i = 0; i < SPINE_REJECT_COUNT; i++)
        skipped += r->stats.rejected[i];

    printf("%s %llu articles (%llu sections) from %.1f MB in %.1f s "
           "(%.1f MB/s)\n", st ? "indexed" : "read",
           (unsigned long long)(st ? st->articles : r->stats.articles),
           (unsigned long long)(st ? st->sections : r->stats.sections),
           mb, secs, secs > 0 ? mb / secs : 0.0);
    if (st && st->replaced)
        printf("replaced %llu articles whose id repeated\n",
               (unsigned long long)st->replaced);
    if (skipped) {
        printf("skipped %llu records:", (unsigned long long)skipped);
        const char *sep = " ";
        for (int i = 0; i < SPINE_REJECT_COUNT; i++) {
            if (!r->stats.rejected[i])
                continue;
            printf("%s%llu %s", sep, (unsigned long long)r->stats.rejected[i],
                   spine_reject_name((spine_reject)i));
            sep = ", ";
        }
        printf("\n");
    }
    if (!st) {
        printf("index %s: not changed\n", dir);
        return;
    }
    printf("index %s: %llu bytes (%.1f MB; stored text %.1f MB)\n", dir,
           (unsigned long long)st->index_bytes, (double)st->index_bytes / 1e6,
           (double)st->stored_bytes / 1e6);
}

/* --check: prints one damaged item on stdout, escaped (the names and
 * ids come from the damaged index). */
static void on_problem(const spine_check_problem *p, void *payload)
{
    (void)payload;
    spine_format_escaped(stdout, p->file);
    fputs(": ", stdout);
    if (p->id) {
        fputs("article ", stdout);
        spine_format_escaped(stdout, p->id);
        printf(" (docid %u): ", (unsigned)p->docid);
    } else if (p->docid) {
        printf("docid %u: ", (unsigned)p->docid);
    }
    spine_format_escaped(stdout, p->what);
    putchar('\n');
}

/* --check: checks the index at dir; returns the exit status. */
static int check_index(const char *dir, int verbose)
{
    spine_check_options opts = SPINE_CHECK_OPTIONS_INIT;
    spine_check_report rep;
    spine_error err;
    static const char *const heads[] = {
        [SPINE_CHECK_HEADS_UNCHECKED] = "heads file not checked",
        [SPINE_CHECK_HEADS_NONE] = "no heads file",
        [SPINE_CHECK_HEADS_USED] = "heads file",
        [SPINE_CHECK_HEADS_UNUSED] = "heads file of an older version or "
                                     "revision, not used by searches",
    };
    double start = seconds_now();
    opts.on_problem = on_problem;
    opts.xapian_report = verbose ? stdout : NULL;
    int rc = spine_index_check(&rep, dir, &opts, &err);
    fflush(stdout);
    if (rc != 0) {
        fprintf(stderr, "spine-index: %s\n", err.msg);
        return 2;
    }
    printf("checked %s%s%s%s: %llu articles, %s, %llu impact tiers, in "
           "%.1f s: ", dir, *rep.generation ? " (" : "", rep.generation,
           *rep.generation ? ")" : "", (unsigned long long)rep.articles,
           heads[rep.heads], (unsigned long long)rep.tiers,
           seconds_now() - start);
    if (rep.problems == 0)
        printf("no damage found\n");
    else
        printf("%llu damaged item%s%s\n", (unsigned long long)rep.problems,
               rep.problems == 1 ? "" : "s",
               rep.stopped ? " (stopped there: there may be more)" : "");
    if (fflush(stdout) != 0) {
        fprintf(stderr, "spine-index: cannot write to standard output\n");
        return 2;
    }
    return rep.problems ? 1 : 0;
}

/* Past this drift (percent) of the mean article length, a change
 * suggests a rebuild (see README). */
#define SPINE_DRIFT_NOTE 10.0

/* The ids to delete: those of --delete, then those of --delete-from
 * files. */
typedef struct id_list {
    const char **ids;             /* --delete's (argv's) */
    size_t n;
    const char *from[16];         /* --delete-from files */
    size_t nfrom;
} id_list;

/* Deletes id in r's change, saying so when the index lacks it. */
static int delete_one(run *r, const char *id, const char *dir)
{
    int found = 0;
    int rc = spine_update_delete(r->up, id, &found, &r->err);
    if (rc != 0)
        return rc;
    if (!found) {
        r->bad++;
        if (!r->quiet) {
            fprintf(stderr, "spine-index: not deleted: no article '");
            spine_format_escaped(stderr, id);
            fprintf(stderr, "' in %s\n", dir);
        }
    }
    return 0;
}

/* Deletes the ids listed in file (one a line, spaces around them
 * ignored, blank lines skipped; "-" standard input).  Returns 0, 2 after
 * an error (said). */
static int delete_from(run *r, const char *file, const char *dir)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long no = 0;
    int status = 0;
    if (!f) {
        fprintf(stderr, "spine-index: %s: %s\n", file, strerror(errno));
        return 2;
    }
    while (status == 0 && (len = getline(&line, &cap, f)) >= 0) {
        no++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'
                           || line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        const char *id = line + strspn(line, " \t");
        if (!*id)
            continue;
        if (memchr(line, '\0', (size_t)len) != NULL) {
            fprintf(stderr, "spine-index: %s:%ld: a NUL byte in an id\n",
                    file, no);
            status = 2;
        } else if (delete_one(r, id, dir) != 0) {
            fprintf(stderr, "spine-index: %s\n", r->err.msg);
            status = 2;
        }
    }
    if (status == 0 && ferror(f)) {
        fprintf(stderr, "spine-index: %s: %s\n", file, strerror(errno));
        status = 2;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

/* Prints the summary of a change in place (st NULL: not made). */
static void print_update_summary(const run *r, const spine_update_stats *st,
                                 const char *dir)
{
    double secs = seconds_now() - r->start;
    spine_update_stats got;
    spine_update_progress(r->up, &got);
    if (!st)
        st = &got;
    printf("%s %llu added, %llu replaced, %llu unchanged, %llu deleted "
           "(%llu ids not found) in %.2f s\n",
           st == &got ? "read:" : "changed:",
           (unsigned long long)st->added, (unsigned long long)st->replaced,
           (unsigned long long)st->unchanged, (unsigned long long)st->deleted,
           (unsigned long long)st->missing, secs);
    if (st == &got)
        printf("index %s: not changed\n", dir);
    else
        printf("index %s: %llu articles, %llu bytes (%.1f MB)\n", dir,
               (unsigned long long)st->articles,
               (unsigned long long)st->index_bytes,
               (double)st->index_bytes / 1e6);
    if (st == &got || st->avlen_now <= 0 || st->avlen_weighed <= 0)
        return;
    /* The one statistic updates let drift (spine/index.h). */
    double drift = 100 * (st->avlen_now / st->avlen_weighed - 1);
    printf("mean article length %.1f words; weighed for %.1f, the "
           "build's (%+.1f%%)\n", st->avlen_now, st->avlen_weighed, drift);
    if ((drift >= SPINE_DRIFT_NOTE || drift <= -SPINE_DRIFT_NOTE)
        && !r->quiet)
        fprintf(stderr, "spine-index: note: the mean article length has "
                "moved %+.0f%% from the one articles are weighed for; a "
                "rebuild weighs them for the mean as it is now\n", drift);
}

/* --compact: returns the exit status. */
static int compact_index(const char *dir)
{
    spine_index_stats st;
    spine_error err;
    double start = seconds_now();
    if (spine_index_compact(dir, &st, &err) != SPINE_OK) {
        fprintf(stderr, "spine-index: %s\n", err.msg);
        return 2;
    }
    printf("compacted %s: %llu articles, %llu bytes (%.1f MB) in %.1f s\n",
           dir, (unsigned long long)st.articles,
           (unsigned long long)st.index_bytes, (double)st.index_bytes / 1e6,
           seconds_now() - start);
    return 0;
}

static int index_main(int argc, char **argv, id_list *del);

int main(int argc, char **argv)
{
    /* Room for every argument as an id of --delete. */
    id_list del = { 0 };
    del.ids = calloc((size_t)argc, sizeof *del.ids);
    if (!del.ids) {
        fprintf(stderr, "spine-index: out of memory\n");
        return 2;
    }
    int status = index_main(argc, argv, &del);
    free(del.ids);
    return status;
}

/* The work of main(), with del's room for the ids of --delete. */
static int index_main(int argc, char **argv, id_list *del)
{
    static const struct option longopts[] = {
        { "strict",           no_argument,       NULL, 's' },
        { "level",            required_argument, NULL, 'l' },
        { "jobs",             required_argument, NULL, 'j' },
        { "no-spelling",      no_argument,       NULL, 'S' },
        { "positions",        no_argument,       NULL, 'p' },
        { "max-record-bytes", required_argument, NULL, 'm' },
        { "no-progress",      no_argument,       NULL, 'P' },
        { "check",            no_argument,       NULL, 'C' },
        { "add",              no_argument,       NULL, 'A' },
        { "delete",           required_argument, NULL, 'D' },
        { "delete-from",      required_argument, NULL, 'F' },
        { "compact",          no_argument,       NULL, 'K' },
        { "allow-shrink",     no_argument,       NULL, 'L' },
        { "shards",           required_argument, NULL, 'N' },
        { "collfreq-limit",   required_argument, NULL, 'X' },
        { "synonyms",         required_argument, NULL, 'y' },
        { "stopwords",        required_argument, NULL, 'w' },
        { "quiet",            no_argument,       NULL, 'q' },
        { "verbose",          no_argument,       NULL, 'v' },
        { "help",             no_argument,       NULL, 'h' },
        { "version",          no_argument,       NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    spine_index_options iopts = SPINE_INDEX_OPTIONS_INIT;
    spine_corpus_options copts = SPINE_CORPUS_OPTIONS_INIT;
    run r;
    int c, check = 0, add = 0, compact = 0;
    unsigned long long n;

    memset(&r, 0, sizeof r);
    r.progress = isatty(STDERR_FILENO);
    opterr = 0;             /* our own one-line messages, below */
    while ((c = getopt_long(argc, argv, ":l:j:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': r.strict = 1; break;
        case 'S': iopts.spelling = 0; break;
        case 'p': iopts.positions = 1; break;
        case 'P': r.progress = 0; break;
        case 'C': check = 1; break;
        case 'A': add = 1; break;
        case 'D':
            if (!*optarg) {
                fprintf(stderr, "spine-index: --delete needs an id\n");
                return 2;
            }
            del->ids[del->n++] = optarg;
            break;
        case 'F':
            if (del->nfrom == sizeof del->from / sizeof *del->from) {
                fprintf(stderr, "spine-index: at most %zu --delete-from "
                        "files\n", sizeof del->from / sizeof *del->from);
                return 2;
            }
            del->from[del->nfrom++] = optarg;
            break;
        case 'K': compact = 1; break;
        case 'L': iopts.allow_shrink = 1; break;
        case 'y': iopts.synonyms = optarg; break;
        case 'w': iopts.stopwords = optarg; break;
        case 'q': r.quiet = 1; break;
        case 'v': r.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V':
            printf("spine-index %s (Xapian %s)\n", spine_version(),
                   spine_xapian_version());
            return 0;
        case 'l':
            if (cli_number("spine-index", "--level", optarg, 0, 9, &n) != 0)
                return 2;
            iopts.zlib_level = (int)n;
            break;
        case 'N':
            if (cli_number("spine-index", "--shards", optarg, 2,
                           SPINE_MAX_SHARDS, &n) != 0)
                return 2;
            iopts.shards = (unsigned)n;
            break;
        case 'X':
            if (cli_number("spine-index", "--collfreq-limit", optarg, 1,
                           UINT32_MAX, &n) != 0)
                return 2;
            iopts.collfreq_limit = n;
            break;
        case 'j':
            if (cli_number("spine-index", "--jobs", optarg, 1, 64, &n) != 0)
                return 2;
            iopts.threads = (int)n;
            break;
        case 'm':
            if (cli_number("spine-index", "--max-record-bytes", optarg, 1,
                           SIZE_MAX, &n) != 0)
                return 2;
            copts.max_record_bytes = (size_t)n;
            break;
        default:            /* '?' unknown, ':' missing argument */
            cli_bad_option("spine-index", c, argv, longopts);
            return 2;
        }
    }

    int change = add || del->n || del->nfrom;
    if (check + compact + (change != 0) > 1) {
        fprintf(stderr, "spine-index: --check, --compact and a change "
                "(--add, --delete) go one at a time (see --help)\n");
        return 2;
    }
    if (change && optind == argc) {
        fprintf(stderr, "spine-index: %s needs the index directory (see "
                "--help)\n", add ? "--add" : "--delete");
        return 2;
    }
    const char *dir = optind < argc ? argv[optind++] : SPINE_DEFAULT_INDEX;
    if ((check || compact) && optind < argc) {
        fprintf(stderr, "spine-index: %s takes an index directory "
                "alone, not '%s' (see --help)\n",
                check ? "--check" : "--compact", argv[optind]);
        return 2;
    }
    if (check)
        return check_index(dir, r.verbose);
    if (compact)
        return compact_index(dir);
    if (change && (add != 0) != (optind < argc)) {
        fprintf(stderr, add ? "spine-index: --add needs a SOURCE (see "
                              "--help)\n"
                            : "spine-index: a SOURCE to add needs --add "
                              "(see --help)\n");
        return 2;
    }
    const char *default_source[] = { SPINE_DEFAULT_CORPUS };
    const char **sources = (const char **)argv + optind;
    int nsources = argc - optind;
    if (nsources == 0 && !change) {
        const char *env = getenv("SPINE_CORPUS");
        if (env && *env)
            default_source[0] = env;
        if (access(default_source[0], R_OK) != 0) {
            fprintf(stderr, "spine-index: the default corpus %s is not "
                    "there; name a SOURCE (a MedQuAD directory or a JSON "
                    "Lines file)\n", default_source[0]);
            return 2;
        }
        sources = default_source;
        nsources = 1;
    }
    /* Check every source before touching anything, so that a typo fails
     * fast instead of after an hour of indexing. */
    for (int i = 0; i < nsources; i++) {
        spine_error why;
        if (spine_corpus_probe(sources[i], &why) != 0) {
            fprintf(stderr, "spine-index: cannot read source: ");
            spine_format_escaped(stderr, why.msg);
            fputc('\n', stderr);
            return 2;
        }
    }

    /* The default word lists are optional: a checkout without them indexes
     * without synonyms or stop words (and says so); named ones must be
     * there. */
    if (!iopts.synonyms) {
        if (access(SPINE_DEFAULT_SYNONYMS, R_OK) == 0)
            iopts.synonyms = SPINE_DEFAULT_SYNONYMS;
        else if (!r.quiet)
            fprintf(stderr, "spine-index: note: %s is not there; indexing "
                    "without synonyms\n", SPINE_DEFAULT_SYNONYMS);
    }
    if (!iopts.stopwords) {
        if (access(SPINE_DEFAULT_STOPWORDS, R_OK) == 0)
            iopts.stopwords = SPINE_DEFAULT_STOPWORDS;
        else if (!r.quiet)
            fprintf(stderr, "spine-index: note: %s is not there; queries "
                    "will keep their stop words\n", SPINE_DEFAULT_STOPWORDS);
    }

    spine_error err;
    int rc = change ? spine_update_begin(&r.up, dir, &iopts, &err)
                    : spine_index_begin(&r.ix, dir, &iopts, &err);
    if (rc != 0) {
        fprintf(stderr, "spine-index: %s\n", err.msg);
        return 2;
    }

    spine_corpus_sink sink = { on_article, on_reject, &r };
    r.start = seconds_now();
    int status = 0;
    /* Deletions first: an id both deleted and added ends up added. */
    for (size_t i = 0; i < del->n && status == 0; i++)
        if (delete_one(&r, del->ids[i], dir) != 0) {
            fprintf(stderr, "spine-index: %s\n", r.err.msg);
            status = 2;
        }
    for (size_t i = 0; i < del->nfrom && status == 0; i++)
        status = delete_from(&r, del->from[i], dir);
    for (int i = 0; i < nsources && status == 0; i++) {
        rc = spine_corpus_read(sources[i], &copts, &sink, &r.stats, &err);
        if (rc == SPINE_EIO && r.err.code == 0) {
            /* The source could not be opened after all (it went away
             * since the check above): one bad source, the others are
             * indexed. */
            clear_progress(&r);
            fprintf(stderr, "spine-index: %s\n", err.msg);
            r.bad++;
        } else if (rc != 0) {
            clear_progress(&r);
            fprintf(stderr, "spine-index: %s\n",
                    r.err.code ? r.err.msg : err.msg);
            status = 2;
        }
    }
    clear_progress(&r);

    if (status == 0 && r.strict && r.bad) {
        fprintf(stderr, "spine-index: %llu bad records%s with --strict; the "
                "index is left as it was\n", (unsigned long long)r.bad,
                change ? " or ids not found" : "");
        status = 1;
    }
    if (change) {
        spine_update_stats st;
        if (status == 0 && spine_update_commit(r.up, &st, &err) != 0) {
            fprintf(stderr, "spine-index: %s\n", err.msg);
            status = 2;
        } else if (status == 0 && !st.announced) {
            fprintf(stderr, "spine-index: warning: %s\n", err.msg);
        }
        print_update_summary(&r, status == 0 ? &st : NULL, dir);
        spine_update_free(r.up);
        return status;
    }
    if (status == 0) {
        spine_index_stats st;
        rc = spine_index_commit(r.ix, &st, &err);
        if (rc != 0) {
            fprintf(stderr, "spine-index: %s\n", err.msg);
            status = 2;
        } else {
            print_summary(&r, &st, dir);
        }
    }
    if (status != 0)
        print_summary(&r, NULL, dir);
    spine_index_free(r.ix);
    return status;
}
