/*
 * update.c -- changing an index in place (spine/index.h): articles added,
 * replaced and deleted in the live generation, as one Xapian transaction.
 *
 * What a rebuild makes of an article, an update makes alike
 * (spine_doc_maker), and it keeps what the index holds beside the
 * documents true:
 *   - spelling: a document's body words count with their wdf, added or
 *     taken away when the document goes, summed over the change and
 *     applied once a word, so each word's frequency stays the sum of its
 *     wdf over the index, as a build leaves it;
 *   - impact tiers: every term of a document added or deleted has its
 *     tier amended (tiers.h, spine_tiers_update());
 *   - the heads file: never a document changed in place.  A replaced
 *     article is deleted and added again, under a new docid past the
 *     file's count, so every entry of a document still there stays true,
 *     which the metadata SPINE_META_HEADS_BASE says (heads.h).
 * The transaction commits all of it at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "document.h"
#include "generation.h"
#include "heads.h"
#include "schema.h"
#include "spine/index.h"
#include "tiers.h"
#include "util.h"
#include "xapian_c.h"
#include "xerror.h"

/* A set of terms, each kept once with a count: term k is NUL-terminated
 * at text + off[k], its count delta[k] (spelling: the change to its
 * frequency); slots, an open-addressed table, holds k + 1 (0: empty). */
typedef struct term_set {
    spine_buf text;
    size_t *off;
    int64_t *delta;
    size_t n, cap;
    size_t *slots, nslots;          /* a power of two, at most half full */
} term_set;

/* Puts entry k of s in the first free slot from its hash on. */
static void term_set_place(term_set *s, size_t k)
{
    const char *x = s->text.p + s->off[k];
    size_t h = spine_fnv1a(SPINE_FNV1A_INIT, x, strlen(x));
    while (s->slots[h & (s->nslots - 1)])
        h++;
    s->slots[h & (s->nslots - 1)] = k + 1;
}

/* Returns the number of term t (len bytes) in s, added (count 0) if it
 * was not there. */
static size_t term_set_add(term_set *s, const char *t, size_t len)
{
    size_t h = spine_fnv1a(SPINE_FNV1A_INIT, t, len);
    for (size_t k; s->nslots && (k = s->slots[h & (s->nslots - 1)]); h++) {
        const char *x = s->text.p + s->off[k - 1];
        if (strlen(x) == len && memcmp(x, t, len) == 0)
            return k - 1;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 512;
        s->off = spine_realloc(s->off, s->cap * sizeof *s->off);
        s->delta = spine_realloc(s->delta, s->cap * sizeof *s->delta);
    }
    s->off[s->n] = s->text.n;
    s->delta[s->n] = 0;
    spine_buf_append(&s->text, t, len);
    spine_buf_append(&s->text, "", 1);
    size_t k = s->n++;
    if (2 * s->n > s->nslots) {         /* grow: place them all again */
        free(s->slots);
        s->nslots = s->nslots ? 2 * s->nslots : 1024;
        s->slots = spine_calloc(s->nslots, sizeof *s->slots);
        for (size_t i = 0; i < s->n; i++)
            term_set_place(s, i);
    } else {
        term_set_place(s, k);
    }
    return k;
}

static void term_set_free(term_set *s)
{
    spine_buf_free(&s->text);
    free(s->off);
    free(s->delta);
    free(s->slots);
}

struct spine_update {
    spine_generation *gen;          /* the lock, and the live generation */
    xapian_writable_database *db;   /* it, in a transaction */
    xapian_database *r;             /* db as it reads, changes included */
    spine_doc_maker *maker;
    double avlen;                   /* the index's (schema.h) */
    int spelling;                   /* the index keeps a dictionary */
    uint64_t heads_base;            /* its heads file's revision, or 0 */
    int has_length;                 /* the index keeps SPINE_META_LENGTH */
    uint64_t length;                /* its articles' lengths, summed */
    xapian_docid first_added;       /* every docid from here on is new */
    uint64_t revision;              /* the live revision when we began */
    term_set touched;               /* terms of documents added or gone */
    xapian_docid *gone;             /* docids deleted, ascending */
    size_t ngone, capgone;
    int open;                       /* the transaction is running */
    int committed;
    spine_update_stats stats;
};

/* Reads metadata key of u's database into *out (malloc()ed, NUL-terminated,
 * "" when unset). */
static int get_meta(char **out, spine_update *u, const char *key,
                    xapian_error *xe)
{
    size_t len = 0;
    return xapian_database_get_metadata(out, &len, u->r, key, strlen(key),
                                        xe);
}

