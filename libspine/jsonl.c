/*
 * jsonl.c -- the JSON Lines reader: one JSON object per line, from a plain
 * or gzip file (zlib's gzread reads both, telling them apart by content).
 *
 * Each line becomes one article with a single section: pid "1", no
 * question, the trimmed "body" as its text.  The file is read in fixed-size
 * chunks and split into lines here; a line is buffered only up to
 * max_record_bytes, and the rest of an overlong line is read and dropped,
 * so memory stays bounded whatever the input.  Lines are checked for valid
 * UTF-8 before parsing so that a reject can give the offending byte's
 * offset; strings holding "\u0000" are rejected too, since the rest of
 * Spine works with NUL-terminated text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <zlib.h>

#include "spine/corpus.h"
#include "corpus_int.h"
#include "util.h"

enum { CHUNK = 64 * 1024 };     /* bytes per gzread */

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

/* Sets err to gzip's message for gz, naming path.  Returns SPINE_EIO. */
static int gz_fail(gzFile gz, const char *path, spine_error *err)
{
    int errnum = 0;
    const char *msg = gzerror(gz, &errnum);
    if (errnum == Z_ERRNO)
        msg = strerror(errno);
    if (!msg || !*msg)
        msg = "read error";
    /* zlib's messages already start with the path; don't say it twice. */
    if (strncmp(msg, path, strlen(path)) == 0)
        return spine_error_set(err, SPINE_EIO, "%s", msg);
    return spine_error_set(err, SPINE_EIO, "%s: %s", path, msg);
}

/* See corpus.h.  Memory use is bounded by max_record_bytes plus one read
 * chunk, whatever the file holds; stats may be NULL. */
int spine_jsonl_read(const char *path, const spine_corpus_options *opts,
                     const spine_corpus_sink *sink, spine_corpus_stats *stats,
                     spine_error *err)
{
    spine_corpus_stats scratch;
    spine_buf line = SPINE_BUF_INIT;
    char *chunk = NULL;
    gzFile gz = NULL;
    struct stat st;
    jreader r;
    long lineno = 0;
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

    errno = 0;
    gz = gzopen(path, "rb");
    if (!gz)
        return spine_error_set(err, SPINE_EIO, "%s: %s", path,
                               errno ? strerror(errno) : "cannot open");
    stats->files++;
    gzbuffer(gz, 128 * 1024);
    chunk = spine_malloc(CHUNK);

    for (;;) {
        int got = gzread(gz, chunk, CHUNK);
        if (got <= 0) {
            int errnum = Z_OK;
            gzerror(gz, &errnum);
            /* gzread returns 0, not -1, for a stream cut short
             * (Z_BUF_ERROR), so the error state is what decides. */
            if (got < 0 || errnum != Z_OK) {
                rc = gz_fail(gz, path, err);
                goto cleanup;
            }
            break;
        }
        stats->bytes += (uint64_t)got;
        const char *p = chunk, *end = chunk + got;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t seg = (size_t)((nl ? nl : end) - p);
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
            spine_buf_reset(&line);
            if (rc != 0)
                goto cleanup;
        }
    }
    /* A last line without a newline. */
    if (line.n > 0 || skipping) {
        lineno++;
        if (skipping)
            reject(&r, lineno, SPINE_REJECT_TOO_LARGE,
                   "line is over the %zu-byte limit", r.max_bytes);
        else
            rc = do_line(&r, lineno, line.p, line.n);
    }

cleanup:
    if (gz)
        gzclose(gz);
    free(chunk);
    spine_buf_free(&line);
    return rc;
}
