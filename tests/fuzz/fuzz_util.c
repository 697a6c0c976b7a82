/*
 * fuzz_util.c -- the helpers the fuzz targets share (fuzz_util.h).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "generation.h"
#include "spine/corpus.h"
#include "spine/error.h"
#include "spine/index.h"
#include "xapian_c.h"

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    abort();
}

/* ---- files ---------------------------------------------------------------- */

static char *scratch;
static pid_t scratch_owner;

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)sb; (void)type; (void)ftw;
    return remove(path);
}

int fuzz_rmtree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs at exit: removes the scratch directory, in the process that made
 * it only (libFuzzer's -fork and -jobs modes start children). */
static void scratch_cleanup(void)
{
    if (scratch && getpid() == scratch_owner)
        fuzz_rmtree(scratch);
    free(scratch);
    scratch = NULL;
}

const char *fuzz_scratch_dir(void)
{
    if (scratch)
        return scratch;
    const char *tmp = getenv("TMPDIR");
    char *path = fuzz_path(tmp && *tmp ? tmp : "/tmp", "spine-fuzz-XXXXXX");
    if (!mkdtemp(path)) {
        perror("spine fuzz: mkdtemp");
        abort();
    }
    scratch = path;
    scratch_owner = getpid();
    atexit(scratch_cleanup);
    return scratch;
}

char *fuzz_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *fuzz_live_file(const char *ixdir, const char *name)
{
    char *gen = spine_generation_live_dir(ixdir);
    char *path = gen ? fuzz_path(gen, name) : NULL;
    free(gen);
    return path;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    if (fclose(f) != 0 || w != len) {
        perror(path);
        abort();
    }
}

unsigned char *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            unsigned char *p = realloc(buf, cap + 1);
            if (!p)
                abort();
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- the fixture index ---------------------------------------------------- */

#ifndef SPINE_FIXTURES
#error "SPINE_FIXTURES must name tests/fixtures"
#endif
#ifndef SPINE_FUZZ_DIR
#error "SPINE_FUZZ_DIR must name tests/fuzz"
#endif
#ifndef SPINE_WORDLISTS
#error "SPINE_WORDLISTS must name the corpus/ folder of word lists"
#endif

static int add_article(const spine_article *a, void *payload)
{
    spine_error err;
    if (spine_index_add(payload, a, &err) != SPINE_OK) {
        fprintf(stderr, "spine fuzz: index %s: %s\n", a->id, err.msg);
        abort();
    }
    return 0;
}

void fuzz_build_index(const char *dir)
{
    static const char *const sources[] = {
        SPINE_FIXTURES "/medquad-mini", SPINE_FIXTURES "/mini.jsonl",
        SPINE_FUZZ_DIR "/articles.jsonl",
    };
    spine_index_options o = SPINE_INDEX_OPTIONS_INIT;
    o.spelling = 1;
    o.threads = 1;
    o.synonyms = SPINE_WORDLISTS "/synonyms.txt";
    o.stopwords = SPINE_WORDLISTS "/stopwords.txt";
    spine_index *ix = NULL;
    spine_error err;
    if (spine_index_begin(&ix, dir, &o, &err) != SPINE_OK) {
        fprintf(stderr, "spine fuzz: index %s: %s\n", dir, err.msg);
        abort();
    }
    spine_corpus_options co = SPINE_CORPUS_OPTIONS_INIT;
    spine_corpus_sink sink = { add_article, NULL, ix };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        spine_corpus_stats st = { 0 };
        if (spine_corpus_read(sources[i], &co, &sink, &st, &err) != 0) {
            fprintf(stderr, "spine fuzz: read %s: %s\n", sources[i],
                    err.msg);
            abort();
        }
    }
    if (spine_index_commit(ix, NULL, &err) != SPINE_OK) {
        fprintf(stderr, "spine fuzz: commit %s: %s\n", dir, err.msg);
        abort();
    }
    spine_index_free(ix);
}

char *fuzz_index_uuid(const char *dir)
{
    xapian_database *db = NULL;
    xapian_error xe;
    char *uuid = NULL;
    uint64_t rev;
    if (xapian_database_open(&db, dir, &xe) != 0
        || xapian_database_identity(&uuid, &rev, db, &xe) != 0) {
        fprintf(stderr, "spine fuzz: %s: %s\n", dir, xe.msg);
        abort();
    }
    xapian_database_free(db);
    return uuid;
}

void fuzz_replace_all(unsigned char *buf, size_t len, const char *from,
                      const char *to)
{
    size_t n = strlen(from);
    if (n == 0 || n != strlen(to))
        return;
    for (size_t i = 0; i + n <= len; i++)
        if (buf[i] == (unsigned char)from[0] && !memcmp(buf + i, from, n)) {
            memcpy(buf + i, to, n);
            i += n - 1;
        }
}

/* ---- promises ------------------------------------------------------------- */

/* Written from the Unicode standard's table of well-formed byte sequences
 * (Table 3-7), apart from the library's own validator, so that the two
 * check each other. */
int fuzz_utf8_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p++;
        if (c < 0x80)
            continue;
        unsigned need, lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return 0;
        }
        if ((size_t)(end - p) < need || p[0] < lo || p[0] > hi)
            return 0;
        for (unsigned k = 1; k < need; k++)
            if (p[k] < 0x80 || p[k] > 0xbf)
                return 0;
        p += need;
    }
    return 1;
}

static void check_string(const char *s)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s)));
}

void fuzz_check_article(const spine_article *a)
{
    check_string(a->id);
    FUZZ_CHECK(a->id[0] != '\0');
    check_string(a->title);
    check_string(a->url);
    check_string(a->source);
    FUZZ_CHECK(a->nsections > 0 && a->sections != NULL);
    for (size_t i = 0; i < a->nsections; i++) {
        check_string(a->sections[i].pid);
        check_string(a->sections[i].question);
        check_string(a->sections[i].answer);
        FUZZ_CHECK(a->sections[i].answer[0] != '\0');
    }
}
