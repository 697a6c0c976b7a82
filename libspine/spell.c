/*
 * spell.c -- "did you mean" for the searcher: Xapian's spelling dictionary
 * asked only about the words of a query that neither the index nor the
 * synonym table knows, and the rule for searching a correction without
 * asking.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spell.h"
#include "util.h"

struct spine_speller {
    const xapian_database *db;      /* borrowed from the searcher */
    xapian_query_parser *qp;        /* owned; does not stem */
    unsigned flags;                 /* the searcher's parse flags */
    const spine_synonyms *synonyms; /* borrowed from the searcher */
};

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
    *out = sp;
    return 0;
}

void spine_speller_free(spine_speller *sp)
{
    if (!sp)
        return;
    xapian_query_parser_free(sp->qp);
    free(sp);
}

/* Returns 1 when the word tok[0..len) (edges trimmed of punctuation,
 * lower-cased) is a term of the body text or a word of a synonym key. */
static int known_word(spine_speller *sp, const char *tok, size_t len)
{
    while (len && !isalnum((unsigned char)*tok)) {
        tok++;
        len--;
    }
    while (len && !isalnum((unsigned char)tok[len - 1]))
        len--;
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

/* Returns 1 when every space-separated word of query is a known term: then
 * there is nothing to correct, and the spelling lookups (about 1.5 ms a
 * query, more than the search itself) can be skipped. */
static int all_words_known(spine_speller *sp, const char *query)
{
    for (const char *q = query; *q; ) {
        size_t n = strcspn(q, " ");
        if (n && !known_word(sp, q, n))
            return 0;
        q += n;
        q += strspn(q, " ");
    }
    return 1;
}

/* Xapian's correction may swap a word that is in the index for a more
 * frequent neighbour ("stone" -> "stones").  Only unknown words deserve a
 * "did you mean": put known words back.  Returns the corrected query
 * (malloc()ed), or NULL when no correction remains. */
static char *keep_known_words(spine_speller *sp, const char *query,
                              const char *fix)
{
    spine_buf b = SPINE_BUF_INIT;
    const char *q = query, *f = fix;
    int changed = 0;
    for (;;) {
        while (*q == ' ')
            q++;
        while (*f == ' ')
            f++;
        if (!*q || !*f)
            break;
        size_t qn = strcspn(q, " "), fn = strcspn(f, " ");
        int differ = qn != fn || strncmp(q, f, qn) != 0;
        if (differ && !known_word(sp, q, qn)) {
            spine_buf_append(&b, f, fn);
            changed = 1;
        } else {
            spine_buf_append(&b, q, qn);
        }
        spine_buf_append(&b, " ", 1);
        q += qn;
        f += fn;
    }
    /* The two must align word for word; if they do not, trust Xapian. */
    if (*q || *f) {
        spine_buf_free(&b);
        return spine_strdup(fix);
    }
    if (!changed) {
        spine_buf_free(&b);
        return NULL;
    }
    b.p[--b.n] = '\0';                  /* the last separator */
    return spine_buf_detach(&b);
}

/* Levenshtein distance between a[0..an) and b[0..bn), both at most 64
 * bytes (longer words count as far apart). */
static size_t edit_distance(const char *a, size_t an, const char *b,
                            size_t bn)
{
    size_t row[65];
    if (an > 64 || bn > 64)
        return 64;
    for (size_t j = 0; j <= bn; j++)
        row[j] = j;
    for (size_t i = 1; i <= an; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t up = row[j];
            size_t best = diag + (tolower((unsigned char)a[i - 1])
                                  != tolower((unsigned char)b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bn];
}

/* Is fix a correction close enough to apply without asking?  Word by word,
 * every changed word must be within one edit of the word typed (two for
 * words of eight letters or more): "osteoperosis" -> "osteoporosis" is, but
 * a name the index lacks ("fabry") is not turned into a distant word
 * ("carry"). */
static int close_correction(const char *query, const char *fix)
{
    const char *q = query, *f = fix;
    for (;;) {
        q += strspn(q, " ");
        f += strspn(f, " ");
        if (!*q || !*f)
            return !*q && !*f;
        size_t qn = strcspn(q, " "), fn = strcspn(f, " ");
        size_t allowed = qn >= 8 ? 2 : 1;
        if (edit_distance(q, qn, f, fn) > allowed)
            return 0;
        q += qn;
        f += fn;
    }
}

int spine_speller_correct(char **fix, int *close, spine_speller *sp,
                          const char *query, xapian_error *xe)
{
    *fix = NULL;
    *close = 0;
    if (all_words_known(sp, query))
        return 0;
    xapian_query *q = NULL;
    int rc = xapian_query_parser_parse(&q, sp->qp, query, strlen(query),
                                       sp->flags
                                       | XAPIAN_QP_FLAG_SPELLING_CORRECTION,
                                       xe);
    xapian_query_free(q);
    if (rc != 0)
        return rc;
    const char *x = xapian_query_parser_corrected(sp->qp);
    if (x && *x && strcmp(x, query) != 0)
        *fix = keep_known_words(sp, query, x);
    if (*fix)
        *close = close_correction(query, *fix);
    return 0;
}
