/*
 * peers.c -- spine-bench-peer: the engines a user would pick instead of
 * Spine, built the way their own documentation builds them, on the very
 * articles Spine indexes (read through libspine's corpus readers).
 *
 *   fts5    SQLite FTS5: columns title and body, tokenize='porter unicode61',
 *           plus the article id as an UNINDEXED column (so runs can name
 *           articles), content stored, one transaction, then 'optimize'.
 *           Ranked with bm25(t, 2.0, 1.0) (title weighs twice the body).
 *   xapian  stock Xapian through the project's C binding, as Xapian's own
 *           examples use it: TermGenerator + English stemmer, title and body
 *           unprefixed, a "Q" id term, document data = the id only, no
 *           spelling; compacted into the final directory.  QueryParser
 *           defaults (stemmer english, STEM_SOME), BM25 defaults.
 *
 *   spine-bench-peer index fts5|xapian OUT SOURCE...
 *   spine-bench-peer query fts5|xapian INDEX QUERYFILE [--passes N] [--and]
 *                    [--k N] [--snippets (fts5 only)]
 *   spine-bench-peer run fts5|xapian INDEX QUERIES.tsv [--k N] [--and]
 *                    [--tag T]
 *       writes a TREC run ("qid Q0 article-id rank score tag", top N,
 *       default 1000) for the "qid<TAB>text" lines of QUERIES.tsv, for
 *       spine-eval; FTS5's score is -bm25 so that higher is better.
 *   spine-bench-peer related xapian INDEX QUERIES.tsv [--k N] [--tag T]
 *       stock Xapian's "more like this" for each query's top hit, as a
 *       TREC run of N articles (default 10): the ESet of that one
 *       document (Enquire::get_eset, default scheme, RELATED_TERMS terms,
 *       the "Q" id term left out) searched as a plain OR, the document
 *       itself left out -- Xapian's own recipe, for the see-also set.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"
#include "spine/corpus.h"
#include "eval.h"
#include "xapian_c.h"

/* ------------------------------------------------------------------------
 * Indexing
 */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

typedef struct indexer {
    /* fts5 */
    sqlite3 *db;
    sqlite3_stmt *ins;
    /* xapian */
    xapian_writable_database *wdb;
    xapian_term_generator *tg;
    /* both */
    buf body;
    buf idterm;
    int failed;
} indexer;

/* The body both peers index: every section's question and answer, in
 * order, separated by blank lines -- the same text Spine indexes. */
static int make_body(buf *b, const spine_article *a)
{
    b->len = 0;
    int rc = buf_add(b, "", 0);
    for (size_t i = 0; rc == 0 && i < a->nsections; i++) {
        const spine_section *s = &a->sections[i];
        if (i > 0)
            rc = buf_add(b, "\n\n", 2);
        if (rc == 0 && s->question[0]) {
            rc = buf_add(b, s->question, strlen(s->question));
            if (rc == 0)
                rc = buf_add(b, "\n", 1);
        }
        if (rc == 0)
            rc = buf_add(b, s->answer, strlen(s->answer));
    }
    return rc;
}

static int fts5_add(const spine_article *a, void *payload)
{
    indexer *ix = payload;
    if (make_body(&ix->body, a) != 0) {
        fprintf(stderr, "out of memory\n");
        return ix->failed = 1;
    }
    sqlite3_bind_text(ix->ins, 1, a->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(ix->ins, 2, ix->body.p, (int)ix->body.len,
                      SQLITE_STATIC);
    sqlite3_bind_text(ix->ins, 3, a->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(ix->ins);
    sqlite3_reset(ix->ins);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "fts5: inserting %s: %s\n", a->id,
                sqlite3_errmsg(ix->db));
        return ix->failed = 1;
    }
    return 0;
}

