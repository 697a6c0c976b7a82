/*
 * store.c -- the compressed, checksummed article record kept as the data of
 * each Xapian document (format in store.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store.h"

#define HEADER_BYTES 13    /* "SPN", version, flags, crc32, raw_len */

/* Refuse to inflate records claiming more than this: a corrupt length must
 * not make the searcher allocate gigabytes. */
#define MAX_RAW_BYTES (256u << 20)

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static void put_varint(spine_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        unsigned char c = v & 0x7F;
        v >>= 7;
        tmp[n++] = c | (v ? 0x80 : 0);
    } while (v);
    spine_buf_append(b, tmp, n);
}

static void put_str(spine_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_varint(b, n);
    spine_buf_append(b, s ? s : "", n);
}

int spine_store_encode(spine_buf *out, const spine_article *a, int level,
                       spine_error *err)
{
    if (level < -1 || level > 9)
        return spine_error_set(err, SPINE_EINVAL,
                               "zlib level %d out of range (0-9)", level);

    spine_buf raw = SPINE_BUF_INIT;
    put_str(&raw, a->id);
    put_str(&raw, a->title);
    put_str(&raw, a->url);
    put_str(&raw, a->source);
    put_varint(&raw, a->nsections);
    for (size_t i = 0; i < a->nsections; i++) {
        put_str(&raw, a->sections[i].pid);
        put_str(&raw, a->sections[i].question);
        put_str(&raw, a->sections[i].answer);
    }
    if (raw.n > MAX_RAW_BYTES) {
        spine_buf_free(&raw);
        return spine_error_set(err, SPINE_EINVAL,
                               "article %s: %zu bytes is over the %u byte "
                               "record limit", a->id, raw.n, MAX_RAW_BYTES);
    }

    uLongf zlen = compressBound((uLong)raw.n);
    size_t start = out->n;
    spine_buf_reserve(out, HEADER_BYTES + zlen);
    unsigned char *h = (unsigned char *)out->p + start;
    memcpy(h, "SPN", 3);
    h[3] = SPINE_STORE_VERSION;
    h[4] = 0;                                       /* flags: none yet */
    put_u32(h + 5, (uint32_t)crc32(0L, (const Bytef *)raw.p, (uInt)raw.n));
    put_u32(h + 9, (uint32_t)raw.n);
    int zrc = compress2(h + HEADER_BYTES, &zlen,
                        (const Bytef *)raw.p, (uLong)raw.n, level);
    spine_buf_free(&raw);
    if (zrc != Z_OK)
        return spine_error_set(err, SPINE_ERROR, "article %s: zlib error %d",
                               a->id, zrc);
    out->n = start + HEADER_BYTES + zlen;
    out->p[out->n] = '\0';
    return SPINE_OK;
}

/* A cursor over the inflated payload. */
typedef struct reader {
    const unsigned char *p, *end;
} reader;

static int get_varint(reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Copies the next string into *arena as a NUL-terminated string and points
 * *out at it; with arena NULL, only steps over it. */
static int get_str(reader *r, char **arena, const char **out)
{
    uint64_t n;
    if (get_varint(r, &n) != 0 || n > (uint64_t)(r->end - r->p))
        return -1;
    if (arena) {
        memcpy(*arena, r->p, (size_t)n);
        (*arena)[n] = '\0';
        *out = *arena;
        *arena += n + 1;
    }
    r->p += n;
    return 0;
}

int spine_store_decode(spine_record **out, const void *data, size_t len,
                       spine_error *err)
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
    uint32_t want_crc = get_u32(h + 5);
    uint32_t raw_len = get_u32(h + 9);
    if (raw_len > MAX_RAW_BYTES)
        return spine_error_set(err, rc, "stored record: length %u is "
                               "implausible", raw_len);

    raw = spine_malloc(raw_len ? raw_len : 1);
    uLongf got = raw_len;
    int zrc = uncompress(raw, &got, h + HEADER_BYTES,
                         (uLong)(len - HEADER_BYTES));
    if (zrc != Z_OK || got != raw_len) {
        spine_error_set(err, rc, "stored record: does not inflate (%s)",
                        zrc == Z_OK ? "short" : zError(zrc));
        goto cleanup;
    }
    if ((uint32_t)crc32(0L, raw, raw_len) != want_crc) {
        spine_error_set(err, rc, "stored record: checksum mismatch");
        goto cleanup;
    }

    /* First pass: read the section count, so the record is one allocation
     * holding the struct, the section array and the strings.  Each section
     * takes at least three bytes, which bounds a corrupt count. */
    reader r = { raw, raw + raw_len };
    uint64_t nsec;
    int bad = get_str(&r, NULL, NULL) || get_str(&r, NULL, NULL)
           || get_str(&r, NULL, NULL) || get_str(&r, NULL, NULL)
           || get_varint(&r, &nsec) || nsec > raw_len / 3;
    if (bad) {
        spine_error_set(err, rc, "stored record: malformed payload");
        goto cleanup;
    }

    /* Strings take at most raw_len bytes plus one NUL each (4 + 3n). */
    size_t nstr = 4 + 3 * (size_t)nsec;
    size_t size = sizeof *rec + (size_t)nsec * sizeof(spine_section)
                + raw_len + nstr;
    rec = spine_malloc(size);
    spine_section *sec = (spine_section *)(rec + 1);
    char *arena = (char *)(sec + nsec);
    r.p = raw;
    spine_article *a = &rec->article;
    bad = get_str(&r, &arena, &a->id) || get_str(&r, &arena, &a->title)
       || get_str(&r, &arena, &a->url) || get_str(&r, &arena, &a->source)
       || get_varint(&r, &nsec);
    for (size_t i = 0; !bad && i < nsec; i++)
        bad = get_str(&r, &arena, &sec[i].pid)
           || get_str(&r, &arena, &sec[i].question)
           || get_str(&r, &arena, &sec[i].answer);
    if (bad || r.p != r.end) {
        spine_error_set(err, rc, "stored record: malformed payload");
        goto cleanup;
    }
    a->sections = sec;
    a->nsections = (size_t)nsec;
    *out = rec;
    rec = NULL;
    rc = SPINE_OK;

cleanup:
    free(raw);
    free(rec);
    return rc;
}

void spine_record_free(spine_record *r)
{
    free(r);
}
