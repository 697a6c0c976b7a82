/*
 * xapian_c.cc -- the C binding of Xapian 1.4 declared in xapian_c.h.
 *
 * The project's only C++ translation unit.  Each opaque handle is a struct
 * holding the Xapian object by value (Xapian's classes are reference-counted
 * handles, so copies are cheap and share state).  Every extern "C" entry
 * point checks its arguments, then runs its body inside try/catch; the one
 * helper fail() rethrows the active exception to map it onto an XAPIAN_E*
 * code and a message.  No exception ever reaches the C caller.
 *
 * Functions appear in the order of xapian_c.h.  The handles' layout and the
 * error helpers are in xapian_c_int.h, shared with spine_ext.cc.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "xapian_c.h"
#include "xapian_c_int.h"

#include <xapian.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

/* The header's flag and strategy values are Xapian's own, passed straight
 * through; these pin them so that a mismatch fails to compile.  (same()
 * compares as int: the two sides are different enum types.) */
static constexpr bool same(int a, int b) { return a == b; }
static_assert(same(XAPIAN_TG_FLAG_SPELLING,
                   Xapian::TermGenerator::FLAG_SPELLING),
              "TermGenerator flag");
static_assert(same(XAPIAN_STEM_SOME, Xapian::TermGenerator::STEM_SOME) &&
              same(XAPIAN_STEM_SOME_FULL_POS,
                   Xapian::TermGenerator::STEM_SOME_FULL_POS) &&
              same(XAPIAN_STEM_SOME_FULL_POS,
                   Xapian::QueryParser::STEM_SOME_FULL_POS),
              "stemming strategies");
static_assert(same(XAPIAN_QP_FLAG_DEFAULT, Xapian::QueryParser::FLAG_DEFAULT) &&
              same(XAPIAN_QP_FLAG_WILDCARD,
                   Xapian::QueryParser::FLAG_WILDCARD) &&
              same(XAPIAN_QP_FLAG_SPELLING_CORRECTION,
                   Xapian::QueryParser::FLAG_SPELLING_CORRECTION) &&
              same(XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS,
                   Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS),
              "QueryParser flags");
static_assert(same(XAPIAN_WILDCARD_LIMIT_ERROR,
                   Xapian::Query::WILDCARD_LIMIT_ERROR) &&
              same(XAPIAN_WILDCARD_LIMIT_FIRST,
                   Xapian::Query::WILDCARD_LIMIT_FIRST) &&
              same(XAPIAN_WILDCARD_LIMIT_MOST_FREQUENT,
                   Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT) &&
              same(XAPIAN_QP_FLAG_PARTIAL, Xapian::QueryParser::FLAG_PARTIAL),
              "wildcard limits");
static_assert(same(XAPIAN_SNIPPET_EMPTY_WITHOUT_MATCH,
                   Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH) &&
              same(XAPIAN_SNIPPET_DEFAULT,
                   Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                   Xapian::MSet::SNIPPET_EXHAUSTIVE),
              "snippet flags");
static_assert(same(XAPIAN_QUERY_OP_AND, Xapian::Query::OP_AND) &&
              same(XAPIAN_QUERY_OP_OR, Xapian::Query::OP_OR) &&
              same(XAPIAN_QUERY_OP_AND_NOT, Xapian::Query::OP_AND_NOT) &&
              same(XAPIAN_QUERY_OP_AND_MAYBE, Xapian::Query::OP_AND_MAYBE) &&
              same(XAPIAN_QUERY_OP_FILTER, Xapian::Query::OP_FILTER) &&
              same(XAPIAN_QUERY_OP_SYNONYM, Xapian::Query::OP_SYNONYM) &&
              same(XAPIAN_QUERY_OP_XOR, Xapian::Query::OP_XOR) &&
              same(XAPIAN_QUERY_OP_NEAR, Xapian::Query::OP_NEAR) &&
              same(XAPIAN_QUERY_OP_PHRASE, Xapian::Query::OP_PHRASE) &&
              same(XAPIAN_QUERY_OP_SCALE_WEIGHT,
                   Xapian::Query::OP_SCALE_WEIGHT) &&
              same(XAPIAN_QUERY_OP_ELITE_SET, Xapian::Query::OP_ELITE_SET) &&
              same(XAPIAN_QUERY_OP_MAX, Xapian::Query::OP_MAX) &&
              same(XAPIAN_QUERY_OP_WILDCARD, Xapian::Query::OP_WILDCARD) &&
              same(XAPIAN_QUERY_LEAF_TERM, Xapian::Query::LEAF_TERM) &&
              same(XAPIAN_QUERY_LEAF_POSTING_SOURCE,
                   Xapian::Query::LEAF_POSTING_SOURCE) &&
              same(XAPIAN_QUERY_LEAF_MATCH_ALL,
                   Xapian::Query::LEAF_MATCH_ALL) &&
              same(XAPIAN_QUERY_LEAF_MATCH_NOTHING,
                   Xapian::Query::LEAF_MATCH_NOTHING),
              "query operators");
static_assert(same(XAPIAN_DBCHECK_SHORT_TREE, Xapian::DBCHECK_SHORT_TREE) &&
              same(XAPIAN_DBCHECK_FULL_TREE, Xapian::DBCHECK_FULL_TREE) &&
              same(XAPIAN_DBCHECK_SHOW_FREELIST,
                   Xapian::DBCHECK_SHOW_FREELIST) &&
              same(XAPIAN_DBCHECK_SHOW_STATS, Xapian::DBCHECK_SHOW_STATS) &&
              same(XAPIAN_DBCHECK_FIX, Xapian::DBCHECK_FIX),
              "Database::check() options");


/* ------------------------------------------------------------------------
 * Error reporting
 */

int xapian_c::set_error(xapian_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->msg[0] = '\0';
    } else if ((size_t)n >= sizeof err->msg) {
        size_t end = sizeof err->msg - 1;
        /* Drop a multibyte sequence the cut left incomplete. */
        size_t i = end;
        while (i > 0 && ((unsigned char)err->msg[i - 1] & 0xC0) == 0x80)
            i--;
        if (i > 0 && ((unsigned char)err->msg[i - 1] & 0xC0) == 0xC0) {
            unsigned char lead = (unsigned char)err->msg[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (end - (i - 1) < need)
                end = i - 1;
        }
        err->msg[end] = '\0';
    }
    return code;
}

