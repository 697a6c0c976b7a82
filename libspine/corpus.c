/*
 * corpus.c -- picks the reader for a corpus path, and names the reasons a
 * record can be rejected.
 *
 * The readers themselves live in medquad.c (XML directories) and jsonl.c
 * (JSON Lines, plain or gzip).  This file only decides which one a path
 * belongs to: a directory or a name ending in ".xml" is MedQuAD, anything
 * else is JSON Lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spine/corpus.h"
#include "corpus_int.h"

/* See corpus.h: a static phrase for each reason, for logs and summaries. */
const char *spine_reject_name(spine_reject why)
{
    switch (why) {
    case SPINE_REJECT_EMPTY:      return "no answer text";
    case SPINE_REJECT_MALFORMED:  return "malformed XML or JSON";
    case SPINE_REJECT_ENCODING:   return "invalid UTF-8";
    case SPINE_REJECT_FIELD:      return "missing or bad field";
    case SPINE_REJECT_TOO_LARGE:  return "record too large";
    case SPINE_REJECT_UNREADABLE: return "unreadable file";
    case SPINE_REJECT_DAMAGED:    return "damaged compressed stream";
    default:                      return "unknown reason";
    }
}

/* Returns 1 when name ends in ".xml". */
static int has_xml_suffix(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && strcmp(name + n - 4, ".xml") == 0;
}

/* See corpus_int.h. */
void spine_corpus_reject(const spine_corpus_sink *sink,
                         spine_corpus_stats *stats, const char *file,
                         long line, spine_reject why, const char *fmt, ...)
{
    stats->rejected[why]++;
    if (sink->on_reject) {
        char detail[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        sink->on_reject(file, line, why, detail, sink->payload);
    }
}

/* See corpus_int.h. */
const char *spine_corpus_file_kind(mode_t mode)
{
    if (S_ISREG(mode))  return "a regular file";
    if (S_ISDIR(mode))  return "a directory";
    if (S_ISFIFO(mode)) return "a pipe";
    if (S_ISCHR(mode))  return "a character device";
    if (S_ISBLK(mode))  return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

static int check_kind(const char *path, struct stat *st, spine_error *err);

/* See corpus_int.h. */
int spine_corpus_check_source(const char *who, const char *path,
                              const spine_corpus_sink *sink, struct stat *st,
                              spine_error *err)
{
    if (!path || !sink || !sink->on_article)
        return spine_error_set(err, SPINE_EINVAL, "%s: path and "
                               "sink->on_article are required", who);
    return check_kind(path, st, err);
}

/* stat()s path into *st and refuses what cannot be a source: see
 * spine_corpus_probe(). */
static int check_kind(const char *path, struct stat *st, spine_error *err)
{
    if (stat(path, st) != 0) {
        int code = (errno == ENOENT || errno == ENOTDIR) ? SPINE_ENOTFOUND
                                                         : SPINE_EIO;
        return spine_error_set(err, code, "%s: %s", path, strerror(errno));
    }
    /* A device is no corpus: /dev/zero, say, would be read for ever. */
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)
        && !S_ISFIFO(st->st_mode))
        return spine_error_set(err, SPINE_EINVAL, "%s: %s, not a file, "
                               "directory or pipe: not read", path,
                               spine_corpus_file_kind(st->st_mode));
    return SPINE_OK;
}

/* See corpus.h. */
int spine_corpus_probe(const char *path, spine_error *err)
{
    struct stat st;
    if (!path)
        return spine_error_set(err, SPINE_EINVAL, "corpus probe: no path");
    int rc = check_kind(path, &st, err);
    if (rc == SPINE_OK && access(path, R_OK) != 0)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", path, strerror(errno));
    return rc;
}

/* See corpus.h.  The path is stat()ed once here so that a missing path is
 * SPINE_ENOTFOUND whichever reader would have taken it. */
int spine_corpus_read(const char *path, const spine_corpus_options *opts,
                      const spine_corpus_sink *sink, spine_corpus_stats *stats,
                      spine_error *err)
{
    struct stat st;
    int rc = spine_corpus_check_source("corpus read", path, sink, &st, err);
    if (rc != SPINE_OK)
        return rc;
    if (S_ISDIR(st.st_mode) || has_xml_suffix(path))
        return spine_medquad_read(path, opts, sink, stats, err);
    return spine_jsonl_read(path, opts, sink, stats, err);
}
