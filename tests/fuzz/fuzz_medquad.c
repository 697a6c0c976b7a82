/*
 * fuzz_medquad.c -- fuzz target: the MedQuAD XML reader
 * (spine_medquad_read), one input one .xml file in a folder named as
 * MedQuAD's are.
 *
 * Checks that the reader returns one of its documented codes, that a file
 * gives one article or one rejection, and that the article keeps the
 * promises of spine/corpus.h: the id made of folder and file name, valid
 * UTF-8 everywhere, at least one section, no empty answer.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"
#include "spine/corpus.h"

static char *input_path;

typedef struct tally {
    uint64_t articles;
    uint64_t sections;
    uint64_t rejected;
} tally;

static int on_article(const spine_article *a, void *payload)
{
    tally *t = payload;
    fuzz_check_article(a);
    FUZZ_CHECK(strcmp(a->id, "1_Fuzz_QA/0000001") == 0);
    t->articles++;
    t->sections += a->nsections;
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
    char *dir = fuzz_path(fuzz_scratch_dir(), "1_Fuzz_QA");
    if (mkdir(dir, 0700) != 0)
        abort();
    input_path = fuzz_path(dir, "0000001.xml");
    free(dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(input_path, data, size);
    /* A small record limit, so that the fuzzer reaches the "too large"
     * path with inputs of its usual sizes. */
    spine_corpus_options opts = { .max_record_bytes = 8192 };
    tally t = { 0, 0, 0 };
    spine_corpus_sink sink = { on_article, on_reject, &t };
    spine_corpus_stats st;
    memset(&st, 0, sizeof st);
    spine_error err;
    spine_error_clear(&err);
    int rc = spine_medquad_read(input_path, &opts, &sink, &st, &err);
    FUZZ_CHECK(rc == SPINE_OK || rc == SPINE_EIO);
    FUZZ_CHECK(rc == SPINE_OK || err.code == rc);
    FUZZ_CHECK(st.articles == t.articles);
    FUZZ_CHECK(st.sections == t.sections);
    uint64_t rejected = 0;
    for (int k = 0; k < SPINE_REJECT_COUNT; k++)
        rejected += st.rejected[k];
    FUZZ_CHECK(rejected == t.rejected);
    if (rc == SPINE_OK)
        FUZZ_CHECK(t.articles + t.rejected == 1);
    return 0;
}
