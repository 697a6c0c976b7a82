/*
 * util.h -- memory and buffer helpers shared by libspine.
 *
 * Allocation failure is handled in one place (as Redis's zmalloc does):
 * spine_malloc and friends print a message and abort() when memory runs out,
 * so callers never check for NULL after allocating.
 */
#ifndef SPINE_UTIL_H
#define SPINE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* malloc/calloc/realloc/strdup/strndup that never return NULL. */
void *spine_malloc(size_t n);
void *spine_calloc(size_t count, size_t size);
void *spine_realloc(void *p, size_t n);
char *spine_strdup(const char *s);
char *spine_strndup(const char *s, size_t n);

/* A growable byte buffer.  Zero-initialise it (SPINE_BUF_INIT); p is always
 * NUL-terminated past n once allocated (by an append or a reserve, even
 * of nothing).  Release with
 * spine_buf_free(), which leaves it empty and reusable. */
typedef struct spine_buf {
    char  *p;       /* contents (n bytes, then a NUL), or NULL when empty */
    size_t n;       /* bytes used */
    size_t cap;     /* bytes allocated */
} spine_buf;

#define SPINE_BUF_INIT { NULL, 0, 0 }

/* Ensures room for extra more bytes (plus the NUL). */
void spine_buf_reserve(spine_buf *b, size_t extra);
/* Appends len bytes. */
void spine_buf_append(spine_buf *b, const void *data, size_t len);
/* Appends a NUL-terminated string. */
void spine_buf_puts(spine_buf *b, const char *s);
/* Appends printf-style formatted text. */
void spine_buf_printf(spine_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Empties b without releasing its memory. */
void spine_buf_reset(spine_buf *b);
/* Releases b's memory; b is empty afterwards.  Accepts a zeroed buffer. */
void spine_buf_free(spine_buf *b);
/* Hands b's contents to the caller (free() them; never NULL: "" when empty)
 * and leaves b empty. */
char *spine_buf_detach(spine_buf *b);

/* Appends v as LEB128: seven bits a byte, the lowest first, the high bit
 * set on every byte but the last. */
void spine_buf_put_varint(spine_buf *b, uint64_t v);

/* Reads a LEB128 number (spine_buf_put_varint) from p[*at..len) into *out,
 * advancing *at past it.  Returns 0, or -1 when it runs off the end or
 * goes on past 64 bits. */
int spine_get_varint(const unsigned char *p, size_t len, size_t *at,
                     uint64_t *out);

/* Little-endian fixed-width integers at p (any alignment), as Spine's
 * on-disk formats store them. */
static inline void spine_put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t spine_get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static inline void spine_put_le64(unsigned char *p, uint64_t v)
{
    spine_put_le32(p, (uint32_t)v);
    spine_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t spine_get_le64(const unsigned char *p)
{
    return spine_get_le32(p) | (uint64_t)spine_get_le32(p + 4) << 32;
}

/* FNV-1a: returns hash h with the n bytes at p folded in.  Start from
 * SPINE_FNV1A_INIT; feed several pieces in turn to hash them as one. */
#define SPINE_FNV1A_INIT 2166136261u
uint32_t spine_fnv1a(uint32_t h, const void *p, size_t n);

/* Returns the length in bytes (1 to 4) of the valid UTF-8 character, not
 * NUL, that starts s (of len bytes), or 0 when s starts with a NUL, a bad
 * or cut-short sequence, or len is 0. */
size_t spine_utf8_len(const char *s, size_t len);

/* Returns the length in bytes of the control character that starts s (of
 * len bytes): 1 for a C0 control or DEL, 2 for a C1 control (U+0080 to
 * U+009F, 0xC2 0x80..0x9F in UTF-8); 0 for anything else or len 0.  Text
 * shown to people is never to hold them: they can drive a terminal. */
size_t spine_control_len(const char *s, size_t len);

/* Returns 1 when s[0..len) is valid UTF-8 without NUL bytes, else 0, and
 * when invalid stores the byte offset of the first bad byte in *bad_at (may
 * be NULL). */
int spine_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Returns 1 for ASCII whitespace (space, \t, \n, \r, \v, \f), whatever
 * the locale. */
int spine_is_space(int c);

/* Trims ASCII whitespace from both ends of s[0..*len): returns the first
 * kept byte and sets *len to the kept length (s is not modified). */
const char *spine_trim(const char *s, size_t *len);

/* Returns "dir/name" in a malloc()ed string (free() it). */
char *spine_path_join(const char *dir, const char *name);

/* Monotonic clock in seconds. */
double spine_now(void);

/* The number of online CPUs, at least 1 and at most max (>= 1). */
unsigned spine_online_cpus(unsigned max);

#endif /* SPINE_UTIL_H */
