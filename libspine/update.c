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
 *
 * A shard set (spine/index.h) is changed shard by shard: an article goes
 * to the shard that holds its id, or a new one to the shard its id hashes
 * to, as in a build.  Each shard changes in a transaction of its own,
 * committed one after another, and the lexicon, which keeps the set's
 * spelling dictionary and total length, last.  Xapian commits one
 * database at a time, so a change cut short (a crash, a failed commit)
 * can leave some shards changed and others not, which is said; running
 * the same change again completes it (an article given as stored is left
 * alone).  The lexicon records the change each shard last committed
 * (SPINE_META_SHARDS): should they differ when a change begins, the
 * previous one was cut short after some shard committed, and the spelling
 * dictionary is made again from the shards before anything else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ceiling.h"
#include "document.h"
#include "generation.h"
#include "shard.h"
#include "shardset.h"
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

/* One database a change writes: the index, or a shard of a set, or a
 * set's lexicon. */
typedef struct part {
    char *path;
    xapian_writable_database *db;   /* in a transaction while open */
    xapian_database *r;             /* db as it reads, changes included */
    xapian_docid first_added;       /* every docid from here on is new */
    uint64_t revision;              /* the live revision when we began */
    uint64_t heads_base;            /* its heads file's revision, or 0 */
    term_set touched;               /* terms of documents added or gone */
    xapian_docid *gone;             /* docids deleted, ascending */
    size_t ngone, capgone;
    int open;                       /* the transaction is running */
    int dirty;                      /* documents added or deleted */
    char token[64];                 /* its change, once committed */
} part;

struct spine_update {
    spine_generation *gen;          /* the lock, and the live generation */
    part *parts;                    /* the index, or a set's shards */
    size_t nparts;
    part *meta;                     /* where the spelling dictionary, the
                                       total length and the change token
                                       are: parts, or a set's lexicon */
    part lexicon;                   /* a set's (path NULL otherwise) */
    term_set spelling;              /* changes to spelling frequencies */
    spine_doc_maker *maker;
    double avlen;                   /* the index's (schema.h) */
    int spelling_on;                /* the index keeps a dictionary */
    int has_length;                 /* the index keeps SPINE_META_LENGTH */
    uint64_t collfreq_limit;        /* spine_index_options' (ceiling.h) */
    uint64_t length;                /* its articles' lengths, summed */
    int committed;
    spine_update_stats stats;
};

/* Reads metadata key of p's database into *out (malloc()ed,
 * NUL-terminated, "" when unset). */
static int get_meta(char **out, const part *p, const char *key,
                    xapian_error *xe)
{
    size_t len = 0;
    return xapian_database_get_metadata(out, &len, p->r, key, strlen(key),
                                        xe);
}

static int set_meta(part *p, const char *key, const char *value,
                    xapian_error *xe)
{
    return xapian_writable_database_set_metadata(p->db, key, strlen(key),
                                                 value, strlen(value), xe);
}

/* Opens the database at path as part p, in a transaction. */
static int part_open(part *p, const char *path, spine_error *err)
{
    xapian_error xe;
    char *uuid = NULL;
    p->path = spine_strdup(path);
    int rc = xapian_writable_database_open(&p->db, path, XAPIAN_DB_OPEN, &xe);
    if (rc == 0)
        rc = xapian_writable_database_reader(&p->r, p->db, &xe);
    if (rc == 0)
        rc = xapian_database_lastdocid(&p->first_added, p->r, &xe);
    if (rc == 0)
        rc = xapian_database_identity(&uuid, &p->revision, p->r, &xe);
    free(uuid);
    /* One transaction: Xapian writes nothing of it before the commit
     * (its automatic flushes are off inside a transaction). */
    if (rc == 0)
        rc = xapian_writable_database_begin_transaction(p->db, 1, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, path);
    p->open = 1;
    p->first_added++;
    return SPINE_OK;
}

