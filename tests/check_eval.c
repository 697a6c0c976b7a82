/*
 * check_eval.c -- unit tests for benchmarks/eval.c, the ranking measures of
 * spine-eval: hand-computed cases (the arithmetic is in the comments), ties,
 * queries that retrieve nothing relevant or are missing from the run,
 * malformed input, the SMART ADI collection from ../shared/eval/adi, and
 * "see also" recall (distinct conditions found in the first k).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "testutil.h"

#define EPS 1e-9

static void parse_both(eval_set *qrels, eval_set *run, const char *q,
                       const char *r)
{
    eval_error err;
    ck_assert_msg(eval_qrels_parse(qrels, q, strlen(q), "qrels", &err) == 0,
                  "%s", err.msg);
    ck_assert_msg(eval_run_parse(run, r, strlen(r), "run", &err) == 0,
                  "%s", err.msg);
}

static const eval_query *find_query(const eval_report *rep, const char *qid)
{
    for (size_t i = 0; i < rep->n; i++)
        if (strcmp(rep->q[i].qid, qid) == 0)
            return &rep->q[i];
    return NULL;
}

/* ---- core ------------------------------------------------------------- */

/*
 * Query 1: relevant d1 (rel 1), d3 (rel 2), d5 (rel 1); d9 judged 0.
 *   nrel = 3.  Ranking by score: d3 d2 d1 d4 d9 (d5 not retrieved).
 *   AP     = (1/1 + 2/3) / 3                       = 5/9   = 0.555556
 *   P@10   = 2/10                                           = 0.2
 *   R@100  = 2/3                                            = 0.666667
 *   RR     = 1/1                                            = 1
 *   DCG@10 = 2/log2(2) + 1/log2(4)                 = 2.5
 *   IDCG   = 2/log2(2) + 1/log2(3) + 1/log2(4)     = 3.130930
 *   nDCG   = 2.5 / 3.130930                                 = 0.798485
 * Query 2: relevant d2, d4 (rel 1).  Ranking d1 d3 d4.
 *   AP = (1/3)/2 = 1/6;  P@10 = 0.1;  R@100 = 1/2;  RR = 1/3
 *   nDCG = (1/log2(4)) / (1 + 1/log2(3)) = 0.5 / 1.630930    = 0.306574
 * Query 3: relevant d7, not in the run at all: every measure 0.
 * Query 4: only a rel-0 judgment: left out of the means.
 * Query 99: in the run only: ignored.
 * Means over queries 1-3:
 *   MAP  = (5/9 + 1/6 + 0)/3 = 13/54 = 0.240741
 *   P@10 = 0.3/3 = 0.1;  R@100 = (2/3 + 1/2)/3 = 7/18 = 0.388889
 *   MRR  = (1 + 1/3)/3 = 4/9 = 0.444444
 *   nDCG = (0.798485 + 0.306574)/3 = 0.368353
 * The run lists query 1 in ascending score order and with wrong rank
 * columns: trec_eval (and eval.c) ranks by score only.
 */
static const char *QRELS_A =
    "1 0 d1 1\n"
    "1 0 d3 2\n"
    "1 0 d5 1\n"
    "1 0 d9 0\n"
    "2 0 d2 1\n"
    "2 0 d4 1\n"
    "3 0 d7 1\n"
    "4 0 d1 0\n";
static const char *RUN_A =
    "1 Q0 d9 1 1.0 t\n"
    "1 Q0 d4 2 2.0 t\n"
    "1 Q0 d1 3 3.0 t\n"
    "1 Q0 d2 4 4.0 t\n"
    "1 Q0 d3 5 5.0 t\n"
    "2 Q0 d1 1 3.0 t\n"
    "2 Q0 d3 2 2.0 t\n"
    "2 Q0 d4 3 1.0 t\n"
    "99 Q0 d1 1 9.0 t\n";

