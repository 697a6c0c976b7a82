/*
 * seeds.c -- spine-fuzz-seeds OUTDIR: writes the seed inputs of the two
 * fuzz targets whose inputs are binary, made from the real thing rather
 * than bytes kept by hand, so that they follow the formats as these
 * change:
 *
 *   OUTDIR/record/  records of the fixture articles as the store encodes
 *                   them (store.h), and a few as the payloads that
 *                   fuzz_record.c frames itself;
 *   OUTDIR/heads/   the heads file of the fixture index (heads.h), its
 *                   UUID replaced by FUZZ_UUID_PLACEHOLDER.
 *
 * It then checks that the heads seed works as the heads target uses it:
 * written into a second build of the fixture index, with that build's
 * UUID put back, it must open (a file that does not describe the index is
 * ignored, and the fuzzer would then never get past the header).
 *
 * scripts/fuzz.sh runs it before each session; tests/fuzz/corpus/record
 * and tests/fuzz/corpus/heads were written by it (regenerate them after
 * a change of format: scripts/fuzz.sh --refresh-seeds).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"
#include "heads.h"
#include "spine/corpus.h"
#include "store.h"
#include "util.h"
#include "xapian_c.h"

/* Payload seeds (fuzz_record.c's second reading) for the first articles. */
#define PAYLOAD_SEEDS 4

typedef struct seeder {
    const char *dir;          /* OUTDIR/record */
    unsigned n;
} seeder;

static void put_str(spine_buf *b, const char *s)
{
    spine_buf_put_varint(b, strlen(s));
    spine_buf_append(b, s, strlen(s));
}

/* Writes a's record, and for the first few articles its payload: two
 * bytes saying where the meta part ends, the meta part, then the text
 * uncompressed (store.h's layout). */
static int write_record(const spine_article *a, void *payload)
{
    seeder *sd = payload;
    spine_buf b = SPINE_BUF_INIT;
    spine_error err;
    char name[64];
    if (spine_store_encode(&b, a, 1, &err) != SPINE_OK) {
        fprintf(stderr, "spine-fuzz-seeds: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    snprintf(name, sizeof name, "record-%02u", sd->n);
    char *path = fuzz_path(sd->dir, name);
    fuzz_write_file(path, b.p, b.n);
    free(path);

    if (sd->n < PAYLOAD_SEEDS) {
        spine_buf meta = SPINE_BUF_INIT;
        put_str(&meta, a->id);
        put_str(&meta, a->title);
        put_str(&meta, a->url);
        put_str(&meta, a->source);
        spine_buf_reset(&b);
        unsigned char split[2] = { (unsigned char)meta.n,
                                   (unsigned char)(meta.n >> 8) };
        spine_buf_append(&b, split, 2);
        spine_buf_append(&b, meta.p, meta.n);
        spine_buf_put_varint(&b, a->nsections);
        for (size_t i = 0; i < a->nsections; i++) {
            put_str(&b, a->sections[i].pid);
            put_str(&b, a->sections[i].question);
            put_str(&b, a->sections[i].answer);
        }
        snprintf(name, sizeof name, "payload-%02u", sd->n);
        path = fuzz_path(sd->dir, name);
        fuzz_write_file(path, b.p, b.n);
        free(path);
        spine_buf_free(&meta);
    }
    spine_buf_free(&b);
    sd->n++;
    return 0;
}

static void write_records(const char *dir)
{
    static const char *const sources[] = {
        SPINE_FIXTURES "/medquad-mini", SPINE_FIXTURES "/mini.jsonl",
        SPINE_FUZZ_DIR "/articles.jsonl",
    };
    seeder sd = { dir, 0 };
    spine_corpus_options co = SPINE_CORPUS_OPTIONS_INIT;
    spine_corpus_sink sink = { write_record, NULL, &sd };
    spine_error err;
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        spine_corpus_stats st = { 0 };
        if (spine_corpus_read(sources[i], &co, &sink, &st, &err) != 0) {
            fprintf(stderr, "spine-fuzz-seeds: %s\n", err.msg);
            exit(EXIT_FAILURE);
        }
    }
}

/* Reads the heads file of the index at ixdir, with its UUID replaced by
 * the placeholder; *len bytes. */
static unsigned char *saved_heads(const char *ixdir, size_t *len)
{
    char *path = fuzz_live_file(ixdir, SPINE_HEADS_FILE);
    unsigned char *bytes = path ? fuzz_read_file(path, len) : NULL;
    if (!bytes) {
        fprintf(stderr, "spine-fuzz-seeds: %s: no heads file\n", ixdir);
        exit(EXIT_FAILURE);
    }
    char *uuid = fuzz_index_uuid(ixdir);
    fuzz_replace_all(bytes, *len, uuid, FUZZ_UUID_PLACEHOLDER);
    free(uuid);
    free(path);
    return bytes;
}

/* Checks that the saved heads file opens against another build of the
 * fixture index, as fuzz_heads.c writes it. */
static void check_heads(const unsigned char *saved, size_t len)
{
    char *ixdir = fuzz_path(fuzz_scratch_dir(), "again");
    fuzz_build_index(ixdir);
    char *uuid = fuzz_index_uuid(ixdir);
    char *path = fuzz_live_file(ixdir, SPINE_HEADS_FILE);
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy || !path)
        abort();
    memcpy(copy, saved, len);
    fuzz_replace_all(copy, len, FUZZ_UUID_PLACEHOLDER, uuid);
    fuzz_write_file(path, copy, len);

    xapian_database *db = NULL;
    xapian_error xe;
    spine_heads *h = NULL;
    spine_error err;
    if (xapian_database_open(&db, ixdir, &xe) != 0)
        abort();
    int rc = spine_heads_open(&h, ixdir, db, &err);
    if (rc != SPINE_OK || !h) {
        fprintf(stderr, "spine-fuzz-seeds: the saved heads file does not "
                "open against a second build of the fixture index (%s); "
                "the heads target would test nothing past the header\n",
                rc != SPINE_OK ? err.msg : "ignored as another database's");
        exit(EXIT_FAILURE);
    }
    spine_heads_free(h);
    xapian_database_free(db);
    free(copy);
    free(path);
    free(uuid);
    free(ixdir);
}

static char *subdir(const char *out, const char *name)
{
    char *dir = fuzz_path(out, name);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        perror(dir);
        exit(EXIT_FAILURE);
    }
    return dir;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: spine-fuzz-seeds OUTDIR\n");
        return 2;
    }
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        perror(argv[1]);
        return EXIT_FAILURE;
    }
    char *records = subdir(argv[1], "record");
    write_records(records);
    free(records);

    char *ixdir = fuzz_path(fuzz_scratch_dir(), "idx");
    fuzz_build_index(ixdir);
    size_t len = 0;
    unsigned char *saved = saved_heads(ixdir, &len);
    check_heads(saved, len);
    char *heads = subdir(argv[1], "heads");
    char *path = fuzz_path(heads, "heads-fixture");
    fuzz_write_file(path, saved, len);
    free(path);
    free(heads);
    free(saved);
    free(ixdir);
    return EXIT_SUCCESS;
}
