/*
 * check_store.c -- unit tests for libspine/store.c: the compressed,
 * checksummed article record.
 *
 * Copyright (C) the Spine authors.  GPL-2.0-or-later.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store.h"
#include "testutil.h"

/* Record layout (store.h): "SPN" ver flags meta_crc[4] meta_len[4]
 * text_crc[4] text_len[4] meta... zlib... */
#define OFF_VERSION  3
#define OFF_FLAGS    4
#define OFF_CRC      5     /* meta_crc */
#define OFF_METALEN  9
#define OFF_TEXTCRC 13
#define OFF_RAWLEN  17     /* text_len */
#define OFF_META    21

static uint32_t u32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static const spine_section kidney_sections[] = {
    { "1", "What are kidney stones?",
      "A kidney stone is a solid piece of material that forms in a "
      "kidney when substances in the urine become highly concentrated." },
    { "2", "", "An answer whose question is empty." },
    { "3", "Qu'est-ce que c'est ? \xE2\x80\x94 caf\xC3\xA9",
      "Na\xC3\xAFve r\xC3\xA9sum\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 "
      "\xF0\x9F\x98\x80 & <tags> \"quoted\"" },
    { "", "Section without a pid", "Still has an answer." },
};

static const spine_article kidney = {
    "5_NIDDK_QA/0000001",
    "Kidney Stones in Adults",
    "https://www.niddk.nih.gov/health-information/urologic-diseases/"
    "kidney-stones",
    "NIDDK",
    kidney_sections,
    sizeof kidney_sections / sizeof kidney_sections[0],
};

static const spine_article empty_article = { "", "", "", "", NULL, 0 };

static void assert_same_article(const spine_article *got,
                                const spine_article *want)
{
    ck_assert_str_eq(got->id, want->id);
    ck_assert_str_eq(got->title, want->title);
    ck_assert_str_eq(got->url, want->url);
    ck_assert_str_eq(got->source, want->source);
    ck_assert_uint_eq(got->nsections, want->nsections);
    for (size_t i = 0; i < want->nsections; i++) {
        ck_assert_str_eq(got->sections[i].pid, want->sections[i].pid);
        ck_assert_str_eq(got->sections[i].question,
                         want->sections[i].question);
        ck_assert_str_eq(got->sections[i].answer, want->sections[i].answer);
    }
}

/* Encodes a at level into a fresh buffer (asserting success). */
static void encode_ok(spine_buf *out, const spine_article *a, int level)
{
    spine_error err;
    spine_error_clear(&err);
    ck_assert_int_eq(spine_store_encode(out, a, level, &err), SPINE_OK);
    ck_assert_uint_gt(out->n, OFF_META);
}

/* Decodes data and asserts a clean SPINE_ECORRUPT: *out reset to NULL and a
 * message given. */
static void expect_corrupt(const void *data, size_t len, const char *what)
{
    spine_record *rec = (spine_record *)&rec;   /* garbage that must go */
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_store_decode(&rec, data, len, &err);
    ck_assert_msg(rc == SPINE_ECORRUPT, "%s: rc %d, expected ECORRUPT",
                  what, rc);
    ck_assert_msg(rec == NULL, "%s: *out not NULL", what);
    ck_assert_int_eq(err.code, SPINE_ECORRUPT);
    ck_assert_msg(err.msg[0] != '\0', "%s: no message", what);
}

/* ---- round trips ------------------------------------------------------- */

START_TEST(test_round_trip)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, -1);
    ck_assert_mem_eq(b.p, "SPN", 3);
    ck_assert_int_eq((unsigned char)b.p[OFF_VERSION], SPINE_STORE_VERSION);

    spine_record *rec = NULL;
    spine_error err;
    ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, &err), SPINE_OK);
    ck_assert_ptr_nonnull(rec);
    assert_same_article(&rec->article, &kidney);
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

/* One encoder for many records (as each indexing thread keeps one): every
 * record is byte for byte what a fresh spine_store_encode() writes, at
 * every level, however the records before it went. */