static int xapian_add(const spine_article *a, void *payload)
{
    indexer *ix = payload;
    xapian_error xe = { 0, "" };
    xapian_document *doc = NULL;
    int rc = make_body(&ix->body, a);

    ix->idterm.len = 0;
    if (rc == 0)
        rc = buf_add(&ix->idterm, "Q", 1);
    if (rc == 0)
        rc = buf_add(&ix->idterm, a->id, strlen(a->id));
    if (rc != 0) {
        fprintf(stderr, "out of memory\n");
        return ix->failed = 1;
    }
    rc = xapian_document_new(&doc, &xe);
    if (rc == 0)
        rc = xapian_term_generator_set_document(ix->tg, doc, &xe);
    if (rc == 0)
        rc = xapian_term_generator_index_text(ix->tg, a->title,
                                              strlen(a->title), 1, NULL, &xe);
    if (rc == 0)   /* Xapian's default gap: phrases never span title/body */
        rc = xapian_term_generator_increase_termpos(ix->tg, 100, &xe);
    if (rc == 0)
        rc = xapian_term_generator_index_text(ix->tg, ix->body.p,
                                              ix->body.len, 1, NULL, &xe);
    if (rc == 0)
        rc = xapian_document_set_data(doc, a->id, strlen(a->id), &xe);
    if (rc == 0)
        rc = xapian_document_add_boolean_term(doc, ix->idterm.p,
                                              ix->idterm.len, &xe);
    if (rc == 0)
        rc = xapian_writable_database_replace_document(
            NULL, ix->wdb, ix->idterm.p, ix->idterm.len, doc, &xe);
    xapian_document_free(doc);
    if (rc != 0) {
        fprintf(stderr, "xapian: indexing %s: %s\n", a->id, xe.msg);
        return ix->failed = 1;
    }
    return 0;
}