static void part_free(part *p)
{
    if (p->open) {
        xapian_error xe;
        (void)xapian_writable_database_cancel_transaction(p->db, &xe);
    }
    xapian_database_free(p->r);
    xapian_writable_database_free(p->db);   /* releases Xapian's lock */
    term_set_free(&p->touched);
    free(p->gone);
    free(p->path);
}

/* The shards' change tokens, one a line in shard order: what the lexicon
 * records its dictionary is of (malloc()ed).  A shard whose change has
 * committed gives that change's token; the others, what they hold. */
static char *shard_tokens(spine_update *u, xapian_error *xe, int *rc)
{
    spine_buf b = SPINE_BUF_INIT;
    *rc = 0;
    spine_buf_append(&b, "", 0);
    for (size_t i = 0; *rc == 0 && i < u->nparts; i++) {
        char *t = NULL;
        if (*u->parts[i].token)
            spine_buf_printf(&b, "%s\n", u->parts[i].token);
        else if ((*rc = get_meta(&t, &u->parts[i], SPINE_META_CHANGE,
                                 xe)) == 0)
            spine_buf_printf(&b, "%s\n", t);
        free(t);
    }
    return spine_buf_detach(&b);
}

/* Makes the lexicon's spelling dictionary again from the shards: after a
 * change that was cut short between a shard's commit and the lexicon's.
 * The words are listed before any is removed (Xapian does not promise a
 * walk of a table that changes under it). */
static int respell(spine_update *u, xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    xapian_database *all = NULL, *one = NULL;
    spine_buf words = SPINE_BUF_INIT;
    uint32_t *freqs = NULL;
    size_t n = 0, cap = 0, len;
    const char *t;
    int rc = xapian_database_spellings(&tl, u->lexicon.r, xe), more = 0;
    more = rc == 0;
    uint32_t freq;
    while (more && (more = xapian_termlist_next(&t, &len, &freq, tl,
                                                xe)) > 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            freqs = spine_realloc(freqs, cap * sizeof *freqs);
        }
        freqs[n++] = freq;
        spine_buf_append(&words, t, len + 1);
    }
    xapian_termlist_free(tl);
    if (rc == 0 && more < 0)
        rc = more;
    t = words.p;
    for (size_t i = 0; rc == 0 && i < n; i++, t += strlen(t) + 1)
        rc = xapian_writable_database_remove_spelling(u->lexicon.db, t,
                                                      strlen(t), freqs[i],
                                                      xe);
    for (size_t i = 0; rc == 0 && i < u->nparts; i++) {
        rc = xapian_database_open(all ? &one : &all, u->parts[i].path, xe);
        if (rc == 0 && one)
            rc = xapian_database_add_database(all, one, xe);
        xapian_database_free(one);
        one = NULL;
    }
    if (rc == 0)
        rc = spine_spelling_fill(u->lexicon.db, all, xe);
    xapian_database_free(all);
    spine_buf_free(&words);
    free(freqs);
    return rc;
}

/* Opens the shards of the set whose generation is live, and its lexicon,
 * named by the generation's own stub (index.c, build_set()). */
static int open_set(spine_update *u, const char *live, spine_error *err)
{
    spine_shardset set;
    int rc = spine_shardset_list(&set, live, err);
    if (rc != SPINE_OK)
        return rc;
    u->parts = spine_calloc(set.n, sizeof *u->parts);
    for (size_t i = 0; rc == SPINE_OK && i < set.n; i++) {
        const char *name = strrchr(set.v[i].name, '/');
        name = name ? name + 1 : set.v[i].name;
        if (!set.v[i].path)
            rc = spine_error_set(err, SPINE_EINVAL, "%s: a remote shard "
                                 "(%s) cannot be changed from here",
                                 live, set.v[i].name);
        else if (strcmp(name, "lexicon") == 0 && i == 0)
            rc = part_open(&u->lexicon, set.v[i].path, err);
        else
            rc = part_open(&u->parts[u->nparts++], set.v[i].path, err);
    }
    spine_shardset_free(&set);
    if (rc == SPINE_OK && (!u->lexicon.path || u->nparts == 0))
        rc = spine_error_set(err, SPINE_ECORRUPT, "%s: a shard set without "
                             "its lexicon, or shards; rebuild it", live);
    return rc;
}