START_TEST(test_encoder_reused)
{
    static const int levels[] = { 0, 1, 6, 9 };
    const spine_article *seq[] = { &kidney, &empty_article, &kidney,
                                   &kidney, &empty_article };
    spine_error err;
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        spine_store_encoder *enc = NULL;
        ck_assert_int_eq(spine_store_encoder_new(&enc, levels[l], &err),
                         SPINE_OK);
        for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
            spine_buf a = SPINE_BUF_INIT, b = SPINE_BUF_INIT;
            ck_assert_int_eq(spine_store_encoder_encode(enc, &a, seq[i],
                                                        &err), SPINE_OK);
            encode_ok(&b, seq[i], levels[l]);
            ck_assert_uint_eq(a.n, b.n);
            ck_assert(memcmp(a.p, b.p, a.n) == 0);
            spine_record *rec = NULL;
            ck_assert_int_eq(spine_store_decode(&rec, a.p, a.n, &err),
                             SPINE_OK);
            assert_same_article(&rec->article, seq[i]);
            spine_record_free(rec);
            spine_buf_free(&a);
            spine_buf_free(&b);
        }
        spine_store_encoder_free(enc);
    }
    spine_store_encoder *enc = (spine_store_encoder *)&enc;
    ck_assert_int_eq(spine_store_encoder_new(&enc, 10, &err), SPINE_EINVAL);
    ck_assert_ptr_null(enc);
    spine_store_encoder_free(NULL);
}
END_TEST

START_TEST(test_round_trip_empty)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &empty_article, 6);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, NULL), SPINE_OK);
    ck_assert_ptr_nonnull(rec);
    assert_same_article(&rec->article, &empty_article);
    ck_assert_uint_eq(rec->article.nsections, 0);
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

/* The record header says how big the payload is; check it against what we
 * know the payload holds. */
START_TEST(test_header_fields)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &empty_article, 0);
    const unsigned char *h = (const unsigned char *)b.p;
    ck_assert_int_eq(h[OFF_FLAGS], 0);
    /* Meta: four empty strings, four zero bytes, stored as they are.
     * Text: a zero section count, one zero byte. */
    static const unsigned char zeros[4] = { 0 };
    ck_assert_uint_eq(u32_at(h + OFF_METALEN), 4);
    ck_assert_uint_eq(u32_at(h + OFF_CRC), (uint32_t)crc32(0L, zeros, 4));
    ck_assert_mem_eq(h + OFF_META, zeros, 4);
    ck_assert_uint_eq(u32_at(h + OFF_RAWLEN), 1);
    ck_assert_uint_eq(u32_at(h + OFF_TEXTCRC), (uint32_t)crc32(0L, zeros, 1));
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_levels)
{
    /* A long, repetitive answer so that compression visibly works. */
    spine_buf text = SPINE_BUF_INIT;
    for (int i = 0; i < 200; i++)
        spine_buf_puts(&text, "stones form in the kidney; ");
    spine_section sec = { "1", "Why?", text.p };
    spine_article a = { "id-1", "Stones", "", "GARD", &sec, 1 };

    spine_buf b0 = SPINE_BUF_INIT, b9 = SPINE_BUF_INIT;
    encode_ok(&b0, &a, 0);
    encode_ok(&b9, &a, 9);
    /* Level 0 stores, level 9 compresses. */
    ck_assert_uint_gt(b0.n, text.n);
    ck_assert_uint_lt(b9.n, text.n / 4);

    spine_buf *bufs[2] = { &b0, &b9 };
    for (int k = 0; k < 2; k++) {
        spine_record *rec = NULL;
        ck_assert_int_eq(spine_store_decode(&rec, bufs[k]->p, bufs[k]->n,
                                            NULL), SPINE_OK);
        assert_same_article(&rec->article, &a);
        spine_record_free(rec);
    }
    spine_buf_free(&b0);
    spine_buf_free(&b9);
    spine_buf_free(&text);
}
END_TEST

