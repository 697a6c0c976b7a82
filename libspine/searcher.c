/*
 * searcher.c -- opening an index for search (spine/search.h): its schema,
 * heads file, query parsers, stop words, synonyms, speller and matchers.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "schema.h"
#include "search_int.h"
#include "util.h"
#include "xerror.h"

/* Reads the stop list the indexer stored (one word a line) and hands it to
 * the two query parsers: question boilerplate ("what are the ... of") then
 * no longer outweighs the content words.  Xapian keeps stop words inside
 * phrases and after '+'. */
static int load_stopwords(spine_searcher *s, xapian_error *xe)
{
    char *list = NULL;
    size_t len = 0;
    int rc = xapian_database_get_metadata(&list, &len, s->db,
                                          SPINE_META_STOPWORDS,
                                          strlen(SPINE_META_STOPWORDS), xe);
    if (rc == 0 && len)
        rc = xapian_stopper_new(&s->stopper, xe);
    for (size_t i = 0; rc == 0 && len && i < len; ) {
        size_t n = strcspn(list + i, "\n");
        if (n)
            rc = xapian_stopper_add(s->stopper, list + i, n, xe);
        i += n + 1;
    }
    if (rc == 0 && s->stopper)
        rc = xapian_query_parser_set_stopper(s->qp, s->stopper, xe);
    free(list);
    return rc;
}


/* Creates a query parser for s's index that knows the query language's
 * fields (title:, source:, symptom:, cause:, complication:); with stem set, words are stemmed as the
 * indexer stemmed them. */
static int new_parser(xapian_query_parser **out, spine_searcher *s, int stem,
                      xapian_error *xe)
{
    int rc = xapian_query_parser_new(out, xe);
    if (rc == 0 && stem)
        rc = xapian_query_parser_set_stemmer(*out, s->stem, xe);
    if (rc == 0 && stem)
        rc = xapian_query_parser_set_stemming_strategy(*out, XAPIAN_STEM_SOME,
                                                       xe);
    if (rc == 0)
        rc = xapian_query_parser_set_database(*out, s->db, xe);
    if (rc == 0)
        rc = xapian_query_parser_add_prefix(*out, "title", SPINE_PREFIX_TITLE,
                                            xe);
    if (rc == 0)
        rc = xapian_query_parser_add_boolean_prefix(*out, "source",
                                                    SPINE_PREFIX_SOURCE, xe);
    /* The typed sections' fields ("see also", schema.h). */
    if (rc == 0)
        rc = xapian_query_parser_add_prefix(*out, "symptom",
                                            SPINE_PREFIX_SYMPTOM, xe);
    if (rc == 0)
        rc = xapian_query_parser_add_prefix(*out, "cause",
                                            SPINE_PREFIX_CAUSE, xe);
    if (rc == 0)
        rc = xapian_query_parser_add_prefix(*out, "complication",
                                            SPINE_PREFIX_COMPLICATION, xe);
    if (rc == 0)
        rc = xapian_query_parser_set_max_expansion(
            *out, WILDCARD_TERMS, XAPIAN_WILDCARD_LIMIT_MOST_FREQUENT,
            XAPIAN_QP_FLAG_WILDCARD | XAPIAN_QP_FLAG_PARTIAL, xe);
    return rc;
}

/* Creates an enquire session on s's index that ranks as Spine ranks. */
int spine_searcher_new_matcher(spine_matcher **out, spine_searcher *s,
                               xapian_error *xe)
{
    int rc = spine_matcher_new(out, s->db, WEIGHTING,
                               (const double[]){ SPINE_WDF_SCALE }, 1, xe);
    /* Not through remote shards: the lazy plan asks each query term's
     * frequency, which Xapian asks of each remote shard in turn, one
     * round trip after another (benchmarks/SHARDS.md); the match itself
     * gathers the statistics it needs at once. */
    if (rc == 0 && !s->shards.remote)
        rc = spine_matcher_set_lazy(*out, LAZY_SHARE, LAZY_POSTINGS, xe);
    if (rc == 0)
        rc = spine_matcher_set_tiers(*out, SPINE_META_TIERS, TIER_TERMS,
                                     TIER_MAX, xe);
    /* The ESet's wdf saturation, in the index's wdf units (schema.h). */
    if (rc == 0)
        rc = xapian_enquire_set_expansion_scheme(
            spine_matcher_enquire(*out), "trad", EXPAND_K * SPINE_WDF_SCALE,
            xe);
    return rc;
}

