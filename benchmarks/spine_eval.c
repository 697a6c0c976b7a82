/*
 * spine_eval.c -- spine-eval: ranking quality of a TREC run against TREC
 * qrels (MAP, nDCG@10, P@10, R@100, MRR with trec_eval's definitions; see
 * eval.h), and a TREC run of Spine itself over a query file.
 *
 *   spine-eval [--markdown] [--name NAME] [--quiet] QRELS RUN
 *       Prints a per-query table, the means, and a RESULT line of
 *       key=value figures; --markdown prints the means as a Markdown table
 *       instead, --quiet leaves out the per-query rows.
 *   spine-eval --run-spine INDEX_DIR QUERIES.tsv [--k N] [--and] [--expand]
 *              [--spelling] [--tag T]
 *       Answers each "qid<TAB>text" line of QUERIES.tsv through libspine
 *       (top N, default 1000; OR semantics unless --and; no snippets; no
 *       spelling correction unless --spelling, which searches a close
 *       correction instead as spine-search does) and writes a TREC run on
 *       standard output:
 *       "qid Q0 article-id rank score tag".
 *   spine-eval --see-also [--k N] [--name NAME] [--quiet] QRELS RUN
 *       Scores the first N (default 10) articles of each query of RUN
 *       against "see also" qrels ("qid condition-key article-id grade"):
 *       the distinct related conditions found, over min(N, judged ones),
 *       at grade >= 1 and at grade 2 (eval.h, eval_seealso_score()).
 *   spine-eval --run-spine-see-also INDEX_DIR QUERIES.tsv [--k N]
 *              [--spelling] [--tag T]
 *       The "See also" list of each query (spine_search() with
 *       see_also = N, default 10) as a TREC run, one line an entry.
 *   spine-eval --run-spine-related INDEX_DIR QUERIES.tsv [--k N]
 *              [--spelling] [--tag T]
 *       The N (default 10) articles spine_related() lists for each
 *       query's top hit, as a TREC run (a baseline for the see-also set).
 *
 * Exit status: 0 done, 2 error (a message on stderr names the file and
 * line, or the query).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "spine/search.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-eval [--markdown] [--name NAME] [--quiet] QRELS RUN\n"
"       spine-eval --run-spine INDEX_DIR QUERIES.tsv [--k N] [--and] [--expand]\n"
"                  [--spelling] [--tag TAG]\n"
"       spine-eval --see-also [--k N] [--name NAME] [--quiet] QRELS RUN\n"
"       spine-eval --run-spine-see-also|--run-spine-related INDEX_DIR\n"
"                  QUERIES.tsv [--k N] [--spelling] [--tag TAG]\n"
"Scores a TREC run against TREC qrels (MAP, nDCG@10, P@10, R@100, MRR, as\n"
"trec_eval -c computes them), or writes Spine's own TREC run for a file of\n"
"\"qid<TAB>query\" lines.\n");
}

/* ------------------------------------------------------------------------
 * Scoring a run
 */

/* Loads the judgments of qrels_path into *qrels and the run of run_path
 * into *run; on failure says why and returns 2, with nothing left to
 * free.  Release both with eval_set_free(). */
static int load_judged_run(eval_set *qrels, eval_set *run,
                           const char *qrels_path, const char *run_path)
{
    eval_error err;
    if (eval_qrels_load(qrels, qrels_path, &err) != 0) {
        fprintf(stderr, "spine-eval: %s\n", err.msg);
        return 2;
    }
    if (eval_run_load(run, run_path, &err) != 0) {
        fprintf(stderr, "spine-eval: %s\n", err.msg);
        eval_set_free(qrels);
        return 2;
    }
    return 0;
}