START_TEST(test_encode_appends)
{
    /* encode appends to what the buffer holds already. */
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_puts(&b, "prefix");
    encode_ok(&b, &kidney, 6);
    ck_assert_mem_eq(b.p, "prefixSPN", 9);
    ck_assert_int_eq(b.p[b.n], '\0');
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, b.p + 6, b.n - 6, NULL),
                     SPINE_OK);
    assert_same_article(&rec->article, &kidney);
    spine_record_free(rec);

    /* Two records back to back; the second decodes on its own. */
    size_t first = b.n;
    encode_ok(&b, &empty_article, 1);
    ck_assert_int_eq(spine_store_decode(&rec, b.p + first, b.n - first,
                                        NULL), SPINE_OK);
    assert_same_article(&rec->article, &empty_article);
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_record_outlives_input)
{
    /* The decoded article owns its strings: freeing the input is fine. */
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    char *copy = malloc(b.n);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, b.p, b.n);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, copy, b.n, NULL), SPINE_OK);
    memset(copy, 0xAA, b.n);
    free(copy);
    assert_same_article(&rec->article, &kidney);
    spine_record_free(rec);
    spine_record_free(NULL);
    spine_buf_free(&b);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_bad_level)
{
    static const int bad[] = { 10, -2, 100, -100 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spine_buf b = SPINE_BUF_INIT;
        spine_buf_puts(&b, "keep");
        spine_error err;
        spine_error_clear(&err);
        ck_assert_int_eq(spine_store_encode(&b, &kidney, bad[i], &err),
                         SPINE_EINVAL);
        ck_assert_int_eq(err.code, SPINE_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "level"));
        ck_assert_uint_eq(b.n, 4);            /* untouched */
        ck_assert_str_eq(b.p, "keep");
        ck_assert_int_eq(spine_store_encode(&b, &kidney, bad[i], NULL),
                         SPINE_EINVAL);
        spine_buf_free(&b);
    }
}
END_TEST

START_TEST(test_truncated)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    /* Every prefix fails cleanly.  Each is copied into an allocation of
     * exactly its size, so a read past the end trips the sanitizer. */
    for (size_t len = 0; len < b.n; len++) {
        char *p = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, b.p, len);
        char what[64];
        snprintf(what, sizeof what, "prefix of %zu/%zu bytes", len, b.n);
        expect_corrupt(p, len, what);
        free(p);
    }
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_truncated_stored)
{
    /* The same with a level-0 (stored) stream, whose truncations look
     * different to zlib. */
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 0);
    for (size_t len = 0; len < b.n; len++) {
        char *p = malloc(len ? len : 1);
        memcpy(p, b.p, len);
        expect_corrupt(p, len, "stored prefix");
        free(p);
    }
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_bad_magic)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    for (int i = 0; i < 3; i++) {
        char save = b.p[i];
        b.p[i] = 'x';
        expect_corrupt(b.p, b.n, "magic");
        b.p[i] = save;
    }
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, NULL), SPINE_OK);
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_bad_version)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    static const unsigned char versions[] = { 0, SPINE_STORE_VERSION + 1,
                                              0xFF };
    for (size_t i = 0; i < sizeof versions; i++) {
        b.p[OFF_VERSION] = (char)versions[i];
        spine_error err;
        spine_record *rec = (spine_record *)&rec;
        ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, &err),
                         SPINE_ECORRUPT);
        ck_assert_ptr_null(rec);
        ck_assert_ptr_nonnull(strstr(err.msg, "version"));
    }
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_flipped_stream_byte)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    /* Flip each byte after the version and flags in turn: checksums,
     * lengths, the stored fields and the zlib stream. */
    for (size_t i = OFF_CRC; i < b.n; i++) {
        b.p[i] ^= (char)0xFF;
        char what[64];
        snprintf(what, sizeof what, "byte %zu of %zu flipped", i, b.n);
        expect_corrupt(b.p, b.n, what);
        b.p[i] ^= (char)0xFF;
    }
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_flipped_crc)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    for (size_t i = OFF_CRC; i < OFF_CRC + 4; i++) {
        b.p[i] ^= 0x01;
        spine_error err;
        spine_record *rec = (spine_record *)&rec;
        ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, &err),
                         SPINE_ECORRUPT);
        ck_assert_ptr_null(rec);
        ck_assert_ptr_nonnull(strstr(err.msg, "checksum"));
        b.p[i] ^= 0x01;
    }
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_raw_len_altered)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    unsigned char *h = (unsigned char *)b.p;
    unsigned char saved[4];
    memcpy(saved, h + OFF_RAWLEN, 4);
    uint32_t raw_len = (uint32_t)saved[0] | (uint32_t)saved[1] << 8
                     | (uint32_t)saved[2] << 16 | (uint32_t)saved[3] << 24;
    const uint32_t variants[] = { raw_len + 1, raw_len - 1, 0, 1,
                                  raw_len * 2, 0xFFFFFFFFu, 0x7FFFFFFFu };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        uint32_t v = variants[i];
        h[OFF_RAWLEN] = (unsigned char)v;
        h[OFF_RAWLEN + 1] = (unsigned char)(v >> 8);
        h[OFF_RAWLEN + 2] = (unsigned char)(v >> 16);
        h[OFF_RAWLEN + 3] = (unsigned char)(v >> 24);
        char what[64];
        snprintf(what, sizeof what, "raw_len %u (really %u)", v, raw_len);
        expect_corrupt(b.p, b.n, what);
    }
    memcpy(h + OFF_RAWLEN, saved, 4);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, NULL), SPINE_OK);
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

