/*
 * eval.h -- ranking quality measures over TREC files, computed the way
 * trec_eval (9.x) computes them.
 *
 * Inputs
 *   qrels  "qid iter docid rel" per line (TREC).  A line of three columns,
 *          "qid docid rel", is read as the SMART *.REL layout (MED.REL).
 *          rel is an integer; rel >= 1 is relevant, and for nDCG the gain is
 *          rel itself.  A docid judged twice for one query is an error.
 *   run    "qid Q0 docid rank score tag" per line (TREC).  The rank column is
 *          ignored: as in trec_eval, each query's documents are re-sorted by
 *          score, descending, ties broken by docid in descending strcmp()
 *          order.  A docid retrieved twice for one query is an error.
 * Blank lines are skipped; CRLF line ends and any run of spaces or tabs
 * between columns are accepted.  A malformed line fails the whole load with
 * a message "FILE:LINE: what is wrong".
 *
 * Measures, per query (trec_eval names in brackets)
 *   AP       [map]          sum of precision at each relevant document
 *                           retrieved, divided by the number of relevant
 *                           documents in the qrels (missing ones count 0).
 *   nDCG@10  [ndcg_cut.10]  sum over ranks r <= 10 of gain/log2(r+1),
 *                           divided by the same sum for the ideal order
 *                           (judged gains sorted descending, cut at 10).
 *   P@10     [P_10]         relevant in the top 10, divided by 10.
 *   R@100    [recall_100]   relevant in the top 100 / relevant in qrels.
 *   RR       [recip_rank]   1 / rank of the first relevant document.
 *
 * Averaging: over every query of the qrels that has at least one relevant
 * document, as `trec_eval -c` does, so a query the run does not answer
 * scores 0 on every measure.  Queries of the run that the qrels do not
 * know are ignored.  One difference from trec_eval: a qrels query with no
 * relevant document at all is left out of the means (trec_eval -c would
 * count it as 0 on every measure); its measures are undefined, and keeping
 * it would only scale every mean down.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_EVAL_H
#define SPINE_EVAL_H

#include <stddef.h>

/* Every fallible call returns 0, or -1 and fills err (which may be NULL)
 * with a one-line message. */
typedef struct eval_error {
    char msg[512];
} eval_error;

typedef struct eval_judgment {
    char *docid;
    char *group;             /* the second column of a 4-column qrels line
                                ("iter" in TREC, ignored by eval_score();
                                the condition key of the see-also qrels);
                                NULL for a 3-column line */
    int rel;
    long line;               /* where it was read, for messages */
} eval_judgment;

typedef struct eval_doc {
    char *docid;
    double score;
    long line;               /* where it was read, for messages */
} eval_doc;

/* One query's judgments or retrieved documents. */
typedef struct eval_topic {
    char *qid;
    eval_judgment *judged;   /* qrels: sorted by docid once loaded */
    eval_doc *docs;          /* run: sorted trec_eval's way once loaded */
    size_t n, cap;
} eval_topic;

/* A qrels file or a run: topics in order of first appearance. */
typedef struct eval_set {
    eval_topic *topics;
    size_t n, cap;
} eval_set;

/* Parses qrels from text[0..len) (name is used in messages, e.g. the
 * path).  On success *out owns the data: release with eval_set_free(). */
int eval_qrels_parse(eval_set *out, const char *text, size_t len,
                     const char *name, eval_error *err);
int eval_qrels_load(eval_set *out, const char *path, eval_error *err);

/* The same for a run. */
int eval_run_parse(eval_set *out, const char *text, size_t len,
                   const char *name, eval_error *err);
int eval_run_load(eval_set *out, const char *path, eval_error *err);

/* Releases everything set owns and zeroes it.  Accepts NULL. */
void eval_set_free(eval_set *set);

typedef struct eval_scores {
    double ap, ndcg10, p10, r100, rr;
} eval_scores;

typedef struct eval_query {
    const char *qid;         /* points into the qrels set */
    size_t nrel;             /* relevant documents in the qrels */
    size_t nret;             /* documents the run retrieved */
    size_t relret;           /* relevant documents among them */
    eval_scores s;
} eval_query;

typedef struct eval_report {
    eval_query *q;           /* one per evaluated query, sorted by qid
                                (numerically when both are numbers) */
    size_t n;
    eval_scores mean;        /* all zero when n == 0 */
} eval_report;

/* Scores run against qrels.  The report points into qrels, which must
 * outlive it.  Release with eval_report_free(). */
int eval_score(eval_report *out, const eval_set *qrels, const eval_set *run,
               eval_error *err);
void eval_report_free(eval_report *r);

/* Scores one query: the documents of run topic r (NULL: none retrieved)
 * against the judgments of qrels topic j, whose nrel is given.  Exposed
 * for the tests. */
eval_scores eval_score_topic(const eval_topic *j, size_t nrel,
                             const eval_topic *r);

/* "See also" recall (benchmarks/MEDQUAD-JUDGMENTS.md, "See also").  The
 * qrels are "qid condition-key article-id grade": each judged article
 * belongs to a condition (the group column), and several articles (one a
 * source) may describe one condition.  A condition's grade is the highest
 * grade of its judged articles.  A condition is found by a run when any
 * article judged under its key, whatever that article's own grade, is
 * among the first k of the run's list for the query (trec_eval's order:
 * score descending, then docid descending); two articles of one condition
 * count once, and unjudged articles count for nothing.  For a threshold t
 * (1: grade >= 1; 2: grade 2):
 *
 *   recall@k(t) = found conditions of grade >= t
 *                 / min(k, conditions of grade >= t in the qrels)
 *
 * Per query, for t = 1 and t = 2; the mean at t is over the queries that
 * have at least one condition of grade >= t (others are left out, as in
 * eval_score()); queries of the run the qrels do not know are ignored. */
typedef struct eval_seealso_query {
    const char *qid;         /* points into the qrels set */
    size_t nret;             /* articles the run lists for the query */
    size_t ncond[2];         /* conditions of grade >= 1, of grade 2 */
    size_t found[2];         /* of them, found in the run's first k */
    double recall[2];        /* found / min(k, ncond); 0 when ncond is 0 */
} eval_seealso_query;

typedef struct eval_seealso_report {
    eval_seealso_query *q;   /* every query of the qrels with a condition
                                of grade >= 1, sorted as eval_report's */
    size_t n;
    size_t nmean[2];         /* queries in each mean */
    double mean[2];          /* mean recall at grade >= 1, at grade 2 */
} eval_seealso_report;

/* Scores run's first k articles of each query against see-also qrels (a
 * 4-column file: every judgment has a group).  Returns 0, or -1 with err
 * filled: k == 0, a 3-column judgment, out of memory.  The report points
 * into qrels, which must outlive it.  Release with
 * eval_seealso_report_free(), which accepts NULL. */
int eval_seealso_score(eval_seealso_report *out, const eval_set *qrels,
                       const eval_set *run, size_t k, eval_error *err);
void eval_seealso_report_free(eval_seealso_report *r);

/* A query file for runs: "qid<TAB>text" per line; blank lines and lines
 * starting with '#' are skipped, CRLF accepted.  The programs that write
 * runs (spine-eval --run-spine, spine-bench-peer run) read it. */
typedef struct eval_queries {
    char **qid;
    char **text;
    size_t n, cap;
} eval_queries;

/* Returns 0, or -1 with "FILE:LINE: ..." in err.  Release with
 * eval_queries_free(), which accepts NULL. */
int eval_queries_load(eval_queries *out, const char *path, eval_error *err);
void eval_queries_free(eval_queries *qs);

#endif /* SPINE_EVAL_H */
