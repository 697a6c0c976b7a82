/*
 * fuzz_heads.c -- fuzz target: the heads file reader of heads.h
 * (spine_heads_open, spine_heads_get), on a small real index.
 *
 * LLVMFuzzerInitialize builds the fixture index (fuzz_util.h) and opens
 * its database.  Each input then becomes the heads file of the index's
 * live generation, with FUZZ_UUID_PLACEHOLDER replaced by the database's
 * UUID (each build has its own, and a file naming another database is
 * ignored: the saved inputs carry the placeholder instead; seeds.c makes
 * them from a real heads file).  The target opens the file, reads the
 * head of every docid up to a bound and a few beyond, decodes each head
 * as the searcher does, then cuts the file in half under the open handle
 * and reads them all again.
 *
 * Checks what heads.h promises: only its documented codes; no handle
 * after a failed open; a head is NUL-terminated where its length says,
 * or absent with length 0.  The reader depends on heads.h alone, not on
 * the file's layout, which may change.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "heads.h"
#include "store.h"
#include "xapian_c.h"

/* Docids read: 0 up to this bound, then a few far past any real count. */
#define LAST_DID 40

static char *ixdir;
static char *heads_path;
static char *uuid;
static xapian_database *db;

/* Process exit: what LLVMFuzzerInitialize opened. */
static void release(void)
{
    xapian_database_free(db);
    free(uuid);
    free(heads_path);
    free(ixdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    xapian_error xe;
    ixdir = fuzz_path(fuzz_scratch_dir(), "idx");
    fuzz_build_index(ixdir);
    uuid = fuzz_index_uuid(ixdir);
    heads_path = fuzz_live_file(ixdir, SPINE_HEADS_FILE);
    if (!heads_path || xapian_database_open(&db, ixdir, &xe) != 0) {
        fprintf(stderr, "fuzz_heads: cannot open the index at %s\n", ixdir);
        abort();
    }
    atexit(release);
    return 0;
}

/* Reads did's head through h and checks the answer. */
static void get_one(spine_heads *h, uint32_t did)
{
    const char *p = (const char *)&p;        /* must be overwritten */
    size_t len = 12345;
    spine_error err;
    int rc = spine_heads_get(h, did, &p, &len, &err);
    FUZZ_CHECK(rc == SPINE_OK || rc == SPINE_ECORRUPT || rc == SPINE_EIO);
    if (rc != SPINE_OK)
        return;
    if (!p) {
        FUZZ_CHECK(len == 0);
        return;
    }
    FUZZ_CHECK(p[len] == '\0');
    /* The searcher decodes what it gets; the checksum is the decoder's. */
    spine_record *rec = NULL;
    int drc = spine_store_decode_meta(&rec, p, len, &err);
    FUZZ_CHECK(drc == SPINE_OK || drc == SPINE_ECORRUPT);
    FUZZ_CHECK((drc == SPINE_OK) == (rec != NULL));
    spine_record_free(rec);
}

static void get_all(spine_heads *h)
{
    for (uint32_t did = 0; did <= LAST_DID; did++)
        get_one(h, did);
    get_one(h, 1000);
    get_one(h, 0x7fffffffu);
    get_one(h, 0xffffffffu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *file = malloc(size ? size : 1);
    if (!file)
        abort();
    memcpy(file, data, size);
    fuzz_replace_all(file, size, FUZZ_UUID_PLACEHOLDER, uuid);
    fuzz_write_file(heads_path, file, size);
    free(file);

    spine_heads *h = (spine_heads *)&h;      /* must be overwritten */
    spine_error err;
    int rc = spine_heads_open(&h, ixdir, db, &err);
    FUZZ_CHECK(rc == SPINE_OK || rc == SPINE_ECORRUPT || rc == SPINE_EIO);
    if (rc != SPINE_OK)
        FUZZ_CHECK(h == NULL);
    if (!h)
        return 0;
    get_all(h);
    /* Cut short under the open handle: what it kept is still served, the
     * rest is SPINE_ECORRUPT, never a crash. */
    if (truncate(heads_path, (off_t)(size / 2)) != 0)
        abort();
    get_all(h);
    spine_heads_free(h);
    return 0;
}
