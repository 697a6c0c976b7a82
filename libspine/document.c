/*
 * document.c -- the words of an article as a Xapian document.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include <stdlib.h>

#include "document.h"
#include "fold.h"
#include "phrase.h"
#include "schema.h"
#include "store.h"
#include "xerror.h"

int spine_term_generator_new(xapian_term_generator **out,
                             const xapian_stem *stem, xapian_error *xe)
{
    int rc = xapian_term_generator_new(out, xe);
    if (rc == 0)
        rc = xapian_term_generator_set_stemmer(*out, stem, xe);
    return rc;
}

/* Indexes text, folded (fold.h): its words' accents and case are no part
 * of its terms.  Folding leaves words where they were (it removes marks
 * within words and changes letters), so positions stay those of the text
 * as written.  Text with no byte above 0x7f, most of it, goes as it is;
 * the rest is folded into a buffer of its own, which costs a malloc()
 * only where there is something to fold. */
static int index_text(xapian_term_generator *tg, const char *text,
                      unsigned wdfinc, const char *prefix, int positions,
                      xapian_error *xe)
{
    if (!text || !*text)
        return 0;
    spine_buf folded = SPINE_BUF_INIT;
    size_t len;
    const char *t = spine_fold(&folded, text, strlen(text), &len, 0);
    int rc = positions
                 ? xapian_term_generator_index_text(tg, t, len, wdfinc,
                                                    prefix, xe)
                 : xapian_term_generator_index_text_without_positions(
                       tg, t, len, wdfinc, prefix, xe);
    spine_buf_free(&folded);
    return rc;
}

/* Sets term to prefix + s, folded (fold.h) and with ASCII letters
 * lower-cased when fold is set: source names are matched without regard
 * to case or accents, as the query's source: value is folded alike
 * (search.c). */
static void prefixed(spine_buf *term, const char *prefix, const char *s,
                     int fold)
{
    spine_buf_reset(term);
    spine_buf_puts(term, prefix);
    size_t from = term->n;
    if (!fold) {
        spine_buf_puts(term, s);
        return;
    }
    spine_fold_append(term, s, strlen(s), 0);
    for (size_t i = from; i < term->n; i++)
        term->p[i] = (char)tolower((unsigned char)term->p[i]);
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

/* ---- typed fields, for "see also" (schema.h, seealso.h) ---------------- */

/* The section types indexed as fields of their own, and their prefixes. */
static const struct typed_field {
    const char *type;               /* spine_section.type */
    const char *prefix;
} typed_fields[] = {
    { "symptoms", SPINE_PREFIX_SYMPTOM },
    { "causes", SPINE_PREFIX_CAUSE },
    { "complications", SPINE_PREFIX_COMPLICATION },
};

/* Indexes the answers of a's sections of each type of typed_fields under
 * the type's prefix, without positions (fields are matched word by word,
 * never as phrases).  Each occurrence weighs the unit of a document of
 * the field's length, all the article's sections of the type, against
 * SPINE_TYPED_AVLEN: the field's own length normalisation, by which a
 * long list of phenotype terms says less about each than a short account
 * of a condition's symptoms.  The article's length and its body's terms
 * are as they were: the fields are terms of their own. */
static int index_typed(xapian_term_generator *tg, const spine_article *a,
                       xapian_error *xe)
{
    size_t nf = sizeof typed_fields / sizeof typed_fields[0];
    int rc = 0;
    for (size_t f = 0; rc == 0 && f < nf; f++) {
        uint64_t len = 0;
        for (size_t i = 0; i < a->nsections; i++) {
            const spine_section *s = &a->sections[i];
            if (s->type && strcmp(s->type, typed_fields[f].type) == 0)
                len += words(s->answer);
        }
        if (len == 0)
            continue;
        unsigned unit = spine_document_wdf_unit(len, SPINE_TYPED_AVLEN);
        for (size_t i = 0; rc == 0 && i < a->nsections; i++) {
            const spine_section *s = &a->sections[i];
            if (s->type && strcmp(s->type, typed_fields[f].type) == 0)
                rc = index_text(tg, s->answer, unit, typed_fields[f].prefix,
                                0, xe);
        }
    }
    return rc;
}

/* Sets value slot SPINE_SLOT_CONDITION of doc to a's title folded,
 * lower-cased and stemmed with stem, its words (runs of ASCII letters
 * and digits and of bytes above 0x7f) joined by one space: the key on
 * which "see also" collapses one condition's articles from several
 * sources.  key is scratch. */
static int set_condition(xapian_document *doc, const spine_article *a,
                         const xapian_stem *stem, spine_buf *key,
                         xapian_error *xe)
{
    spine_buf folded = SPINE_BUF_INIT;
    const char *t = a->title ? a->title : "";
    spine_fold_append(&folded, t, strlen(t), 0);
    spine_buf_reset(key);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < folded.n;) {
        size_t j = i;
        while (j < folded.n && ((unsigned char)folded.p[j] >= 0x80
                                || isalnum((unsigned char)folded.p[j]))) {
            folded.p[j] = (char)tolower((unsigned char)folded.p[j]);
            j++;
        }
        if (j == i) {
            i++;
            continue;
        }
        char *stemmed = NULL;
        rc = xapian_stem_word(&stemmed, stem, folded.p + i, j - i, xe);
        if (rc == 0) {
            if (key->n)
                spine_buf_append(key, " ", 1);
            spine_buf_puts(key, stemmed);
        }
        free(stemmed);
        i = j;
    }
    if (rc == 0)
        rc = xapian_document_add_value(doc, SPINE_SLOT_CONDITION,
                                       key->n ? key->p : "", key->n, xe);
    spine_buf_free(&folded);
    return rc;
}