void (*spine_searcher_open_hook)(int step, const char *path);

/* Notes the size of every file of s's generation (a local one: s->path is
 * not s->dir), so that a read error can later name the file that changed
 * under s. */
static void note_files(spine_searcher *s)
{
    DIR *d = strcmp(s->path, s->dir) ? opendir(s->path) : NULL;
    struct dirent *e;
    size_t cap = 0;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (s->nfiles == cap) {
            cap = cap ? 2 * cap : 16;
            s->files = spine_realloc(s->files, cap * sizeof *s->files);
        }
        s->files[s->nfiles].name = spine_strdup(e->d_name);
        s->files[s->nfiles].size = st.st_size;
        s->nfiles++;
    }
    closedir(d);
}

int spine_searcher_xapian_error(spine_error *err, const spine_searcher *s,
                                const xapian_error *xe)
{
    spine_error why;
    int rc = spine_error_from_xapian(&why, xe, s->dir);
    if (rc != SPINE_EIO && rc != SPINE_ECORRUPT) {
        if (err)
            *err = why;
        return rc;
    }
    /* A file cut short, or removed, under a running searcher: say which. */
    for (size_t i = 0; i < s->nfiles; i++) {
        char *path = spine_path_join(s->path, s->files[i].name);
        struct stat st;
        int gone = stat(path, &st) != 0;
        if (gone || st.st_size != s->files[i].size) {
            if (gone)
                rc = spine_error_set(err, SPINE_ECORRUPT, "%s: removed while "
                                     "in use (%s); the index is damaged: "
                                     "rebuild it", path, xe->msg);
            else
                rc = spine_error_set(err, SPINE_ECORRUPT, "%s: %lld bytes, "
                                     "was %lld when opened (%s); the index "
                                     "is damaged: rebuild it", path,
                                     (long long)st.st_size,
                                     (long long)s->files[i].size, xe->msg);
            free(path);
            return rc;
        }
        free(path);
    }
    return spine_error_set(err, SPINE_ECORRUPT, "%s: the index is damaged "
                           "(%s); spine-index --check %s tells more",
                           s->dir, xe->msg, s->dir);
}

static int split(spine_searcher *s, unsigned threads,
                 unsigned long min_postings, spine_error *err);

/* Refuses an index whose metadata says it has a spelling dictionary when
 * Xapian finds none: its table was removed, and Xapian would take that
 * for an empty dictionary, turning suggestions off without a word. */
static int check_spelling(spine_searcher *s, spine_error *err)
{
    xapian_error xe;
    char *built = NULL;
    size_t len = 0;
    int any = 1;
    int rc = xapian_database_get_metadata(&built, &len, s->db,
                                          SPINE_META_SPELLING,
                                          strlen(SPINE_META_SPELLING), &xe);
    if (rc == 0 && len)
        rc = xapian_database_has_spellings(&any, s->db, &xe);
    free(built);
    if (rc != 0)
        return spine_searcher_xapian_error(err, s, &xe);
    if (!any)
        return spine_error_set(err, SPINE_ECORRUPT, "%s: the spelling "
                               "dictionary is missing (its table was "
                               "removed?); rebuild the index", s->path);
    return SPINE_OK;
}

