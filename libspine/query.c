/*
 * query.c -- reading and rewriting parsed queries (query.h), over the
 * binding's query walk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"

/* Is op a phrase or NEAR? */
static int positional_op(int op)
{
    return op == XAPIAN_QUERY_OP_PHRASE || op == XAPIAN_QUERY_OP_NEAR;
}

int spine_query_positional(const xapian_query *q)
{
    if (positional_op(xapian_query_type(q)))
        return 1;
    size_t n = xapian_query_num_subqueries(q);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        xapian_query *sub = NULL;
        found = xapian_query_subquery(&sub, q, i, NULL) != 0
                || spine_query_positional(sub);
        xapian_query_free(sub);
    }
    return found;
}

/* Appends q's outermost phrase and NEAR subqueries to parts (*n of them,
 * *cap allocated).  Takes q over: it is kept or freed. */
static int collect_parts(xapian_query ***parts, size_t *n, size_t *cap,
                         xapian_query *q, xapian_error *xe)
{
    if (positional_op(xapian_query_type(q))) {
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 4;
            *parts = spine_realloc(*parts, *cap * sizeof **parts);
        }
        (*parts)[(*n)++] = q;
        return 0;
    }
    int rc = 0;
    size_t k = xapian_query_num_subqueries(q);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        xapian_query *sub = NULL;
        rc = xapian_query_subquery(&sub, q, i, xe);
        if (rc == 0)
            rc = collect_parts(parts, n, cap, sub, xe);
    }
    xapian_query_free(q);
    return rc;
}

int spine_query_positional_parts(xapian_query ***out, size_t *n,
                                 const xapian_query *q, xapian_error *xe)
{
    xapian_query *top = NULL, **parts = NULL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    /* A handle of our own on q, so that collect_parts() can take it. */
    int rc = xapian_query_copy(&top, q, xe);
    if (rc == 0)
        rc = collect_parts(&parts, n, &cap, top, xe);
    if (rc != 0) {
        for (size_t i = 0; i < *n; i++)
            xapian_query_free(parts[i]);
        free(parts);
        *n = 0;
        return rc;
    }
    *out = parts;
    return 0;
}

/* Is q one of parts[0..n)? */
static int is_part(const xapian_query *q, xapian_query *const *parts,
                   size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (xapian_query_same(q, parts[i]))
            return 1;
    return 0;
}

/* Sets *out to 1 when q is or holds one of parts[0..n). */
static int holds_part(int *out, const xapian_query *q,
                      xapian_query *const *parts, size_t n, xapian_error *xe)
{
    *out = is_part(q, parts, n);
    size_t k = xapian_query_num_subqueries(q);
    int rc = 0;
    for (size_t i = 0; rc == 0 && !*out && i < k; i++) {
        xapian_query *sub = NULL;
        rc = xapian_query_subquery(&sub, q, i, xe);
        if (rc == 0)
            rc = holds_part(out, sub, parts, n, xe);
        xapian_query_free(sub);
    }
    return rc;
}

int spine_query_without(xapian_query **out, const xapian_query *q,
                        xapian_query *const *parts, size_t n,
                        xapian_error *xe)
{
    int holds = 0, rc = 0;
    *out = NULL;
    if (is_part(q, parts, n))           /* matches nothing */
        return xapian_query_combine(out, XAPIAN_QUERY_OP_OR, NULL, 0, xe);
    rc = holds_part(&holds, q, parts, n, xe);
    if (rc != 0 || !holds)
        return rc != 0 ? rc : xapian_query_copy(out, q, xe);
    int op = xapian_query_type(q);
    switch (op) {
    case XAPIAN_QUERY_OP_AND:
    case XAPIAN_QUERY_OP_OR:
    case XAPIAN_QUERY_OP_AND_NOT:
    case XAPIAN_QUERY_OP_XOR:
    case XAPIAN_QUERY_OP_AND_MAYBE:
    case XAPIAN_QUERY_OP_FILTER:
    case XAPIAN_QUERY_OP_SYNONYM:
    case XAPIAN_QUERY_OP_MAX:
        break;
    default:
        if (xe) {
            xe->code = XAPIAN_ERROR;
            snprintf(xe->msg, sizeof xe->msg, "spine_query_without: cannot "
                     "rebuild a query of operator %d", op);
        }
        return XAPIAN_ERROR;
    }
    size_t k = xapian_query_num_subqueries(q);
    xapian_query **sub = spine_calloc(k ? k : 1, sizeof *sub);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        xapian_query *s = NULL;
        rc = xapian_query_subquery(&s, q, i, xe);
        if (rc == 0)
            rc = spine_query_without(&sub[i], s, parts, n, xe);
        xapian_query_free(s);
    }
    if (rc == 0)
        rc = xapian_query_combine(out, op, sub, k, xe);
    for (size_t i = 0; i < k; i++)
        xapian_query_free(sub[i]);
    free(sub);
    return rc;
}

