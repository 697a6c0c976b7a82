/*
 * xapian_c.h -- a mechanical C face of the Xapian 1.4 classes Spine needs.
 *
 * One opaque handle per Xapian class, one C function per Xapian call, each
 * checkable against Xapian 1.4's API documentation.  It knows nothing of
 * articles, corpora, output formats or how Spine plans a match: that is
 * libspine's, in C.  The Xapian subclasses Spine adds (its weighting scheme
 * and posting sources) are declared in spine_ext.h.  Private to libspine:
 * neither installed nor seen by the command-line programs.
 *
 * Conventions (libgit2/zlib style):
 *   - Every fallible call returns int: XAPIAN_OK (0) on success or a negative
 *     XAPIAN_E* code.  The last parameter is an optional caller-owned
 *     xapian_error that receives the code and a message naming what failed;
 *     pass NULL to ignore it.  There is no global error state.
 *   - Out-parameters come first.  On failure *out is set to NULL (or 0).
 *   - A handle from a successful _open/_new is owned by the caller and is
 *     released with the matching _free.  Every _free accepts NULL.  Free
 *     children (documents, msets) before their parents when convenient; the
 *     binding keeps the shared Xapian objects alive by reference counting, so
 *     the order is not a correctness requirement.
 *   - Text goes in as (pointer, length).  Strings coming out are either
 *     borrowed (valid until the stated event, do not free) or malloc()ed and
 *     released with free(); each function says which.
 *   - No C++ exception ever crosses into C: every entry point catches
 *     Xapian::Error, std::bad_alloc and everything else.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef XAPIAN_C_H
#define XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes.  Negative values are errors; they follow Xapian's own error
 * class table (xapian/error.h), coarsened to what a caller acts on. */
enum {
    XAPIAN_OK        =   0,
    XAPIAN_ERROR     =  -1,  /* any other Xapian::Error (or unknown exception) */
    XAPIAN_ENOMEM    =  -2,  /* std::bad_alloc */
    XAPIAN_EINVAL    =  -3,  /* NULL argument, bad flag, InvalidArgumentError */
    XAPIAN_ENOTFOUND =  -4,  /* DatabaseNotFoundError */
    XAPIAN_ELOCKED   =  -5,  /* DatabaseLockError: another writer holds it */
    XAPIAN_ECORRUPT  =  -6,  /* DatabaseCorruptError */
    XAPIAN_EVERSION  =  -7,  /* DatabaseVersionError */
    XAPIAN_EQUERY    =  -8,  /* QueryParserError: malformed query */
    XAPIAN_ECLOSED   =  -9,  /* DatabaseClosedError: handle already closed */
    XAPIAN_EOPENING  = -10,  /* other DatabaseOpeningError */
    XAPIAN_EDATABASE = -11,  /* other DatabaseError (I/O, ...) */
    XAPIAN_ERANGE    = -12,  /* RangeError, or an index past the end */
    XAPIAN_ENETWORK  = -13,  /* NetworkError (remote backend) */
    XAPIAN_EMODIFIED = -14   /* DatabaseModifiedError: the revision a reader
                                had open was overwritten by later commits;
                                Database::reopen() and try again */
};

/* Caller-owned error detail.  msg is always NUL-terminated. */
typedef struct xapian_error {
    int  code;               /* one of XAPIAN_E*, or XAPIAN_OK */
    char msg[256];           /* "DatabaseNotFoundError: Couldn't ..." */
} xapian_error;

/* Returns a static string naming an XAPIAN_E* code ("ENOTFOUND"). */
const char *xapian_strerror(int code);

/* Returns Xapian's library version string, e.g. "1.4.22" (static). */
const char *xapian_version_string(void);

typedef uint32_t xapian_docid;    /* 0 is never a valid docid */
typedef uint32_t xapian_slot;     /* value slot number */

typedef struct xapian_database          xapian_database;
typedef struct xapian_writable_database xapian_writable_database;
typedef struct xapian_document          xapian_document;
typedef struct xapian_stem              xapian_stem;
typedef struct xapian_stopper           xapian_stopper;
typedef struct xapian_term_generator    xapian_term_generator;
typedef struct xapian_query_parser      xapian_query_parser;
typedef struct xapian_query             xapian_query;
typedef struct xapian_enquire           xapian_enquire;
typedef struct xapian_mset              xapian_mset;
typedef struct xapian_eset              xapian_eset;
typedef struct xapian_postlist          xapian_postlist;
typedef struct xapian_termlist          xapian_termlist;

/* ------------------------------------------------------------------------
 * Database (read-only)
 */

/* Opens the database at path (a glass directory or a stub file/directory).
 * Returns 0 and sets *out, or XAPIAN_ENOTFOUND / ECORRUPT / EVERSION /
 * EOPENING ... with *out = NULL.  Release with xapian_database_free(). */
int xapian_database_open(xapian_database **out, const char *path,
                         xapian_error *err);

/* Connects to a xapian-tcpsrv at host:port.  timeout_ms bounds each network
 * operation (0 = Xapian's default).  Same ownership as _open. */
int xapian_database_open_remote(xapian_database **out, const char *host,
                                unsigned port, unsigned timeout_ms,
                                xapian_error *err);

/* Creates a database of no shard (Database()), to which
 * xapian_database_add_database() adds some.  Release with
 * xapian_database_free(). */
int xapian_database_new_empty(xapian_database **out, xapian_error *err);

/* Adds the shards of other to db, so that db searches both (Xapian's
 * Database::add_database).  other stays owned by the caller. */
