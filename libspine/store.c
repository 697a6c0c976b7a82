/*
 * store.c -- the compressed, checksummed article record kept as the data of
 * each Xapian document (format in store.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store.h"

/* Header: "SPN", version, flags, meta_crc, meta_len, text_crc, text_len. */
#define HEADER_BYTES 21

/* Refuse records claiming more than this: a corrupt length must not make
 * the searcher allocate gigabytes. */
#define MAX_RAW_BYTES (256u << 20)

static void put_str(spine_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    spine_buf_put_varint(b, n);
    spine_buf_append(b, s ? s : "", n);
}

/* A zlib deflate state and scratch buffers kept from one record to the
 * next: deflateInit() allocates and clears some 256 KB, which cost a
 * quarter of the indexer's time when done for every record. */
struct spine_store_encoder {
    z_stream z;
    spine_buf meta, text;
};

int spine_store_encoder_new(spine_store_encoder **out, int level,
                            spine_error *err)
{
    *out = NULL;
    if (level < -1 || level > 9)
        return spine_error_set(err, SPINE_EINVAL,
                               "zlib level %d out of range (0-9)", level);
    spine_store_encoder *enc = spine_calloc(1, sizeof *enc);
    if (deflateInit(&enc->z, level) != Z_OK) {
        free(enc);
        return spine_error_set(err, SPINE_ENOMEM, "zlib: cannot start a "
                               "deflate stream");
    }
    *out = enc;
    return SPINE_OK;
}

void spine_store_encoder_free(spine_store_encoder *enc)
{
    if (!enc)
        return;
    deflateEnd(&enc->z);
    spine_buf_free(&enc->meta);
    spine_buf_free(&enc->text);
    free(enc);
}

int spine_store_encoder_encode(spine_store_encoder *enc, spine_buf *out,
                               const spine_article *a, spine_error *err)
{
    spine_buf *meta = &enc->meta, *text = &enc->text;
    spine_buf_reset(meta);
    spine_buf_reset(text);
    put_str(meta, a->id);
    put_str(meta, a->title);
    put_str(meta, a->url);
    put_str(meta, a->source);
    spine_buf_put_varint(text, a->nsections);
    for (size_t i = 0; i < a->nsections; i++) {
        put_str(text, a->sections[i].pid);
        put_str(text, a->sections[i].question);
        put_str(text, a->sections[i].answer);
    }
    if (meta->n + text->n > MAX_RAW_BYTES)
        return spine_error_set(err, SPINE_EINVAL, "article %s: %zu bytes is "
                               "over the %u byte record limit", a->id,
                               meta->n + text->n, MAX_RAW_BYTES);

    uLong bound = deflateBound(&enc->z, (uLong)text->n);
    size_t start = out->n;
    spine_buf_reserve(out, HEADER_BYTES + meta->n + bound);
    unsigned char *h = (unsigned char *)out->p + start;
    memcpy(h, "SPN", 3);
    h[3] = SPINE_STORE_VERSION;
    h[4] = 0;                                       /* flags: none yet */
    spine_put_le32(h + 5, (uint32_t)crc32(0L, (const Bytef *)meta->p,
                                   (uInt)meta->n));
    spine_put_le32(h + 9, (uint32_t)meta->n);
    spine_put_le32(h + 13, (uint32_t)crc32(0L, (const Bytef *)text->p,
                                    (uInt)text->n));
    spine_put_le32(h + 17, (uint32_t)text->n);
    memcpy(h + HEADER_BYTES, meta->p, meta->n);

    z_stream *z = &enc->z;
    z->next_in = (Bytef *)text->p;
    z->avail_in = (uInt)text->n;
    z->next_out = h + HEADER_BYTES + meta->n;
    z->avail_out = (uInt)bound;
    int zrc = deflate(z, Z_FINISH);
    uLong zlen = z->total_out;
    deflateReset(z);
    if (zrc != Z_STREAM_END)
        return spine_error_set(err, SPINE_ERROR, "article %s: zlib error %d",
                               a->id, zrc);
    out->n = start + HEADER_BYTES + meta->n + zlen;
    out->p[out->n] = '\0';
    return SPINE_OK;
}

int spine_store_encode(spine_buf *out, const spine_article *a, int level,
                       spine_error *err)
{
    spine_store_encoder *enc;
    int rc = spine_store_encoder_new(&enc, level, err);
    if (rc == SPINE_OK)
        rc = spine_store_encoder_encode(enc, out, a, err);
    spine_store_encoder_free(enc);
    return rc;
}

/* A cursor over the inflated payload. */
typedef struct reader {
    const unsigned char *p, *end;
} reader;

static int get_varint(reader *r, uint64_t *out)
{
    size_t at = 0;
    int rc = spine_get_varint(r->p, (size_t)(r->end - r->p), &at, out);
    r->p += at;
    return rc;
}

/* Copies the next string into *arena as a NUL-terminated string and points
 * *out at it. */