static int sql_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "fts5: %s: %s\n", sql, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int fts5_begin(indexer *ix, const char *out)
{
    if (bench_remove_tree(out) != 0) {
        fprintf(stderr, "fts5: cannot remove old %s\n", out);
        return -1;
    }
    if (sqlite3_open(out, &ix->db) != SQLITE_OK) {
        fprintf(stderr, "fts5: cannot create %s: %s\n", out,
                ix->db ? sqlite3_errmsg(ix->db) : "out of memory");
        return -1;
    }
    if (sql_exec(ix->db, "CREATE VIRTUAL TABLE t USING fts5(title, body, "
                         "id UNINDEXED, tokenize='porter unicode61')") != 0 ||
        sql_exec(ix->db, "BEGIN") != 0)
        return -1;
    if (sqlite3_prepare_v2(ix->db, "INSERT INTO t(title, body, id) VALUES(?, ?, ?)",
                           -1, &ix->ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5: %s\n", sqlite3_errmsg(ix->db));
        return -1;
    }
    return 0;
}

static int fts5_end(indexer *ix)
{
    sqlite3_finalize(ix->ins);
    ix->ins = NULL;
    if (sql_exec(ix->db, "COMMIT") != 0 ||
        sql_exec(ix->db, "INSERT INTO t(t) VALUES('optimize')") != 0)
        return -1;
    return sqlite3_close(ix->db) == SQLITE_OK ? 0 : -1;
}

static int xapian_begin(indexer *ix, const char *scratch)
{
    xapian_error xe = { 0, "" };
    xapian_stem *stem = NULL;
    int rc = bench_remove_tree(scratch);

    if (rc == 0)
        rc = xapian_writable_database_open(&ix->wdb, scratch,
                                           XAPIAN_DB_CREATE_OR_OVERWRITE, &xe);
    if (rc == 0)
        rc = xapian_term_generator_new(&ix->tg, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&stem, "english", &xe);
    if (rc == 0)
        rc = xapian_term_generator_set_stemmer(ix->tg, stem, &xe);
    xapian_stem_free(stem);
    if (rc != 0)
        fprintf(stderr, "xapian: cannot create %s: %s\n", scratch, xe.msg);
    return rc;
}

/* Commits the scratch database and compacts it into out, as a deployment
 * would after a batch build (xapian-compact). */
static int xapian_end(indexer *ix, const char *scratch, const char *out)
{
    xapian_error xe = { 0, "" };
    xapian_database *db = NULL;
    int rc = xapian_writable_database_commit(ix->wdb, &xe);

    if (rc == 0)
        rc = xapian_writable_database_close(ix->wdb, &xe);
    xapian_writable_database_free(ix->wdb);
    ix->wdb = NULL;
    if (rc == 0)
        rc = bench_remove_tree(out);
    if (rc == 0)
        rc = xapian_database_open(&db, scratch, &xe);
    if (rc == 0)
        rc = xapian_database_compact(db, out, &xe);
    xapian_database_free(db);
    if (rc != 0)
        fprintf(stderr, "xapian: compacting into %s: %s\n", out, xe.msg);
    else
        rc = bench_remove_tree(scratch);
    return rc;
}

static int cmd_index(const char *engine, const char *out, char **sources,
                     int nsources)
{
    indexer ix;
    spine_corpus_stats stats;
    spine_corpus_options copts = SPINE_CORPUS_OPTIONS_INIT;
    spine_corpus_sink sink = { NULL, NULL, &ix };
    int is_fts5 = strcmp(engine, "fts5") == 0;
    char *scratch = NULL;
    int rc;

    memset(&ix, 0, sizeof ix);
    memset(&stats, 0, sizeof stats);
    double t0 = bench_now();
    if (is_fts5) {
        sink.on_article = fts5_add;
        rc = fts5_begin(&ix, out);
    } else {
        size_t n = strlen(out) + sizeof ".build";
        scratch = malloc(n);
        if (!scratch)
            return 2;
        snprintf(scratch, n, "%s.build", out);
        sink.on_article = xapian_add;
        rc = xapian_begin(&ix, scratch);
    }
    for (int i = 0; rc == 0 && i < nsources; i++) {
        spine_error se;
        int r = spine_corpus_read(sources[i], &copts, &sink, &stats, &se);
        if (r != 0 && !ix.failed)
            fprintf(stderr, "%s: %s\n", sources[i], se.msg);
        if (r != 0)
            rc = -1;
    }
    if (rc == 0)
        rc = is_fts5 ? fts5_end(&ix) : xapian_end(&ix, scratch, out);
    double secs = bench_now() - t0;
    if (rc != 0) {
        /* Release whatever is still open; the output is not to be used. */
        if (ix.ins)
            sqlite3_finalize(ix.ins);
        if (ix.db)
            sqlite3_close(ix.db);
        xapian_writable_database_free(ix.wdb);
    }
    xapian_term_generator_free(ix.tg);
    free(ix.body.p);
    free(ix.idterm.p);
    free(scratch);
    if (rc != 0)
        return 2;

    double mb = (double)stats.bytes / 1e6;
    uint64_t bytes = bench_disk_bytes(out);
    printf("%s: indexed %llu articles from %.1f MB in %.2f s (%.2f MB/s), "
           "%llu bytes on disk\n", engine, (unsigned long long)stats.articles,
           mb, secs, secs > 0 ? mb / secs : 0.0, (unsigned long long)bytes);
    printf("RESULT engine=%s articles=%llu input_bytes=%llu seconds=%.3f "
           "mb_per_s=%.3f index_bytes=%llu\n", engine,
           (unsigned long long)stats.articles,
           (unsigned long long)stats.bytes, secs, secs > 0 ? mb / secs : 0.0,
           (unsigned long long)bytes);
    return 0;
}

/* ------------------------------------------------------------------------
 * Querying
 */

typedef struct fts5_q {
    sqlite3 *db;
    sqlite3_stmt *st;
    buf expr;
} fts5_q;

/* Builds the MATCH expression: each word as an FTS5 string ("..." with
 * inner quotes doubled), so no word can be read as syntax, joined by OR or
 * AND. */
static int fts5_expr(buf *b, const char *query, int match_all)
{
    const char *p = query;
    int rc = 0, first = 1;

    b->len = 0;
    rc = buf_add(b, "", 0);
    while (rc == 0 && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (!first)
            rc = buf_add(b, match_all ? " AND " : " OR ",
                         match_all ? 5 : 4);
        first = 0;
        if (rc == 0)
            rc = buf_add(b, "\"", 1);
        for (const char *c = w; rc == 0 && c < p; c++) {
            rc = buf_add(b, c, 1);
            if (rc == 0 && *c == '"')
                rc = buf_add(b, "\"", 1);
        }
        if (rc == 0)
            rc = buf_add(b, "\"", 1);
    }
    return rc;
}

static int fts5_run(fts5_q *f, const char *query, const bench_query_opts *o,
                    unsigned *nhits)
{
    int rc;
    *nhits = 0;
    if (fts5_expr(&f->expr, query, o->match_all) != 0)
        return -1;
    if (f->expr.len == 0)
        return 0;
    sqlite3_bind_text(f->st, 1, f->expr.p, (int)f->expr.len, SQLITE_STATIC);
    sqlite3_bind_int(f->st, 2, (int)o->k);
    while ((rc = sqlite3_step(f->st)) == SQLITE_ROW) {
        volatile sqlite3_int64 id = sqlite3_column_int64(f->st, 0);
        (void)id;
        if (o->snippets) {
            volatile const unsigned char *s = sqlite3_column_text(f->st, 1);
            (void)s;
        }
        (*nhits)++;
    }
    sqlite3_reset(f->st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "fts5: query \"%s\" (%s): %s\n", query, f->expr.p,
                sqlite3_errmsg(f->db));
        return -1;
    }
    return 0;
}