START_TEST(test_hand_computed)
{
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run, QRELS_A, RUN_A);
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 3);

    const eval_query *q1 = find_query(&rep, "1");
    ck_assert_ptr_nonnull(q1);
    ck_assert_uint_eq(q1->nrel, 3);
    ck_assert_uint_eq(q1->nret, 5);
    ck_assert_uint_eq(q1->relret, 2);
    ck_assert_double_eq_tol(q1->s.ap, 5.0 / 9.0, EPS);
    ck_assert_double_eq_tol(q1->s.p10, 0.2, EPS);
    ck_assert_double_eq_tol(q1->s.r100, 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(q1->s.rr, 1.0, EPS);
    ck_assert_double_eq_tol(q1->s.ndcg10, 0.798484858, 1e-8);

    const eval_query *q2 = find_query(&rep, "2");
    ck_assert_ptr_nonnull(q2);
    ck_assert_double_eq_tol(q2->s.ap, 1.0 / 6.0, EPS);
    ck_assert_double_eq_tol(q2->s.p10, 0.1, EPS);
    ck_assert_double_eq_tol(q2->s.r100, 0.5, EPS);
    ck_assert_double_eq_tol(q2->s.rr, 1.0 / 3.0, EPS);
    ck_assert_double_eq_tol(q2->s.ndcg10, 0.306573596, 1e-8);

    const eval_query *q3 = find_query(&rep, "3");
    ck_assert_ptr_nonnull(q3);
    ck_assert_uint_eq(q3->nret, 0);
    ck_assert_double_eq(q3->s.ap, 0.0);
    ck_assert_double_eq(q3->s.ndcg10, 0.0);
    ck_assert_double_eq(q3->s.rr, 0.0);
    ck_assert_ptr_null(find_query(&rep, "4"));
    ck_assert_ptr_null(find_query(&rep, "99"));

    ck_assert_double_eq_tol(rep.mean.ap, 13.0 / 54.0, EPS);
    ck_assert_double_eq_tol(rep.mean.p10, 0.1, EPS);
    ck_assert_double_eq_tol(rep.mean.r100, 7.0 / 18.0, EPS);
    ck_assert_double_eq_tol(rep.mean.rr, 4.0 / 9.0, EPS);
    ck_assert_double_eq_tol(rep.mean.ndcg10, 0.368352818, 1e-8);

    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
}
END_TEST

/*
 * Equal scores: trec_eval breaks ties by docid, descending (strcmp), so
 * a, b, c all at 1.0 rank as c, b, a whatever the file order or ranks.
 * Relevant a is then at rank 3: AP = 1/3, RR = 1/3,
 * nDCG = (1/log2(4)) / 1 = 0.5.  Query 2 retrieves only non-relevant
 * documents: every measure is 0 though nret = 2.
 */
START_TEST(test_ties_and_no_relevant_retrieved)
{
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run,
               "1 0 a 1\n1 0 z 0\n2 0 r 1\n",
               "1 Q0 a 1 1.0 t\n1 Q0 b 2 1.0 t\n1 Q0 c 3 1 t\n"
               "2 Q0 x 1 2.5 t\n2 Q0 y 2 2.0 t\n");
    ck_assert_str_eq(run.topics[0].docs[0].docid, "c");
    ck_assert_str_eq(run.topics[0].docs[2].docid, "a");
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 2);
    ck_assert_str_eq(rep.q[0].qid, "1");
    ck_assert_double_eq_tol(rep.q[0].s.ap, 1.0 / 3.0, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.rr, 1.0 / 3.0, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.ndcg10, 0.5, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.p10, 0.1, EPS);
    ck_assert_uint_eq(rep.q[1].nret, 2);
    ck_assert_uint_eq(rep.q[1].relret, 0);
    ck_assert_double_eq(rep.q[1].s.ap, 0.0);
    ck_assert_double_eq(rep.q[1].s.ndcg10, 0.0);
    ck_assert_double_eq(rep.q[1].s.p10, 0.0);
    ck_assert_double_eq(rep.q[1].s.r100, 0.0);
    ck_assert_double_eq(rep.q[1].s.rr, 0.0);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
}
END_TEST

/*
 * Twelve relevant documents retrieved first, in order, then 100 others:
 * AP = 1, P@10 = 1, R@100 = 1, RR = 1, and nDCG@10 = 1 because the ideal
 * ranking is cut at 10 as well.  Relevant documents past rank 100 do not
 * count for R@100: with 2 more relevant docs at ranks 113 and 114,
 * R@100 = 12/14.
 */
