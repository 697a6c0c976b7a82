/*
 * util.c -- allocation that never returns NULL, a growable buffer, UTF-8
 * validation and a clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The one place where running out of memory is handled: there is no useful
 * recovery for a batch indexer or a query process, so say so and stop. */
static void oom(size_t n)
{
    fprintf(stderr, "spine: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *spine_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *spine_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *spine_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *spine_strndup(const char *s, size_t n)
{
    char *d = spine_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *spine_strdup(const char *s)
{
    return spine_strndup(s, strlen(s));
}

void spine_buf_reserve(spine_buf *b, size_t extra)
{
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->p = spine_realloc(b->p, cap);
    b->cap = cap;
    b->p[b->n] = '\0';                 /* p is a string once allocated */
}

void spine_buf_append(spine_buf *b, const void *data, size_t len)
{
    spine_buf_reserve(b, len);
    if (len)
        memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void spine_buf_puts(spine_buf *b, const char *s)
{
    spine_buf_append(b, s, strlen(s));
}

void spine_buf_printf(spine_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    spine_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void spine_buf_put_varint(spine_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        unsigned char c = v & 0x7F;
        v >>= 7;
        tmp[n++] = c | (v ? 0x80 : 0);
    } while (v);
    spine_buf_append(b, tmp, n);
}

int spine_get_varint(const unsigned char *p, size_t len, size_t *at,
                     uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        unsigned char c = p[(*at)++];
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

uint32_t spine_fnv1a(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

void spine_buf_reset(spine_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void spine_buf_free(spine_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

char *spine_buf_detach(spine_buf *b)
{
    char *p = b->p ? b->p : spine_strdup("");
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

size_t spine_utf8_len(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (len == 0 || c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3; min = 0x10000;
    } else {
        return 0;
    }
    if (len <= n)
        return 0;
    unsigned cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

size_t spine_control_len(const char *s, size_t len)
{
    unsigned char c = len ? (unsigned char)s[0] : 0x20;
    if (c < 0x20 || c == 0x7f)
        return 1;
    if (c == 0xc2 && len >= 2 && (unsigned char)s[1] >= 0x80
        && (unsigned char)s[1] <= 0x9f)
        return 2;
    return 0;
}

int spine_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    size_t i = 0;
    while (i < len) {
        size_t n = spine_utf8_len(s + i, len - i);
        if (n == 0) {
            if (bad_at)
                *bad_at = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

int spine_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
        || c == '\f';
}

char *spine_path_join(const char *dir, const char *name)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_printf(&b, "%s/%s", dir, name);
    return spine_buf_detach(&b);
}

const char *spine_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n > 0 && spine_is_space((unsigned char)s[n - 1]))
        n--;
    while (n > 0 && spine_is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    *len = n;
    return s;
}

double spine_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned spine_online_cpus(unsigned max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (unsigned long)n > max ? max : (unsigned)n;
}
