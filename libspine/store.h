/*
 * store.h -- the article store: how an article lives inside its Xapian
 * document, so that one database is self-contained.
 *
 * A record (version 2) is, with little-endian 32-bit numbers:
 *
 *     "SPN" version flags | meta_crc meta_len | text_crc text_len |
 *     meta (meta_len bytes) | zlib stream inflating to text_len bytes
 *
 * meta holds the few fields a result list shows -- id, title, url, source,
 * as LEB128-length-prefixed strings -- uncompressed, so that listing a hit
 * costs no inflate.  The text (section count, then pid, question and answer
 * of each section, same encoding) is compressed; it is inflated only for
 * the hits whose snippet is shown.  Each part has its own CRC-32, checked
 * whenever that part is read.  (The indexer also keeps the head, header
 * and meta, in a value slot of its own: schema.h SPINE_SLOT_HEAD.)
 */
#ifndef SPINE_STORE_H
#define SPINE_STORE_H

#include <stddef.h>

#include "spine/article.h"
#include "spine/error.h"
#include "util.h"

#define SPINE_STORE_VERSION 2

/* Appends the record for a to out, compressed at zlib level (0-9, or -1
 * for zlib's default).  Returns 0, SPINE_EINVAL for a bad level or an
 * article over the record size limit. */
int spine_store_encode(spine_buf *out, const spine_article *a, int level,
                       spine_error *err);

/* The same for many records: an encoder keeps its zlib state and scratch
 * buffers from one record to the next (the indexer keeps one per thread;
 * an encoder is not for two threads at once).  spine_store_encoder_new()
 * sets *out to a new encoder at zlib level, released with
 * spine_store_encoder_free() (which accepts NULL); it returns 0,
 * SPINE_EINVAL for a bad level or SPINE_ENOMEM.
 * spine_store_encoder_encode() appends a's record to out, byte for byte
 * what spine_store_encode() writes, with the same errors. */
typedef struct spine_store_encoder spine_store_encoder;
int spine_store_encoder_new(spine_store_encoder **out, int level,
                            spine_error *err);
int spine_store_encoder_encode(spine_store_encoder *enc, spine_buf *out,
                               const spine_article *a, spine_error *err);
void spine_store_encoder_free(spine_store_encoder *enc);

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

/* As spine_store_decode, but reads only the uncompressed fields: the
 * article's id, title, url and source are set and it has no sections.
 * Checks the meta part's checksum, never inflates. */
int spine_store_decode_meta(spine_record **out, const void *data, size_t len,
                            spine_error *err);

/* The length of record data[0..len)'s head: its header and meta part, all
 * that spine_store_decode_meta() reads, so that a copy of it kept apart
 * decodes alone.  Returns 0 when data is too short to have a header or the
 * meta part does not fit in len. */
size_t spine_store_head_bytes(const void *data, size_t len);

/* Releases a record.  Accepts NULL. */
void spine_record_free(spine_record *r);

#endif /* SPINE_STORE_H */