int xapian_database_add_database(xapian_database *db,
                                 const xapian_database *other,
                                 xapian_error *err);

/* Writes the number of documents into *out. */
int xapian_database_doccount(uint32_t *out, const xapian_database *db,
                             xapian_error *err);

/* Sets *out to 1 when db holds positional information (phrase and NEAR
 * queries are then matched by word position; without it Xapian matches
 * them as AND), 0 otherwise. */
int xapian_database_has_positions(int *out, const xapian_database *db,
                                  xapian_error *err);

/* Writes the number of shards db searches (Database::size()): 1 for one
 * database, more after xapian_database_add_database(). */
int xapian_database_shards(size_t *out, const xapian_database *db,
                          xapian_error *err);

/* Writes the highest docid db has used (Database::get_lastdocid()). */
int xapian_database_lastdocid(xapian_docid *out, const xapian_database *db,
                              xapian_error *err);

/* Re-opens db at its latest revision.  *out_changed (may be NULL) is set to
 * 1 when a newer revision was opened. */
int xapian_database_reopen(int *out_changed, xapian_database *db,
                           xapian_error *err);

/* Sets *out to 1 when db's spelling dictionary holds any word
 * (Database::spellings_begin() != spellings_end()), else 0. */
int xapian_database_has_spellings(int *out, const xapian_database *db,
                                  xapian_error *err);

/* Returns the spelling suggestion for word (max_edit_distance edits; 0 picks
 * Xapian's default of 2) in a malloc()ed NUL-terminated string, or "" when
 * there is none.  Release *out with free(). */
int xapian_database_spelling_suggestion(char **out, const xapian_database *db,
                                        const char *word, size_t len,
                                        unsigned max_edit_distance,
                                        xapian_error *err);

/* Lists the keys of db's synonym table (single words and multi-word
 * phrases such as "heart attack") as *out_n NUL-terminated strings one
 * after another in one malloc()ed block (*out; free() it). */
int xapian_database_synonym_keys(char **out, size_t *out_n,
                                 const xapian_database *db, xapian_error *err);

/* Returns the number of documents containing term (0 if none). */
int xapian_database_termfreq(uint32_t *out, const xapian_database *db,
                             const char *term, size_t len, xapian_error *err);

/* Returns the sum of term's wdf over all documents (0 if none). */
int xapian_database_collection_freq(uint64_t *out, const xapian_database *db,
                                    const char *term, size_t len,
                                    xapian_error *err);

/* Writes the largest wdf term has in any document (0 if none) into *out
 * (Database::get_wdf_upper_bound(): exact for one glass database, the
 * largest of the shards' for several). */
int xapian_database_wdf_upper_bound(uint32_t *out, const xapian_database *db,
                                    const char *term, size_t len,
                                    xapian_error *err);

/* Writes the sum of the lengths (wdf sums) of all documents into *out
 * (Database::get_total_length(), 64 bits). */
int xapian_database_total_length(uint64_t *out, const xapian_database *db,
                                 xapian_error *err);

/* Reads the metadata value stored under key into a malloc()ed buffer
 * (*out, *out_len; "" with length 0 when unset).  Release with free(). */
int xapian_database_get_metadata(char **out, size_t *out_len,
                                 const xapian_database *db,
                                 const char *key, size_t key_len,
                                 xapian_error *err);

/* Writes into *out the first document indexed by term (the document a
 * unique id term names), or 0 when no document has it. */
int xapian_database_find_docid(xapian_docid *out, const xapian_database *db,
                               const char *term, size_t len,
                               xapian_error *err);

/* Opens term's posting list in db (Database::postlist_begin()): an
 * iterator released with xapian_postlist_free(); a term no document has
 * gives an empty list. */
int xapian_database_postlist(xapian_postlist **out,
                             const xapian_database *db, const char *term,
                             size_t len, xapian_error *err);

/* Reads the next posting of pl, in increasing docid order (the first call
 * reads the first): returns 1 with *did and *wdf set, 0 past the last
 * posting, or a negative XAPIAN_E* code. */
int xapian_postlist_next(xapian_docid *did, uint32_t *wdf,
                         xapian_postlist *pl, xapian_error *err);

/* Moves pl to its first posting at or after docid target
 * (PostingIterator::skip_to(); a target before the current posting leaves
 * it where it is): returns 1 with *did and *wdf set, 0 when there is none,
 * or a negative XAPIAN_E* code.  xapian_postlist_next() goes on from
 * there. */
int xapian_postlist_skip_to(xapian_docid *did, uint32_t *wdf,
                            xapian_postlist *pl, xapian_docid target,
                            xapian_error *err);

/* Releases the iterator.  Accepts NULL. */
void xapian_postlist_free(xapian_postlist *pl);

/* Opens the list of db's terms that begin with prefix ("" for all), in
 * byte order (Database::allterms_begin()); release with
 * xapian_termlist_free(). */
int xapian_database_allterms(xapian_termlist **out, const xapian_database *db,
                             const char *prefix, size_t len,
                             xapian_error *err);

/* Reads the next term of tl (the first call reads the first): returns 1
 * with *term (borrowed, NUL-terminated, valid until the next call or
 * free), *len and, when termfreq is not NULL, the number of documents
 * that hold it; 0 past the last term, or a negative XAPIAN_E* code. */
int xapian_termlist_next(const char **term, size_t *len, uint32_t *termfreq,
                         xapian_termlist *tl, xapian_error *err);

