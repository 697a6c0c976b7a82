/*
 * phrase.c -- checking phrase and NEAR queries against stored text.
 *
 * Word tests are on the text as bytes, folded as the indexer folds it
 * (fold.h: "Ménière" reads "Meniere") and ASCII letters lower-cased: a
 * phrase word is "in" a unit when it occurs there as a substring.  Xapian's
 * term generator reads the same folded text and lower-cases words the
 * same way, so a unit that holds the word as a term holds it as a
 * substring; words this cannot vouch for (with bytes outside ASCII
 * letters and digits) count as present everywhere.
 * The substring test only chooses which units to index again: whether a
 * phrase matches is always Xapian's decision.
 *
 * A quoted phrase of such words (consecutive positions) is tested once
 * more before its unit is indexed again: its words must follow each other
 * in the text with nothing but bytes other than ASCII letters and digits
 * between them, for the term generator reads any such run as part of a
 * word -- nothing else, except runs of LONG_RUN bytes or more, which the
 * generator may skip as too long to be words.
 *
 * The same rule, applied at index time, gives each article its pair set
 * (spine_phrase_pairs): hashes of every two runs of letters and digits
 * that follow each other so.  An article whose set lacks a pair of a
 * quoted phrase cannot hold the phrase, and is not read at all.
 *
 * The generator reads acronyms as one word ("U.S." is "us"), so every test
 * also looks at a second copy of each unit with such dots dropped, and a
 * word found in either copy counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "document.h"
#include "fold.h"
#include "phrase.h"
#include "query.h"
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
    unsigned char *absent;          /* absent[i]: the pair set rules phrase
                                       i out (spine_phrases_prefilter) */
    xapian_term_generator *tg;      /* no stemmer: phrase words are unstemmed */
    spine_buf lower;                /* the article's units, folded and
                                       lower-cased */
    spine_buf folded;               /* scratch: one text folded */
    spine_buf dotless;              /* the same, acronyms' dots dropped */
    size_t *unit, *unit2;           /* start of unit u in lower, dotless
                                       (NO_COPY: no acronyms, no copy) */
    size_t nunits, cap;
};

#define NO_COPY ((size_t)-1)

/* Xapian's term generator skips words longer than 64 bytes; a run of
 * letters and digits this long or longer may be skipped, so words on
 * either side of it may be adjacent terms. */
#define LONG_RUN 64

/* First byte of an encoded pair set: its format.  The hashes fall in
 * PAIRS_BUCKETS buckets by their top bits (see spine_phrase_pairs_build).
 * A set's hashes have PAIRS_SPARE bits more than it takes to count its
 * pairs, so that a pair it lacks passes for one in 2^PAIRS_SPARE at
 * worst, whatever the article's length. */
#define PAIRS_FORMAT 1
#define PAIRS_BUCKET_BITS 4
#define PAIRS_BUCKETS (1u << PAIRS_BUCKET_BITS)
#define PAIRS_SPARE 7
#define PAIRS_MIN_BITS 12
#define PAIRS_MAX_BITS 28

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_letter(char c) { return c >= 'a' && c <= 'z'; }
static int alnum(char c) { return is_letter(c) || (c >= '0' && c <= '9'); }

static int plain_word(const char *t);

/* Drops the first skip bytes of each of the n NUL-separated words in
 * words, in place. */
static void strip_prefix(char *words, size_t n, size_t skip)
{
    const char *t = words;
    char *to = words;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(t);     /* before the move below changes t */
        memmove(to, t + skip, len - skip + 1);
        to += len - skip + 1;
        t += len + 1;
    }
}

