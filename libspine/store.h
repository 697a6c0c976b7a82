/*
 * store.h -- the article store: how an article's text lives compressed
 * inside its Xapian document, so that one database is self-contained.
 *
 * A record is
 *     "SPN" version(1 byte) | flags(1) | crc32(4, LE) | raw_len(4, LE) | zlib
 * where the zlib stream inflates to raw_len bytes of payload and crc32 is the
 * payload's CRC-32.  The payload is a sequence of length-prefixed strings
 * (LEB128 lengths): id, title, url, source, nsections, then pid, question
 * and answer of each section.  Only the hits shown to a user are decoded.
 */
#ifndef SPINE_STORE_H
#define SPINE_STORE_H

#include <stddef.h>

#include "article.h"
#include "spine_error.h"
#include "util.h"

#define SPINE_STORE_VERSION 1

/* Appends the record for a to out, compressed at zlib level (0-9, or -1
 * for zlib's default).  Returns 0, or SPINE_EINVAL for a bad level. */
int spine_store_encode(spine_buf *out, const spine_article *a, int level,
                       spine_error *err);

/* A decoded record: article is a view into storage owned by the record. */
typedef struct spine_record {
    spine_article article;
} spine_record;

/* Decodes data[0..len).  On success *out is a new record released with
 * spine_record_free().  A record that is truncated, has a bad header, fails
 * to inflate or fails its checksum returns SPINE_ECORRUPT with a message
 * saying which, and *out = NULL: never garbage. */
int spine_store_decode(spine_record **out, const void *data, size_t len,
                       spine_error *err);

/* Releases a record.  Accepts NULL. */
void spine_record_free(spine_record *r);

#endif /* SPINE_STORE_H */
