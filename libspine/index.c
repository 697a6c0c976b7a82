/*
 * index.c -- building an index: articles in, through a queue per shard
 * (shard.h), into a new generation (generation.h), compacted into one
 * database and swapped in atomically at commit (layout and guarantees in
 * spine/index.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ceiling.h"
#include "document.h"
#include "generation.h"
#include "heads.h"
#include "schema.h"
#include "shard.h"
#include "shardset.h"
#include "spine/index.h"
#include "synonyms.h"
#include "tiers.h"
#include "util.h"
#include "xapian_c.h"
#include "xerror.h"

struct spine_index {
    spine_generation *gen;          /* the generation being built, locked */
    spine_index_options opts;
    spine_index_options shard_opts; /* the shards' (no spelling in a set:
                                       its lexicon has it) */
    spine_shard *shards;
    unsigned nshards;
    spine_index_stats stats;        /* as queued, for progress */
    spine_synonyms_lists lists;     /* synonyms and stop words, for shard 0 */
    /* The first articles, held back until their mean length (avlen) is
     * known: every article's term weights depend on it (schema.h). */
    spine_article **sample;
    size_t nsample;
    uint64_t sample_len;            /* their total length */
    double avlen;                   /* 0 until the sample is in */
};

/* ---- building ---------------------------------------------------------- */

/* How many shards (and threads) to build with: a set's, the option, or
 * one per online CPU, at most 8. */
static unsigned shard_count(const spine_index_options *opts)
{
    if (opts->shards > 1)
        return opts->shards;
    if (opts->threads > 0)
        return opts->threads > 8 ? 8 : (unsigned)opts->threads;
    return spine_online_cpus(8);
}

int spine_index_begin(spine_index **out, const char *dir,
                      const spine_index_options *opts, spine_error *err)
{
    static const spine_index_options defaults = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = spine_calloc(1, sizeof *ix);
    int rc;

    *out = NULL;
    ix->opts = opts ? *opts : defaults;
    if (ix->opts.batch == 0)
        ix->opts.batch = SPINE_INDEX_BATCH;

    /* Check options here: once articles flow, errors surface late. */
    if (ix->opts.zlib_level < -1 || ix->opts.zlib_level > 9) {
        rc = spine_error_set(err, SPINE_EINVAL, "zlib level %d out of range "
                             "(0-9)", ix->opts.zlib_level);
        goto fail;
    }
    if (ix->opts.shards > SPINE_MAX_SHARDS) {
        rc = spine_error_set(err, SPINE_EINVAL, "%u shards: at most %d",
                             ix->opts.shards, SPINE_MAX_SHARDS);
        goto fail;
    }
    ix->shard_opts = ix->opts;
    if (ix->opts.shards > 1)
        ix->shard_opts.spelling = 0;
    if (ix->opts.synonyms) {
        rc = spine_synonyms_read_file(&ix->lists, ix->opts.synonyms, err);
        if (rc != SPINE_OK)
            goto fail;
    }
    if (ix->opts.stopwords) {
        rc = spine_synonyms_read_stopwords(&ix->lists, ix->opts.stopwords,
                                           err);
        if (rc != SPINE_OK)
            goto fail;
    }
    rc = spine_generation_begin(&ix->gen, dir, err);
    if (rc != SPINE_OK)
        goto fail;
    ix->nshards = shard_count(&ix->opts);
    ix->shards = spine_calloc(ix->nshards, sizeof *ix->shards);
    for (unsigned i = 0; i < ix->nshards; i++) {
        /* The first shard stores what the index holds once; a set's
         * lexicon does (write_lexicon()). */
        rc = spine_shard_open(&ix->shards[i],
                              spine_generation_build_dir(ix->gen), i,
                              &ix->shard_opts, &ix->avlen,
                              i == 0 && ix->opts.shards < 2 ? &ix->lists
                                                            : NULL, err);
        if (rc != SPINE_OK)
            goto fail;
    }
    *out = ix;
    return SPINE_OK;

fail:
    spine_index_free(ix);
    return rc;
}