/* For a phrase (OP_PHRASE) whose subqueries are all terms: sets *out to
 * a malloc()ed buffer of its *n terms in phrase order, NUL-separated; else
 * *out is NULL and *n 0. */
static int phrase_terms(char **out, size_t *n, const xapian_query *q,
                        xapian_error *xe)
{
    spine_buf words = SPINE_BUF_INIT;
    size_t k = xapian_query_num_subqueries(q);
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (xapian_query_type(q) != XAPIAN_QUERY_OP_PHRASE)
        return 0;
    for (size_t i = 0; rc == 0 && i < k; i++) {
        xapian_query *sub = NULL;
        char *t = NULL;
        size_t len = 0;
        rc = xapian_query_subquery(&sub, q, i, xe);
        if (rc == 0 && xapian_query_type(sub) != XAPIAN_QUERY_LEAF_TERM) {
            xapian_query_free(sub);
            spine_buf_free(&words);
            return 0;
        }
        if (rc == 0)
            rc = xapian_query_leaf_term(&t, &len, sub, xe);
        if (rc == 0)
            spine_buf_append(&words, t, len + 1);
        free(t);
        xapian_query_free(sub);
    }
    if (rc == 0) {
        *out = spine_buf_detach(&words);
        *n = k;
    }
    spine_buf_free(&words);
    return rc;
}

/* Sets *strict to 1 when phrase q, of the n terms words, needs its words
 * next to each other (a window of n positions: what the query parser
 * makes of quoted text), 0 when it lets them stand further apart (ADJ).
 * Xapian 1.4 has no accessor for a phrase's window, so q is tried on a
 * document of its words with one position left out before the last: only
 * a wider window matches it. */
static int phrase_strict(int *strict, const xapian_query *q,
                         const char *words, size_t n, xapian_error *xe)
{
    xapian_document *doc = NULL;
    int match = 0;
    int rc = xapian_document_new(&doc, xe);
    const char *t = words;
    for (size_t i = 0; rc == 0 && i < n; i++, t += strlen(t) + 1)
        rc = xapian_document_add_posting(doc, t, strlen(t),
                                         (unsigned)(i + 1 < n ? i + 1 : i + 2),
                                         1, xe);
    if (rc == 0)
        rc = xapian_query_matches_document(&match, q, doc, xe);
    xapian_document_free(doc);
    *strict = rc == 0 && !match;
    return rc;
}