/* Builds a record around arbitrary meta and text payloads, with a correct
 * header and checksums, so that only the payloads themselves are wrong. */
static void make_record(spine_buf *out, const void *meta, size_t meta_n,
                        const void *text, size_t text_n)
{
    uLongf zlen = compressBound((uLong)text_n);
    unsigned char *z = malloc(zlen);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(compress2(z, &zlen, text, (uLong)text_n, 6), Z_OK);
    unsigned char h[OFF_META];
    uint32_t mcrc = (uint32_t)crc32(0L, meta, (uInt)meta_n);
    uint32_t tcrc = (uint32_t)crc32(0L, text, (uInt)text_n);
    memcpy(h, "SPN", 3);
    h[OFF_VERSION] = SPINE_STORE_VERSION;
    h[OFF_FLAGS] = 0;
    for (int i = 0; i < 4; i++) {
        h[OFF_CRC + i] = (unsigned char)(mcrc >> (8 * i));
        h[OFF_METALEN + i] = (unsigned char)((uint32_t)meta_n >> (8 * i));
        h[OFF_TEXTCRC + i] = (unsigned char)(tcrc >> (8 * i));
        h[OFF_RAWLEN + i] = (unsigned char)((uint32_t)text_n >> (8 * i));
    }
    spine_buf_reset(out);
    spine_buf_append(out, h, sizeof h);
    spine_buf_append(out, meta, meta_n);
    spine_buf_append(out, z, zlen);
    free(z);
}

START_TEST(test_malformed_payload)
{
    /* Each part passes its checksum (and the text inflates) but does not
     * parse.  m/mn is the meta part, t/tn the text part. */
    static const struct {
        const char *m; size_t mn; const char *t; size_t tn; const char *what;
    } cases[] = {
        { "\x01" "a\x01" "b\x00", 5, "\x00", 1,   "meta cut short" },
        { "\x00\x00\x00\x00\x00", 5, "\x00", 1, "byte after the meta" },
        { "\x05" "ab", 3, "\x00", 1,           "string longer than meta" },
        { "\x80\x80\x80", 3, "\x00", 1,        "unterminated varint" },
        { "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F", 10, "\x00", 1,
                                                "huge string length" },
        { "", 0, "\x00", 1,                      "empty meta" },
        { "\x00\x00\x00\x00", 4, "", 0,        "no section count" },
        { "\x00\x00\x00\x00", 4, "\x7F", 1,    "section count too big" },
        { "\x00\x00\x00\x00", 4, "\x01\x00\x00", 3, "section cut short" },
        { "\x00\x00\x00\x00", 4, "\x00\x00", 2, "trailing byte" },
    };
    spine_buf b = SPINE_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_record(&b, cases[i].m, cases[i].mn, cases[i].t, cases[i].tn);
        expect_corrupt(b.p, b.n, cases[i].what);
    }
    /* The helper itself is sound: well-formed parts decode. */
    make_record(&b, "\x01" "a\x00\x00\x00", 5, "\x01\x01" "1\x00\x01" "x", 6);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode(&rec, b.p, b.n, NULL), SPINE_OK);
    ck_assert_str_eq(rec->article.id, "a");
    ck_assert_uint_eq(rec->article.nsections, 1);
    ck_assert_str_eq(rec->article.sections[0].pid, "1");
    ck_assert_str_eq(rec->article.sections[0].question, "");
    ck_assert_str_eq(rec->article.sections[0].answer, "x");
    spine_record_free(rec);
    spine_buf_free(&b);
}
END_TEST

