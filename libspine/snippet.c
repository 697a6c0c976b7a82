/*
 * snippet.c -- what a hit shows of its text: the section that matches the
 * query best, and a snippet of it as one line of plain text with the
 * caller's highlight markers: Spine's own (spine_snippet_make), or, for a
 * query with wildcards, Xapian's, which knows what they expanded to.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "snippet.h"

/* See snippet.h.  Xapian escapes &, <, > and quotes; its markers are the
 * SPINE_HI_START/SPINE_HI_END control characters.  Turns the snippet into
 * plain text with the caller's markers. */
char *spine_snippet_render(const char *html, const char *hi_start,
                           const char *hi_end, unsigned cut)
{
    static const struct { const char *ent; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
        { "&quot;", '"' }, { "&#39;", '\'' }, { "&apos;", '\'' },
    };
    static const char omit[] = "...";
    size_t len = strlen(html), ctl;
    spine_buf b = SPINE_BUF_INIT;
    if ((cut & SPINE_CUT_HEAD) && strncmp(html, omit, strlen(omit)) != 0)
        spine_buf_puts(&b, omit);
    for (const char *p = html; *p; ) {
        if (*p == SPINE_HI_START[0]) {
            spine_buf_puts(&b, hi_start);
            p++;
        } else if (*p == SPINE_HI_END[0]) {
            spine_buf_puts(&b, hi_end);
            p++;
        } else if (*p == '&') {
            size_t k, n = sizeof ents / sizeof ents[0];
            for (k = 0; k < n; k++) {
                size_t len = strlen(ents[k].ent);
                if (!strncmp(p, ents[k].ent, len)) {
                    spine_buf_append(&b, &ents[k].c, 1);
                    p += len;
                    break;
                }
            }
            if (k == n)
                spine_buf_append(&b, p++, 1);
        } else if ((ctl = spine_control_len(p, len - (size_t)(p - html)))) {
            /* Snippets are one line: fold runs of layout whitespace, and
             * of other controls (spine_control_len()): stored text is
             * never to drive the reader's terminal. */
            if (b.n && b.p[b.n - 1] != ' ')
                spine_buf_append(&b, " ", 1);
            p += ctl;
        } else {
            spine_buf_append(&b, p++, 1);
        }
    }
    if ((cut & SPINE_CUT_TAIL) && b.n
        && (len < strlen(omit) || strcmp(html + len - strlen(omit), omit)))
        spine_buf_puts(&b, omit);
    return spine_buf_detach(&b);
}

/* Appends section sec's text (question, then answer) to b. */
static void section_text(spine_buf *b, const spine_section *sec)
{
    if (*sec->question) {
        spine_buf_puts(b, sec->question);
        spine_buf_puts(b, "\n");
    }
    spine_buf_puts(b, sec->answer);
    spine_buf_puts(b, "\n\n");
}

void spine_wanted_free(spine_wanted *w)
{
    free(w->buf);
    free(w->word);
    free(w->stemmed);
}

/* Points w->word at the words of the w->n terms in w->buf. */
static void wanted_index(spine_wanted *w)
{
    w->word = spine_calloc(w->n ? w->n : 1, sizeof *w->word);
    w->stemmed = spine_calloc(w->n ? w->n : 1, sizeof *w->stemmed);
    const char *t = w->buf;
    for (size_t k = 0; k < w->n; k++, t += strlen(t) + 1) {
        const char *p = t;
        int z = *p == 'Z';
        p += z;
        if (*p == 'S')               /* a title term: the same word */
            p++;
        w->word[k] = p;
        w->stemmed[k] = z;
        w->first[(unsigned char)*p] = 1;
    }
}

/* The terms hit i of mset matched (for --explain). */
int spine_wanted_hit(spine_wanted *w, const xapian_enquire *enq,
                     xapian_mset *mset, unsigned i, xapian_error *xe)
{
    memset(w, 0, sizeof *w);
    int rc = xapian_enquire_matching_terms(&w->buf, &w->n, enq, mset, i,
                                           xe);
    if (rc == 0)
        wanted_index(w);
    return rc;
}