static int xapian_code(const Xapian::Error &e, xapian_error *err, int code)
{
    /* Built from Xapian's own strings with no allocation, so that reporting
     * an error cannot itself throw. */
    const char *context = e.get_context().c_str();
    const char *syserr = e.get_error_string();
    return set_error(err, code, "%s: %s%s%s%s%s%s%s", e.get_type(),
                     e.get_msg().c_str(),
                     *context ? " (context: " : "", context,
                     *context ? ")" : "",
                     syserr ? " (" : "", syserr ? syserr : "",
                     syserr ? ")" : "");
}

int xapian_c::fail(xapian_error *err) noexcept
{
    try {
        throw;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return xapian_code(e, err, XAPIAN_ENOTFOUND);
    } catch (const Xapian::DatabaseLockError &e) {
        return xapian_code(e, err, XAPIAN_ELOCKED);
    } catch (const Xapian::DatabaseCorruptError &e) {
        return xapian_code(e, err, XAPIAN_ECORRUPT);
    } catch (const Xapian::DatabaseVersionError &e) {
        return xapian_code(e, err, XAPIAN_EVERSION);
    } catch (const Xapian::QueryParserError &e) {
        return xapian_code(e, err, XAPIAN_EQUERY);
    } catch (const Xapian::DatabaseClosedError &e) {
        return xapian_code(e, err, XAPIAN_ECLOSED);
    } catch (const Xapian::DatabaseOpeningError &e) {
        return xapian_code(e, err, XAPIAN_EOPENING);
    } catch (const Xapian::DatabaseModifiedError &e) {
        return xapian_code(e, err, XAPIAN_EMODIFIED);
    } catch (const Xapian::DatabaseError &e) {
        return xapian_code(e, err, XAPIAN_EDATABASE);
    } catch (const Xapian::DocNotFoundError &e) {
        return xapian_code(e, err, XAPIAN_ERANGE);
    } catch (const Xapian::RangeError &e) {
        return xapian_code(e, err, XAPIAN_ERANGE);
    } catch (const Xapian::InvalidArgumentError &e) {
        return xapian_code(e, err, XAPIAN_EINVAL);
    } catch (const Xapian::NetworkError &e) {
        return xapian_code(e, err, XAPIAN_ENETWORK);
    } catch (const Xapian::Error &e) {
        return xapian_code(e, err, XAPIAN_ERROR);
    } catch (const std::bad_alloc &) {
        return set_error(err, XAPIAN_ENOMEM, "std::bad_alloc: out of memory");
    } catch (const std::exception &e) {
        return set_error(err, XAPIAN_ERROR, "std::exception: %s", e.what());
    } catch (...) {
        return set_error(err, XAPIAN_ERROR, "unknown C++ exception");
    }
}

static std::string text(const char *p, size_t len)
{
    return len ? std::string(p, len) : std::string();
}

