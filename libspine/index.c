/*
 * index.c -- building an index into a new generation and swapping it in
 * atomically (layout and guarantees in index.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "document.h"
#include "heads.h"
#include "spine/index.h"
#include "phrase.h"
#include "schema.h"
#include "store.h"
#include "util.h"
#include "xapian_c.h"
#include "xerror.h"

#define STUB_NAME "XAPIANDB"
#define LOCK_NAME ".lock"
#define GEN_FMT   "gen-%06u"

/* Articles wait for their shard's thread in a ring of this many. */
#define QUEUE_LEN 64

/* One writer of the new generation: a Xapian database of its own (a shard),
 * fed through a queue by the thread that reads the corpus and filled by a
 * thread of its own, so that term generation, compression and Xapian's
 * inversion run on every core.  An article always goes to the shard its id
 * hashes to, so a repeated id replaces the earlier article as it would in
 * one database.  At commit the shards are compacted into one. */
typedef struct shard {
    struct spine_index *ix;
    char *path;                     /* INDEX_DIR/gen-NNNNNN.tmp/shard-K */
    xapian_writable_database *db;
    xapian_term_generator *tg;
    xapian_stem *stem;
    spine_store_encoder *enc;       /* compresses the stored records */
    spine_buf record;               /* scratch for the stored record */
    spine_buf term;                 /* scratch for prefixed terms */
    spine_phrase_pairs *pairs;      /* builds pair sets (no positions) */
    spine_buf pairset;              /* scratch for one pair set */
    unsigned batched;               /* articles added since the last commit */
    pthread_t thread;
    int started;                    /* thread is running */

    pthread_mutex_t mu;             /* guards the fields below */
    pthread_cond_t more, room;
    spine_article *queue[QUEUE_LEN];
    size_t head, count;
    int closing;                    /* no more articles will come */
    int rc;                         /* first error, sticky */
    spine_error err;
    uint64_t articles, sections, text_bytes, stored_bytes;
} shard;

struct spine_index {
    char *dir;                      /* the index directory */
    int lock_fd;                    /* flock()ed INDEX_DIR/.lock */
    unsigned gen;                   /* number of the generation being built */
    char *tmp_path;                 /* INDEX_DIR/gen-NNNNNN.tmp */
    int committed;                  /* 1 once swapped in */
    spine_index_options opts;
    shard *shards;
    unsigned nshards;
    spine_index_stats stats;        /* as queued, for progress */
    spine_buf synonyms;             /* "key\0value\0" pairs, for shard 0 */
    size_t nsynonyms;
    spine_buf stopwords;            /* "word\n" ..., for the metadata */
    /* The first articles, held back until their mean length (avlen) is
     * known: every article's term weights depend on it (schema.h). */
    spine_article **sample;
    size_t nsample;
    uint64_t sample_len;            /* their total length */
    double avlen;                   /* 0 until the sample is in */
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

char *spine_index_live_path(const char *dir, const char *name)
{
    unsigned live;
    char gen[32];
    read_live_gen(dir, &live);
    if (live == 0)
        return NULL;
    snprintf(gen, sizeof gen, GEN_FMT, live);
    char *gen_path = join(dir, gen);
    char *path = join(gen_path, name);
    free(gen_path);
    return path;
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

/* ---- one shard --------------------------------------------------------- */

/* Returns a deep copy of a in one allocation (free() it). */
static spine_article *copy_article(const spine_article *a)
{
    size_t n = sizeof *a + a->nsections * sizeof(spine_section);
    const char *fields[4] = { a->id, a->title, a->url, a->source };
    for (int i = 0; i < 4; i++)
        n += strlen(fields[i] ? fields[i] : "") + 1;
    for (size_t i = 0; i < a->nsections; i++)
        n += strlen(a->sections[i].pid) + strlen(a->sections[i].question)
           + strlen(a->sections[i].answer) + 3;

    spine_article *c = spine_malloc(n);
    spine_section *sec = (spine_section *)(c + 1);
    char *p = (char *)(sec + a->nsections);
#define COPY(dst, src) do { size_t l_ = strlen((src) ? (src) : "");        \
                            memcpy(p, (src) ? (src) : "", l_ + 1);          \
                            (dst) = p; p += l_ + 1; } while (0)
    COPY(c->id, a->id);
    COPY(c->title, a->title);
    COPY(c->url, a->url);
    COPY(c->source, a->source);
    for (size_t i = 0; i < a->nsections; i++) {
        COPY(sec[i].pid, a->sections[i].pid);
        COPY(sec[i].question, a->sections[i].question);
        COPY(sec[i].answer, a->sections[i].answer);
    }
#undef COPY
    c->sections = sec;
    c->nsections = a->nsections;
    return c;
}

/* Turns article a into a document of shard sh (schema.h, document.h). */
static int shard_add(shard *sh, const spine_article *a, spine_error *err)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    int rc;