/* FNV-1a: which shard an id belongs to. */
static unsigned shard_of(const spine_index *ix, const char *id)
{
    return spine_fnv1a(SPINE_FNV1A_INIT, id, strlen(id)) % ix->nshards;
}

/* Queues copy (from spine_shard_copy_article(), which it takes) for the
 * shard its id belongs to. */
static int enqueue(spine_index *ix, spine_article *copy, spine_error *err)
{
    return spine_shard_enqueue(&ix->shards[shard_of(ix, copy->id)], copy,
                               err);
}

/* Fixes avlen from the articles held back, then queues them.  (The shard
 * threads read avlen only for articles queued after it is set.) */
static int release_sample(spine_index *ix, spine_error *err)
{
    int rc = SPINE_OK;
    ix->avlen = ix->opts.avlen > 0 ? ix->opts.avlen
                : ix->nsample      ? (double)ix->sample_len
                                         / (double)ix->nsample
                                   : 1;
    if (ix->avlen < 1)
        ix->avlen = 1;
    for (size_t i = 0; i < ix->nsample; i++) {
        if (rc == SPINE_OK)
            rc = enqueue(ix, ix->sample[i], err);
        else
            free(ix->sample[i]);
    }
    free(ix->sample);
    ix->sample = NULL;
    ix->nsample = 0;
    return rc;
}

int spine_index_add(spine_index *ix, const spine_article *a, spine_error *err)
{
    if (!a->id || !*a->id)
        return spine_error_set(err, SPINE_EINVAL, "article without an id");
    if (a->nsections == 0)
        return spine_error_set(err, SPINE_EINVAL, "article %s has no text",
                               a->id);

    spine_article *copy = spine_shard_copy_article(a);
    int rc;
    if (ix->avlen > 0) {
        rc = enqueue(ix, copy, err);
    } else {
        if (!ix->sample)
            ix->sample = spine_calloc(SPINE_AVLEN_SAMPLE, sizeof *ix->sample);
        ix->sample[ix->nsample++] = copy;
        ix->sample_len += spine_document_length(copy);
        rc = ix->nsample == SPINE_AVLEN_SAMPLE ? release_sample(ix, err)
                                               : SPINE_OK;
    }
    if (rc != SPINE_OK)
        return rc;
    ix->stats.articles++;
    ix->stats.sections += a->nsections;
    return SPINE_OK;
}

void spine_index_progress(const spine_index *ix, spine_index_stats *stats)
{
    *stats = ix->stats;
}

/* Writes the impact tiers of the compacted database at dest (schema.h):
 * one pass over the posting lists of its common terms; and, unless length
 * is NULL, the sum of its articles' lengths. */
static int add_tiers(const char *dest, const uint64_t *length,
                     xapian_error *xe)
{
    xapian_writable_database *w;
    int rc = xapian_writable_database_open(&w, dest, XAPIAN_DB_OPEN, xe);
    if (rc != 0)
        return rc;
    rc = spine_tiers_write(w, SPINE_META_TIERS, SPINE_TIER_MIN_TF,
                           SPINE_TIER_SIZE, SPINE_TIER_SHARE, NULL, xe);
    if (rc == 0 && length) {
        char total[32];
        int n = snprintf(total, sizeof total, "%llu",
                         (unsigned long long)*length);
        rc = xapian_writable_database_set_metadata(
            w, SPINE_META_LENGTH, strlen(SPINE_META_LENGTH), total,
            (size_t)n, xe);
    }
    if (rc == 0)
        rc = xapian_writable_database_commit(w, xe);
    if (rc == 0)
        rc = xapian_writable_database_close(w, xe);
    xapian_writable_database_free(w);
    return rc;
}

/* Finishes every shard (their threads close them), summing their counts
 * into ix->stats and their articles' length into *length. */
