/*
 * phrase.c -- checking phrase and NEAR queries against stored text.
 *
 * Word tests are on the text as bytes, ASCII letters lower-cased: a phrase
 * word is "in" a unit when it occurs there as a substring.  Xapian's term
 * generator lower-cases words the same way, so a unit that holds the word
 * as a term holds it as a substring; words this cannot vouch for (with
 * bytes outside ASCII letters and digits) count as present everywhere.
 * The substring test only chooses which units to index again: whether a
 * phrase matches is always Xapian's decision.
 *
 * A quoted phrase of such words (consecutive positions) is tested once
 * more before its unit is indexed again: its words must follow each other
 * in the text with nothing but bytes other than ASCII letters and digits
 * between them, for the term generator reads any such run as part of a
 * word.  (It skips words over 64 bytes, which this test does not.)
 *
 * The generator reads acronyms as one word ("U.S." is "us"), so every test
 * also looks at a second copy of each unit with such dots dropped, and a
 * word found in either copy counts.
 */
#include <stdlib.h>
#include <string.h>

#include "document.h"
#include "phrase.h"
#include "schema.h"
#include "util.h"

typedef struct phrase {
    xapian_query *q;
    char *terms;                    /* its words, NUL-separated, unprefixed */
    size_t nterms;
    const char *prefix;             /* "" body words, or SPINE_PREFIX_TITLE */
    char *order;                    /* a plain quoted phrase's words in
                                       order (NUL-separated), else NULL */
    size_t norder;
} phrase;

struct spine_phrases {
    phrase *v;
    size_t n;
    xapian_query **flipped;         /* the last article's (borrowed) */
    size_t nflipped;
    xapian_term_generator *tg;      /* no stemmer: phrase words are unstemmed */
    spine_buf lower;                /* the article's units, lower-cased */
    spine_buf dotless;              /* the same, acronyms' dots dropped */
    size_t *unit, *unit2;           /* start of unit u in lower, dotless
                                       (NO_COPY: no acronyms, no copy) */
    size_t nunits, cap;
};

#define NO_COPY ((size_t)-1)

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_letter(char c) { return c >= 'a' && c <= 'z'; }
static int alnum(char c) { return is_letter(c) || (c >= '0' && c <= '9'); }

static int plain_word(const char *t);

/* Sets f->order when f is a quoted phrase of plain words (see above). */
static int phrase_order(phrase *f, xapian_error *xe)
{
    char *words = NULL;
    size_t n = 0, skip = strlen(f->prefix);
    unsigned window = 0;
    int rc = xapian_query_phrase_terms(&words, &n, &window, f->q, xe);
    if (rc != 0 || !words)
        return rc;
    /* Strip the prefix in place, as for f->terms. */
    int plain = n > 1 && window == n;
    size_t at = 0;
    const char *t = words;
    for (size_t i = 0; i < n; i++, t += strlen(t) + 1) {
        size_t len = strlen(t + skip) + 1;
        plain = plain && plain_word(t + skip);
        memmove(words + at, t + skip, len);
        at += len;
    }
    if (plain) {
        f->order = words;
        f->norder = n;
    } else {
        free(words);
    }
    return 0;
}

/* Reads phrase f's words and which field they belong to.  A phrase whose
 * words carry a prefix other than the title's (or a mix: the query parser
 * makes neither) is left unchecked (f->q stays NULL): Xapian's AND
 * stands for it. */
static int phrase_init(phrase *f, xapian_query *q, xapian_error *xe)
{
    char *terms = NULL;
    size_t n = 0, plen = strlen(SPINE_PREFIX_TITLE);
    int rc = xapian_query_terms(&terms, &n, q, xe);
    if (rc != 0)
        return rc;
    size_t titled = 0, plain = 0;
    const char *t = terms;
    for (size_t i = 0; i < n; i++, t += strlen(t) + 1) {
        if (strncmp(t, SPINE_PREFIX_TITLE, plen) == 0 && !is_upper(t[plen]))
            titled++;
        else if (!is_upper(t[0]))
            plain++;
    }
    if (n == 0 || (titled != n && plain != n)) {
        free(terms);
        xapian_query_free(q);
        return 0;
    }
    f->prefix = titled ? SPINE_PREFIX_TITLE : "";
    /* Strip the prefix in place: the words are compared with the text. */
    size_t skip = strlen(f->prefix), at = 0;
    t = terms;
    for (size_t i = 0; i < n; i++, t += strlen(t) + 1) {
        size_t len = strlen(t + skip) + 1;
        memmove(terms + at, t + skip, len);
        at += len;
    }
    f->q = q;
    f->terms = terms;
    f->nterms = n;
    return phrase_order(f, xe);
}

