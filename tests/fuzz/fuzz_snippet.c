/*
 * fuzz_snippet.c -- fuzz target: snippets (snippet.h): choosing the
 * section and window (spine_snippet_text), Spine's own snippet maker
 * (spine_snippet_make) and the rendering of Xapian's snippets
 * (spine_snippet_render).
 *
 * An input is laid out as
 *
 *     OPTIONS TERMS '\n' SECTION ('\x1e' SECTION)...
 *
 * OPTIONS is one byte: its low five bits choose the snippet length (16 to
 * 512 bytes), the next two the window (none, or one to three times the
 * length) and the cut bits given to the renderer.  TERMS are the query's
 * Xapian terms, separated by spaces, as the query parser makes them
 * ("Zstone" a stem, "stones" a word as typed, "S"/"ZS" for the title).
 * Each SECTION is "QUESTION '\x1f' ANSWER", or an answer alone.  The text
 * after the terms is also handed to the renderer as Xapian's output.
 *
 * Checks snippet.h's promises: the section chosen is one of the
 * article's, only SPINE_CUT_* bits are set, snippets are one line, and
 * valid UTF-8 stays valid UTF-8 (search.h: snippets are plain UTF-8).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "snippet.h"
#include "xapian_c.h"

#define MAX_TERMS 64
#define MAX_SECTIONS 64

static xapian_stem *stem;

static void release(void)
{
    xapian_stem_free(stem);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    xapian_error xe;
    if (xapian_stem_new(&stem, "english", &xe) != 0) {
        fprintf(stderr, "fuzz_snippet: %s\n", xe.msg);
        abort();
    }
    atexit(release);
    return 0;
}

/* The OR of the space-separated terms in line; NULL when there are none
 * (or too many).  Release with xapian_query_free(). */
static xapian_query *terms_query(char *line)
{
    xapian_query *t[MAX_TERMS], *q = NULL;
    size_t n = 0;
    xapian_error xe;
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        if (n == MAX_TERMS)
            break;
        if (xapian_query_new_term(&t[n], w, strlen(w), &xe) != 0)
            abort();
        n++;
    }
    if (n && xapian_query_combine(&q, XAPIAN_QUERY_OP_OR, t, n, &xe) != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        xapian_query_free(t[i]);
    return q;
}

/* A one-line snippet of valid UTF-8 when its source was. */
static void check_snippet(const char *s, int utf8_in)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(strchr(s, '\n') == NULL && strchr(s, '\r') == NULL);
    if (utf8_in)
        FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opt = data[0];
    size_t bytes = 16 + 16 * (opt & 0x1f);
    size_t window = bytes * ((opt >> 5) & 3);
    unsigned render_cut = (opt >> 5) & 3;

    /* A NUL-terminated copy to cut into strings (a NUL in the input ends
     * the string it falls in, as it would any C string). */
    char *buf = malloc(size);
    if (!buf)
        abort();
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *nl = memchr(buf, '\n', size - 1);
    char *body = nl ? nl + 1 : buf + size - 1;
    if (nl)
        *nl = '\0';
    size_t body_len = strlen(body);
    int utf8_body = fuzz_utf8_ok(body, body_len);

    /* Xapian's snippet, rendered: any text will do. */
    char *r = spine_snippet_render(body, "[", "]", render_cut);
    check_snippet(r, utf8_body);
    free(r);

    xapian_query *q = nl ? terms_query(buf) : NULL;
    if (!q) {
        free(buf);
        return 0;
    }
    spine_wanted w;
    xapian_error xe;
    if (spine_wanted_query(&w, q, &xe) != 0)
        abort();

    spine_section secs[MAX_SECTIONS];
    size_t nsecs = 0;
    char *p = body;
    while (nsecs < MAX_SECTIONS) {
        char *rs = strchr(p, '\x1e');
        if (rs)
            *rs = '\0';
        char *us = strchr(p, '\x1f');
        if (us)
            *us = '\0';
        secs[nsecs].pid = nsecs % 2 ? "odd" : "even";
        secs[nsecs].question = us ? p : "";
        secs[nsecs].answer = us ? us + 1 : p;
        nsecs++;
        if (!rs)
            break;
        p = rs + 1;
    }
    spine_article a = { "fuzz/1", "Fuzz", "", "", secs, nsecs };

    spine_buf text = SPINE_BUF_INIT;
    const char *pid = (const char *)&pid;
    unsigned cut = ~0u;
    spine_snippet_text(&text, &pid, &cut, &a, &w, window);
    FUZZ_CHECK((cut & ~(SPINE_CUT_HEAD | SPINE_CUT_TAIL)) == 0);
    if (pid) {
        size_t k = 0;
        while (k < nsecs && secs[k].pid != pid)
            k++;
        FUZZ_CHECK(k < nsecs);
    }
    FUZZ_CHECK(window == 0 || text.n <= window || cut != 0);
    char *s = spine_snippet_make(text.p ? text.p : "", text.n, &w, stem,
                                 bytes, "<b>", "</b>", cut);
    check_snippet(s, utf8_body);
    free(s);

    spine_buf_free(&text);
    spine_wanted_free(&w);
    xapian_query_free(q);
    free(buf);
    return 0;
}