static int finish_shards(spine_index *ix, uint64_t *length, spine_error *err)
{
    int rc = SPINE_OK;
    *length = 0;
    memset(&ix->stats, 0, sizeof ix->stats);
    for (unsigned i = 0; i < ix->nshards; i++)
        spine_shard_close_queue(&ix->shards[i], 0);
    for (unsigned i = 0; i < ix->nshards && rc == 0; i++) {
        spine_shard *sh = &ix->shards[i];
        rc = spine_shard_finish(sh, 0, err);
        if (rc != 0)
            break;
        ix->stats.articles += sh->articles;
        ix->stats.sections += sh->sections;
        ix->stats.text_bytes += sh->text_bytes;
        ix->stats.stored_bytes += sh->stored_bytes;
        *length += sh->length;
    }
    if (rc == 0 && ix->stats.articles == 0)
        rc = spine_error_set(err, SPINE_EINVAL, "no articles to index; "
                             "the existing index is left as it was");
    return rc;
}

/* Opens the databases of shards at paths[0..n) as one, into *all. */
static int open_all(xapian_database **all, char *const *paths, unsigned n,
                    xapian_error *xe)
{
    xapian_database *part = NULL;
    int rc = 0;
    *all = NULL;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        rc = xapian_database_open(i ? &part : all, paths[i], xe);
        if (rc == 0 && i) {
            rc = xapian_database_add_database(*all, part, xe);
            xapian_database_free(part);
            part = NULL;
        }
    }
    if (rc != 0) {
        xapian_database_free(*all);
        *all = NULL;
    }
    return rc;
}

/* The build's shards' paths (an array of borrowed strings; free() it). */
static char **shard_paths(const spine_index *ix)
{
    char **v = spine_calloc(ix->nshards, sizeof *v);
    for (unsigned i = 0; i < ix->nshards; i++)
        v[i] = ix->shards[i].path;
    return v;
}

/* Finishes every shard and compacts them into one database at dest.  Fills
 * the totals of ix->stats and *ndocs. */
static int merge_shards(spine_index *ix, const char *dest, uint32_t *ndocs,
                        spine_error *err)
{
    xapian_database *all = NULL;
    xapian_error xe;
    uint64_t length = 0;
    int rc = finish_shards(ix, &length, err);
    if (rc != 0)
        return rc;

    /* Compaction merges the shards (postings, spelling data, metadata) and
     * writes full, tightly packed blocks: a smaller index, faster to search. */
    char **paths = shard_paths(ix);
    rc = open_all(&all, paths, ix->nshards, &xe);
    free(paths);
    if (rc == 0)
        rc = xapian_database_compact(all, dest, &xe);
    xapian_database_free(all);
    all = NULL;
    if (rc == 0)
        rc = add_tiers(dest, &length, &xe);
    if (rc == 0)
        rc = xapian_database_open(&all, dest, &xe);
    if (rc == 0)
        rc = xapian_database_doccount(ndocs, all, &xe);
    if (rc != 0) {
        xapian_database_free(all);
        return spine_error_from_xapian(err, &xe, dest);
    }
    rc = spine_ceiling_check(all, ix->opts.collfreq_limit,
                             spine_generation_index_dir(ix->gen), err);
    if (rc == SPINE_OK)
        rc = spine_heads_write(dest, all, err);
    xapian_database_free(all);
    return rc;
}

/* Writes a set's lexicon at path: no article, and what the whole set holds
 * once (spine_index_options.shards): the spelling dictionary of the words
 * of all shards (open as one in shards), the synonyms and stop words, the
 * schema, the mean article length weighed for and the articles' total
 * length. */
