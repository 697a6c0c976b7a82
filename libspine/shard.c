/*
 * shard.c -- one writer of a new generation (shard.h): its queue, its
 * thread, and the article-to-document step it runs on every article.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document.h"
#include "schema.h"
#include "shard.h"
#include "xerror.h"

spine_article *spine_shard_copy_article(const spine_article *a)
{
    size_t n = sizeof *a + a->nsections * sizeof(spine_section);
    const char *fields[4] = { a->id, a->title, a->url, a->source };
    for (int i = 0; i < 4; i++)
        n += strlen(fields[i] ? fields[i] : "") + 1;
    for (size_t i = 0; i < a->nsections; i++)
        n += strlen(a->sections[i].pid) + strlen(a->sections[i].question)
           + strlen(a->sections[i].answer)
           + strlen(a->sections[i].type ? a->sections[i].type : "") + 4;

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
        COPY(sec[i].type, a->sections[i].type);
    }
#undef COPY
    c->sections = sec;
    c->nsections = a->nsections;
    return c;
}

/* Turns article a into a document of shard sh (schema.h, document.h). */
static int shard_add(spine_shard *sh, const spine_article *a,
                     spine_error *err)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    const char *idterm;
    size_t stored = 0;
    uint64_t length = 0;

    xapian_docid old = 0;
    uint64_t old_length = 0;

    int rc = spine_doc_maker_make(sh->maker, a, *sh->avlen, &doc, &idterm,
                                  &stored, &length, err);
    if (rc != SPINE_OK)
        return rc;
    /* A repeated id replaces the article: its length leaves the total. */
    rc = xapian_database_find_docid(&old, sh->reader, idterm, strlen(idterm),
                                    &xe);
    if (rc == 0 && old) {
        rc = spine_document_stored_length(&old_length, sh->reader, old, err);
        if (rc != SPINE_OK) {
            xapian_document_free(doc);
            return rc;
        }
    }
    if (rc == 0)
        rc = xapian_writable_database_replace_document(
            NULL, sh->db, idterm, strlen(idterm), doc, &xe);
    xapian_document_free(doc);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, a->id);
    sh->length -= old_length;

    sh->articles++;
    sh->sections += a->nsections;
    sh->text_bytes += spine_article_text_bytes(a);
    sh->stored_bytes += stored;
    sh->length += length;
    /* A commit writes the batch's postings out (SPINE_INDEX_BATCH). */
    if (++sh->batched == sh->opts->batch) {
        sh->batched = 0;
        if (xapian_writable_database_commit(sh->db, &xe) != 0)
            return spine_error_from_xapian(err, &xe, sh->path);
    }
    return SPINE_OK;
}

/* Writes what the index holds once into shard sh, the one given extras:
 * the synonyms and stop words, and the mean article length (compaction
 * carries them into the merged index; adding them to one shard keeps one
 * copy). */
static int store_extras(spine_shard *sh, spine_error *err)
{
    xapian_error xe;
    int rc = spine_synonyms_store(sh->db, sh->extras, &xe);
    if (rc == 0) {
        char avlen[32];
        /* Exactly: updates weigh new articles with it (update.c). */
        int n = snprintf(avlen, sizeof avlen, "%.17g", *sh->avlen);
        rc = xapian_writable_database_set_metadata(
            sh->db, SPINE_META_AVLEN, strlen(SPINE_META_AVLEN), avlen,
            (size_t)n, &xe);
    }
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, sh->path);
    return 0;
}

int spine_spelling_fill(xapian_writable_database *db,
                        const xapian_database *r, xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    spine_buf words = SPINE_BUF_INIT;
    const char *t;
    size_t len, n = 0;
    int rc = xapian_database_allterms(&tl, r, "", 0, xe), more = rc == 0;
    while (more && (more = xapian_termlist_next(&t, &len, NULL, tl, xe)) > 0)
        if (spine_document_spelling_word(t, len)) {
            spine_buf_append(&words, t, len + 1);
            n++;
        }
    xapian_termlist_free(tl);
    if (more < 0)
        rc = more;
    t = words.p;
    for (size_t i = 0; rc == 0 && i < n; i++, t += strlen(t) + 1) {
        uint64_t freq = 0;
        rc = xapian_database_collection_freq(&freq, r, t, strlen(t), xe);
        if (rc == 0)
            rc = xapian_writable_database_add_spelling(db, t, strlen(t),
                                                       (unsigned)freq, xe);
    }
    /* Said in the metadata, so that a searcher can tell a dictionary lost
     * (a spelling table removed) from one never built. */
    if (rc == 0 && n)
        rc = xapian_writable_database_set_metadata(
            db, SPINE_META_SPELLING, strlen(SPINE_META_SPELLING), "1", 1, xe);
    spine_buf_free(&words);
    return rc;
}