int spine_update_begin(spine_update **out, const char *dir,
                       const spine_index_options *opts, spine_error *err)
{
    spine_update *u = spine_calloc(1, sizeof *u);
    xapian_error xe;
    char *schema = NULL, *avlen = NULL, *spelling = NULL, *length = NULL;
    int positions = 0, rc;

    *out = NULL;
    rc = spine_generation_lock_live(&u->gen, dir, err);
    if (rc != SPINE_OK)
        goto fail;
    const char *live = spine_generation_live(u->gen);
    rc = xapian_writable_database_open(&u->db, live, XAPIAN_DB_OPEN, &xe);
    if (rc == 0)
        rc = xapian_writable_database_reader(&u->r, u->db, &xe);
    if (rc == 0)
        rc = get_meta(&schema, u, SPINE_META_SCHEMA, &xe);
    if (rc == 0)
        rc = get_meta(&avlen, u, SPINE_META_AVLEN, &xe);
    if (rc == 0)
        rc = get_meta(&spelling, u, SPINE_META_SPELLING, &xe);
    if (rc == 0)
        rc = get_meta(&length, u, SPINE_META_LENGTH, &xe);
    if (rc == 0)
        rc = xapian_database_has_positions(&positions, u->r, &xe);
    if (rc == 0)
        rc = xapian_database_lastdocid(&u->first_added, u->r, &xe);
    char *uuid = NULL;
    if (rc == 0)
        rc = xapian_database_identity(&uuid, &u->revision, u->r, &xe);
    free(uuid);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, live);
        goto fail;
    }
    u->first_added++;
    u->avlen = strtod(avlen, NULL);
    if (strcmp(schema, SPINE_SCHEMA_VERSION) != 0 || !(u->avlen >= 1)) {
        rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a Spine index of "
                             "schema %s with its mean article length; "
                             "rebuild it", dir, SPINE_SCHEMA_VERSION);
        goto fail;
    }
    u->spelling = strcmp(spelling, "1") == 0;
    /* An index built before it keeps no total: no drift to report. */
    u->has_length = *length != '\0';
    u->length = strtoull(length, NULL, 10);
    rc = spine_heads_base(&u->heads_base, live, u->r, err);
    if (rc != SPINE_OK)
        goto fail;
    rc = spine_doc_maker_new(&u->maker, opts ? opts->zlib_level : 1,
                             positions, err);
    if (rc != SPINE_OK)
        goto fail;
    /* One transaction: Xapian writes nothing of it before the commit
     * (its automatic flushes are off inside a transaction). */
    rc = xapian_writable_database_begin_transaction(u->db, 1, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, live);
        goto fail;
    }
    u->open = 1;
    free(schema);
    free(avlen);
    free(spelling);
    free(length);
    *out = u;
    return SPINE_OK;

fail:
    free(schema);
    free(avlen);
    free(spelling);
    free(length);
    spine_update_free(u);
    return rc;
}

/* Notes the terms of document did (added: sign 1, or about to be deleted:
 * -1) as touched, and the change its body words make to their spelling
 * frequencies (their wdf), applied at commit: once a word, not once a
 * document. */
static int follow_terms(spine_update *u, xapian_docid did, int sign,
                        xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    const char *t;
    size_t len;
    int rc = xapian_database_termlist(&tl, u->r, did, xe), more = rc == 0;
    while (more && (more = xapian_termlist_next(&t, &len, NULL, tl, xe)) > 0) {
        size_t k = term_set_add(&u->touched, t, len);
        if (!u->spelling || !spine_document_spelling_word(t, len))
            continue;
        uint32_t wdf = 0;
        rc = xapian_termlist_wdf(&wdf, tl, xe);
        if (rc != 0)
            break;
        u->touched.delta[k] += sign * (int64_t)wdf;
    }
    xapian_termlist_free(tl);
    return rc != 0 ? rc : more < 0 ? more : 0;
}

/* Applies the changes to spelling frequencies that follow_terms() noted. */
static int apply_spelling(spine_update *u, xapian_error *xe)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < u->touched.n; k++) {
        const char *t = u->touched.text.p + u->touched.off[k];
        int64_t d = u->touched.delta[k];
        if (d > 0)
            rc = xapian_writable_database_add_spelling(u->db, t, strlen(t),
                                                       (unsigned)d, xe);
        else if (d < 0)
            rc = xapian_writable_database_remove_spelling(u->db, t,
                                                          strlen(t),
                                                          (unsigned)-d, xe);
    }
    return rc;
}

/* Deletes document did, keeping spelling, the touched terms and the
 * total length. */