    spine_buf_reset(&sh->record);
    rc = spine_store_encoder_encode(sh->enc, &sh->record, a, err);
    if (rc != 0)
        return rc;

    unsigned unit = spine_document_wdf_unit(spine_document_length(a),
                                            sh->ix->avlen);
    rc = xapian_document_new(&doc, &xe);
    if (rc == 0)
        rc = spine_document_index(sh->tg, doc, a, unit,
                                  sh->ix->opts.positions, &sh->term, &xe);
    if (rc == 0)
        rc = xapian_document_add_value(doc, SPINE_SLOT_ID, a->id,
                                       strlen(a->id), &xe);
    /* Without positions, a pair set lets quoted phrases rule the article
     * out unread (phrase.h). */
    if (rc == 0 && !sh->ix->opts.positions) {
        spine_phrase_pairs_build(sh->pairs, a, &sh->pairset);
        rc = xapian_document_add_value(doc, SPINE_SLOT_PAIRS, sh->pairset.p,
                                       sh->pairset.n, &xe);
    }
    if (rc == 0)
        rc = xapian_document_add_value(
            doc, SPINE_SLOT_HEAD, sh->record.p,
            spine_store_head_bytes(sh->record.p, sh->record.n), &xe);
    if (rc == 0)
        rc = xapian_document_set_data(doc, sh->record.p, sh->record.n, &xe);
    /* sh->term holds the id term: a repeated id replaces the article. */
    if (rc == 0)
        rc = xapian_writable_database_replace_document(
            NULL, sh->db, sh->term.p, sh->term.n, doc, &xe);
    xapian_document_free(doc);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, a->id);

    sh->articles++;
    sh->sections += a->nsections;
    sh->text_bytes += spine_article_text_bytes(a);
    sh->stored_bytes += sh->record.n;
    /* A commit writes the batch's postings out (SPINE_INDEX_BATCH). */
    if (++sh->batched == sh->ix->opts.batch) {
        sh->batched = 0;
        if (xapian_writable_database_commit(sh->db, &xe) != 0)
            return spine_error_from_xapian(err, &xe, sh->path);
    }
    return SPINE_OK;
}

/* Spelling data is the body's words (unprefixed terms: prefixes are
 * capitals) with their frequencies. */
static int body_word(const char *term, size_t len, void *ctx)
{
    (void)ctx;
    return len && !(term[0] >= 'A' && term[0] <= 'Z');
}

static int store_extras(spine_index *ix, shard *sh, spine_error *err);

/* Finishes shard sh once all its articles are in, in its own thread so
 * that the shards finish side by side: the first one also gets the
 * synonyms and stop words; then the spelling dictionary is filled from the
 * shard's distinct words (Xapian's term generator would update it once
 * per word occurrence: a fifth of the indexing time on MedQuAD), and the
 * shard is committed and closed (explicitly: Xapian's destructor would
 * swallow an error). */
static int shard_close(shard *sh, spine_error *err)
{
    xapian_error xe;
    int rc = 0;
    if (sh == &sh->ix->shards[0])
        rc = store_extras(sh->ix, sh, err);
    if (rc != 0)
        return rc;
    if (sh->ix->opts.spelling) {
        rc = xapian_writable_database_commit(sh->db, &xe);
        if (rc == 0)
            rc = xapian_writable_database_add_spelling_from_terms(
                sh->db, body_word, NULL, &xe);
    }
    if (rc == 0)
        rc = xapian_writable_database_commit(sh->db, &xe);
    if (rc == 0)
        rc = xapian_writable_database_close(sh->db, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, sh->path);
    return 0;
}

