/*
 * snippet.c -- what a hit shows of its text: the section that matches the
 * query best, and Xapian's snippet of it turned into plain text with the
 * caller's highlight markers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

/* See snippet.h.  Xapian escapes &, <, > and quotes; its markers are the
 * SPINE_HI_START/SPINE_HI_END control characters.  Turns the snippet into
 * plain text with the caller's markers. */
char *spine_snippet_render(const char *html, const char *hi_start,
                           const char *hi_end)
{
    static const struct { const char *ent; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
        { "&quot;", '"' }, { "&#39;", '\'' }, { "&apos;", '\'' },
    };
    spine_buf b = SPINE_BUF_INIT;
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
        } else if (isspace((unsigned char)*p)) {
            /* Snippets are one line: fold runs of layout whitespace. */
            if (b.n && b.p[b.n - 1] != ' ')
                spine_buf_append(&b, " ", 1);
            p++;
        } else {
            spine_buf_append(&b, p++, 1);
        }
    }
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

/* How well a section matches: the number of its words that are query
 * words, as typed or (for stems) extended: a word matches the stem "stone"
 * when it starts with it ("stones", "stoned").  That is looser than
 * stemming each word, and much cheaper; it only picks a section, and Xapian
 * then highlights exact stem matches within it. */
static unsigned section_score(const spine_section *sec,
                              const spine_wanted *w)
{
    const char *parts[2] = { sec->question, sec->answer };
    unsigned score = 0;
    char word[65];
    for (int part = 0; part < 2; part++) {
        for (const char *p = parts[part]; *p; ) {
            size_t n = 0;
            while (p[n] && (isalnum((unsigned char)p[n])
                            || (unsigned char)p[n] >= 0x80))
                n++;
            if (n == 0) {
                p++;
                continue;
            }
            if (n < sizeof word) {
                for (size_t k = 0; k < n; k++)
                    word[k] = (char)tolower((unsigned char)p[k]);
                word[n] = '\0';
                for (size_t k = 0; k < w->n; k++) {
                    const char *t = w->word[k];
                    if (t[0] != word[0])
                        continue;
                    if (w->stemmed[k] ? strncmp(word, t, strlen(t)) == 0
                                      : strcmp(word, t) == 0) {
                        score++;
                        break;
                    }
                }
            }
            p += n;
        }
    }
    return score;
}

/* The text a snippet is cut from: the best-matching section (its pid in
 * *pid), or the whole article when no section matches a query word (the
 * title alone matched, say; *pid is then NULL). */
void spine_snippet_text(spine_buf *b, const char **pid,
                        const spine_article *a, const spine_wanted *w)
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
    if (best_score) {
        *pid = a->sections[best].pid;
        section_text(b, &a->sections[best]);
        return;
    }
    *pid = NULL;
    for (size_t i = 0; i < a->nsections; i++)
        section_text(b, &a->sections[i]);
}