unsigned spine_document_title_unit(const char *title)
{
    uint64_t n = words(title);
    double unit = round(SPINE_WDF_SCALE * SPINE_TITLE_NORM / (double)(n ? n : 1));
    return unit < 1 ? 1 : unit > 65535 ? 65535 : (unsigned)unit;
}

int spine_document_index(xapian_term_generator *tg, xapian_document *doc,
                         const spine_article *a, unsigned unit, int positions,
                         spine_buf *term, xapian_error *xe)
{
    int rc = xapian_term_generator_set_document(tg, doc, xe);
    /* The title twice: as a field of its own, each word's wdf its share
     * of the title (spine_document_title_unit()), for title: queries and
     * the searcher's title lift; and unprefixed with a boost, as words of
     * the article. */
    if (rc == 0)
        rc = spine_document_index_unit(tg, a, 0,
                                       spine_document_title_unit(a->title),
                                       SPINE_PREFIX_TITLE, positions, xe);
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
    if (rc == 0)
        rc = index_typed(tg, a, xe);        /* "see also" (schema.h) */
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

int spine_document_spelling_word(const char *term, size_t len)
{
    return len && !(term[0] >= 'A' && term[0] <= 'Z');
}

/* ---- an article made into its whole document --------------------------- */

struct spine_doc_maker {
    int positions;                  /* store word positions */
    xapian_stem *stem;
    xapian_term_generator *tg;
    spine_store_encoder *enc;       /* compresses the stored records */
    spine_phrase_pairs *pairs;      /* builds pair sets (no positions) */
    spine_buf record;               /* scratch for the stored record */
    spine_buf term;                 /* scratch for prefixed terms */
    spine_buf pairset;              /* scratch for one pair set */
    spine_buf condition;            /* scratch for SPINE_SLOT_CONDITION */
};

int spine_doc_maker_new(spine_doc_maker **out, int zlib_level, int positions,
                        spine_error *err)
{
    spine_doc_maker *m = spine_calloc(1, sizeof *m);
    xapian_error xe;
    *out = NULL;
    m->positions = positions;
    int rc = spine_store_encoder_new(&m->enc, zlib_level, err);
    if (rc != SPINE_OK) {
        spine_doc_maker_free(m);
        return rc;
    }
    m->pairs = spine_phrase_pairs_new();
    rc = xapian_stem_new(&m->stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc == 0)
        rc = spine_term_generator_new(&m->tg, m->stem, &xe);
    if (rc != 0) {
        spine_doc_maker_free(m);
        return spine_error_from_xapian(err, &xe, "term generator");
    }
    *out = m;
    return SPINE_OK;
}

int spine_doc_maker_make(spine_doc_maker *m, const spine_article *a,
                         double avlen, xapian_document **doc,
                         const char **idterm, size_t *stored,
                         uint64_t *length, spine_error *err)
{
    xapian_error xe;
    *doc = NULL;
    spine_buf_reset(&m->record);
    int rc = spine_store_encoder_encode(m->enc, &m->record, a, err);
    if (rc != SPINE_OK)
        return rc;

    *length = spine_document_length(a);
    unsigned unit = spine_document_wdf_unit(*length, avlen);
    rc = xapian_document_new(doc, &xe);
    if (rc == 0)
        rc = spine_document_index(m->tg, *doc, a, unit, m->positions,
                                  &m->term, &xe);
    if (rc == 0)
        rc = xapian_document_add_value(*doc, SPINE_SLOT_ID, a->id,
                                       strlen(a->id), &xe);
    if (rc == 0)
        rc = set_condition(*doc, a, m->stem, &m->condition, &xe);
    /* Without positions, a pair set lets quoted phrases rule the article
     * out unread (phrase.h). */
    if (rc == 0 && !m->positions) {
        spine_phrase_pairs_build(m->pairs, a, &m->pairset);
        rc = xapian_document_add_value(*doc, SPINE_SLOT_PAIRS, m->pairset.p,
                                       m->pairset.n, &xe);
    }
    if (rc == 0)
        rc = xapian_document_add_value(
            *doc, SPINE_SLOT_HEAD, m->record.p,
            spine_store_head_bytes(m->record.p, m->record.n), &xe);
    if (rc == 0)
        rc = xapian_document_set_data(*doc, m->record.p, m->record.n, &xe);
    if (rc != 0) {
        xapian_document_free(*doc);
        *doc = NULL;
        return spine_error_from_xapian(err, &xe, a->id);
    }
    *idterm = m->term.p;            /* spine_document_index() left it */
    *stored = m->record.n;
    return SPINE_OK;
}

void spine_doc_maker_free(spine_doc_maker *m)
{
    if (!m)
        return;
    xapian_term_generator_free(m->tg);
    xapian_stem_free(m->stem);
    spine_store_encoder_free(m->enc);
    spine_phrase_pairs_free(m->pairs);
    spine_buf_free(&m->record);
    spine_buf_free(&m->term);
    spine_buf_free(&m->pairset);
    spine_buf_free(&m->condition);
    free(m);
}

int spine_document_stored_length(uint64_t *length, const xapian_database *db,
                                 xapian_docid did, spine_error *err)
{
    xapian_document *doc = NULL;
    xapian_error xe;
    spine_record *rec = NULL;
    const char *data;
    size_t len;
    *length = 0;
    int rc = xapian_database_get_document(&doc, db, did, &xe);
    if (rc == 0)
        rc = xapian_document_get_data(&data, &len, doc, &xe);
    if (rc != 0) {
        xapian_document_free(doc);
        return spine_error_from_xapian(err, &xe, "stored record");
    }
    rc = spine_store_decode(&rec, data, len, err);
    if (rc == SPINE_OK)
        *length = spine_document_length(&rec->article);
    spine_record_free(rec);
    xapian_document_free(doc);
    return rc;
}