/* Fills s, whose dir and path are set, from the database at s->path. */
static int open_db(spine_searcher *s, spine_error *err)
{
    xapian_error xe;
    char *schema = NULL;
    size_t schema_len = 0;
    int rc;

    if (spine_searcher_open_hook)
        spine_searcher_open_hook(1, s->path);
    /* Each shard on its own (shardset.h): one database, a sharded
     * build's generation, or a stub a user wrote. */
    spine_error why;
    struct stat st;
    rc = spine_shardset_list(&s->shards, s->path, &why);
    if (rc == SPINE_ENOTFOUND && stat(s->path, &st) != 0)
        return spine_error_set(err, SPINE_ENOTFOUND, "no index at %s (build "
                               "one with spine-index)", s->dir);
    if (rc == SPINE_ENOTFOUND) {            /* a stub names a missing one */
        if (err)
            *err = why;
        return rc;
    }
    if (rc == SPINE_OK)
        rc = spine_shardset_open(&s->db, &s->shards, s->open.timeout_ms,
                                 s->open.partial, &why);
    /* One local database says what it always said: no index, or damage
     * (named by file when it changed under us); a set names the shard. */
    int one = s->shards.n == 1 && s->shards.v[0].path;
    if (rc != SPINE_OK && one
        && (s->shards.failed.code == XAPIAN_ENOTFOUND
            || s->shards.failed.code == XAPIAN_EOPENING))
        rc = SPINE_ENOTFOUND;
    else if (rc != SPINE_OK && one && s->shards.failed.code)
        return spine_searcher_xapian_error(err, s, &s->shards.failed);
    if (rc == SPINE_ENOTFOUND)
        return spine_error_set(err, SPINE_ENOTFOUND, "no index at %s (build "
                               "one with spine-index)%s%s", s->dir,
                               one ? "" : ": ", one ? "" : why.msg);
    if (rc != SPINE_OK) {
        if (err)
            *err = why;
        return rc;
    }
    if (s->shards.down)
        s->retry_at = time(NULL) + SPINE_SHARD_RETRY_S;
    rc = xapian_database_get_metadata(&schema, &schema_len, s->db,
                                      SPINE_META_SCHEMA,
                                      strlen(SPINE_META_SCHEMA), &xe);
    if (rc != 0)
        return spine_searcher_xapian_error(err, s, &xe);
    if (strcmp(schema, SPINE_SCHEMA_VERSION) != 0) {
        rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a Spine index of "
                             "schema %s (found \"%s\"); rebuild it", s->dir,
                             SPINE_SCHEMA_VERSION, schema);
        free(schema);
        return rc;
    }
    free(schema);
    note_files(s);
    if (spine_searcher_open_hook)
        spine_searcher_open_hook(2, s->path);
    /* The heads of the generation opened (none for a stub by hand). */
    rc = strcmp(s->path, s->dir) ? spine_heads_open_at(&s->heads, s->path,
                                                       s->db, err)
                                 : SPINE_OK;
    if (rc != SPINE_OK)
        return rc;
    /* Xapian reads no spelling table through a remote shard: a set with
     * remote shards has its dictionary in a local one (the lexicon of a
     * sharded build), or none. */
    rc = s->shards.remote ? SPINE_OK : check_spelling(s, err);
    if (rc != SPINE_OK)
        return rc;
    rc = xapian_database_doccount(&s->doccount, s->db, &xe);
    if (rc == 0)
        rc = xapian_database_has_positions(&s->positions, s->db, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&s->stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc == 0)
        rc = new_parser(&s->qp, s, 1, &xe);
    if (rc == 0)
        rc = load_stopwords(s, &xe);
    if (rc == 0)
        rc = spine_synonyms_open(&s->synonyms, s->db, &xe);
    /* Spelling has a parser of its own, without stemming: it corrects the
     * words as typed. */
    xapian_query_parser *spell_qp = NULL;
    if (rc == 0)
        rc = new_parser(&spell_qp, s, 0, &xe);
    if (rc == 0)
        rc = spine_speller_new(&s->speller, s->db, spell_qp, PARSE_FLAGS,
                               s->synonyms, &xe);
    else
        xapian_query_parser_free(spell_qp);
    if (rc == 0)
        rc = spine_searcher_new_matcher(&s->match, s, &xe);
    if (rc != 0)
        return spine_searcher_xapian_error(err, s, &xe);
    /* Splitting only saves time: should the helper handles fail to open
     * (no file descriptors left), s matches on one thread. */
    if (s->doccount >= SPINE_SPLIT_MIN_DOCS)
        (void)split(s, 0, 0, NULL);
    return SPINE_OK;
}

