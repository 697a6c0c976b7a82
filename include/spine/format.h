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

/* Prints results as numbered entries: rank and title, source and URL, then
 * the snippet (as produced, with its highlight markers; snippets hold no
 * control characters of their own) and, with
 * explain, a "why:" line of matched terms and weights.  A "did you mean"
 * line comes first when the results carry a correction, or a "Showing
 * results for" line when the hits are those of the correction.  Every
 * string but the snippet is written through spine_format_escaped().
 * Returns 0, or
 * SPINE_EIO when writing fails. */
int spine_format_text(FILE *out, const spine_results *r);

/* Prints results as one JSON object on one line:
 *   {"query":..,"corrected":..|null,"auto_corrected":bool,"estimated":N,
 *    "over_budget":bool,
 *    "offset":N,"hits":[{"rank":..,"id":..,"score":..,"title":..,
 *    "source":..,"url":..,"snippet":..|null,"section":pid|null
 *    [,"explain":[{"term":..,"weight":..,"docs":N},...]]}, ...]}
 * Returns 0, or SPINE_EIO when writing fails. */
int spine_format_json(FILE *out, const spine_results *r, unsigned offset);

#endif /* SPINE_FORMAT_H */
