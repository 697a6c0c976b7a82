/*
 * corpus_int.h -- what the corpus readers share (internal to libspine).
 */
#ifndef SPINE_CORPUS_INT_H
#define SPINE_CORPUS_INT_H

#include <sys/stat.h>

#include "spine/corpus.h"

/* The common prologue of every reader: checks the arguments (SPINE_EINVAL
 * naming who) and stat()s path into *st (SPINE_ENOTFOUND when it does not
 * exist, SPINE_EIO when it cannot be looked at, SPINE_EINVAL when it is
 * not a regular file, directory or pipe, such as a device).  Returns 0
 * otherwise. */
int spine_corpus_check_source(const char *who, const char *path,
                              const spine_corpus_sink *sink, struct stat *st,
                              spine_error *err);

/* Returns a static phrase for the file type in mode, e.g. "a character
 * device", for messages. */
const char *spine_corpus_file_kind(mode_t mode);

/* Counts one skipped record in stats->rejected[why] and, when the sink has
 * an on_reject callback, reports it with a printf-style detail (cut at
 * 511 bytes). */
void spine_corpus_reject(const spine_corpus_sink *sink,
                         spine_corpus_stats *stats, const char *file,
                         long line, spine_reject why, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif /* SPINE_CORPUS_INT_H */