static int remove_doc(spine_update *u, xapian_docid did, xapian_error *xe)
{
    uint64_t length = 0;
    if (u->has_length) {
        spine_error why;
        if (spine_document_stored_length(&length, u->r, did, &why) != 0) {
            xe->code = XAPIAN_ECORRUPT;     /* named by the caller */
            snprintf(xe->msg, sizeof xe->msg, "%.200s", why.msg);
            return xe->code;
        }
        u->length -= length < u->length ? length : u->length;
    }
    int rc = follow_terms(u, did, -1, xe);
    if (rc == 0)
        rc = xapian_writable_database_delete_document(u->db, did, xe);
    if (rc != 0)
        return rc;
    if (u->ngone == u->capgone) {
        u->capgone = u->capgone ? 2 * u->capgone : 64;
        u->gone = spine_realloc(u->gone, u->capgone * sizeof *u->gone);
    }
    u->gone[u->ngone++] = did;
    return 0;
}

/* Whether document did holds exactly the stored record of doc. */
static int same_record(spine_update *u, xapian_docid did,
                       xapian_document *doc, xapian_error *xe)
{
    xapian_document *old = NULL;
    const char *a, *b;
    size_t alen, blen;
    int same = 0;
    if (xapian_database_get_document(&old, u->r, did, xe) == 0
        && xapian_document_get_data(&a, &alen, old, xe) == 0
        && xapian_document_get_data(&b, &blen, doc, xe) == 0)
        same = alen == blen && memcmp(a, b, alen) == 0;
    xapian_document_free(old);
    return same;
}

/* Finds the document of idterm: *did, or 0 when there is none. */
static int find(spine_update *u, const char *idterm, xapian_docid *did,
                xapian_error *xe)
{
    return xapian_database_find_docid(did, u->r, idterm, strlen(idterm), xe);
}

int spine_update_put(spine_update *u, const spine_article *a,
                     spine_error *err)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    xapian_docid old = 0, did = 0;
    const char *idterm;
    size_t stored;
    uint64_t length = 0;

    if (!a->id || !*a->id)
        return spine_error_set(err, SPINE_EINVAL, "article without an id");
    if (a->nsections == 0)
        return spine_error_set(err, SPINE_EINVAL, "article %s has no text",
                               a->id);
    int rc = spine_doc_maker_make(u->maker, a, u->avlen, &doc, &idterm,
                                  &stored, &length, err);
    if (rc != SPINE_OK)
        return rc;
    rc = find(u, idterm, &old, &xe);
    if (rc == 0 && old && same_record(u, old, doc, &xe)) {
        u->stats.unchanged++;
        xapian_document_free(doc);
        return SPINE_OK;
    }
    if (rc == 0 && old)
        rc = remove_doc(u, old, &xe);
    if (rc == 0)
        rc = xapian_writable_database_add_document(&did, u->db, doc, &xe);
    xapian_document_free(doc);
    if (rc == 0)
        rc = follow_terms(u, did, 1, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, a->id);
    u->length += length;
    if (old)
        u->stats.replaced++;
    else
        u->stats.added++;
    return SPINE_OK;
}

int spine_update_delete(spine_update *u, const char *id, int *found,
                        spine_error *err)
{
    spine_buf term = SPINE_BUF_INIT;
    xapian_error xe;
    xapian_docid did = 0;
    spine_buf_printf(&term, "%s%s", SPINE_PREFIX_ID, id);
    int rc = *id ? find(u, term.p, &did, &xe) : 0;
    spine_buf_free(&term);
    if (rc == 0 && did)
        rc = remove_doc(u, did, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, id);
    if (found)
        *found = did != 0;
    if (did)
        u->stats.deleted++;
    else
        u->stats.missing++;
    return SPINE_OK;
}

void spine_update_progress(const spine_update *u, spine_update_stats *stats)
{
    *stats = u->stats;
}

static int by_docid(const void *a, const void *b)
{
    xapian_docid x = *(const xapian_docid *)a, y = *(const xapian_docid *)b;
    return (x > y) - (x < y);
}

/* Whether the database at live holds the change u committed: after a
 * commit that failed, whether it failed after making the change visible
 * (an fsync() after Xapian's last rename).  Xapian may move on to a new
 * revision after a failed commit without the change, so the change is
 * known by the token it carries (SPINE_META_CHANGE). */
static int change_visible(const char *live, const char *token)
{
    xapian_database *db = NULL;
    xapian_error xe;
    char *seen = NULL;
    size_t len = 0;
    int visible = xapian_database_open(&db, live, &xe) == 0
                  && xapian_database_get_metadata(&seen, &len, db,
                                                  SPINE_META_CHANGE,
                                                  strlen(SPINE_META_CHANGE),
                                                  &xe) == 0
                  && len == strlen(token) && memcmp(seen, token, len) == 0;
    free(seen);
    xapian_database_free(db);
    return visible;
}