/* Releases the iterator.  Accepts NULL. */
void xapian_termlist_free(xapian_termlist *tl);

/* Opens the term list of document did of db (Database::termlist_begin()):
 * its terms in byte order, read with xapian_termlist_next() (whose
 * termfreq is then each term's number of documents) and
 * xapian_termlist_wdf().  XAPIAN_ERANGE when there is no such document. */
int xapian_database_termlist(xapian_termlist **out, const xapian_database *db,
                             xapian_docid did, xapian_error *err);

/* Opens the words of db's spelling dictionary, in byte order
 * (Database::spellings_begin()), read with xapian_termlist_next(), whose
 * termfreq is then each word's frequency. */
int xapian_database_spellings(xapian_termlist **out, const xapian_database *db,
                              xapian_error *err);

/* Sets *out to the wdf of the term xapian_termlist_next() last read from
 * tl, a document's term list (TermIterator::get_wdf()).  XAPIAN_EINVAL
 * before the first term or past the last. */
int xapian_termlist_wdf(uint32_t *out, const xapian_termlist *tl,
                        xapian_error *err);

/* Fetches document docid.  *out is a new handle released with
 * xapian_document_free().  XAPIAN_ERANGE-like DocNotFound maps to
 * XAPIAN_ERANGE. */
int xapian_database_get_document(xapian_document **out,
                                 const xapian_database *db, xapian_docid did,
                                 xapian_error *err);

/* Writes db's UUID into *out (malloc()ed, NUL-terminated, "" when it has
 * none; free() it): Database::get_uuid(), its shards' joined by ':' for
 * a sharded one.  Unlike xapian_database_identity(), it answers for a
 * remote database too. */
int xapian_database_uuid(char **out, const xapian_database *db,
                         xapian_error *err);

/* Identifies the revision of db a reader sees: its UUID (a malloc()ed
 * NUL-terminated string in *out_uuid, "" for a database that has none;
 * free() it) and revision number (*out_rev).  A file derived from a
 * database can carry both to tell whether it still describes it. */
int xapian_database_identity(char **out_uuid, uint64_t *out_rev,
                             const xapian_database *db, xapian_error *err);

/* Calls fn(did, value, len, ctx) for every document with a value in slot,
 * in increasing docid order (Xapian's value stream: no document is
 * fetched).  value is valid during the call only.  fn returns 0 to go on;
 * any other value stops the walk and is returned as is, so callers use
 * positive codes to tell theirs from XAPIAN_E* errors.  Returns 0 when
 * every value was visited. */
int xapian_database_each_value(const xapian_database *db, xapian_slot slot,
                               int (*fn)(xapian_docid did, const char *value,
                                         size_t len, void *ctx),
                               void *ctx, xapian_error *err);

/* Writes a compacted copy of db to dest_path (a new directory).  Returns 0
 * or an error; dest_path is left half-written on failure, so callers build
 * into a scratch location. */
int xapian_database_compact(const xapian_database *db, const char *dest_path,
                            xapian_error *err);

/* Flags of xapian_database_compact_flags(): Xapian's DBCOMPACT_*. */
enum {
    XAPIAN_COMPACT_NO_RENUMBER = 4  /* keep every document's docid (by
                                       default the sources' docids are
                                       shifted to start at 1) */
};

/* As xapian_database_compact(), with flags (XAPIAN_COMPACT_*, or-ed). */
int xapian_database_compact_flags(const xapian_database *db,
                                  const char *dest_path, int flags,
                                  xapian_error *err);

/* Options of xapian_database_check(): Xapian's DBCHECK_* constants, or-ed.
 * All but FIX only add to what is written out. */
enum {
    XAPIAN_DBCHECK_SHORT_TREE    = 1,   /* a short display of each B-tree */
    XAPIAN_DBCHECK_FULL_TREE     = 2,   /* a full display of each B-tree */
    XAPIAN_DBCHECK_SHOW_FREELIST = 4,   /* the B-trees' free-block bitmaps */
    XAPIAN_DBCHECK_SHOW_STATS    = 8,   /* the B-trees' statistics */
    XAPIAN_DBCHECK_FIX           = 16   /* fix problems (chert only) */
};

/* Checks the integrity of the database, or the single table file, at path
 * (the static Database::check(path, opts, out)): sets *out_errors to the
 * number of errors Xapian found (0: it checked okay).  Xapian's own report
 * -- its progress, the errors it found and whatever opts asks it to show
 * -- is written to out, unless out is NULL; its wording is Xapian's, for
 * people to read.  Fails, with *out_errors 0, when Xapian cannot check
 * path at all (XAPIAN_ENOTFOUND, EOPENING, ECORRUPT, EVERSION ...). */
int xapian_database_check(size_t *out_errors, const char *path, int opts,
                          FILE *out, xapian_error *err);

/* Closes the database: later calls on db (or on objects using it) fail with
 * XAPIAN_ECLOSED.  The handle itself must still be freed. */
int xapian_database_close(xapian_database *db, xapian_error *err);

/* Releases the handle.  Accepts NULL. */
void xapian_database_free(xapian_database *db);

/* ------------------------------------------------------------------------
 * Writable database
 */

enum {
    XAPIAN_DB_CREATE_OR_OPEN      = 1,
    XAPIAN_DB_CREATE              = 2,  /* fail if it exists */
    XAPIAN_DB_CREATE_OR_OVERWRITE = 3,
    XAPIAN_DB_OPEN                = 4,  /* fail if it does not exist */
    /* Or-ed with one of the above: commits skip fsync() (Xapian's
     * DB_NO_SYNC), for scratch databases a crash may lose. */
    XAPIAN_DB_NO_SYNC             = 0x10
};

