/*
 * spine/format.h -- printing results for people (text) and for programs (JSON).
 */
#ifndef SPINE_FORMAT_H
#define SPINE_FORMAT_H

#include <stdio.h>

#include "spine/search.h"

/* Writes the NUL-terminated string s to out so that it cannot drive a
 * terminal: printable ASCII and whole, valid UTF-8 sequences as they are;
 * control characters (C0, DEL, C1: U+0080..U+009F) and bytes that are not
 * valid UTF-8 as "\xNN".  For echoing user or corpus text.  Returns 0, or
 * SPINE_EIO when writing fails. */
int spine_format_escaped(FILE *out, const char *s);

/* Prints the line that says how many articles r's query matches and
 * which of them r holds: "1-10 of about 92 articles", "3 of 3 articles";
 * for a page with no hits (past the end, or a limit of 0), the count
 * alone, "about 92 articles".  "about" unless the count is exact
 * (r->lower == r->upper).  Nothing when nothing matches.  With facets, a
 * second line "By source: GHR 40, NIDDK 20, (no source) 2".  Returns 0,
 * or SPINE_EIO when writing fails. */
int spine_format_count(FILE *out, const spine_results *r);

/* Prints results as numbered entries: rank and title, source and URL, then
 * the snippet (as produced, with its highlight markers; snippets hold no
 * control characters of their own) and, with
 * explain, a "why:" line of matched terms and weights.  A "did you mean"
 * line comes first when the results carry a correction, or a "Showing
 * results for" line when the hits are those of the correction, then,
 * when there are hits, spine_format_count()'s lines and a blank line; last,
 * when r has "see also" entries, a "See also:" line and a line each,
 * "  TITLE [SOURCE]: QUERY is a FIELD", and a blank line.  Every
 * string but the snippet is written through spine_format_escaped().
 * Returns 0, or
 * SPINE_EIO when writing fails. */
int spine_format_text(FILE *out, const spine_results *r);

/* Prints results as one JSON object on one line:
 *   {"query":..,"corrected":..|null,"auto_corrected":bool,"estimated":N,
 *    "over_budget":bool,
 *    "offset":N,"hits":[{"rank":..,"id":..,"score":..,"title":..,
 *    "source":..,"url":..,"snippet":..|null,"section":pid|null
 *    [,"explain":[{"term":..,"weight":..,"docs":N},...]]}, ...]
 *    [,"facets":[{"source":..,"count":N},...]]
 *    [,"see_also":[{"id":..,"title":..,"source":..,"url":..,
 *    "field":"symptom"|"cause"|"complication","score":..},...]]}
 * ("facets" only when r has them; source "" for articles without one;
 * "see_also" only when it was asked for, spine_query_options.see_also).
 * Returns 0, or SPINE_EIO when writing fails. */
int spine_format_json(FILE *out, const spine_results *r, unsigned offset);

/* Prints a query that failed as one JSON object on one line, in place of
 * its results: {"query":..,"error":msg,"hits":[]} (the empty hits keep a
 * reader that looks only at hits going).  Returns 0, or SPINE_EIO when
 * writing fails. */
int spine_format_json_error(FILE *out, const char *query, const char *msg);

/* Prints an index's sources (spine_searcher_sources()), one a line: the
 * number of articles right-aligned in 8 columns, two spaces, the source
 * ("(no source)" for ""), written through spine_format_escaped(); then
 * the total, "articles in all".  Returns 0, or SPINE_EIO. */
int spine_format_sources_text(FILE *out, const spine_source_count *v,
                              size_t n);

/* Prints an index's sources as one JSON object on one line:
 *   {"articles":N,"sources":[{"source":..,"count":N},...]}
 * Returns 0, or SPINE_EIO. */
int spine_format_sources_json(FILE *out, const spine_source_count *v,
                              size_t n);

#endif /* SPINE_FORMAT_H */