int spine_query_phrase_terms(char **out, size_t *n, int *strict,
                             const xapian_query *q, xapian_error *xe)
{
    *strict = 0;
    int rc = phrase_terms(out, n, q, xe);
    if (rc == 0 && *out && *n > 1)
        rc = phrase_strict(strict, q, *out, *n, xe);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- synonyms matched whole ------------------------------------------- */

/* What spine_query_whole_synonyms() carries down the query. */
typedef struct whole_ctx {
    spine_term_freq_fn freq;
    void *ctx;
} whole_ctx;

/* Can an operator be rebuilt from its subqueries alone? */
static int rebuildable(int op)
{
    switch (op) {
    case XAPIAN_QUERY_OP_AND:
    case XAPIAN_QUERY_OP_OR:
    case XAPIAN_QUERY_OP_AND_NOT:
    case XAPIAN_QUERY_OP_XOR:
    case XAPIAN_QUERY_OP_AND_MAYBE:
    case XAPIAN_QUERY_OP_FILTER:
    case XAPIAN_QUERY_OP_MAX:
        return 1;
    default:
        return 0;
    }
}

/* For synonym alt (a subquery of the parser's OP_SYNONYM other than the
 * first): sets *match to what it matches -- a term as it is, or the AND
 * of the terms of a multi-word synonym, stored as one string of terms
 * joined by spaces ("Zsciatic Znerv Zpain") -- and *counted to the term
 * whose wdf counts for it: the term itself, or the multi-word synonym's
 * rarest term (fewest documents, by freq; the first of equals). */
static int whole_alt(xapian_query **match, xapian_query **counted,
                     const xapian_query *alt, const whole_ctx *c,
                     xapian_error *xe)
{
    char *t = NULL;
    size_t len = 0, n = 0, rarest = 0;
    uint32_t least = UINT32_MAX;
    xapian_query **words = NULL;
    *match = *counted = NULL;
    int rc = 0;
    if (xapian_query_type(alt) == XAPIAN_QUERY_LEAF_TERM)
        rc = xapian_query_leaf_term(&t, &len, alt, xe);
    if (rc == 0 && (!t || memchr(t, ' ', len) == NULL)) {
        free(t);
        rc = xapian_query_copy(match, alt, xe);
        return rc != 0 ? rc : xapian_query_copy(counted, alt, xe);
    }
    for (size_t at = 0; rc == 0 && at < len; ) {
        size_t end = at;
        uint32_t tf = 0;
        while (end < len && t[end] != ' ')
            end++;
        if (end > at) {
            words = spine_realloc(words, (n + 1) * sizeof *words);
            words[n] = NULL;
            rc = xapian_query_new_term(&words[n], t + at, end - at, xe);
            if (rc == 0)
                rc = c->freq(&tf, t + at, end - at, c->ctx, xe);
            if (rc == 0 && tf < least) {
                least = tf;
                rarest = n;
            }
            n++;
        }
        at = end + 1;
    }
    if (rc == 0)
        rc = xapian_query_combine(match, XAPIAN_QUERY_OP_AND, words, n, xe);
    if (rc == 0)
        rc = xapian_query_copy(counted, words[rarest], xe);
    for (size_t i = 0; i < n; i++)
        xapian_query_free(words[i]);
    free(words);
    free(t);
    return rc;
}

/* Does q hold a multi-word synonym (a term with a space under an
 * OP_SYNONYM) that whole_synonyms() can reach, through operators it can
 * rebuild? */
static int reachable_synonym(const xapian_query *q, int under_synonym)
{
    int op = xapian_query_type(q);
    if (op == XAPIAN_QUERY_LEAF_TERM) {
        char *t = NULL;
        size_t len = 0;
        int found = under_synonym
                    && xapian_query_leaf_term(&t, &len, q, NULL) == 0
                    && memchr(t, ' ', len) != NULL;
        free(t);
        return found;
    }
    if (op != XAPIAN_QUERY_OP_SYNONYM && !rebuildable(op))
        return 0;
    size_t k = xapian_query_num_subqueries(q);
    int found = 0;
    for (size_t i = 0; i < k && !found; i++) {
        xapian_query *sub = NULL;
        found = xapian_query_subquery(&sub, q, i, NULL) == 0
                && reachable_synonym(sub, op == XAPIAN_QUERY_OP_SYNONYM);
        xapian_query_free(sub);
    }
    return found;
}

static int whole_synonyms(xapian_query **out, const xapian_query *q,
                          const whole_ctx *c, xapian_error *xe);

/* Rewrites the parser's OP_SYNONYM q (the words typed, then each
 * synonym) as spine_query_whole_synonyms() says. */
static int whole_synonym(xapian_query **out, const xapian_query *q,
                         const whole_ctx *c, xapian_error *xe)
{
    size_t k = xapian_query_num_subqueries(q), n = 0;
    xapian_query **match = spine_calloc(k, sizeof *match);
    xapian_query **counted = spine_calloc(k, sizeof *counted);
    xapian_query *first = NULL, *weighed = NULL, *any = NULL;
    int rc = xapian_query_subquery(&first, q, 0, xe);
    if (rc == 0)
        rc = whole_synonyms(&match[0], first, c, xe);
    if (rc == 0)
        rc = xapian_query_copy(&counted[0], match[0], xe);
    if (rc == 0)
        n = 1;
    for (size_t i = 1; rc == 0 && i < k; i++) {
        xapian_query *sub = NULL;
        rc = xapian_query_subquery(&sub, q, i, xe);
        if (rc == 0)
            rc = whole_alt(&match[n], &counted[n], sub, c, xe);
        if (rc == 0)
            n++;
        xapian_query_free(sub);
    }
    if (rc == 0)
        rc = xapian_query_combine(&weighed, XAPIAN_QUERY_OP_SYNONYM,
                                  counted, n, xe);
    if (rc == 0)
        rc = xapian_query_combine(&any, XAPIAN_QUERY_OP_OR, match, n, xe);
    xapian_query *pair[2] = { weighed, any };
    if (rc == 0)
        rc = xapian_query_combine(out, XAPIAN_QUERY_OP_FILTER, pair, 2, xe);
    for (size_t i = 0; i < k; i++) {
        xapian_query_free(match[i]);
        xapian_query_free(counted[i]);
    }
    free(match);
    free(counted);
    xapian_query_free(weighed);
    xapian_query_free(any);
    xapian_query_free(first);
    return rc;
}

static int whole_synonyms(xapian_query **out, const xapian_query *q,
                          const whole_ctx *c, xapian_error *xe)
{
    *out = NULL;
    if (!reachable_synonym(q, 0))
        return xapian_query_copy(out, q, xe);
    int op = xapian_query_type(q), rc = 0;
    if (op == XAPIAN_QUERY_OP_SYNONYM)
        return whole_synonym(out, q, c, xe);
    size_t k = xapian_query_num_subqueries(q);
    xapian_query **sub = spine_calloc(k ? k : 1, sizeof *sub);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        xapian_query *s = NULL;
        rc = xapian_query_subquery(&s, q, i, xe);
        if (rc == 0)
            rc = whole_synonyms(&sub[i], s, c, xe);
        xapian_query_free(s);
    }
    if (rc == 0)
        rc = xapian_query_combine(out, op, sub, k, xe);
    for (size_t i = 0; i < k; i++)
        xapian_query_free(sub[i]);
    free(sub);
    return rc;
}

