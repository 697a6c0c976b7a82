/*
 * spell.c -- "did you mean" for the searcher: Xapian's spelling dictionary
 * asked only about the words of a query that neither the index nor the
 * synonym table knows, and the rules for searching a correction without
 * asking: close to the word typed, outside quotes, never a field name, and
 * never a word of a real dictionary (hunspell's English and medical ones,
 * loaded when first needed and shared by the process's spellers).
 */
#include <ctype.h>
#include <hunspell.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spell.h"
#include "util.h"

struct spine_speller {
    const xapian_database *db;      /* borrowed from the searcher */
    xapian_query_parser *qp;        /* owned; does not stem */
    unsigned flags;                 /* the searcher's parse flags */
    const spine_synonyms *synonyms; /* borrowed from the searcher */
};

/* ---- the query's words ---------------------------------------------------- */

/* The fields of the query language, as searcher.c's new_parser() gives
 * them to Xapian; the value of a boolean one is a filter term, not text. */
static const struct field {
    const char *name;
    int boolean;
} fields[] = {
    { "title", 0 },
    { "source", 1 },
    { "symptom", 0 },
    { "cause", 0 },
    { "complication", 0 },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

#define W_QUOTED 1u     /* inside "..." */
#define W_FIELD  2u     /* directly followed by ':' and more text: a field
                           name, or text such as 3:1 */
#define W_FILTER 4u     /* in the value of a boolean field (source:nhlbi) */
#define W_HYPHEN 8u     /* joined to the next word by one '-' (pre-school) */

/* A word of a query: a run of letters, digits, '_' and non-ASCII bytes,
 * with apostrophes inside it ("crohn's"), as Xapian's parser reads words. */
typedef struct word {
    size_t at, len;                 /* its bytes in the query */
    unsigned flags;                 /* W_* */
} word;

typedef struct words {
    word *w;
    size_t n, cap;
} words;

static int word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || c == '_';
}

static const struct field *find_field(const char *s, size_t n)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, s, n) == 0)
            return &fields[i];
    return NULL;
}

/* Where the value of a boolean field starting at s ends: at a space or
 * ')', or past its closing quote when quoted (Xapian's reading). */
static const char *filter_end(const char *s)
{
    if (*s == '"') {
        const char *q = strchr(s + 1, '"');
        return q ? q + 1 : s + strlen(s);
    }
    while (*s && !spine_is_space((unsigned char)*s) && *s != ')')
        s++;
    return s;
}

