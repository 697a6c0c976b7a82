/*
 * jsonl.c -- the JSON Lines reader: one JSON object per line, from a plain
 * or gzip file (told apart by content: gzip's two magic bytes).
 *
 * Each line becomes one article with a single section: pid "1", no
 * question, the trimmed "body" as its text.  The file is read in fixed-size
 * chunks and split into lines here; a line is buffered only up to
 * max_record_bytes, and the rest of an overlong line is read and dropped,
 * so memory stays bounded whatever the input.  Lines are checked for valid
 * UTF-8 before parsing so that a reject can give the offending byte's
 * offset; strings holding "\u0000" are rejected too, since the rest of
 * Spine works with NUL-terminated text.  A UTF-8 byte order mark at the
 * start of the file is skipped.
 *
 * A file that breaks off part-way (a damaged or cut gzip stream, a read
 * error) ends the read with one reject on the line where it broke: every
 * line before it was delivered, and a line it cut is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "spine/corpus.h"
#include "corpus_int.h"
#include "util.h"

enum { CHUNK = 64 * 1024 };     /* bytes per read() and per inflate */

/* What the field helpers return when a field is good: any other value is a
 * spine_reject (whose first value, SPINE_REJECT_EMPTY, is 0). */
enum { FIELD_OK = -1 };

typedef struct jreader {
    const spine_corpus_sink *sink;
    spine_corpus_stats *stats;
    size_t max_bytes;
    const char *path;
} jreader;

/* One string field of a record: a trimmed, NUL-terminated copy. */
typedef struct field {
    const char *name;
    int required;
    char *value;            /* malloc()ed, "" when absent */
} field;


/* Counts and reports one skipped record of this file. */
#define reject(r, line, why, ...) \
    spine_corpus_reject((r)->sink, (r)->stats, (r)->path, line, why, \
                        __VA_ARGS__)

/* Returns a copy of s[0..len) without leading and trailing whitespace. */
static char *trimmed_copy(const char *s, size_t len)
{
    s = spine_trim(s, &len);
    return spine_strndup(s, len);
}

/* Fills f->value from obj.  A missing optional field (or JSON null) reads
 * as "".  Returns FIELD_OK, or the reject reason with detail written. */
static int get_string(field *f, json_t *obj, char *detail, size_t size)
{
    json_t *v = json_object_get(obj, f->name);
    if (!v || (json_is_null(v) && !f->required)) {
        if (f->required) {
            snprintf(detail, size, "missing field \"%s\"", f->name);
            return SPINE_REJECT_FIELD;
        }
        f->value = spine_strdup("");
        return FIELD_OK;
    }
    if (!json_is_string(v)) {
        snprintf(detail, size, "field \"%s\" is not a string", f->name);
        return SPINE_REJECT_FIELD;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len) {
        snprintf(detail, size, "field \"%s\" contains a NUL character",
                 f->name);
        return SPINE_REJECT_ENCODING;
    }
    f->value = trimmed_copy(s, len);
    return FIELD_OK;
}

/* Writes the record's id into id: a string as-is, an integer in decimal.
 * Returns FIELD_OK, or the reject reason with detail written. */
