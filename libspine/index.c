/*
 * index.c -- building an index into a new generation and swapping it in
 * atomically (layout and guarantees in index.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "schema.h"
#include "store.h"
#include "util.h"
#include "xapian_c.h"
#include "xerror.h"

#define STUB_NAME "XAPIANDB"
#define LOCK_NAME ".lock"
#define GEN_FMT   "gen-%06u"

struct spine_index {
    char *dir;                      /* the index directory */
    int lock_fd;                    /* flock()ed INDEX_DIR/.lock */
    unsigned gen;                   /* number of the generation being built */
    char *tmp_path;                 /* INDEX_DIR/gen-NNNNNN.tmp */
    int committed;                  /* 1 once swapped in */
    spine_index_options opts;
    xapian_writable_database *db;
    xapian_term_generator *tg;
    xapian_stem *stem;
    spine_buf record;               /* scratch for the stored record */
    spine_buf term;                 /* scratch for prefixed terms */
    spine_index_stats stats;
};

/* ---- files and directories ------------------------------------------- */

static char *join(const char *dir, const char *name)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_printf(&b, "%s/%s", dir, name);
    return spine_buf_detach(&b);
}

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)sb; (void)type; (void)ftw;
    return remove(path);
}

static int rmtree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t du_total;

static int du_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)path; (void)ftw;
    if (type == FTW_F)
        du_total += (uint64_t)sb->st_size;
    return 0;
}

/* Sum of the sizes of the regular files below path. */
static uint64_t disk_bytes(const char *path)
{
    du_total = 0;
    nftw(path, du_entry, 16, FTW_PHYS);
    return du_total;
}

/* fsync()s a directory so that renames inside it are durable. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Parses "gen-NNNNNN" (exactly); returns 1 and sets *n on a match. */
static int parse_gen(const char *name, unsigned *n)
{
    unsigned v;
    int len = 0;
    if (sscanf(name, "gen-%6u%n", &v, &len) == 1 && len == 10
        && name[len] == '\0') {
        *n = v;
        return 1;
    }
    return 0;
}

/* Is name something an index directory holds?  Returns 1 for the stub, the
 * lock, the stub's temporary, and generations finished or not (setting *gen
 * to their number, else 0); 0 for anything else. */
static int layout_entry(const char *name, unsigned *gen)
{
    char base[16];
    size_t len = strlen(name);
    *gen = 0;
    if (!strcmp(name, STUB_NAME) || !strcmp(name, STUB_NAME ".tmp")
        || !strcmp(name, LOCK_NAME))
        return 1;
    if (len == 14 && !strcmp(name + 10, ".tmp")) {
        memcpy(base, name, 10);
        base[10] = '\0';
        return parse_gen(base, gen);
    }
    return parse_gen(name, gen);
}

/* Reads the generation the stub names into *live (0 when there is none). */
static void read_live_gen(const char *dir, unsigned *live)
{
    char *stub = join(dir, STUB_NAME);
    FILE *f = fopen(stub, "r");
    char line[256];
    *live = 0;
    if (f) {
        char name[128];
        if (fgets(line, sizeof line, f)
            && sscanf(line, "auto %127s", name) == 1)
            parse_gen(name, live);
        fclose(f);
    }
    free(stub);
}

/* Looks at dir without changing it: sets *foreign when it holds anything an
 * index does not, and *max_gen to the highest generation number in use. */
static int survey(const char *dir, int *foreign, unsigned *max_gen,
                  spine_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return spine_error_set(err, SPINE_EIO, "%s: %s", dir,
                               strerror(errno));
    *foreign = 0;
    *max_gen = 0;
    while ((e = readdir(d)) != NULL) {
        unsigned n;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!layout_entry(e->d_name, &n))
            *foreign = 1;
        else if (n > *max_gen)
            *max_gen = n;
    }
    closedir(d);
    return SPINE_OK;
}

/* Removes what earlier runs left behind: temporary generations, a stub
 * temporary, and any generation other than live.  Only names of the index
 * layout are touched.  Call with the lock held. */
static void sweep(const char *dir, unsigned live)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        unsigned n, g;
        if (!layout_entry(name, &n) || !strcmp(name, STUB_NAME)
            || !strcmp(name, LOCK_NAME) || (parse_gen(name, &g) && g == live))
            continue;
        char *path = join(dir, name);
        rmtree(path);
        free(path);
    }
    closedir(d);
}

/* ---- building ---------------------------------------------------------- */