typedef struct xapian_q {
    xapian_database *db;
    xapian_query_parser *qp;
    xapian_enquire *enq;
} xapian_q;

/* Parses query with QueryParser defaults and sets *mset to its top k. */
static int xapian_top(xapian_q *x, const char *query, unsigned k,
                      xapian_mset **mset, xapian_error *xe)
{
    xapian_query *q = NULL;
    int rc = xapian_query_parser_parse(&q, x->qp, query, strlen(query),
                                       XAPIAN_QP_FLAG_DEFAULT, xe);
    if (rc == 0)
        rc = xapian_enquire_set_query(x->enq, q, xe);
    if (rc == 0)
        rc = xapian_enquire_get_mset(mset, x->enq, 0, k, 0, xe);
    xapian_query_free(q);
    return rc;
}

static int xapian_run(xapian_q *x, const char *query,
                      const bench_query_opts *o, unsigned *nhits)
{
    xapian_error xe = { 0, "" };
    xapian_mset *mset = NULL;
    *nhits = 0;
    int rc = xapian_top(x, query, o->k, &mset, &xe);
    /* Fetch each hit's id, as any caller showing results must. */
    for (unsigned i = 0; rc == 0 && i < xapian_mset_size(mset); i++) {
        xapian_document *doc = NULL;
        const char *data;
        size_t len;
        rc = xapian_mset_document(&doc, mset, i, &xe);
        if (rc == 0)
            rc = xapian_document_get_data(&data, &len, doc, &xe);
        xapian_document_free(doc);
        if (rc == 0)
            (*nhits)++;
    }
    xapian_mset_free(mset);
    if (rc != 0)
        fprintf(stderr, "xapian: query \"%s\": %s\n", query, xe.msg);
    return rc;
}

/* Opens the FTS5 database at index read-only and prepares sql, whose
 * parameters are the MATCH expression and the limit. */