static int cmd_score(const char *qrels_path, const char *run_path,
                     const char *name, int markdown, int quiet)
{
    eval_set qrels, run;
    eval_report rep;
    eval_error err;

    if (load_judged_run(&qrels, &run, qrels_path, run_path) != 0)
        return 2;
    if (eval_score(&rep, &qrels, &run, &err) != 0) {
        fprintf(stderr, "spine-eval: %s\n", err.msg);
        eval_set_free(&run);
        eval_set_free(&qrels);
        return 2;
    }
    if (rep.n == 0)
        fprintf(stderr, "spine-eval: warning: %s has no query with a "
                        "relevant document\n", qrels_path);

    const eval_scores *m = &rep.mean;
    if (markdown) {
        printf("| run | queries | MAP | nDCG@10 | P@10 | R@100 | MRR |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n"
               "| %s | %zu | %.4f | %.4f | %.4f | %.4f | %.4f |\n",
               name, rep.n, m->ap, m->ndcg10, m->p10, m->r100, m->rr);
    } else {
        size_t relret = 0, nrel = 0, nret = 0;
        printf("%-10s %5s %6s %6s %7s %7s %7s %7s %7s\n", "qid", "rel",
               "ret", "relret", "AP", "nDCG@10", "P@10", "R@100", "RR");
        for (size_t i = 0; i < rep.n; i++) {
            const eval_query *q = &rep.q[i];
            nrel += q->nrel;
            nret += q->nret;
            relret += q->relret;
            if (!quiet)
                printf("%-10s %5zu %6zu %6zu %7.4f %7.4f %7.4f %7.4f "
                       "%7.4f\n", q->qid, q->nrel, q->nret, q->relret,
                       q->s.ap, q->s.ndcg10, q->s.p10, q->s.r100, q->s.rr);
        }
        printf("%-10s %5zu %6zu %6zu %7.4f %7.4f %7.4f %7.4f %7.4f\n",
               "all", nrel, nret, relret, m->ap, m->ndcg10, m->p10,
               m->r100, m->rr);
        printf("RESULT run=%s queries=%zu map=%.4f ndcg10=%.4f p10=%.4f "
               "r100=%.4f mrr=%.4f\n", name, rep.n, m->ap, m->ndcg10,
               m->p10, m->r100, m->rr);
    }
    eval_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
    return 0;
}

/* Scores a run with eval_seealso_score(): per-query rows (unless quiet),
 * the means and a RESULT line. */
static int cmd_score_see_also(const char *qrels_path, const char *run_path,
                              const char *name, size_t k, int quiet)
{
    eval_set qrels, run;
    eval_seealso_report rep;
    eval_error err;

    if (load_judged_run(&qrels, &run, qrels_path, run_path) != 0)
        return 2;
    if (eval_seealso_score(&rep, &qrels, &run, k, &err) != 0) {
        fprintf(stderr, "spine-eval: %s: %s\n", qrels_path, err.msg);
        eval_set_free(&run);
        eval_set_free(&qrels);
        return 2;
    }
    if (rep.n == 0)
        fprintf(stderr, "spine-eval: warning: %s has no query with a "
                        "relevant condition\n", qrels_path);
    printf("%-10s %5s %6s %6s %6s %6s %8s %8s\n", "qid", "ret", "cond1",
           "found1", "cond2", "found2", "R1@k", "R2@k");
    for (size_t i = 0; !quiet && i < rep.n; i++) {
        const eval_seealso_query *q = &rep.q[i];
        printf("%-10s %5zu %6zu %6zu %6zu %6zu %8.4f ", q->qid, q->nret,
               q->ncond[0], q->found[0], q->ncond[1], q->found[1],
               q->recall[0]);
        if (q->ncond[1] > 0)
            printf("%8.4f\n", q->recall[1]);
        else
            printf("%8s\n", "-");
    }
    printf("%-10s %5s %6s %6s %6s %6s %8.4f %8.4f\n", "all", "", "", "",
           "", "", rep.mean[0], rep.mean[1]);
    printf("RESULT run=%s k=%zu queries=%zu queries2=%zu recall1=%.4f "
           "recall2=%.4f\n", name, k, rep.nmean[0], rep.nmean[1],
           rep.mean[0], rep.mean[1]);
    eval_seealso_report_free(&rep);
    eval_set_free(&run);
    eval_set_free(&qrels);
    return 0;
}

