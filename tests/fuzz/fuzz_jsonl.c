/*
 * fuzz_jsonl.c -- fuzz target: the JSON Lines reader (spine_jsonl_read),
 * plain or gzip (detected by content), one input a file.
 *
 * Checks that the reader returns one of its documented codes, that every
 * article it hands out keeps the promises of spine/corpus.h (valid UTF-8,
 * an id, a non-empty body), and that its statistics agree with what it
 * handed to the two callbacks (and, for plain text, with the input's
 * size).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "spine/corpus.h"

static char *input_path;

typedef struct tally {
    uint64_t articles;
    uint64_t rejected;
} tally;

static int on_article(const spine_article *a, void *payload)
{
    tally *t = payload;
    fuzz_check_article(a);
    FUZZ_CHECK(a->nsections == 1);
    t->articles++;
    return 0;
}

static void on_reject(const char *file, long line, spine_reject why,
                      const char *detail, void *payload)
{
    tally *t = payload;
    FUZZ_CHECK(file != NULL && detail != NULL);
    FUZZ_CHECK(line >= 0);
    FUZZ_CHECK((unsigned)why < SPINE_REJECT_COUNT);
    t->rejected++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    input_path = fuzz_path(fuzz_scratch_dir(), "input.jsonl");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(input_path, data, size);
    /* A small record limit, so that the fuzzer reaches the "too large"
     * path with inputs of its usual sizes. */
    spine_corpus_options opts = { .max_record_bytes = 2048 };
    tally t = { 0, 0 };
    spine_corpus_sink sink = { on_article, on_reject, &t };
    spine_corpus_stats st;
    memset(&st, 0, sizeof st);
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_jsonl_read(input_path, &opts, &sink, &st, &err);
    FUZZ_CHECK(rc == SPINE_OK || rc == SPINE_EIO);
    FUZZ_CHECK(rc == SPINE_OK || err.code == rc);
    FUZZ_CHECK(st.files == 1);
    FUZZ_CHECK(st.articles == t.articles);
    FUZZ_CHECK(st.sections == t.articles);
    uint64_t rejected = 0;
    for (int k = 0; k < SPINE_REJECT_COUNT; k++)
        rejected += st.rejected[k];
    FUZZ_CHECK(rejected == t.rejected);
    /* Plain text is read as it is: every byte counts once. */
    if (rc == SPINE_OK && !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b))
        FUZZ_CHECK(st.bytes == size);
    return 0;
}