int spine_query_whole_synonyms(xapian_query **out, const xapian_query *q,
                               spine_term_freq_fn freq, void *ctx,
                               xapian_error *xe)
{
    whole_ctx c = { freq, ctx };
    return whole_synonyms(out, q, &c, xe);
}

/* ---- feedback terms inside the filters --------------------------------- */

int spine_query_add_weight(xapian_query **out, const xapian_query *q,
                           const xapian_query *extra, int only_reorder,
                           xapian_error *xe)
{
    int op = xapian_query_type(q), rc = 0;
    size_t k = xapian_query_num_subqueries(q);
    *out = NULL;
    if ((op == XAPIAN_QUERY_OP_FILTER || op == XAPIAN_QUERY_OP_AND_NOT)
        && k >= 2) {
        xapian_query **sub = spine_calloc(k, sizeof *sub);
        xapian_query *first = NULL;
        rc = xapian_query_subquery(&first, q, 0, xe);
        if (rc == 0)
            rc = spine_query_add_weight(&sub[0], first, extra, only_reorder,
                                        xe);
        for (size_t i = 1; rc == 0 && i < k; i++)
            rc = xapian_query_subquery(&sub[i], q, i, xe);
        if (rc == 0)
            rc = xapian_query_combine(out, op, sub, k, xe);
        for (size_t i = 0; i < k; i++)
            xapian_query_free(sub[i]);
        free(sub);
        xapian_query_free(first);
        return rc;
    }
    int alternatives = op == XAPIAN_QUERY_LEAF_TERM
                       || op == XAPIAN_QUERY_OP_OR
                       || op == XAPIAN_QUERY_OP_SYNONYM
                       || op == XAPIAN_QUERY_OP_MAX
                       || op == XAPIAN_QUERY_OP_WILDCARD;
    /* An OR takes extra as one more alternative, flat, so that the lazy
     * plan (lazy.c) still finds the OR's common words at its top. */
    if (op == XAPIAN_QUERY_OP_OR && !only_reorder) {
        xapian_query **sub = spine_calloc(k + 1, sizeof *sub);
        for (size_t i = 0; rc == 0 && i < k; i++)
            rc = xapian_query_subquery(&sub[i], q, i, xe);
        sub[k] = (xapian_query *)extra;
        if (rc == 0)
            rc = xapian_query_combine(out, op, sub, k + 1, xe);
        for (size_t i = 0; i < k; i++)
            xapian_query_free(sub[i]);
        free(sub);
        return rc;
    }
    const xapian_query *pair[2] = { q, extra };
    return xapian_query_combine(out, alternatives && !only_reorder
                                         ? XAPIAN_QUERY_OP_OR
                                         : XAPIAN_QUERY_OP_AND_MAYBE,
                                (xapian_query *const *)pair, 2, xe);
}