/* Copies s into malloc()ed memory, NUL-terminated, for the C caller. */
static char *malloc_copy(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

/* Joins the terms [t, end) (a TermIterator, or strings) into one
 * malloc()ed block of NUL-terminated strings (*out, the caller's to
 * free()), counting them in *out_n. */
template <typename Iter>
static void join_terms(char **out, size_t *out_n, Iter t, const Iter &end)
{
    std::string all;
    size_t n = 0;
    for (; t != end; ++t, n++) {
        all += *t;
        all += '\0';
    }
    *out = malloc_copy(all);
    *out_n = n;
}

/* ------------------------------------------------------------------------
 * Library
 */

const char *xapian_strerror(int code)
{
    switch (code) {
    case XAPIAN_OK:        return "OK";
    case XAPIAN_ERROR:     return "ERROR";
    case XAPIAN_ENOMEM:    return "ENOMEM";
    case XAPIAN_EINVAL:    return "EINVAL";
    case XAPIAN_ENOTFOUND: return "ENOTFOUND";
    case XAPIAN_ELOCKED:   return "ELOCKED";
    case XAPIAN_ECORRUPT:  return "ECORRUPT";
    case XAPIAN_EVERSION:  return "EVERSION";
    case XAPIAN_EQUERY:    return "EQUERY";
    case XAPIAN_ECLOSED:   return "ECLOSED";
    case XAPIAN_EOPENING:  return "EOPENING";
    case XAPIAN_EDATABASE: return "EDATABASE";
    case XAPIAN_ERANGE:    return "ERANGE";
    case XAPIAN_ENETWORK:  return "ENETWORK";
    case XAPIAN_EMODIFIED: return "EMODIFIED";
    default:               return "unknown error code";
    }
}

const char *xapian_version_string(void)
{
    return Xapian::version_string();
}

/* ------------------------------------------------------------------------
 * Database (read-only)
 */

int xapian_database_open(xapian_database **out, const char *path,
                         xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(path);
    try {
        *out = new xapian_database{Xapian::Database(path)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_open_remote(xapian_database **out, const char *host,
                                unsigned port, unsigned timeout_ms,
                                xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(host);
    try {
        /* Xapian's defaults: 10 s per operation and for the connect. */
        useconds_t timeout = timeout_ms ? timeout_ms : 10000;
        *out = new xapian_database{
            Xapian::Remote::open(host, port, timeout, timeout)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_new_empty(xapian_database **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_database{Xapian::Database()};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_add_database(xapian_database *db,
                                 const xapian_database *other,
                                 xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(other);
    try {
        db->db.add_database(other->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_doccount(uint32_t *out, const xapian_database *db,
                             xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_doccount();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_has_positions(int *out, const xapian_database *db,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.has_positions();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_shards(size_t *out, const xapian_database *db,
                          xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_lastdocid(xapian_docid *out, const xapian_database *db,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_lastdocid();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_reopen(int *out_changed, xapian_database *db,
                           xapian_error *err)
{
    if (out_changed)
        *out_changed = 0;
    REQUIRE(db);
    try {
        bool changed = db->db.reopen();
        if (out_changed)
            *out_changed = changed ? 1 : 0;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_has_spellings(int *out, const xapian_database *db,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.spellings_begin() != db->db.spellings_end();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_spelling_suggestion(char **out, const xapian_database *db,
                                        const char *word, size_t len,
                                        unsigned max_edit_distance,
                                        xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    REQUIRE_TEXT(word, len);
    try {
        unsigned dist = max_edit_distance ? max_edit_distance : 2;
        *out = malloc_copy(
            db->db.get_spelling_suggestion(text(word, len), dist));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_synonym_keys(char **out, size_t *out_n,
                                 const xapian_database *db, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(db);
    try {
        join_terms(out, out_n, db->db.synonym_keys_begin(),
                   db->db.synonym_keys_end());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_uuid(char **out, const xapian_database *db,
                         xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = malloc_copy(db->db.get_uuid());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_identity(char **out_uuid, uint64_t *out_rev,
                             const xapian_database *db, xapian_error *err)
{
    REQUIRE(out_uuid);
    *out_uuid = NULL;
    REQUIRE(out_rev);
    *out_rev = 0;
    REQUIRE(db);
    try {
        std::string uuid = db->db.get_uuid();
        uint64_t rev = db->db.get_revision();
        *out_uuid = malloc_copy(uuid);
        *out_rev = rev;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_each_value(const xapian_database *db, xapian_slot slot,
                               int (*fn)(xapian_docid did, const char *value,
                                         size_t len, void *ctx),
                               void *ctx, xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(fn);
    try {
        Xapian::ValueIterator end = db->db.valuestream_end(slot);
        for (Xapian::ValueIterator v = db->db.valuestream_begin(slot);
             v != end; ++v) {
            const std::string value = *v;
            int rc = fn(v.get_docid(), value.data(), value.size(), ctx);
            if (rc != 0)
                return rc;
        }
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_termfreq(uint32_t *out, const xapian_database *db,
                             const char *term, size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        *out = db->db.get_termfreq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_collection_freq(uint64_t *out, const xapian_database *db,
                                    const char *term, size_t len,
                                    xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        *out = db->db.get_collection_freq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_wdf_upper_bound(uint32_t *out, const xapian_database *db,
                                    const char *term, size_t len,
                                    xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        *out = db->db.get_wdf_upper_bound(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_total_length(uint64_t *out, const xapian_database *db,
                                 xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_total_length();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_find_docid(xapian_docid *out, const xapian_database *db,
                               const char *term, size_t len,
                               xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        Xapian::PostingIterator p = db->db.postlist_begin(text(term, len));
        if (p != db->db.postlist_end(text(term, len)))
            *out = *p;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_get_metadata(char **out, size_t *out_len,
                                 const xapian_database *db,
                                 const char *key, size_t key_len,
                                 xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(db);
    REQUIRE_TEXT(key, key_len);
    try {
        std::string value = db->db.get_metadata(text(key, key_len));
        *out = malloc_copy(value);
        *out_len = value.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_postlist(xapian_postlist **out,
                             const xapian_database *db, const char *term,
                             size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        std::string t = text(term, len);
        *out = new xapian_postlist{db->db.postlist_begin(t),
                                   db->db.postlist_end(t), false};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_postlist_next(xapian_docid *did, uint32_t *wdf,
                         xapian_postlist *pl, xapian_error *err)
{
    REQUIRE(did);
    *did = 0;
    REQUIRE(wdf);
    *wdf = 0;
    REQUIRE(pl);
    try {
        if (pl->started && pl->it != pl->end)
            ++pl->it;
        pl->started = true;
        if (pl->it == pl->end)
            return 0;
        *did = *pl->it;
        *wdf = pl->it.get_wdf();
        return 1;
    } catch (...) {
        return fail(err);
    }
}

int xapian_postlist_skip_to(xapian_docid *did, uint32_t *wdf,
                            xapian_postlist *pl, xapian_docid target,
                            xapian_error *err)
{
    REQUIRE(did);
    *did = 0;
    REQUIRE(wdf);
    *wdf = 0;
    REQUIRE(pl);
    try {
        if (pl->it != pl->end)
            pl->it.skip_to(target);
        pl->started = true;
        if (pl->it == pl->end)
            return 0;
        *did = *pl->it;
        *wdf = pl->it.get_wdf();
        return 1;
    } catch (...) {
        return fail(err);
    }
}

void xapian_postlist_free(xapian_postlist *pl)
{
    delete pl;
}

int xapian_database_allterms(xapian_termlist **out, const xapian_database *db,
                             const char *prefix, size_t len,
                             xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    REQUIRE_TEXT(prefix, len);
    try {
        std::string p = text(prefix, len);
        *out = new xapian_termlist{db->db.allterms_begin(p),
                                   db->db.allterms_end(p), std::string(),
                                   false};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_termlist_next(const char **term, size_t *len, uint32_t *termfreq,
                         xapian_termlist *tl, xapian_error *err)
{
    REQUIRE(term);
    *term = NULL;
    REQUIRE(len);
    *len = 0;
    REQUIRE(tl);
    if (termfreq)
        *termfreq = 0;
    try {
        if (tl->started && tl->it != tl->end)
            ++tl->it;
        tl->started = true;
        if (tl->it == tl->end)
            return 0;
        tl->term = *tl->it;
        *term = tl->term.c_str();
        *len = tl->term.size();
        if (termfreq)
            *termfreq = tl->it.get_termfreq();
        return 1;
    } catch (...) {
        return fail(err);
    }
}

void xapian_termlist_free(xapian_termlist *tl)
{
    delete tl;
}

int xapian_database_termlist(xapian_termlist **out, const xapian_database *db,
                             xapian_docid did, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_termlist{db->db.termlist_begin(did),
                                   db->db.termlist_end(did), std::string(),
                                   false};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_spellings(xapian_termlist **out, const xapian_database *db,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_termlist{db->db.spellings_begin(),
                                   db->db.spellings_end(), std::string(),
                                   false};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_termlist_wdf(uint32_t *out, const xapian_termlist *tl,
                        xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(tl);
    if (!tl->started || tl->it == tl->end)
        return set_error(err, XAPIAN_EINVAL, "xapian_termlist_wdf: no "
                         "current term");
    try {
        *out = tl->it.get_wdf();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_get_document(xapian_document **out,
                                 const xapian_database *db, xapian_docid did,
                                 xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_document{db->db.get_document(did), {}, {}};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_compact(const xapian_database *db, const char *dest_path,
                            xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(dest_path);
    try {
        /* Database::compact() is not const in 1.4, so work on a shallow
         * copy of the handle.  Default flags: a multi-file glass directory,
         * not a single file. */
        Xapian::Database src(db->db);
        src.compact(dest_path);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_compact_flags(const xapian_database *db,
                                  const char *dest_path, int flags,
                                  xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(dest_path);
    if (flags & ~XAPIAN_COMPACT_NO_RENUMBER)
        return set_error(err, XAPIAN_EINVAL, "xapian_database_compact_flags: "
                         "unknown flags %#x", flags);
    try {
        Xapian::Database src(db->db);
        src.compact(dest_path, (flags & XAPIAN_COMPACT_NO_RENUMBER)
                                   ? Xapian::DBCOMPACT_NO_RENUMBER : 0);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

namespace {

/* A std::streambuf writing to a C stdio stream: Database::check() reports
 * to a std::ostream. */
class stdio_buf : public std::streambuf {
    FILE *f;

  public:
    explicit stdio_buf(FILE *f_) : f(f_) {}

  protected:
    int_type overflow(int_type c) override
    {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        return fputc(c, f) == EOF ? traits_type::eof() : c;
    }
    std::streamsize xsputn(const char *s, std::streamsize n) override
    {
        return (std::streamsize)fwrite(s, 1, (size_t)n, f);
    }
};

}  // namespace

/* Xapian 1.4's Database::check() deletes the GlassTableCheck it made
 * through a pointer to its base, GlassTable, whose destructor is not
 * virtual (libxapian's glass_check.cc and check.cc).  Harmless here -- the
 * derived class adds one pointer and nothing to destroy -- but AddressSanitizer
 * reports the size mismatch and stops the process; a sanitizer build
 * therefore starts with that one kind of report off (ASAN_OPTIONS in the
 * environment still overrides it). */
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char *__asan_default_options(void);
extern "C" const char *__asan_default_options(void)
{
    return "new_delete_type_mismatch=0";
}
#endif

int xapian_database_check(size_t *out_errors, const char *path, int opts,
                          FILE *out, xapian_error *err)
{
    REQUIRE(out_errors);
    *out_errors = 0;
    REQUIRE(path);
    try {
        stdio_buf buf(out);
        std::ostream os(&buf);
        *out_errors = Xapian::Database::check(path, opts, out ? &os : NULL);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_close(xapian_database *db, xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.close();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_database_free(xapian_database *db)
{
    delete db;
}

/* ------------------------------------------------------------------------
 * Writable database
 */

int xapian_writable_database_open(xapian_writable_database **out,
                                  const char *path, int mode,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(path);
    int action, flags = 0;
    if (mode & XAPIAN_DB_NO_SYNC) {
        flags = Xapian::DB_NO_SYNC;
        mode &= ~XAPIAN_DB_NO_SYNC;
    }
    switch (mode) {
    case XAPIAN_DB_CREATE_OR_OPEN:      action = Xapian::DB_CREATE_OR_OPEN; break;
    case XAPIAN_DB_CREATE:              action = Xapian::DB_CREATE; break;
    case XAPIAN_DB_CREATE_OR_OVERWRITE: action = Xapian::DB_CREATE_OR_OVERWRITE; break;
    case XAPIAN_DB_OPEN:                action = Xapian::DB_OPEN; break;
    default:
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_writable_database_open: bad mode %d", mode);
    }
    try {
        *out = new xapian_writable_database{
            Xapian::WritableDatabase(path, action | flags)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_document(xapian_docid *out_docid,
                                          xapian_writable_database *db,
                                          const xapian_document *doc,
                                          xapian_error *err)
{
    if (out_docid)
        *out_docid = 0;
    REQUIRE(db);
    REQUIRE(doc);
    try {
        xapian_docid did = db->db.add_document(doc->doc);
        if (out_docid)
            *out_docid = did;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_replace_document(xapian_docid *out_docid,
                                              xapian_writable_database *db,
                                              const char *unique_term,
                                              size_t len,
                                              const xapian_document *doc,
                                              xapian_error *err)
{
    if (out_docid)
        *out_docid = 0;
    REQUIRE(db);
    REQUIRE(unique_term);
    REQUIRE(doc);
    try {
        xapian_docid did =
            db->db.replace_document(text(unique_term, len), doc->doc);
        if (out_docid)
            *out_docid = did;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_spelling(xapian_writable_database *db,
                                          const char *word, size_t len,
                                          unsigned freqinc, xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(word, len);
    try {
        db->db.add_spelling(text(word, len), freqinc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_delete_document(xapian_writable_database *db,
                                             xapian_docid did,
                                             xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.delete_document(did);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_remove_spelling(xapian_writable_database *db,
                                             const char *word, size_t len,
                                             unsigned freqdec,
                                             xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(word, len);
    try {
        db->db.remove_spelling(text(word, len), freqdec);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_synonym(xapian_writable_database *db,
                                         const char *term, size_t term_len,
                                         const char *synonym, size_t syn_len,
                                         xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(term, term_len);
    REQUIRE_TEXT(synonym, syn_len);
    try {
        db->db.add_synonym(text(term, term_len), text(synonym, syn_len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_set_metadata(xapian_writable_database *db,
                                          const char *key, size_t key_len,
                                          const char *value, size_t value_len,
                                          xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(key, key_len);
    REQUIRE_TEXT(value, value_len);
    try {
        db->db.set_metadata(text(key, key_len), text(value, value_len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_reader(xapian_database **out,
                                    const xapian_writable_database *db,
                                    xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_database{db->db};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_begin_transaction(xapian_writable_database *db,
                                               int flushed, xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.begin_transaction(flushed != 0);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_commit_transaction(xapian_writable_database *db,
                                                xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.commit_transaction();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_cancel_transaction(xapian_writable_database *db,
                                                xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.cancel_transaction();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_commit(xapian_writable_database *db,
                                    xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.commit();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_doccount(uint32_t *out,
                                      const xapian_writable_database *db,
                                      xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_doccount();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_close(xapian_writable_database *db,
                                   xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.close();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_writable_database_free(xapian_writable_database *db)
{
    if (!db)
        return;
    /* The destructor commits but must not throw; close() first so that the
     * write lock goes even if other copies (a term generator) survive. */
    try {
        db->db.close();
    } catch (...) {
    }
    delete db;
}

/* ------------------------------------------------------------------------
 * Document
 */

int xapian_document_new(xapian_document **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_document();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_set_data(xapian_document *doc, const void *data,
                             size_t len, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(data, len);
    try {
        doc->doc.set_data(text(static_cast<const char *>(data), len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_get_data(const char **out, size_t *out_len,
                             xapian_document *doc, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(doc);
    try {
        doc->data = doc->doc.get_data();
        *out = doc->data.data();
        *out_len = doc->data.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_term(xapian_document *doc, const char *term,
                             size_t len, unsigned wdfinc, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(term, len);
    try {
        doc->doc.add_term(text(term, len), wdfinc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_boolean_term(xapian_document *doc, const char *term,
                                     size_t len, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(term, len);
    try {
        doc->doc.add_boolean_term(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_value(xapian_document *doc, xapian_slot slot,
                              const void *value, size_t len,
                              xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(value, len);
    try {
        doc->doc.add_value(slot, text(static_cast<const char *>(value), len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_get_value(const char **out, size_t *out_len,
                              xapian_document *doc, xapian_slot slot,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(doc);
    try {
        /* One cached copy per slot, so reading another slot leaves earlier
         * pointers valid. */
        std::string &cached = doc->values[slot];
        cached = doc->doc.get_value(slot);
        *out = cached.data();
        *out_len = cached.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_posting(xapian_document *doc, const char *term,
                                size_t len, unsigned pos, unsigned wdfinc,
                                xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(term, len);
    try {
        doc->doc.add_posting(text(term, len), pos, wdfinc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_document_free(xapian_document *doc)
{
    delete doc;
}

/* ------------------------------------------------------------------------
 * Stemmer and stopper
 */

int xapian_stem_new(xapian_stem **out, const char *language,
                    xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(language);
    try {
        *out = new xapian_stem{Xapian::Stem(language)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_stem_word(char **out, const xapian_stem *stem, const char *word,
                     size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(stem);
    REQUIRE_TEXT(word, len);
    try {
        *out = malloc_copy(stem->stem(text(word, len)));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_stem_free(xapian_stem *stem)
{
    delete stem;
}

int xapian_stopper_new(xapian_stopper **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    Xapian::SimpleStopper *stopper = NULL;
    try {
        stopper = new Xapian::SimpleStopper();
        /* Hand counting to Xapian, then hold our own reference. */
        stopper->release();
        stopper->ref();
        *out = new xapian_stopper{stopper};
        return XAPIAN_OK;
    } catch (...) {
        if (stopper)
            stopper->unref();
        return fail(err);
    }
}

int xapian_stopper_add(xapian_stopper *stopper, const char *word, size_t len,
                       xapian_error *err)
{
    REQUIRE(stopper);
    REQUIRE_TEXT(word, len);
    try {
        stopper->stopper->add(text(word, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_stopper_free(xapian_stopper *stopper)
{
    if (!stopper)
        return;
    stopper->stopper->unref();  /* deletes it unless still in use */
    delete stopper;
}

/* ------------------------------------------------------------------------
 * Term generator
 */

int xapian_term_generator_new(xapian_term_generator **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_term_generator();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stemmer(xapian_term_generator *tg,
                                      const xapian_stem *stem,
                                      xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(stem);
    try {
        tg->tg.set_stemmer(stem->stem);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stopper(xapian_term_generator *tg,
                                      const xapian_stopper *stopper,
                                      xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(stopper);
    try {
        tg->tg.set_stopper(stopper->stopper);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stemming_strategy(xapian_term_generator *tg,
                                                int strategy,
                                                xapian_error *err)
{
    REQUIRE(tg);
    if (strategy < XAPIAN_STEM_NONE || strategy > XAPIAN_STEM_SOME_FULL_POS)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_term_generator_set_stemming_strategy: "
                         "bad strategy %d", strategy);
    try {
        tg->tg.set_stemming_strategy(
            static_cast<Xapian::TermGenerator::stem_strategy>(strategy));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_database(xapian_term_generator *tg,
                                       xapian_writable_database *db,
                                       xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(db);
    try {
        tg->tg.set_database(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_flags(xapian_term_generator *tg, int flags,
                                    xapian_error *err)
{
    REQUIRE(tg);
    try {
        tg->tg.set_flags(static_cast<Xapian::TermGenerator::flags>(flags));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_document(xapian_term_generator *tg,
                                       xapian_document *doc,
                                       xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(doc);
    try {
        tg->tg.set_document(doc->doc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_index_text(xapian_term_generator *tg,
                                     const char *text_, size_t len,
                                     unsigned wdfinc, const char *prefix,
                                     xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE_TEXT(text_, len);
    try {
        tg->tg.index_text(text(text_, len), wdfinc, prefix ? prefix : "");
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_index_text_without_positions(
    xapian_term_generator *tg, const char *text_, size_t len, unsigned wdfinc,
    const char *prefix, xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE_TEXT(text_, len);
    try {
        tg->tg.index_text_without_positions(text(text_, len), wdfinc,
                                            prefix ? prefix : "");
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_increase_termpos(xapian_term_generator *tg,
                                           unsigned delta, xapian_error *err)
{
    REQUIRE(tg);
    try {
        tg->tg.increase_termpos(delta);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_term_generator_free(xapian_term_generator *tg)
{
    delete tg;
}

/* ------------------------------------------------------------------------
 * Query parser and query
 */

int xapian_query_parser_new(xapian_query_parser **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_query_parser();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stemmer(xapian_query_parser *qp,
                                    const xapian_stem *stem,
                                    xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(stem);
    try {
        qp->qp.set_stemmer(stem->stem);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stemming_strategy(xapian_query_parser *qp,
                                              int strategy,
                                              xapian_error *err)
{
    REQUIRE(qp);
    if (strategy < XAPIAN_STEM_NONE || strategy > XAPIAN_STEM_SOME_FULL_POS)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_parser_set_stemming_strategy: "
                         "bad strategy %d", strategy);
    try {
        qp->qp.set_stemming_strategy(
            static_cast<Xapian::QueryParser::stem_strategy>(strategy));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stopper(xapian_query_parser *qp,
                                    const xapian_stopper *stopper,
                                    xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(stopper);
    try {
        qp->qp.set_stopper(stopper->stopper);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_database(xapian_query_parser *qp,
                                     const xapian_database *db,
                                     xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(db);
    try {
        qp->qp.set_database(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_default_op(xapian_query_parser *qp, int op,
                                       xapian_error *err)
{
    REQUIRE(qp);
    if (op != XAPIAN_QUERY_OP_AND && op != XAPIAN_QUERY_OP_OR)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_parser_set_default_op: "
                         "op %d is neither AND nor OR", op);
    try {
        qp->qp.set_default_op(op == XAPIAN_QUERY_OP_AND ? Xapian::Query::OP_AND
                                                        : Xapian::Query::OP_OR);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_max_expansion(xapian_query_parser *qp,
                                          unsigned max_expansion,
                                          int max_type, unsigned flags,
                                          xapian_error *err)
{
    REQUIRE(qp);
    if (max_type != XAPIAN_WILDCARD_LIMIT_ERROR
        && max_type != XAPIAN_WILDCARD_LIMIT_FIRST
        && max_type != XAPIAN_WILDCARD_LIMIT_MOST_FREQUENT)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_parser_set_max_expansion: "
                         "max_type %d is no XAPIAN_WILDCARD_LIMIT_*",
                         max_type);
    try {
        qp->qp.set_max_expansion(max_expansion, max_type, flags);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_add_prefix(xapian_query_parser *qp, const char *field,
                                   const char *prefix, xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(field);
    REQUIRE(prefix);
    try {
        qp->qp.add_prefix(field, prefix);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_add_boolean_prefix(xapian_query_parser *qp,
                                           const char *field,
                                           const char *prefix,
                                           xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(field);
    REQUIRE(prefix);
    try {
        qp->qp.add_boolean_prefix(field, prefix);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_parse(xapian_query **out, xapian_query_parser *qp,
                              const char *text_, size_t len, unsigned flags,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(qp);
    REQUIRE_TEXT(text_, len);
    try {
        qp->corrected.clear();
        Xapian::Query q = qp->qp.parse_query(text(text_, len), flags);
        qp->corrected = qp->qp.get_corrected_query_string();
        *out = new xapian_query{q};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

const char *xapian_query_parser_corrected(const xapian_query_parser *qp)
{
    return qp ? qp->corrected.c_str() : "";
}

void xapian_query_parser_free(xapian_query_parser *qp)
{
    delete qp;
}

int xapian_query_new_term(xapian_query **out, const char *term, size_t len,
                          xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE_TEXT(term, len);
    try {
        *out = new xapian_query{Xapian::Query(text(term, len))};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_combine(xapian_query **out, int op,
                         xapian_query *const *subqueries, size_t n,
                         xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(subqueries || n == 0);
    Xapian::Query::op xop;
    switch (op) {
    case XAPIAN_QUERY_OP_AND:     xop = Xapian::Query::OP_AND; break;
    case XAPIAN_QUERY_OP_OR:      xop = Xapian::Query::OP_OR; break;
    case XAPIAN_QUERY_OP_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
    case XAPIAN_QUERY_OP_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; break;
    case XAPIAN_QUERY_OP_FILTER:  xop = Xapian::Query::OP_FILTER; break;
    case XAPIAN_QUERY_OP_SYNONYM: xop = Xapian::Query::OP_SYNONYM; break;
    case XAPIAN_QUERY_OP_XOR:     xop = Xapian::Query::OP_XOR; break;
    case XAPIAN_QUERY_OP_MAX:     xop = Xapian::Query::OP_MAX; break;
    default:
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_combine: unknown op %d", op);
    }
    for (size_t i = 0; i < n; i++) {
        if (!subqueries[i])
            return set_error(err, XAPIAN_EINVAL,
                             "xapian_query_combine: subqueries[%zu] is NULL",
                             i);
    }
    try {
        /* Bounded by n: one pass copying the handles. */
        std::vector<Xapian::Query> subs;
        subs.reserve(n);
        for (size_t i = 0; i < n; i++)
            subs.push_back(subqueries[i]->q);
        *out = new xapian_query{Xapian::Query(xop, subs.begin(), subs.end())};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_scale(xapian_query **out, const xapian_query *q,
                       double factor, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    try {
        *out = new xapian_query{Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                              q->q, factor)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_terms(char **out, size_t *out_n, const xapian_query *q,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(q);
    try {
        join_terms(out, out_n, q->q.get_unique_terms_begin(),
                   q->q.get_unique_terms_end());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_copy(xapian_query **out, const xapian_query *q,
                      xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    try {
        *out = new xapian_query{q->q};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_type(const xapian_query *q)
{
    return q ? int(q->q.get_type()) : XAPIAN_QUERY_LEAF_MATCH_NOTHING;
}

size_t xapian_query_num_subqueries(const xapian_query *q)
{
    return q ? q->q.get_num_subqueries() : 0;
}

int xapian_query_subquery(xapian_query **out, const xapian_query *q,
                          size_t i, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    if (i >= q->q.get_num_subqueries())
        return set_error(err, XAPIAN_ERANGE, "xapian_query_subquery: "
                         "subquery %zu of %zu", i, q->q.get_num_subqueries());
    try {
        *out = new xapian_query{q->q.get_subquery(i)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_leaf_term(char **out, size_t *out_len, const xapian_query *q,
                           xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    REQUIRE(q);
    if (q->q.get_type() != Xapian::Query::LEAF_TERM)
        return set_error(err, XAPIAN_EINVAL, "xapian_query_leaf_term: not "
                         "a term");
    try {
        std::string t = *q->q.get_terms_begin();
        *out = malloc_copy(t);
        if (out_len)
            *out_len = t.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_serialise(char **out, size_t *out_len, const xapian_query *q,
                           xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(q);
    try {
        std::string d = q->q.serialise();
        *out = malloc_copy(d);
        *out_len = d.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_same(const xapian_query *a, const xapian_query *b)
{
    return a && b && a->q.internal.get() == b->q.internal.get();
}

int xapian_query_empty(const xapian_query *q)
{
    return !q || q->q.empty();
}

/* Does whether q matches a document depend only on q's own terms (their
 * wdf and positions)?  Not for wildcards, value ranges, MatchAll or
 * posting sources. */
static bool terms_only(const Xapian::Query &q)
{
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_NEAR:
    case Xapian::Query::OP_PHRASE:
    case Xapian::Query::OP_SCALE_WEIGHT:
    case Xapian::Query::OP_ELITE_SET:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        break;
    default:
        return false;
    }
    for (size_t i = 0, n = q.get_num_subqueries(); i < n; i++)
        if (!terms_only(q.get_subquery(i)))
            return false;
    return true;
}

/* A copy of doc holding only q's terms, with their wdf and positions:
 * what matching q against doc reads, at a fraction of the cost of adding
 * the whole document to a database. */
static Xapian::Document query_terms_of(const Xapian::Query &q,
                                       const Xapian::Document &doc)
{
    Xapian::Document part;
    Xapian::TermIterator d = doc.termlist_begin();
    for (Xapian::TermIterator t = q.get_unique_terms_begin();
         t != q.get_unique_terms_end(); ++t) {
        d.skip_to(*t);
        if (d == doc.termlist_end())
            break;
        if (*d != *t)
            continue;
        Xapian::termcount positions = 0;
        for (Xapian::PositionIterator p = d.positionlist_begin();
             p != d.positionlist_end(); ++p, ++positions)
            part.add_posting(*t, *p, 0);
        Xapian::termcount wdf = d.get_wdf();
        part.add_term(*t, wdf > positions ? wdf - positions : 0);
    }
    return part;
}

int xapian_query_matches_document(int *out, const xapian_query *q,
                                  const xapian_document *doc,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(q);
    REQUIRE(doc);
    try {
        Xapian::WritableDatabase one(std::string(),
                                     Xapian::DB_BACKEND_INMEMORY);
        one.add_document(terms_only(q->q) ? query_terms_of(q->q, doc->doc)
                                          : doc->doc);
        Xapian::Enquire enq(one);
        enq.set_query(q->q);
        enq.set_weighting_scheme(Xapian::BoolWeight());
        *out = enq.get_mset(0, 1).size() != 0;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_describe(char **out, const xapian_query *q,
                          xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    try {
        *out = malloc_copy(q->q.get_description());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_query_free(xapian_query *q)
{
    delete q;
}

/* ------------------------------------------------------------------------
 * Enquire and MSet
 */

int xapian_enquire_new(xapian_enquire **out, const xapian_database *db,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_enquire(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_query(xapian_enquire *enq, const xapian_query *q,
                             xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(q);
    try {
        enq->enq.set_query(q->q);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* Makes w enq's weighting scheme (the Enquire keeps a clone). */
static void use_weight(xapian_enquire *enq, const Xapian::Weight &w)
{
    enq->enq.set_weighting_scheme(w);
}

int xapian_enquire_set_weighting_bm25(xapian_enquire *enq, double k1,
                                      double k2, double k3, double b,
                                      double min_normlen, xapian_error *err)
{
    REQUIRE(enq);
    try {
        use_weight(enq, 
            Xapian::BM25Weight(k1, k2, k3, b, min_normlen));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* params[i], or dflt when the caller gave fewer. */
static double param(const double *params, size_t n, size_t i, double dflt)
{
    return i < n ? params[i] : dflt;
}

int xapian_enquire_set_weighting(xapian_enquire *enq, const char *name,
                                 const double *params, size_t n,
                                 xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(name);
    REQUIRE(params || n == 0);
    try {
        std::string s(name);
        const double *p = params;
        if (s == "bm25+")
            use_weight(enq, Xapian::BM25PlusWeight(
                param(p, n, 0, 1), param(p, n, 1, 0), param(p, n, 2, 1),
                param(p, n, 3, 0.5), param(p, n, 4, 0.5), param(p, n, 5, 1)));
        else if (s == "pl2")
            use_weight(enq, Xapian::PL2Weight(param(p, n, 0, 1)));
        else if (s == "pl2+")
            use_weight(enq, Xapian::PL2PlusWeight(
                param(p, n, 0, 1), param(p, n, 1, 0.8)));
        else if (s == "dph")
            use_weight(enq, Xapian::DPHWeight());
        else if (s == "dlh")
            use_weight(enq, Xapian::DLHWeight());
        else if (s == "inl2")
            use_weight(enq, Xapian::InL2Weight(param(p, n, 0, 1)));
        else if (s == "ifb2")
            use_weight(enq, Xapian::IfB2Weight(param(p, n, 0, 1)));
        else if (s == "ineb2")
            use_weight(enq, Xapian::IneB2Weight(param(p, n, 0, 1)));
        else if (s == "bb2")
            use_weight(enq, Xapian::BB2Weight(param(p, n, 0, 1)));
        else if (s == "lm")
            use_weight(enq, Xapian::LMWeight(
                param(p, n, 0, 0),
                Xapian::Weight::type_smoothing(int(param(p, n, 1, 1))),
                param(p, n, 2, -1), param(p, n, 3, -1)));
        else
            return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_weighting:"
                             " unknown scheme \"%s\"", name);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_collapse_key(xapian_enquire *enq, xapian_slot slot,
                                    unsigned collapse_max, xapian_error *err)
{
    REQUIRE(enq);
    try {
        if (collapse_max == 0)
            enq->enq.set_collapse_key(Xapian::BAD_VALUENO);
        else
            enq->enq.set_collapse_key(slot, collapse_max);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_cutoff(xapian_enquire *enq, int percent_cutoff,
                              double weight_cutoff, xapian_error *err)
{
    REQUIRE(enq);
    if (percent_cutoff < 0 || percent_cutoff > 100 || !(weight_cutoff >= 0))
        return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_cutoff: "
                         "percent outside [0, 100] or negative weight");
    try {
        enq->enq.set_cutoff(percent_cutoff, weight_cutoff);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_get_mset(xapian_mset **out, xapian_enquire *enq,
                            unsigned first, unsigned maxitems,
                            unsigned checkatleast, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(enq);
    try {
        *out = new xapian_mset{enq->enq.get_mset(first, maxitems,
                                                 checkatleast)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_expansion_scheme(xapian_enquire *enq, const char *name,
                                        double k, xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(name);
    if (!(k >= 0))
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_enquire_set_expansion_scheme: negative k");
    try {
        enq->enq.set_expansion_scheme(name, k);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_get_eset(xapian_eset **out, xapian_enquire *enq,
                            unsigned maxitems, const xapian_docid *rel,
                            size_t nrel, int flags, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(enq);
    REQUIRE(rel || nrel == 0);
    if (flags & ~XAPIAN_ESET_EXACT_TERMFREQ)
        return set_error(err, XAPIAN_EINVAL, "xapian_enquire_get_eset: "
                         "unknown flags");
    try {
        Xapian::RSet rset;
        for (size_t i = 0; i < nrel; i++)       /* bounded by nrel */
            rset.add_document(rel[i]);
        int f = flags & XAPIAN_ESET_EXACT_TERMFREQ
                    ? Xapian::Enquire::USE_EXACT_TERMFREQ : 0;
        xapian_eset *e = new xapian_eset{
            enq->enq.get_eset(maxitems, rset, f), {}};
        for (Xapian::ESetIterator t = e->eset.begin(); t != e->eset.end(); ++t)
            e->terms.push_back(*t);
        *out = e;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

unsigned xapian_eset_size(const xapian_eset *eset)
{
    return eset ? (unsigned)eset->terms.size() : 0;
}

int xapian_eset_term(const char **out, size_t *out_len, double *out_weight,
                     const xapian_eset *eset, unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(out_weight);
    *out_weight = 0;
    REQUIRE(eset);
    if (i >= eset->terms.size())
        return set_error(err, XAPIAN_ERANGE, "xapian_eset_term: index %u "
                         "past the end (%zu terms)", i, eset->terms.size());
    try {
        *out = eset->terms[i].data();
        *out_len = eset->terms[i].size();
        Xapian::ESetIterator t = eset->eset.begin();
        t += i;
        *out_weight = t.get_weight();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_eset_free(xapian_eset *eset)
{
    delete eset;
}

int xapian_enquire_matching_terms(char **out, size_t *out_n,
                                  const xapian_enquire *enq,
                                  const xapian_mset *mset, unsigned i,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(enq);
    REQUIRE(mset);
    if (i >= mset->mset.size())
        return set_error(err, XAPIAN_ERANGE, "xapian_enquire_matching_terms: "
                         "index %u past the end (%u hits)", i,
                         (unsigned)mset->mset.size());
    try {
        Xapian::MSetIterator m = mset->mset[i];
        join_terms(out, out_n, enq->enq.get_matching_terms_begin(m),
                   enq->enq.get_matching_terms_end(m));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_termweight(double *out_weight, uint32_t *out_freq,
                           const xapian_mset *mset, const char *term,
                           size_t len, xapian_error *err)
{
    REQUIRE(out_weight);
    *out_weight = 0;
    REQUIRE(out_freq);
    *out_freq = 0;
    REQUIRE(mset);
    REQUIRE_TEXT(term, len);
    try {
        *out_weight = mset->mset.get_termweight(text(term, len));
        *out_freq = mset->mset.get_termfreq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_enquire_free(xapian_enquire *enq)
{
    delete enq;
}

unsigned xapian_mset_size(const xapian_mset *mset)
{
    return mset ? mset->mset.size() : 0;
}

unsigned xapian_mset_matches_estimated(const xapian_mset *mset)
{
    return mset ? mset->mset.get_matches_estimated() : 0;
}

unsigned xapian_mset_matches_lower_bound(const xapian_mset *mset)
{
    return mset ? mset->mset.get_matches_lower_bound() : 0;
}

unsigned xapian_mset_matches_upper_bound(const xapian_mset *mset)
{
    return mset ? mset->mset.get_matches_upper_bound() : 0;
}

/* Checks mset and index i for the per-hit accessors below. */
#define REQUIRE_HIT(mset, i)                                                \
    do {                                                                    \
        REQUIRE(mset);                                                      \
        if ((i) >= (mset)->mset.size())                                     \
            return set_error(err, XAPIAN_ERANGE,                            \
                             "%s: hit %u is past the end (size %u)",        \
                             __func__, (i), (mset)->mset.size());           \
    } while (0)

int xapian_mset_docid(xapian_docid *out, const xapian_mset *mset, unsigned i,
                      xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = *mset->mset[i];
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_rank(unsigned *out, const xapian_mset *mset, unsigned i,
                     xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_rank();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_weight(double *out, const xapian_mset *mset, unsigned i,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_weight();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_percent(int *out, const xapian_mset *mset, unsigned i,
                        xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_percent();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_collapse_count(unsigned *out, const xapian_mset *mset,
                               unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_collapse_count();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_document(xapian_document **out, const xapian_mset *mset,
                         unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE_HIT(mset, i);
    try {
        *out = new xapian_document{mset->mset[i].get_document(), {}, {}};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_snippet(char **out, size_t *out_len, const xapian_mset *mset,
                        const char *text_, size_t len, size_t length,
                        const xapian_stem *stem, unsigned flags,
                        const char *hi_start, const char *hi_end,
                        const char *omit, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    REQUIRE(mset);
    REQUIRE_TEXT(text_, len);
    REQUIRE(hi_start);
    REQUIRE(hi_end);
    REQUIRE(omit);
    try {
        std::string s = mset->mset.snippet(text(text_, len), length,
                                           stem ? stem->stem : Xapian::Stem(),
                                           flags, hi_start, hi_end, omit);
        *out = malloc_copy(s);
        if (out_len)
            *out_len = s.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_mset_free(xapian_mset *mset)
{
    delete mset;
}

/* ---- counting matches ---------------------------------------------------- */

int xapian_enquire_set_weighting_bool(xapian_enquire *enq, xapian_error *err)
{
    REQUIRE(enq);
    try {
        enq->enq.set_weighting_scheme(Xapian::BoolWeight());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}