static int fts5_open(fts5_q *f, const char *index, const char *sql)
{
    if (sqlite3_open_v2(index, &f->db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(f->db, sql, -1, &f->st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5: cannot open %s: %s\n", index,
                f->db ? sqlite3_errmsg(f->db) : "out of memory");
        return -1;
    }
    return 0;
}

/* Opens the stock Xapian database at index with a QueryParser set up as
 * Xapian's examples set it up (English stemmer, STEM_SOME), default
 * operator OR, or AND when match_all. */
static int xapian_open(xapian_q *x, const char *index, int match_all)
{
    xapian_error xe = { 0, "" };
    xapian_stem *stem = NULL;
    int rc = xapian_database_open(&x->db, index, &xe);
    if (rc == 0)
        rc = xapian_query_parser_new(&x->qp, &xe);
    if (rc == 0)
        rc = xapian_stem_new(&stem, "english", &xe);
    if (rc == 0)
        rc = xapian_query_parser_set_stemmer(x->qp, stem, &xe);
    if (rc == 0)
        rc = xapian_query_parser_set_stemming_strategy(
            x->qp, XAPIAN_STEM_SOME, &xe);
    if (rc == 0)
        rc = xapian_query_parser_set_database(x->qp, x->db, &xe);
    if (rc == 0)
        rc = xapian_query_parser_set_default_op(
            x->qp, match_all ? XAPIAN_QUERY_OP_AND : XAPIAN_QUERY_OP_OR,
            &xe);
    if (rc == 0)
        rc = xapian_enquire_new(&x->enq, x->db, &xe);
    xapian_stem_free(stem);
    if (rc != 0)
        fprintf(stderr, "xapian: cannot open %s: %s\n", index, xe.msg);
    return rc;
}

static int cmd_query(const char *engine, const char *index,
                     const char *qfile, const bench_query_opts *o)
{
    bench_queries qs;
    bench_latency lat;
    fts5_q f;
    xapian_q x;
    int is_fts5 = strcmp(engine, "fts5") == 0;
    int rc = 0;

    memset(&lat, 0, sizeof lat);
    memset(&f, 0, sizeof f);
    memset(&x, 0, sizeof x);
    if (!is_fts5 && o->snippets) {
        fprintf(stderr, "xapian: --snippets needs the article text, which "
                        "stock Xapian (data = id) does not store\n");
        return 2;
    }
    if (bench_queries_load(&qs, qfile) != 0)
        return 2;

    if (is_fts5) {
        const char *sql = o->snippets
            ? "SELECT rowid, snippet(t, 1, '**', '**', '...', 24) FROM t "
              "WHERE t MATCH ?1 ORDER BY bm25(t, 2.0, 1.0) LIMIT ?2"
            : "SELECT rowid FROM t WHERE t MATCH ?1 "
              "ORDER BY bm25(t, 2.0, 1.0) LIMIT ?2";
        rc = fts5_open(&f, index, sql);
    } else {
        rc = xapian_open(&x, index, o->match_all);
    }

    /* Pass 0 warms the caches and is not recorded. */
    for (unsigned pass = 0; rc == 0 && pass <= o->passes; pass++) {
        double pass_start = bench_now();
        for (size_t i = 0; rc == 0 && i < qs.n; i++) {
            unsigned nhits;
            double t0 = bench_now();
            rc = is_fts5 ? fts5_run(&f, qs.q[i], o, &nhits)
                         : xapian_run(&x, qs.q[i], o, &nhits);
            double us = (bench_now() - t0) * 1e6;
            if (rc == 0 && pass > 0)
                rc = bench_latency_add(&lat, us, nhits);
        }
        if (pass > 0)
            lat.wall += bench_now() - pass_start;
    }
    if (rc == 0) {
        char mode[32];
        snprintf(mode, sizeof mode, "%s%s", o->match_all ? "and" : "or",
                 o->snippets ? "+snippets" : "");
        bench_latency_report(&lat, engine, mode, o->passes);
    }

    sqlite3_finalize(f.st);
    sqlite3_close(f.db);
    free(f.expr.p);
    xapian_enquire_free(x.enq);
    xapian_query_parser_free(x.qp);
    xapian_database_free(x.db);
    bench_latency_free(&lat);
    bench_queries_free(&qs);
    return rc == 0 ? 0 : 2;
}

/* ------------------------------------------------------------------------
 * Runs for spine-eval
 */

/* Writes one TREC run line per hit of query q (top k) to stdout. */
static int fts5_run_trec(fts5_q *f, const char *qid, const char *query,
                         unsigned k, int match_all, const char *tag)
{
    int rc;
    unsigned rank = 0;
    if (fts5_expr(&f->expr, query, match_all) != 0)
        return -1;
    if (f->expr.len == 0)
        return 0;
    sqlite3_bind_text(f->st, 1, f->expr.p, (int)f->expr.len, SQLITE_STATIC);
    sqlite3_bind_int(f->st, 2, (int)k);
    while ((rc = sqlite3_step(f->st)) == SQLITE_ROW)
        printf("%s Q0 %s %u %.9g %s\n", qid,
               (const char *)sqlite3_column_text(f->st, 0), ++rank,
               -sqlite3_column_double(f->st, 1), tag);
    sqlite3_reset(f->st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "fts5: query %s \"%s\" (%s): %s\n", qid, query,
                f->expr.p, sqlite3_errmsg(f->db));
        return -1;
    }
    return 0;
}

/* Prints hit i of mset as a TREC run line of query qid at rank rank (the
 * document's data is the article id).  Returns 0 or an XAPIAN_E* code. */
