/*
 * fuzz_query.c -- fuzz target: a query from parsing to results, through
 * the public API (spine/search.h) on a small real index, spelling on.
 *
 * LLVMFuzzerInitialize builds the fixture index (fuzz_util.h) and opens a
 * searcher on it, kept for every input.  An input is the query's text; if
 * it holds a NUL (which no query string can), the bytes after the first
 * NUL set options, so that the plain seeds run with the defaults:
 *
 *     byte 1: bit 0 match_all (--and), 1 expand, 2 explain, 3 no
 *             snippets, 4 no autocorrect, 5 no spelling, 6 related (the
 *             text is an article id, for spine_related)
 *     byte 2: offset (0-255)     byte 3: limit (1-256; default 10)
 *
 * Checks what spine/search.h promises: a result or SPINE_EQUERY (or, for
 * related, SPINE_ENOTFOUND), nothing else on a sound index; at most limit
 * hits, ranked from offset + 1 in order of falling score, each with an
 * id, title, source and url (and a one-line snippet when asked), the
 * query echoed as given.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "spine/search.h"

enum { OPT_AND = 1, OPT_EXPAND = 2, OPT_EXPLAIN = 4, OPT_NO_SNIPPETS = 8,
       OPT_NO_AUTOCORRECT = 16, OPT_NO_SPELLING = 32, OPT_RELATED = 64 };

static spine_searcher *searcher;

static void release(void)
{
    spine_searcher_free(searcher);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    char *ixdir = fuzz_path(fuzz_scratch_dir(), "idx");
    fuzz_build_index(ixdir);
    spine_error err;
    if (spine_searcher_open(&searcher, ixdir, &err) != SPINE_OK) {
        fprintf(stderr, "fuzz_query: %s\n", err.msg);
        abort();
    }
    /* One thread: the fuzzer's runs stay deterministic (the hits would
     * be the same on more, but not the path through the code). */
    if (spine_searcher_set_threads(searcher, 1, 0, &err) != SPINE_OK) {
        fprintf(stderr, "fuzz_query: %s\n", err.msg);
        abort();
    }
    free(ixdir);
    atexit(release);
    return 0;
}

static void check_results(const spine_results *r, const char *text,
                          const spine_query_options *o, int related)
{
    FUZZ_CHECK(r->query != NULL && strcmp(r->query, text) == 0);
    FUZZ_CHECK(r->nhits <= o->limit);
    FUZZ_CHECK(r->nhits == 0 || r->hits != NULL);
    FUZZ_CHECK(!r->auto_corrected || r->corrected != NULL);
    for (size_t k = 0; k < r->nhits; k++) {
        const spine_hit *h = &r->hits[k];
        FUZZ_CHECK(h->rank == o->offset + k + 1);
        FUZZ_CHECK(h->id && h->title && h->source && h->url);
        FUZZ_CHECK(k == 0 || h->score <= r->hits[k - 1].score);
        if (related)
            FUZZ_CHECK(strcmp(h->id, text) != 0);
        if (o->snippets) {
            FUZZ_CHECK(h->snippet != NULL);
            FUZZ_CHECK(strchr(h->snippet, '\n') == NULL);
            /* The stored text is valid UTF-8: so is any snippet of it. */
            FUZZ_CHECK(fuzz_utf8_ok(h->snippet, strlen(h->snippet)));
        }
        FUZZ_CHECK(h->nexplain == 0 || h->explain != NULL);
        for (size_t i = 0; i < h->nexplain; i++)
            FUZZ_CHECK(h->explain[i].term != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = strlen(text);
    const uint8_t *opt = n < size ? data + n + 1 : NULL;
    size_t nopt = n < size ? size - n - 1 : 0;
    unsigned flags = nopt > 0 ? opt[0] : 0;

    spine_query_options o = SPINE_QUERY_OPTIONS_INIT;
    o.match_all = (flags & OPT_AND) != 0;
    o.expand = (flags & OPT_EXPAND) != 0;
    o.explain = (flags & OPT_EXPLAIN) != 0;
    o.snippets = !(flags & OPT_NO_SNIPPETS);
    o.autocorrect = !(flags & OPT_NO_AUTOCORRECT);
    o.spelling = !(flags & OPT_NO_SPELLING);
    o.hi_start = "[";
    o.hi_end = "]";
    if (nopt > 1)
        o.offset = opt[1];
    if (nopt > 2)
        o.limit = 1u + opt[2];
    int related = (flags & OPT_RELATED) != 0;

    spine_results *r = (spine_results *)&r;  /* must be overwritten */
    spine_error err;
    spine_error_clear(&err);
    int rc = related ? spine_related(&r, searcher, text, &o, &err)
                     : spine_search(&r, searcher, text, &o, &err);
    if (rc != SPINE_OK) {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(err.code == rc);
        if (!(rc == SPINE_EQUERY || (related && rc == SPINE_ENOTFOUND))) {
            fprintf(stderr, "fuzz_query: %s: %s\n", spine_strerror(rc),
                    err.msg);
            FUZZ_CHECK(!"an error other than a bad query");
        }
    } else {
        check_results(r, text, &o, related);
        spine_results_free(r);
    }
    free(text);
    return 0;
}