/* Splits text into its words (ws, which the caller frees: free(ws->w)). */
static void split_words(words *ws, const char *text)
{
    int quoted = 0;
    const char *value_end = text;   /* a boolean field's value ends here */
    const char *p = text;
    ws->w = NULL;
    ws->n = ws->cap = 0;
    while (*p) {
        if (*p == '"') {
            quoted = !quoted;
            p++;
            continue;
        }
        if (!word_byte((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *start = p;
        while (word_byte((unsigned char)*p)
               || (*p == '\'' && word_byte((unsigned char)p[1])))
            p++;
        word w = { (size_t)(start - text), (size_t)(p - start),
                   quoted ? W_QUOTED : 0 };
        if (start < value_end)
            w.flags |= W_FILTER;
        if (*p == ':' && p[1] && !spine_is_space((unsigned char)p[1])) {
            w.flags |= W_FIELD;
            const struct field *f = find_field(start, w.len);
            if (f && f->boolean && !quoted)
                value_end = filter_end(p + 1);
        }
        if (*p == '-' && word_byte((unsigned char)p[1]))
            w.flags |= W_HYPHEN;
        if (ws->n == ws->cap) {
            ws->cap = ws->cap ? 2 * ws->cap : 8;
            ws->w = spine_realloc(ws->w, ws->cap * sizeof *ws->w);
        }
        ws->w[ws->n++] = w;
    }
}

/* ---- closeness ------------------------------------------------------------ */

#define MAX_CHARS 64

/* Decodes s[0..n) into at most MAX_CHARS code points (ASCII letters
 * lower-cased; a byte that is not valid UTF-8 stands for itself, apart
 * from every character).  Returns how many, or MAX_CHARS + 1 when s has
 * more. */
static size_t decode(uint32_t *cp, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        if (k == MAX_CHARS)
            return MAX_CHARS + 1;
        const unsigned char *u = (const unsigned char *)s + i;
        size_t len = spine_utf8_len(s + i, n - i);
        if (len <= 1) {
            cp[k] = len ? (uint32_t)tolower(u[0]) : 0x80000000u | u[0];
            i++;
            continue;
        }
        uint32_t c = u[0] & (0x7Fu >> len);
        for (size_t j = 1; j < len; j++)
            c = (c << 6) | (u[j] & 0x3Fu);
        cp[k] = c;
        i += len;
    }
    return k;
}

/* Levenshtein distance between the code points a[0..an) and b[0..bn);
 * with swaps set, two neighbours swapped count as one edit too (optimal
 * string alignment). */
static size_t distance(const uint32_t *a, size_t an, const uint32_t *b,
                       size_t bn, int swaps)
{
    size_t d[MAX_CHARS + 1][MAX_CHARS + 1];
    for (size_t i = 0; i <= an; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= bn; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= an; i++)
        for (size_t j = 1; j <= bn; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (swaps && i > 1 && j > 1 && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[an][bn];
}

int spine_speller_close(const char *typed, size_t tn, const char *fix,
                        size_t fn)
{
    uint32_t a[MAX_CHARS], b[MAX_CHARS];
    size_t an = decode(a, typed, tn), bn = decode(b, fix, fn);
    if (an > MAX_CHARS || bn > MAX_CHARS)
        return 0;
    return distance(a, an, b, bn, 0) <= (an >= 8 ? 2u : 1u);
}

/* ---- field names ---------------------------------------------------------- */

/* Is s[0..n), letters only, a slip for field f: the same but for case,
 * one edit, or two neighbouring letters swapped? */
static int near_field(const char *s, size_t n, const char *f)
{
    uint32_t a[MAX_CHARS], b[MAX_CHARS];
    size_t an = decode(a, s, n), bn = decode(b, f, strlen(f));
    return an <= MAX_CHARS && distance(a, an, b, bn, 1) <= 1;
}

int spine_speller_check_fields(const char *query, xapian_error *xe)
{
    words ws;
    int rc = 0;
    split_words(&ws, query);
    for (size_t i = 0; rc == 0 && i < ws.n; i++) {
        const word *w = &ws.w[i];
        const char *s = query + w->at;
        if (!(w->flags & W_FIELD) || (w->flags & W_QUOTED)
            || find_field(s, w->len))
            continue;
        int letters = 1;
        for (size_t k = 0; k < w->len; k++)
            letters &= isalpha((unsigned char)s[k]) != 0;
        for (size_t f = 0; letters && rc == 0 && f < NFIELDS; f++) {
            if (!near_field(s, w->len, fields[f].name))
                continue;
            rc = XAPIAN_EQUERY;
            if (xe) {
                xe->code = rc;
                snprintf(xe->msg, sizeof xe->msg, "unknown field '%.*s' "
                         "(did you mean %s:?)", (int)w->len, s,
                         fields[f].name);
            }
        }
    }
    free(ws.w);
    return rc;
}

/* ---- the dictionaries ----------------------------------------------------- */

/* hunspell's English dictionary with the medical one added, shared by the
 * spellers of the process: about 16 MB, and 0.05-0.1 s to load each, so
 * each is loaded only when a word needs it (the medical one when the
 * English one lacks a word) and kept while a speller lives.  A hunspell
 * handle is not safe to share between threads: every use holds the
 * lock. */
static pthread_mutex_t dict_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned dict_users;         /* spellers alive */
static int dict_stage;              /* 0: nothing tried, 1: English tried,
                                       2: the medical one too */
static Hunhandle *dict;             /* NULL: none (yet) */
static unsigned dict_noted;         /* the notes printed: 1 English,
                                       2 medical */

static const char *dict_dir(void)
{
    const char *dir = getenv("SPINE_HUNSPELL_DIR");
    return dir && *dir ? dir : SPINE_HUNSPELL_DIR;
}

/* Says once per process, on stderr, that a dictionary is missing. */
static void dict_note(unsigned which, const char *path, const char *package,
                      const char *words)
{
    if (dict_noted & which)
        return;
    dict_noted |= which;
    fprintf(stderr, "spine: no dictionary %s (install %s): close spelling "
            "corrections are applied even to %s words\n", path, package,
            words);
}

static void load_english(void)
{
    const char *dir = dict_dir();
    char *aff = spine_path_join(dir, "en_US.aff");
    char *dic = spine_path_join(dir, "en_US.dic");
    if (access(aff, R_OK) == 0 && access(dic, R_OK) == 0)
        dict = Hunspell_create(aff, dic);
    if (!dict)
        dict_note(1, dic, "hunspell-en-us", "English");
    free(aff);
    free(dic);
}

/* The medical word list has no affix file of its own: it is read with
 * the English one's, so without that it is not loaded. */
static void load_medical(void)
{
    char *dic = spine_path_join(dict_dir(), "en_med_glut.dic");
    if (dict && (access(dic, R_OK) != 0 || Hunspell_add_dic(dict, dic) != 0))
        dict_note(2, dic, "hunspell-en-med", "medical");
    free(dic);
}

/* Is s[0..n) a word of the loaded dictionaries, as typed, in lower case
 * or capitalised ("fabry" is the name Fabry)?  Call with dict_lock
 * held. */
static int dict_spells(const char *s, size_t n)
{
    if (!dict || n == 0 || n > 4 * MAX_CHARS || !spine_utf8_valid(s, n, NULL))
        return 0;
    char *w = spine_strndup(s, n);
    int found = Hunspell_spell(dict, w) != 0;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)w[i]);
    found = found || Hunspell_spell(dict, w) != 0;
    w[0] = (char)toupper((unsigned char)w[0]);
    found = found || Hunspell_spell(dict, w) != 0;
    free(w);
    return found;
}

/* Is s[0..n) a word of hunspell's English or medical dictionary?  Loads
 * them as needed; 0 when they are missing. */
static int dict_has(const char *s, size_t n)
{
    pthread_mutex_lock(&dict_lock);
    if (dict_stage == 0) {
        load_english();
        dict_stage = 1;
    }
    int found = dict_spells(s, n);
    if (!found && dict_stage == 1) {
        load_medical();
        dict_stage = 2;
        found = dict_spells(s, n);
    }
    pthread_mutex_unlock(&dict_lock);
    return found;
}

/* Is word i of ws (in query) a dictionary word, alone or as part of the
 * compound it is hyphenated into, written with or without its hyphens
 * ("pre-school", "preschool")? */
static int dict_word(const char *query, const words *ws, size_t i)
{
    const word *w = &ws->w[i];
    if (dict_has(query + w->at, w->len))
        return 1;
    size_t first = i, last = i;
    while (first > 0 && (ws->w[first - 1].flags & W_HYPHEN))
        first--;
    while (last + 1 < ws->n && (ws->w[last].flags & W_HYPHEN))
        last++;
    if (first == last)
        return 0;
    const char *s = query + ws->w[first].at;
    size_t n = ws->w[last].at + ws->w[last].len - ws->w[first].at;
    if (dict_has(s, n))
        return 1;
    spine_buf joined = SPINE_BUF_INIT;
    for (size_t k = first; k <= last; k++)
        spine_buf_append(&joined, query + ws->w[k].at, ws->w[k].len);
    int found = dict_has(joined.p, joined.n);
    spine_buf_free(&joined);
    return found;
}

/* ---- the speller ---------------------------------------------------------- */

int spine_speller_new(spine_speller **out, const xapian_database *db,
                      xapian_query_parser *qp, unsigned flags,
                      const spine_synonyms *synonyms, xapian_error *xe)
{
    (void)xe;
    spine_speller *sp = spine_calloc(1, sizeof *sp);
    sp->db = db;
    sp->qp = qp;
    sp->flags = flags;
    sp->synonyms = synonyms;
    pthread_mutex_lock(&dict_lock);
    dict_users++;
    pthread_mutex_unlock(&dict_lock);
    *out = sp;
    return 0;
}

void spine_speller_free(spine_speller *sp)
{
    if (!sp)
        return;
    pthread_mutex_lock(&dict_lock);
    if (--dict_users == 0) {
        if (dict)
            Hunspell_destroy(dict);
        dict = NULL;
        dict_stage = 0;
    }
    pthread_mutex_unlock(&dict_lock);
    xapian_query_parser_free(sp->qp);
    free(sp);
}

/* Returns 1 when the word tok[0..len) (lower-cased) is a term of the body
 * text or a word of a synonym key. */
static int known_word(spine_speller *sp, const char *tok, size_t len)
{
    if (len == 0 || len > 64)
        return 1;
    char term[65];
    for (size_t i = 0; i < len; i++)
        term[i] = (char)tolower((unsigned char)tok[i]);
    term[len] = '\0';
    if (spine_synonyms_has_key_word(sp->synonyms, term))
        return 1;
    uint32_t freq = 0;
    xapian_database_termfreq(&freq, sp->db, term, len, NULL);
    return freq > 0;
}

/* Returns 1 when every word of query (ws) outside field names and filter
 * values is a known term: then there is nothing to correct, and the
 * spelling lookups (about 1.5 ms a query, more than the search itself)
 * can be skipped. */
static int all_words_known(spine_speller *sp, const char *query,
                           const words *ws)
{
    for (size_t i = 0; i < ws->n; i++) {
        const word *w = &ws->w[i];
        if (!(w->flags & (W_FIELD | W_FILTER))
            && !known_word(sp, query + w->at, w->len))
            return 0;
    }
    return 1;
}

/* Do query (words qw) and Xapian's correction x (words xw) have the same
 * words in the same places, with the same text between them? */
static int aligned(const char *query, const words *qw, const char *x,
                   const words *xw)
{
    if (qw->n != xw->n)
        return 0;
    size_t qend = 0, xend = 0;
    for (size_t i = 0; i <= qw->n; i++) {
        size_t qat = i < qw->n ? qw->w[i].at : strlen(query);
        size_t xat = i < xw->n ? xw->w[i].at : strlen(x);
        if (qat - qend != xat - xend
            || memcmp(query + qend, x + xend, qat - qend) != 0)
            return 0;
        if (i < qw->n) {
            qend = qat + qw->w[i].len;
            xend = xat + xw->w[i].len;
        }
    }
    return 1;
}

/* Returns query (words qw) with each word i for which take[i] is set
 * replaced by word i of x (words xw): malloc()ed. */
static char *apply(const char *query, const words *qw, const char *x,
                   const words *xw, const unsigned char *take)
{
    spine_buf b = SPINE_BUF_INIT;
    size_t at = 0;
    for (size_t i = 0; i < qw->n; i++) {
        if (!take[i])
            continue;
        spine_buf_append(&b, query + at, qw->w[i].at - at);
        spine_buf_append(&b, x + xw->w[i].at, xw->w[i].len);
        at = qw->w[i].at + qw->w[i].len;
    }
    spine_buf_puts(&b, query + at);
    return spine_buf_detach(&b);
}

/* What becomes of a word Xapian changed. */
enum change {
    KEEP,               /* a field name, a filter or a known word */
    SUGGEST,            /* quoted, or a dictionary word: only suggested */
    TYPO_FAR,           /* a typo whose correction is not close */
    TYPO_CLOSE          /* a typo with a close correction */
};

static enum change classify(spine_speller *sp, const char *query,
                            const words *qw, size_t i, const char *x,
                            const word *xw)
{
    const word *w = &qw->w[i];
    if ((w->flags & (W_FIELD | W_FILTER))
        || known_word(sp, query + w->at, w->len))
        return KEEP;
    if (w->flags & W_QUOTED)
        return SUGGEST;
    /* Only a close correction would be searched without asking, and only
     * then is the dictionary worth loading. */
    if (!spine_speller_close(query + w->at, w->len, x + xw->at, xw->len))
        return TYPO_FAR;
    return dict_word(query, qw, i) ? SUGGEST : TYPO_CLOSE;
}

/* Sets *fix and *close from x, Xapian's correction of query (words qw):
 * the typos' corrections, applied when all are close; else the
 * suggestions alone. */
static void choose(char **fix, int *close, spine_speller *sp,
                   const char *query, const words *qw, const char *x)
{
    words xw;
    split_words(&xw, x);
    if (!aligned(query, qw, x, &xw)) {
        /* Not word for word: a suggestion to take or leave. */
        *fix = spine_strdup(x);
        free(xw.w);
        return;
    }
    unsigned char *typo = spine_calloc(qw->n + 1, 1);
    unsigned char *suggest = spine_calloc(qw->n + 1, 1);
    int typos = 0, suggestions = 0, far = 0;
    for (size_t i = 0; i < qw->n; i++) {
        const word *q = &qw->w[i], *c = &xw.w[i];
        if (q->len == c->len && memcmp(query + q->at, x + c->at, q->len) == 0)
            continue;
        switch (classify(sp, query, qw, i, x, c)) {
        case KEEP:
            break;
        case SUGGEST:
            suggest[i] = 1;
            suggestions++;
            break;
        case TYPO_FAR:
            far++;
            /* fall through */
        case TYPO_CLOSE:
            typo[i] = 1;
            typos++;
            break;
        }
    }
    if (typos) {
        *fix = apply(query, qw, x, &xw, typo);
        *close = far == 0;
    } else if (suggestions) {
        *fix = apply(query, qw, x, &xw, suggest);
    }
    free(typo);
    free(suggest);
    free(xw.w);
}

int spine_speller_correct(char **fix, int *close, spine_speller *sp,
                          const char *query, xapian_error *xe)
{
    *fix = NULL;
    *close = 0;
    int rc = spine_speller_check_fields(query, xe);
    if (rc != 0)
        return rc;
    words qw;
    split_words(&qw, query);
    if (all_words_known(sp, query, &qw)) {
        free(qw.w);
        return 0;
    }
    xapian_query *q = NULL;
    rc = xapian_query_parser_parse(&q, sp->qp, query, strlen(query),
                                   sp->flags
                                   | XAPIAN_QP_FLAG_SPELLING_CORRECTION, xe);
    xapian_query_free(q);
    const char *x = rc == 0 ? xapian_query_parser_corrected(sp->qp) : NULL;
    if (x && *x && strcmp(x, query) != 0)
        choose(fix, close, sp, query, &qw, x);
    free(qw.w);
    return rc;
}
