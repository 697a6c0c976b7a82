/*
 * check.c -- spine_index_check() (spine/index.h): an index verified whole,
 * read only.  Xapian checks its own tables; the rest is what Spine stores
 * inside them and beside them, each part read the way its module reads
 * it (store.h records, heads.h entries, tiers.h tiers) and compared with
 * the others that copy it.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spine/index.h"
#include "generation.h"
#include "heads.h"
#include "phrase.h"
#include "schema.h"
#include "shardset.h"
#include "store.h"
#include "tiers.h"
#include "util.h"

/* The glass tables, and whether Spine's indexer always writes them (the
 * others Xapian creates when first used).  Xapian's check passes a
 * database whose termlist table is gone: Spine's own looks for them. */
static const struct {
    const char *name;
    int required;
} tables[] = {
    { "postlist.glass", 1 }, { "termlist.glass", 1 },
    { "docdata.glass", 1 },  { "position.glass", 0 },
    { "spelling.glass", 0 }, { "synonym.glass", 0 },
};

typedef struct checker {
    const char *dir;                /* the index directory */
    char *gen;                      /* its live generation's directory */
    const char *where;              /* where problems' files are: dir,
                                       then gen once the stub is sound */
    spine_check_report *r;
    const spine_check_options *opts;
    unsigned max;                   /* problems to report at most */
    xapian_database *db;
    spine_heads *heads;             /* NULL: none checked */
    spine_phrase_pairs *pairs;      /* the pair sets' builder */
    spine_buf pairset;              /* a record's pair set, rebuilt */
    spine_buf file;                 /* scratch of problem() */
    int lexicon;                    /* gen is a shard set's lexicon */
} checker;

/* Reports a problem with file name (in c->where; NULL: c->where itself)
 * about document did (0: none) with article id (NULL: unknown), unless
 * the check has stopped; it stops once max problems are reported. */
static void problem(checker *c, const char *name, uint32_t did,
                    const char *id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void problem(checker *c, const char *name, uint32_t did,
                    const char *id, const char *fmt, ...)
{
    va_list ap;
    char what[512];                 /* one line: longer ones are cut */
    if (c->r->stopped)
        return;
    spine_buf_reset(&c->file);
    if (name)
        spine_buf_printf(&c->file, "%s/%s", c->where, name);
    else
        spine_buf_puts(&c->file, c->where);
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    spine_check_problem p = { c->file.p, did, id, what };
    if (c->opts->on_problem)
        c->opts->on_problem(&p, c->opts->payload);
    if (++c->r->problems >= c->max)
        c->r->stopped = 1;
}

/* The message of an error from the heads file without the file's name,
 * which heads.c puts first and the problem already names. */
static const char *heads_msg(const checker *c, const spine_error *err)
{
    size_t n = strlen(c->where);
    const char *m = err->msg;
    if (strncmp(m, c->where, n) == 0 && m[n] == '/'
        && strncmp(m + n + 1, SPINE_HEADS_FILE ": ",
                   strlen(SPINE_HEADS_FILE) + 2) == 0)
        m += n + 1 + strlen(SPINE_HEADS_FILE) + 2;
    return m;
}

static int exists(const char *dir, const char *name)
{
    char *p = spine_path_join(dir, name);
    struct stat st;
    int yes = stat(p, &st) == 0;
    free(p);
    return yes;
}

/* ---- Xapian's tables ---------------------------------------------------- */

/* Xapian's check of the generation; when it fails, each table is checked
 * alone, so as to name the ones at fault. */
static void check_tables(checker *c)
{
    xapian_error xe;
    size_t errors = 0;
    int named = 0;
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (tables[i].required && !c->lexicon
            && !exists(c->gen, tables[i].name)) {
            problem(c, tables[i].name, 0, NULL, "missing");
            named++;
        }
    int rc = xapian_database_check(&errors, c->gen, 0,
                                   c->opts->xapian_report, &xe);
    if (rc == 0 && errors == 0)
        return;
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        xapian_error te;
        size_t n = 0;
        char *path = spine_path_join(c->gen, tables[i].name);
        struct stat st;
        int trc = stat(path, &st) == 0
                      ? xapian_database_check(&n, path, 0, NULL, &te)
                      : 0;
        free(path);
        if (trc != 0)
            problem(c, tables[i].name, 0, NULL, "Xapian cannot check it: "
                    "%s", te.msg);
        else if (n > 0)
            problem(c, tables[i].name, 0, NULL, "Xapian's check found %zu "
                    "error%s", n, n == 1 ? "" : "s");
        named += trc != 0 || n > 0;
    }
    if (named)
        return;
    if (rc != 0)
        problem(c, NULL, 0, NULL, "Xapian cannot check it: %s", xe.msg);
    else
        problem(c, NULL, 0, NULL, "Xapian's check found %zu error%s",
                errors, errors == 1 ? "" : "s");
}