/* ---- the words typed, read against a field ----------------------------- */

/* Sets *f (malloc()ed) to the field form of body term t[0..len): prefix +
 * word, or "Z" + prefix + stem; NULL when t is no body term (an id, a
 * source, a field's term). */
static char *field_term(const char *t, size_t len, const char *prefix)
{
    int stemmed = len && t[0] == 'Z';
    const char *w = t + stemmed;
    size_t wlen = len - stemmed, plen = strlen(prefix);
    if (!wlen || (w[0] >= 'A' && w[0] <= 'Z') || memchr(t, ' ', len))
        return NULL;
    char *f = spine_malloc(stemmed + plen + wlen + 1);
    if (stemmed)
        f[0] = 'Z';
    memcpy(f + stemmed, prefix, plen);
    memcpy(f + stemmed + plen, w, wlen);
    f[stemmed + plen + wlen] = '\0';
    return f;
}

typedef struct field_ctx {
    const char *prefix;
    spine_field_weight_fn fn;
    void *ctx;
} field_ctx;

static int in_field(xapian_query **out, const xapian_query *q,
                    const field_ctx *c, int all, xapian_error *xe);

/* Sets *out to q's subqueries from .. to read in the field (each whole,
 * all of its words there, when whole is set), combined with op: those
 * that come to nothing are left out, or, with all set, make the whole
 * come to nothing (an alternative of a synonym group matches in the field
 * only with all its words there).  NULL when nothing is left. */
static int subs_in_field(xapian_query **out, const xapian_query *q,
                         size_t from, size_t to, int op, const field_ctx *c,
                         int whole, int all, xapian_error *xe)
{
    xapian_query **sub = spine_calloc(to > from ? to - from : 1, sizeof *sub);
    size_t n = 0;
    int rc = 0, missing = 0;
    for (size_t i = from; rc == 0 && i < to; i++) {
        xapian_query *s = NULL;
        rc = xapian_query_subquery(&s, q, i, xe);
        if (rc == 0)
            rc = in_field(&sub[n], s, c, whole, xe);
        if (rc == 0 && sub[n])
            n++;
        else if (rc == 0)
            missing = 1;
        xapian_query_free(s);
    }
    *out = NULL;
    if (rc == 0 && n && !(all && missing))
        rc = xapian_query_combine(out, op, sub, n, xe);
    for (size_t i = 0; i < n; i++)
        xapian_query_free(sub[i]);
    free(sub);
    return rc;
}

/* Sets *out to q's words read in the field (spine_query_lift_field()),
 * NULL when none is there; with all set, q is one alternative of a
 * synonym group, whose words must all be there. */
