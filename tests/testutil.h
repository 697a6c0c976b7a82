/*
 * testutil.h -- helpers shared by the Check suites.
 */
#ifndef SPINE_TESTUTIL_H
#define SPINE_TESTUTIL_H

#include <stddef.h>

/* Creates a fresh temporary directory and returns its path (malloc()ed;
 * free() it).  Aborts the test on failure. */
char *tu_mkdtemp(void);

/* Removes path and everything below it.  Returns 0 on success. */
int tu_rmtree(const char *path);

/* Writes len bytes of data to path (creating or truncating it). Returns 0. */
int tu_write_file(const char *path, const void *data, size_t len);

/* Returns a malloc()ed "dir/name"; free() it. */
char *tu_path(const char *dir, const char *name);

/* Runs suite s (taking ownership) and returns EXIT_SUCCESS when no test
 * failed, else EXIT_FAILURE: the value main() hands to CTest. */
struct Suite;
int tu_run_suite(struct Suite *s);

#endif