/* ---- documents ---------------------------------------------------------- */

/* Checks a copy of a record's head (what, from file) against the record's
 * own, data[0..head) when the record decoded (head > 0); else on its own,
 * by its checksum. */
static void check_head_copy(checker *c, const char *file, const char *what,
                            uint32_t did, const char *id, const char *copy,
                            size_t len, const char *data, size_t head)
{
    if (head > 0) {
        if (len != head || memcmp(copy, data, head) != 0)
            problem(c, file, did, id, "%s differs from the stored "
                    "record's", what);
        return;
    }
    spine_record *rec = NULL;
    spine_error why;
    if (spine_store_decode_meta(&rec, copy, len, &why) != SPINE_OK)
        problem(c, file, did, id, "%s: %s", what, why.msg);
    spine_record_free(rec);
}

/* The heads file has no entry for docid did, which has no document. */
static void check_no_head(checker *c, uint32_t did)
{
    const char *p;
    size_t len;
    spine_error err;
    if (spine_heads_get(c->heads, did, &p, &len, &err) != SPINE_OK)
        problem(c, SPINE_HEADS_FILE, did, NULL, "%s", heads_msg(c, &err));
    else if (len > 0)
        problem(c, SPINE_HEADS_FILE, did, NULL, "holds a head for a docid "
                "that has no document");
}

/* Checks document did's pair set (phrase.h), if it has one, against the
 * one its decoded record a gives. */
static void check_pairs(checker *c, xapian_document *doc, uint32_t did,
                        const spine_article *a)
{
    xapian_error xe;
    const char *value;
    size_t len;
    if (xapian_document_get_value(&value, &len, doc, SPINE_SLOT_PAIRS, &xe)
        != 0) {
        problem(c, "postlist.glass", did, a->id, "cannot read value slot "
                "%d: %s", SPINE_SLOT_PAIRS, xe.msg);
        return;
    }
    if (len == 0)                   /* an index with positions has none */
        return;
    spine_phrase_pairs_build(c->pairs, a, &c->pairset);
    if (len != c->pairset.n || memcmp(value, c->pairset.p, len) != 0)
        problem(c, "postlist.glass", did, a->id, "its pair set (value slot "
                "%d) is not the stored record's", SPINE_SLOT_PAIRS);
}

/* Checks document did: its stored record, id, id term, pair set and head
 * copies. */