static int write_lexicon(const spine_index *ix, const char *path,
                         const xapian_database *shards, uint64_t length,
                         xapian_error *xe)
{
    xapian_writable_database *w = NULL;
    char avlen[32], total[32];
    int na = snprintf(avlen, sizeof avlen, "%.17g", ix->avlen);
    int nt = snprintf(total, sizeof total, "%llu",
                      (unsigned long long)length);
    int rc = xapian_writable_database_open(&w, path, XAPIAN_DB_CREATE, xe);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            w, SPINE_META_SCHEMA, strlen(SPINE_META_SCHEMA),
            SPINE_SCHEMA_VERSION, strlen(SPINE_SCHEMA_VERSION), xe);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            w, SPINE_META_AVLEN, strlen(SPINE_META_AVLEN), avlen,
            (size_t)na, xe);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            w, SPINE_META_LENGTH, strlen(SPINE_META_LENGTH), total,
            (size_t)nt, xe);
    /* No shard has changed since the build (update.c). */
    spine_buf none = SPINE_BUF_INIT;
    for (unsigned i = 0; i < ix->nshards; i++)
        spine_buf_append(&none, "\n", 1);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            w, SPINE_META_SHARDS, strlen(SPINE_META_SHARDS), none.p, none.n,
            xe);
    spine_buf_free(&none);
    if (rc == 0)
        rc = spine_synonyms_store(w, &ix->lists, xe);
    if (rc == 0 && ix->opts.spelling)
        rc = spine_spelling_fill(w, shards, xe);
    if (rc == 0)
        rc = xapian_writable_database_commit(w, xe);
    if (rc == 0)
        rc = xapian_writable_database_close(w, xe);
    xapian_writable_database_free(w);
    return rc;
}

/* Writes data (len bytes) to a new file at path, made durable. */
static int write_synced(const char *path, const char *data, size_t len,
                        spine_error *err)
{
    FILE *f = fopen(path, "w");
    int ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0
             && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? SPINE_OK : spine_error_set(err, SPINE_EIO, "%s: %s", path,
                                           strerror(errno));
}

/* Writes the stub of a set of n shards in dir: the lexicon first (Xapian
 * reads a set's metadata from its first database), then the shards. */
static int write_set_stub(const char *dir, unsigned n, spine_error *err)
{
    spine_buf text = SPINE_BUF_INIT;
    spine_buf_printf(&text, "auto lexicon\n");
    for (unsigned i = 0; i < n; i++)
        spine_buf_printf(&text, "auto shard-%u\n", i);
    char *path = spine_path_join(dir, SPINE_STUB_NAME);
    int rc = write_synced(path, text.p, text.n, err);
    free(path);
    spine_buf_free(&text);
    return rc;
}

/* Finishes every shard and makes of them a shard set at dest (a new
 * directory): each shard compacted into dest/shard-K, the lexicon, the
 * stub.  Fills the totals of ix->stats and *ndocs. */
static int build_set(spine_index *ix, const char *dest, uint32_t *ndocs,
                     spine_error *err)
{
    xapian_database *all = NULL, *one = NULL;
    xapian_error xe;
    uint64_t length = 0;
    char **paths = NULL;
    spine_buf path = SPINE_BUF_INIT;
    int rc = finish_shards(ix, &length, err);
    if (rc != 0)
        return rc;
    if (mkdir(dest, 0777) != 0)
        return spine_error_set(err, SPINE_EIO, "%s: %s", dest,
                               strerror(errno));
    paths = spine_calloc(ix->nshards, sizeof *paths);
    for (unsigned i = 0; i < ix->nshards && rc == 0; i++) {
        spine_buf_printf(&path, "%s/shard-%u", dest, i);
        paths[i] = spine_buf_detach(&path);
        /* Compaction packs each shard's blocks full, as for one index. */
        rc = xapian_database_open(&one, ix->shards[i].path, &xe);
        if (rc == 0)
            rc = xapian_database_compact(one, paths[i], &xe);
        xapian_database_free(one);
        one = NULL;
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, paths[i]);
    }
    if (rc == 0 && (rc = open_all(&all, paths, ix->nshards, &xe)) != 0)
        rc = spine_error_from_xapian(err, &xe, dest);
    if (rc == 0)
        rc = spine_ceiling_check(all, ix->opts.collfreq_limit,
                                 spine_generation_index_dir(ix->gen), err);
    if (rc == 0) {
        spine_buf_printf(&path, "%s/lexicon", dest);
        if (write_lexicon(ix, path.p, all, length, &xe) != 0
            || xapian_database_doccount(ndocs, all, &xe) != 0)
            rc = spine_error_from_xapian(err, &xe, path.p);
    }
    if (rc == 0)
        rc = write_set_stub(dest, ix->nshards, err);
    xapian_database_free(all);
    for (unsigned i = 0; i < ix->nshards; i++)
        free(paths[i]);
    free(paths);
    spine_buf_free(&path);
    return rc;
}