int spine_update_begin(spine_update **out, const char *dir,
                       const spine_index_options *opts, spine_error *err)
{
    spine_update *u = spine_calloc(1, sizeof *u);
    xapian_error xe;
    char *schema = NULL, *avlen = NULL, *spelling = NULL, *length = NULL;
    char *had = NULL, *now = NULL;
    int positions = 0, rc;

    *out = NULL;
    rc = spine_generation_lock_live(&u->gen, dir, err);
    if (rc != SPINE_OK)
        goto fail;
    const char *live = spine_generation_live(u->gen);
    int set = spine_generation_is_set(live);
    if (set) {
        rc = open_set(u, live, err);
        u->meta = &u->lexicon;
    } else {
        u->parts = spine_calloc(1, sizeof *u->parts);
        u->nparts = 1;
        rc = part_open(&u->parts[0], live, err);
        u->meta = &u->parts[0];
    }
    if (rc != SPINE_OK)
        goto fail;
    rc = get_meta(&schema, u->meta, SPINE_META_SCHEMA, &xe);
    if (rc == 0)
        rc = get_meta(&avlen, u->meta, SPINE_META_AVLEN, &xe);
    if (rc == 0)
        rc = get_meta(&spelling, u->meta, SPINE_META_SPELLING, &xe);
    if (rc == 0)
        rc = get_meta(&length, u->meta, SPINE_META_LENGTH, &xe);
    if (rc == 0)
        rc = xapian_database_has_positions(&positions, u->parts[0].r, &xe);
    if (rc == 0 && set) {
        had = NULL;
        rc = get_meta(&had, &u->lexicon, SPINE_META_SHARDS, &xe);
        if (rc == 0)
            now = shard_tokens(u, &xe, &rc);
        if (rc == 0 && strcmp(had, now) != 0 && *spelling)
            rc = respell(u, &xe);
    }
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, live);
        goto fail;
    }
    u->avlen = strtod(avlen, NULL);
    if (strcmp(schema, SPINE_SCHEMA_VERSION) != 0 || !(u->avlen >= 1)) {
        rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a Spine index of "
                             "schema %s with its mean article length; "
                             "rebuild it", dir, SPINE_SCHEMA_VERSION);
        goto fail;
    }
    u->spelling_on = strcmp(spelling, "1") == 0;
    /* An index built before it keeps no total: no drift to report. */
    u->has_length = *length != '\0';
    u->length = strtoull(length, NULL, 10);
    for (size_t i = 0; i < u->nparts && rc == SPINE_OK; i++)
        rc = spine_heads_base(&u->parts[i].heads_base, u->parts[i].path,
                              u->parts[i].r, err);
    if (rc != SPINE_OK)
        goto fail;
    u->collfreq_limit = opts ? opts->collfreq_limit : 0;
    rc = spine_doc_maker_new(&u->maker, opts ? opts->zlib_level : 1,
                             positions, err);
    if (rc != SPINE_OK)
        goto fail;
    free(schema);
    free(avlen);
    free(spelling);
    free(length);
    free(had);
    free(now);
    *out = u;
    return SPINE_OK;

fail:
    free(schema);
    free(avlen);
    free(spelling);
    free(length);
    free(had);
    free(now);
    spine_update_free(u);
    return rc;
}

/* Notes the terms of document did of p (added: sign 1, or about to be
 * deleted: -1) as touched, and the change its body words make to their
 * spelling frequencies (their wdf), applied at commit: once a word, not
 * once a document. */