START_TEST(test_meta_only)
{
    /* The fields come back without touching the text: a record whose zlib
     * stream is destroyed still lists, and still fails a full decode. */
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode_meta(&rec, b.p, b.n, NULL), SPINE_OK);
    ck_assert_str_eq(rec->article.id, kidney.id);
    ck_assert_str_eq(rec->article.title, kidney.title);
    ck_assert_str_eq(rec->article.url, kidney.url);
    ck_assert_str_eq(rec->article.source, kidney.source);
    ck_assert_uint_eq(rec->article.nsections, 0);
    spine_record_free(rec);

    memset(b.p + b.n - 4, 0xAA, 4);
    ck_assert_int_eq(spine_store_decode_meta(&rec, b.p, b.n, NULL), SPINE_OK);
    spine_record_free(rec);
    expect_corrupt(b.p, b.n, "zlib tail destroyed");

    /* A flipped byte in the fields fails the meta decode as well. */
    encode_ok(&b, &kidney, 6);
    b.p[OFF_META + 1] ^= 0x20;
    spine_error err;
    ck_assert_int_eq(spine_store_decode_meta(&rec, b.p, b.n, &err),
                     SPINE_ECORRUPT);
    ck_assert_ptr_null(rec);
    ck_assert_ptr_nonnull(strstr(err.msg, "checksum"));
    spine_buf_free(&b);
}
END_TEST

/* A record's head (header and fields) decodes alone, as the fields; a
 * byte short of it does not; data too short for a header, or whose fields
 * overrun it, has no head. */
START_TEST(test_head)
{
    spine_buf b = SPINE_BUF_INIT;
    encode_ok(&b, &kidney, 6);
    size_t head = spine_store_head_bytes(b.p, b.n);
    ck_assert_uint_gt(head, OFF_META);
    ck_assert_uint_lt(head, b.n);
    spine_record *rec = NULL;
    ck_assert_int_eq(spine_store_decode_meta(&rec, b.p, head, NULL),
                     SPINE_OK);
    ck_assert_str_eq(rec->article.id, kidney.id);
    ck_assert_str_eq(rec->article.title, kidney.title);
    ck_assert_str_eq(rec->article.url, kidney.url);
    ck_assert_str_eq(rec->article.source, kidney.source);
    spine_record_free(rec);
    ck_assert_int_eq(spine_store_decode_meta(&rec, b.p, head - 1, NULL),
                     SPINE_ECORRUPT);
    ck_assert_uint_eq(spine_store_head_bytes(b.p, OFF_META - 1), 0);
    ck_assert_uint_eq(spine_store_head_bytes(b.p, head - 1), 0);
    spine_buf_free(&b);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_round_trip);
    tcase_add_test(core, test_round_trip_empty);
    tcase_add_test(core, test_encoder_reused);
    tcase_add_test(core, test_header_fields);
    tcase_add_test(core, test_levels);
    tcase_add_test(core, test_encode_appends);
    tcase_add_test(core, test_record_outlives_input);
    tcase_add_test(core, test_meta_only);
    tcase_add_test(core, test_head);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_level);
    tcase_add_test(errors, test_truncated);
    tcase_add_test(errors, test_truncated_stored);
    tcase_add_test(errors, test_bad_magic);
    tcase_add_test(errors, test_bad_version);
    tcase_add_test(errors, test_flipped_stream_byte);
    tcase_add_test(errors, test_flipped_crc);
    tcase_add_test(errors, test_raw_len_altered);
    tcase_add_test(errors, test_malformed_payload);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(store_suite());
}