/* Sets f->order when f is a quoted phrase of plain words (see above). */
static int phrase_order(phrase *f, xapian_error *xe)
{
    char *words = NULL;
    size_t n = 0, skip = strlen(f->prefix);
    int strict = 0;
    int rc = spine_query_phrase_terms(&words, &n, &strict, f->q, xe);
    if (rc != 0 || !words)
        return rc;
    strip_prefix(words, n, skip);
    int plain = n > 1 && strict;
    const char *t = words;
    for (size_t i = 0; i < n; i++, t += strlen(t) + 1)
        plain = plain && plain_word(t);
    if (plain) {
        f->order = words;
        f->norder = n;
    } else {
        free(words);
    }
    return rc;
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
    /* The words are compared with the text. */
    strip_prefix(terms, n, strlen(f->prefix));
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
    int rc = spine_query_positional_parts(&parts, &n, q, xe);
    if (rc != 0 || n == 0)
        return rc;
    spine_phrases *p = spine_calloc(1, sizeof *p);
    p->v = spine_calloc(n, sizeof *p->v);
    p->flipped = spine_calloc(n, sizeof *p->flipped);
    p->absent = spine_calloc(n, 1);
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
    free(p->absent);
    xapian_term_generator_free(p->tg);
    spine_buf_free(&p->lower);
    spine_buf_free(&p->dotless);
    spine_buf_free(&p->folded);
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

/* Appends text s (len bytes) to b, folded as the indexer folds it
 * (document.h) and lower-cased, through scratch. */
static void append_folded(spine_buf *b, spine_buf *scratch, const char *s,
                          size_t len)
{
    size_t n;
    const char *t = spine_fold(scratch, s, len, &n, 0);
    append_lower(b, t, n);
}

/* Appends unit text s to p->lower. */
static void add_text(spine_phrases *p, const char *s)
{
    if (s)
        append_folded(&p->lower, &p->folded, s, strlen(s));
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

/* Length of the run of letters and digits at s. */
static size_t run_length(const char *s)
{
    size_t n = 0;
    while (alnum(s[n]))
        n++;
    return n;
}

/* Offset of the first run of letters and digits at or after s[i] that is
 * shorter than LONG_RUN (or of the terminating NUL). */
static size_t next_word(const char *s, size_t i)
{
    for (;;) {
        while (s[i] && !alnum(s[i]))
            i++;
        size_t n = run_length(s + i);
        if (n < LONG_RUN)
            return i;
        i += n;
    }
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
            i = next_word(s, i);
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

/* Bytes around a word that end it for the term generator whatever else
 * is near: it joins no word across them. */
static int hard_edge(char c)
{
    return c == '\0' || c == ' ' || c == '\n' || c == '\t' || c == '('
           || c == ')' || c == '"';
}

/* Does lower-cased unit s surely hold f's words at consecutive positions,
 * as the term generator reads it?  Only in the plainest case: the words
 * apart by spaces alone, the first after a hard edge (or at the start),
 * the last before one, or before sentence punctuation and then a hard
 * edge.  Elsewhere -- an apostrophe, a hyphen, a dot between letters or
 * digits, a byte outside ASCII, a newline (which may be the break between
 * a question and its answer) -- Xapian decides. */
static int surely_adjacent(const char *s, const phrase *f)
{
    const char *first = f->order;
    size_t flen = strlen(first);
    for (const char *hit = strstr(s, first); hit; hit = strstr(hit + 1, first)) {
        size_t i = (size_t)(hit - s);
        if (i > 0 && !hard_edge(s[i - 1]))
            continue;
        i += flen;
        const char *w = first + flen + 1;
        size_t k = 1;
        for (; k < f->norder; k++, w += strlen(w) + 1) {
            if (s[i] != ' ')
                break;
            while (s[i] == ' ')
                i++;
            size_t len = strlen(w);
            if (strncmp(s + i, w, len) != 0)
                break;
            i += len;
        }
        if (k < f->norder)
            continue;
        if (hard_edge(s[i]))
            return 1;
        if (strchr(".,;:?!", s[i]) && hard_edge(s[i + 1]))
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
    if (a)
        load_units(p, a);
    for (size_t i = 0; i < p->n; i++) {
        const phrase *f = &p->v[i];
        if (p->absent[i]) {
            p->flipped[p->nflipped++] = f->q;
            continue;
        }
        /* Title-field phrases live in the title alone. */
        size_t n = *f->prefix ? 1 : p->nunits;
        if (!a || !article_has_all(p, n, f))
            continue;
        int match = 0;
        for (size_t u = 0; u < n && !match; u++) {
            if (!unit_has_all(p, u, f))
                continue;
            if (f->order && !maybe_adjacent(p->lower.p + p->unit[u], f)
                && (p->unit2[u] == NO_COPY
                    || !maybe_adjacent(p->dotless.p + p->unit2[u], f)))
                continue;
            if (f->order && surely_adjacent(p->lower.p + p->unit[u], f)) {
                match = 1;
                break;
            }
            int rc = unit_matches(&match, p, a, u, f, xe);
            if (rc != 0) {
                memset(p->absent, 0, p->n);
                return rc;
            }
        }
        if (!match)
            p->flipped[p->nflipped++] = f->q;
    }
    memset(p->absent, 0, p->n);
    *flips = (unsigned)p->nflipped;
    return 0;
}

/* ---- pair sets ---------------------------------------------------------- */

/* The hash of runs a and b (alen, blen bytes): FNV-1a over "a b", then
 * mixed (MurmurHash3's finaliser) so that its top bits are as good as
 * any: a set keeps the top bits only. */
static uint32_t pair_hash(const char *a, size_t alen, const char *b,
                          size_t blen)
{
    uint32_t h = spine_fnv1a(SPINE_FNV1A_INIT, a, alen);
    h = spine_fnv1a(h, " ", 1);
    h = spine_fnv1a(h, b, blen);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

struct spine_phrase_pairs {
    spine_buf lower, dotless, folded;
    uint32_t *h, *tmp;
    size_t n, cap, tmpcap;
};

spine_phrase_pairs *spine_phrase_pairs_new(void)
{
    return spine_calloc(1, sizeof(spine_phrase_pairs));
}

void spine_phrase_pairs_free(spine_phrase_pairs *pp)
{
    if (!pp)
        return;
    spine_buf_free(&pp->lower);
    spine_buf_free(&pp->dotless);
    spine_buf_free(&pp->folded);
    free(pp->h);
    free(pp->tmp);
    free(pp);
}

static void add_hash(spine_phrase_pairs *pp, uint32_t h)
{
    if (pp->n == pp->cap) {
        pp->cap = pp->cap ? 2 * pp->cap : 256;
        pp->h = spine_realloc(pp->h, pp->cap * sizeof *pp->h);
    }
    pp->h[pp->n++] = h;
}

/* Adds the pairs of lower-cased text s (len bytes): each run of letters
 * and digits with the run before it, and, after runs of LONG_RUN bytes or
 * more (which the generator may skip), with the last shorter run too. */
static void scan_pairs(spine_phrase_pairs *pp, const char *s, size_t len)
{
    const char *prev = NULL, *word = NULL;
    size_t prevlen = 0, wordlen = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && !alnum(s[i]))
            i++;
        size_t n = 0;
        while (i + n < len && alnum(s[i + n]))
            n++;
        if (n == 0)
            break;
        const char *r = s + i;
        if (prev)
            add_hash(pp, pair_hash(prev, prevlen, r, n));
        if (prev && prevlen >= LONG_RUN && word)
            add_hash(pp, pair_hash(word, wordlen, r, n));
        prev = r;
        prevlen = n;
        if (n < LONG_RUN) {
            word = r;
            wordlen = n;
        }
        i += n;
    }
}

/* Adds the pairs of field text s, as the units' tests read it: folded and
 * lower-cased, and again without acronym dots when it has some. */
static void field_pairs(spine_phrase_pairs *pp, const char *s)
{
    if (!s || !*s)
        return;
    spine_buf_reset(&pp->lower);
    append_folded(&pp->lower, &pp->folded, s, strlen(s));
    scan_pairs(pp, pp->lower.p, pp->lower.n);
    size_t dot = first_acronym_dot(pp->lower.p, pp->lower.n);
    if (dot != pp->lower.n) {
        spine_buf_reset(&pp->dotless);
        append_dotless(&pp->dotless, pp->lower.p, pp->lower.n, dot);
        scan_pairs(pp, pp->dotless.p, pp->dotless.n);
    }
}

/* Sorts pp->h[0..pp->n): four passes of a byte-wise radix sort, through
 * pp->tmp.  (qsort()'s calls to a comparison were most of the cost of a
 * pair set.) */
static void sort_hashes(spine_phrase_pairs *pp)
{
    if (pp->tmpcap < pp->n) {
        pp->tmp = spine_realloc(pp->tmp, pp->n * sizeof *pp->tmp);
        pp->tmpcap = pp->n;
    }
    uint32_t *from = pp->h, *to = pp->tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < pp->n; i++)
            count[((from[i] >> shift) & 0xFF) + 1]++;
        for (size_t b = 1; b < 257; b++)
            count[b] += count[b - 1];
        for (size_t i = 0; i < pp->n; i++)
            to[count[(from[i] >> shift) & 0xFF]++] = from[i];
        uint32_t *t = from;
        from = to;
        to = t;
    }
    /* An even number of passes: the sorted hashes are back in pp->h. */
}

/* Reads a LEB128 number below 2^32 of at most five bytes at *i
 * (advanced) in set[0..len).  Returns 0, or -1 when it runs off the end,
 * is longer or is larger. */
static int get_varint(const unsigned char *set, size_t len, size_t *i,
                      unsigned *out)
{
    size_t from = *i;
    uint64_t v;
    if (spine_get_varint(set, len, i, &v) != 0 || *i - from > 5
        || v > UINT32_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

void spine_phrase_pairs_build(spine_phrase_pairs *pp, const spine_article *a,
                              spine_buf *out)
{
    pp->n = 0;
    field_pairs(pp, a->title);
    for (size_t i = 0; i < a->nsections; i++) {
        field_pairs(pp, a->sections[i].question);
        field_pairs(pp, a->sections[i].answer);
    }
    if (pp->n > 1)
        sort_hashes(pp);
    size_t distinct = 0;
    for (size_t i = 0; i < pp->n; i++)
        distinct += i == 0 || pp->h[i] != pp->h[i - 1];
    unsigned bits = PAIRS_SPARE;
    while (((size_t)1 << (bits - PAIRS_SPARE)) < distinct)
        bits++;
    if (bits < PAIRS_MIN_BITS)
        bits = PAIRS_MIN_BITS;
    if (bits > PAIRS_MAX_BITS)
        bits = PAIRS_MAX_BITS;

    /* The hashes cut to their top bits, still sorted.  Each bucket (the
     * cut hashes with the same top PAIRS_BUCKET_BITS) as the gaps between
     * its hashes, the first from the bucket's base; the header gives the
     * bits kept and each bucket's length in bytes, so that a look-up
     * decodes one bucket only. */
    unsigned shift = bits - PAIRS_BUCKET_BITS;
    spine_buf_reset(&pp->lower);
    size_t lens[PAIRS_BUCKETS] = { 0 };
    uint32_t prev = 0;
    for (size_t i = 0, b = 0; b < PAIRS_BUCKETS; b++) {
        size_t at = pp->lower.n;
        uint32_t last = (uint32_t)b << shift;
        for (; i < pp->n && (pp->h[i] >> (32 - bits)) >> shift == b; i++) {
            uint32_t v = pp->h[i] >> (32 - bits);
            if (at != pp->lower.n && v == prev)
                continue;
            spine_buf_put_varint(&pp->lower, v - last);
            last = prev = v;
        }
        lens[b] = pp->lower.n - at;
    }
    spine_buf_reset(out);
    unsigned char head[2] = { PAIRS_FORMAT, (unsigned char)bits };
    spine_buf_append(out, head, 2);
    for (size_t b = 0; b < PAIRS_BUCKETS; b++)
        spine_buf_put_varint(out, lens[b]);
    if (pp->lower.n)
        spine_buf_append(out, pp->lower.p, pp->lower.n);
}

/* Might pair set set (len bytes) hold hash h?  1 unless it certainly does
 * not; a set of another format, or a malformed one, rules nothing out. */
static int set_may_hold(const unsigned char *set, size_t len, uint32_t h)
{
    if (len < 2 || set[0] != PAIRS_FORMAT || set[1] < PAIRS_MIN_BITS
        || set[1] > PAIRS_MAX_BITS)
        return 1;
    unsigned bits = set[1], shift = bits - PAIRS_BUCKET_BITS;
    uint32_t want = h >> (32 - bits);
    size_t i = 2, at = 0, blen = 0;
    for (unsigned b = 0; b < PAIRS_BUCKETS; b++) {
        unsigned n;
        if (get_varint(set, len, &i, &n) != 0)
            return 1;
        if (b < want >> shift)
            at += n;
        else if (b == want >> shift)
            blen = n;
    }
    if (at > len - i || blen > len - i - at)
        return 1;
    at += i;
    uint32_t v = (want >> shift) << shift;
    for (size_t k = at, end = at + blen; k < end;) {
        unsigned d;
        if (get_varint(set, end, &k, &d) != 0)
            return 1;
        v += d;
        if (v >= want)
            return v == want;
    }
    return 0;
}

unsigned spine_phrases_prefilter(spine_phrases *p, const void *set,
                                 size_t len)
{
    unsigned left = 0;
    for (size_t i = 0; i < p->n; i++) {
        const phrase *f = &p->v[i];
        p->absent[i] = 0;
        if (f->order && len > 0) {
            const char *w = f->order;
            for (size_t k = 1; k < f->norder && !p->absent[i]; k++) {
                size_t wl = strlen(w);
                const char *next = w + wl + 1;
                p->absent[i] = !set_may_hold(set, len,
                                             pair_hash(w, wl, next,
                                                       strlen(next)));
                w = next;
            }
        }
        left += !p->absent[i];
    }
    return left;
}

int spine_phrases_unflipped(xapian_query **out, const spine_phrases *p,
                            const xapian_query *q, xapian_error *xe)
{
    return spine_query_without(out, q, p->flipped, p->nflipped, xe);
}

uint64_t spine_phrases_flipped_set(const spine_phrases *p)
{
    if (p->n > SPINE_PHRASES_SET_MAX)
        return 0;
    uint64_t set = 0;
    for (size_t i = 0, k = 0; i < p->n && k < p->nflipped; i++)
        if (p->flipped[k] == p->v[i].q) {
            set |= (uint64_t)1 << i;
            k++;
        }
    return set;
}

int spine_phrases_unflipped_set(xapian_query **out, spine_phrases *p,
                                uint64_t set, const xapian_query *q,
                                xapian_error *xe)
{
    p->nflipped = 0;
    for (size_t i = 0; i < p->n && i < SPINE_PHRASES_SET_MAX; i++)
        if (set & ((uint64_t)1 << i))
            p->flipped[p->nflipped++] = p->v[i].q;
    return spine_phrases_unflipped(out, p, q, xe);
}