/* The shard's thread: indexes queued articles until the queue is closed
 * and empty, then closes the shard.  After an error it keeps draining (and
 * dropping) so that the reader never blocks on a full queue. */
static void *shard_main(void *arg)
{
    shard *sh = arg;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        while (sh->count == 0 && !sh->closing)
            pthread_cond_wait(&sh->more, &sh->mu);
        if (sh->count == 0) {
            int ok = sh->rc == 0;
            pthread_mutex_unlock(&sh->mu);
            if (ok) {
                spine_error e;
                int rc = shard_close(sh, &e);
                if (rc != 0) {
                    pthread_mutex_lock(&sh->mu);
                    sh->rc = rc;
                    sh->err = e;
                    pthread_mutex_unlock(&sh->mu);
                }
            }
            return NULL;
        }
        spine_article *a = sh->queue[sh->head];
        sh->head = (sh->head + 1) % QUEUE_LEN;
        sh->count--;
        int failed = sh->rc != 0;
        pthread_cond_signal(&sh->room);
        pthread_mutex_unlock(&sh->mu);

        if (!failed) {
            spine_error e;
            int rc = shard_add(sh, a, &e);
            if (rc != 0) {
                pthread_mutex_lock(&sh->mu);
                sh->rc = rc;
                sh->err = e;
                pthread_mutex_unlock(&sh->mu);
            }
        }
        free(a);
    }
}

/* Opens shard number no of ix and starts its thread. */
static int shard_open(shard *sh, spine_index *ix, unsigned no,
                      spine_error *err)
{
    xapian_error xe;
    char name[32];
    int rc;

    sh->ix = ix;
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->more, NULL);
    pthread_cond_init(&sh->room, NULL);
    snprintf(name, sizeof name, "shard-%u", no);
    sh->path = join(ix->tmp_path, name);

    rc = spine_store_encoder_new(&sh->enc, ix->opts.zlib_level, err);
    if (rc != 0)
        return rc;
    sh->pairs = spine_phrase_pairs_new();
    /* A shard is scratch until compacted (which syncs): no fsync(). */
    rc = xapian_writable_database_open(&sh->db, sh->path,
                                       XAPIAN_DB_CREATE_OR_OVERWRITE
                                       | XAPIAN_DB_NO_SYNC, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&sh->stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc == 0)
        rc = spine_term_generator_new(&sh->tg, sh->stem, &xe);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            sh->db, SPINE_META_SCHEMA, strlen(SPINE_META_SCHEMA),
            SPINE_SCHEMA_VERSION, strlen(SPINE_SCHEMA_VERSION), &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, sh->path);
    if (pthread_create(&sh->thread, NULL, shard_main, sh) != 0)
        return spine_error_set(err, SPINE_ERROR, "cannot start an indexing "
                               "thread: %s", strerror(errno));
    sh->started = 1;
    return SPINE_OK;
}

/* Tells sh's thread that no more articles will come (it then closes the
 * shard, or with discard set drops what is still queued), without waiting
 * for it: all shards can finish at once. */
static void shard_close_queue(shard *sh, int discard)
{
    if (!sh->started)
        return;
    pthread_mutex_lock(&sh->mu);
    sh->closing = 1;
    if (discard && sh->rc == 0)
        sh->rc = SPINE_EABORT;
    pthread_cond_signal(&sh->more);
    pthread_mutex_unlock(&sh->mu);
}

/* Closes sh's queue (see shard_close_queue) and waits for its thread.
 * Returns the shard's first error (recorded in *err) or 0. */
static int shard_finish(shard *sh, int discard, spine_error *err)
{
    if (!sh->started)
        return SPINE_OK;
    shard_close_queue(sh, discard);
    pthread_join(sh->thread, NULL);
    sh->started = 0;
    if (sh->rc != 0 && sh->rc != SPINE_EABORT && err)
        *err = sh->err;
    return sh->rc;
}

/* Stops the shard (if running) and releases it; its files stay. */
static void shard_free(shard *sh)
{
    if (!sh->ix)
        return;                     /* never opened */
    shard_finish(sh, 1, NULL);
    xapian_term_generator_free(sh->tg);
    xapian_writable_database_free(sh->db);  /* releases Xapian's lock */
    xapian_stem_free(sh->stem);
    spine_store_encoder_free(sh->enc);
    spine_buf_free(&sh->record);
    spine_buf_free(&sh->term);
    spine_phrase_pairs_free(sh->pairs);
    spine_buf_free(&sh->pairset);
    pthread_cond_destroy(&sh->more);
    pthread_cond_destroy(&sh->room);
    pthread_mutex_destroy(&sh->mu);
    free(sh->path);
}