/* Refuses a rebuild that would leave ndocs articles, fewer than half
 * those of the live index (spine_index_commit()). */
static int check_shrink(spine_index *ix, uint32_t ndocs, spine_error *err)
{
    const char *dir = spine_generation_index_dir(ix->gen);
    char *live = spine_generation_live_dir(dir);
    xapian_database *db = NULL;
    xapian_error xe;
    uint32_t had = 0;
    int rc = SPINE_OK;
    /* The lock is ours: the live generation stays as it is. */
    if (live && xapian_database_open(&db, live, &xe) == 0
        && xapian_database_doccount(&had, db, &xe) == 0
        && (uint64_t)ndocs * 2 < had)
        rc = spine_error_set(err, SPINE_EINVAL, "%s: the rebuild would "
                             "leave %u articles of the %u in the index, "
                             "fewer than half; the index is left as it was "
                             "(add or replace articles with an update; a "
                             "rebuild that is meant to drop the rest is "
                             "allowed to shrink)", dir, (unsigned)ndocs,
                             (unsigned)had);
    xapian_database_free(db);
    free(live);
    return rc;
}

int spine_index_commit(spine_index *ix, spine_index_stats *stats,
                       spine_error *err)
{
    uint32_t ndocs = 0;
    uint64_t bytes = 0;
    spine_buf merged = SPINE_BUF_INIT;
    int rc;

    if (ix->avlen == 0) {
        rc = release_sample(ix, err);
        if (rc != SPINE_OK)
            return rc;
    }
    spine_buf_printf(&merged, "%s/merged",
                     spine_generation_build_dir(ix->gen));
    rc = ix->opts.shards > 1 ? build_set(ix, merged.p, &ndocs, err)
                             : merge_shards(ix, merged.p, &ndocs, err);
    if (rc == SPINE_OK && !ix->opts.allow_shrink)
        rc = check_shrink(ix, ndocs, err);
    if (rc == SPINE_OK)
        rc = spine_generation_commit(ix->gen, merged.p, &bytes, err);
    spine_buf_free(&merged);
    if (rc != SPINE_OK)
        return rc;

    ix->stats.replaced = ix->stats.articles - ndocs;
    ix->stats.articles = ndocs;
    ix->stats.index_bytes = bytes;
    if (stats)
        *stats = ix->stats;
    return SPINE_OK;
}

/* Compacts the shard set whose generation is at live into a new one at
 * dest: each of its databases on its own (keeping docids, which its
 * shards' impact of updates relies on as one database's do), and its
 * stub.  Sets *ndocs. */