START_TEST(test_cutoffs)
{
    char *q = malloc(4096), *r = malloc(16384);
    size_t nq = 0, nr = 0;
    for (int i = 0; i < 14; i++)
        nq += (size_t)snprintf(q + nq, 4096 - nq, "7 0 rel%02d 1\n", i);
    for (int i = 0; i < 12; i++)
        nr += (size_t)snprintf(r + nr, 16384 - nr, "7 Q0 rel%02d %d %d t\n",
                               i, i + 1, 1000 - i);
    for (int i = 0; i < 100; i++)
        nr += (size_t)snprintf(r + nr, 16384 - nr, "7 Q0 junk%03d %d %d t\n",
                               i, i + 13, 900 - i);
    nr += (size_t)snprintf(r + nr, 16384 - nr,
                           "7 Q0 rel12 113 10 t\n7 Q0 rel13 114 9 t\n");
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run, q, r);
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 1);
    ck_assert_double_eq_tol(rep.q[0].s.p10, 1.0, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.ndcg10, 1.0, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.rr, 1.0, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.r100, 12.0 / 14.0, EPS);
    /* AP = (12 + 13/113 + 14/114) / 14 */
    ck_assert_double_eq_tol(rep.q[0].s.ap,
                            (12.0 + 13.0 / 113.0 + 14.0 / 114.0) / 14.0, EPS);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
    free(q);
    free(r);
}
END_TEST

/*
 * Graded gains: judged d1 rel 3, d2 rel 1.  Ranking d2, d1:
 * DCG = 1/log2(2) + 3/log2(3) = 1 + 1.892789 = 2.892789
 * IDCG = 3/log2(2) + 1/log2(3) = 3 + 0.630930 = 3.630930
 * nDCG = 0.796708.  Binary measures treat both as relevant: AP = 1.
 */
START_TEST(test_graded_ndcg)
{
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run, "5 0 d1 3\n5 0 d2 1\n",
               "5 Q0 d2 1 2 t\n5 Q0 d1 2 1 t\n");
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    double dcg = 1.0 + 3.0 / log2(3.0), idcg = 3.0 + 1.0 / log2(3.0);
    ck_assert_double_eq_tol(rep.q[0].s.ndcg10, dcg / idcg, EPS);
    ck_assert_double_eq_tol(rep.q[0].s.ndcg10, 0.7967084, 1e-6);
    ck_assert_double_eq_tol(rep.q[0].s.ap, 1.0, EPS);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
}
END_TEST

/* Files: CRLF line ends, tabs and runs of blanks, blank lines, the SMART
 * three-column layout (MED.REL), numeric query order (2 before 10). */
START_TEST(test_files_crlf_and_smart_layout)
{
    char *dir = tu_mkdtemp();
    char *qp = tu_path(dir, "qrels"), *rp = tu_path(dir, "run");
    const char *q = "10 d1 1\r\n\r\n2   d2\t1\r\n2 d3 1\r\n";
    const char *r = "10\tQ0\td1\t1\t0.5\tx\r\n2 Q0 d3 1 0.7 x\r\n"
                    "2 Q0 d9 2 0.6 x\r\n2 Q0 d2 3 0.5 x\r\n";
    ck_assert_int_eq(tu_write_file(qp, q, strlen(q)), 0);
    ck_assert_int_eq(tu_write_file(rp, r, strlen(r)), 0);
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    ck_assert_msg(eval_qrels_load(&qrels, qp, &err) == 0, "%s", err.msg);
    ck_assert_msg(eval_run_load(&run, rp, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 2);
    ck_assert_str_eq(rep.q[0].qid, "2");
    ck_assert_str_eq(rep.q[1].qid, "10");
    /* Query 2: d3 rank 1, d2 rank 3: AP = (1 + 2/3)/2 = 5/6. */
    ck_assert_double_eq_tol(rep.q[0].s.ap, 5.0 / 6.0, EPS);
    ck_assert_double_eq_tol(rep.q[1].s.ap, 1.0, EPS);
    ck_assert_double_eq_tol(rep.mean.ap, (5.0 / 6.0 + 1.0) / 2.0, EPS);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
    tu_rmtree(dir);
    free(qp);
    free(rp);
    free(dir);
}
END_TEST

/* An empty run scores every judged query 0; empty qrels evaluate nothing. */
START_TEST(test_empty_inputs)
{
    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run, "1 0 a 1\n", "");
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 1);
    ck_assert_double_eq(rep.mean.ap, 0.0);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);

    parse_both(&qrels, &run, "\n", "1 Q0 a 1 1 t\n");
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_uint_eq(rep.n, 0);
    ck_assert_double_eq(rep.mean.ndcg10, 0.0);
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
}
END_TEST

