/*
 * synonyms.h -- the synonym table, from file to query (internal to
 * libspine).
 *
 * At index time the synonym file and the stop-word file (formats in
 * spine/index.h) are read into lists that the first shard stores in the
 * index: the synonym pairs in Xapian's synonym table, the stop words under
 * SPINE_META_STOPWORDS.
 *
 * At query time a searcher reads the table's keys once into a
 * spine_synonyms, which answers two questions: could Xapian's parser find
 * a synonym in this text (the synonym gate: the searcher skips the
 * parser's synonym look-ups when not), and is this word a word of a synonym
 * key (the speller leaves such words alone).
 */
#ifndef SPINE_SYNONYMS_H
#define SPINE_SYNONYMS_H

#include <stddef.h>

#include "spine/error.h"
#include "util.h"
#include "xapian_c.h"

/* ---- index time ------------------------------------------------------- */

/* The synonym and stop-word files as the index stores them.  Zero it
 * (SPINE_SYNONYMS_LISTS_INIT) before reading; release it with
 * spine_synonyms_lists_free(). */
typedef struct spine_synonyms_lists {
    spine_buf pairs;                /* "key\0value\0" pairs, for Xapian's
                                       synonym table */
    size_t npairs;
    spine_buf stopwords;            /* "word\n" ..., for the metadata */
} spine_synonyms_lists;

#define SPINE_SYNONYMS_LISTS_INIT { SPINE_BUF_INIT, 0, SPINE_BUF_INIT }

/* Reads the synonym file at path (format in spine/index.h) and appends its
 * pairs to l->pairs: every phrase of a line finds every other (or, for
 * "term: a, b", the term finds a and b), under each of the key's lookup
 * forms, as the values' stemmed terms.  Returns SPINE_OK, SPINE_EIO for a
 * file that cannot be read, SPINE_EPARSE naming the file and line of a bad
 * one, or an error from Xapian's stemmer. */
int spine_synonyms_read_file(spine_synonyms_lists *l, const char *path,
                             spine_error *err);

/* Reads the stop-word file at path (words of letters and digits, any
 * number a line, '#' comments) and appends them, lower-cased, to
 * l->stopwords, one a line.  Returns SPINE_OK, SPINE_EIO for a file that
 * cannot be opened, or SPINE_EPARSE naming the file, line and word. */
int spine_synonyms_read_stopwords(spine_synonyms_lists *l, const char *path,
                                  spine_error *err);

/* Adds l's pairs to db's synonym table and, if there are any, its stop
 * words to db's metadata (SPINE_META_STOPWORDS).  Returns 0 or an
 * XAPIAN_E* code (in *xe). */
int spine_synonyms_store(xapian_writable_database *db,
                         const spine_synonyms_lists *l, xapian_error *xe);

/* Releases l's memory; l is empty afterwards. */
void spine_synonyms_lists_free(spine_synonyms_lists *l);

/* ---- query time ------------------------------------------------------- */

/* The words of an index's synonym table, as queries need them. */
typedef struct spine_synonyms spine_synonyms;

/* Reads the keys of db's synonym table (db is not kept).  Returns 0
 * (release *out with spine_synonyms_free()) or an XAPIAN_E* code with *out
 * NULL. */
int spine_synonyms_open(spine_synonyms **out, const xapian_database *db,
                        xapian_error *xe);

/* Releases syn.  Accepts NULL. */
void spine_synonyms_free(spine_synonyms *syn);

/* The synonym gate: could Xapian's parser find a synonym for some word or
 * run of words of text?  Sets *out to 0 only when no run of letters and
 * digits in it, lower-cased or stemmed with stem (the stemmer the index
 * was built with), is the first word of any synonym key: then no key can
 * match whatever terms the parser makes of the words.  Text with bytes
 * outside ASCII or with a dot between letters ("U.S." is the term "us")
 * always may.  Returns 0 or a XAPIAN_E* code. */
int spine_synonyms_may_match(int *out, const spine_synonyms *syn,
                             const xapian_stem *stem, const char *text,
                             xapian_error *xe);

/* Returns 1 when word (lower case, NUL-terminated) is one of the words of
 * a plain synonym key ("heart attack", "backache"; not the stemmed or
 * title forms): known to the index even when no article uses it.  Returns
 * 0 otherwise, and for a NULL syn. */
int spine_synonyms_has_key_word(const spine_synonyms *syn, const char *word);

#endif /* SPINE_SYNONYMS_H */
