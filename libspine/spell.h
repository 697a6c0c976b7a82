/*
 * spell.h -- "did you mean" for the searcher (internal to libspine).
 */
#ifndef SPINE_SPELL_H
#define SPINE_SPELL_H

#include "synonyms.h"
#include "xapian_c.h"

typedef struct spine_speller spine_speller;

/* Creates a speller for db (borrowed: it must outlive the speller) that
 * parses queries with qp and flags, plus spelling correction; it takes qp
 * over, freeing it with itself, also when this fails.  synonyms holds the
 * words of db's synonym table (borrowed too: the searcher's, which must
 * outlive the speller; NULL for none): a word of a synonym key is known
 * even when no article uses it.  Returns 0 (release *out with
 * spine_speller_free()) or an XAPIAN_E* code with *out NULL. */
int spine_speller_new(spine_speller **out, const xapian_database *db,
                      xapian_query_parser *qp, unsigned flags,
                      const spine_synonyms *synonyms, xapian_error *xe);

/* Releases sp and its parser.  Accepts NULL. */
void spine_speller_free(spine_speller *sp);

/* Sets *fix to query with its unknown words (in neither the index nor the
 * synonym table) corrected from Xapian's spelling dictionary: a malloc()ed
 * string to free(), or NULL when every word is known or none has a
 * correction.  Sets *close to 1 when every changed word is within one edit
 * of the word typed (two for words of eight letters or more): close
 * enough to search without asking.  Returns 0 or an XAPIAN_E* code. */
int spine_speller_correct(char **fix, int *close, spine_speller *sp,
                          const char *query, xapian_error *xe);

#endif /* SPINE_SPELL_H */