/* ---- ADI (SMART collection, ../shared/eval/adi) ------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    size_t got;
    while ((got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            p = realloc(p, cap *= 2);
    }
    fclose(f);
    *len = n;
    return p;
}

/*
 * ADI.REL lines are "qid docid 0 0.000000" (every listed pair relevant).
 * They become qrels "qid 0 docid 1".  The run puts two unjudged documents
 * first, then each query's relevant documents in reverse order.  With n
 * relevant documents per query the measures are then, independently of
 * eval.c's loop:
 *   AP    = (1/n) sum_{i=1..n} i/(i+2)
 *   P@10  = min(n, 8)/10,   R@100 = min(n, 98)/n,   RR = 1/3
 *   nDCG  = sum_{r=3..min(10, n+2)} 1/log2(r+1)
 *           / sum_{r=1..min(10, n)} 1/log2(r+1)
 */
START_TEST(test_adi)
{
    char *path = tu_path(SPINE_SHARED, "eval/adi/ADI.REL");
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "check_eval: %s absent, ADI case skipped\n", path);
        free(path);
        return;
    }
    enum { MAXQ = 100, MAXD = 200 };
    int nrel[MAXQ] = { 0 };
    int docs[MAXQ][MAXD];
    size_t qcap = len * 2 + 64, rcap = len * 8 + 64 * MAXQ;
    char *q = malloc(qcap), *r = malloc(rcap);
    size_t nq = 0, nr = 0;
    int nqueries = 0;

    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        int qid, doc;
        if (sscanf(line, "%d %d", &qid, &doc) != 2)
            continue;
        ck_assert(qid > 0 && qid < MAXQ && nrel[qid] < MAXD);
        if (nrel[qid] == 0)
            nqueries++;
        docs[qid][nrel[qid]++] = doc;
        nq += (size_t)snprintf(q + nq, qcap - nq, "%d 0 %d 1\n", qid, doc);
    }
    ck_assert_int_gt(nqueries, 20);
    for (int qid = 1; qid < MAXQ; qid++) {
        if (nrel[qid] == 0)
            continue;
        nr += (size_t)snprintf(r + nr, rcap - nr,
                               "%d Q0 noise1 1 1000 t\n%d Q0 noise2 2 999 t\n",
                               qid, qid);
        for (int k = 0; k < nrel[qid]; k++)   /* last listed scores highest */
            nr += (size_t)snprintf(r + nr, rcap - nr, "%d Q0 %d %d %d t\n",
                                   qid, docs[qid][k], nrel[qid] - k + 2,
                                   k + 1);
    }

    eval_set qrels, run;
    eval_report rep;
    eval_error err;
    parse_both(&qrels, &run, q, r);
    ck_assert_int_eq(eval_score(&rep, &qrels, &run, &err), 0);
    ck_assert_int_eq((int)rep.n, nqueries);

    double map = 0, mndcg = 0, mp10 = 0, mr100 = 0;
    for (size_t i = 0; i < rep.n; i++) {
        const eval_query *e = &rep.q[i];
        int n = nrel[atoi(e->qid)];
        double ap = 0, dcg = 0, idcg = 0;
        for (int k = 1; k <= n; k++)
            ap += (double)k / (k + 2);
        ap /= n;
        for (int rk = 3; rk <= 10 && rk <= n + 2; rk++)
            dcg += 1.0 / log2(rk + 1.0);
        for (int rk = 1; rk <= 10 && rk <= n; rk++)
            idcg += 1.0 / log2(rk + 1.0);
        double p10 = (n < 8 ? n : 8) / 10.0;
        double r100 = (double)(n < 98 ? n : 98) / n;
        ck_assert_uint_eq(e->nrel, (size_t)n);
        ck_assert_uint_eq(e->relret, (size_t)n);
        ck_assert_double_eq_tol(e->s.ap, ap, EPS);
        ck_assert_double_eq_tol(e->s.p10, p10, EPS);
        ck_assert_double_eq_tol(e->s.r100, r100, EPS);
        ck_assert_double_eq_tol(e->s.rr, 1.0 / 3.0, EPS);
        ck_assert_double_eq_tol(e->s.ndcg10, dcg / idcg, EPS);
        map += ap;
        mndcg += dcg / idcg;
        mp10 += p10;
        mr100 += r100;
    }
    ck_assert_double_eq_tol(rep.mean.ap, map / nqueries, EPS);
    ck_assert_double_eq_tol(rep.mean.ndcg10, mndcg / nqueries, EPS);
    ck_assert_double_eq_tol(rep.mean.p10, mp10 / nqueries, EPS);
    ck_assert_double_eq_tol(rep.mean.r100, mr100 / nqueries, EPS);
    ck_assert_double_eq_tol(rep.mean.rr, 1.0 / 3.0, EPS);

    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
    free(q);
    free(r);
    free(text);
    free(path);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