/* Opens (or creates, per mode, optionally | XAPIAN_DB_NO_SYNC) a glass
 * database for writing.  Fails with XAPIAN_ELOCKED when another writer
 * holds it.  Release with xapian_writable_database_free(), after
 * xapian_writable_database_commit(): freeing commits implicitly but
 * cannot report errors. */
int xapian_writable_database_open(xapian_writable_database **out,
                                  const char *path, int mode,
                                  xapian_error *err);

/* Adds doc; *out_docid (may be NULL) receives its new docid. */
int xapian_writable_database_add_document(xapian_docid *out_docid,
                                          xapian_writable_database *db,
                                          const xapian_document *doc,
                                          xapian_error *err);

/* Replaces every document indexed by unique_term with doc (adds it when
 * none has it).  *out_docid (may be NULL) receives the docid used. */
int xapian_writable_database_replace_document(xapian_docid *out_docid,
                                              xapian_writable_database *db,
                                              const char *unique_term,
                                              size_t len,
                                              const xapian_document *doc,
                                              xapian_error *err);

/* Adds word to the spelling dictionary with frequency increment freqinc. */
int xapian_writable_database_add_spelling(xapian_writable_database *db,
                                          const char *word, size_t len,
                                          unsigned freqinc, xapian_error *err);

/* Removes the document did (WritableDatabase::delete_document()).
 * XAPIAN_ERANGE when there is no such document. */
int xapian_writable_database_delete_document(xapian_writable_database *db,
                                             xapian_docid did,
                                             xapian_error *err);

/* Lowers word's frequency in the spelling dictionary by freqdec, removing
 * it at zero (WritableDatabase::remove_spelling(); a word not there is no
 * error). */
int xapian_writable_database_remove_spelling(xapian_writable_database *db,
                                             const char *word, size_t len,
                                             unsigned freqdec,
                                             xapian_error *err);

/* Adds synonym as a synonym of term (Xapian's synonym table). */
int xapian_writable_database_add_synonym(xapian_writable_database *db,
                                         const char *term, size_t term_len,
                                         const char *synonym, size_t syn_len,
                                         xapian_error *err);

/* Stores value under metadata key. */
int xapian_writable_database_set_metadata(xapian_writable_database *db,
                                          const char *key, size_t key_len,
                                          const char *value, size_t value_len,
                                          xapian_error *err);

/* Sets *out to a read handle on db (a WritableDatabase is a Database): it
 * sees db's changes, committed or not.  Release with
 * xapian_database_free(); db must outlive it. */
int xapian_writable_database_reader(xapian_database **out,
                                    const xapian_writable_database *db,
                                    xapian_error *err);

/* Transactions: begin (flushed = 1 commits on commit_transaction), commit,
 * or cancel (discarding changes since begin). */
int xapian_writable_database_begin_transaction(xapian_writable_database *db,
                                               int flushed, xapian_error *err);
int xapian_writable_database_commit_transaction(xapian_writable_database *db,
                                                xapian_error *err);
int xapian_writable_database_cancel_transaction(xapian_writable_database *db,
                                                xapian_error *err);

/* Makes all changes durable.  Call this before free: it is the only place
 * a failed flush is reported. */
int xapian_writable_database_commit(xapian_writable_database *db,
                                    xapian_error *err);

/* Writes the number of documents into *out. */
int xapian_writable_database_doccount(uint32_t *out,
                                      const xapian_writable_database *db,
                                      xapian_error *err);

/* Closes the database (committing unless inside a transaction) and releases
 * the write lock.  Later calls fail with XAPIAN_ECLOSED. */
int xapian_writable_database_close(xapian_writable_database *db,
                                   xapian_error *err);

/* Releases the handle (closing it if still open; errors are lost).
 * Accepts NULL. */
void xapian_writable_database_free(xapian_writable_database *db);

/* ------------------------------------------------------------------------
 * Document
 */

/* Creates an empty document.  Release with xapian_document_free(). */
int xapian_document_new(xapian_document **out, xapian_error *err);

/* Sets the document data (an opaque byte string, copied). */
int xapian_document_set_data(xapian_document *doc, const void *data,
                             size_t len, xapian_error *err);

/* Gets the document data.  *out points into storage owned by doc, valid
 * until doc is freed or its data changed; not NUL-terminated. */
int xapian_document_get_data(const char **out, size_t *out_len,
                             xapian_document *doc, xapian_error *err);

/* Adds term with wdf increment wdfinc (no position). */
int xapian_document_add_term(xapian_document *doc, const char *term,
                             size_t len, unsigned wdfinc, xapian_error *err);

/* Adds a boolean (filter) term: wdf 0, no position. */
int xapian_document_add_boolean_term(xapian_document *doc, const char *term,
                                     size_t len, xapian_error *err);

/* Sets value slot to (value, len), copied. */
int xapian_document_add_value(xapian_document *doc, xapian_slot slot,
                              const void *value, size_t len,
                              xapian_error *err);

/* Gets value slot into a borrowed pointer valid until doc is freed or
 * changed (length 0 when unset). */
int xapian_document_get_value(const char **out, size_t *out_len,
                              xapian_document *doc, xapian_slot slot,
                              xapian_error *err);

/* Adds term at position pos with wdf increment wdfinc
 * (Document::add_posting()). */
