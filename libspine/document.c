/*
 * document.c -- the words of an article as a Xapian document.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "document.h"
#include "schema.h"

int spine_term_generator_new(xapian_term_generator **out,
                             const xapian_stem *stem, xapian_error *xe)
{
    int rc = xapian_term_generator_new(out, xe);
    if (rc == 0)
        rc = xapian_term_generator_set_stemmer(*out, stem, xe);
    return rc;
}

static int index_text(xapian_term_generator *tg, const char *text,
                      unsigned wdfinc, const char *prefix, int positions,
                      xapian_error *xe)
{
    if (!text || !*text)
        return 0;
    if (!positions)
        return xapian_term_generator_index_text_without_positions(
            tg, text, strlen(text), wdfinc, prefix, xe);
    return xapian_term_generator_index_text(tg, text, strlen(text), wdfinc,
                                            prefix, xe);
}

/* Sets term to prefix + s, with ASCII letters lower-cased when fold is set
 * (source names are matched case-insensitively). */
static void prefixed(spine_buf *term, const char *prefix, const char *s,
                     int fold)
{
    spine_buf_reset(term);
    spine_buf_puts(term, prefix);
    for (; *s; s++) {
        char c = fold ? (char)tolower((unsigned char)*s) : *s;
        spine_buf_append(term, &c, 1);
    }
}

int spine_document_index_unit(xapian_term_generator *tg,
                              const spine_article *a, size_t u,
                              unsigned wdfinc, const char *prefix,
                              int positions, xapian_error *xe)
{
    if (u == 0)
        return index_text(tg, a->title, wdfinc, prefix, positions, xe);
    const spine_section *s = &a->sections[u - 1];
    int rc = index_text(tg, s->question, wdfinc, prefix, positions, xe);
    if (rc == 0)
        rc = xapian_term_generator_increase_termpos(tg, SPINE_ANSWER_GAP, xe);
    if (rc == 0)
        rc = index_text(tg, s->answer, wdfinc, prefix, positions, xe);
    return rc;
}

/* Words of s: runs of ASCII letters and digits and of bytes above 0x7f. */
static uint64_t words(const char *s)
{
    uint64_t n = 0;
    int in = 0;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        int w = c >= 0x80 || isalnum(c);
        n += w && !in;
        in = w;
    }
    return n;
}

uint64_t spine_document_length(const spine_article *a)
{
    uint64_t n = (SPINE_TITLE_WDF + 1) * words(a->title);
    for (size_t i = 0; i < a->nsections; i++)
        n += words(a->sections[i].question) + words(a->sections[i].answer);
    return n;
}

unsigned spine_document_wdf_unit(uint64_t len, double avlen)
{
    double tfn = log2(1 + SPINE_NORM_C * avlen / (double)(len ? len : 1));
    double unit = round(SPINE_WDF_SCALE * tfn);
    return unit < 1 ? 1 : unit > 65535 ? 65535 : (unsigned)unit;
}

int spine_document_index(xapian_term_generator *tg, xapian_document *doc,
                         const spine_article *a, unsigned unit, int positions,
                         spine_buf *term, xapian_error *xe)
{
    int rc = xapian_term_generator_set_document(tg, doc, xe);
    /* The title twice: prefixed for title: queries, and unprefixed with a
     * boost so that plain queries favour articles about the topic. */
    if (rc == 0)
        rc = spine_document_index_unit(tg, a, 0, unit, SPINE_PREFIX_TITLE,
                                       positions, xe);
    if (rc == 0)
        rc = xapian_term_generator_increase_termpos(tg, SPINE_SECTION_GAP,
                                                    xe);
    if (rc == 0)
        rc = spine_document_index_unit(tg, a, 0, SPINE_TITLE_WDF * unit,
                                       NULL, positions, xe);
    for (size_t u = 1; rc == 0 && u <= a->nsections; u++) {
        rc = xapian_term_generator_increase_termpos(tg, SPINE_SECTION_GAP,
                                                    xe);
        if (rc == 0)
            rc = spine_document_index_unit(tg, a, u, unit, NULL, positions,
                                           xe);
    }
    if (rc == 0 && a->source && *a->source) {
        prefixed(term, SPINE_PREFIX_SOURCE, a->source, 1);
        rc = xapian_document_add_boolean_term(doc, term->p, term->n, xe);
    }
    if (rc == 0) {
        prefixed(term, SPINE_PREFIX_ID, a->id, 0);
        rc = xapian_document_add_boolean_term(doc, term->p, term->n, xe);
    }
    return rc;
}