static int follow_terms(spine_update *u, part *p, xapian_docid did,
                        int sign, xapian_error *xe)
{
    xapian_termlist *tl = NULL;
    const char *t;
    size_t len;
    int rc = xapian_database_termlist(&tl, p->r, did, xe), more = rc == 0;
    while (more && (more = xapian_termlist_next(&t, &len, NULL, tl, xe)) > 0) {
        term_set_add(&p->touched, t, len);
        if (!u->spelling_on || !spine_document_spelling_word(t, len))
            continue;
        uint32_t wdf = 0;
        rc = xapian_termlist_wdf(&wdf, tl, xe);
        if (rc != 0)
            break;
        size_t k = term_set_add(&u->spelling, t, len);
        u->spelling.delta[k] += sign * (int64_t)wdf;
    }
    xapian_termlist_free(tl);
    return rc != 0 ? rc : more < 0 ? more : 0;
}

/* Applies the changes to spelling frequencies that follow_terms() noted. */
static int apply_spelling(spine_update *u, xapian_error *xe)
{
    xapian_writable_database *db = u->meta->db;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < u->spelling.n; k++) {
        const char *t = u->spelling.text.p + u->spelling.off[k];
        int64_t d = u->spelling.delta[k];
        if (d > 0)
            rc = xapian_writable_database_add_spelling(db, t, strlen(t),
                                                       (unsigned)d, xe);
        else if (d < 0)
            rc = xapian_writable_database_remove_spelling(db, t, strlen(t),
                                                          (unsigned)-d, xe);
    }
    return rc;
}

/* Deletes document did of p, keeping spelling, the touched terms and the
 * total length. */
static int remove_doc(spine_update *u, part *p, xapian_docid did,
                      xapian_error *xe)
{
    uint64_t length = 0;
    if (u->has_length) {
        spine_error why;
        if (spine_document_stored_length(&length, p->r, did, &why) != 0) {
            xe->code = XAPIAN_ECORRUPT;     /* named by the caller */
            snprintf(xe->msg, sizeof xe->msg, "%.200s", why.msg);
            return xe->code;
        }
        u->length -= length < u->length ? length : u->length;
    }
    int rc = follow_terms(u, p, did, -1, xe);
    if (rc == 0)
        rc = xapian_writable_database_delete_document(p->db, did, xe);
    if (rc != 0)
        return rc;
    if (p->ngone == p->capgone) {
        p->capgone = p->capgone ? 2 * p->capgone : 64;
        p->gone = spine_realloc(p->gone, p->capgone * sizeof *p->gone);
    }
    p->gone[p->ngone++] = did;
    p->dirty = 1;
    return 0;
}

/* Whether document did of p holds exactly the stored record of doc. */
static int same_record(part *p, xapian_docid did, xapian_document *doc,
                       xapian_error *xe)
{
    xapian_document *old = NULL;
    const char *a, *b;
    size_t alen, blen;
    int same = 0;
    if (xapian_database_get_document(&old, p->r, did, xe) == 0
        && xapian_document_get_data(&a, &alen, old, xe) == 0
        && xapian_document_get_data(&b, &blen, doc, xe) == 0)
        same = alen == blen && memcmp(a, b, alen) == 0;
    xapian_document_free(old);
    return same;
}

/* Finds the document of idterm: *did in *where, or *did 0 (and *where the
 * part a new document of the id goes to: the one its id hashes to, as a
 * build sends it, index.c). */