int xapian_document_add_posting(xapian_document *doc, const char *term,
                                size_t len, unsigned pos, unsigned wdfinc,
                                xapian_error *err);

/* Releases the document.  Accepts NULL. */
void xapian_document_free(xapian_document *doc);

/* ------------------------------------------------------------------------
 * Stemmer and stopper
 */

/* Creates a stemmer for language ("english", "en", "none").  Unknown
 * languages fail with XAPIAN_EINVAL.  Release with xapian_stem_free(). */
int xapian_stem_new(xapian_stem **out, const char *language,
                    xapian_error *err);

/* Stems word into a malloc()ed NUL-terminated string; release with free(). */
int xapian_stem_word(char **out, const xapian_stem *stem, const char *word,
                     size_t len, xapian_error *err);

/* Releases the stemmer.  Accepts NULL. */
void xapian_stem_free(xapian_stem *stem);

/* Creates an empty stop-word list (Xapian's SimpleStopper).  Release with
 * xapian_stopper_free(). */
int xapian_stopper_new(xapian_stopper **out, xapian_error *err);

/* Adds word to the stop list. */
int xapian_stopper_add(xapian_stopper *stopper, const char *word, size_t len,
                       xapian_error *err);

/* Releases the stopper.  Accepts NULL. */
void xapian_stopper_free(xapian_stopper *stopper);

/* ------------------------------------------------------------------------
 * Term generator
 */

enum {
    XAPIAN_TG_FLAG_SPELLING = 128   /* Xapian::TermGenerator::FLAG_SPELLING */
};

enum {
    XAPIAN_STEM_NONE = 0,            /* Xapian's stem_strategy values */
    XAPIAN_STEM_SOME = 1,
    XAPIAN_STEM_ALL  = 2,
    XAPIAN_STEM_ALL_Z = 3,
    XAPIAN_STEM_SOME_FULL_POS = 4
};

/* Creates a term generator.  Release with xapian_term_generator_free(). */
int xapian_term_generator_new(xapian_term_generator **out, xapian_error *err);

/* Sets the stemmer / stopper (copied by reference count; the caller may
 * free its handle afterwards). */
int xapian_term_generator_set_stemmer(xapian_term_generator *tg,
                                      const xapian_stem *stem,
                                      xapian_error *err);
int xapian_term_generator_set_stopper(xapian_term_generator *tg,
                                      const xapian_stopper *stopper,
                                      xapian_error *err);
int xapian_term_generator_set_stemming_strategy(xapian_term_generator *tg,
                                                int strategy,
                                                xapian_error *err);

/* Sets the database that receives spelling data (with
 * XAPIAN_TG_FLAG_SPELLING).  db must outlive the generator's use. */
int xapian_term_generator_set_database(xapian_term_generator *tg,
                                       xapian_writable_database *db,
                                       xapian_error *err);

/* Sets TermGenerator flags (XAPIAN_TG_FLAG_*). */
int xapian_term_generator_set_flags(xapian_term_generator *tg, int flags,
                                    xapian_error *err);

/* Points the generator at doc; later index_text calls add terms to it.  The
 * generator holds a reference: doc stays valid after the caller frees its
 * own handle, but the caller normally keeps it to add the document. */
int xapian_term_generator_set_document(xapian_term_generator *tg,
                                       xapian_document *doc,
                                       xapian_error *err);

/* Indexes UTF-8 text with positions, each term's wdf increased by wdfinc,
 * terms prefixed with prefix (NULL or "" for none). */
int xapian_term_generator_index_text(xapian_term_generator *tg,
                                     const char *text, size_t len,
                                     unsigned wdfinc, const char *prefix,
                                     xapian_error *err);

/* As index_text, without positional information. */
int xapian_term_generator_index_text_without_positions(
    xapian_term_generator *tg, const char *text, size_t len, unsigned wdfinc,
    const char *prefix, xapian_error *err);

/* Leaves a gap of delta positions, so that phrases never match across
 * separately indexed pieces of text. */
int xapian_term_generator_increase_termpos(xapian_term_generator *tg,
                                           unsigned delta, xapian_error *err);

/* Releases the generator.  Accepts NULL. */
void xapian_term_generator_free(xapian_term_generator *tg);

/* ------------------------------------------------------------------------
 * Query parser and query
 */

/* Query parser flags: the values of Xapian::QueryParser::feature_flag. */
enum {
    XAPIAN_QP_FLAG_BOOLEAN             = 1,
    XAPIAN_QP_FLAG_PHRASE              = 2,
    XAPIAN_QP_FLAG_LOVEHATE            = 4,
    XAPIAN_QP_FLAG_BOOLEAN_ANY_CASE    = 8,
    XAPIAN_QP_FLAG_WILDCARD            = 16,
    XAPIAN_QP_FLAG_PURE_NOT            = 32,
    XAPIAN_QP_FLAG_PARTIAL             = 64,
    XAPIAN_QP_FLAG_SPELLING_CORRECTION = 128,
    XAPIAN_QP_FLAG_SYNONYM             = 256,
    XAPIAN_QP_FLAG_AUTO_SYNONYMS       = 512,
    XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS = 1024,
    XAPIAN_QP_FLAG_DEFAULT             = 1 | 2 | 4
};