/* ---- synonyms and stop words ------------------------------------------ */

/* Reads the next line of f into *line (without its newline, a '#' comment
 * cut off).  Returns 0 at end of file. */
static int next_line(FILE *f, char **line, size_t *cap)
{
    ssize_t n = getline(line, cap, f);
    if (n < 0)
        return 0;
    char *hash = strchr(*line, '#');
    if (hash)
        *hash = '\0';
    return 1;
}

/* Normalises the phrase p[0..n) in place into out: lower-case words joined
 * by single spaces.  Returns the number of words, or -1 for a character
 * other than a letter, digit or space. */
static int phrase_words(spine_buf *out, const char *p, size_t n)
{
    int words = 0, in_word = 0;
    spine_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (isspace(c)) {
            in_word = 0;
            continue;
        }
        if (!isalnum(c) && c < 0x80)
            return -1;
        if (!in_word) {
            if (words)
                spine_buf_append(out, " ", 1);
            words++;
            in_word = 1;
        }
        char lc = (char)tolower(c);
        spine_buf_append(out, &lc, 1);
    }
    return words;
}

static void add_pair(spine_index *ix, const char *key, size_t klen,
                     const char *val, size_t vlen)
{
    spine_buf_append(&ix->synonyms, key, klen);
    spine_buf_append(&ix->synonyms, "", 1);
    spine_buf_append(&ix->synonyms, val, vlen);
    spine_buf_append(&ix->synonyms, "", 1);
    ix->nsynonyms++;
}

/* Records that phrase key (normalised) finds phrase val: val's words as
 * stemmed terms under each of key's lookup forms (see index.h). */
static int add_synonym(spine_index *ix, xapian_stem *stem, const char *key,
                       const char *val, xapian_error *xe)
{
    /* One pass for the body ("" / "Z"), one for the title ("S" / "ZS"). */
    static const char *const field[2] = { "", SPINE_PREFIX_TITLE };
    int one_word = strchr(key, ' ') == NULL;
    spine_buf k = SPINE_BUF_INIT, v = SPINE_BUF_INIT;
    int rc = 0;
    for (int f = 0; f < (one_word ? 2 : 1) && rc == 0; f++) {
        /* The lookup keys: the phrase as typed, and a word's stem. */
        char *kstem = NULL;
        if (one_word)
            rc = xapian_stem_word(&kstem, stem, key, strlen(key), xe);
        for (const char *w = val; rc == 0 && *w; ) {
            size_t n = strcspn(w, " ");
            char *vstem = NULL;
            rc = xapian_stem_word(&vstem, stem, w, n, xe);
            if (rc == 0) {
                spine_buf_reset(&v);
                spine_buf_printf(&v, "Z%s%s", field[f], vstem);
                spine_buf_reset(&k);
                spine_buf_printf(&k, "%s%s", field[f], key);
                add_pair(ix, k.p, k.n, v.p, v.n);
                if (kstem) {
                    spine_buf_reset(&k);
                    spine_buf_printf(&k, "Z%s%s", field[f], kstem);
                    add_pair(ix, k.p, k.n, v.p, v.n);
                }
            }
            free(vstem);
            w += n;
            w += strspn(w, " ");
        }
        free(kstem);
    }
    spine_buf_free(&k);
    spine_buf_free(&v);
    return rc;
}

/* Splits s at commas into normalised phrases appended to *list ("a\0b\0").
 * Returns the number of phrases, or -1 for an empty or bad one. */
static int phrase_list(spine_buf *list, const char *s)
{
    spine_buf one = SPINE_BUF_INIT;
    int n = 0;
    for (;;) {
        size_t len = strcspn(s, ",");
        int words = phrase_words(&one, s, len);
        if (words <= 0) {
            n = -1;
            break;
        }
        spine_buf_append(list, one.p, one.n);
        spine_buf_append(list, "", 1);
        n++;
        if (!s[len])
            break;
        s += len + 1;
    }
    spine_buf_free(&one);
    return n;
}