/* How many times an open starts again because the generation it read
 * from the stub was removed before it could hold it: each time a rebuild
 * finished in that short while. */
#define OPEN_TRIES 8

int spine_searcher_open(spine_searcher **out, const char *dir,
                        spine_error *err)
{
    return spine_searcher_open_with(out, dir, NULL, err);
}

int spine_searcher_open_with(spine_searcher **out, const char *dir,
                             const spine_open_options *o, spine_error *err)
{
    static const spine_open_options defaults = SPINE_OPEN_OPTIONS_INIT;
    *out = NULL;
    for (int tries = 1; ; tries++) {
        spine_searcher *s = spine_calloc(1, sizeof *s);
        spine_stub after;
        s->open = o ? *o : defaults;
        struct stat st;
        int rc, hold = -1, gone = 0;

        /* The stub names the live generation.  Held (readers' lock), it
         * stays whole while we open it, or it was removed before: then
         * the stub names a newer one, and we start again there. */
        spine_stub_look(dir, &s->stub);
        s->dir = spine_strdup(dir);
        s->path = spine_generation_live_dir(dir);
        int local = s->path != NULL;
        if (spine_searcher_open_hook)
            spine_searcher_open_hook(0, s->path);
        if (local)
            hold = spine_generation_hold(s->path);
        else
            s->path = spine_strdup(dir);    /* a stub written by hand */
        rc = open_db(s, err);
        if (local && hold < 0) {
            /* No readers' lock: a generation built before them, or one
             * whose removal had begun.  Whole only if the stub stayed the
             * same all along (an old generation is removed only after a
             * new stub is in place). */
            spine_stub_look(dir, &after);
            gone = !spine_stub_same(&s->stub, &after);
        } else if (local && rc != SPINE_OK) {
            gone = stat(s->path, &st) != 0; /* removed before the hold */
        }
        spine_generation_release(hold);
        if (rc == SPINE_OK && !gone) {
            *out = s;
            return SPINE_OK;
        }
        spine_searcher_free(s);
        if (!gone)
            return rc;
        if (tries == OPEN_TRIES)
            return spine_error_set(err, SPINE_EIO, "index %s changed %d "
                                   "times while being opened; try again",
                                   dir, OPEN_TRIES);
    }
}

/* Moves s's contents to fresh (opened on s's directory), keeping s's
 * thread settings, and releases what s had. */
static void move_to(spine_searcher *s, spine_searcher *fresh)
{
    if (s->threads_set)
        (void)split(fresh, s->threads, s->min_postings, NULL);
    fresh->threads = s->threads;
    fresh->min_postings = s->min_postings;
    fresh->threads_set = s->threads_set;
    spine_searcher old = *s;
    *s = *fresh;
    *fresh = old;
    spine_searcher_free(fresh);
}

int spine_searcher_refresh(spine_searcher *s)
{
    spine_stub now;
    spine_searcher *fresh;
    spine_error err;

    spine_stub_look(s->dir, &now);
    if (spine_stub_same(&now, &s->stub) || spine_stub_same(&now, &s->failed))
        return 0;
    if (spine_searcher_open_with(&fresh, s->dir, &s->open, &err)
        != SPINE_OK) {
        /* No stub (the index removed), or a generation that does not
         * open: go on with the whole one s has, and try again only once
         * the stub changes again. */
        s->failed = now;
        return 0;
    }
    move_to(s, fresh);
    return 1;
}

int spine_searcher_reload(spine_searcher *s)
{
    spine_searcher *fresh;
    spine_error err;
    xapian_error xe;
    char *uuid = NULL, *fresh_uuid = NULL;
    uint64_t rev = 0, fresh_rev = 0;

    if (spine_searcher_open_with(&fresh, s->dir, &s->open, &err)
        != SPINE_OK)
        return 0;
    int same = xapian_database_identity(&uuid, &rev, s->db, &xe) == 0
               && xapian_database_identity(&fresh_uuid, &fresh_rev,
                                           fresh->db, &xe) == 0
               && strcmp(uuid, fresh_uuid) == 0 && rev == fresh_rev;
    free(uuid);
    free(fresh_uuid);
    if (same) {
        spine_searcher_free(fresh);
        return 0;
    }
    move_to(s, fresh);
    return 1;
}