/* Query operators used by the parser's default and by _combine. */
enum {
    XAPIAN_QUERY_OP_AND = 0,
    XAPIAN_QUERY_OP_OR  = 1,
    XAPIAN_QUERY_OP_AND_NOT = 2,
    XAPIAN_QUERY_OP_AND_MAYBE = 4,   /* left's matches, right adds weight */
    XAPIAN_QUERY_OP_FILTER = 5,
    XAPIAN_QUERY_OP_XOR = 3,
    XAPIAN_QUERY_OP_NEAR = 6,
    XAPIAN_QUERY_OP_PHRASE = 7,
    XAPIAN_QUERY_OP_SCALE_WEIGHT = 9,
    XAPIAN_QUERY_OP_ELITE_SET = 10,
    XAPIAN_QUERY_OP_SYNONYM = 13,
    XAPIAN_QUERY_OP_MAX = 14,
    XAPIAN_QUERY_OP_WILDCARD = 15,
    /* What xapian_query_type() returns for a leaf (Query::op values). */
    XAPIAN_QUERY_LEAF_TERM = 100,
    XAPIAN_QUERY_LEAF_POSTING_SOURCE = 101,
    XAPIAN_QUERY_LEAF_MATCH_ALL = 102,
    XAPIAN_QUERY_LEAF_MATCH_NOTHING = 103
};

/* Creates a query parser.  Release with xapian_query_parser_free(). */
int xapian_query_parser_new(xapian_query_parser **out, xapian_error *err);

/* Configuration, mirroring the Xapian::QueryParser setters.  Handles passed
 * in are reference counted: the caller may free its own copy afterwards. */
int xapian_query_parser_set_stemmer(xapian_query_parser *qp,
                                    const xapian_stem *stem,
                                    xapian_error *err);
int xapian_query_parser_set_stemming_strategy(xapian_query_parser *qp,
                                              int strategy,
                                              xapian_error *err);
int xapian_query_parser_set_stopper(xapian_query_parser *qp,
                                    const xapian_stopper *stopper,
                                    xapian_error *err);
int xapian_query_parser_set_database(xapian_query_parser *qp,
                                     const xapian_database *db,
                                     xapian_error *err);
/* op is XAPIAN_QUERY_OP_AND or XAPIAN_QUERY_OP_OR. */
int xapian_query_parser_set_default_op(xapian_query_parser *qp, int op,
                                       xapian_error *err);

/* How a wildcard past its expansion limit is treated (Xapian's
 * Query::WILDCARD_LIMIT_*): an error, its first terms in term order, or
 * its most frequent terms. */
enum {
    XAPIAN_WILDCARD_LIMIT_ERROR = 0,
    XAPIAN_WILDCARD_LIMIT_FIRST = 1,
    XAPIAN_WILDCARD_LIMIT_MOST_FREQUENT = 2
};

/* QueryParser::set_max_expansion(): each wildcard (and/or partial term,
 * as flags says: XAPIAN_QP_FLAG_WILDCARD, XAPIAN_QP_FLAG_PARTIAL) of a
 * query parsed afterwards expands to at most max_expansion terms (0: no
 * limit, Xapian's default for wildcards), treated as max_type says
 * (XAPIAN_WILDCARD_LIMIT_*).  XAPIAN_EINVAL for another max_type. */
int xapian_query_parser_set_max_expansion(xapian_query_parser *qp,
                                          unsigned max_expansion,
                                          int max_type, unsigned flags,
                                          xapian_error *err);
/* Maps field "title:" to term prefix "S" for probabilistic terms. */
int xapian_query_parser_add_prefix(xapian_query_parser *qp, const char *field,
                                   const char *prefix, xapian_error *err);
/* Maps field "source:" to prefix "XS" for boolean filter terms. */
int xapian_query_parser_add_boolean_prefix(xapian_query_parser *qp,
                                           const char *field,
                                           const char *prefix,
                                           xapian_error *err);

/* Parses text (UTF-8) with flags (XAPIAN_QP_FLAG_*).  On success *out is a
 * new query released with xapian_query_free().  A malformed query fails
 * with XAPIAN_EQUERY and a message quoting Xapian's reason. */
int xapian_query_parser_parse(xapian_query **out, xapian_query_parser *qp,
                              const char *text, size_t len, unsigned flags,
                              xapian_error *err);

/* After a parse with XAPIAN_QP_FLAG_SPELLING_CORRECTION: the corrected query
 * string, or "" when no correction was made.  Borrowed: valid until the next
 * parse on qp or until qp is freed. */
const char *xapian_query_parser_corrected(const xapian_query_parser *qp);

/* Releases the parser.  Accepts NULL. */
void xapian_query_parser_free(xapian_query_parser *qp);

/* Creates a query matching one term (wqf 1).  Release with
 * xapian_query_free(). */
int xapian_query_new_term(xapian_query **out, const char *term, size_t len,
                          xapian_error *err);

/* Combines n subqueries with op (XAPIAN_QUERY_OP_*).  The subqueries stay
 * owned by the caller. */
int xapian_query_combine(xapian_query **out, int op,
                         xapian_query *const *subqueries, size_t n,
                         xapian_error *err);

/* Creates a query matching what q matches with every weight multiplied by
 * factor (>= 0; Xapian's OP_SCALE_WEIGHT).  q stays owned by the caller. */
int xapian_query_scale(xapian_query **out, const xapian_query *q,
                       double factor, xapian_error *err);

/* The distinct terms of q (Xapian's Query::get_unique_terms), sorted, in
 * one malloc()ed buffer of NUL-separated terms ("a\0b\0") with *out_n
 * terms; free() it. */
int xapian_query_terms(char **out, size_t *out_n, const xapian_query *q,
                       xapian_error *err);

