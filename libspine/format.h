/*
 * format.h -- printing results for people (text) and for programs (JSON).
 */
#ifndef SPINE_FORMAT_H
#define SPINE_FORMAT_H

#include <stdio.h>

#include "search.h"

/* Prints results as numbered entries: rank and title, source and URL, then
 * the snippet (as produced, with its highlight markers).  A "did you mean"
 * line comes first when the results carry a correction.  Returns 0, or
 * SPINE_EIO when writing fails. */
int spine_format_text(FILE *out, const spine_results *r);

/* Prints results as one JSON object on one line:
 *   {"query":..,"corrected":..|null,"estimated":N,"offset":N,
 *    "hits":[{"rank":..,"id":..,"score":..,"title":..,"source":..,
 *             "url":..,"snippet":..|null}, ...]}
 * Returns 0, or SPINE_EIO when writing fails. */
int spine_format_json(FILE *out, const spine_results *r, unsigned offset);

#endif /* SPINE_FORMAT_H */