static int get_id(spine_buf *id, json_t *obj, char *detail, size_t size)
{
    json_t *v = json_object_get(obj, "id");
    if (!v) {
        snprintf(detail, size, "missing field \"id\"");
        return SPINE_REJECT_FIELD;
    }
    if (json_is_integer(v)) {
        spine_buf_printf(id, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return FIELD_OK;
    }
    if (!json_is_string(v)) {
        snprintf(detail, size, "field \"id\" is not a string or integer");
        return SPINE_REJECT_FIELD;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len) {
        snprintf(detail, size, "field \"id\" contains a NUL character");
        return SPINE_REJECT_ENCODING;
    }
    if (len == 0) {
        snprintf(detail, size, "field \"id\" is empty");
        return SPINE_REJECT_FIELD;
    }
    spine_buf_append(id, s, len);
    return FIELD_OK;
}

/* Handles one complete line (without its '\n').  Returns 0, or
 * on_article's non-zero value. */
static int do_line(jreader *r, long lineno, const char *s, size_t len)
{
    field f[] = {
        { "body", 1, NULL }, { "title", 0, NULL },
        { "url", 0, NULL },  { "source", 0, NULL },
    };
    const size_t nf = sizeof f / sizeof f[0];
    spine_buf id = SPINE_BUF_INIT;
    json_t *root = NULL;
    char detail[512];
    size_t bad;
    int why, rc = 0;

    /* A UTF-8 byte order mark may open the file (editors on Windows
     * write one); it is not part of the first record. */
    if (lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
        s += 3;
        len -= 3;
    }
    size_t i = 0;
    while (i < len && spine_is_space((unsigned char)s[i]))
        i++;
    if (i == len)
        return 0;                       /* blank lines are allowed */

    if (!spine_utf8_valid(s, len, &bad)) {
        reject(r, lineno, SPINE_REJECT_ENCODING,
               s[bad] == '\0' ? "NUL byte at byte offset %zu"
                              : "invalid UTF-8 at byte offset %zu", bad);
        return 0;
    }
    json_error_t je;
    /* JSON_ALLOW_NUL so that "\u0000" parses and is rejected below as an
     * encoding problem rather than a syntax one. */
    root = json_loadb(s, len, JSON_ALLOW_NUL, &je);
    if (!root) {
        reject(r, lineno, SPINE_REJECT_MALFORMED, "column %d: %s",
               je.column, je.text);
        return 0;
    }
    if (!json_is_object(root)) {
        reject(r, lineno, SPINE_REJECT_FIELD, "record is not a JSON object");
        goto cleanup;
    }

    why = get_id(&id, root, detail, sizeof detail);
    for (size_t k = 0; k < nf && why == FIELD_OK; k++)
        why = get_string(&f[k], root, detail, sizeof detail);
    if (why == FIELD_OK && f[0].value[0] == '\0') {
        why = SPINE_REJECT_EMPTY;
        snprintf(detail, sizeof detail, "field \"body\" is empty");
    }
    if (why != FIELD_OK) {
        reject(r, lineno, (spine_reject)why, "%s", detail);
        goto cleanup;
    }

    spine_section sec = { "1", "", f[0].value };
    spine_article a;
    a.id = id.p;
    a.title = f[1].value;
    a.url = f[2].value;
    a.source = f[3].value;
    a.sections = &sec;
    a.nsections = 1;
    r->stats->articles++;
    r->stats->sections++;
    rc = r->sink->on_article(&a, r->sink->payload);

cleanup:
    for (size_t k = 0; k < nf; k++)
        free(f[k].value);
    spine_buf_free(&id);
    json_decref(root);
    return rc;
}

/* ---- the bytes of one file, as text ------------------------------------ */

/* One source file's bytes: a plain file as it is, a gzip file inflated
 * member after member (as gzip -d does).  zlib's gzread would do this too,
 * but on damage it throws away what it had already inflated into its own
 * buffers (up to 256 KB of good records) and cannot say where the damage
 * was; inflating here hands out every byte decoded before it. */
typedef struct input {
    int fd;
    int gzip;               /* 1: the file starts with gzip's magic */
    int in_member;          /* gzip: inside a member (0: between two) */
    int eof;                /* read() has returned 0 */
    z_stream zs;
    unsigned char *raw;     /* bytes read from the file (CHUNK) */
    size_t head;            /* plain: bytes of raw not yet handed out */
    uint64_t raw_read;      /* bytes read from the file so far */
    spine_reject why;       /* once stopped: the reason, and ... */
    char problem[256];      /* ... what went wrong, where ("" while none) */
} input;

/* zlib allocates through libspine, which stops the process when memory
 * runs out, so inflate never reports Z_MEM_ERROR. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return spine_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

/* Records why in stops reading (only the first reason counts). */
static void input_stop(input *in, spine_reject why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void input_stop(input *in, spine_reject why, const char *fmt, ...)
{
    if (in->problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->problem, sizeof in->problem, fmt, ap);
    va_end(ap);
    in->why = why;
}

/* Reads up to cap bytes of the file into buf, retrying on EINTR.  Returns
 * the count (0 at the end); on a read error, stops in and returns 0. */
static size_t input_raw(input *in, unsigned char *buf, size_t cap)
{
    for (;;) {
        ssize_t got = read(in->fd, buf, cap);
        if (got > 0) {
            in->raw_read += (uint64_t)got;
            return (size_t)got;
        }
        if (got == 0) {
            in->eof = 1;
            return 0;
        }
        if (errno != EINTR) {
            input_stop(in, SPINE_REJECT_UNREADABLE,
                       "read error at byte %llu: %s",
                       (unsigned long long)in->raw_read, strerror(errno));
            return 0;
        }
    }
}

/* Releases what input_open() took. */
static void input_close(input *in)
{
    if (in->gzip)
        inflateEnd(&in->zs);
    if (in->fd >= 0)
        close(in->fd);
    free(in->raw);
}

/* Opens path into in and looks at its first two bytes to tell gzip from
 * plain text.  Returns 0 (a read error is left in in->problem), or
 * SPINE_EIO with err set when path cannot be opened. */
static int input_open(input *in, const char *path, spine_error *err)
{
    memset(in, 0, sizeof *in);
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return spine_error_set(err, SPINE_EIO, "%s: %s", path,
                               strerror(errno));
    in->raw = spine_malloc(CHUNK);
    size_t n = 0;
    while (n < 2 && !in->eof && !in->problem[0])
        n += input_raw(in, in->raw + n, 2 - n);
    if (n == 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        in->gzip = 1;
        in->in_member = 1;
        in->zs.zalloc = z_alloc;
        in->zs.zfree = z_free;
        /* 15 + 16: any window size, gzip wrapper only. */
        if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
            int rc = spine_error_set(err, SPINE_ERROR, "%s: zlib cannot "
                                     "inflate: %s", path,
                                     in->zs.msg ? in->zs.msg : "init failed");
            in->gzip = 0;
            input_close(in);
            return rc;
        }
        in->zs.next_in = in->raw;
        in->zs.avail_in = (uInt)n;
    } else {
        in->head = n;
    }
    return SPINE_OK;
}

/* Inflates into out[0..cap) until it is full, the file ends or damage
 * stops the stream.  Returns the bytes decoded: all of them, including
 * those decoded just before the damage. */
static size_t input_inflate(input *in, char *out, size_t cap)
{
    z_stream *zs = &in->zs;
    zs->next_out = (Bytef *)out;
    zs->avail_out = (uInt)cap;
    while (zs->avail_out > 0 && !in->problem[0]) {
        if (zs->avail_in == 0) {
            if (in->eof) {
                if (in->in_member)
                    input_stop(in, SPINE_REJECT_DAMAGED, "the gzip stream "
                               "ends early, at byte %llu: the file is cut "
                               "short", (unsigned long long)in->raw_read);
                break;
            }
            zs->avail_in = (uInt)input_raw(in, in->raw, CHUNK);
            zs->next_in = in->raw;
            continue;
        }
        if (!in->in_member) {
            /* Between members: zero bytes pad the end of some files. */
            while (zs->avail_in > 0 && *zs->next_in == 0) {
                zs->next_in++;
                zs->avail_in--;
            }
            if (zs->avail_in == 0)
                continue;
            inflateReset(zs);
            in->in_member = 1;
        }
        /* With input and room for output, inflate always makes progress
         * or reports damage: this loop ends. */
        int z = inflate(zs, Z_NO_FLUSH);
        if (z == Z_STREAM_END)
            in->in_member = 0;
        else if (z != Z_OK)
            input_stop(in, SPINE_REJECT_DAMAGED, "gzip: %s, found at "
                       "byte %llu of the file", zs->msg ? zs->msg : zError(z),
                       (unsigned long long)(in->raw_read - zs->avail_in));
    }
    return cap - zs->avail_out;
}

/* Reads the next bytes of the file's text into out[0..cap).  Returns how
 * many; 0 at the end of the file or when the input stopped (then
 * in->problem says why). */
static size_t input_read(input *in, char *out, size_t cap)
{
    if (in->gzip)
        return input_inflate(in, out, cap);
    if (in->head > 0) {
        size_t n = in->head;
        memcpy(out, in->raw, n);
        in->head = 0;
        return n;
    }
    if (in->eof || in->problem[0])
        return 0;
    return input_raw(in, (unsigned char *)out, cap);
}

/* ---- the reader --------------------------------------------------------- */

/* See corpus.h.  Memory use is bounded by max_record_bytes plus two read
 * chunks and zlib's window, whatever the file holds; stats may be NULL. */
int spine_jsonl_read(const char *path, const spine_corpus_options *opts,
                     const spine_corpus_sink *sink, spine_corpus_stats *stats,
                     spine_error *err)
{
    spine_corpus_stats scratch;
    spine_buf line = SPINE_BUF_INIT;
    char *chunk = NULL;
    input in;
    struct stat st;
    jreader r;
    long lineno = 0;
    uint64_t seen = 0;      /* bytes of the current line, kept or not */
    int skipping = 0;       /* the current line went over the limit */
    int rc = 0;

    rc = spine_corpus_check_source("jsonl read", path, sink, &st, err);
    if (rc != SPINE_OK)
        return rc;
    if (S_ISDIR(st.st_mode))
        return spine_error_set(err, SPINE_EIO, "%s: Is a directory", path);
    if (!stats) {
        memset(&scratch, 0, sizeof scratch);
        stats = &scratch;
    }
    r.sink = sink;
    r.stats = stats;
    r.path = path;
    r.max_bytes = (opts && opts->max_record_bytes)
                      ? opts->max_record_bytes
                      : SPINE_CORPUS_DEFAULT_MAX_RECORD;

    rc = input_open(&in, path, err);
    if (rc != SPINE_OK)
        return rc;
    stats->files++;
    chunk = spine_malloc(CHUNK);

    for (;;) {
        size_t got = input_read(&in, chunk, CHUNK);
        if (got == 0)
            break;
        stats->bytes += got;
        const char *p = chunk, *end = chunk + got;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t seg = (size_t)((nl ? nl : end) - p);
            seen += seg;
            if (!skipping && line.n + seg > r.max_bytes) {
                skipping = 1;
                spine_buf_reset(&line);
            }
            if (!skipping)
                spine_buf_append(&line, p, seg);
            if (!nl)
                break;
            p = nl + 1;
            lineno++;
            if (skipping)
                reject(&r, lineno, SPINE_REJECT_TOO_LARGE,
                       "line is over the %zu-byte limit", r.max_bytes);
            else
                rc = do_line(&r, lineno, line.p ? line.p : "", line.n);
            skipping = 0;
            seen = 0;
            spine_buf_reset(&line);
            if (rc != 0)
                goto cleanup;
        }
    }
    if (in.problem[0]) {
        /* The file broke off: a line it cut is no good record, and what
         * came after the break cannot be read. */
        lineno++;
        if (seen > 0)
            reject(&r, lineno, in.why, "%s; this line is cut short after "
                   "%llu bytes, and nothing after it is read", in.problem,
                   (unsigned long long)seen);
        else
            reject(&r, lineno, in.why, "%s; nothing after it is read",
                   in.problem);
    } else if (seen > 0) {
        /* A last line without a newline. */
        lineno++;
        if (skipping)
            reject(&r, lineno, SPINE_REJECT_TOO_LARGE,
                   "line is over the %zu-byte limit", r.max_bytes);
        else
            rc = do_line(&r, lineno, line.p, line.n);
    }

cleanup:
    input_close(&in);
    free(chunk);
    spine_buf_free(&line);
    return rc;
}