/* Parses text as qrels (is_run 0) or a run and expects a failure whose
 * message contains want. */
static void expect_error(int is_run, const char *text, const char *want)
{
    eval_set set;
    eval_error err;
    int rc = is_run ? eval_run_parse(&set, text, strlen(text), "f.txt", &err)
                    : eval_qrels_parse(&set, text, strlen(text), "f.txt",
                                       &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, want) != NULL, "message \"%s\" lacks "
                  "\"%s\"", err.msg, want);
    ck_assert_ptr_null(set.topics);
    ck_assert_uint_eq(set.n, 0);
}

START_TEST(test_malformed_qrels)
{
    expect_error(0, "1 0 a 1\n1 0 b\n", "f.txt:2:");
    expect_error(0, "1 0 a 1\n\n1 0 b x\n", "f.txt:3: relevance \"x\"");
    expect_error(0, "1 0 a 1.5\n", "f.txt:1: relevance");
    expect_error(0, "1 0 a 1 extra\n", "f.txt:1: expected");
    expect_error(0, "1\n", "found 1");
    expect_error(0, "1 0 a 1\r\n1 0 b 0\r\n1 0 a 0\r\n",
                 "f.txt:3: query 1 judges document a again (first on "
                 "line 1)");
}
END_TEST

START_TEST(test_malformed_run)
{
    expect_error(1, "1 Q0 a 1 1.0\n", "f.txt:1: expected \"qid Q0 docid");
    expect_error(1, "1 Q0 a 1 1.0 t\n1 Q0 b 2 high t\n",
                 "f.txt:2: score \"high\" is not a number");
    expect_error(1, "1 Q0 a 1 nan t\n", "f.txt:1: score");
    expect_error(1, "1 Q0 a 1 1 t\n2 Q0 a 1 1 t\n1 Q0 a 2 0.5 t\n",
                 "f.txt:3: query 1 retrieves document a again (first on "
                 "line 1)");
    expect_error(1, "1 Q0 a 1 1 t x y z\n", "more than");
}
END_TEST