static int find(spine_update *u, const char *idterm, const char *id,
                part **where, xapian_docid *did, xapian_error *xe)
{
    int rc = 0;
    *did = 0;
    for (size_t i = 0; rc == 0 && i < u->nparts; i++) {
        rc = xapian_database_find_docid(did, u->parts[i].r, idterm,
                                        strlen(idterm), xe);
        if (rc == 0 && *did) {
            *where = &u->parts[i];
            return 0;
        }
    }
    *where = &u->parts[spine_fnv1a(SPINE_FNV1A_INIT, id, strlen(id))
                       % u->nparts];
    return rc;
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
    part *p = NULL;

    if (!a->id || !*a->id)
        return spine_error_set(err, SPINE_EINVAL, "article without an id");
    if (a->nsections == 0)
        return spine_error_set(err, SPINE_EINVAL, "article %s has no text",
                               a->id);
    int rc = spine_doc_maker_make(u->maker, a, u->avlen, &doc, &idterm,
                                  &stored, &length, err);
    if (rc != SPINE_OK)
        return rc;
    rc = find(u, idterm, a->id, &p, &old, &xe);
    if (rc == 0 && old && same_record(p, old, doc, &xe)) {
        u->stats.unchanged++;
        xapian_document_free(doc);
        return SPINE_OK;
    }
    if (rc == 0 && old)
        rc = remove_doc(u, p, old, &xe);
    if (rc == 0)
        rc = xapian_writable_database_add_document(&did, p->db, doc, &xe);
    xapian_document_free(doc);
    if (rc == 0)
        rc = follow_terms(u, p, did, 1, &xe);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, a->id);
    p->dirty = 1;
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
    part *p = NULL;
    spine_buf_printf(&term, "%s%s", SPINE_PREFIX_ID, id);
    int rc = *id ? find(u, term.p, id, &p, &did, &xe) : 0;
    spine_buf_free(&term);
    if (rc == 0 && did)
        rc = remove_doc(u, p, did, &xe);
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

/* Whether the database at path holds the change that committed with token:
 * after a commit that failed, whether it failed after making the change
 * visible (an fsync() after Xapian's last rename).  Xapian may move on to
 * a new revision after a failed commit without the change, so the change
 * is known by the token it carries (SPINE_META_CHANGE). */
static int change_visible(const char *path, const char *token)
{
    xapian_database *db = NULL;
    xapian_error xe;
    char *seen = NULL;
    size_t len = 0;
    int visible = xapian_database_open(&db, path, &xe) == 0
                  && xapian_database_get_metadata(&seen, &len, db,
                                                  SPINE_META_CHANGE,
                                                  strlen(SPINE_META_CHANGE),
                                                  &xe) == 0
                  && len == strlen(token) && memcmp(seen, token, len) == 0;
    free(seen);
    xapian_database_free(db);
    return visible;
}

/* Writes into p what tells its change from any other (p->token), should
 * its commit fail. */
static int mark_change(part *p, xapian_error *xe)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(p->token, sizeof p->token, "%lld.%09ld.%ld.%llu",
             (long long)now.tv_sec, now.tv_nsec, (long)getpid(),
             (unsigned long long)p->revision);
    return set_meta(p, SPINE_META_CHANGE, p->token, xe);
}

/* Commits p's transaction: 0, or 1 when the commit failed after making
 * the change visible (*late, said in *err), or an error. */
static int part_commit(part *p, int *late, spine_error *err)
{
    xapian_error xe;
    *late = 0;
    int rc = xapian_writable_database_commit_transaction(p->db, &xe);
    if (rc != 0 && !change_visible(p->path, p->token))
        return spine_error_from_xapian(err, &xe, p->path);
    p->open = 0;
    if (rc != 0) {
        *late = 1;
        spine_error_set(err, SPINE_EIO, "%s: the change is in the index, "
                        "but making it durable failed (%s)", p->path,
                        xe.msg);
    } else if (xapian_writable_database_close(p->db, &xe) != 0) {
        *late = 1;
        spine_error_set(err, SPINE_EIO, "%s: the change is in the index, "
                        "but closing it failed (%s)", p->path, xe.msg);
    }
    return SPINE_OK;
}

/* Writes the amended tiers, heads base and change token of a part whose
 * documents changed. */
static int part_prepare(spine_update *u, part *p, xapian_error *xe)
{
    unsigned tiers = 0;
    if (p->ngone)
        qsort(p->gone, p->ngone, sizeof *p->gone, by_docid);
    int rc = spine_tiers_update(p->db, SPINE_META_TIERS, p->touched.text.p,
                                p->touched.n, SPINE_TIER_SHARE, p->gone,
                                p->ngone, p->first_added, &tiers, xe);
    u->stats.tiers += tiers;
    if (rc == 0 && p->heads_base) {
        char base[32];
        snprintf(base, sizeof base, "%llu",
                 (unsigned long long)p->heads_base);
        rc = set_meta(p, SPINE_META_HEADS_BASE, base, xe);
    }
    return rc;
}