/* Fills db's spelling dictionary from its own committed words
 * (spine_spelling_fill()). */
static int add_spelling(xapian_writable_database *db, xapian_error *xe)
{
    xapian_database *r = NULL;
    int rc = xapian_writable_database_reader(&r, db, xe);
    if (rc == 0)
        rc = spine_spelling_fill(db, r, xe);
    xapian_database_free(r);
    return rc;
}

/* Finishes shard sh once all its articles are in, in its own thread so
 * that the shards finish side by side: the one given extras also gets the
 * synonyms and stop words; then the spelling dictionary is filled from the
 * shard's distinct words (Xapian's term generator would update it once
 * per word occurrence: a fifth of the indexing time on MedQuAD), and the
 * shard is committed and closed (explicitly: Xapian's destructor would
 * swallow an error). */
static int shard_close(spine_shard *sh, spine_error *err)
{
    xapian_error xe;
    int rc = 0;
    if (sh->extras)
        rc = store_extras(sh, err);
    if (rc != 0)
        return rc;
    if (sh->opts->spelling) {
        rc = xapian_writable_database_commit(sh->db, &xe);
        if (rc == 0)
            rc = add_spelling(sh->db, &xe);
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
    spine_shard *sh = arg;
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
        sh->head = (sh->head + 1) % SPINE_SHARD_QUEUE_LEN;
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

int spine_shard_open(spine_shard *sh, const char *dir, unsigned no,
                     const spine_index_options *opts, const double *avlen,
                     const spine_synonyms_lists *extras, spine_error *err)
{
    xapian_error xe;
    spine_buf path = SPINE_BUF_INIT;
    int rc;

    sh->opts = opts;
    sh->avlen = avlen;
    sh->extras = extras;
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->more, NULL);
    pthread_cond_init(&sh->room, NULL);
    spine_buf_printf(&path, "%s/shard-%u", dir, no);
    sh->path = spine_buf_detach(&path);

    rc = spine_doc_maker_new(&sh->maker, opts->zlib_level, opts->positions,
                             err);
    if (rc != 0)
        return rc;
    /* A shard is scratch until compacted (which syncs): no fsync(). */
    rc = xapian_writable_database_open(&sh->db, sh->path,
                                       XAPIAN_DB_CREATE_OR_OVERWRITE
                                       | XAPIAN_DB_NO_SYNC, &xe);
    if (rc == 0)
        rc = xapian_writable_database_reader(&sh->reader, sh->db, &xe);
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

int spine_shard_enqueue(spine_shard *sh, spine_article *copy,
                        spine_error *err)
{
    pthread_mutex_lock(&sh->mu);
    while (sh->count == SPINE_SHARD_QUEUE_LEN && sh->rc == 0)
        pthread_cond_wait(&sh->room, &sh->mu);
    int rc = sh->rc;
    if (rc == 0) {
        sh->queue[(sh->head + sh->count) % SPINE_SHARD_QUEUE_LEN] = copy;
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

void spine_shard_close_queue(spine_shard *sh, int discard)
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

int spine_shard_finish(spine_shard *sh, int discard, spine_error *err)
{
    if (!sh->started)
        return SPINE_OK;
    spine_shard_close_queue(sh, discard);
    pthread_join(sh->thread, NULL);
    sh->started = 0;
    if (sh->rc != 0 && sh->rc != SPINE_EABORT && err)
        *err = sh->err;
    return sh->rc;
}

void spine_shard_free(spine_shard *sh)
{
    if (!sh->opts)
        return;                     /* never opened */
    spine_shard_finish(sh, 1, NULL);
    xapian_database_free(sh->reader);
    xapian_writable_database_free(sh->db);  /* releases Xapian's lock */
    spine_doc_maker_free(sh->maker);
    pthread_cond_destroy(&sh->more);
    pthread_cond_destroy(&sh->room);
    pthread_mutex_destroy(&sh->mu);
    free(sh->path);
}