int spine_update_commit(spine_update *u, spine_update_stats *stats,
                        spine_error *err)
{
    const char *live = spine_generation_live(u->gen);
    xapian_error xe;
    uint32_t ndocs = 0;
    unsigned tiers = 0;
    int rc;

    if (!u->open)
        return spine_error_set(err, SPINE_EINVAL, "%s: no change under "
                               "way", live);
    rc = xapian_database_doccount(&ndocs, u->r, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, live);
    u->stats.articles = ndocs;
    u->stats.avlen_weighed = u->avlen;
    u->stats.avlen_now = u->has_length && ndocs
                             ? (double)u->length / (double)ndocs : 0;
    u->stats.announced = 1;
    if (u->stats.added + u->stats.replaced + u->stats.deleted == 0) {
        u->stats.index_bytes = spine_generation_disk_bytes(live);
        if (stats)
            *stats = u->stats;
        return SPINE_OK;                /* nothing to commit */
    }
    if (ndocs == 0)
        return spine_error_set(err, SPINE_EINVAL, "%s: the change would "
                               "leave the index without articles; the index "
                               "is left as it was", live);
    if (u->ngone)
        qsort(u->gone, u->ngone, sizeof *u->gone, by_docid);
    rc = apply_spelling(u, &xe);
    if (rc == 0)
        rc = spine_tiers_update(u->db, SPINE_META_TIERS, u->touched.text.p,
                                u->touched.n, SPINE_TIER_SHARE, u->gone,
                                u->ngone, u->first_added, &tiers, &xe);
    u->stats.tiers = tiers;
    if (rc == 0 && u->has_length) {
        char total[32];
        int n = snprintf(total, sizeof total, "%llu",
                         (unsigned long long)u->length);
        rc = xapian_writable_database_set_metadata(
            u->db, SPINE_META_LENGTH, strlen(SPINE_META_LENGTH), total,
            (size_t)n, &xe);
    }
    /* What tells this change from any other, should the commit fail. */
    char token[64];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int tn = snprintf(token, sizeof token, "%lld.%09ld.%ld.%llu",
                      (long long)now.tv_sec, now.tv_nsec, (long)getpid(),
                      (unsigned long long)u->revision);
    if (rc == 0)
        rc = xapian_writable_database_set_metadata(
            u->db, SPINE_META_CHANGE, strlen(SPINE_META_CHANGE), token,
            (size_t)tn, &xe);
    if (rc == 0 && u->heads_base) {
        char base[32];
        int n = snprintf(base, sizeof base, "%llu",
                         (unsigned long long)u->heads_base);
        rc = xapian_writable_database_set_metadata(
            u->db, SPINE_META_HEADS_BASE, strlen(SPINE_META_HEADS_BASE),
            base, (size_t)n, &xe);
    }
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, live);
    /* The one commit: all of the change, made durable, or none of it.  A
     * failure after Xapian made the new revision visible (its last
     * fsync()) leaves the change in: that is said, not denied. */
    rc = xapian_writable_database_commit_transaction(u->db, &xe);
    int late = rc != 0 && change_visible(live, token);
    if (rc != 0 && !late)
        return spine_error_from_xapian(err, &xe, live);
    u->open = 0;
    u->committed = 1;
    if (late) {
        spine_error_set(err, SPINE_EIO, "%s: the change is in the index, "
                        "but making it durable failed (%s)", live, xe.msg);
        u->stats.announced = 0;
    } else if (xapian_writable_database_close(u->db, &xe) != 0) {
        spine_error_set(err, SPINE_EIO, "%s: the change is in the index, "
                        "but closing it failed (%s)", live, xe.msg);
        u->stats.announced = 0;
    }
    /* Searchers that stay open look again at a new stub. */
    spine_error why;
    if (spine_generation_announce(u->gen, &why) != SPINE_OK
        && u->stats.announced) {
        spine_error_set(err, SPINE_EIO, "the change is in the index, but "
                        "searchers that stay open will not see it until "
                        "the next one: %s", why.msg);
        u->stats.announced = 0;
    }
    u->stats.index_bytes = spine_generation_disk_bytes(live);
    if (stats)
        *stats = u->stats;
    return SPINE_OK;
}

void spine_update_free(spine_update *u)
{
    if (!u)
        return;
    if (u->open) {
        xapian_error xe;
        (void)xapian_writable_database_cancel_transaction(u->db, &xe);
    }
    xapian_database_free(u->r);
    xapian_writable_database_free(u->db);   /* releases Xapian's lock */
    spine_doc_maker_free(u->maker);
    term_set_free(&u->touched);
    free(u->gone);
    spine_generation_free(u->gen);          /* and ours */
    free(u);
}
