/*
 * heads.c -- the heads file (heads.h): written by the indexer from the
 * value slot SPINE_SLOT_HEAD of a finished generation, mapped by the
 * searcher.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heads.h"
#include "generation.h"          /* spine_index_live_path() */
#include "schema.h"
#include "util.h"
#include "xerror.h"

#define MAGIC        "SPINEHD1"
#define UUID_BYTES   40
#define HEADER_BYTES (32 + UUID_BYTES)

struct spine_heads {
    const unsigned char *map;       /* the whole file, read-only */
    size_t size;
    uint32_t count;                 /* docids 1..count */
    uint64_t table;                 /* offset of off[0] */
};

/* ---- writing ------------------------------------------------------------ */

typedef struct writer {
    FILE *f;
    uint64_t at;                    /* bytes written so far */
    uint64_t *off;                  /* off[d]: end of docid d's head */
    size_t cap;                     /* slots allocated in off */
    uint32_t count;                 /* last docid seen */
} writer;

enum { WRITE_FAILED = 1 };          /* each_value: stop, fwrite failed */

/* Appends docid did's head.  Docids come in increasing order; those
 * skipped (no document) get empty heads. */
static int add_head(xapian_docid did, const char *value, size_t len,
                    void *ctx)
{
    writer *w = ctx;
    if ((size_t)did >= w->cap) {
        size_t cap = w->cap;
        while (cap <= did)
            cap *= 2;
        w->off = spine_realloc(w->off, cap * sizeof *w->off);
        w->cap = cap;
    }
    while (w->count + 1 < did)
        w->off[++w->count] = w->at;
    if (len && fwrite(value, 1, len, w->f) != len)
        return WRITE_FAILED;
    w->at += len;
    w->off[++w->count] = w->at;
    return 0;
}

/* Writes the table and, over the placeholder, the header. */
static int finish(writer *w, const char *uuid, uint64_t rev)
{
    unsigned char h[HEADER_BYTES], le[8];
    uint64_t table = w->at;
    for (uint32_t d = 0; d <= w->count; d++) {
        spine_put_le64(le, w->off[d]);
        if (fwrite(le, 1, sizeof le, w->f) != sizeof le)
            return -1;
    }
    memset(h, 0, sizeof h);
    memcpy(h, MAGIC, 8);
    spine_put_le32(h + 8, w->count);
    spine_put_le64(h + 16, table);
    spine_put_le64(h + 24, rev);
    memcpy(h + 32, uuid, strnlen(uuid, UUID_BYTES - 1));
    if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, w->f) != sizeof h
        || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
        return -1;
    return 0;
}

int spine_heads_write(const char *db_dir, const xapian_database *db,
                      spine_error *err)
{
    xapian_error xe;
    char *uuid = NULL;
    uint64_t rev = 0;
    spine_buf path = SPINE_BUF_INIT, tmp = SPINE_BUF_INIT;
    writer w = { NULL, HEADER_BYTES, NULL, 0, 0 };
    int rc;

    spine_buf_printf(&path, "%s/%s", db_dir, SPINE_HEADS_FILE);
    spine_buf_printf(&tmp, "%s.tmp", path.p);
    rc = xapian_database_identity(&uuid, &rev, db, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, db_dir);
        goto done;
    }
    w.f = fopen(tmp.p, "wb");
    w.off = spine_calloc(1, sizeof *w.off);
    w.cap = 1;
    if (!w.f || fseek(w.f, HEADER_BYTES, SEEK_SET) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp.p, strerror(errno));
        goto done;
    }
    w.off[0] = HEADER_BYTES;
    rc = xapian_database_each_value(db, SPINE_SLOT_HEAD, add_head, &w, &xe);
    if (rc < 0) {
        rc = spine_error_from_xapian(err, &xe, db_dir);
        goto done;
    }
    if (rc == WRITE_FAILED || finish(&w, uuid, rev) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp.p, strerror(errno));
        goto done;
    }
    if (fclose(w.f) != 0) {
        w.f = NULL;
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp.p, strerror(errno));
        goto done;
    }
    w.f = NULL;
    if (rename(tmp.p, path.p) != 0)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", path.p,
                             strerror(errno));

done:
    if (w.f)
        fclose(w.f);
    if (rc != SPINE_OK)
        remove(tmp.p);
    free(w.off);
    free(uuid);
    spine_buf_free(&path);
    spine_buf_free(&tmp);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int spine_heads_open(spine_heads **out, const char *index_dir,
                     const xapian_database *db, spine_error *err)
{
    char *path = spine_index_live_path(index_dir, SPINE_HEADS_FILE);
    char *uuid = NULL;
    uint64_t rev = 0;
    xapian_error xe;
    struct stat st;
    void *map = MAP_FAILED;
    int fd = -1, rc = SPINE_OK;

    *out = NULL;
    if (!path)
        return SPINE_OK;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            rc = spine_error_set(err, SPINE_EIO, "%s: %s", path,
                                 strerror(errno));
        goto done;
    }
    if (fstat(fd, &st) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (st.st_size < HEADER_BYTES + 8)
        goto corrupt;
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", path, strerror(errno));
        goto done;
    }
    const unsigned char *h = map;
    uint32_t count = spine_get_le32(h + 8);
    uint64_t table = spine_get_le64(h + 16);
    if (memcmp(h, MAGIC, 8) != 0 || table < HEADER_BYTES
        || table > (uint64_t)st.st_size
        || ((uint64_t)st.st_size - table) / 8 != (uint64_t)count + 1
        || ((uint64_t)st.st_size - table) % 8 != 0
        || memchr(h + 32, '\0', UUID_BYTES) == NULL)
        goto corrupt;
    /* Another database than the one the caller opened: not ours to use. */
    rc = xapian_database_identity(&uuid, &rev, db, &xe);
    if (rc != 0) {
        rc = spine_error_from_xapian(err, &xe, index_dir);
        goto done;
    }
    if (strcmp((const char *)h + 32, uuid) != 0
        || spine_get_le64(h + 24) != rev)
        goto done;

    spine_heads *hd = spine_malloc(sizeof *hd);
    hd->map = map;
    hd->size = (size_t)st.st_size;
    hd->count = count;
    hd->table = table;
    map = MAP_FAILED;
    *out = hd;
    goto done;

corrupt:
    rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a heads file, or "
                         "damaged; rebuild the index", path);
done:
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    if (fd >= 0)
        close(fd);
    free(uuid);
    free(path);
    return rc;
}

int spine_heads_get(const spine_heads *h, uint32_t did, const char **data,
                    size_t *len)
{
    if (did == 0 || did > h->count)
        return 0;
    const unsigned char *t = h->map + h->table + 8 * (size_t)(did - 1);
    uint64_t from = spine_get_le64(t), to = spine_get_le64(t + 8);
    if (from < HEADER_BYTES || from >= to || to > h->table)
        return 0;
    *data = (const char *)h->map + from;
    *len = (size_t)(to - from);
    return 1;
}

void spine_heads_free(spine_heads *h)
{
    if (!h)
        return;
    munmap((void *)h->map, h->size);
    free(h);
}