static int in_field(xapian_query **out, const xapian_query *q,
                    const field_ctx *c, int all, xapian_error *xe)
{
    int op = xapian_query_type(q), rc = 0;
    size_t k = xapian_query_num_subqueries(q);
    *out = NULL;
    if (op == XAPIAN_QUERY_LEAF_TERM) {
        char *t = NULL, *f = NULL;
        size_t len = 0;
        double w = 0;
        xapian_query *term = NULL;
        rc = xapian_query_leaf_term(&t, &len, q, xe);
        if (rc == 0)
            f = field_term(t, len, c->prefix);
        if (rc == 0 && f)
            rc = c->fn(&w, t, f, c->ctx, xe);
        if (rc == 0 && w > 0)
            rc = xapian_query_new_term(&term, f, strlen(f), xe);
        if (rc == 0 && term)
            rc = xapian_query_scale(out, term, w, xe);
        xapian_query_free(term);
        free(t);
        free(f);
        return rc;
    }
    if (op >= XAPIAN_QUERY_LEAF_TERM || op == XAPIAN_QUERY_OP_WILDCARD
        || k == 0)
        return 0;
    if (op == XAPIAN_QUERY_OP_AND_NOT)
        return subs_in_field(out, q, 0, 1, XAPIAN_QUERY_OP_OR, c, 0, 0, xe);
    if (op == XAPIAN_QUERY_OP_FILTER) {
        /* A whole synonym (spine_query_whole_synonyms()): its second
         * subquery is the OR of what each of its alternatives matches. */
        xapian_query *first = NULL, *second = NULL;
        int whole = 0;
        rc = xapian_query_subquery(&first, q, 0, xe);
        if (rc == 0 && k == 2
            && xapian_query_type(first) == XAPIAN_QUERY_OP_SYNONYM)
            rc = xapian_query_subquery(&second, q, 1, xe);
        whole = second && xapian_query_type(second) == XAPIAN_QUERY_OP_OR;
        if (rc == 0 && whole)
            rc = subs_in_field(out, second, 0,
                               xapian_query_num_subqueries(second),
                               XAPIAN_QUERY_OP_OR, c, 1, 0, xe);
        else if (rc == 0)
            rc = subs_in_field(out, q, 0, 1, XAPIAN_QUERY_OP_OR, c, 0, 0, xe);
        xapian_query_free(first);
        xapian_query_free(second);
        return rc;
    }
    if (op == XAPIAN_QUERY_OP_SYNONYM && !all)
        return subs_in_field(out, q, 0, k, XAPIAN_QUERY_OP_OR, c, 1, 0, xe);
    return subs_in_field(out, q, 0, k,
                         all ? XAPIAN_QUERY_OP_AND : XAPIAN_QUERY_OP_OR, c,
                         all, all, xe);
}


/* Is q a whole synonym (spine_query_whole_synonyms()): a FILTER of an
 * OP_SYNONYM by the OR of what its alternatives match? */
static int whole_synonym_query(const xapian_query *q)
{
    if (xapian_query_type(q) != XAPIAN_QUERY_OP_FILTER
        || xapian_query_num_subqueries(q) != 2)
        return 0;
    xapian_query *first = NULL;
    int yes = xapian_query_subquery(&first, q, 0, NULL) == 0
              && xapian_query_type(first) == XAPIAN_QUERY_OP_SYNONYM;
    xapian_query_free(first);
    return yes;
}

/* Adds the lift to q (spine_query_lift_field()): flat, as one more
 * alternative of q's OR; else unit by unit, through AND_MAYBE. */