START_TEST(test_missing_file)
{
    eval_set set;
    eval_error err;
    ck_assert_int_eq(eval_qrels_load(&set, "/nonexistent/qrels", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/qrels"));
    ck_assert_int_eq(eval_run_load(&set, "/nonexistent/run", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/run"));
    /* The free functions accept NULL. */
    eval_set_free(NULL);
    eval_report_free(NULL);
}
END_TEST

/* Query files: "qid<TAB>text", CRLF, blank and '#' lines skipped; a line
 * without a tab is an error naming the file and line. */
START_TEST(test_query_file)
{
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "queries.tsv");
    const char *good = "# MED\r\n1\tthe crystalline lens\r\n\r\n"
                       "2\tblood and cerebrospinal fluid\n";
    eval_queries qs;
    eval_error err;
    ck_assert_int_eq(tu_write_file(path, good, strlen(good)), 0);
    ck_assert_msg(eval_queries_load(&qs, path, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(qs.n, 2);
    ck_assert_str_eq(qs.qid[0], "1");
    ck_assert_str_eq(qs.text[0], "the crystalline lens");
    ck_assert_str_eq(qs.qid[1], "2");
    ck_assert_str_eq(qs.text[1], "blood and cerebrospinal fluid");
    eval_queries_free(&qs);
    eval_queries_free(NULL);

    const char *bad = "1\tok\n2 no tab here\n";
    ck_assert_int_eq(tu_write_file(path, bad, strlen(bad)), 0);
    ck_assert_int_eq(eval_queries_load(&qs, path, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "queries.tsv:2: expected"));
    ck_assert_uint_eq(qs.n, 0);
    tu_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

/* ---- see also ----------------------------------------------------------- */

/*
 * "See also" qrels: qid condition article grade.
 * q1: stones (a1 grade 2, a2 grade 1, a3 grade 0: the condition is grade 2),
 *     bones (b1, 1), aorta (c1, 2), endo (e1, 1), self (s1, 0: not relevant).
 *     Conditions of grade >= 1: 4; of grade 2: 2 (stones, aorta).
 *     Run by score: a2 a1 s1 c1 x9 (x9 unjudged).
 *     k = 3: top a2 a1 s1 -> stones only (two articles, one condition).
 *       recall(>=1) = 1 / min(3, 4) = 1/3;  recall(2) = 1 / min(3, 2) = 1/2
 *       (counting articles would give 2/3 and 2/2).
 *     k = 10: stones and aorta: 2/4 = 1/2 and 2/2 = 1.
 * q2: r (r1 grade 2, r2 grade 0), p (p1 grade 1).  Run: r2 x8 p1.
 *     k = 3: r found through its grade-0 article r2, p through p1:
 *       recall(>=1) = 2/2 = 1, recall(2) = 1/1 = 1
 *       (taking the listed article's own grade, 0, would miss r).
 * q3: one grade-1 condition, no run: recall 0 at >= 1, no grade-2 mean.
 * q4: grade 0 only: not scored.
 * Means at k = 3: (1/3 + 1 + 0)/3 = 4/9 over 3 queries at >= 1;
 *                 (1/2 + 1)/2 = 3/4 over 2 queries at grade 2.
 */
static const char *SEE_QRELS =
    "q1 stones a1 2\n" "q1 stones a2 1\n" "q1 stones a3 0\n"
    "q1 bones b1 1\n" "q1 aorta c1 2\n" "q1 endo e1 1\n" "q1 self s1 0\n"
    "q2 r r1 2\n" "q2 r r2 0\n" "q2 p p1 1\n"
    "q3 lone l1 1\n"
    "q4 none n1 0\n";
static const char *SEE_RUN =
    "q1 Q0 a2 1 0.9 t\n" "q1 Q0 a1 2 0.8 t\n" "q1 Q0 s1 3 0.7 t\n"
    "q1 Q0 c1 4 0.6 t\n" "q1 Q0 x9 5 0.5 t\n"
    "q2 Q0 r2 1 3 t\n" "q2 Q0 x8 2 2 t\n" "q2 Q0 p1 3 1 t\n";

static const eval_seealso_query *see_query(const eval_seealso_report *r,
                                           const char *qid)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->q[i].qid, qid) == 0)
            return &r->q[i];
    return NULL;
}

START_TEST(test_see_also_recall)
{
    eval_set qrels, run;
    eval_seealso_report rep;
    eval_error err;
    parse_both(&qrels, &run, SEE_QRELS, SEE_RUN);

    ck_assert_msg(eval_seealso_score(&rep, &qrels, &run, 3, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(rep.n, 3);               /* q4 has no relevant one */
    ck_assert_str_eq(rep.q[0].qid, "q1");
    ck_assert_str_eq(rep.q[2].qid, "q3");
    const eval_seealso_query *q = see_query(&rep, "q1");
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q->ncond[0], 4);
    ck_assert_uint_eq(q->ncond[1], 2);
    ck_assert_uint_eq(q->found[0], 1);
    ck_assert_uint_eq(q->found[1], 1);
    ck_assert_uint_eq(q->nret, 5);
    ck_assert_double_eq_tol(q->recall[0], 1.0 / 3.0, EPS);
    ck_assert_double_eq_tol(q->recall[1], 0.5, EPS);
    q = see_query(&rep, "q2");
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q->found[0], 2);
    ck_assert_double_eq_tol(q->recall[0], 1.0, EPS);
    ck_assert_double_eq_tol(q->recall[1], 1.0, EPS);
    q = see_query(&rep, "q3");
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q->nret, 0);
    ck_assert_uint_eq(q->ncond[1], 0);
    ck_assert_double_eq_tol(q->recall[0], 0.0, EPS);
    ck_assert_ptr_null(see_query(&rep, "q4"));
    ck_assert_uint_eq(rep.nmean[0], 3);
    ck_assert_uint_eq(rep.nmean[1], 2);
    ck_assert_double_eq_tol(rep.mean[0], 4.0 / 9.0, EPS);
    ck_assert_double_eq_tol(rep.mean[1], 0.75, EPS);
    eval_seealso_report_free(&rep);

    /* A deeper cut reaches aorta in q1; the denominator stays the number
     * of relevant conditions while it is under k. */
    ck_assert_int_eq(eval_seealso_score(&rep, &qrels, &run, 10, &err), 0);
    q = see_query(&rep, "q1");
    ck_assert_ptr_nonnull(q);
    ck_assert_double_eq_tol(q->recall[0], 0.5, EPS);
    ck_assert_double_eq_tol(q->recall[1], 1.0, EPS);
    eval_seealso_report_free(&rep);
    eval_seealso_report_free(NULL);

    /* k = 0 is refused. */
    ck_assert_int_eq(eval_seealso_score(&rep, &qrels, &run, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "k must be"));
    eval_set_free(&qrels);
    eval_set_free(&run);
}
END_TEST

/* Twelve relevant conditions and k = 10: the denominator is 10, so ten
 * distinct ones found give 1 even though two are missing. */
START_TEST(test_see_also_denominator_capped)
{
    char q[2048], r[2048];
    size_t qn = 0, rn = 0;
    for (int i = 0; i < 12; i++) {
        qn += (size_t)snprintf(q + qn, sizeof q - qn, "x c%d d%d 1\n", i, i);
        if (i < 10)
            rn += (size_t)snprintf(r + rn, sizeof r - rn,
                                   "x Q0 d%d %d %d t\n", i, i + 1, 100 - i);
    }
    eval_set qrels, run;
    eval_seealso_report rep;
    eval_error err;
    parse_both(&qrels, &run, q, r);
    ck_assert_int_eq(eval_seealso_score(&rep, &qrels, &run, 10, &err), 0);
    ck_assert_uint_eq(rep.n, 1);
    ck_assert_uint_eq(rep.q[0].found[0], 10);
    ck_assert_double_eq_tol(rep.q[0].recall[0], 1.0, EPS);
    ck_assert_uint_eq(rep.nmean[1], 0);        /* no grade 2 at all */
    ck_assert_double_eq_tol(rep.mean[1], 0.0, EPS);
    eval_seealso_report_free(&rep);
    eval_set_free(&qrels);
    eval_set_free(&run);
}
END_TEST

/* The 3-column SMART layout has no condition: refused, naming the line. */
START_TEST(test_see_also_needs_conditions)
{
    eval_set qrels, run;
    eval_seealso_report rep;
    eval_error err;
    parse_both(&qrels, &run, "q1 a1 1\n", "q1 Q0 a1 1 1 t\n");
    ck_assert_ptr_null(qrels.topics[0].judged[0].group);
    ck_assert_int_eq(eval_seealso_score(&rep, &qrels, &run, 10, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "line 1"));
    ck_assert_ptr_null(rep.q);
    eval_set_free(&qrels);
    eval_set_free(&run);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_hand_computed);
    tcase_add_test(core, test_ties_and_no_relevant_retrieved);
    tcase_add_test(core, test_cutoffs);
    tcase_add_test(core, test_graded_ndcg);
    tcase_add_test(core, test_files_crlf_and_smart_layout);
    tcase_add_test(core, test_empty_inputs);
    tcase_add_test(core, test_adi);
    tcase_add_test(core, test_see_also_recall);
    tcase_add_test(core, test_see_also_denominator_capped);
    tcase_add_test(core, test_see_also_needs_conditions);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_malformed_qrels);
    tcase_add_test(errors, test_malformed_run);
    tcase_add_test(errors, test_missing_file);
    tcase_add_test(errors, test_query_file);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(eval_suite());
}