static int print_trec_hit(xapian_mset *mset, unsigned i, const char *qid,
                          unsigned rank, const char *tag, xapian_error *xe)
{
    xapian_document *doc = NULL;
    const char *data;
    size_t len;
    double w = 0;
    int rc = xapian_mset_weight(&w, mset, i, xe);
    if (rc == 0)
        rc = xapian_mset_document(&doc, mset, i, xe);
    if (rc == 0)
        rc = xapian_document_get_data(&data, &len, doc, xe);
    if (rc == 0)
        printf("%s Q0 %.*s %u %.9g %s\n", qid, (int)len, data, rank, w, tag);
    xapian_document_free(doc);
    return rc;
}

static int xapian_run_trec(xapian_q *x, const char *qid, const char *query,
                           unsigned k, const char *tag)
{
    xapian_error xe = { 0, "" };
    xapian_mset *mset = NULL;
    int rc = xapian_top(x, query, k, &mset, &xe);
    for (unsigned i = 0; rc == 0 && i < xapian_mset_size(mset); i++)
        rc = print_trec_hit(mset, i, qid, i + 1, tag, &xe);
    xapian_mset_free(mset);
    if (rc != 0)
        fprintf(stderr, "xapian: query %s \"%s\": %s\n", qid, query,
                xe.msg);
    return rc;
}

