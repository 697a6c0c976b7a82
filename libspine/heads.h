/*
 * heads.h -- the heads file: every article's record head (store.h: header
 * and fields, with their own checksum) in one file beside the Xapian
 * tables of a generation, read by the searcher with pread().
 *
 * A hit listed without a snippet needs only its head.  Read from the value
 * slot SPINE_SLOT_HEAD, each costs a B-tree descent and an 8 KB pread()
 * (Xapian glass keeps no block cache): on MedQuAD two thirds of the block
 * reads of a top-10 query.  From this file it costs one small pread(),
 * of the head itself (a few hundred bytes), once the page of the offset
 * table that locates it has been read (4 KB, read on first use and kept).
 *
 * The file is never mapped into memory: a mapped file cut short under a
 * running searcher kills it with SIGBUS on the next load past the new
 * end.  Every read's length is checked instead; a short one, or offsets
 * out of bounds, is SPINE_ECORRUPT naming the file.
 *
 * Layout (integers little-endian):
 *
 *   0   "SPINEHD2"            magic and version
 *   8   u32 count             docids 1..count have a slot
 *   12  u32 reserved (0)
 *   16  u64 table             file offset of the offset table
 *   24  u64 revision          Xapian revision of the database described
 *   32  char uuid[40]         and its UUID, NUL-padded
 *   72  entries, in docid order: u32 docid, then that document's head
 *   table: u64 off[count + 1] entry of docid d: bytes off[d-1]..off[d]
 *                             (empty: no document)
 *
 * The file ends with the table.  The UUID and revision tie it to one
 * database: a searcher that opened another (a generation swapped in
 * between, a database changed in place) ignores the file and reads the
 * value slot, as it does for an index without one (built before, or
 * remote shards).  Except after updates (update.c): they never change a
 * document in place (a replaced article is deleted and added again,
 * under a new docid past the file's count), so every entry of a
 * document still there stays true.  Each update commits, with its
 * changes, the metadata SPINE_META_HEADS_BASE naming the file's revision
 * (schema.h), and the file is used for the revisions that say so.  So it does with a file of version 1 ("SPINEHD1",
 * whose entries were the heads alone): such an index answers as before,
 * from the value slot, until it is rebuilt.
 *
 * The docid opening each entry ties the head to its document: a damaged
 * table entry that points at another article's entry is SPINE_ECORRUPT,
 * never that article listed in the place of the one asked for.  The
 * head's own bytes are covered by its checksum (store.h), which the
 * decoder checks.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_HEADS_H
#define SPINE_HEADS_H

#include <stddef.h>
#include <stdint.h>

#include "spine/error.h"
#include "xapian_c.h"

/* The heads file's name inside a generation directory. */
#define SPINE_HEADS_FILE "heads.spine"

typedef struct spine_heads spine_heads;

/* Writes db_dir/SPINE_HEADS_FILE for db, the Xapian database at db_dir (a
 * generation not yet live; the caller keeps db open and owns it), from its
 * value slot SPINE_SLOT_HEAD: a temporary file made durable, then renamed.
 * Returns SPINE_OK, or an error naming the file (nothing is left behind). */
int spine_heads_write(const char *db_dir, const xapian_database *db,
                      spine_error *err);

/* Opens the heads file of index_dir's live generation, if it describes db
 * (the database the caller opened from index_dir), and checks its header
 * against the file's size.  Sets *out to NULL and returns SPINE_OK when
 * there is nothing to use: no file, a stub naming anything but one local
 * generation, a file of another database or of version 1 (see above).
 * Returns SPINE_ECORRUPT, naming the file, when it is malformed or cut
 * short; SPINE_EIO when it cannot be read.  Reads only the header: the
 * cost does not grow with the index.  Release *out with
 * spine_heads_free(). */
int spine_heads_open(spine_heads **out, const char *index_dir,
                     const xapian_database *db, spine_error *err);

/* The same for the heads file of the database at db_dir (a generation the
 * caller opened, and holds: spine_generation_hold()), whatever the stub
 * names now. */
int spine_heads_open_at(spine_heads **out, const char *db_dir,
                        const xapian_database *db, spine_error *err);

/* Sets *rev to the revision of the database the heads file of db_dir was
 * written for, when it is one db may use (as spine_heads_open_at()
 * decides), else to 0.  Returns SPINE_OK, or an error as
 * spine_heads_open_at(). */
int spine_heads_base(uint64_t *rev, const char *db_dir,
                     const xapian_database *db, spine_error *err);

/* Reads document did's head: from the 4 KB blocks of the file h has kept,
 * reading (with pread()) and keeping those it has not, as it does the
 * pages of the offset table that hold did's offsets; once h keeps 32 MB,
 * heads in blocks not kept are read for each lookup.  The docid opening
 * the entry is checked against did on every lookup.  Returns SPINE_OK
 * with *data pointing at the head (*len bytes, NUL-terminated, in a buffer
 * h owns: valid until the next spine_heads_get() on h or
 * spine_heads_free()), or with *data NULL and *len 0 when the file has no
 * head for did (did 0, past the file's count, or an empty slot: no such
 * document); the caller then reads the value slot.  Returns
 * SPINE_ECORRUPT, naming the file, when a read comes up short (the file
 * was cut short since it was opened; what h read before the cut is still
 * served), the offsets lie outside the heads, or the entry there is
 * another document's (naming both docids); SPINE_EIO when a read
 * fails.  The head's own checksum is the decoder's to check.  h is not
 * safe for concurrent calls (a searcher is used by one thread at a
 * time). */
int spine_heads_get(spine_heads *h, uint32_t did, const char **data,
                    size_t *len, spine_error *err);

/* The number of docids h has a slot for (1..count; spine_heads_get()
 * answers "no head" past it), as the file's header says. */
uint32_t spine_heads_count(const spine_heads *h);

/* Returns 1 when the database h describes was changed in place (by
 * updates) since the file was written, else 0.  Then the file's entries
 * of documents deleted since are still there, and documents added since
 * have none. */
int spine_heads_updated(const spine_heads *h);

/* Closes the file and releases h.  Accepts NULL. */
void spine_heads_free(spine_heads *h);

#endif /* SPINE_HEADS_H */