static void check_document(checker *c, uint32_t did)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    spine_record *rec = NULL;
    spine_error why;
    const char *data = NULL, *value, *id = NULL;
    size_t len = 0, vlen = 0, head = 0;
    char *slot_id = NULL;

    int rc = xapian_database_get_document(&doc, c->db, did, &xe);
    if (rc == 0)
        rc = xapian_document_get_value(&value, &vlen, doc, SPINE_SLOT_ID,
                                       &xe);
    if (rc == 0)
        slot_id = spine_strndup(value, vlen);
    if (rc == 0)
        rc = xapian_document_get_data(&data, &len, doc, &xe);
    if (rc != 0) {
        problem(c, NULL, did, slot_id, "cannot read the document: %s",
                xe.msg);
        goto done;
    }
    c->r->articles++;
    id = *slot_id ? slot_id : NULL;
    if (spine_store_decode(&rec, data, len, &why) != SPINE_OK) {
        problem(c, "docdata.glass", did, id, "%s", why.msg);
    } else {
        head = spine_store_head_bytes(data, len);
        id = rec->article.id;
        if (strcmp(slot_id, id) != 0)
            problem(c, "postlist.glass", did, id, "value slot %d holds "
                    "the id '%s', not the stored record's", SPINE_SLOT_ID,
                    slot_id);
        spine_buf term = SPINE_BUF_INIT;
        xapian_docid owner = 0;
        spine_buf_printf(&term, "%s%s", SPINE_PREFIX_ID, id);
        rc = xapian_database_find_docid(&owner, c->db, term.p, term.n, &xe);
        spine_buf_free(&term);
        if (rc != 0)
            problem(c, "postlist.glass", did, id, "cannot read its id "
                    "term: %s", xe.msg);
        else if (owner != did)
            problem(c, "postlist.glass", did, id, "its id term names %s",
                    owner ? "another document" : "no document");
        check_pairs(c, doc, did, &rec->article);
    }
    rc = xapian_document_get_value(&value, &vlen, doc, SPINE_SLOT_HEAD, &xe);
    if (rc != 0)
        problem(c, "postlist.glass", did, id, "cannot read value slot %d: "
                "%s", SPINE_SLOT_HEAD, xe.msg);
    else if (vlen > 0)              /* an index built before has none */
        check_head_copy(c, "postlist.glass", "the head in its value slot",
                        did, id, value, vlen, data, head);
    /* A document added by an update since the heads file was written
     * has no entry (searches read its value slot). */
    if (c->heads && !(spine_heads_updated(c->heads)
                      && did > spine_heads_count(c->heads))) {
        const char *p;
        size_t n;
        spine_error err;
        if (spine_heads_get(c->heads, did, &p, &n, &err) != SPINE_OK)
            problem(c, SPINE_HEADS_FILE, did, id, "%s", heads_msg(c, &err));
        else if (n == 0)
            problem(c, SPINE_HEADS_FILE, did, id, "has no entry for it");
        else
            check_head_copy(c, SPINE_HEADS_FILE, "its entry", did, id, p, n,
                            data, head);
    }

done:
    spine_record_free(rec);
    free(slot_id);
    xapian_document_free(doc);
}

/* Every document, in docid order, and the heads file's empty entries
 * between and after them. */
static void check_documents(checker *c)
{
    xapian_postlist *pl = NULL;
    xapian_error xe;
    xapian_docid did = 0, prev = 0;
    uint32_t wdf, count = c->heads ? spine_heads_count(c->heads) : 0;
    /* Updates since the file was written leave the entries of the
     * documents they deleted (never read: no such document is a hit). */
    if (c->heads && spine_heads_updated(c->heads))
        count = 0;
    int more = xapian_database_postlist(&pl, c->db, "", 0, &xe) == 0;
    if (!more)
        problem(c, "postlist.glass", 0, NULL, "cannot list the documents: "
                "%s", xe.msg);
    while (more && !c->r->stopped
           && (more = xapian_postlist_next(&did, &wdf, pl, &xe)) > 0) {
        for (xapian_docid d = prev + 1; d < did && d <= count
                                        && !c->r->stopped; d++)
            check_no_head(c, d);
        check_document(c, did);
        prev = did;
    }
    if (more < 0)
        problem(c, "postlist.glass", 0, NULL, "cannot list the documents "
                "past docid %u: %s", (unsigned)prev, xe.msg);
    for (xapian_docid d = prev + 1; more == 0 && d <= count
                                    && !c->r->stopped; d++)
        check_no_head(c, d);
    xapian_postlist_free(pl);
}

/* ---- impact tiers ------------------------------------------------------- */

