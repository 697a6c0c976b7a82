/*
 * fuzz_util.h -- what the fuzz targets under tests/fuzz/ share: a private
 * scratch directory, whole-file writes, a small index built from the test
 * fixtures, and the checks that turn a broken promise into a crash.
 *
 * Each target defines the two libFuzzer entry points:
 *
 *     int LLVMFuzzerInitialize(int *argc, char ***argv);
 *     int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
 *
 * and is linked either with libFuzzer (-fsanitize=fuzzer, SPINE_FUZZ=ON)
 * or with replay.c, a main() that feeds it saved inputs, so that every
 * build replays the seed corpus and the regressions.  A target must give
 * the same answer for the same input every time, and free everything it
 * allocated for an input before returning (libFuzzer checks for leaks).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_FUZZ_UTIL_H
#define SPINE_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "spine/article.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the process with a message on stderr when cond is false: the
 * checks of a target are its findings, so they stay on in every build
 * (assert() would vanish under NDEBUG). */
#define FUZZ_CHECK(cond)                                                  \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));

/* Returns a new directory of the process's own under $TMPDIR (or /tmp),
 * removed with all it holds when the process exits normally.  The path
 * is valid until then.  Aborts when it cannot be made. */
const char *fuzz_scratch_dir(void);

/* Returns the malloc()ed path "dir/name"; free() it. */
char *fuzz_path(const char *dir, const char *name);

/* Returns the path of file name inside the live generation of the index
 * at ixdir (malloc()ed), or NULL when its stub names none. */
char *fuzz_live_file(const char *ixdir, const char *name);

/* Writes data[0..len) to path, creating or truncating it.  Aborts on
 * failure: a target whose scratch files fail has nothing to test. */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* Reads the whole file at path into a malloc()ed buffer (*len bytes, plus
 * a NUL not counted).  Returns NULL when it cannot be read. */
unsigned char *fuzz_read_file(const char *path, size_t *len);

/* Removes path and everything below it.  Returns 0 on success. */
int fuzz_rmtree(const char *path);

/* Builds an index at dir from the test fixtures (tests/fixtures: the
 * MedQuAD sample and the JSON Lines file) and tests/fuzz/articles.jsonl
 * (text in other scripts, a long article, odd punctuation), with
 * spelling data and the
 * project's synonym and stop-word lists, on one indexing thread, so that
 * two builds go through the same steps.  Aborts, naming the step, on any
 * error. */
void fuzz_build_index(const char *dir);

/* The UUID of the database at dir (an index directory), malloc()ed;
 * free() it.  Aborts when it cannot be read. */
char *fuzz_index_uuid(const char *dir);

/* Replaces, in buf[0..len), every occurrence of from with to (both NUL-
 * terminated, of the same length).  Does nothing when the lengths
 * differ. */
void fuzz_replace_all(unsigned char *buf, size_t len, const char *from,
                      const char *to);

/* Stands for an index's UUID in the saved heads files (corpus/heads):
 * each build of the fixture index has a UUID of its own, so the heads
 * target writes its live index's UUID wherever a saved input has this. */
#define FUZZ_UUID_PLACEHOLDER "00000000-f022-4eed-0000-000000000000"

/* 1 when s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF). */
int fuzz_utf8_ok(const char *s, size_t len);

/* Checks what a reader promises of an article it hands out (spine/
 * corpus.h, spine/article.h): every string present, NUL-terminated, valid
 * UTF-8; an id; at least one section; no empty answer. */
void fuzz_check_article(const spine_article *a);

#endif /* SPINE_FUZZ_UTIL_H */