/* ------------------------------------------------------------------------
 * Running Spine
 */

enum { LIST_SEE_ALSO = 1, LIST_RELATED = 2 };

/* Loads the queries of qpath into *qs and opens the index at index into
 * *s, for a run; on failure says why and returns 2, with nothing left to
 * free.  Release both with run_close(). */
static int run_open(eval_queries *qs, spine_searcher **s, const char *index,
                    const char *qpath)
{
    eval_error err;
    spine_error se;
    if (eval_queries_load(qs, qpath, &err) != 0) {
        fprintf(stderr, "spine-eval: %s\n", err.msg);
        return 2;
    }
    if (spine_searcher_open(s, index, &se) != 0) {
        fprintf(stderr, "spine-eval: %s\n", se.msg);
        eval_queries_free(qs);
        return 2;
    }
    return 0;
}

/* Ends a run begun by run_open() whose status so far is rc: flushes the
 * run written to standard output, frees qs and s, and returns rc, or 2
 * when the run could not be written. */
static int run_close(eval_queries *qs, spine_searcher *s, int rc)
{
    if (rc == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "spine-eval: writing the run: %s\n",
                strerror(errno));
        rc = 2;
    }
    eval_queries_free(qs);
    spine_searcher_free(s);
    return rc;
}

/* Writes, for each query, its "See also" list (LIST_SEE_ALSO) or the
 * articles spine_related() lists for its top hit (LIST_RELATED), k
 * entries at most, as TREC run lines; a query with no hit, or no entry,
 * writes none. */
static int cmd_run_list(const char *index, const char *qpath, unsigned k,
                        int spelling, int which, const char *tag)
{
    spine_searcher *s = NULL;
    spine_error se;
    eval_queries qs;
    int rc = 0;

    if (run_open(&qs, &s, index, qpath) != 0)
        return 2;
    spine_query_options qo = SPINE_QUERY_OPTIONS_INIT;
    qo.snippets = 0;
    qo.spelling = spelling;
    if (which == LIST_SEE_ALSO) {
        qo.see_also = k;
        qo.limit = 10;
    } else {
        qo.limit = 1;
    }

    for (size_t i = 0; rc == 0 && i < qs.n; i++) {
        spine_results *r = NULL, *rel = NULL;
        if (spine_search(&r, s, qs.text[i], &qo, &se) != 0) {
            fprintf(stderr, "spine-eval: %s: query %s: %s\n", qpath,
                    qs.qid[i], se.msg);
            rc = 2;
            break;
        }
        if (which == LIST_SEE_ALSO) {
            for (size_t h = 0; h < r->nsee_also && h < k; h++)
                printf("%s Q0 %s %zu %.9g %s\n", qs.qid[i],
                       r->see_also[h].id, h + 1,
                       (double)(r->nsee_also - h), tag);
        } else if (r->nhits > 0) {
            spine_query_options ro = SPINE_QUERY_OPTIONS_INIT;
            ro.limit = k;
            ro.snippets = 0;
            if (spine_related(&rel, s, r->hits[0].id, &ro, &se) != 0) {
                fprintf(stderr, "spine-eval: %s: query %s: related %s: "
                        "%s\n", qpath, qs.qid[i], r->hits[0].id, se.msg);
                rc = 2;
            }
            for (size_t h = 0; rel && h < rel->nhits; h++)
                printf("%s Q0 %s %zu %.9g %s\n", qs.qid[i], rel->hits[h].id,
                       h + 1, (double)(rel->nhits - h), tag);
            spine_results_free(rel);
        }
        spine_results_free(r);
    }
    return run_close(&qs, s, rc);
}