/* Checks term's tier t against the term's postings (tf of them). */
static void check_tier(checker *c, const char *term, uint32_t tf,
                       unsigned size, const spine_tier *t, uint32_t last)
{
    xapian_postlist *pl = NULL;
    xapian_error xe;
    xapian_docid did;
    uint32_t wdf, i = 0;
    const char *f = "postlist.glass";
    if (t->k < size || t->k > tf) {
        problem(c, f, 0, NULL, "the impact tier of '%s' holds %u postings, "
                "not between %u and the term's %u", term, t->k, size, tf);
        return;
    }
    for (uint32_t j = 0; j < t->k; j++)
        if (t->docids[j] == 0 || t->docids[j] > last
            || (j > 0 && t->docids[j] <= t->docids[j - 1])) {
            problem(c, f, t->docids[j], NULL, "the impact tier of '%s': "
                    "docid %u out of order or range", term, t->docids[j]);
            return;
        }
    int more = xapian_database_postlist(&pl, c->db, term, strlen(term),
                                        &xe) == 0;
    while (more && (more = xapian_postlist_next(&did, &wdf, pl, &xe)) > 0) {
        if (i < t->k && t->docids[i] < did)
            break;                  /* a tier docid the term lacks */
        if (i < t->k && t->docids[i] == did) {
            if (t->wdfs[i++] != wdf) {
                problem(c, f, did, NULL, "the impact tier of '%s' gives "
                        "docid %u wdf %u, its posting %u", term, did,
                        t->wdfs[i - 1], wdf);
                goto done;
            }
        } else if (wdf > t->cap) {
            problem(c, f, did, NULL, "the impact tier of '%s' caps the "
                    "postings outside it at wdf %u, but docid %u has %u",
                    term, t->cap, did, wdf);
            goto done;
        }
    }
    if (more < 0)
        problem(c, f, 0, NULL, "cannot read the postings of '%s': %s", term,
                xe.msg);
    else if (i < t->k)
        problem(c, f, t->docids[i], NULL, "the impact tier of '%s' lists "
                "docid %u, which the term does not index", term,
                t->docids[i]);
done:
    xapian_postlist_free(pl);
}

/* The tiers of every term that indexes as many documents as the tiers'
 * settings say: those a query may be answered from. */
static void check_tiers(checker *c)
{
    const char *prefix = SPINE_META_TIERS;
    xapian_termlist *tl = NULL;
    xapian_error xe;
    unsigned min_tf, size;
    xapian_docid last = 0;
    int state;
    int rc = spine_tiers_settings(&state, &min_tf, &size, c->db, prefix, &xe);
    if (rc == 0)
        rc = xapian_database_lastdocid(&last, c->db, &xe);
    if (rc != 0) {
        problem(c, "postlist.glass", 0, NULL, "cannot read the impact "
                "tiers: %s", xe.msg);
        return;
    }
    if (state == SPINE_TIER_ABSENT)
        return;                     /* an index built before tiers */
    if (state == SPINE_TIER_MALFORMED || size == 0 || min_tf <= size) {
        problem(c, "postlist.glass", 0, NULL, "the impact tiers' settings "
                "are malformed");
        return;
    }
    const char *term;
    size_t len;
    uint32_t tf;
    int more = xapian_database_allterms(&tl, c->db, "", 0, &xe) == 0;
    while (more && !c->r->stopped
           && (more = xapian_termlist_next(&term, &len, &tf, tl, &xe)) > 0) {
        if (tf < min_tf || !spine_tiers_key_fits(prefix, len))
            continue;
        spine_tier t;
        rc = spine_tier_read(&t, &state, c->db, prefix, term, &xe);
        if (rc != 0)
            problem(c, "postlist.glass", 0, NULL, "cannot read the impact "
                    "tier of '%s': %s", term, xe.msg);
        else if (state == SPINE_TIER_ABSENT)
            problem(c, "postlist.glass", 0, NULL, "'%s' indexes %u "
                    "articles but has no impact tier", term, tf);
        else if (state == SPINE_TIER_MALFORMED)
            problem(c, "postlist.glass", 0, NULL, "the impact tier of '%s' "
                    "is malformed", term);
        else
            check_tier(c, term, tf, size, &t, last);
        c->r->tiers += state == SPINE_TIER_PRESENT;
        spine_tier_free(&t);
    }
    if (more < 0)
        problem(c, "postlist.glass", 0, NULL, "cannot list the terms: %s",
                xe.msg);
    xapian_termlist_free(tl);
}

/* ---- the whole ---------------------------------------------------------- */

/* Opens the generation's database, checks its schema and opens its heads
 * file.  Returns 0 when the documents can be checked. */
/* Checks the tables of the generation's database, or of each database
 * of a shard set's generation (spine/index.h), whose lexicon holds no
 * article and so has no document tables. */