/* The terms of query q: read once per query, they choose every hit's
 * snippet section (a hit's own matched terms are the query terms its text
 * contains, so counting either gives the same order, and this way no
 * document's term list is read). */
int spine_wanted_query(spine_wanted *w, const xapian_query *q,
                       xapian_error *xe)
{
    memset(w, 0, sizeof *w);
    int rc = xapian_query_terms(&w->buf, &w->n, q, xe);
    if (rc == 0)
        wanted_index(w);
    return rc;
}

/* A byte of a word: an ASCII letter or digit, or any byte above 0x7f. */
static inline int word_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Moves a cut at text[at] back to the first byte of the UTF-8 character
 * it falls in, but not before lo: a cut inside a long run of letters
 * (text without spaces: Japanese, say) must not split one, as stored text
 * is valid UTF-8 and so must be every snippet of it.  len is the text's
 * length; a cut at len is whole. */
static size_t char_start(const char *text, size_t len, size_t lo, size_t at)
{
    while (at > lo && at < len && ((unsigned char)text[at] & 0xc0) == 0x80)
        at--;
    return at;
}

/* Is word (n bytes, lower-cased) a query word of w?  A word as typed must
 * be equal.  A stem, without a stemmer, matches the words that start with
 * it ("stones", "stoned" for "stone"): looser, and much cheaper, enough to
 * pick a section and a window.  With stem, a word matches when it stems
 * to the query stem, exactly the words Xapian matches; Snowball's English
 * stemmer keeps a word's first letter, so only words that share it with a
 * stem are stemmed. */
static inline int is_query_word(const spine_wanted *w,
                                const xapian_stem *stem, const char *word,
                                size_t n)
{
    char *stemmed = NULL;
    int found = 0;
    xapian_error xe;
    for (size_t k = 0; k < w->n && !found; k++) {
        const char *t = w->word[k];
        if (t[0] != word[0])
            continue;
        if (!w->stemmed[k]) {
            found = strlen(t) == n && memcmp(t, word, n) == 0;
        } else if (!stem) {
            found = strncmp(word, t, strlen(t)) == 0;
        } else {
            if (!stemmed
                && xapian_stem_word(&stemmed, stem, word, n, &xe) != 0)
                break;
            found = strcmp(stemmed, t) == 0;
        }
    }
    if (stemmed)
        free(stemmed);
    return found;
}

#define WORD_MAX 65

/* Sets word to text[0..n), a word with bytes above 0x7f, as its terms read
 * it: folded (fold.h) through scratch, and lower-cased.  Returns its
 * length, or 0 when that is WORD_MAX bytes or more. */
static size_t folded_word(char word[WORD_MAX], const char *text, size_t n,
                          spine_buf *scratch)
{
    spine_buf_reset(scratch);
    spine_fold_append(scratch, text, n, 0);
    if (scratch->n >= WORD_MAX)
        return 0;
    for (size_t k = 0; k < scratch->n; k++)
        word[k] = (char)tolower((unsigned char)scratch->p[k]);
    word[scratch->n] = '\0';
    return scratch->n;
}

/* Calls fn(offset, length, ctx) for each word of text[0..len) that is a
 * query word of w (is_query_word(), loose when stem is NULL), in order.
 * A word matches as the indexer makes its terms, folded: "Ménière" is a
 * query word "meniere", and is marked as written.  Returns the number of
 * matching words. */
