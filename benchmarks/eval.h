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
