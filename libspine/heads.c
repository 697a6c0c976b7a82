/*
 * heads.c -- the heads file (heads.h): written by the indexer from the
 * value slot SPINE_SLOT_HEAD of a finished generation, read by the
 * searcher with pread() and kept, a block at a time: never mapped, so a
 * file cut short under a running searcher is an error to report, not a
 * SIGBUS.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heads.h"
#include "generation.h"          /* spine_generation_live_dir() */
#include "schema.h"
#include "util.h"
#include "xerror.h"

#define MAGIC        "SPINEHD2"
#define MAGIC_V1     "SPINEHD1"     /* heads without docids: not used */
#define UUID_BYTES   40
#define HEADER_BYTES (32 + UUID_BYTES)
#define DOCID_BYTES  4              /* the u32 docid opening an entry */

/* The offset table is read a page at a time, on first use, and kept: a
 * warm lookup then costs one pread() (the head) instead of two.  Kept
 * pages grow to at most the table itself, 8 bytes an article. */
#define PAGE_ENTRIES 512            /* table entries a page: 4 KB */

/* So are the heads, a 4 KB block at a time, up to HEADS_CACHE_MAX bytes a
 * handle (past that a head is read for each lookup): a warm lookup then
 * costs no system call, which on the benchmark machine was a fifth of a
 * warm query listing ten hits without snippets (pread() 1.4 us). */
#define HEAD_BLOCK      4096
#define HEADS_CACHE_MAX (32u << 20)

