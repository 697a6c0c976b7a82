/*
 * fold.c -- accent and case folding of words (fold.h), through utf8proc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "fold.h"

/* Decomposed (marks stripped, case folded), then composed again. */
#define FOLD_OPTIONS \
    ((utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK \
                         | UTF8PROC_CASEFOLD))

/* Code points of a run folded without a heap buffer: most runs are a
 * letter or two ("é", "ñ"). */
#define STACK_POINTS 256

int spine_fold_needed(const char *s, size_t len)
{
    /* A plain loop over a known length, which the compiler can vectorise:
     * this runs over every byte the indexer indexes. */
    unsigned char any = 0;
    for (size_t i = 0; i < len; i++)
        any |= (unsigned char)s[i];
    return (any & 0x80) != 0;
}

/* Does run s[0..len) begin with a capital letter? */
static int starts_capital(const utf8proc_uint8_t *s, size_t len)
{
    utf8proc_int32_t c;
    if (utf8proc_iterate(s, (utf8proc_ssize_t)len, &c) < 0)
        return 0;
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

/* Appends run s[0..len) of bytes above 0x7f, folded, to out. */
static void fold_run(spine_buf *out, const char *s, size_t len,
                     unsigned flags)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t stack[STACK_POINTS + 1], *buf = stack;
    utf8proc_ssize_t cap = STACK_POINTS;
    /* utf8proc_decompose() says how many code points the result needs
     * when they do not fit: then once more, with room for them. */
    utf8proc_ssize_t n = utf8proc_decompose(u, (utf8proc_ssize_t)len, buf,
                                            cap, FOLD_OPTIONS);
    if (n > cap) {
        cap = n;
        buf = spine_malloc(((size_t)cap + 1) * sizeof *buf);
        n = utf8proc_decompose(u, (utf8proc_ssize_t)len, buf, cap,
                               FOLD_OPTIONS);
    }
    if (n >= 0 && n <= cap && (flags & SPINE_FOLD_KEEP_CAPITAL) && n > 0
        && starts_capital(u, len))
        buf[0] = utf8proc_toupper(buf[0]);
    /* Composes, then writes the UTF-8 over the code points (and a NUL:
     * hence the extra one). */
    utf8proc_ssize_t bytes = n >= 0 && n <= cap
                                 ? utf8proc_reencode(buf, n, FOLD_OPTIONS)
                                 : -1;
    if (bytes >= 0)
        spine_buf_append(out, buf, (size_t)bytes);
    else
        spine_buf_append(out, s, len);      /* not UTF-8: left as it is */
    if (buf != stack)
        free(buf);
}

void spine_fold_append(spine_buf *out, const char *s, size_t len,
                       unsigned flags)
{
    spine_buf_reserve(out, len);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && (unsigned char)s[j] < 0x80)
            j++;
        if (j > i)
            spine_buf_append(out, s + i, j - i);
        i = j;
        while (j < len && (unsigned char)s[j] >= 0x80)
            j++;
        if (j > i)
            fold_run(out, s + i, j - i, flags);
        i = j;
    }
}

const char *spine_fold(spine_buf *scratch, const char *s, size_t len,
                       size_t *outlen, unsigned flags)
{
    if (!spine_fold_needed(s, len)) {
        *outlen = len;
        return s;
    }
    spine_buf_reset(scratch);
    spine_fold_append(scratch, s, len, flags);
    *outlen = scratch->n;
    return scratch->p;
}
