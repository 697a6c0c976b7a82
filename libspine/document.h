/*
 * document.h -- the words of an article as a Xapian document (schema.h).
 *
 * The indexer builds every document with spine_document_index().
 * phrase.c, which checks phrases against stored articles when the index
 * holds no word positions, indexes single units again with
 * spine_document_index_unit(), so both read an article alike.
 */
#ifndef SPINE_DOCUMENT_H
#define SPINE_DOCUMENT_H

#include <stdint.h>

#include "spine/article.h"
#include "spine/error.h"
#include "util.h"
#include "xapian_c.h"

/* Creates in *out the term generator Spine indexes with: stemmer stem
 * (borrowed: it must outlive the generator) and Xapian's default strategy
 * (each word unstemmed, plus "Z" + its stem).  Release with
 * xapian_term_generator_free().  Returns 0 or a XAPIAN_E* code. */
int spine_term_generator_new(xapian_term_generator **out,
                             const xapian_stem *stem, xapian_error *xe);

/* Indexes unit u of article a into tg's current document: unit 0 is the
 * title, unit k (1 .. a->nsections) section k's question and then its
 * answer, SPINE_ANSWER_GAP positions on; each word at wdf wdfinc, under
 * prefix (NULL or "" for none), with positions when positions is nonzero.
 * spine_document_index() lays an article out from these units; phrase.c
 * indexes single units again.  The text is folded first (fold.h), so a
 * word's terms carry neither its accents nor its case; its positions are
 * those of the text as written.  Returns 0 or a XAPIAN_E* code. */
int spine_document_index_unit(xapian_term_generator *tg,
                              const spine_article *a, size_t u,
                              unsigned wdfinc, const char *prefix,
                              int positions, xapian_error *xe);

/* The length of article a for the weighting's length normalisation
 * (schema.h): its words, runs of ASCII letters and digits and of bytes
 * above 0x7f, each title word counted SPINE_TITLE_WDF + 1 times, as the
 * title is indexed twice. */
uint64_t spine_document_length(const spine_article *a);

/* The wdf one word occurrence adds to an article of length len (as
 * spine_document_length() counts) in a corpus whose articles average avlen:
 * SPINE_WDF_SCALE * log2(1 + SPINE_NORM_C * avlen / len), rounded, and at
 * least 1.  A len of 0 counts as 1. */
unsigned spine_document_wdf_unit(uint64_t len, double avlen);

/* The wdf each occurrence of a word adds to its title-field term
 * (SPINE_PREFIX_TITLE) in an article titled title: SPINE_WDF_SCALE *
 * SPINE_TITLE_NORM / the title's words, rounded, at least 1.  So a word's
 * normalised frequency in the title field is its share of the title,
 * times SPINE_TITLE_NORM: the title field's own length normalisation. */
unsigned spine_document_title_unit(const char *title);

/* Adds article a's terms to doc through tg (which it points at doc):
 * the title prefixed (SPINE_PREFIX_TITLE) and again unprefixed at
 * SPINE_TITLE_WDF times the weight, then each section's question and
 * answer, sections SPINE_SECTION_GAP positions apart, all folded
 * (spine_document_index_unit()); the answers of sections typed symptoms,
 * causes or complications again under their fields (SPINE_PREFIX_SYMPTOM
 * ..., without positions, weighed by the field's length); the source
 * filter term (folded and
 * lower-cased) and the unique id term (the id as it is).  Each word occurrence weighs unit
 * (spine_document_wdf_unit()).  Word positions are recorded only when
 * positions is nonzero.  term is scratch space; on return it holds the id term
 * (SPINE_PREFIX_ID + a->id).  Values and data are left to the caller.
 * Returns 0 or a XAPIAN_E* code. */
int spine_document_index(xapian_term_generator *tg, xapian_document *doc,
                         const spine_article *a, unsigned unit, int positions,
                         spine_buf *term, xapian_error *xe);

/* Whether term (len bytes) is a word of the spelling dictionary: the
 * body's words, unprefixed terms (prefixes are capitals), each with its
 * frequency, the sum of its wdf over the index. */
int spine_document_spelling_word(const char *term, size_t len);

/* ---- an article made into its whole document --------------------------- */

/* What turns articles into documents, one after another: a term generator,
 * the stored-record encoder and scratch space.  The indexer's shards
 * (shard.c) and in-place updates (update.c) make documents alike with it,
 * so that an article updated into an index is the document a rebuild
 * would make of it.  Used by one thread at a time. */
typedef struct spine_doc_maker spine_doc_maker;

/* Creates a maker storing text at zlib level zlib_level and word positions
 * when positions is nonzero.  Returns SPINE_OK with *out (release with
 * spine_doc_maker_free()) or an error with *out NULL. */
int spine_doc_maker_new(spine_doc_maker **out, int zlib_level, int positions,
                        spine_error *err);

/* Makes article a's document in *doc (a new handle: the caller frees it
 * with xapian_document_free()) as schema.h lays it out: its terms
 * weighted for a corpus whose articles average avlen words
 * (spine_document_wdf_unit()), its id, pair set (without positions) and
 * head in their value slots, and its stored record, compressed, as its
 * data.  Sets *idterm (borrowed from m, valid until its next call) to its
 * unique id term, NUL-terminated, *stored to the record's bytes and
 * *length to the article's length (spine_document_length()).
 * Returns SPINE_OK, or an error naming the article with *doc NULL. */
int spine_doc_maker_make(spine_doc_maker *m, const spine_article *a,
                         double avlen, xapian_document **doc,
                         const char **idterm, size_t *stored,
                         uint64_t *length, spine_error *err);

/* Releases m.  Accepts NULL. */
void spine_doc_maker_free(spine_doc_maker *m);

/* Sets *length to the length (spine_document_length()) of the article
 * stored as document did of db, read from its stored record.  Returns
 * SPINE_OK, or an error naming the document (SPINE_ECORRUPT for a record
 * that does not decode). */
int spine_document_stored_length(uint64_t *length, const xapian_database *db,
                                 xapian_docid did, spine_error *err);

#endif /* SPINE_DOCUMENT_H */