static unsigned match_words(const char *text, size_t len,
                            const spine_wanted *w, const xapian_stem *stem,
                            void (*fn)(size_t at, size_t n, void *ctx),
                            void *ctx)
{
    unsigned count = 0;
    char word[WORD_MAX];
    spine_buf scratch = SPINE_BUF_INIT;
    for (size_t i = 0; i < len; ) {
        size_t n = 0, wn = 0;
        while (i + n < len && word_char((unsigned char)text[i + n]))
            n++;
        if (n == 0) {
            i++;
            continue;
        }
        /* Most words start with a letter no query word starts with.
         * Folding keeps ASCII bytes, so an ASCII first letter rules out
         * a word with accents further on ("Ménière") as well; a word that
         * passes is folded when it has a byte above 0x7f, and so is one
         * that starts with one before its first letter is looked at. */
        unsigned char c0 = (unsigned char)text[i];
        if (n < WORD_MAX && (c0 >= 0x80 || w->first[tolower(c0)])) {
            unsigned char any = 0;
            for (size_t k = 0; k < n; k++) {
                any |= (unsigned char)text[i + k];
                word[k] = (char)tolower((unsigned char)text[i + k]);
            }
            word[n] = '\0';
            wn = n;
            if (any & 0x80) {
                wn = folded_word(word, text + i, n, &scratch);
                if (wn && !w->first[(unsigned char)word[0]])
                    wn = 0;
            }
        }
        if (wn && is_query_word(w, stem, word, wn)) {
            count++;
            if (fn)
                fn(i, n, ctx);
        }
        i += n;
    }
    spine_buf_free(&scratch);
    return count;
}

/* How well a section matches: the number of its words that are query
 * words (see match_words). */
static unsigned section_score(const spine_section *sec,
                              const spine_wanted *w)
{
    return match_words(sec->question, strlen(sec->question), w, NULL, NULL,
                       NULL)
           + match_words(sec->answer, strlen(sec->answer), w, NULL, NULL,
                         NULL);
}

/* The matching words of a text, in order: text[at[i]..end[i]). */
typedef struct spans {
    size_t *at, *end;
    size_t n, cap;
} spans;

static void add_span(size_t at, size_t n, void *ctx)
{
    spans *m = ctx;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 32;
        m->at = spine_realloc(m->at, m->cap * sizeof *m->at);
        m->end = spine_realloc(m->end, m->cap * sizeof *m->end);
    }
    m->at[m->n] = at;
    m->end[m->n++] = at + n;
}

static void spans_free(spans *m)
{
    free(m->at);
    free(m->end);
}

/* Lead kept before the first match of a window, so that a snippet can
 * start a little before it, as Xapian's do. */
#define WINDOW_LEAD 64

/* Cuts b down to at most window bytes around the stretch of it where query
 * words are densest, so that the snippet maker (Xapian's stems every word
 * it is given) reads a window instead of a whole section.  Sets SPINE_CUT_HEAD
 * and SPINE_CUT_TAIL in *cut for the ends it removed. */
static void cut_window(spine_buf *b, const spine_wanted *w, size_t window,
                       unsigned *cut)
{
    spans o = { 0 };
    if (window == 0 || b->n <= window)
        return;
    match_words(b->p, b->n, w, NULL, add_span, &o);
    /* The window [at[i] - lead, at[i] - lead + window) holding the most
     * matches (two pointers over the sorted offsets). */
    size_t best = 0, best_count = 0;
    for (size_t i = 0, j = 0; i < o.n; i++) {
        if (j < i)
            j = i;
        while (j < o.n && o.at[j] - o.at[i] + WINDOW_LEAD < window)
            j++;
        if (j - i > best_count) {
            best_count = j - i;
            best = i;
        }
    }
    size_t start = 0;
    if (best_count && o.at[best] > WINDOW_LEAD) {
        start = o.at[best] - WINDOW_LEAD;
        /* Start on a word: skip the rest of a cut word. */
        while (start < o.at[best] && !spine_is_space(b->p[start - 1]))
            start++;
    }
    size_t end = start + window < b->n ? start + window : b->n;
    size_t hard_end = end;
    while (end > start && end < b->n && !spine_is_space(b->p[end]))
        end--;
    if (end == start)                   /* one long "word": cut inside it */
        end = char_start(b->p, b->n, start, hard_end);
    spans_free(&o);
    if (start > 0)
        *cut |= SPINE_CUT_HEAD;
    if (end < b->n)
        *cut |= SPINE_CUT_TAIL;
    memmove(b->p, b->p + start, end - start);
    b->n = end - start;
    b->p[b->n] = '\0';
}

