/*
 * eval.c -- reads TREC qrels and runs and computes MAP, nDCG@10, P@10,
 * R@100 and MRR with trec_eval's definitions (see eval.h for the exact
 * rules and the one documented difference).
 *
 * Loading keeps every query's lines together in an eval_topic; once a file
 * is read, each topic is sorted by docid to find duplicates (an error, as in
 * trec_eval), then qrels stay sorted by docid for lookups and runs are
 * re-sorted into trec_eval's ranking order (score descending, docid
 * descending).  Plain C, no Xapian: the tests link only this file.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FIELDS = 8 };

static int set_error(eval_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int set_error(eval_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Grows an array of elements of size sz so it holds at least need. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

static char *dup_span(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void eval_set_free(eval_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        eval_topic *t = &set->topics[i];
        for (size_t k = 0; t->judged && k < t->n; k++) {
            free(t->judged[k].docid);
            free(t->judged[k].group);
        }
        for (size_t k = 0; t->docs && k < t->n; k++)
            free(t->docs[k].docid);
        free(t->judged);
        free(t->docs);
        free(t->qid);
    }
    free(set->topics);
    memset(set, 0, sizeof *set);
}

/* Returns the topic named qid, creating it at the end when new.  Lines of
 * one query usually come together, so the last topic is tried first. */
static eval_topic *topic_get(eval_set *set, const char *qid, size_t qlen)
{
    for (size_t i = set->n; i > 0; i--) {
        eval_topic *t = &set->topics[i - 1];
        if (strlen(t->qid) == qlen && memcmp(t->qid, qid, qlen) == 0)
            return t;
    }
    if (grow((void **)&set->topics, &set->cap, set->n + 1,
             sizeof *set->topics) != 0)
        return NULL;
    eval_topic *t = &set->topics[set->n];
    memset(t, 0, sizeof *t);
    t->qid = dup_span(qid, qlen);
    if (!t->qid)
        return NULL;
    set->n++;
    return t;
}

typedef struct field {
    const char *p;
    size_t n;
} field;

/* Splits line[0..len) at runs of blanks into at most MAX_FIELDS fields;
 * returns the count (MAX_FIELDS + 1 when there are more). */
static int split(const char *line, size_t len, field *f)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        if (n == MAX_FIELDS)
            return MAX_FIELDS + 1;
        f[n].p = line + start;
        f[n].n = i - start;
        n++;
    }
    return n;
}