int spine_index_begin(spine_index **out, const char *dir,
                      const spine_index_options *opts, spine_error *err)
{
    static const spine_index_options defaults = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = spine_calloc(1, sizeof *ix);
    xapian_error xe;
    unsigned live, max_gen;
    int foreign, rc;
    char name[32];

    *out = NULL;
    ix->lock_fd = -1;
    ix->dir = spine_strdup(dir);
    ix->opts = opts ? *opts : defaults;

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = spine_error_set(err, SPINE_EIO, "cannot create index %s: %s",
                             dir, strerror(errno));
        goto fail;
    }
    /* Never write (or later sweep) inside a directory that holds something
     * else: a mistyped path must not cost anybody files. */
    read_live_gen(dir, &live);
    rc = survey(dir, &foreign, &max_gen, err);
    if (rc != SPINE_OK)
        goto fail;
    if (foreign && live == 0) {
        rc = spine_error_set(err, SPINE_EINVAL, "%s exists and is not a "
                             "Spine index; refusing to write into it", dir);
        goto fail;
    }

    char *lock = join(dir, LOCK_NAME);
    ix->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lock);
    if (ix->lock_fd < 0) {
        rc = spine_error_set(err, SPINE_EIO, "cannot write to index %s: %s",
                             dir, strerror(errno));
        goto fail;
    }
    if (flock(ix->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = spine_error_set(err, SPINE_ELOCKED, "index %s is locked: "
                             "another spine-index is writing it", dir);
        goto fail;
    }

    /* Under the lock the picture may have changed: look again. */
    read_live_gen(dir, &live);
    rc = survey(dir, &foreign, &max_gen, err);
    if (rc != SPINE_OK)
        goto fail;
    sweep(dir, live);

    ix->gen = max_gen + 1;
    snprintf(name, sizeof name, GEN_FMT ".tmp", ix->gen);
    ix->tmp_path = join(dir, name);

    rc = xapian_writable_database_open(&ix->db, ix->tmp_path,
                                       XAPIAN_DB_CREATE_OR_OVERWRITE, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&ix->stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc == 0)
        rc = xapian_term_generator_new(&ix->tg, &xe);
    if (rc == 0)
        rc = xapian_term_generator_set_stemmer(ix->tg, ix->stem, &xe);
    if (rc == 0 && ix->opts.spelling) {
        rc = xapian_term_generator_set_database(ix->tg, ix->db, &xe);
        if (rc == 0)
            rc = xapian_term_generator_set_flags(ix->tg,
                                                 XAPIAN_TG_FLAG_SPELLING,
                                                 &xe);
    }
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, ix->tmp_path);
        goto fail;
    }
    *out = ix;
    return SPINE_OK;

fail:
    spine_index_free(ix);
    return rc;
}

/* Sets ix->term to prefix + s with ASCII letters lower-cased (source names
 * are matched case-insensitively), and returns it. */
static const char *boolean_term(spine_index *ix, const char *prefix,
                                const char *s)
{
    spine_buf_reset(&ix->term);
    spine_buf_puts(&ix->term, prefix);
    for (; *s; s++) {
        char c = (char)tolower((unsigned char)*s);
        spine_buf_append(&ix->term, &c, 1);
    }
    return ix->term.p;
}

static int index_text(spine_index *ix, const char *text, unsigned wdfinc,
                      const char *prefix, xapian_error *xe)
{
    if (!text || !*text)
        return 0;
    return xapian_term_generator_index_text(ix->tg, text, strlen(text),
                                            wdfinc, prefix, xe);
}

int spine_index_add(spine_index *ix, const spine_article *a, spine_error *err)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    int rc;

    if (!a->id || !*a->id)
        return spine_error_set(err, SPINE_EINVAL, "article without an id");
    if (a->nsections == 0)
        return spine_error_set(err, SPINE_EINVAL, "article %s has no text",
                               a->id);

    spine_buf_reset(&ix->record);
    rc = spine_store_encode(&ix->record, a, ix->opts.zlib_level, err);
    if (rc != 0)
        return rc;

    rc = xapian_document_new(&doc, &xe);
    if (rc == 0)
        rc = xapian_term_generator_set_document(ix->tg, doc, &xe);
    /* The title twice: prefixed for title: queries, and unprefixed with a
     * boost so that plain queries favour articles about the topic. */
    if (rc == 0)
        rc = index_text(ix, a->title, 1, SPINE_PREFIX_TITLE, &xe);
    if (rc == 0)
        rc = xapian_term_generator_increase_termpos(ix->tg,
                                                    SPINE_SECTION_GAP, &xe);
    if (rc == 0)
        rc = index_text(ix, a->title, SPINE_TITLE_WDF, NULL, &xe);
    for (size_t i = 0; rc == 0 && i < a->nsections; i++) {
        rc = xapian_term_generator_increase_termpos(ix->tg,
                                                    SPINE_SECTION_GAP, &xe);
        if (rc == 0)
            rc = index_text(ix, a->sections[i].question, 1, NULL, &xe);
        if (rc == 0)
            rc = xapian_term_generator_increase_termpos(ix->tg, 1, &xe);
        if (rc == 0)
            rc = index_text(ix, a->sections[i].answer, 1, NULL, &xe);
    }
    if (rc == 0 && a->source && *a->source) {
        const char *t = boolean_term(ix, SPINE_PREFIX_SOURCE, a->source);
        rc = xapian_document_add_boolean_term(doc, t, ix->term.n, &xe);
    }
    if (rc == 0)
        rc = xapian_document_add_value(doc, SPINE_SLOT_ID, a->id,
                                       strlen(a->id), &xe);
    if (rc == 0)
        rc = xapian_document_set_data(doc, ix->record.p, ix->record.n, &xe);
    if (rc == 0) {
        spine_buf_reset(&ix->term);
        spine_buf_puts(&ix->term, SPINE_PREFIX_ID);
        spine_buf_puts(&ix->term, a->id);
        rc = xapian_document_add_boolean_term(doc, ix->term.p, ix->term.n,
                                              &xe);
    }
    if (rc == 0)
        rc = xapian_writable_database_replace_document(
            NULL, ix->db, ix->term.p, ix->term.n, doc, &xe);
    xapian_document_free(doc);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, a->id);

    ix->stats.articles++;
    ix->stats.sections += a->nsections;
    ix->stats.text_bytes += spine_article_text_bytes(a);
    ix->stats.stored_bytes += ix->record.n;
    return SPINE_OK;
}

