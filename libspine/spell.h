/*
 * spell.h -- "did you mean" for the searcher (internal to libspine).
 */
#ifndef SPINE_SPELL_H
#define SPINE_SPELL_H

#include <stddef.h>

#include "synonyms.h"
#include "xapian_c.h"

typedef struct spine_speller spine_speller;

/* The directory holding the hunspell dictionaries that say which words
 * are real (en_US.aff, en_US.dic from hunspell-en-us, en_med_glut.dic
 * from hunspell-en-med), unless the environment variable
 * SPINE_HUNSPELL_DIR names another. */
#define SPINE_HUNSPELL_DIR "/usr/share/hunspell"

/* Creates a speller for db (borrowed: it must outlive the speller) that
 * parses queries with qp and flags, plus spelling correction; it takes qp
 * over, freeing it with itself, also when this fails.  synonyms holds the
 * words of db's synonym table (borrowed too: the searcher's, which must
 * outlive the speller; NULL for none): a word of a synonym key is known
 * even when no article uses it.  Loads no dictionary: the first
 * correction that needs one does (spine_speller_correct()).  Returns 0
 * (release *out with spine_speller_free()) or an XAPIAN_E* code with
 * *out NULL. */
int spine_speller_new(spine_speller **out, const xapian_database *db,
                      xapian_query_parser *qp, unsigned flags,
                      const spine_synonyms *synonyms, xapian_error *xe);

/* Releases sp and its parser; the hunspell dictionaries go with the last
 * speller of the process.  Accepts NULL. */
void spine_speller_free(spine_speller *sp);

/* Returns XAPIAN_EQUERY, with xe (may be NULL) saying "unknown field
 * 'titl' (did you mean title:?)", when query, outside quotes, holds a
 * word of letters directly followed by a colon and more text ("titl:x")
 * that is not a field of the query language but is within one edit (or
 * one swap of neighbouring letters, or a change of case) of one: Xapian
 * would take it for text and quietly drop the field.  A colon after any
 * other word ("re:x", "3:1") is text, as Xapian reads it.  Else 0. */
int spine_speller_check_fields(const char *query, xapian_error *xe);

/* Sets *fix to query with its unknown words (in neither the index nor the
 * synonym table) corrected from Xapian's spelling dictionary: a malloc()ed
 * string to free(), or NULL when every word is known or none has a
 * correction.  Field names, the value of a source: filter and known words
 * are never changed.  Sets *close to 1 when the correction may be searched
 * without asking: every word it changes is within one edit of the word
 * typed (two for words of eight characters or more; see
 * spine_speller_close()), stands outside quotes and is in no hunspell
 * dictionary (English or medical, SPINE_HUNSPELL_DIR; a compound joined by
 * hyphens counts whole, so "pre-school" is a word).  A query whose only
 * corrections are of quoted or dictionary words gets them as a
 * suggestion (*close 0); in a query with typos besides, they are left as
 * typed.  The dictionaries are loaded (about 0.1 s, once per process while
 * a speller lives) only for a close correction of a word outside quotes;
 * when they are missing, a one-line note on stderr says so, once per
 * process, and close corrections are applied as if no word were in them.
 * First checks query's field names (spine_speller_check_fields()).
 * Returns 0 or an XAPIAN_E* code (XAPIAN_EQUERY for a misspelt field). */
int spine_speller_correct(char **fix, int *close, spine_speller *sp,
                          const char *query, xapian_error *xe);

/* Returns 1 when fix[0..fn) is close enough to typed[0..tn) to be searched
 * instead without asking: at most one edit (a character inserted, removed
 * or replaced; ASCII letters compared without case) for a typed word of
 * fewer than eight characters, two from eight on.  Characters, not
 * bytes, of UTF-8 text; a byte that is not valid UTF-8 counts as one
 * character.  Words of more than 64 characters are never close. */
int spine_speller_close(const char *typed, size_t tn, const char *fix,
                        size_t fn);

#endif /* SPINE_SPELL_H */
