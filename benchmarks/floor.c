/*
 * floor.c -- spine-bench-floor: the cheapest process that loads Xapian.
 *
 * It links libxapian through the project's C binding, constructs an English
 * stemmer (so the library is really loaded and initialised, not just
 * mapped), releases it and exits.  Its whole-process time is the floor under
 * spine-search and quest: what any program pays before it opens an index.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>

#include "xapian_c.h"

int main(void)
{
    xapian_stem *stem = NULL;

    if (xapian_stem_new(&stem, "english", NULL) != 0) {
        fputs("spine-bench-floor: cannot create a stemmer\n", stderr);
        return 2;
    }
    xapian_stem_free(stem);
    return 0;
}