/* Reads the synonym file (format in index.h) into ix->synonyms. */
static int load_synonyms(spine_index *ix, const char *path, spine_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return spine_error_set(err, SPINE_EIO, "cannot read synonyms %s: %s",
                               path, strerror(errno));
    xapian_stem *stem = NULL;
    xapian_error xe;
    spine_buf keys = SPINE_BUF_INIT, vals = SPINE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = xapian_stem_new(&stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc != 0)
        rc = spine_error_from_xapian(err, &xe, path);
    while (rc == 0 && next_line(f, &line, &cap)) {
        lineno++;
        char *colon = strchr(line, ':');
        spine_buf_reset(&keys);
        spine_buf_reset(&vals);
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;                                   /* blank */
        int nk, nv;
        if (colon) {
            *colon = '\0';
            nk = phrase_list(&keys, line);
            nv = phrase_list(&vals, colon + 1);
            if (nk != 1 || nv < 1) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: want "
                                     "'term: synonym, synonym...' (words of "
                                     "letters and digits)", path, lineno);
                break;
            }
        } else {
            nk = phrase_list(&keys, line);
            if (nk < 2) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: want two "
                                     "or more comma-separated phrases of "
                                     "letters and digits, or 'term: "
                                     "synonym, ...'", path, lineno);
                break;
            }
            spine_buf_append(&vals, keys.p, keys.n);
            nv = nk;
        }
        /* Every key finds every value other than itself. */
        for (const char *k = keys.p; rc == 0 && k < keys.p + keys.n;
             k += strlen(k) + 1)
            for (const char *v = vals.p; rc == 0 && v < vals.p + vals.n;
                 v += strlen(v) + 1)
                if (strcmp(k, v) != 0)
                    rc = add_synonym(ix, stem, k, v, &xe);
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, path);
    }
    if (rc == 0 && ferror(f))
        rc = spine_error_set(err, SPINE_EIO, "cannot read synonyms %s: %s",
                             path, strerror(errno));
    free(line);
    spine_buf_free(&keys);
    spine_buf_free(&vals);
    xapian_stem_free(stem);
    fclose(f);
    return rc;
}

/* Reads the stop-word file into ix->stopwords, one word a line. */
static int load_stopwords(spine_index *ix, const char *path, spine_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return spine_error_set(err, SPINE_EIO, "cannot read stop words %s: "
                               "%s", path, strerror(errno));
    spine_buf word = SPINE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && next_line(f, &line, &cap)) {
        lineno++;
        for (char *p = line; *p; ) {
            size_t n = strcspn(p, " \t\r\n");
            if (n && phrase_words(&word, p, n) != 1) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: '%.*s' is "
                                     "not a word of letters and digits",
                                     path, lineno, (int)n, p);
                break;
            }
            if (n) {
                spine_buf_append(&ix->stopwords, word.p, word.n);
                spine_buf_append(&ix->stopwords, "\n", 1);
            }
            p += n;
            p += strspn(p, " \t\r\n");
        }
    }
    free(line);
    spine_buf_free(&word);
    fclose(f);
    return rc;
}

/* Writes the synonyms and stop words into shard 0 (compaction carries them
 * into the merged index; adding them to one shard keeps one copy). */
static int store_extras(spine_index *ix, shard *sh, spine_error *err)
{
    xapian_error xe;
    int rc = 0;
    const char *p = ix->synonyms.p, *end = p + ix->synonyms.n;
    while (rc == 0 && p && p < end) {
        const char *key = p, *val = key + strlen(key) + 1;
        rc = xapian_writable_database_add_synonym(sh->db, key, strlen(key),
                                                  val, strlen(val), &xe);
        p = val + strlen(val) + 1;
    }
    if (rc == 0 && ix->stopwords.n)
        rc = xapian_writable_database_set_metadata(
            sh->db, SPINE_META_STOPWORDS, strlen(SPINE_META_STOPWORDS),
            ix->stopwords.p, ix->stopwords.n, &xe);
    if (rc == 0) {
        char avlen[32];
        int n = snprintf(avlen, sizeof avlen, "%.3f", ix->avlen);
        rc = xapian_writable_database_set_metadata(
            sh->db, SPINE_META_AVLEN, strlen(SPINE_META_AVLEN), avlen,
            (size_t)n, &xe);
    }
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, sh->path);
    return 0;
}