static void check_databases(checker *c)
{
    spine_shardset set;
    spine_error err;
    if (!spine_generation_is_set(c->gen)) {
        check_tables(c);
        return;
    }
    if (spine_shardset_list(&set, c->gen, &err) != SPINE_OK) {
        problem(c, "XAPIANDB", 0, NULL, "%s", err.msg);
        return;
    }
    char *gen = c->gen;
    for (size_t i = 0; i < set.n && !c->r->stopped; i++) {
        if (!set.v[i].path) {
            problem(c, "XAPIANDB", 0, NULL, "lists a remote shard, %s",
                    set.v[i].name);
            continue;
        }
        c->gen = set.v[i].path;
        c->where = set.v[i].path;
        c->lexicon = i == 0;
        check_tables(c);
    }
    c->gen = gen;
    c->where = gen;
    c->lexicon = 0;
    spine_shardset_free(&set);
}

static int open_generation(checker *c)
{
    xapian_error xe;
    spine_error err;
    char *schema = NULL;
    size_t len = 0;
    int rc = xapian_database_open(&c->db, c->gen, &xe);
    if (rc == 0)
        rc = xapian_database_get_metadata(&schema, &len, c->db,
                                          SPINE_META_SCHEMA,
                                          strlen(SPINE_META_SCHEMA), &xe);
    if (rc != 0) {
        problem(c, NULL, 0, NULL, "Xapian cannot open it, so no record "
                "was checked: %s", xe.msg);
        return -1;
    }
    rc = strcmp(schema, SPINE_SCHEMA_VERSION) != 0;
    if (rc)
        problem(c, NULL, 0, NULL, "not a Spine index of schema %s (found "
                "\"%s\"), so no record was checked; rebuild it",
                SPINE_SCHEMA_VERSION, schema);
    free(schema);
    if (rc)
        return -1;
    if (spine_heads_open(&c->heads, c->dir, c->db, &err) != SPINE_OK) {
        problem(c, SPINE_HEADS_FILE, 0, NULL, "%s", heads_msg(c, &err));
        c->r->heads = SPINE_CHECK_HEADS_USED;
    } else if (c->heads) {
        c->r->heads = SPINE_CHECK_HEADS_USED;
    } else {
        c->r->heads = exists(c->gen, SPINE_HEADS_FILE)
                          ? SPINE_CHECK_HEADS_UNUSED
                          : SPINE_CHECK_HEADS_NONE;
    }
    return 0;
}

int spine_index_check(spine_check_report *report, const char *dir,
                      const spine_check_options *opts, spine_error *err)
{
    static const spine_check_options defaults = SPINE_CHECK_OPTIONS_INIT;
    checker c = { 0 };
    spine_stub before, after;
    struct stat st;
    int rc = SPINE_OK;

    memset(report, 0, sizeof *report);
    c.dir = dir;
    c.r = report;
    c.opts = opts ? opts : &defaults;
    c.max = c.opts->max_problems ? c.opts->max_problems
                                 : SPINE_CHECK_MAX_PROBLEMS;
    spine_stub_look(dir, &before);
    if (!before.exists)
        return spine_error_set(err, SPINE_ENOTFOUND, "no index at %s", dir);
    c.where = dir;
    c.gen = spine_generation_live_dir(dir);
    if (!c.gen) {
        problem(&c, "XAPIANDB", 0, NULL, "names no generation of this "
                "index");
        goto done;
    }
    const char *slash = strrchr(c.gen, '/');
    snprintf(report->generation, sizeof report->generation, "%s",
             slash ? slash + 1 : c.gen);
    if (stat(c.gen, &st) != 0 || !S_ISDIR(st.st_mode)) {
        problem(&c, "XAPIANDB", 0, NULL, "names %s, which is not there",
                report->generation);
        goto done;
    }
    c.where = c.gen;
    c.pairs = spine_phrase_pairs_new();
    check_databases(&c);
    if (!c.r->stopped && open_generation(&c) == 0) {
        check_documents(&c);
        if (!c.r->stopped)
            check_tiers(&c);
    }

done:
    spine_stub_look(dir, &after);
    if (!spine_stub_same(&before, &after))
        rc = spine_error_set(err, SPINE_ERROR, "%s: rebuilt while it was "
                             "checked; check it again", dir);
    spine_heads_free(c.heads);
    spine_phrase_pairs_free(c.pairs);
    spine_buf_free(&c.pairset);
    xapian_database_free(c.db);
    spine_buf_free(&c.file);
    free(c.gen);
    return rc;
}