static int compact_set(const char *live, const char *dest, uint32_t *ndocs,
                       spine_error *err)
{
    spine_shardset set;
    xapian_error xe;
    spine_buf path = SPINE_BUF_INIT, stub = SPINE_BUF_INIT;
    int rc = spine_shardset_list(&set, live, err);
    if (rc != SPINE_OK)
        return rc;
    if (mkdir(dest, 0777) != 0)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", dest, strerror(errno));
    *ndocs = 0;
    for (size_t i = 0; rc == SPINE_OK && i < set.n; i++) {
        const char *name = strrchr(set.v[i].name, '/');
        name = name ? name + 1 : set.v[i].name;
        xapian_database *db = NULL;
        uint32_t n = 0;
        spine_buf_free(&path);
        spine_buf_printf(&path, "%s/%s", dest, name);
        spine_buf_printf(&stub, "auto %s\n", name);
        if (!set.v[i].path) {
            rc = spine_error_set(err, SPINE_EINVAL, "%s: lists a remote "
                                 "shard (%s)", live, set.v[i].name);
            break;
        }
        if (xapian_database_open(&db, set.v[i].path, &xe) != 0
            || xapian_database_compact_flags(db, path.p,
                                             XAPIAN_COMPACT_NO_RENUMBER,
                                             &xe) != 0
            || xapian_database_doccount(&n, db, &xe) != 0)
            rc = spine_error_from_xapian(err, &xe, set.v[i].path);
        xapian_database_free(db);
        *ndocs += n;
    }
    if (rc == SPINE_OK) {
        spine_buf_free(&path);
        spine_buf_printf(&path, "%s/%s", dest, SPINE_STUB_NAME);
        rc = write_synced(path.p, stub.p, stub.n, err);
    }
    spine_buf_free(&path);
    spine_buf_free(&stub);
    spine_shardset_free(&set);
    return rc;
}

int spine_index_compact(const char *dir, spine_index_stats *stats,
                        spine_error *err)
{
    spine_generation *gen = NULL;
    xapian_database *db = NULL;
    xapian_error xe;
    spine_buf merged = SPINE_BUF_INIT;
    uint32_t ndocs = 0;
    uint64_t bytes = 0;
    char *live = NULL;

    int rc = spine_generation_begin(&gen, dir, err);
    if (rc != SPINE_OK)
        return rc;
    live = spine_generation_live_dir(dir);
    if (!live) {
        rc = spine_error_set(err, SPINE_ENOTFOUND, "no index at %s to "
                             "compact", dir);
        goto done;
    }
    spine_buf_printf(&merged, "%s/merged", spine_generation_build_dir(gen));
    if (spine_generation_is_set(live)) {
        rc = compact_set(live, merged.p, &ndocs, err);
        if (rc == SPINE_OK)
            rc = spine_generation_commit(gen, merged.p, &bytes, err);
        if (rc == SPINE_OK && stats) {
            memset(stats, 0, sizeof *stats);
            stats->articles = ndocs;
            stats->index_bytes = bytes;
        }
        goto done;
    }
    /* The docids stay: the impact tiers that updates kept, and the
     * heads file's entries, are by docid. */
    rc = xapian_database_open(&db, live, &xe);
    if (rc == 0)
        rc = xapian_database_compact_flags(db, merged.p,
                                           XAPIAN_COMPACT_NO_RENUMBER, &xe);
    xapian_database_free(db);
    db = NULL;
    if (rc == 0)
        rc = add_tiers(merged.p, NULL, &xe);
    if (rc == 0)
        rc = xapian_database_open(&db, merged.p, &xe);
    if (rc == 0)
        rc = xapian_database_doccount(&ndocs, db, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, live);
        goto done;
    }
    rc = spine_heads_write(merged.p, db, err);
    xapian_database_free(db);
    db = NULL;
    if (rc == SPINE_OK)
        rc = spine_generation_commit(gen, merged.p, &bytes, err);
    if (rc == SPINE_OK && stats) {
        memset(stats, 0, sizeof *stats);
        stats->articles = ndocs;
        stats->index_bytes = bytes;
    }
done:
    xapian_database_free(db);
    spine_buf_free(&merged);
    free(live);
    spine_generation_free(gen);
    return rc;
}

void spine_index_free(spine_index *ix)
{
    if (!ix)
        return;
    for (unsigned i = 0; ix->shards && i < ix->nshards; i++)
        spine_shard_free(&ix->shards[i]);
    for (size_t i = 0; i < ix->nsample; i++)
        free(ix->sample[i]);
    free(ix->sample);
    free(ix->shards);
    spine_generation_free(ix->gen);     /* the unfinished build, the lock */
    spine_synonyms_lists_free(&ix->lists);
    free(ix);
}
