/* search.c -- searches a Spine index: ./search INDEX_DIR "QUERY"
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Build: cc search.c $(pkg-config --cflags --libs spine) -o search */
#include <stdio.h>
#include <spine/spine.h>

int main(int argc, char **argv)
{
    spine_query_options opts = SPINE_QUERY_OPTIONS_INIT;
    spine_searcher *s = NULL;
    spine_results *res = NULL;
    spine_error err;

    if (argc != 3) {
        fprintf(stderr, "usage: %s INDEX_DIR QUERY\n", argv[0]);
        return 2;
    }
    opts.snippets = 0;   /* rank, title and URL need no article text */
    if (spine_searcher_open(&s, argv[1], &err) != 0
        || spine_search(&res, s, argv[2], &opts, &err) != 0) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        spine_searcher_free(s);
        return 1;
    }
    for (size_t i = 0; i < res->nhits; i++)
        printf("%u. %s <%s>\n", res->hits[i].rank, res->hits[i].title,
               res->hits[i].url);
    spine_results_free(res);
    spine_searcher_free(s);
    return 0;
}
