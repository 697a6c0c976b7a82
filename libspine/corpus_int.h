/*
 * corpus_int.h -- what the corpus readers share (internal to libspine).
 */
#ifndef SPINE_CORPUS_INT_H
#define SPINE_CORPUS_INT_H

#include <sys/stat.h>

#include "corpus.h"

/* The common prologue of every reader: checks the arguments (SPINE_EINVAL
 * naming who) and stat()s path into *st (SPINE_ENOTFOUND when it does not
 * exist, SPINE_EIO when it cannot be looked at).  Returns 0 otherwise. */
int spine_corpus_check_source(const char *who, const char *path,
                              const spine_corpus_sink *sink, struct stat *st,
                              spine_error *err);

#endif /* SPINE_CORPUS_INT_H */