int spine_searcher_reopen(spine_searcher *s, spine_error *err)
{
    spine_searcher *fresh;
    int rc = spine_searcher_open_with(&fresh, s->dir, &s->open, err);
    if (rc == SPINE_OK)
        move_to(s, fresh);
    return rc;
}

void spine_searcher_retry_shards(spine_searcher *s)
{
    spine_searcher *fresh;
    spine_error err;
    time_t now = time(NULL);
    if (!s->shards.down || now < s->retry_at)
        return;
    s->retry_at = now + SPINE_SHARD_RETRY_S;
    if (spine_searcher_open_with(&fresh, s->dir, &s->open, &err) != SPINE_OK)
        return;
    if (fresh->shards.down < s->shards.down)
        move_to(s, fresh);
    else
        spine_searcher_free(fresh);
}

void spine_searcher_free(spine_searcher *s)
{
    if (!s)
        return;
    spine_matcher_free(s->match);
    spine_matcher_free(s->check);
    xapian_query_parser_free(s->qp);
    spine_speller_free(s->speller);
    xapian_stem_free(s->stem);
    xapian_stopper_free(s->stopper);
    spine_heads_free(s->heads);
    xapian_database_free(s->db);
    spine_synonyms_free(s->synonyms);       /* after the speller's */
    spine_shardset_free(&s->shards);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->files[i].name);
    free(s->files);
    free(s->dir);
    free(s->path);
    free(s);
}

/* Opens the helper handles of spine_searcher_set_threads() and hands
 * them to s's matcher; records nothing. */
static int split(spine_searcher *s, unsigned threads,
                 unsigned long min_postings, spine_error *err)
{
    if (threads == 0)
        threads = spine_online_cpus(SPINE_MAX_MATCH_THREADS);
    if (threads > SPINE_MAX_MATCH_THREADS)
        return spine_error_set(err, SPINE_EINVAL, "at most %d threads can "
                               "match a query", SPINE_MAX_MATCH_THREADS);
    /* A shard set is matched on one thread: a split's docid ranges are
     * one database's (spine_ext_query_docid_range()). */
    if (s->shards.n != 1 || s->shards.remote)
        return SPINE_OK;
    xapian_database *helper[SPINE_MAX_MATCH_THREADS];
    xapian_error xe;
    unsigned n = 0;
    int rc = 0;
    while (n + 1 < threads) {           /* bounded by threads */
        rc = xapian_database_open(&helper[n], s->path, &xe);
        if (rc != 0)
            break;
        n++;
    }
    /* The matcher takes the helpers over, or frees them. */
    if (rc == 0)
        rc = spine_matcher_set_split(s->match, helper, n,
                                     min_postings ? (double)min_postings
                                                  : SPINE_SPLIT_POSTINGS,
                                     &xe);
    else
        for (unsigned i = 0; i < n; i++)
            xapian_database_free(helper[i]);
    return rc == 0 ? SPINE_OK : spine_error_from_xapian(err, &xe, s->dir);
}

int spine_searcher_set_threads(spine_searcher *s, unsigned threads,
                               unsigned long min_postings, spine_error *err)
{
    int rc = split(s, threads, min_postings, err);
    if (rc == SPINE_OK) {       /* kept for a generation s moves to */
        s->threads = threads;
        s->min_postings = min_postings;
        s->threads_set = 1;
    }
    return rc;
}

unsigned spine_searcher_doccount(const spine_searcher *s)
{
    return s->doccount;
}

int spine_searcher_record_error(spine_error *err, const spine_searcher *s,
                                xapian_document *doc, int rc,
                                const spine_error *why)
{
    const char *id = "";
    size_t idlen = 0;
    if (doc)
        xapian_document_get_value(&id, &idlen, doc, SPINE_SLOT_ID, NULL);
    return spine_error_set(err, rc, "%s: article %.*s: %s", s->dir,
                           (int)idlen, id, why->msg);
}