/* The text a snippet is cut from: the best-matching section (its pid in
 * *pid), or the whole article when no section matches a query word (the
 * title alone matched, say; *pid is then NULL); then its densest window. */
void spine_snippet_text(spine_buf *b, const char **pid, unsigned *cut,
                        const spine_article *a, const spine_wanted *w,
                        size_t window)
{
    size_t best = 0;
    unsigned best_score = 0;
    for (size_t i = 0; i < a->nsections; i++) {
        unsigned sc = section_score(&a->sections[i], w);
        if (sc > best_score) {
            best_score = sc;
            best = i;
        }
    }
    spine_buf_reset(b);
    *cut = 0;
    *pid = NULL;
    if (best_score) {
        *pid = a->sections[best].pid;
        section_text(b, &a->sections[best]);
    } else {
        for (size_t i = 0; i < a->nsections; i++)
            section_text(b, &a->sections[i]);
    }
    cut_window(b, w, window, cut);
}

/* ---- Spine's own snippets -------------------------------------------- */

char *spine_snippet_make(const char *text, size_t len, const spine_wanted *w,
                         const xapian_stem *stem, size_t bytes,
                         const char *hi_start, const char *hi_end,
                         unsigned cut)
{
    spans m = { 0 };
    match_words(text, len, w, stem, add_span, &m);
    size_t n = m.n, start = 0, end = len;
    if (len > bytes) {
        /* The stretch of bytes bytes, starting a little before a match,
         * that holds the most matches (the first such). */
        size_t lead = bytes / 8, best = 0, best_count = 0;
        for (size_t i = 0, j = 0; i < n; i++) {
            size_t from = m.at[i] > lead ? m.at[i] - lead : 0;
            if (j < i)
                j = i;
            while (j < n && m.end[j] <= from + bytes)
                j++;
            if (j - i > best_count) {
                best_count = j - i;
                best = from;
            }
        }
        start = best + bytes > len ? len - bytes : best;
        /* Start on a word (or the bracket or quote before one), end after
         * one. */
        while (start > 0 && start < len && word_char((unsigned char)text[start])
               && word_char((unsigned char)text[start - 1]))
            start++;
        while (start > 0 && start < len
               && !word_char((unsigned char)text[start])
               && !strchr("([\"'", text[start]))
            start++;
        end = start + bytes < len ? start + bytes : len;
        size_t hard_end = end;
        while (end > start && end < len
               && word_char((unsigned char)text[end])
               && word_char((unsigned char)text[end - 1]))
            end--;
        if (end == start)
            end = char_start(text, len, start, hard_end);
    }
    while (start < end && spine_is_space(text[start]))
        start++;
    while (end > start && spine_is_space(text[end - 1]))
        end--;

    size_t ctl = 0;
    spine_buf b = SPINE_BUF_INIT;
    if (start > 0 || (cut & SPINE_CUT_HEAD))
        spine_buf_puts(&b, "...");
    size_t k = 0;
    while (k < n && m.at[k] < start)
        k++;
    for (size_t i = start; i < end; ) {
        if (k < n && i == m.at[k] && m.end[k] <= end) {
            spine_buf_puts(&b, hi_start);
            spine_buf_append(&b, text + i, m.end[k] - i);
            spine_buf_puts(&b, hi_end);
            i = m.end[k++];
        } else if (text[i] == ' '
                   || (ctl = spine_control_len(text + i, end - i))) {
            /* Snippets are one line: fold runs of layout whitespace (and
             * of other controls). */
            if (b.n && b.p[b.n - 1] != ' ')
                spine_buf_append(&b, " ", 1);
            i += text[i] == ' ' ? 1 : ctl;
        } else {
            spine_buf_append(&b, text + i, 1);
            i++;
        }
    }
    if (end < len || (cut & SPINE_CUT_TAIL))
        spine_buf_puts(&b, "...");
    spans_free(&m);
    if (!b.p)
        spine_buf_puts(&b, "");
    return spine_buf_detach(&b);
}