void spine_index_progress(const spine_index *ix, spine_index_stats *stats)
{
    *stats = ix->stats;
}

/* Points the stub at generation gen: write a new stub beside the old one,
 * make it durable, then rename it over the old one in one step. */
static int swap_stub(spine_index *ix, const char *gen_name, spine_error *err)
{
    char *tmp = join(ix->dir, STUB_NAME ".tmp");
    char *stub = join(ix->dir, STUB_NAME);
    int rc = SPINE_OK;
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "auto %s\n", gen_name) < 0 || fflush(f) != 0
        || fsync(fileno(f)) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp, strerror(errno));
    }
    if (f && fclose(f) != 0 && rc == SPINE_OK)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == SPINE_OK && rename(tmp, stub) != 0)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", stub, strerror(errno));
    if (rc != SPINE_OK)
        remove(tmp);
    else
        sync_dir(ix->dir);
    free(tmp);
    free(stub);
    return rc;
}

int spine_index_commit(spine_index *ix, spine_index_stats *stats,
                       spine_error *err)
{
    xapian_error xe;
    uint32_t ndocs = 0;
    char name[32];
    char *gen_path = NULL;
    int rc;

    rc = xapian_writable_database_doccount(&ndocs, ix->db, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, ix->tmp_path);
    if (ndocs == 0)
        return spine_error_set(err, SPINE_EINVAL, "no articles to index; "
                               "the existing index is left as it was");
    rc = xapian_writable_database_set_metadata(
        ix->db, SPINE_META_SCHEMA, strlen(SPINE_META_SCHEMA),
        SPINE_SCHEMA_VERSION, strlen(SPINE_SCHEMA_VERSION), &xe);
    /* Commit explicitly: Xapian's destructor would swallow the error. */
    if (rc == 0)
        rc = xapian_writable_database_commit(ix->db, &xe);
    if (rc == 0)
        rc = xapian_writable_database_close(ix->db, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, ix->tmp_path);
    xapian_term_generator_free(ix->tg);
    ix->tg = NULL;
    xapian_writable_database_free(ix->db);
    ix->db = NULL;

    snprintf(name, sizeof name, GEN_FMT, ix->gen);
    gen_path = join(ix->dir, name);
    sync_dir(ix->tmp_path);
    if (rename(ix->tmp_path, gen_path) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", gen_path,
                             strerror(errno));
        free(gen_path);
        return rc;
    }
    free(ix->tmp_path);
    ix->tmp_path = gen_path;        /* free() removes it if the swap fails */

    rc = swap_stub(ix, name, err);
    if (rc != SPINE_OK)
        return rc;
    ix->committed = 1;

    /* The new generation is live: the old ones are garbage now.  Readers
     * that still have them open keep their files until they close. */
    sweep(ix->dir, ix->gen);

    ix->stats.replaced = ix->stats.articles - ndocs;
    ix->stats.articles = ndocs;
    ix->stats.index_bytes = disk_bytes(gen_path);
    if (stats)
        *stats = ix->stats;
    return SPINE_OK;
}

void spine_index_free(spine_index *ix)
{
    if (!ix)
        return;
    xapian_term_generator_free(ix->tg);
    xapian_writable_database_free(ix->db);   /* releases Xapian's lock */
    xapian_stem_free(ix->stem);
    if (!ix->committed && ix->tmp_path)
        rmtree(ix->tmp_path);
    if (ix->lock_fd >= 0)
        close(ix->lock_fd);                  /* releases our flock */
    spine_buf_free(&ix->record);
    spine_buf_free(&ix->term);
    free(ix->tmp_path);
    free(ix->dir);
    free(ix);
}