static int get_str(reader *r, char **arena, const char **out)
{
    uint64_t n;
    if (get_varint(r, &n) != 0 || n > (uint64_t)(r->end - r->p))
        return -1;
    memcpy(*arena, r->p, (size_t)n);
    (*arena)[n] = '\0';
    *out = *arena;
    *arena += n + 1;
    r->p += n;
    return 0;
}

/* Decodes a record; with_text 0 stops after the uncompressed fields. */
static int decode(spine_record **out, const void *data, size_t len,
                  int with_text, spine_error *err)
{
    const unsigned char *h = data;
    unsigned char *raw = NULL;
    spine_record *rec = NULL;
    int rc = SPINE_ECORRUPT;

    *out = NULL;
    if (len < HEADER_BYTES || memcmp(h, "SPN", 3) != 0)
        return spine_error_set(err, rc, "stored record: bad header");
    if (h[3] != SPINE_STORE_VERSION)
        return spine_error_set(err, rc, "stored record: version %u, "
                               "expected %u (rebuild the index)", h[3],
                               SPINE_STORE_VERSION);
    uint32_t meta_crc = spine_get_le32(h + 5);
    uint32_t meta_len = spine_get_le32(h + 9);
    uint32_t text_crc = spine_get_le32(h + 13);
    uint32_t text_len = spine_get_le32(h + 17);
    const unsigned char *meta = h + HEADER_BYTES;
    if (meta_len > len - HEADER_BYTES || text_len > MAX_RAW_BYTES)
        return spine_error_set(err, rc, "stored record: lengths do not fit");
    if ((uint32_t)crc32(0L, meta, meta_len) != meta_crc)
        return spine_error_set(err, rc, "stored record: checksum mismatch "
                               "(fields)");

    uint64_t nsec = 0;
    reader r = { NULL, NULL };
    if (with_text) {
        raw = spine_malloc(text_len ? text_len : 1);
        uLongf got = text_len;
        const unsigned char *z = meta + meta_len;
        int zrc = uncompress(raw, &got, z, (uLong)(len - HEADER_BYTES
                                                   - meta_len));
        if (zrc != Z_OK || got != text_len) {
            spine_error_set(err, rc, "stored record: does not inflate (%s)",
                            zrc == Z_OK ? "short" : zError(zrc));
            goto cleanup;
        }
        if ((uint32_t)crc32(0L, raw, text_len) != text_crc) {
            spine_error_set(err, rc, "stored record: checksum mismatch "
                            "(text)");
            goto cleanup;
        }
        /* Each section takes at least three bytes: that bounds a corrupt
         * count before it sizes an allocation. */
        r.p = raw;
        r.end = raw + text_len;
        if (get_varint(&r, &nsec) != 0 || nsec > text_len / 3) {
            spine_error_set(err, rc, "stored record: malformed text");
            goto cleanup;
        }
    }

    /* One allocation holds the struct, the sections and every string:
     * at most the payload bytes plus one NUL per string. */
    size_t nstr = 4 + 3 * (size_t)nsec;
    size_t size = sizeof *rec + (size_t)nsec * sizeof(spine_section)
                + meta_len + (with_text ? text_len : 0) + nstr;
    rec = spine_malloc(size);
    spine_section *sec = (spine_section *)(rec + 1);
    char *arena = (char *)(sec + nsec);
    spine_article *a = &rec->article;
    reader m = { meta, meta + meta_len };
    if (get_str(&m, &arena, &a->id) || get_str(&m, &arena, &a->title)
        || get_str(&m, &arena, &a->url) || get_str(&m, &arena, &a->source)
        || m.p != m.end) {
        spine_error_set(err, rc, "stored record: malformed fields");
        goto cleanup;
    }
    int bad = 0;
    for (size_t i = 0; !bad && i < nsec; i++)
        bad = get_str(&r, &arena, &sec[i].pid)
           || get_str(&r, &arena, &sec[i].question)
           || get_str(&r, &arena, &sec[i].answer);
    if (bad || r.p != r.end) {
        spine_error_set(err, rc, "stored record: malformed text");
        goto cleanup;
    }
    for (size_t i = 0; i < nsec; i++)
        sec[i].type = "";           /* not stored (spine/article.h) */
    a->sections = nsec ? sec : NULL;
    a->nsections = (size_t)nsec;
    *out = rec;
    rec = NULL;
    rc = SPINE_OK;

cleanup:
    free(raw);
    free(rec);
    return rc;
}

int spine_store_decode(spine_record **out, const void *data, size_t len,
                       spine_error *err)
{
    return decode(out, data, len, 1, err);
}

size_t spine_store_head_bytes(const void *data, size_t len)
{
    if (len < HEADER_BYTES)
        return 0;
    uint32_t meta_len = spine_get_le32((const unsigned char *)data + 9);
    return meta_len > len - HEADER_BYTES ? 0 : HEADER_BYTES + meta_len;
}

int spine_store_decode_meta(spine_record **out, const void *data, size_t len,
                            spine_error *err)
{
    return decode(out, data, len, 0, err);
}

void spine_record_free(spine_record *r)
{
    free(r);
}