/* Sets *out to a new handle on q (Query's copy: the same query object,
 * as xapian_query_same() tells).  Release with xapian_query_free(). */
int xapian_query_copy(xapian_query **out, const xapian_query *q,
                      xapian_error *err);

/* Returns q's operator (Query::get_type()): an XAPIAN_QUERY_OP_* value or,
 * for a leaf, XAPIAN_QUERY_LEAF_*; for NULL, XAPIAN_QUERY_LEAF_MATCH_NOTHING.
 * Operators without an enum value here come back as Xapian's own numbers.
 * Never fails. */
int xapian_query_type(const xapian_query *q);

/* Returns the number of q's subqueries (Query::get_num_subqueries()); 0
 * for a leaf or NULL. */
size_t xapian_query_num_subqueries(const xapian_query *q);

/* Sets *out to a new handle on q's subquery i (Query::get_subquery());
 * release it with xapian_query_free().  i past the last: XAPIAN_ERANGE. */
int xapian_query_subquery(xapian_query **out, const xapian_query *q,
                          size_t i, xapian_error *err);

/* For a term (XAPIAN_QUERY_LEAF_TERM): sets *out to the term in a
 * malloc()ed NUL-terminated string (free() it) and *out_len (may be NULL)
 * to its length.  Any other query: XAPIAN_EINVAL. */
int xapian_query_leaf_term(char **out, size_t *out_len, const xapian_query *q,
                           xapian_error *err);

/* Serialises q (Query::serialise()) into a malloc()ed buffer of *out_len
 * bytes (free() it); spine_ext_query_unserialise() reads it back. */
int xapian_query_serialise(char **out, size_t *out_len, const xapian_query *q,
                           xapian_error *err);

/* Returns 1 when a and b are handles on the same query object (as
 * xapian_query_subquery() hands out for one subquery), 0 otherwise. */
int xapian_query_same(const xapian_query *a, const xapian_query *b);

/* Returns 1 when q matches nothing (Xapian's empty query), 0 otherwise. */
int xapian_query_empty(const xapian_query *q);

/* Sets *out to 1 when doc, a document built in memory (not read from a
 * database; its terms and positions as a TermGenerator left them),
 * matches q with full query semantics, phrases and NEAR included; 0
 * otherwise.  Matches against a one-document in-memory database. */
int xapian_query_matches_document(int *out, const xapian_query *q,
                                  const xapian_document *doc,
                                  xapian_error *err);


/* Returns Xapian's description of q in a malloc()ed string; free() it. */
int xapian_query_describe(char **out, const xapian_query *q,
                          xapian_error *err);

/* Releases the query.  Accepts NULL. */
void xapian_query_free(xapian_query *q);

/* ------------------------------------------------------------------------
 * Enquire and MSet
 */

/* Creates an enquire session on db (db must stay open while it is used).
 * Release with xapian_enquire_free(). */
int xapian_enquire_new(xapian_enquire **out, const xapian_database *db,
                       xapian_error *err);

/* Sets the query (copied by reference). */
int xapian_enquire_set_query(xapian_enquire *enq, const xapian_query *q,
                             xapian_error *err);

/* Selects BM25 weighting with the given parameters (Xapian's defaults are
 * k1 1, k2 0, k3 1, b 0.5, min_normlen 0.5). */
int xapian_enquire_set_weighting_bm25(xapian_enquire *enq, double k1,
                                      double k2, double k3, double b,
                                      double min_normlen, xapian_error *err);

/* Selects one of Xapian's other weighting schemes by name, with its
 * parameters in params[0..nparams) (missing ones take Xapian's defaults):
 *   "bm25+"  k1 k2 k3 b min_normlen delta      "pl2"  c
 *   "pl2+"   c delta                           "dph", "dlh"  (none)
 *   "inl2", "ifb2", "ineb2", "bb2"  c
 *   "lm"     log smoothing param1 param2 (smoothing: 1 two-stage,
 *            2 Dirichlet, 3 absolute discount, 4 Jelinek-Mercer,
 *            5 Dirichlet plus)
 * Returns XAPIAN_EINVAL for an unknown name. */
int xapian_enquire_set_weighting(xapian_enquire *enq, const char *name,
                                 const double *params, size_t nparams,
                                 xapian_error *err);

/* Keeps at most collapse_max hits per distinct value in slot (0 disables). */
int xapian_enquire_set_collapse_key(xapian_enquire *enq, xapian_slot slot,
                                    unsigned collapse_max, xapian_error *err);

/* Runs the match, returning ranks first .. first+maxitems-1 in a new MSet
 * released with xapian_mset_free().  checkatleast asks Xapian to count at
 * least that many matches exactly (0 for the fastest estimate). */
int xapian_enquire_get_mset(xapian_mset **out, xapian_enquire *enq,
                            unsigned first, unsigned maxitems,
                            unsigned checkatleast, xapian_error *err);

/* Sets Enquire::set_cutoff(): hits under percent_cutoff percent of the
 * best, or weighing less than weight_cutoff, are left out (0, 0: none).
 * Xapian prunes by the weight cutoff from the start of the match.
 * XAPIAN_EINVAL for a percent outside [0, 100] or a negative weight. */
int xapian_enquire_set_cutoff(xapian_enquire *enq, int percent_cutoff,
                              double weight_cutoff, xapian_error *err);