int spine_phrases_new(spine_phrases **out, const xapian_query *q,
                      xapian_error *xe)
{
    xapian_query **parts = NULL;
    size_t n = 0;

    *out = NULL;
    int rc = xapian_query_positional_parts(&parts, &n, q, xe);
    if (rc != 0 || n == 0)
        return rc;
    spine_phrases *p = spine_calloc(1, sizeof *p);
    p->v = spine_calloc(n, sizeof *p->v);
    p->flipped = spine_calloc(n, sizeof *p->flipped);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = phrase_init(&p->v[p->n], parts[i], xe);
        else
            xapian_query_free(parts[i]);
        if (rc == 0 && p->v[p->n].q)
            p->n++;
    }
    free(parts);
    if (rc == 0)
        rc = xapian_term_generator_new(&p->tg, xe);
    if (rc != 0 || p->n == 0) {
        spine_phrases_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void spine_phrases_free(spine_phrases *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        xapian_query_free(p->v[i].q);
        free(p->v[i].terms);
        free(p->v[i].order);
    }
    free(p->v);
    free(p->flipped);
    xapian_term_generator_free(p->tg);
    spine_buf_free(&p->lower);
    spine_buf_free(&p->dotless);
    free(p->unit);
    free(p->unit2);
    free(p);
}

/* Appends s (len bytes), ASCII letters lower-cased.  A plain loop over a
 * known length, which the compiler can vectorise: this runs over every
 * byte of every candidate. */
static void append_lower(spine_buf *b, const char *s, size_t len)
{
    spine_buf_reserve(b, len);
    char *out = b->p + b->n;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
    }
    b->n += len;
    b->p[b->n] = '\0';
}

/* Is the dot at low[i] (lower-cased text of len bytes) one of an
 * acronym's: between a letter that stands alone (after a space, a dot,
 * ...) and another letter? */
static int acronym_dot(const char *low, size_t len, size_t i)
{
    return i > 0 && i + 1 < len && is_letter(low[i - 1])
           && (i == 1 || !alnum(low[i - 2])) && is_letter(low[i + 1]);
}

/* Offset of the first acronym dot in low[0..len), or len when none. */
static size_t first_acronym_dot(const char *low, size_t len)
{
    const char *d = low;
    while ((d = memchr(d, '.', len - (size_t)(d - low))) != NULL) {
        size_t i = (size_t)(d - low);
        if (acronym_dot(low, len, i))
            return i;
        d++;
    }
    return len;
}

/* Appends lower-cased text low (len bytes) with the dots of acronyms
 * dropped, starting from from, the first such dot. */
static void append_dotless(spine_buf *b, const char *low, size_t len,
                           size_t from)
{
    spine_buf_reserve(b, len);
    char *out = b->p + b->n;
    memcpy(out, low, from);
    out += from;
    for (size_t i = from; i < len; i++) {
        if (low[i] == '.' && acronym_dot(low, len, i))
            continue;
        *out++ = low[i];
    }
    b->n = (size_t)(out - b->p);
    b->p[b->n] = '\0';
}

/* Appends unit text s to p->lower. */
static void add_text(spine_phrases *p, const char *s)
{
    if (s)
        append_lower(&p->lower, s, strlen(s));
}

/* Lays out a's units in p->lower, each NUL-terminated: the title, then
 * each section's question and answer.  A unit with acronyms also gets a
 * copy in p->dotless with their dots dropped (p->unit2[u]); the others
 * have none (NO_COPY), which is most units. */
static void load_units(spine_phrases *p, const spine_article *a)
{
    size_t need = a->nsections + 2;
    if (need > p->cap) {
        p->unit = spine_realloc(p->unit, need * sizeof *p->unit);
        p->unit2 = spine_realloc(p->unit2, need * sizeof *p->unit2);
        p->cap = need;
    }
    spine_buf_reset(&p->lower);
    spine_buf_reset(&p->dotless);
    p->nunits = 0;
    for (size_t u = 0; u <= a->nsections; u++) {
        size_t at = p->lower.n;
        if (u == 0) {
            add_text(p, a->title);
        } else {
            add_text(p, a->sections[u - 1].question);
            spine_buf_append(&p->lower, "\n", 1);
            add_text(p, a->sections[u - 1].answer);
        }
        const char *low = p->lower.p + at;
        size_t len = p->lower.n - at, dot = first_acronym_dot(low, len);
        p->unit[p->nunits] = at;
        p->unit2[p->nunits++] = dot == len ? NO_COPY : p->dotless.n;
        if (dot != len) {
            append_dotless(&p->dotless, low, len, dot);
            spine_buf_append(&p->dotless, "", 1);
        }
        spine_buf_append(&p->lower, "", 1);
    }
}