struct spine_heads {
    int fd;                         /* the file, open for pread() */
    char *path;                     /* its name, for messages */
    uint32_t count;                 /* docids 1..count */
    uint64_t revision;              /* of the database it was written for */
    int updated;                    /* the database changed in place since
                                       (SPINE_META_HEADS_BASE) */
    uint64_t table;                 /* offset of off[0] */
    uint64_t **pages;               /* pages[k]: off[k * PAGE_ENTRIES ...],
                                       decoded, or NULL until read */
    size_t npages;
    unsigned char **blocks;         /* blocks[k]: bytes k * HEAD_BLOCK ...
                                       of the file, or NULL until read */
    size_t nblocks;
    size_t cached;                  /* bytes held in blocks */
    spine_buf buf;                  /* the head last read */
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

/* Appends docid did's entry: did, then its head.  Docids come in
 * increasing order; those skipped (no document) get empty entries. */
static int add_head(xapian_docid did, const char *value, size_t len,
                    void *ctx)
{
    writer *w = ctx;
    unsigned char le[DOCID_BYTES];
    if ((size_t)did >= w->cap) {
        size_t cap = w->cap;
        while (cap <= did)
            cap *= 2;
        w->off = spine_realloc(w->off, cap * sizeof *w->off);
        w->cap = cap;
    }
    while (w->count + 1 < did)
        w->off[++w->count] = w->at;
    spine_put_le32(le, did);
    if (fwrite(le, 1, sizeof le, w->f) != sizeof le
        || (len && fwrite(value, 1, len, w->f) != len))
        return WRITE_FAILED;
    w->at += sizeof le + len;
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

/* Reads n bytes at offset at of h's file into buf.  Returns SPINE_OK;
 * SPINE_ECORRUPT when the file ends first (truncated: by a crash, a full
 * disk, or a hand under a running searcher); SPINE_EIO when the read
 * fails.  Either names the file.  Regular files return short counts only
 * at their end, but the loop also takes a signal's interruption in its
 * stride. */
static int read_at(const spine_heads *h, void *buf, size_t n, uint64_t at,
                   spine_error *err)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(h->fd, p + got, n - got, (off_t)(at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return spine_error_set(err, SPINE_EIO, "%s: %s", h->path,
                                   strerror(errno));
        if (r == 0)
            return spine_error_set(err, SPINE_ECORRUPT, "%s: cut short: "
                                   "%zu of the %zu bytes at byte %llu are "
                                   "there; rebuild the index", h->path, got,
                                   n, (unsigned long long)at);
        got += (size_t)r;
    }
    return SPINE_OK;
}

/* Sets *v to off[e] (e <= h->count), reading its page of the table if
 * no lookup has yet.  Returns SPINE_OK, or read_at()'s error. */
static int table_entry(spine_heads *h, uint32_t e, uint64_t *v,
                       spine_error *err)
{
    size_t k = e / PAGE_ENTRIES;
    if (!h->pages[k]) {
        size_t first = k * PAGE_ENTRIES;
        size_t n = (size_t)h->count + 1 - first;
        unsigned char raw[PAGE_ENTRIES * 8];
        if (n > PAGE_ENTRIES)
            n = PAGE_ENTRIES;
        int rc = read_at(h, raw, 8 * n, h->table + 8 * (uint64_t)first, err);
        if (rc != SPINE_OK)
            return rc;
        uint64_t *page = spine_malloc(n * sizeof *page);
        for (size_t i = 0; i < n; i++)
            page[i] = spine_get_le64(raw + 8 * i);
        h->pages[k] = page;
    }
    *v = h->pages[k][e % PAGE_ENTRIES];
    return SPINE_OK;
}

/* Copies bytes [from, to) of h's file (to <= h->table) into h->buf, from
 * kept blocks, reading and keeping those not yet read while the cache has
 * room; else with one pread().  Returns SPINE_OK, or read_at()'s error. */
static int read_head(spine_heads *h, uint64_t from, uint64_t to,
                     spine_error *err)
{
    size_t n = (size_t)(to - from);
    spine_buf_reset(&h->buf);
    spine_buf_reserve(&h->buf, n);
    size_t first = (size_t)(from / HEAD_BLOCK), last = (size_t)((to - 1) /
                                                                HEAD_BLOCK);
    size_t missing = 0;
    for (size_t k = first; k <= last; k++)
        missing += h->blocks[k] == NULL;
    if (missing && h->cached + missing * HEAD_BLOCK > HEADS_CACHE_MAX) {
        int rc = read_at(h, h->buf.p, n, from, err);
        if (rc == SPINE_OK)
            h->buf.n = n;
        return rc;
    }
    for (size_t k = first; k <= last; k++) {
        uint64_t at = (uint64_t)k * HEAD_BLOCK;
        size_t size = h->table - at < HEAD_BLOCK ? (size_t)(h->table - at)
                                                 : HEAD_BLOCK;
        if (!h->blocks[k]) {
            unsigned char *b = spine_malloc(size);
            int rc = read_at(h, b, size, at, err);
            if (rc != SPINE_OK) {
                free(b);
                return rc;
            }
            h->blocks[k] = b;
            h->cached += size;
        }
        uint64_t lo = from > at ? from : at;
        uint64_t hi = to < at + size ? to : at + size;
        spine_buf_append(&h->buf, h->blocks[k] + (lo - at),
                         (size_t)(hi - lo));
    }
    return SPINE_OK;
}

int spine_heads_open(spine_heads **out, const char *index_dir,
                     const xapian_database *db, spine_error *err)
{
    char *gen = spine_generation_live_dir(index_dir);
    int rc = SPINE_OK;
    *out = NULL;
    if (gen)
        rc = spine_heads_open_at(out, gen, db, err);
    free(gen);
    return rc;
}

/* Sets *ok when db's metadata SPINE_META_HEADS_BASE names revision rev:
 * the updates since rev kept the heads file of rev true. */
static int heads_base_is(int *ok, const xapian_database *db, uint64_t rev,
                         xapian_error *xe)
{
    char *base = NULL, want[32];
    size_t len = 0;
    int n = snprintf(want, sizeof want, "%llu", (unsigned long long)rev);
    int rc = xapian_database_get_metadata(&base, &len, db,
                                          SPINE_META_HEADS_BASE,
                                          strlen(SPINE_META_HEADS_BASE), xe);
    *ok = rc == 0 && len == (size_t)n && memcmp(base, want, len) == 0;
    free(base);
    return rc;
}

int spine_heads_base(uint64_t *rev, const char *db_dir,
                     const xapian_database *db, spine_error *err)
{
    spine_heads *h = NULL;
    *rev = 0;
    int rc = spine_heads_open_at(&h, db_dir, db, err);
    if (rc == SPINE_OK && h)
        *rev = h->revision;
    spine_heads_free(h);
    return rc;
}

int spine_heads_open_at(spine_heads **out, const char *db_dir,
                        const xapian_database *db, spine_error *err)
{
    char *path = spine_path_join(db_dir, SPINE_HEADS_FILE);
    char *uuid = NULL;
    uint64_t rev = 0;
    xapian_error xe;
    struct stat st;
    unsigned char h[HEADER_BYTES];
    spine_heads *hd = NULL;
    int rc = SPINE_OK;

    *out = NULL;
    hd = spine_calloc(1, sizeof *hd);
    hd->path = path;
    hd->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (hd->fd < 0) {
        if (errno != ENOENT)
            rc = spine_error_set(err, SPINE_EIO, "%s: %s", path,
                                 strerror(errno));
        goto done;
    }
    if (fstat(hd->fd, &st) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (st.st_size < HEADER_BYTES + 8)
        goto corrupt;
    rc = read_at(hd, h, sizeof h, 0, err);
    if (rc == SPINE_ECORRUPT)       /* shrunk since fstat(): same message */
        goto corrupt;
    if (rc != SPINE_OK)
        goto done;
    /* Version 1 ties no head to its docid: the value slot is read instead
     * (heads.h), as for an index without a heads file. */
    if (memcmp(h, MAGIC_V1, 8) == 0)
        goto done;
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
        rc = spine_error_from_xapian(err, &xe, db_dir);
        goto done;
    }
    if (strcmp((const char *)h + 32, uuid) != 0)
        goto done;
    if (spine_get_le64(h + 24) != rev) {
        /* Changed in place since the file was written: usable only if
         * every change was an update that kept it true (heads.h). */
        int ok = 0;
        rc = heads_base_is(&ok, db, spine_get_le64(h + 24), &xe);
        if (rc != 0) {
            rc = spine_error_from_xapian(err, &xe, db_dir);
            goto done;
        }
        if (!ok)
            goto done;
        hd->updated = 1;
    }

    hd->count = count;
    hd->revision = spine_get_le64(h + 24);
    hd->table = table;
    hd->npages = (size_t)count / PAGE_ENTRIES + 1;
    hd->pages = spine_calloc(hd->npages, sizeof *hd->pages);
    hd->nblocks = (size_t)((table + HEAD_BLOCK - 1) / HEAD_BLOCK);
    hd->blocks = spine_calloc(hd->nblocks ? hd->nblocks : 1,
                              sizeof *hd->blocks);
    *out = hd;
    hd = NULL;
    goto done;

corrupt:
    rc = spine_error_set(err, SPINE_ECORRUPT, "%s: not a heads file, or "
                         "damaged; rebuild the index", path);
done:
    spine_heads_free(hd);
    free(uuid);
    return rc;
}

int spine_heads_get(spine_heads *h, uint32_t did, const char **data,
                    size_t *len, spine_error *err)
{
    uint64_t from = 0, to = 0;
    int rc;

    *data = NULL;
    *len = 0;
    if (did == 0 || did > h->count)
        return SPINE_OK;
    /* off[did - 1] and off[did]: where the head starts and ends. */
    rc = table_entry(h, did - 1, &from, err);
    if (rc == SPINE_OK)
        rc = table_entry(h, did, &to, err);
    if (rc != SPINE_OK)
        return rc;
    if (from == to)                 /* no document: an empty entry */
        return SPINE_OK;
    if (from < HEADER_BYTES || to > h->table || from > to)
        return spine_error_set(err, SPINE_ECORRUPT, "%s: the head of docid "
                               "%u lies at bytes %llu..%llu, outside "
                               "%u..%llu; rebuild the index", h->path,
                               (unsigned)did, (unsigned long long)from,
                               (unsigned long long)to, (unsigned)HEADER_BYTES,
                               (unsigned long long)h->table);
    if (to - from < DOCID_BYTES)
        return spine_error_set(err, SPINE_ECORRUPT, "%s: the entry of docid "
                               "%u is %u bytes, too short to name its "
                               "document; rebuild the index", h->path,
                               (unsigned)did, (unsigned)(to - from));
    rc = read_head(h, from, to, err);
    if (rc != SPINE_OK)
        return rc;
    /* The entry names its document: another one's is damage, never a hit
     * to list in did's place. */
    uint32_t owner = spine_get_le32((const unsigned char *)h->buf.p);
    if (owner != did)
        return spine_error_set(err, SPINE_ECORRUPT, "%s: the entry of docid "
                               "%u holds the head of docid %u; rebuild the "
                               "index", h->path, (unsigned)did,
                               (unsigned)owner);
    h->buf.p[h->buf.n] = '\0';
    *data = h->buf.p + DOCID_BYTES;
    *len = h->buf.n - DOCID_BYTES;
    return SPINE_OK;
}

int spine_heads_updated(const spine_heads *h)
{
    return h->updated;
}

uint32_t spine_heads_count(const spine_heads *h)
{
    return h->count;
}

void spine_heads_free(spine_heads *h)
{
    if (!h)
        return;
    if (h->fd >= 0)
        close(h->fd);
    for (size_t k = 0; k < h->npages; k++)
        free(h->pages[k]);
    free(h->pages);
    for (size_t k = 0; k < h->nblocks; k++)
        free(h->blocks[k]);
    free(h->blocks);
    spine_buf_free(&h->buf);
    free(h->path);
    free(h);
}