static int lift(xapian_query **out, const xapian_query *q,
                const field_ctx *c, int flat, xapian_error *xe)
{
    int op = xapian_query_type(q), rc = 0;
    size_t k = xapian_query_num_subqueries(q);
    int spread = !flat && op == XAPIAN_QUERY_OP_OR;
    int inside = (op == XAPIAN_QUERY_OP_AND_NOT
                  || (op == XAPIAN_QUERY_OP_FILTER && !whole_synonym_query(q)))
                 && k >= 2;
    *out = NULL;
    if (spread || inside) {
        /* Each alternative its own lift; a filter's or an exclusion's
         * other sides as they are. */
        xapian_query **sub = spine_calloc(k, sizeof *sub);
        for (size_t i = 0; rc == 0 && i < k; i++) {
            xapian_query *s = NULL;
            rc = xapian_query_subquery(&s, q, i, xe);
            if (rc == 0 && (spread || i == 0))
                rc = lift(&sub[i], s, c, flat, xe);
            else if (rc == 0) {
                sub[i] = s;
                s = NULL;
            }
            xapian_query_free(s);
        }
        if (rc == 0)
            rc = xapian_query_combine(out, op, sub, k, xe);
        for (size_t i = 0; i < k; i++)
            xapian_query_free(sub[i]);
        free(sub);
        return rc;
    }
    xapian_query *field = NULL;
    rc = in_field(&field, q, c, 0, xe);
    if (rc == 0 && field) {
        /* Flat into an OR: its alternatives, then the lift. */
        size_t n = flat && op == XAPIAN_QUERY_OP_OR ? k : 0;
        xapian_query **sub = spine_calloc(n + 2, sizeof *sub);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = xapian_query_subquery(&sub[i], q, i, xe);
        if (n == 0)
            sub[n++] = (xapian_query *)q;
        sub[n] = field;
        if (rc == 0)
            rc = xapian_query_combine(out, flat ? XAPIAN_QUERY_OP_OR
                                                : XAPIAN_QUERY_OP_AND_MAYBE,
                                      sub, n + 1, xe);
        if (sub[0] != q)
            for (size_t i = 0; i < n; i++)
                xapian_query_free(sub[i]);
        free(sub);
    } else if (rc == 0)
        rc = xapian_query_copy(out, q, xe);
    xapian_query_free(field);
    return rc;
}

static int is_term(const xapian_query *q)
{
    return xapian_query_type(q) == XAPIAN_QUERY_LEAF_TERM;
}

/* Does fn hold of each of q's subqueries from .. to? */
static int each(const xapian_query *q, size_t from, size_t to,
                int (*fn)(const xapian_query *))
{
    int yes = 1;
    for (size_t i = from; i < to && yes; i++) {
        xapian_query *sub = NULL;
        yes = xapian_query_subquery(&sub, q, i, NULL) == 0 && fn(sub);
        xapian_query_free(sub);
    }
    return yes;
}

/* Is every document that holds all the words of alternative q (a term,
 * or the AND of the words of a multi-word one) a match of q? */
static int whole_alternative(const xapian_query *q)
{
    int op = xapian_query_type(q);
    return op == XAPIAN_QUERY_LEAF_TERM
           || (op == XAPIAN_QUERY_OP_AND
               && each(q, 0, xapian_query_num_subqueries(q), is_term));
}

/* Is q a word, a wildcard, a synonym group or a whole synonym whose
 * alternatives match whole, or an OR of those: a query every document of
 * whose field holds an alternative's words matches? */
static int words_only(const xapian_query *q)
{
    int op = xapian_query_type(q);
    size_t k = xapian_query_num_subqueries(q);
    if (op == XAPIAN_QUERY_LEAF_TERM || op == XAPIAN_QUERY_OP_WILDCARD)
        return 1;
    if (op == XAPIAN_QUERY_OP_OR)
        return each(q, 0, k, words_only);
    if (op == XAPIAN_QUERY_OP_SYNONYM)
        return each(q, 0, k, whole_alternative);
    if (!whole_synonym_query(q))
        return 0;
    xapian_query *second = NULL;
    int yes = xapian_query_subquery(&second, q, 1, NULL) == 0
              && xapian_query_type(second) == XAPIAN_QUERY_OP_OR
              && each(second, 0, xapian_query_num_subqueries(second),
                      whole_alternative);
    xapian_query_free(second);
    return yes;
}

/* Is q, inside its filters and exclusions, a query of words? */
static int words_inside(const xapian_query *q)
{
    int op = xapian_query_type(q);
    if ((op == XAPIAN_QUERY_OP_AND_NOT
         || (op == XAPIAN_QUERY_OP_FILTER && !whole_synonym_query(q)))
        && xapian_query_num_subqueries(q) >= 2) {
        xapian_query *first = NULL;
        int yes = xapian_query_subquery(&first, q, 0, NULL) == 0
                  && words_inside(first);
        xapian_query_free(first);
        return yes;
    }
    return words_only(q);
}

int spine_query_lift_field(xapian_query **out, const xapian_query *q,
                           const char *prefix, spine_field_weight_fn fn,
                           void *ctx, xapian_error *xe)
{
    field_ctx c = { prefix, fn, ctx };
    return lift(out, q, &c, words_inside(q), xe);
}