static int parse_int(const field *f, int *out)
{
    char tmp[32];
    if (f->n == 0 || f->n >= sizeof tmp)
        return -1;
    memcpy(tmp, f->p, f->n);
    tmp[f->n] = '\0';
    char *end;
    errno = 0;
    long v = strtol(tmp, &end, 10);
    if (errno != 0 || *end != '\0' || v < -1000000 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_double(const field *f, double *out)
{
    char tmp[64];
    if (f->n == 0 || f->n >= sizeof tmp)
        return -1;
    memcpy(tmp, f->p, f->n);
    tmp[f->n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* What one parser does with the fields of a line.  Returns 0, or -1 with
 * err filled (the caller prefixes nothing: messages carry name:line). */
typedef int (*line_fn)(eval_set *set, const field *f, int nf,
                       const char *name, long line, eval_error *err);

static int qrels_line(eval_set *set, const field *f, int nf,
                      const char *name, long line, eval_error *err)
{
    const field *qid, *doc, *rel, *group = NULL;
    if (nf == 4) {          /* TREC: qid iter docid rel */
        qid = &f[0];
        group = &f[1];
        doc = &f[2];
        rel = &f[3];
    } else if (nf == 3) {   /* SMART *.REL: qid docid rel */
        qid = &f[0];
        doc = &f[1];
        rel = &f[2];
    } else {
        return set_error(err, "%s:%ld: expected \"qid iter docid rel\" "
                         "(4 columns) or \"qid docid rel\" (3), found %s%d",
                         name, line, nf > MAX_FIELDS ? "more than " : "",
                         nf > MAX_FIELDS ? MAX_FIELDS : nf);
    }
    int r;
    if (parse_int(rel, &r) != 0)
        return set_error(err, "%s:%ld: relevance \"%.*s\" is not an integer",
                         name, line, (int)(rel->n > 40 ? 40 : rel->n),
                         rel->p);
    eval_topic *t = topic_get(set, qid->p, qid->n);
    if (!t || grow((void **)&t->judged, &t->cap, t->n + 1,
                   sizeof *t->judged) != 0)
        return set_error(err, "%s:%ld: out of memory", name, line);
    eval_judgment *j = &t->judged[t->n];
    j->docid = dup_span(doc->p, doc->n);
    j->group = group ? dup_span(group->p, group->n) : NULL;
    j->rel = r;
    j->line = line;
    t->n++;                 /* so that eval_set_free() releases both */
    if (!j->docid || (group && !j->group))
        return set_error(err, "%s:%ld: out of memory", name, line);
    return 0;
}

static int run_line(eval_set *set, const field *f, int nf, const char *name,
                    long line, eval_error *err)
{
    if (nf != 6)
        return set_error(err, "%s:%ld: expected \"qid Q0 docid rank score "
                         "tag\" (6 columns), found %s%d", name, line,
                         nf > MAX_FIELDS ? "more than " : "",
                         nf > MAX_FIELDS ? MAX_FIELDS : nf);
    double score;
    if (parse_double(&f[4], &score) != 0)
        return set_error(err, "%s:%ld: score \"%.*s\" is not a number",
                         name, line, (int)(f[4].n > 40 ? 40 : f[4].n),
                         f[4].p);
    eval_topic *t = topic_get(set, f[0].p, f[0].n);
    if (!t || grow((void **)&t->docs, &t->cap, t->n + 1,
                   sizeof *t->docs) != 0)
        return set_error(err, "%s:%ld: out of memory", name, line);
    eval_doc *d = &t->docs[t->n];
    d->docid = dup_span(f[2].p, f[2].n);
    d->score = score;
    d->line = line;
    if (!d->docid)
        return set_error(err, "%s:%ld: out of memory", name, line);
    t->n++;
    return 0;
}

static int parse_lines(eval_set *set, const char *text, size_t len,
                       const char *name, line_fn fn, eval_error *err)
{
    field f[MAX_FIELDS];
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        line++;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        if (memchr(text + pos, '\0', n))
            return set_error(err, "%s:%ld: NUL byte in line", name, line);
        int nf = split(text + pos, n, f);
        if (nf > 0 && fn(set, f, nf, name, line, err) != 0)
            return -1;
        pos = end + 1;
    }
    return 0;
}

static int cmp_judgment(const void *a, const void *b)
{
    return strcmp(((const eval_judgment *)a)->docid,
                  ((const eval_judgment *)b)->docid);
}

static int cmp_doc_id(const void *a, const void *b)
{
    const eval_doc *x = a, *y = b;
    int c = strcmp(x->docid, y->docid);
    /* Equal ids: the earlier line first, so messages name the repeat. */
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* trec_eval's ranking order: score descending, then docid descending. */
static int cmp_doc_rank(const void *a, const void *b)
{
    const eval_doc *x = a, *y = b;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->docid, x->docid);
}

static int read_file(const char *path, char **out, size_t *len,
                     eval_error *err)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return set_error(err, "%s: %s", path, strerror(errno));
    for (;;) {
        if (grow((void **)&p, &cap, n + 65536, 1) != 0) {
            free(p);
            fclose(f);
            return set_error(err, "%s: out of memory", path);
        }
        size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        return set_error(err, "%s: read error", path);
    }
    *out = p;
    *len = n;
    return 0;
}

int eval_qrels_parse(eval_set *out, const char *text, size_t len,
                     const char *name, eval_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = parse_lines(out, text, len, name, qrels_line, err);
    for (size_t i = 0; rc == 0 && i < out->n; i++) {
        eval_topic *t = &out->topics[i];
        qsort(t->judged, t->n, sizeof *t->judged, cmp_judgment);
        for (size_t k = 1; rc == 0 && k < t->n; k++)
            if (strcmp(t->judged[k].docid, t->judged[k - 1].docid) == 0) {
                long a = t->judged[k - 1].line, b = t->judged[k].line;
                rc = set_error(err, "%s:%ld: query %s judges document %s "
                               "again (first on line %ld)", name,
                               a > b ? a : b, t->qid, t->judged[k].docid,
                               a < b ? a : b);
            }
    }
    if (rc != 0)
        eval_set_free(out);
    return rc;
}

int eval_run_parse(eval_set *out, const char *text, size_t len,
                   const char *name, eval_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = parse_lines(out, text, len, name, run_line, err);
    for (size_t i = 0; rc == 0 && i < out->n; i++) {
        eval_topic *t = &out->topics[i];
        qsort(t->docs, t->n, sizeof *t->docs, cmp_doc_id);
        for (size_t k = 1; rc == 0 && k < t->n; k++)
            if (strcmp(t->docs[k].docid, t->docs[k - 1].docid) == 0)
                rc = set_error(err, "%s:%ld: query %s retrieves document %s "
                               "again (first on line %ld)", name,
                               t->docs[k].line, t->qid, t->docs[k].docid,
                               t->docs[k - 1].line);
        if (rc == 0)
            qsort(t->docs, t->n, sizeof *t->docs, cmp_doc_rank);
    }
    if (rc != 0)
        eval_set_free(out);
    return rc;
}

/* Reads the file at path and parses it with parse into *out. */
static int load_with(eval_set *out, const char *path,
                     int (*parse)(eval_set *, const char *, size_t,
                                  const char *, eval_error *),
                     eval_error *err)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    if (read_file(path, &text, &len, err) != 0)
        return -1;
    int rc = parse(out, text, len, path, err);
    free(text);
    return rc;
}

int eval_qrels_load(eval_set *out, const char *path, eval_error *err)
{
    return load_with(out, path, eval_qrels_parse, err);
}

int eval_run_load(eval_set *out, const char *path, eval_error *err)
{
    return load_with(out, path, eval_run_parse, err);
}

/* ------------------------------------------------------------------------
 * Scoring
 */

/* The relevance of docid in topic j (sorted by docid); 0 when unjudged. */
static int rel_of(const eval_topic *j, const char *docid)
{
    size_t lo = 0, hi = j->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(j->judged[mid].docid, docid);
        if (c == 0)
            return j->judged[mid].rel;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int cmp_int_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

eval_scores eval_score_topic(const eval_topic *j, size_t nrel,
                             const eval_topic *r)
{
    eval_scores s = { 0, 0, 0, 0, 0 };
    size_t relret = 0, rel10 = 0, rel100 = 0;
    double dcg = 0.0, idcg = 0.0;
    int top[10];
    size_t ntop = 0;

    if (nrel == 0)
        return s;
    for (size_t i = 0; r && i < r->n; i++) {
        int rel = rel_of(j, r->docs[i].docid);
        if (rel >= 1) {
            relret++;
            s.ap += (double)relret / (double)(i + 1);
            if (relret == 1)
                s.rr = 1.0 / (double)(i + 1);
            if (i < 10)
                rel10++;
            if (i < 100)
                rel100++;
        }
        if (i < 10 && rel > 0)
            dcg += rel / log2((double)(i + 2));
    }
    /* The ideal top ten: the ten largest gains of the qrels. */
    for (size_t k = 0; k < j->n; k++) {
        int g = j->judged[k].rel;
        if (g <= 0)
            continue;
        if (ntop < 10) {
            top[ntop++] = g;
            qsort(top, ntop, sizeof *top, cmp_int_desc);
        } else if (g > top[9]) {
            top[9] = g;
            qsort(top, ntop, sizeof *top, cmp_int_desc);
        }
    }
    for (size_t i = 0; i < ntop; i++)
        idcg += top[i] / log2((double)(i + 2));

    s.ap /= (double)nrel;
    s.p10 = (double)rel10 / 10.0;
    s.r100 = (double)rel100 / (double)nrel;
    s.ndcg10 = idcg > 0.0 ? dcg / idcg : 0.0;
    return s;
}

/* Orders query ids numerically when both are digit strings, else by
 * strcmp(). */
static int cmp_qid(const char *a, const char *b)
{
    size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
    if (la > 0 && lb > 0 && a[la] == '\0' && b[lb] == '\0') {
        while (la > 1 && *a == '0') { a++; la--; }
        while (lb > 1 && *b == '0') { b++; lb--; }
        if (la != lb)
            return la < lb ? -1 : 1;
    }
    return strcmp(a, b);
}

static int cmp_query(const void *x, const void *y)
{
    return cmp_qid(((const eval_query *)x)->qid,
                   ((const eval_query *)y)->qid);
}

static int cmp_topic_ptr(const void *x, const void *y)
{
    const eval_topic *a = *(eval_topic *const *)x;
    const eval_topic *b = *(eval_topic *const *)y;
    return strcmp(a->qid, b->qid);
}

int eval_score(eval_report *out, const eval_set *qrels, const eval_set *run,
               eval_error *err)
{
    eval_topic **byqid = NULL;
    memset(out, 0, sizeof *out);
    if (qrels->n > 0) {
        out->q = calloc(qrels->n, sizeof *out->q);
        if (!out->q)
            return set_error(err, "out of memory");
    }
    if (run->n > 0) {
        byqid = malloc(run->n * sizeof *byqid);
        if (!byqid) {
            eval_report_free(out);
            return set_error(err, "out of memory");
        }
        for (size_t i = 0; i < run->n; i++)
            byqid[i] = &run->topics[i];
        qsort(byqid, run->n, sizeof *byqid, cmp_topic_ptr);
    }
    for (size_t i = 0; i < qrels->n; i++) {
        const eval_topic *j = &qrels->topics[i];
        size_t nrel = 0;
        for (size_t k = 0; k < j->n; k++)
            if (j->judged[k].rel >= 1)
                nrel++;
        if (nrel == 0)
            continue;
        eval_topic key, *pkey = &key, **hit = NULL;
        key.qid = j->qid;
        if (byqid)
            hit = bsearch(&pkey, byqid, run->n, sizeof *byqid,
                          cmp_topic_ptr);
        const eval_topic *r = hit ? *hit : NULL;
        eval_query *q = &out->q[out->n++];
        q->qid = j->qid;
        q->nrel = nrel;
        q->nret = r ? r->n : 0;
        for (size_t k = 0; r && k < r->n; k++)
            if (rel_of(j, r->docs[k].docid) >= 1)
                q->relret++;
        q->s = eval_score_topic(j, nrel, r);
    }
    free(byqid);
    if (out->n > 1)
        qsort(out->q, out->n, sizeof *out->q, cmp_query);
    for (size_t i = 0; i < out->n; i++) {
        out->mean.ap += out->q[i].s.ap;
        out->mean.ndcg10 += out->q[i].s.ndcg10;
        out->mean.p10 += out->q[i].s.p10;
        out->mean.r100 += out->q[i].s.r100;
        out->mean.rr += out->q[i].s.rr;
    }
    if (out->n > 0) {
        double n = (double)out->n;
        out->mean.ap /= n;
        out->mean.ndcg10 /= n;
        out->mean.p10 /= n;
        out->mean.r100 /= n;
        out->mean.rr /= n;
    }
    return 0;
}

void eval_report_free(eval_report *r)
{
    if (!r)
        return;
    free(r->q);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------------
 * "See also" recall
 */

/* The judgment of docid in topic j (sorted by docid), or NULL. */
static const eval_judgment *judgment_of(const eval_topic *j,
                                        const char *docid)
{
    size_t lo = 0, hi = j->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(j->judged[mid].docid, docid);
        if (c == 0)
            return &j->judged[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

typedef struct cond {
    const char *key;
    int grade;               /* highest grade of its articles */
    int found;
} cond;

static int cmp_cond(const void *a, const void *b)
{
    return strcmp(((const cond *)a)->key, ((const cond *)b)->key);
}

/* Scores one query into q; conds is scratch room for j->n conditions. */
static void seealso_topic(eval_seealso_query *q, const eval_topic *j,
                          const eval_topic *r, size_t k, cond *conds)
{
    size_t nc = 0;
    for (size_t i = 0; i < j->n; i++) {
        conds[nc].key = j->judged[i].group;
        conds[nc].grade = j->judged[i].rel;
        conds[nc].found = 0;
        nc++;
    }
    qsort(conds, nc, sizeof *conds, cmp_cond);
    size_t u = 0;            /* merge the articles of one condition */
    for (size_t i = 0; i < nc; i++) {
        if (u > 0 && strcmp(conds[u - 1].key, conds[i].key) == 0) {
            if (conds[i].grade > conds[u - 1].grade)
                conds[u - 1].grade = conds[i].grade;
        } else {
            conds[u++] = conds[i];
        }
    }
    nc = u;
    for (size_t i = 0; r && i < r->n && i < k; i++) {
        const eval_judgment *a = judgment_of(j, r->docs[i].docid);
        if (!a)
            continue;
        cond key = { a->group, 0, 0 };
        cond *c = bsearch(&key, conds, nc, sizeof *conds, cmp_cond);
        if (c)
            c->found = 1;
    }
    q->qid = j->qid;
    q->nret = r ? r->n : 0;
    for (int t = 0; t < 2; t++) {
        q->ncond[t] = q->found[t] = 0;
        for (size_t i = 0; i < nc; i++)
            if (conds[i].grade >= t + 1) {
                q->ncond[t]++;
                q->found[t] += (size_t)conds[i].found;
            }
        size_t d = q->ncond[t] < k ? q->ncond[t] : k;
        q->recall[t] = d ? (double)q->found[t] / (double)d : 0.0;
    }
}

static int cmp_seealso_query(const void *x, const void *y)
{
    return cmp_qid(((const eval_seealso_query *)x)->qid,
                   ((const eval_seealso_query *)y)->qid);
}

int eval_seealso_score(eval_seealso_report *out, const eval_set *qrels,
                       const eval_set *run, size_t k, eval_error *err)
{
    memset(out, 0, sizeof *out);
    if (k == 0)
        return set_error(err, "see also: k must be at least 1");
    size_t most = 0;
    for (size_t i = 0; i < qrels->n; i++) {
        const eval_topic *j = &qrels->topics[i];
        for (size_t a = 0; a < j->n; a++)
            if (!j->judged[a].group)
                return set_error(err, "see also: query %s judges %s without "
                                 "a condition (line %ld has 3 columns, "
                                 "want \"qid condition article grade\")",
                                 j->qid, j->judged[a].docid,
                                 j->judged[a].line);
        if (j->n > most)
            most = j->n;
    }
    cond *conds = most ? malloc(most * sizeof *conds) : NULL;
    if (qrels->n > 0)
        out->q = calloc(qrels->n, sizeof *out->q);
    if ((most && !conds) || (qrels->n > 0 && !out->q)) {
        free(conds);
        eval_seealso_report_free(out);
        return set_error(err, "out of memory");
    }
    for (size_t i = 0; i < qrels->n; i++) {
        const eval_topic *j = &qrels->topics[i], *r = NULL;
        for (size_t x = 0; x < run->n && !r; x++)
            if (strcmp(run->topics[x].qid, j->qid) == 0)
                r = &run->topics[x];
        eval_seealso_query *q = &out->q[out->n];
        seealso_topic(q, j, r, k, conds);
        if (q->ncond[0] == 0)
            continue;
        out->n++;
        for (int t = 0; t < 2; t++)
            if (q->ncond[t] > 0) {
                out->nmean[t]++;
                out->mean[t] += q->recall[t];
            }
    }
    free(conds);
    if (out->n > 1)
        qsort(out->q, out->n, sizeof *out->q, cmp_seealso_query);
    for (int t = 0; t < 2; t++)
        if (out->nmean[t] > 0)
            out->mean[t] /= (double)out->nmean[t];
    return 0;
}

void eval_seealso_report_free(eval_seealso_report *r)
{
    if (!r)
        return;
    free(r->q);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------------
 * Query files
 */

void eval_queries_free(eval_queries *qs)
{
    if (!qs)
        return;
    for (size_t i = 0; i < qs->n; i++) {
        free(qs->qid[i]);
        free(qs->text[i]);
    }
    free(qs->qid);
    free(qs->text);
    memset(qs, 0, sizeof *qs);
}

int eval_queries_load(eval_queries *out, const char *path, eval_error *err)
{
    char *text;
    size_t len, pos = 0, qcap = 0;
    long line = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (read_file(path, &text, &len, err) != 0)
        return -1;
    while (rc == 0 && pos < len) {
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + 1;
        line++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#')
            continue;
        const char *tab = memchr(p, '\t', n);
        if (!tab || tab == p || memchr(p, '\0', n)) {
            rc = set_error(err, "%s:%ld: expected \"qid<TAB>query\"", path,
                           line);
            break;
        }
        if (grow((void **)&out->qid, &out->cap, out->n + 1,
                 sizeof *out->qid) != 0 ||
            grow((void **)&out->text, &qcap, out->n + 1,
                 sizeof *out->text) != 0) {
            rc = set_error(err, "%s:%ld: out of memory", path, line);
            break;
        }
        out->qid[out->n] = dup_span(p, (size_t)(tab - p));
        out->text[out->n] = dup_span(tab + 1, n - (size_t)(tab - p) - 1);
        out->n++;
        if (!out->qid[out->n - 1] || !out->text[out->n - 1])
            rc = set_error(err, "%s:%ld: out of memory", path, line);
    }
    free(text);
    if (rc != 0)
        eval_queries_free(out);
    return rc;
}