static int cmd_run(const char *engine, const char *index, const char *qfile,
                   unsigned k, int match_all, const char *tag)
{
    eval_queries qs;
    eval_error err;
    fts5_q f;
    xapian_q x;
    int is_fts5 = strcmp(engine, "fts5") == 0;
    int rc;

    memset(&f, 0, sizeof f);
    memset(&x, 0, sizeof x);
    if (eval_queries_load(&qs, qfile, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    rc = is_fts5 ? fts5_open(&f, index,
                             "SELECT id, bm25(t, 2.0, 1.0) FROM t "
                             "WHERE t MATCH ?1 ORDER BY bm25(t, 2.0, 1.0) "
                             "LIMIT ?2")
                 : xapian_open(&x, index, match_all);
    for (size_t i = 0; rc == 0 && i < qs.n; i++)
        rc = is_fts5 ? fts5_run_trec(&f, qs.qid[i], qs.text[i], k, match_all,
                                     tag)
                     : xapian_run_trec(&x, qs.qid[i], qs.text[i], k, tag);
    if (rc == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "writing the run failed\n");
        rc = -1;
    }
    sqlite3_finalize(f.st);
    sqlite3_close(f.db);
    free(f.expr.p);
    xapian_enquire_free(x.enq);
    xapian_query_parser_free(x.qp);
    xapian_database_free(x.db);
    eval_queries_free(&qs);
    return rc == 0 ? 0 : 2;
}

/* ------------------------------------------------------------------------
 * Stock Xapian's related documents ("more like this")
 */

enum { RELATED_TERMS = 20 };

/* Writes the k articles most like the top hit of query, as Xapian's
 * documentation builds a "more like this" query: the best RELATED_TERMS
 * terms of the ESet over the one document, OR-ed unweighted. */
static int xapian_related_trec(xapian_q *x, const char *qid,
                               const char *query, unsigned k,
                               const char *tag)
{
    xapian_error xe = { 0, "" };
    xapian_mset *top = NULL, *mset = NULL;
    xapian_eset *eset = NULL;
    xapian_query *terms[RELATED_TERMS], *mlt = NULL;
    unsigned nterms = 0, rank = 0;
    xapian_docid self = 0;

    int rc = xapian_top(x, query, 1, &top, &xe);
    if (rc == 0 && xapian_mset_size(top) == 0)
        goto done;                      /* no hit: no list */
    if (rc == 0)
        rc = xapian_mset_docid(&self, top, 0, &xe);
    if (rc == 0)
        rc = xapian_enquire_get_eset(&eset, x->enq, 2 * RELATED_TERMS,
                                     &self, 1, 0, &xe);
    for (unsigned i = 0; rc == 0 && i < xapian_eset_size(eset) &&
                         nterms < RELATED_TERMS; i++) {
        const char *t;
        size_t len;
        double w;
        rc = xapian_eset_term(&t, &len, &w, eset, i, &xe);
        if (rc == 0 && len > 0 && t[0] != 'Q')
            rc = xapian_query_new_term(&terms[nterms++], t, len, &xe);
    }
    if (rc == 0 && nterms > 0)
        rc = xapian_query_combine(&mlt, XAPIAN_QUERY_OP_OR, terms, nterms,
                                  &xe);
    if (rc == 0 && mlt)
        rc = xapian_enquire_set_query(x->enq, mlt, &xe);
    if (rc == 0 && mlt)
        rc = xapian_enquire_get_mset(&mset, x->enq, 0, k + 1, 0, &xe);
    for (unsigned i = 0; rc == 0 && i < xapian_mset_size(mset) && rank < k;
         i++) {
        xapian_docid d = 0;
        rc = xapian_mset_docid(&d, mset, i, &xe);
        if (rc != 0 || d == self)
            continue;
        rc = print_trec_hit(mset, i, qid, ++rank, tag, &xe);
    }
done:
    for (unsigned i = 0; i < nterms; i++)
        xapian_query_free(terms[i]);
    xapian_query_free(mlt);
    xapian_eset_free(eset);
    xapian_mset_free(mset);
    xapian_mset_free(top);
    if (rc != 0)
        fprintf(stderr, "xapian: related for query %s \"%s\": %s\n", qid,
                query, xe.msg);
    return rc;
}

static int cmd_related(const char *index, const char *qfile, unsigned k,
                       const char *tag)
{
    eval_queries qs;
    eval_error err;
    xapian_q x;
    memset(&x, 0, sizeof x);
    if (eval_queries_load(&qs, qfile, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    int rc = xapian_open(&x, index, 0);
    for (size_t i = 0; rc == 0 && i < qs.n; i++)
        rc = xapian_related_trec(&x, qs.qid[i], qs.text[i], k, tag);
    if (rc == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "writing the run failed\n");
        rc = -1;
    }
    xapian_enquire_free(x.enq);
    xapian_query_parser_free(x.qp);
    xapian_database_free(x.db);
    eval_queries_free(&qs);
    return rc == 0 ? 0 : 2;
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-bench-peer index fts5|xapian OUT SOURCE...\n"
"       spine-bench-peer query fts5|xapian INDEX QUERYFILE [--passes N]\n"
"                        [--and] [--k N] [--snippets]\n"
"       spine-bench-peer run fts5|xapian INDEX QUERIES.tsv [--k N] [--and]\n"
"                        [--tag TAG]\n"
"       spine-bench-peer related xapian INDEX QUERIES.tsv [--k N] [--tag TAG]\n"
"Builds or queries a peer engine (SQLite FTS5 or stock Xapian) on the\n"
"articles Spine indexes.  Prints a RESULT line of key=value figures;\n"
"run writes a TREC run (top 1000 by default) for spine-eval.\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 5 || (strcmp(argv[2], "fts5") != 0 &&
                     strcmp(argv[2], "xapian") != 0)) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "index") == 0)
        return cmd_index(argv[2], argv[3], argv + 4, argc - 4);
    if (strcmp(argv[1], "query") == 0) {
        bench_query_opts o = BENCH_QUERY_OPTS_INIT;
        if (bench_query_opts_parse(&o, argc, argv, 5) != 0)
            return 2;
        return cmd_query(argv[2], argv[3], argv[4], &o);
    }
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "related") == 0) {
        int related = strcmp(argv[1], "related") == 0;
        unsigned long k = related ? 10 : 1000;
        int match_all = 0;
        const char *tag = argv[2];
        for (int i = 5; i < argc; i++) {
            char *end = NULL;
            if (strcmp(argv[i], "--and") == 0 && !related) {
                match_all = 1;
            } else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) {
                tag = argv[++i];
            } else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc &&
                       (k = strtoul(argv[i + 1], &end, 10)) > 0 &&
                       k <= 1000000 && *end == '\0') {
                i++;
            } else {
                fprintf(stderr, "run: bad option or value: %s\n", argv[i]);
                return 2;
            }
        }
        if (related) {
            if (strcmp(argv[2], "xapian") != 0) {
                fprintf(stderr, "related: only stock Xapian has a related-"
                                "documents list (xapian)\n");
                return 2;
            }
            return cmd_related(argv[3], argv[4], (unsigned)k, tag);
        }
        return cmd_run(argv[2], argv[3], argv[4], (unsigned)k, match_all,
                       tag);
    }
    usage(stderr);
    return 2;
}
