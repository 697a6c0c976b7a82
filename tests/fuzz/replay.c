/*
 * replay.c -- a main() for a fuzz target in builds without libFuzzer:
 * feeds it saved inputs, so that every build (and CTest) replays the seed
 * corpus and the regressions of each target under whatever compiler and
 * sanitizers that build uses.
 *
 *     replay_TARGET PATH...
 *
 * Each PATH is a file (one input) or a directory, whose files (not its
 * subdirectories or dot files) are inputs, taken in name order.  A path
 * that does not exist is skipped with a note, so that a target with no
 * regressions yet needs no empty folder.  Arguments starting with '-'
 * are libFuzzer's options and ignored.  An input that breaks one of the
 * target's checks, or a sanitizer's, stops the process (a non-zero exit
 * for CTest); otherwise the exit status is 0 with a count on stdout.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

/* Runs the target on the file at path.  The input is copied into a buffer
 * of exactly its size, so that a sanitizer sees any read past its end.
 * Returns 0, or -1 when the file cannot be read. */
static int replay_file(const char *path)
{
    size_t len = 0;
    unsigned char *data = fuzz_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact)
        abort();
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Replays the files of directory dir; adds to *count.  Returns 0 or -1. */
static int replay_dir(const char *dir, unsigned *count)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, visible, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char *path = fuzz_path(dir, names[i]->d_name);
        struct stat st;
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = replay_file(path);
            if (rc == 0)
                (*count)++;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (argv[i][0] == '-')
            continue;
        if (stat(argv[i], &st) != 0) {
            printf("replay: %s: none, skipped\n", argv[i]);
            continue;
        }
        int rc;
        if (S_ISDIR(st.st_mode)) {
            rc = replay_dir(argv[i], &count);
        } else {
            rc = replay_file(argv[i]);
            count += rc == 0;
        }
        if (rc != 0)
            return EXIT_FAILURE;
    }
    printf("replay: %u inputs, no failure\n", count);
    return EXIT_SUCCESS;
}