/* ---- building ---------------------------------------------------------- */

/* How many shards (and threads) to build with: the option, or one per
 * online CPU, at most 8. */
static unsigned shard_count(const spine_index_options *opts)
{
    if (opts->threads > 0)
        return opts->threads > 8 ? 8 : (unsigned)opts->threads;
    return spine_online_cpus(8);
}

int spine_index_begin(spine_index **out, const char *dir,
                      const spine_index_options *opts, spine_error *err)
{
    static const spine_index_options defaults = SPINE_INDEX_OPTIONS_INIT;
    spine_index *ix = spine_calloc(1, sizeof *ix);
    unsigned live, max_gen;
    int foreign, rc;
    char name[32];

    *out = NULL;
    ix->lock_fd = -1;
    ix->dir = spine_strdup(dir);
    ix->opts = opts ? *opts : defaults;
    if (ix->opts.batch == 0)
        ix->opts.batch = SPINE_INDEX_BATCH;

    /* Check options here: once articles flow, errors surface late. */
    if (ix->opts.zlib_level < -1 || ix->opts.zlib_level > 9) {
        rc = spine_error_set(err, SPINE_EINVAL, "zlib level %d out of range "
                             "(0-9)", ix->opts.zlib_level);
        goto fail;
    }
    if (ix->opts.synonyms) {
        rc = load_synonyms(ix, ix->opts.synonyms, err);
        if (rc != SPINE_OK)
            goto fail;
    }
    if (ix->opts.stopwords) {
        rc = load_stopwords(ix, ix->opts.stopwords, err);
        if (rc != SPINE_OK)
            goto fail;
    }
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
    if (mkdir(ix->tmp_path, 0777) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", ix->tmp_path,
                             strerror(errno));
        goto fail;
    }
    ix->nshards = shard_count(&ix->opts);
    ix->shards = spine_calloc(ix->nshards, sizeof *ix->shards);
    for (unsigned i = 0; i < ix->nshards; i++) {
        rc = shard_open(&ix->shards[i], ix, i, err);
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

/* Queues copy (an article copied with copy_article(), which it takes) for
 * its shard. */
static int enqueue(spine_index *ix, spine_article *copy, spine_error *err)
{
    shard *sh = &ix->shards[shard_of(ix, copy->id)];
    pthread_mutex_lock(&sh->mu);
    while (sh->count == QUEUE_LEN && sh->rc == 0)
        pthread_cond_wait(&sh->room, &sh->mu);
    int rc = sh->rc;
    if (rc == 0) {
        sh->queue[(sh->head + sh->count) % QUEUE_LEN] = copy;
        sh->count++;
        pthread_cond_signal(&sh->more);
    } else if (err) {
        *err = sh->err;
    }
    pthread_mutex_unlock(&sh->mu);
    if (rc != 0)
        free(copy);
    return rc;
}

/* Fixes avlen from the articles held back, then queues them.  (The shard
 * threads read avlen only for articles queued after it is set.) */
static int release_sample(spine_index *ix, spine_error *err)
{
    int rc = SPINE_OK;
    ix->avlen = ix->nsample ? (double)ix->sample_len / (double)ix->nsample
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

    spine_article *copy = copy_article(a);
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

/* Writes the impact tiers of the compacted database at dest (schema.h):
 * one pass over the posting lists of its common terms. */
static int add_tiers(const char *dest, xapian_error *xe)
{
    xapian_writable_database *w;
    int rc = xapian_writable_database_open(&w, dest, XAPIAN_DB_OPEN, xe);
    if (rc != 0)
        return rc;
    rc = xapian_writable_database_add_tiers(w, SPINE_META_TIERS,
                                            SPINE_TIER_MIN_TF,
                                            SPINE_TIER_SIZE, SPINE_TIER_SHARE,
                                            NULL, xe);
    if (rc == 0)
        rc = xapian_writable_database_commit(w, xe);
    if (rc == 0)
        rc = xapian_writable_database_close(w, xe);
    xapian_writable_database_free(w);
    return rc;
}

/* Finishes every shard and compacts them into one database at dest.  Fills
 * the totals of ix->stats and *ndocs. */
static int merge_shards(spine_index *ix, const char *dest, uint32_t *ndocs,
                        spine_error *err)
{
    xapian_database *all = NULL, *part = NULL;
    xapian_error xe;
    int rc = SPINE_OK;

    memset(&ix->stats, 0, sizeof ix->stats);
    for (unsigned i = 0; i < ix->nshards; i++)
        shard_close_queue(&ix->shards[i], 0);
    for (unsigned i = 0; i < ix->nshards && rc == 0; i++) {
        shard *sh = &ix->shards[i];
        rc = shard_finish(sh, 0, err);
        if (rc != 0)
            break;
        ix->stats.articles += sh->articles;
        ix->stats.sections += sh->sections;
        ix->stats.text_bytes += sh->text_bytes;
        ix->stats.stored_bytes += sh->stored_bytes;
    }
    if (rc != 0)
        return rc;
    if (ix->stats.articles == 0)
        return spine_error_set(err, SPINE_EINVAL, "no articles to index; "
                               "the existing index is left as it was");

    /* Compaction merges the shards (postings, spelling data, metadata) and
     * writes full, tightly packed blocks: a smaller index, faster to search. */
    for (unsigned i = 0; i < ix->nshards && rc == 0; i++) {
        rc = xapian_database_open(i ? &part : &all, ix->shards[i].path, &xe);
        if (rc == 0 && i) {
            rc = xapian_database_add_database(all, part, &xe);
            xapian_database_free(part);
            part = NULL;
        }
    }
    if (rc == 0)
        rc = xapian_database_compact(all, dest, &xe);
    xapian_database_free(all);
    all = NULL;
    if (rc == 0)
        rc = add_tiers(dest, &xe);
    if (rc == 0)
        rc = xapian_database_open(&all, dest, &xe);
    if (rc == 0)
        rc = xapian_database_doccount(ndocs, all, &xe);
    if (rc != 0) {
        xapian_database_free(all);
        return spine_error_from_xapian(err, &xe, dest);
    }
    rc = spine_heads_write(dest, all, err);
    xapian_database_free(all);
    return rc;
}

int spine_index_commit(spine_index *ix, spine_index_stats *stats,
                       spine_error *err)
{
    uint32_t ndocs = 0;
    char name[32];
    int rc;

    if (ix->avlen == 0) {
        rc = release_sample(ix, err);
        if (rc != SPINE_OK)
            return rc;
    }
    char *merged = join(ix->tmp_path, "merged");
    rc = merge_shards(ix, merged, &ndocs, err);
    if (rc != SPINE_OK) {
        free(merged);
        return rc;
    }

    snprintf(name, sizeof name, GEN_FMT, ix->gen);
    char *gen_path = join(ix->dir, name);
    sync_dir(merged);
    if (rename(merged, gen_path) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", gen_path,
                             strerror(errno));
        free(merged);
        free(gen_path);
        return rc;
    }
    free(merged);
    sync_dir(ix->dir);

    rc = swap_stub(ix, name, err);
    if (rc != SPINE_OK) {
        rmtree(gen_path);
        free(gen_path);
        return rc;
    }
    ix->committed = 1;

    /* The new generation is live: the old ones, and the shards, are
     * garbage now.  Readers that still have an old one open keep its files
     * until they close. */
    sweep(ix->dir, ix->gen);

    ix->stats.replaced = ix->stats.articles - ndocs;
    ix->stats.articles = ndocs;
    ix->stats.index_bytes = disk_bytes(gen_path);
    free(gen_path);
    if (stats)
        *stats = ix->stats;
    return SPINE_OK;
}

void spine_index_free(spine_index *ix)
{
    if (!ix)
        return;
    for (unsigned i = 0; ix->shards && i < ix->nshards; i++)
        shard_free(&ix->shards[i]);
    for (size_t i = 0; i < ix->nsample; i++)
        free(ix->sample[i]);
    free(ix->sample);
    free(ix->shards);
    if (!ix->committed && ix->tmp_path)
        rmtree(ix->tmp_path);
    if (ix->lock_fd >= 0)
        close(ix->lock_fd);                  /* releases our flock */
    free(ix->tmp_path);
    free(ix->dir);
    spine_buf_free(&ix->synonyms);
    spine_buf_free(&ix->stopwords);
    free(ix);
}