/* Chooses how xapian_enquire_get_eset() weighs terms: "trad" (Xapian's
 * default, with its parameter k: a term's wdf in a relevant document
 * counts as (k + 1) wdf / (k len / avlen + wdf)) or "bo1" (k unused).
 * Returns XAPIAN_EINVAL for another name or a negative k. */
int xapian_enquire_set_expansion_scheme(xapian_enquire *enq, const char *name,
                                        double k, xapian_error *err);

/* Flags of xapian_enquire_get_eset() (Enquire's). */
enum {
    XAPIAN_ESET_EXACT_TERMFREQ = 1   /* USE_EXACT_TERMFREQ: each term's
                                        frequency in the whole database,
                                        where a sharded one would estimate
                                        it from the relevance set's shards */
};

/* Suggests terms to expand the query with (Xapian's Enquire::get_eset):
 * the maxitems best terms of the relevance set rel[0..nrel) (docids) that
 * are not already in the query, with flags (XAPIAN_ESET_*, or 0).  *out is
 * a new ESet released with xapian_eset_free(). */
int xapian_enquire_get_eset(xapian_eset **out, xapian_enquire *enq,
                            unsigned maxitems, const xapian_docid *rel,
                            size_t nrel, int flags, xapian_error *err);

/* Number of terms in the ESet (0 for NULL). */
unsigned xapian_eset_size(const xapian_eset *eset);

/* Term i of the ESet (best first) and its weight.  *out is borrowed: valid
 * until eset is freed; not NUL-terminated.  i >= size: XAPIAN_ERANGE. */
int xapian_eset_term(const char **out, size_t *out_len, double *out_weight,
                     const xapian_eset *eset, unsigned i, xapian_error *err);

/* Releases the ESet.  Accepts NULL. */
void xapian_eset_free(xapian_eset *eset);

/* The query terms that document i of mset matches (Xapian's
 * Enquire::get_matching_terms), in query order, written as one malloc()ed
 * buffer of NUL-separated terms ("a\0b\0") with *out_n terms; free() it. */
int xapian_enquire_matching_terms(char **out, size_t *out_n,
                                  const xapian_enquire *enq,
                                  const xapian_mset *mset, unsigned i,
                                  xapian_error *err);

/* The maximum weight term can contribute to any hit of mset, and the
 * number of documents containing it (MSet::get_termweight/termfreq). */
int xapian_mset_termweight(double *out_weight, uint32_t *out_freq,
                           const xapian_mset *mset, const char *term,
                           size_t len, xapian_error *err);

/* Releases the enquire.  Accepts NULL. */
void xapian_enquire_free(xapian_enquire *enq);

/* Number of hits held in the MSet (0 for NULL). */
unsigned xapian_mset_size(const xapian_mset *mset);

/* Estimated total number of matches, and its bounds. */
unsigned xapian_mset_matches_estimated(const xapian_mset *mset);
unsigned xapian_mset_matches_lower_bound(const xapian_mset *mset);
unsigned xapian_mset_matches_upper_bound(const xapian_mset *mset);

/* Accessors for hit i (0-based within the MSet).  i >= size fails with
 * XAPIAN_ERANGE. */
int xapian_mset_docid(xapian_docid *out, const xapian_mset *mset, unsigned i,
                      xapian_error *err);
int xapian_mset_rank(unsigned *out, const xapian_mset *mset, unsigned i,
                     xapian_error *err);
int xapian_mset_weight(double *out, const xapian_mset *mset, unsigned i,
                       xapian_error *err);
int xapian_mset_percent(int *out, const xapian_mset *mset, unsigned i,
                        xapian_error *err);
int xapian_mset_collapse_count(unsigned *out, const xapian_mset *mset,
                               unsigned i, xapian_error *err);
/* *out is a new document handle released with xapian_document_free(). */
int xapian_mset_document(xapian_document **out, const xapian_mset *mset,
                         unsigned i, xapian_error *err);

/* Makes a snippet of text (UTF-8) around the query's matches, per
 * Xapian::MSet::snippet: aims at length bytes, HTML-escapes the text, wraps
 * matches (stemmed with stem, which may be NULL) in hi_start/hi_end and
 * marks cut ends with omit.  flags are Xapian's SNIPPET_* values (pass
 * XAPIAN_SNIPPET_DEFAULT).  *out is malloc()ed, NUL-terminated; free() it. */
enum {
    XAPIAN_SNIPPET_BACKGROUND_MODEL   = 1,
    XAPIAN_SNIPPET_EXHAUSTIVE         = 2,
    XAPIAN_SNIPPET_EMPTY_WITHOUT_MATCH = 4,
    XAPIAN_SNIPPET_DEFAULT            = 1 | 2
};
int xapian_mset_snippet(char **out, size_t *out_len, const xapian_mset *mset,
                        const char *text, size_t len, size_t length,
                        const xapian_stem *stem, unsigned flags,
                        const char *hi_start, const char *hi_end,
                        const char *omit, xapian_error *err);

/* Releases the MSet.  Accepts NULL. */
void xapian_mset_free(xapian_mset *mset);

/* ------------------------------------------------------------------------
 * Counting matches (counts and facets)
 */

/* Makes enq weigh every match 0 (Enquire::set_weighting_scheme() with
 * Xapian::BoolWeight): for a match that only counts, with
 * xapian_enquire_get_mset(enq, 0, 0, checkatleast, ...), where Xapian
 * then has no weight to work out per posting. */
int xapian_enquire_set_weighting_bool(xapian_enquire *enq, xapian_error *err);

#ifdef __cplusplus
}
#endif

#endif /* XAPIAN_C_H */