/* Writes the change's spelling, total length and (in a set's lexicon) the
 * shards' tokens into u->meta. */
static int meta_prepare(spine_update *u, xapian_error *xe)
{
    int rc = apply_spelling(u, xe);
    if (rc == 0 && u->has_length) {
        char total[32];
        snprintf(total, sizeof total, "%llu", (unsigned long long)u->length);
        rc = set_meta(u->meta, SPINE_META_LENGTH, total, xe);
    }
    if (rc == 0 && u->meta == &u->lexicon) {
        char *tokens = shard_tokens(u, xe, &rc);
        if (rc == 0)
            rc = set_meta(u->meta, SPINE_META_SHARDS, tokens, xe);
        free(tokens);
    }
    return rc;
}

int spine_update_commit(spine_update *u, spine_update_stats *stats,
                        spine_error *err)
{
    const char *live = spine_generation_live(u->gen);
    xapian_error xe;
    uint64_t ndocs = 0;
    int rc = 0, late = 0;

    if (!u->meta || !u->meta->open || u->committed)
        return spine_error_set(err, SPINE_EINVAL, "%s: no change under "
                               "way", live);
    for (size_t i = 0; rc == 0 && i < u->nparts; i++) {
        uint32_t n = 0;
        rc = xapian_database_doccount(&n, u->parts[i].r, &xe);
        ndocs += n;
    }
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
    /* Nothing past Xapian's 32-bit collection frequencies (ceiling.h),
     * over the index as the change leaves it. */
    xapian_database *all = NULL;
    rc = xapian_database_new_empty(&all, &xe);
    for (size_t i = 0; rc == 0 && i < u->nparts; i++)
        rc = xapian_database_add_database(all, u->parts[i].r, &xe);
    if (rc != 0)
        rc = spine_error_from_xapian(err, &xe, live);
    else
        rc = spine_ceiling_check(all, u->collfreq_limit,
                                 spine_generation_index_dir(u->gen), err);
    xapian_database_free(all);
    if (rc != SPINE_OK)
        return rc;
    /* A set: the shards first, then the lexicon that records them.  One
     * index: one part, which is u->meta too, and one commit. */
    size_t done = 0;
    for (size_t i = 0; rc == 0 && i < u->nparts; i++) {
        part *p = &u->parts[i];
        int l = 0;
        if (!p->dirty && p != u->meta)
            continue;
        rc = part_prepare(u, p, &xe);
        if (rc == 0 && p == u->meta)
            rc = meta_prepare(u, &xe);
        if (rc == 0)
            rc = mark_change(p, &xe);
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, p->path);
        if (rc == 0)
            rc = part_commit(p, &l, err);
        if (rc == 0)
            done++;
        else
            *p->token = '\0';          /* not committed */
        late |= l;
    }
    if (rc == 0 && u->meta == &u->lexicon) {
        int l = 0;
        rc = meta_prepare(u, &xe);
        if (rc == 0)
            rc = mark_change(u->meta, &xe);
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, u->meta->path);
        if (rc == 0)
            rc = part_commit(u->meta, &l, err);
        late |= l;
    }
    if (rc != 0 && done && u->meta == &u->lexicon && err) {
        spine_error why = *err;
        spine_error_set(err, rc, "%s; %zu shard%s committed before that "
                        "keep their part of the change: run it again to "
                        "complete it", why.msg, done, done > 1 ? "s" : "");
    }
    if (rc != 0)
        return rc;
    u->committed = 1;
    if (late)
        u->stats.announced = 0;
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
    for (size_t i = 0; i < u->nparts; i++)
        part_free(&u->parts[i]);
    free(u->parts);
    if (u->lexicon.path)
        part_free(&u->lexicon);
    spine_doc_maker_free(u->maker);
    term_set_free(&u->spelling);
    spine_generation_free(u->gen);          /* and ours */
    free(u);
}
