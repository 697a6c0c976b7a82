/*
 * spine/corpus.h -- corpus readers: MedQuAD XML directories and JSON Lines files.
 *
 * A reader walks one source and hands each good article to a callback.  Bad
 * records (malformed XML, a bad JSON line, invalid UTF-8, a missing field, an
 * empty or oversized record) are reported to a second callback with the file
 * and line, counted, and skipped: the records around them are still read.
 * So are files that cannot be read, or break off part-way: nothing is
 * passed over without a report.
 *
 *   MedQuAD: a directory walked recursively (files ending in .xml, visited in
 *     sorted order so ids and runs are reproducible), or one .xml file.
 *     id = "<parent folder>/<file stem>", title = <Focus>, source and url
 *     from <Document>; each <QAPair> with answer text becomes a section
 *     (pid, Question, Answer).  An article with no answer text at all is
 *     skipped with SPINE_REJECT_EMPTY.
 *   JSON Lines: a file (plain or gzip, detected by content) holding one JSON
 *     object per line: "id" (string or integer) and "body" (string) required;
 *     "title", "url", "source" optional strings.  Blank lines are ignored,
 *     and so is a UTF-8 byte order mark at the start of the file.
 */
#ifndef SPINE_CORPUS_H
#define SPINE_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "spine/article.h"
#include "spine/error.h"

/* Why a record was skipped.  All but SPINE_REJECT_EMPTY are "bad input":
 * --strict fails the run on them; an article with no text is a normal skip. */
typedef enum spine_reject {
    SPINE_REJECT_EMPTY = 0,     /* no answer/body text */
    SPINE_REJECT_MALFORMED,     /* XML or JSON syntax error */
    SPINE_REJECT_ENCODING,      /* invalid UTF-8 (or a NUL byte) */
    SPINE_REJECT_FIELD,         /* required field missing or of wrong type */
    SPINE_REJECT_TOO_LARGE,     /* record over max_record_bytes */
    SPINE_REJECT_UNREADABLE,    /* file could not be opened or read */
    SPINE_REJECT_DAMAGED,       /* compressed stream damaged or cut short */
    SPINE_REJECT_COUNT
} spine_reject;

/* Returns a static phrase for a reason, e.g. "malformed XML or JSON". */
const char *spine_reject_name(spine_reject why);

typedef struct spine_corpus_sink {
    /* Called once per good article; a is valid only during the call.
     * Return 0 to go on, non-zero to stop the read (returned as-is). */
    int (*on_article)(const spine_article *a, void *payload);
    /* Called once per skipped record (may be NULL).  line is 1-based, or 0
     * when the problem concerns the whole file. */
    void (*on_reject)(const char *file, long line, spine_reject why,
                      const char *detail, void *payload);
    void *payload;             /* passed through to the callbacks */
} spine_corpus_sink;

typedef struct spine_corpus_stats {
    uint64_t files;            /* files opened */
    uint64_t articles;         /* articles handed to on_article */
    uint64_t sections;         /* sections in those articles */
    uint64_t bytes;            /* input bytes read (uncompressed) */
    uint64_t rejected[SPINE_REJECT_COUNT];
} spine_corpus_stats;

typedef struct spine_corpus_options {
    size_t max_record_bytes;   /* larger records are rejected (0 = default) */
} spine_corpus_options;

#define SPINE_CORPUS_DEFAULT_MAX_RECORD (16u << 20)   /* 16 MiB */
#define SPINE_CORPUS_OPTIONS_INIT                                         \
    { .max_record_bytes = SPINE_CORPUS_DEFAULT_MAX_RECORD }

/* Reads one source: a directory or .xml file as MedQuAD, any other file as
 * JSON Lines.  Adds to *stats (caller-initialised, e.g. zeroed) as it goes.
 * Returns 0 when the source was read as far as it goes, even if records
 * were rejected: a file that breaks off part-way (a damaged or truncated
 * gzip stream, a read error) is one reject, SPINE_REJECT_DAMAGED or
 * SPINE_REJECT_UNREADABLE, on the line where it broke, after every record
 * before that line was delivered.  Returns SPINE_ENOTFOUND or SPINE_EIO
 * when path cannot be opened at all (nothing was read), SPINE_EINVAL when
 * it is neither a regular file, a directory nor a pipe (a device such as
 * /dev/zero: nothing is read), or the callback's non-zero value when
 * on_article stopped the read. */
int spine_corpus_read(const char *path, const spine_corpus_options *opts,
                      const spine_corpus_sink *sink, spine_corpus_stats *stats,
                      spine_error *err);

/* Checks, without reading it, that path can be a source of
 * spine_corpus_read(): it exists, can be read, and is a regular file, a
 * directory or a pipe.  Returns 0, or the error spine_corpus_read() would
 * give (SPINE_ENOTFOUND, SPINE_EIO, SPINE_EINVAL) naming path.  The
 * indexer checks every source this way before it starts. */
int spine_corpus_probe(const char *path, spine_error *err);

/* The two readers behind spine_corpus_read, with the same contract. */
int spine_medquad_read(const char *path, const spine_corpus_options *opts,
                       const spine_corpus_sink *sink,
                       spine_corpus_stats *stats, spine_error *err);
int spine_jsonl_read(const char *path, const spine_corpus_options *opts,
                     const spine_corpus_sink *sink, spine_corpus_stats *stats,
                     spine_error *err);

#endif /* SPINE_CORPUS_H */
