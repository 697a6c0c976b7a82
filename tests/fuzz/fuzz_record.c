/*
 * fuzz_record.c -- fuzz target: the stored-record decoders of store.h
 * (spine_store_decode, spine_store_decode_meta, spine_store_head_bytes).
 *
 * An input is read two ways, so that the fuzzer gets past the checksums
 * and the zlib stream, which random changes almost always break:
 *
 *   - an input starting "SPN" is a record: it is decoded as it is, then
 *     again with its checksums made right (the text's only when its zlib
 *     stream inflates to the length the header claims);
 *   - any other input is a record's payload: two bytes choose where the
 *     meta part ends, the rest is the text, which is compressed; the
 *     record around them is framed as store.h lays it out, checksums
 *     right, so that the decoder's own parsing of fields and sections
 *     meets whatever the fuzzer writes.
 *
 * Whatever the decoders accept must agree: the full decode and the meta
 * decode give the same fields, the head alone (head_bytes) decodes to
 * them too, and the article encoded again decodes to the same strings.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_util.h"
#include "store.h"

/* store.h's header: "SPN", version, flags, then four little-endian u32s:
 * meta_crc, meta_len, text_crc, text_len. */
enum { HEADER = 21, AT_META_CRC = 5, AT_META_LEN = 9, AT_TEXT_CRC = 13,
       AT_TEXT_LEN = 17 };

/* Text lengths above this are not inflated by the harness itself (the
 * decoder's own limit is far larger): its fix-ups stay cheap. */
#define FIXUP_MAX_TEXT (1u << 20)

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static int same(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* The fields a meta decode reads agree between a and b. */
static void check_same_meta(const spine_article *a, const spine_article *b)
{
    FUZZ_CHECK(same(a->id, b->id) && same(a->title, b->title)
               && same(a->url, b->url) && same(a->source, b->source));
}

/* Encodes a again and checks that it decodes to the same strings (as C
 * strings: a stored string may hold a NUL, which the encoder, reading C
 * strings, stops at). */
static void check_round_trip(const spine_article *a)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_record *again = NULL;
    spine_error err;
    int rc = spine_store_encode(&b, a, 1, &err);
    FUZZ_CHECK(rc == SPINE_OK);
    FUZZ_CHECK(spine_store_decode(&again, b.p, b.n, &err) == SPINE_OK);
    const spine_article *x = &again->article;
    check_same_meta(a, x);
    FUZZ_CHECK(x->nsections == a->nsections);
    for (size_t i = 0; i < a->nsections; i++) {
        FUZZ_CHECK(same(a->sections[i].pid, x->sections[i].pid));
        FUZZ_CHECK(same(a->sections[i].question, x->sections[i].question));
        FUZZ_CHECK(same(a->sections[i].answer, x->sections[i].answer));
    }
    spine_record_free(again);
    spine_buf_free(&b);
}

/* Runs every decoder over rec[0..len) and checks that they agree. */
static void decode_all(const unsigned char *rec, size_t len)
{
    spine_record *full = NULL, *meta = NULL, *head = NULL;
    spine_error err;
    int rc_full = spine_store_decode(&full, rec, len, &err);
    FUZZ_CHECK(rc_full == SPINE_OK || rc_full == SPINE_ECORRUPT);
    FUZZ_CHECK((rc_full == SPINE_OK) == (full != NULL));
    int rc_meta = spine_store_decode_meta(&meta, rec, len, &err);
    FUZZ_CHECK(rc_meta == SPINE_OK || rc_meta == SPINE_ECORRUPT);
    FUZZ_CHECK((rc_meta == SPINE_OK) == (meta != NULL));
    size_t hb = spine_store_head_bytes(rec, len);
    FUZZ_CHECK(hb <= len);

    if (full) {
        /* What decodes whole decodes by its head. */
        FUZZ_CHECK(meta != NULL);
        check_same_meta(&full->article, &meta->article);
        FUZZ_CHECK(full->article.nsections == 0
                   || full->article.sections != NULL);
        for (size_t i = 0; i < full->article.nsections; i++) {
            const spine_section *s = &full->article.sections[i];
            FUZZ_CHECK(s->pid && s->question && s->answer);
        }
        check_round_trip(&full->article);
    }
    if (meta) {
        FUZZ_CHECK(meta->article.nsections == 0);
        /* The head alone is all a meta decode needs (heads.h keeps it
         * apart from the record). */
        FUZZ_CHECK(hb > 0);
        unsigned char *copy = malloc(hb);
        if (!copy)
            abort();
        memcpy(copy, rec, hb);
        FUZZ_CHECK(spine_store_decode_meta(&head, copy, hb, &err)
                   == SPINE_OK);
        check_same_meta(&meta->article, &head->article);
        free(copy);
    }
    spine_record_free(head);
    spine_record_free(meta);
    spine_record_free(full);
}

/* A copy of the record in[0..len) with the checksums made right, where
 * the lengths allow; decoded as well. */
static void decode_fixed(const uint8_t *in, size_t len)
{
    if (len < HEADER)
        return;
    unsigned char *rec = malloc(len);
    if (!rec)
        abort();
    memcpy(rec, in, len);
    uint32_t meta_len = get_le32(rec + AT_META_LEN);
    uint32_t text_len = get_le32(rec + AT_TEXT_LEN);
    if (meta_len <= len - HEADER) {
        put_le32(rec + AT_META_CRC,
                 (uint32_t)crc32(0L, rec + HEADER, (uInt)meta_len));
        if (text_len <= FIXUP_MAX_TEXT) {
            unsigned char *text = malloc(text_len ? text_len : 1);
            if (!text)
                abort();
            uLongf got = text_len;
            if (uncompress(text, &got, rec + HEADER + meta_len,
                           (uLong)(len - HEADER - meta_len)) == Z_OK
                && got == text_len)
                put_le32(rec + AT_TEXT_CRC,
                         (uint32_t)crc32(0L, text, (uInt)text_len));
            free(text);
        }
    }
    decode_all(rec, len);
    free(rec);
}

/* Frames in[0..len) as a record's payload (see the top of the file) and
 * decodes it. */
static void decode_framed(const uint8_t *in, size_t len)
{
    if (len < 2)
        return;
    size_t split = ((size_t)in[0] | (size_t)in[1] << 8) % (len - 1);
    const unsigned char *meta = in + 2, *text = meta + split;
    size_t meta_len = split, text_len = len - 2 - split;
    uLong bound = compressBound((uLong)text_len);
    unsigned char *rec = malloc(HEADER + meta_len + bound);
    if (!rec)
        abort();
    memcpy(rec, "SPN", 3);
    rec[3] = SPINE_STORE_VERSION;
    rec[4] = 0;
    put_le32(rec + AT_META_CRC, (uint32_t)crc32(0L, meta, (uInt)meta_len));
    put_le32(rec + AT_META_LEN, (uint32_t)meta_len);
    put_le32(rec + AT_TEXT_CRC, (uint32_t)crc32(0L, text, (uInt)text_len));
    put_le32(rec + AT_TEXT_LEN, (uint32_t)text_len);
    memcpy(rec + HEADER, meta, meta_len);
    uLongf zlen = bound;
    if (compress2(rec + HEADER + meta_len, &zlen, text, (uLong)text_len, 1)
        != Z_OK)
        abort();
    decode_all(rec, HEADER + meta_len + zlen);
    free(rec);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 3 && memcmp(data, "SPN", 3) == 0) {
        decode_all(data, size);
        decode_fixed(data, size);
    } else {
        decode_framed(data, size);
    }
    return 0;
}