static int cmd_run_spine(const char *index, const char *qpath, unsigned k,
                         int match_all, int expand, int spelling,
                         const char *tag)
{
    spine_searcher *s = NULL;
    spine_error se;
    eval_queries qs;
    int rc = 0;

    if (run_open(&qs, &s, index, qpath) != 0)
        return 2;
    spine_query_options qo = SPINE_QUERY_OPTIONS_INIT;
    qo.limit = k;
    qo.match_all = match_all;
    qo.expand = expand;
    qo.snippets = 0;
    qo.spelling = spelling;             /* and with it, auto-correction */

    for (size_t i = 0; rc == 0 && i < qs.n; i++) {
        spine_results *r = NULL;
        if (spine_search(&r, s, qs.text[i], &qo, &se) != 0) {
            fprintf(stderr, "spine-eval: %s: query %s: %s\n", qpath,
                    qs.qid[i], se.msg);
            rc = 2;
            break;
        }
        for (size_t h = 0; h < r->nhits; h++)
            printf("%s Q0 %s %u %.9g %s\n", qs.qid[i], r->hits[h].id,
                   r->hits[h].rank, r->hits[h].score, tag);
        spine_results_free(r);
    }
    return run_close(&qs, s, rc);
}

int main(int argc, char **argv)
{
    const char *name = "run", *tag = "spine", *run_index = NULL;
    const char *pos[2] = { NULL, NULL };
    int npos = 0, markdown = 0, quiet = 0, match_all = 0, expand = 0;
    int spelling = 0, see_also = 0, list = 0, k_given = 0;
    unsigned long k = 1000;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--markdown") == 0) {
            markdown = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--and") == 0) {
            match_all = 1;
        } else if (strcmp(a, "--expand") == 0) {
            expand = 1;
        } else if (strcmp(a, "--spelling") == 0) {
            spelling = 1;
        } else if (strcmp(a, "--see-also") == 0) {
            see_also = 1;
        } else if ((strcmp(a, "--name") == 0 || strcmp(a, "--tag") == 0 ||
                    strcmp(a, "--k") == 0 || strcmp(a, "--run-spine") == 0 ||
                    strcmp(a, "--run-spine-see-also") == 0 ||
                    strcmp(a, "--run-spine-related") == 0)
                   && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(a, "--name") == 0) {
                name = v;
            } else if (strcmp(a, "--tag") == 0) {
                tag = v;
            } else if (strcmp(a, "--run-spine") == 0) {
                run_index = v;
                list = 0;
            } else if (strcmp(a, "--run-spine-see-also") == 0) {
                run_index = v;
                list = LIST_SEE_ALSO;
            } else if (strcmp(a, "--run-spine-related") == 0) {
                run_index = v;
                list = LIST_RELATED;
            } else {
                k_given = 1;
                char *end;
                errno = 0;
                k = strtoul(v, &end, 10);
                if (errno || *end || end == v || k == 0 ||
                    k > SPINE_MAX_LIMIT) {
                    fprintf(stderr, "spine-eval: --k wants 1..%d, not %s\n",
                            SPINE_MAX_LIMIT, v);
                    return 2;
                }
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spine-eval: unknown option or missing value: "
                            "%s\n", a);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (list && !k_given)
        k = 10;
    if (list == LIST_SEE_ALSO && k > SPINE_MAX_SEE_ALSO) {
        fprintf(stderr, "spine-eval: --run-spine-see-also: --k wants "
                        "1..%d\n", SPINE_MAX_SEE_ALSO);
        return 2;
    }
    if (run_index && list) {
        if (npos != 1 || see_also) {
            usage(stderr);
            return 2;
        }
        return cmd_run_list(run_index, pos[0], (unsigned)k, spelling, list,
                            tag);
    }
    if (run_index) {
        if (npos != 1) {
            usage(stderr);
            return 2;
        }
        return cmd_run_spine(run_index, pos[0], (unsigned)k, match_all,
                             expand, spelling, tag);
    }
    if (npos != 2) {
        usage(stderr);
        return 2;
    }
    if (see_also)
        return cmd_score_see_also(pos[0], pos[1], name,
                                  k_given ? (size_t)k : 10, quiet);
    return cmd_score(pos[0], pos[1], name, markdown, quiet);
}