/* Can the substring test vouch for word t?  Only for ASCII letters and
 * digits; others count as present everywhere. */
static int plain_word(const char *t)
{
    for (; *t; t++)
        if (!alnum(*t))
            return 0;
    return 1;
}

static int unit_has(const spine_phrases *p, size_t u, const char *t)
{
    return !plain_word(t) || strstr(p->lower.p + p->unit[u], t)
           || (p->unit2[u] != NO_COPY
               && strstr(p->dotless.p + p->unit2[u], t));
}

/* Does unit u hold every word of f? */
static int unit_has_all(const spine_phrases *p, size_t u, const phrase *f)
{
    const char *t = f->terms;
    for (size_t i = 0; i < f->nterms; i++, t += strlen(t) + 1)
        if (!unit_has(p, u, t))
            return 0;
    return 1;
}

/* Does the article (units 0 .. n-1) hold every word of f somewhere? */
static int article_has_all(const spine_phrases *p, size_t n, const phrase *f)
{
    const char *t = f->terms;
    for (size_t i = 0; i < f->nterms; i++, t += strlen(t) + 1) {
        size_t u = 0;
        while (u < n && !unit_has(p, u, t))
            u++;
        if (u == n)
            return 0;
    }
    return 1;
}

/* Does s hold word w at i, not inside a longer run of letters and digits? */
static int word_at(const char *s, size_t i, const char *w, size_t len)
{
    return strncmp(s + i, w, len) == 0 && (i == 0 || !alnum(s[i - 1]))
           && !alnum(s[i + len]);
}

/* Might the term generator read lower-cased unit s as holding f's words
 * at consecutive positions?  (See the head of the file.) */
static int maybe_adjacent(const char *s, const phrase *f)
{
    const char *first = f->order;
    size_t flen = strlen(first);
    for (const char *hit = strstr(s, first); hit; hit = strstr(hit + 1, first)) {
        size_t i = (size_t)(hit - s);
        if (!word_at(s, i, first, flen))
            continue;
        i += flen;
        const char *w = first + flen + 1;
        size_t k = 1;
        for (; k < f->norder; k++, w += strlen(w) + 1) {
            while (s[i] && !alnum(s[i]))
                i++;
            size_t len = strlen(w);
            if (!word_at(s, i, w, len))
                break;
            i += len;
        }
        if (k == f->norder)
            return 1;
    }
    return 0;
}

/* Sets *match to 1 when phrase f matches unit u of a, indexed with
 * positions as the indexer lays units out (document.h), else 0. */
static int unit_matches(int *match, spine_phrases *p, const spine_article *a,
                        size_t u, const phrase *f, xapian_error *xe)
{
    xapian_document *doc = NULL;
    int rc = xapian_document_new(&doc, xe);
    if (rc == 0)
        rc = xapian_term_generator_set_document(p->tg, doc, xe);
    if (rc == 0)
        rc = spine_document_index_unit(p->tg, a, u, 1, f->prefix, 1, xe);
    if (rc == 0)
        rc = xapian_query_matches_document(match, f->q, doc, xe);
    xapian_document_free(doc);
    return rc;
}

int spine_phrases_flip(unsigned *flips, spine_phrases *p,
                       const spine_article *a, xapian_error *xe)
{
    p->nflipped = 0;
    load_units(p, a);
    for (size_t i = 0; i < p->n; i++) {
        const phrase *f = &p->v[i];
        /* Title-field phrases live in the title alone. */
        size_t n = *f->prefix ? 1 : p->nunits;
        if (!article_has_all(p, n, f))
            continue;
        int match = 0;
        for (size_t u = 0; u < n && !match; u++) {
            if (!unit_has_all(p, u, f))
                continue;
            if (f->order && !maybe_adjacent(p->lower.p + p->unit[u], f)
                && (p->unit2[u] == NO_COPY
                    || !maybe_adjacent(p->dotless.p + p->unit2[u], f)))
                continue;
            int rc = unit_matches(&match, p, a, u, f, xe);
            if (rc != 0)
                return rc;
        }
        if (!match)
            p->flipped[p->nflipped++] = f->q;
    }
    *flips = (unsigned)p->nflipped;
    return 0;
}

int spine_phrases_unflipped(xapian_query **out, const spine_phrases *p,
                            const xapian_query *q, xapian_error *xe)
{
    return xapian_query_without_parts(out, q, p->flipped, p->nflipped, xe);
}
